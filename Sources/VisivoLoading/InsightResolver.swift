import VisivoProject
import VisivoSupport

/// Gives 2.x objects their meaning once every file is read: an insight's `?{...}` props and
/// interactions become a trace's queries, filters, split and sort over its model (or a
/// join of its models by their relation), with metrics and dimensions expanded and inputs
/// left as markers for the query to bind; an input's option query reads its model; a
/// table's `data` or pivot becomes a generated trace.
struct InsightResolver {
    var project: Project
    var diagnostics: [Diagnostic] = []
    let models: [String: Model]
    let inputs: [String: Input]
    /// Top-level metrics and dimensions by name; a model's by model, then name.
    let expressions: [String: NamedExpression]
    let modelExpressions: [String: [String: NamedExpression]]
    /// Every object name (for "did you mean").
    let names: [String]

    static func resolve(_ project: inout Project) -> [Diagnostic] {
        guard
            !project.traces.allSatisfy({ $0.insight == nil }) || !project.inputs.isEmpty
                || project.tables.contains(where: { $0.data != nil || $0.pivot != nil })
        else { return [] }
        var r = InsightResolver(project)
        r.run()
        project = r.project
        return r.diagnostics
    }

    init(_ project: Project) {
        self.project = project
        var models: [String: Model] = [:]
        for m in project.models where models[m.name] == nil { models[m.name] = m }
        self.models = models
        var inputs: [String: Input] = [:]
        for i in project.inputs where inputs[i.name] == nil { inputs[i.name] = i }
        self.inputs = inputs
        var top: [String: NamedExpression] = [:], byModel: [String: [String: NamedExpression]] = [:]
        var problems: [Diagnostic] = []
        for e in project.expressions {
            if let m = e.model {
                if let first = byModel[m]?[e.name] {
                    problems.append(
                        Diagnostic(.error, "model '\(m)' has two metrics or dimensions named '\(e.name)' (the first is at \(first.location))", at: e.location))
                }
                byModel[m, default: [:]][e.name] = byModel[m]?[e.name] ?? e
            } else {
                if let first = top[e.name] {
                    problems.append(
                        Diagnostic(.error, "duplicate \(e.kind) name '\(e.name)': a \(first.kind) already has this name at \(first.location)", at: e.location))
                } else if models[e.name] != nil || inputs[e.name] != nil || project.traces.contains(where: { $0.name == e.name }) {
                    problems.append(Diagnostic(.error, "\(e.kind) '\(e.name)' has the name of another object; names are unique in a project", at: e.location))
                }
                top[e.name] = top[e.name] ?? e
            }
        }
        expressions = top
        modelExpressions = byModel
        names = project.models.map(\.name) + project.inputs.map(\.name) + top.keys.sorted()
        diagnostics = problems
    }

    mutating func run() {
        for i in project.traces.indices where project.traces[i].insight != nil { resolveInsight(i) }
        for i in project.inputs.indices { resolveInput(i) }
        for i in project.tables.indices { resolveTable(i) }
        for r in project.relations { checkRelation(r) }
    }

    // MARK: - Expanding a statement

    /// What one statement (or all of an insight's) reads.
    struct Reads {
        var models: [String] = []
        /// Columns read per model (what a join projects).
        var columns: [String: [String]] = [:]
        var inputs: [InputUse] = []
        /// True when the statement is over a join: columns are the join's aliases.
        var joined = false
        /// The quote of the join's aliases.
        var quote: Character = "\""

        mutating func read(_ model: String, _ column: String) {
            if !models.contains(model) { models.append(model) }
            if !(columns[model]?.contains(column) ?? false) { columns[model, default: []].append(column) }
        }
    }

