import VisivoSupport

/// `target/project.json`: the whole project after includes, templating and ref
/// resolution (refs replaced by the objects they name), passwords masked.
public enum ProjectJSON {
    public static let mask = "**********"

    public static func render(_ project: Project) -> JSONValue {
        var sources: [String: JSONValue] = [:]
        for s in project.sources { sources[s.name] = source(s) }
        var models: [String: JSONValue] = [:]
        for m in project.models { models[m.name] = model(m, project: project, sources: sources, models: &models) }
        var traces: [String: JSONValue] = [:]
        for t in project.traces { traces[t.name] = trace(t, models: models) }
        var selectors: [String: JSONValue] = [:]
        for s in project.selectors {
            selectors[s.name] = .object([("name", .string(s.name)), ("type", .string(s.type)), ("options", .array(s.options.map { .string($0.name) }))])
        }
        var charts: [String: JSONValue] = [:]
        for c in project.charts {
            var members: [(String, JSONValue)] = [("name", .string(c.name)), ("traces", .array(c.traces.compactMap { traces[$0.name] }))]
            if let l = c.layout { members.append(("layout", l)) }
            if let s = c.selector { members.append(("selector", selectors[s.name] ?? .null)) }
            charts[c.name] = .object(members)
        }
        var tables: [String: JSONValue] = [:]
        for t in project.tables {
            var members: [(String, JSONValue)] = [("name", .string(t.name)), ("traces", .array(t.traces.compactMap { traces[$0.name] }))]
            if !t.columnDefs.isEmpty {
                members.append(
                    ("column_defs", .array(t.columnDefs.map { .object([("trace_name", .string($0.traceName.value)), ("columns", .array($0.columns))]) })))
            }
            if let r = t.rowsPerPage { members.append(("rows_per_page", .int(Int64(r)))) }
            if let s = t.selector { members.append(("selector", selectors[s.name] ?? .null)) }
            tables[t.name] = .object(members)
        }
        var markdowns: [String: JSONValue] = [:]
        for m in project.markdowns {
            markdowns[m.name] = .object([
                ("name", .string(m.name)), ("content", .string(m.content)), ("align", .string(m.align)), ("justify", .string(m.justify)),
            ])
        }
        var inputs: [String: JSONValue] = [:]
        for i in project.inputs { inputs[i.name] = .object([("name", .string(i.name)), ("type", .string(i.kind.rawValue)), ("display", .string(i.display))]) }
        func rows(_ list: [Dashboard.Row]) -> JSONValue {
            .array(
                list.map { row in
                    .object([
                        ("height", .string(row.height)),
                        (
                            "items",
                            .array(
                                row.items.map { item in
                                    var members: [(String, JSONValue)] = [("width", .int(Int64(item.width)))]
                                    switch item.content {
                                    case .markdown(let m): members.append(("markdown", .string(m)))
                                    case .markdownObject(let r): members.append(("markdown", markdowns[r.name] ?? .null))
                                    case .chart(let r): members.append(("chart", charts[r.name] ?? .null))
                                    case .table(let r): members.append(("table", tables[r.name] ?? .null))
                                    case .selector(let r): members.append(("selector", selectors[r.name] ?? .null))
                                    case .input(let r): members.append(("input", inputs[r.name] ?? .null))
                                    case .rows(let inner): members.append(("rows", rows(inner)))
                                    case .empty: break
                                    }
                                    return .object(members)
                                })
                        ),
                    ])
                })
        }
        let dashboards: [JSONValue] = project.dashboards.map { d in .object([("name", .string(d.name)), ("rows", rows(d.rows))]) }
        var top: [(String, JSONValue)] = []
        if let n = project.name { top.append(("name", .string(n))) }
        if let d = project.defaults.sourceName { top.append(("defaults", .object([("source_name", .string(d.name))]))) }
        top += [
            ("sources", .array(project.sources.compactMap { sources[$0.name] })),
            ("models", .array(project.models.compactMap { models[$0.name] })),
            ("traces", .array(project.traces.filter { $0.insight == nil }.compactMap { traces[$0.name] })),
            ("charts", .array(project.charts.compactMap { charts[$0.name] })),
            ("tables", .array(project.tables.compactMap { tables[$0.name] })),
            ("selectors", .array(project.selectors.compactMap { selectors[$0.name] })),
            ("dashboards", .array(dashboards)),
        ]
        // 2.x objects, only when the project has them (a 1.x project's file is the reference's).
        let insights = project.traces.filter { $0.insight != nil }
        if !insights.isEmpty { top.append(("insights", .array(insights.compactMap { traces[$0.name] }))) }
        if !project.inputs.isEmpty { top.append(("inputs", .array(project.inputs.compactMap { inputs[$0.name] }))) }
        if !project.markdowns.isEmpty { top.append(("markdowns", .array(project.markdowns.compactMap { markdowns[$0.name] }))) }
        return .object(top)
    }

