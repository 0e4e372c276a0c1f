import VisivoSupport

/// What an insight (a 2.x object) adds to the trace it compiles to. The loader rewrites an
/// insight's `?{...}` props and interactions into a trace's `query(...)` props, filters,
/// `cohort_on` and `order_by` over one model (a join of several), so that the build, the
/// cache and the viewer treat both alike.
public struct InsightInfo: Sendable, Hashable {
    public var description: String?
    /// `?{ ... }[0]` / `[a:b]`: the slice the viewer takes of a prop's values, by props path.
    public var slices: [String: String] = [:]
    /// The inputs its statements read, by name, with the accessors used (in first use order).
    public var inputs: [InputUse] = []
    /// The models its statements name, in first use order.
    public var models: [String] = []

    package init(description: String?) { self.description = description }
}

/// One `${ref(input).accessor}` an insight uses.
public struct InputUse: Sendable, Hashable {
    public var input: String
    public var accessor: String

    package init(input: String, accessor: String) {
        self.input = input
        self.accessor = accessor
    }

    /// Stands for the input's value in compiled SQL until the query is bound: control
    /// characters never appear in a project's text, so the marker cannot collide.
    public var marker: String { "\u{2}\(input).\(accessor)\u{3}" }
}

/// A 2.x input: a value the viewer picks, bound as a query parameter wherever an insight
/// uses it.
public struct Input: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case single = "single-select", multi = "multi-select" }
    public enum Options: Sendable, Hashable {
        case list([JSONValue])
        /// A query over one model, run on its source at build time.
        case query(sql: String, model: Ref)
        case range(start: JSONValue, end: JSONValue, step: JSONValue)
    }
    /// What is picked before the viewer changes anything.
    public enum Default: Sendable, Hashable {
        case first
        case value(JSONValue)
        case values([JSONValue])
        case all, nothing
        case range(start: JSONValue, end: JSONValue)
    }
    public var name: String
    public var kind: Kind
    public var label: String?
    public var options: Options
    /// `dropdown`, `radio`, `toggle`, `tabs`, `autocomplete`, `slider`, `checkboxes`,
    /// `chips`, `tags`, `range-slider`, `date-range`.
    public var display: String
    public var defaultValue: Default
    public var location: SourceLocation

    package init(name: String, kind: Kind, label: String?, options: Options, display: String, defaultValue: Default, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.label = label
        self.options = options
        self.display = display
        self.defaultValue = defaultValue
        self.location = location
    }

    /// The accessors each kind of input has.
    public var accessors: [String] {
        switch (kind, options) {
        case (.single, _): return ["value"]
        case (.multi, .range): return ["min", "max", "first", "last"]
        case (.multi, _): return ["values", "min", "max", "first", "last"]
        }
    }
}

/// A markdown object (2.x): text a dashboard item shows, aligned and justified.
public struct Markdown: Sendable, Hashable {
    public var name: String
    public var content: String
    /// `left`, `center`, `right`.
    public var align: String
    /// `start`, `end`, `center`, `between`, `around`, `evenly`.
    public var justify: String
    public var location: SourceLocation

    package init(name: String, content: String, align: String, justify: String, location: SourceLocation) {
        self.name = name
        self.content = content
        self.align = align
        self.justify = justify
        self.location = location
    }
}

/// A metric or a dimension: a named SQL expression an insight uses as `${ref(name)}` (or
/// `${ref(model).name}` when it belongs to a model).
public struct NamedExpression: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case metric, dimension }
    public var name: String
    public var kind: Kind
    public var expression: String
    /// The model it was written on; nil at the top level.
    public var model: String?
    public var dataType: String?
    public var location: SourceLocation

    package init(name: String, kind: Kind, expression: String, model: String?, dataType: String?, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.expression = expression
        self.model = model
        self.dataType = dataType
        self.location = location
    }
}

/// How an insight over two models joins them.
public struct Relation: Sendable, Hashable {
    public var name: String
    /// `inner`, `left`, `right`, `full`.
    public var joinType: String
    /// `${ref(a).id} = ${ref(b).a_id}`.
    public var condition: String
    public var isDefault: Bool
    public var location: SourceLocation

    package init(name: String, joinType: String, condition: String, isDefault: Bool, location: SourceLocation) {
        self.name = name
        self.joinType = joinType
        self.condition = condition
        self.isDefault = isDefault
        self.location = location
    }
}

/// A top-level test (2.x): assertions over built insight data, run by `visivo test`.
public struct ProjectTest: Sendable, Hashable {
    public enum OnFailure: String, Sendable, Hashable { case exit, `continue` }
    public var name: String
    public var condition: Located<String>?
    public var onFailure: OnFailure
    public var assertions: [Located<String>]
    public var location: SourceLocation

    package init(name: String, condition: Located<String>?, onFailure: OnFailure, assertions: [Located<String>], location: SourceLocation) {
        self.name = name
        self.condition = condition
        self.onFailure = onFailure
        self.assertions = assertions
        self.location = location
    }
}

/// A 2.x table's `columns`, `rows` and `values`: expressions as written, and the
/// select-item keys of the generated trace that computes them (set by the loader). With
/// `values`, the viewer pivots: one row per `rows` key, one column per `columns` value.
public struct Pivot: Sendable, Hashable {
    public var rows: [Located<String>]
    public var columns: [Located<String>]
    public var values: [Located<String>]
    public var rowKeys: [String] = []
    public var columnKeys: [String] = []
    public var valueKeys: [String] = []

    package init(rows: [Located<String>], columns: [Located<String>], values: [Located<String>]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }
}

/// A dashboard's level on the project page: a number, or a title of `defaults.levels`.
public struct Level: Sendable, Hashable {
    public var title: String
    public var description: String

    package init(title: String, description: String) {
        self.title = title
        self.description = description
    }
}