    /// `text` with every ref replaced: a model's column by its name (or a join's alias for
    /// it), a metric or dimension by its expression in parentheses, an input by its marker.
    /// `owner` words diagnostics ("insight 'x'").
    mutating func expand(_ text: String, at location: SourceLocation, owner: String, reads: inout Reads, depth: Int = 0) -> String {
        guard depth < 16 else {
            diagnostics.append(Diagnostic(.error, "metrics and dimensions in \(owner) refer to each other in a loop", at: location))
            return text
        }
        return RefText.replacing(in: text) { m in
            if let model = models[m.name] {
                guard let column = m.path.first, m.path.count == 1 else {
                    diagnostics.append(
                        Diagnostic(
                            .error, "${ref(\(m.name))} in \(owner) names model '\(m.name)'; name one of its columns: ${ref(\(m.name)).column}", at: location))
                    return ""
                }
                if let e = modelExpressions[m.name]?[column] {
                    if reads.joined && RefText.mentions(in: e.expression).isEmpty {
                        diagnostics.append(
                            Diagnostic(
                                .error,
                                "\(e.kind) '\(e.name)' of model '\(m.name)' names its columns bare ('\(e.expression)'), which an insight over several models cannot place; write them as ${ref(\(m.name)).column}",
                                at: location))
                    }
                    return "(" + expand(e.expression, at: location, owner: owner, reads: &reads, depth: depth + 1) + ")"
                }
                if case .sql(let sql, _) = model.kind, let known = ModelColumns.known(sql), !known.contains(where: { $0.lowercased() == column.lowercased() }) {
                    var message =
                        "${ref(\(m.name)).\(column)} in \(owner): model '\(m.name)' has no column '\(column)' (it has: \(known.joined(separator: ", "))"
                    let extra = (modelExpressions[m.name] ?? [:]).keys.sorted()
                    if !extra.isEmpty { message += "; metrics and dimensions: \(extra.joined(separator: ", "))" }
                    message += ")"
                    if let near = Suggest.nearest(to: column, in: known + extra) { message += " (did you mean '\(near)'?)" }
                    diagnostics.append(Diagnostic(.error, message, at: location))
                }
                reads.read(m.name, column)
                return reads.joined ? Self.quoted("\(m.name).\(column)", reads.quote) : Self.columnName(column, quote: reads.quote)
            }
            if let e = expressions[m.name] {
                if !m.path.isEmpty {
                    diagnostics.append(
                        Diagnostic(
                            .error, "${ref(\(m.name)).\(m.path.joined(separator: "."))} in \(owner): a \(e.kind) is used as ${ref(\(m.name))}", at: location))
                }
                return "(" + expand(e.expression, at: location, owner: owner, reads: &reads, depth: depth + 1) + ")"
            }
            if let input = inputs[m.name] {
                guard let accessor = m.path.first, m.path.count == 1, input.accessors.contains(accessor) else {
                    let written = m.path.isEmpty ? "" : "." + m.path.joined(separator: ".")
                    diagnostics.append(
                        Diagnostic(
                            .error,
                            "${ref(\(m.name))\(written)} in \(owner): input '\(m.name)' is \(input.kind.rawValue); read it as \(input.accessors.map { "${ref(\(m.name)).\($0)}" }.joined(separator: ", "))",
                            at: location))
                    return ""
                }
                let use = InputUse(input: m.name, accessor: accessor)
                if !reads.inputs.contains(use) { reads.inputs.append(use) }
                return use.marker
            }
            var message = "ref(\(m.name)) in \(owner) names nothing: there is no model, metric, dimension or input named '\(m.name)'"
            if let near = Suggest.nearest(to: m.name, in: names) { message += " (did you mean '\(near)'?)" }
            diagnostics.append(Diagnostic(.error, message, at: location))
            return ""
        }
    }

    /// A column as the statement names it: as written when it is a plain identifier (so the
    /// database's own case rules apply), quoted otherwise.
    static func columnName(_ column: String, quote: Character) -> String {
        RefText.isPlainIdentifier(column) ? column : quoted(column, quote)
    }

    static func quoted(_ name: String, _ quote: Character) -> String {
        String(quote) + name.replacingOccurrences(of: String(quote), with: String(quote) + String(quote)) + String(quote)
    }

    /// The identifier quote of the source a model runs on: backticks on MySQL and BigQuery
    /// (and on SQLite, where a double-quoted name that is no column silently becomes a
    /// string), double quotes elsewhere.
    func quote(forModel name: String) -> Character {
        guard case .sql(_, let source)? = models[name]?.kind, let s = project.source(named: source?.name ?? project.defaults.sourceName?.name ?? "") else {
            return "`"
        }
        switch s.type {
        case .mysql, .bigquery, .sqlite: return "`"
        default: return "\""
        }
    }
}

extension InsightResolver {
    // MARK: - Insights

