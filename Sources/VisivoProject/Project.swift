import VisivoSupport

/// A reference to a named object, where it was written (`ref(name)` or an inline object's name).
public struct Ref: Sendable, Hashable {
    public var name: String
    public var location: SourceLocation
    public init(_ name: String, at location: SourceLocation) {
        self.name = name
        self.location = location
    }
}

/// The kinds of object a project holds; each becomes a node kind in the graph.
public enum ObjectKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case source, model, input, trace, insight, chart, table, markdown, selector, dashboard

    /// The order a build walks them in (what is needed comes first).
    var rank: Int { ObjectKind.allCases.firstIndex(of: self)! }
    public static func < (a: ObjectKind, b: ObjectKind) -> Bool { a.rank < b.rank }
}

/// A whole project after includes, templating and decoding: plain values, refs by name.
public struct Project: Sendable {
    public var name: String?
    /// The folder holding the project file; relative paths resolve against it.
    public var directory: String
    /// Every file read, the project file first (paths relative to `directory`).
    public var files: [String]
    public var defaults: Defaults
    public var sources: [Source] = []
    public var models: [Model] = []
    public var traces: [Trace] = []
    public var charts: [Chart] = []
    public var tables: [Table] = []
    public var selectors: [Selector] = []
    public var dashboards: [Dashboard] = []
    /// 2.x objects. Insights are in `traces` (each with its `insight` info), and so are the
    /// generated data traces of 2.x tables.
    public var inputs: [Input] = []
    public var markdowns: [Markdown] = []
    /// Metrics and dimensions, top level and of models.
    public var expressions: [NamedExpression] = []
    public var relations: [Relation] = []
    public var tests: [ProjectTest] = []
    /// What the loader accepted but the user should hear about.
    public var warnings: [Diagnostic] = []
    /// A hash of the project's files as rendered (after templating).
    public var contentHash = ""
    /// Alerts and destinations are read but not run.
    public var ignoredSections: [String] = []
    /// Objects whose values use an environment variable that is not set, with where: these
    /// nodes fail (and what needs them is skipped); the rest of the project builds.
    public var unresolved: [String: [Diagnostic]] = [:]

    public init(directory: String, files: [String] = [], defaults: Defaults = Defaults()) {
        self.directory = directory
        self.files = files
        self.defaults = defaults
    }

    public struct Defaults: Sendable {
        public var sourceName: Ref?
        /// `defaults.levels`: the titles a dashboard's `level` may name, in order.
        public var levels: [Level] = []
        public init(sourceName: Ref? = nil) { self.sourceName = sourceName }
    }

    public func source(named name: String) -> Source? { sources.first { $0.name == name } }
    public func model(named name: String) -> Model? { models.first { $0.name == name } }
    public func trace(named name: String) -> Trace? { traces.first { $0.name == name } }
    public func input(named name: String) -> Input? { inputs.first { $0.name == name } }
}

/// A database connection.
public struct Source: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case sqlite, postgresql, mysql, duckdb, snowflake, bigquery
    }
    public var name: String
    public var type: Kind
    public var database: String
    public var host: String?
    public var port: Int?
    public var username: String?
    public var password: String?
    public var dbSchema: String?
    public var connectionPoolSize: Int?
    public var sslmode: String?
    public var account: String?
    public var warehouse: String?
    public var role: String?
    public var project: String?
    public var credentialsBase64: String?
    /// Snowflake key-pair authentication: a PEM private key file (PKCS#8, optionally encrypted).
    public var privateKeyPath: String?
    public var privateKeyPassphrase: String?
    /// BigQuery: the location (region) jobs run in, e.g. `US`, `EU`, `europe-west1`.
    public var dataLocation: String?
    /// DuckDB: open the database file read-only (the default) or read-write.
    public var readOnly: Bool?
    /// MySQL TLS: CA certificate, client certificate and key files (`sslmode` says whether
    /// TLS is required and whether the server certificate is verified).
    public var sslCA: String?
    public var sslCert: String?
    public var sslKey: String?
    /// SQLite `attach`: more database files under schema names.
    public var attach: [Attachment] = []
    /// How old a cached result may get before it is queried again.
    public var maxAge: Duration?
    /// A cheap query whose result says whether a server source's data changed.
    public var freshness: String?
    public var location: SourceLocation
    /// True for objects generated by the loader (not written by the user).
    public var synthetic = false

    public struct Attachment: Sendable, Hashable {
        public var schemaName: String
        public var database: String
        public var sourceName: String?

        package init(schemaName: String, database: String, sourceName: String?) {
            self.schemaName = schemaName
            self.database = database
            self.sourceName = sourceName
        }
    }

    public init(name: String, type: Kind, database: String, location: SourceLocation) {
        self.name = name
        self.type = type
        self.database = database
        self.location = location
    }
}

