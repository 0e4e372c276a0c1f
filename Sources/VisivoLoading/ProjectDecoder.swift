import VisivoProject
import VisivoSupport

/// Turns parsed project files into a `Project`, registering inline objects as named
/// objects of their own and collecting every problem instead of stopping at the first.
struct ProjectDecoder: Sendable {
    var project: Project
    var diagnostics: [Diagnostic] = []
    /// Every name seen so far, with its kind and place (names are unique project-wide).
    var names: [String: (kind: ObjectKind, location: SourceLocation)] = [:]
    /// Every name registered, in order (duplicates too), and whether each was made up for
    /// an inline object: what combining files decoded one by one needs.
    var registered: [Registration] = []

    struct Registration: Sendable {
        var name: String
        var kind: ObjectKind
        var location: SourceLocation
        var generated: Bool
    }

    static let topLevelKeys = [
        "name", "cli_version", "includes", "defaults", "sources", "targets", "models", "traces",
        "tables", "charts", "selectors", "dashboards", "alerts", "destinations", "dbt",
        "insights", "inputs", "markdowns", "metrics", "dimensions", "relations", "tests", "theme",
    ]

    init(directory: String, files: [String]) {
        project = Project(directory: directory, files: files)
    }

    // MARK: - Files

    mutating func decodeFile(_ root: YAMLNode, isProjectFile: Bool) {
        guard let top = Fields(root, what: "the project file", known: Self.topLevelKeys, diagnostics: &diagnostics) else { return }
        if isProjectFile, let name = top.string("name", &diagnostics) { project.name = name }
        if let defaults = top["defaults"] { decodeDefaults(defaults) }
        for key in ["sources", "targets"] { for item in top.list(key, &diagnostics) { _ = source(item, parent: nil) } }
        for item in top.list("models", &diagnostics) { _ = model(item, parent: nil) }
        for item in top.list("traces", &diagnostics) { _ = trace(item, parent: nil) }
        for item in top.list("charts", &diagnostics) { _ = chart(item, parent: nil) }
        for item in top.list("tables", &diagnostics) { _ = table(item, parent: nil) }
        for item in top.list("selectors", &diagnostics) { _ = selector(item, parent: nil) }
        for item in top.list("insights", &diagnostics) { _ = insight(item, parent: nil) }
        for item in top.list("inputs", &diagnostics) { _ = input(item, parent: nil) }
        for item in top.list("markdowns", &diagnostics) { _ = markdown(item, parent: nil) }
        for kind in [NamedExpression.Kind.metric, .dimension] {
            for item in top.list(kind.rawValue + "s", &diagnostics) { expression(item, kind: kind, model: nil) }
        }
        for item in top.list("relations", &diagnostics) { relation(item) }
        for item in top.list("tests", &diagnostics) { test(item) }
        for item in top.list("dashboards", &diagnostics) { dashboard(item) }
        for key in ["alerts", "destinations", "theme"] where top[key] != nil {
            if !project.ignoredSections.contains(key) { project.ignoredSections.append(key) }
        }
    }

    mutating func decodeDefaults(_ node: YAMLNode) {
        guard
            let f = Fields(
                node, what: "defaults", known: ["source_name", "target_name", "alert_name", "threads", "levels", "telemetry_enabled"], diagnostics: &diagnostics
            )
        else { return }
        for item in f.list("levels", &diagnostics) {
            guard let l = Fields(item, what: "a level of defaults", known: ["title", "description"], diagnostics: &diagnostics),
                let title = l.requiredString("title", &diagnostics)
            else { continue }
            project.defaults.levels.append(Level(title: title, description: l.string("description", &diagnostics) ?? ""))
        }
        for key in ["source_name", "target_name"] {
            if let v = f[key], let name = f.string(key, &diagnostics) {
                project.defaults.sourceName = Ref(name, at: v.location)
            }
        }
    }

    // MARK: - Names and refs

    /// Parses `ref(name)`, `ref( name )`, `ref('name')`, `ref("name")` and `${ref(name)}`.
    static func parseRef(_ text: String) -> String? {
        var s = text.trimmingSpaces
        if s.hasPrefix("${"), s.hasSuffix("}") { s = s.dropFirst(2).dropLast().trimmingSpaces }
        guard s.hasPrefix("ref("), s.hasSuffix(")") else { return nil }
        s = s.dropFirst(4).dropLast().trimmingSpaces
        if s.count >= 2, let q = s.first, q == "'" || q == "\"", s.last == q { s = s.dropFirst().dropLast() }
        return s.isEmpty ? nil : String(s)
    }