    /// The models `texts` read, metrics' and dimensions' included (no diagnostics: a pass
    /// to learn whether the statements join models, and on which source's quotes).
    func modelsMentioned(in texts: [String], depth: Int = 0) -> [String] {
        var out: [String] = []
        func add(_ names: [String]) { for n in names where !out.contains(n) { out.append(n) } }
        guard depth < 16 else { return out }
        for text in texts {
            for m in RefText.mentions(in: text) {
                if models[m.name] != nil {
                    add([m.name])
                    if let c = m.path.first, let e = modelExpressions[m.name]?[c] { add(modelsMentioned(in: [e.expression], depth: depth + 1)) }
                } else if let e = expressions[m.name] {
                    add(modelsMentioned(in: [e.expression], depth: depth + 1))
                }
            }
        }
        return out
    }

    mutating func resolveInsight(_ index: Int) {
        var t = project.traces[index]
        let owner = "insight '\(t.name)'"
        var slots: [(path: String, sql: String, slice: String?)] = []
        func collect(_ v: JSONValue, _ path: String) {
            switch v {
            case .string(let s): if let slot = RefText.querySlot(s) { slots.append((path, slot.sql, slot.slice)) }
            case .array(let items): for (i, x) in items.enumerated() { collect(x, "\(path).\(i)") }
            case .object(let members): for m in members { collect(m.value, "\(path).\(m.key)") }
            default: break
            }
        }
        collect(t.props, "props")
        func unwrap(_ s: String) -> String { RefText.querySlot(s)?.sql ?? s }
        let statements =
            slots.map(\.sql) + t.filters.map { unwrap($0.value) } + t.orderBy.map { unwrap($0.value) } + [t.cohortOn.map { unwrap($0.value) } ?? ""]
        let mentioned = modelsMentioned(in: statements)
        var reads = Reads()
        reads.joined = mentioned.count > 1
        reads.quote = quote(forModel: mentioned.first ?? "")
        var expanded: [String: String] = [:]
        for slot in slots {
            expanded[slot.path] = expand(slot.sql, at: t.propLocations[slot.path] ?? t.location, owner: owner, reads: &reads)
            if let slice = slot.slice { t.insight?.slices[slot.path] = slice }
        }
        t.props = Self.rewrite(t.props, "props") { path in expanded[path].map { "query(\($0))" } }
        t.filters = t.filters.map { Located(expand(unwrap($0.value), at: $0.location, owner: owner, reads: &reads), at: $0.location) }
        t.orderBy = t.orderBy.map { Located(expand(unwrap($0.value), at: $0.location, owner: owner, reads: &reads), at: $0.location) }
        if let c = t.cohortOn { t.cohortOn = Located(expand(unwrap(c.value), at: c.location, owner: owner, reads: &reads), at: c.location) }
        t.insight?.inputs = reads.inputs
        t.insight?.models = reads.models
        switch reads.models.count {
        case 0:
            diagnostics.append(
                Diagnostic(.error, "\(owner) reads no model: name its columns as ${ref(model).column} in ?{ ... } props", at: t.location))
        case 1:
            t.model = Ref(reads.models[0], at: t.location)
        default:
            if let joined = join(reads, owner: owner, at: t.location, name: t.name) {
                project.models.append(joined)
                t.model = Ref(joined.name, at: t.location)
            }
        }
        project.traces[index] = t
    }

    /// `value` with each string at a path `replacement` answers for replaced.
    static func rewrite(_ value: JSONValue, _ path: String, _ replacement: (String) -> String?) -> JSONValue {
        switch value {
        case .string: return replacement(path).map(JSONValue.string) ?? value
        case .array(let items): return .array(items.enumerated().map { rewrite($0.element, "\(path).\($0.offset)", replacement) })
        case .object(let members): return .object(members.map { JSONMember(key: $0.key, value: rewrite($0.value, "\(path).\($0.key)", replacement)) })
        default: return value
        }
    }

    mutating func checkRelation(_ r: Relation) {
        let mentions = RefText.mentions(in: r.condition)
        for m in mentions where models[m.name] == nil {
            var message = "ref(\(m.name)) in relation '\(r.name)' names no model"
            if let near = Suggest.nearest(to: m.name, in: Array(models.keys).sorted()) { message += " (did you mean '\(near)'?)" }
            diagnostics.append(Diagnostic(.error, message, at: r.location))
        }
        if Set(mentions.map(\.name)).count != 2 {
            diagnostics.append(
                Diagnostic(.error, "the condition of relation '\(r.name)' must compare columns of two models, as ${ref(a).id} = ${ref(b).a_id}", at: r.location)
            )
        }
    }
}