/// A model: SQL on a source, CSV printed by a script, or a local merge of other models.
public struct Model: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case sql(sql: String, source: Ref?)
        case csvScript(args: [String], tableName: String)
        case localMerge(models: [Ref], sql: String)
    }
    public var name: String
    public var kind: Kind
    public var maxAge: Duration?
    public var location: SourceLocation

    public init(name: String, kind: Kind, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.location = location
    }

    /// The SQL the trace query wraps as `base_query`.
    public var sql: String {
        switch kind {
        case .sql(let sql, _): return sql
        case .csvScript(_, let table): return "select * from \(SQLiteName.tableReference(table))"
        case .localMerge(_, let sql): return sql
        }
    }
}

/// A text with the place it was written (a filter, an order_by entry, a column expression).
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var location: SourceLocation
    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// One plotly series whose data comes from SQL.
public struct Trace: Sendable, Hashable {
    public var name: String
    public var model: Ref
    /// The plotly trace attributes, `query(...)` and `column(...)` strings included.
    public var props: JSONValue
    /// Where each string inside `props` was written, by dotted path (for diagnostics).
    public var propLocations: [String: SourceLocation] = [:]
    public var columns: [Located<ColumnDef>] = []
    public var cohortOn: Located<String>?
    public var filters: [Located<String>] = []
    public var orderBy: [Located<String>] = []
    /// 1.x `tests: [{logic: ...}]`, run by `visivo test`.
    public var tests: [Located<String>] = []
    /// Set when the trace is a 2.x insight.
    public var insight: InsightInfo?
    /// Generated by the loader for a 2.x table's `data` or pivot.
    public var synthetic = false
    public var location: SourceLocation

    public struct ColumnDef: Sendable, Hashable {
        public var name: String
        public var expression: String

        package init(name: String, expression: String) {
            self.name = name
            self.expression = expression
        }
    }

    public init(name: String, model: Ref, props: JSONValue, location: SourceLocation) {
        self.name = name
        self.model = model
        self.props = props
        self.location = location
    }
}

public struct Chart: Sendable, Hashable {
    public var name: String
    public var traces: [Ref]
    public var layout: JSONValue?
    public var selector: Ref?
    public var location: SourceLocation

    package init(name: String, traces: [Ref], layout: JSONValue?, selector: Ref?, location: SourceLocation) {
        self.name = name
        self.traces = traces
        self.layout = layout
        self.selector = selector
        self.location = location
    }
}

public struct Table: Sendable, Hashable {
    public var name: String
    public var traces: [Ref]
    public var columnDefs: [ColumnDefs] = []
    public var rowsPerPage: Int?
    public var selector: Ref?
    /// 2.x: `data: ${ref(model or insight)}` (a model's rows come from a generated trace,
    /// which `traces` then holds), and a pivot over the generated trace's columns.
    public var data: Ref?
    public var pivot: Pivot?
    public var formatCells: JSONValue?
    public var location: SourceLocation

    public struct ColumnDefs: Sendable, Hashable {
        public var traceName: Located<String>
        public var columns: [JSONValue]

        package init(traceName: Located<String>, columns: [JSONValue]) {
            self.traceName = traceName
            self.columns = columns
        }
    }

    package init(name: String, traces: [Ref], columnDefs: [ColumnDefs] = [], rowsPerPage: Int?, selector: Ref?, location: SourceLocation) {
        self.name = name
        self.traces = traces
        self.columnDefs = columnDefs
        self.rowsPerPage = rowsPerPage
        self.selector = selector
        self.location = location
    }
}

public struct Selector: Sendable, Hashable {
    public var name: String
    public var type: String
    public var options: [Ref]
    public var location: SourceLocation

    package init(name: String, type: String, options: [Ref], location: SourceLocation) {
        self.name = name
        self.type = type
        self.options = options
        self.location = location
    }
}