    /// A source's settings; the password (and inline credentials) replaced by the mask.
    public static func source(_ s: Source) -> JSONValue {
        var m: [(String, JSONValue)] = [("name", .string(s.name)), ("type", .string(s.type.rawValue)), ("database", .string(s.database))]
        func add(_ k: String, _ v: String?) { if let v { m.append((k, .string(v))) } }
        add("host", s.host)
        if let p = s.port { m.append(("port", .int(Int64(p)))) }
        add("username", s.username)
        if s.password != nil { m.append(("password", .string(mask))) }
        add("db_schema", s.dbSchema)
        if let c = s.connectionPoolSize { m.append(("connection_pool_size", .int(Int64(c)))) }
        add("sslmode", s.sslmode)
        add("account", s.account)
        add("warehouse", s.warehouse)
        add("role", s.role)
        add("project", s.project)
        if s.credentialsBase64 != nil { m.append(("credentials_base64", .string(mask))) }
        add("private_key_path", s.privateKeyPath)
        if s.privateKeyPassphrase != nil { m.append(("private_key_passphrase", .string(mask))) }
        add("location", s.dataLocation)
        if let r = s.readOnly { m.append(("read_only", .bool(r))) }
        add("ssl_ca", s.sslCA)
        add("ssl_cert", s.sslCert)
        add("ssl_key", s.sslKey)
        if !s.attach.isEmpty {
            m.append(
                ("attach", .array(s.attach.map { .object([("schema_name", .string($0.schemaName)), ("source", .string($0.sourceName ?? $0.database))]) })))
        }
        return .object(m)
    }

    static func model(_ m: Model, project: Project, sources: [String: JSONValue], models: inout [String: JSONValue]) -> JSONValue {
        if let done = models[m.name] { return done }
        switch m.kind {
        case .sql(let sql, let source):
            let src = source?.name ?? project.defaults.sourceName?.name
            return .object([("name", .string(m.name)), ("sql", .string(sql)), ("source", src.flatMap { sources[$0] } ?? .null)])
        case .csvScript(let args, let table):
            return .object([("name", .string(m.name)), ("args", .array(args.map { .string($0) })), ("table_name", .string(table))])
        case .localMerge(let refs, let sql):
            let inner = refs.compactMap { r in project.model(named: r.name).map { model($0, project: project, sources: sources, models: &models) } }
            return .object([("name", .string(m.name)), ("models", .array(inner)), ("sql", .string(sql))])
        }
    }

    static func trace(_ t: Trace, models: [String: JSONValue]) -> JSONValue {
        var m: [(String, JSONValue)] = [("name", .string(t.name)), ("model", models[t.model.name] ?? .null)]
        if let c = t.cohortOn { m.append(("cohort_on", .string(c.value))) }
        if !t.columns.isEmpty { m.append(("columns", .object(t.columns.map { ($0.value.name, JSONValue.string($0.value.expression)) }))) }
        if !t.filters.isEmpty { m.append(("filters", .array(t.filters.map { .string($0.value) }))) }
        if !t.orderBy.isEmpty { m.append(("order_by", .array(t.orderBy.map { .string($0.value) }))) }
        m.append(("props", t.props))
        return .object(m)
    }
}