    /// The longest name, in UTF-8 bytes: it becomes a file name (`NAME.sqlite`, and a
    /// temporary name beside it), which file systems cap at 255 bytes.
    public static let maxNameBytes = 200

    /// Any name the reference accepts (`Trace Props Examples: Bar` is a real dashboard's),
    /// except one that is unsafe as a folder name under target/: empty, `.` or `..`, with
    /// a slash, NUL or another control character, or too long for a file name.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= maxNameBytes
            && !name.unicodeScalars.contains { $0 == "/" || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// The object's name: written, or made up for an inline object from its parent.
    mutating func name(of f: Fields, kind: ObjectKind, parent: String?) -> (String, Bool)? {
        if let v = f["name"], let name = f.string("name", &diagnostics) {
            if !Self.isValidName(name) {
                diagnostics.append(
                    Diagnostic(
                        .error,
                        "invalid \(kind) name '\(name.count > 60 ? name.prefix(60) + "..." : name)': a name becomes a folder under target/, so it cannot be empty, '.' or '..', hold '/' or control characters, or be longer than \(Self.maxNameBytes) bytes",
                        at: v.location))
            }
            register(name, kind: kind, at: v.location)
            return (name, false)
        }
        guard let parent else {
            diagnostics.append(Diagnostic(.error, "\(f.what) is missing required key 'name'", at: f.node.location))
            return nil
        }
        var generated = "\(parent) \(kind)"
        var n = 2
        while names[generated] != nil { generated = "\(parent) \(kind) \(n)"; n += 1 }
        register(generated, kind: kind, at: f.node.location, generated: true)
        return (generated, true)
    }

    /// Records a name; duplicates are reported when files are combined
    /// (`merged(_:directory:files:)`), where every file's names are known.
    mutating func register(_ name: String, kind: ObjectKind, at location: SourceLocation, generated: Bool = false) {
        if names[name] == nil { names[name] = (kind, location) }
        registered.append(Registration(name: name, kind: kind, location: location, generated: generated))
    }

    static func duplicate(_ name: String, kind: ObjectKind, at location: SourceLocation, first: (kind: ObjectKind, location: SourceLocation)) -> Diagnostic {
        let other = first.kind == kind ? "another \(kind)" : "a \(first.kind)"
        return Diagnostic(.error, "duplicate name '\(name)': \(other) already has this name at \(first.location)", at: location)
    }

    /// A ref string or an inline object of `kind`.
    mutating func refOrInline(_ node: YAMLNode, kind: ObjectKind, parent: String, field: String) -> Ref? {
        if let text = node.scalar {
            guard let name = Self.parseRef(text) else {
                diagnostics.append(Diagnostic(.error, "'\(field)' must be ref(name) or an inline \(kind), not '\(text)'", at: node.location))
                return nil
            }
            return Ref(name, at: node.location)
        }
        switch kind {
        case .source: return source(node, parent: parent)
        case .model: return model(node, parent: parent)
        case .trace: return trace(node, parent: parent)
        case .chart: return chart(node, parent: parent)
        case .table: return table(node, parent: parent)
        case .selector: return selector(node, parent: parent)
        case .insight: return insight(node, parent: parent)
        case .input: return input(node, parent: parent)
        case .markdown: return markdown(node, parent: parent)
        case .dashboard: return nil
        }
    }

    // MARK: - Models

    static let modelKeys = ["name", "sql", "source", "target", "args", "table_name", "models", "max_age", "allow_empty", "metrics", "dimensions"]

    mutating func model(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "model '\($0)'" } ?? "model"
        guard let f = Fields(node, what: label, known: Self.modelKeys, diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .model, parent: parent)
        else { return nil }
        let kind: Model.Kind
        if f["args"] != nil {
            if f["models"] != nil || f["sql"] != nil {
                diagnostics.append(
                    Diagnostic(
                        .error, "\(label) has 'args' (a CSV-script model) and also '\(f["models"] != nil ? "models" : "sql")'; a model is exactly one kind",
                        at: f.keyLocation("args")!))
            }
            let args = f.stringList("args", &diagnostics).map(\.value)
            if args.isEmpty { diagnostics.append(Diagnostic(.error, "'args' of \(label) must name a program to run", at: f["args"]!.location)) }
            kind = .csvScript(args: args, tableName: f.string("table_name", &diagnostics) ?? "model")
        } else if f["models"] != nil {
            let refs = f.list("models", &diagnostics).compactMap { refOrInline($0, kind: .model, parent: name, field: "models") }
            guard let sql = f.requiredString("sql", &diagnostics) else { return nil }
            kind = .localMerge(models: refs, sql: sql)
        } else if f["sql"] != nil {
            var source: Ref? = nil
            for key in ["source", "target"] {
                if let v = f[key] { source = refOrInline(v, kind: .source, parent: name, field: key) }
            }
            kind = .sql(sql: f.string("sql", &diagnostics) ?? "", source: source)
        } else {
            diagnostics.append(
                Diagnostic(.error, "\(label) needs 'sql' (a SQL model), 'args' (a CSV-script model) or 'models' (a local-merge model)", at: node.location))
            return nil
        }
        var m = Model(name: name, kind: kind, location: node.location)
        m.maxAge = f.duration("max_age", &diagnostics)
        for kind in [NamedExpression.Kind.metric, .dimension] {
            for item in f.list(kind.rawValue + "s", &diagnostics) { expression(item, kind: kind, model: name) }
        }
        project.models.append(m)
        return Ref(name, at: node.location)
    }

    // MARK: - Traces

    static let traceKeys = ["name", "model", "props", "columns", "cohort_on", "filters", "order_by", "tests"]

    mutating func trace(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "trace '\($0)'" } ?? "trace"
        guard let f = Fields(node, what: label, known: Self.traceKeys, diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .trace, parent: parent)
        else { return nil }
        guard let modelNode = f["model"] else {
            diagnostics.append(Diagnostic(.error, "\(label) is missing required key 'model'", at: node.location))
            return nil
        }
        guard let model = refOrInline(modelNode, kind: .model, parent: name, field: "model") else { return nil }
        let (props, locations) = props(of: f, label: label)
        var t = Trace(name: name, model: model, props: props, location: node.location)
        t.propLocations = locations
        if let c = f["columns"] {
            if let pairs = c.mapping {
                for pair in pairs {
                    guard let key = pair.key.scalar, let expr = pair.value.scalar else {
                        diagnostics.append(
                            Diagnostic(.error, "each entry of 'columns' of \(label) must be a name and a SQL expression", at: pair.value.location))
                        continue
                    }
                    let text = TraceSyntax.unwrapQuery(expr) ?? expr
                    t.columns.append(Located(.init(name: key, expression: text), at: pair.value.location))
                }
            } else {
                diagnostics.append(Diagnostic(.error, "'columns' of \(label) must be a mapping, not \(c.kindName)", at: c.location))
            }
        }
        t.cohortOn = f.located("cohort_on", &diagnostics)
        t.filters = f.stringList("filters", &diagnostics)
        t.orderBy = f.stringList("order_by", &diagnostics)
        for item in f.list("tests", &diagnostics) {
            guard let test = Fields(item, what: "a test of \(label)", known: ["logic"], diagnostics: &diagnostics),
                let logic = test.located("logic", &diagnostics)
            else { continue }
            t.tests.append(logic)
        }
        project.traces.append(t)
        return Ref(name, at: node.location)
    }

    /// `props` (a mapping) as JSON, with where each of its strings was written; `{}` when
    /// absent or not a mapping (reported).
    mutating func props(of f: Fields, label: String) -> (JSONValue, [String: SourceLocation]) {
        var locations: [String: SourceLocation] = [:]
        guard let p = f["props"] else { return (.object([JSONMember]()), locations) }
        guard p.mapping != nil else {
            diagnostics.append(Diagnostic(.error, "'props' of \(label) must be a mapping, not \(p.kindName)", at: p.location))
            return (.object([JSONMember]()), locations)
        }
        Self.collectLocations(p, path: "props", into: &locations)
        return (p.json, locations)
    }

    static func collectLocations(_ node: YAMLNode, path: String, into out: inout [String: SourceLocation]) {
        switch node.kind {
        case .scalar: out[path] = node.location
        case .sequence(let items):
            for (i, item) in items.enumerated() { collectLocations(item, path: "\(path).\(i)", into: &out) }
        case .mapping(let pairs):
            for pair in pairs { collectLocations(pair.value, path: "\(path).\(pair.key.scalar ?? "")", into: &out) }
        }
    }
}
