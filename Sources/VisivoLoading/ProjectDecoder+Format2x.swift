import VisivoProject
import VisivoSupport

/// The objects 2.x projects add: insights, inputs, markdowns, metrics and dimensions,
/// relations and tests. What they mean across objects (refs to models' columns, joins,
/// inputs as parameters) is `InsightResolver`'s.
extension ProjectDecoder {
    static let insightKeys = ["name", "description", "props", "interactions"]

    /// The reference's pattern for the names of 2.x objects (it warns on others; so do we).
    static func isReferenceName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || ("0"..."9").contains(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// A warning for a 2.x object whose written name the reference warns on.
    mutating func checkReferenceName(_ f: Fields, kind: ObjectKind, name: String, generated: Bool) {
        guard !generated, !Self.isReferenceName(name), let at = f["name"]?.location else { return }
        project.warnings.append(
            Diagnostic(
                .warning, "\(kind) name '\(name)' is not lower-case letters, digits, '_' and '-' (^[a-z0-9_][a-z0-9_-]*$), which the reference CLI expects",
                at: at))
    }

    mutating func insight(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "insight '\($0)'" } ?? "insight"
        guard let f = Fields(node, what: label, known: Self.insightKeys, diagnostics: &diagnostics),
            let (name, generated) = name(of: f, kind: .insight, parent: parent)
        else { return nil }
        checkReferenceName(f, kind: .insight, name: name, generated: generated)
        let (props, locations) = props(of: f, label: label)
        if let p = f["props"] {
            if p.mapping != nil, p["type"] == nil {
                diagnostics.append(Diagnostic(.error, "'props' of \(label) needs a plotly 'type' (bar, scatter, pie...)", at: p.location))
            }
        } else {
            diagnostics.append(Diagnostic(.error, "\(label) is missing required key 'props'", at: node.location))
        }
        // The model is known once every file is read (`InsightResolver`).
        var t = Trace(name: name, model: Ref("", at: node.location), props: props, location: node.location)
        t.propLocations = locations
        t.insight = InsightInfo(description: f.string("description", &diagnostics))
        for item in f.list("interactions", &diagnostics) {
            guard let i = Fields(item, what: "an interaction of \(label)", known: ["filter", "split", "sort"], diagnostics: &diagnostics) else { continue }
            if let v = i.located("filter", &diagnostics) { t.filters.append(v) }
            if let v = i.located("split", &diagnostics) {
                if let first = t.cohortOn {
                    diagnostics.append(
                        Diagnostic(.error, "\(label) splits twice (the first split is at \(first.location)); an insight has one split", at: v.location))
                }
                t.cohortOn = v
            }
            if let v = i.located("sort", &diagnostics) { t.orderBy.append(v) }
        }
        project.traces.append(t)
        return Ref(name, at: node.location)
    }

    // MARK: - Inputs

    static let singleDisplays = ["dropdown", "radio", "toggle", "tabs", "autocomplete", "slider"]
    static let multiDisplays = ["dropdown", "checkboxes", "chips", "tags", "range-slider", "date-range"]

    mutating func input(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "input '\($0)'" } ?? "input"
        guard let f = Fields(node, what: label, known: ["name", "type", "label", "options", "range", "display"], diagnostics: &diagnostics),
            let (name, generated) = name(of: f, kind: .input, parent: parent)
        else { return nil }
        checkReferenceName(f, kind: .input, name: name, generated: generated)
        let typeText = f.string("type", &diagnostics) ?? "single-select"
        guard let kind = Input.Kind(rawValue: typeText) else {
            diagnostics.append(Diagnostic(.error, "'type' of \(label) must be 'single-select' or 'multi-select', not '\(typeText)'", at: f["type"]!.location))
            return nil
        }
        var options: Input.Options
        if let o = f["options"] {
            if let text = o.scalar {
                guard let sql = TraceSyntax.unwrapQuery(text) else {
                    diagnostics.append(Diagnostic(.error, "'options' of \(label) must be a list or a query ?{ select ... from ${ref(model)} }", at: o.location))
                    return nil
                }
                options = .query(sql: sql, model: Ref("", at: o.location))
            } else {
                let items = f.list("options", &diagnostics)
                if items.isEmpty {
                    diagnostics.append(Diagnostic(.error, "'options' of \(label) is empty; an input needs at least one option", at: o.location))
                }
                options = .list(items.map(\.json))
            }
            if f["range"] != nil {
                diagnostics.append(Diagnostic(.error, "\(label) has both 'options' and 'range'; it takes one of them", at: f.keyLocation("range")!))
            }
        } else if let r = f["range"] {
            if kind == .single { diagnostics.append(Diagnostic(.error, "'range' of \(label) needs type: multi-select", at: r.location)) }
            guard let rf = Fields(r, what: "'range' of \(label)", known: ["start", "end", "step"], diagnostics: &diagnostics) else { return nil }
            for key in ["start", "end", "step"] where rf[key] == nil {
                diagnostics.append(Diagnostic(.error, "'range' of \(label) is missing required key '\(key)'", at: r.location))
            }
            for key in ["start", "end", "step"] {
                if let v = rf[key], let text = v.scalar, TraceSyntax.unwrapQuery(text) != nil {
                    diagnostics.append(
                        Diagnostic(
                            .error,
                            "'\(key)' of the range of \(label) is a query; this version takes numbers or ISO dates (step: a number, or '1 day', '2 weeks', '1 month')",
                            at: v.location))
                }
            }
            options = .range(start: rf["start"]?.json ?? .null, end: rf["end"]?.json ?? .null, step: rf["step"]?.json ?? .null)
        } else {
            diagnostics.append(Diagnostic(.error, "\(label) needs 'options' (a list or a query)\(kind == .multi ? " or 'range'" : "")", at: node.location))
            return nil
        }
        var display = "dropdown"
        var defaultValue = Input.Default.first
        if kind == .multi { defaultValue = .all }
        if let d = f["display"], let df = Fields(d, what: "'display' of \(label)", known: ["type", "default"], diagnostics: &diagnostics) {
            display = df.string("type", &diagnostics) ?? "dropdown"
            let allowed = kind == .single ? Self.singleDisplays : Self.multiDisplays
            if !allowed.contains(display) {
                var message = "display type '\(display)' of \(label) must be one of \(allowed.joined(separator: ", ")) for a \(kind.rawValue) input"
                if let near = Suggest.nearest(to: display, in: allowed) { message += " (did you mean '\(near)'?)" }
                diagnostics.append(Diagnostic(.error, message, at: df["type"]!.location))
            }
            if let dv = df["default"] { defaultValue = inputDefault(dv, kind: kind, label: label) ?? defaultValue }
        }
        if case .list(let items) = options {
            if display == "toggle", items.count != 2 {
                diagnostics.append(Diagnostic(.error, "\(label) is shown as a toggle, which needs exactly 2 options, not \(items.count)", at: node.location))
            }
            let texts = items.map { $0.text }
            var wanted: [JSONValue] = []
            if case .value(let v) = defaultValue { wanted = [v] }
            if case .values(let vs) = defaultValue { wanted = vs }
            for v in wanted where !texts.contains(v.text) {
                diagnostics.append(
                    Diagnostic(
                        .error, "default '\(v.text ?? "null")' of \(label) is not one of its options (\(texts.map { $0 ?? "null" }.joined(separator: ", ")))",
                        at: f["display"]?.location ?? node.location))
            }
        }
        project.inputs.append(
            Input(
                name: name, kind: kind, label: f.string("label", &diagnostics), options: options, display: display, defaultValue: defaultValue,
                location: node.location))
        return Ref(name, at: node.location)
    }

    mutating func inputDefault(_ node: YAMLNode, kind: Input.Kind, label: String) -> Input.Default? {
        let known = kind == .single ? ["value"] : ["values", "start", "end"]
        guard let f = Fields(node, what: "the default of \(label)", known: known, diagnostics: &diagnostics) else { return nil }
        for key in known {
            if let v = f[key], let text = v.scalar, TraceSyntax.unwrapQuery(text) != nil {
                diagnostics.append(
                    Diagnostic(
                        .error, "the default '\(key)' of \(label) is a query; this version takes a value (the first option is the default when none is given)",
                        at: v.location))
                return nil
            }
        }
        if kind == .single { return f["value"].map { .value($0.json) } }
        if let v = f["values"] {
            if let word = v.scalar {
                switch word {
                case "all": return .all
                case "none": return .nothing
                default:
                    diagnostics.append(Diagnostic(.error, "'values' of the default of \(label) must be a list, 'all' or 'none', not '\(word)'", at: v.location))
                    return nil
                }
            }
            return .values(f.list("values", &diagnostics).map(\.json))
        }
        if f["start"] != nil || f["end"] != nil {
            guard let start = f["start"], let end = f["end"] else {
                diagnostics.append(Diagnostic(.error, "the default of \(label) needs both 'start' and 'end'", at: node.location))
                return nil
            }
            return .range(start: start.json, end: end.json)
        }
        return nil
    }

    // MARK: - Markdowns, metrics, dimensions, relations, tests

    mutating func markdown(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "markdown '\($0)'" } ?? "markdown"
        guard let f = Fields(node, what: label, known: ["name", "content", "align", "justify"], diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .markdown, parent: parent),
            let content = f.requiredString("content", &diagnostics)
        else { return nil }
        let align = oneOf("align", of: f, label: label, in: ["left", "center", "right"]) ?? "left"
        let justify = oneOf("justify", of: f, label: label, in: ["start", "end", "center", "between", "around", "evenly"]) ?? "start"
        project.markdowns.append(Markdown(name: name, content: content, align: align, justify: justify, location: node.location))
        return Ref(name, at: node.location)
    }

    /// A string field whose value must be one of `values`.
    mutating func oneOf(_ key: String, of f: Fields, label: String, in values: [String]) -> String? {
        guard let v = f.string(key, &diagnostics) else { return nil }
        if !values.contains(v) {
            var message = "'\(key)' of \(label) must be one of \(values.joined(separator: ", ")), not '\(v)'"
            if let near = Suggest.nearest(to: v, in: values) { message += " (did you mean '\(near)'?)" }
            diagnostics.append(Diagnostic(.error, message, at: f[key]!.location))
            return nil
        }
        return v
    }

    mutating func expression(_ node: YAMLNode, kind: NamedExpression.Kind, model: String?) {
        let label = node["name"]?.scalar.map { "\(kind) '\($0)'" } ?? kind.rawValue
        let keys = ["name", "expression", "description"] + (kind == .dimension ? ["data_type"] : [])
        guard let f = Fields(node, what: label, known: keys, diagnostics: &diagnostics),
            let name = f.requiredString("name", &diagnostics), let expression = f.requiredString("expression", &diagnostics)
        else { return }
        project.expressions.append(
            NamedExpression(
                name: name, kind: kind, expression: TraceSyntax.unwrapQuery(expression) ?? expression, model: model,
                dataType: f.string("data_type", &diagnostics), location: f["name"]!.location))
    }

    mutating func relation(_ node: YAMLNode) {
        let label = node["name"]?.scalar.map { "relation '\($0)'" } ?? "relation"
        guard let f = Fields(node, what: label, known: ["name", "join_type", "condition", "is_default"], diagnostics: &diagnostics),
            let condition = f.requiredString("condition", &diagnostics)
        else { return }
        let joinType = oneOf("join_type", of: f, label: label, in: ["inner", "left", "right", "full"]) ?? "inner"
        project.relations.append(
            Relation(
                name: f.string("name", &diagnostics) ?? "relation \(project.relations.count + 1)", joinType: joinType,
                condition: TraceSyntax.unwrapQuery(condition) ?? condition, isDefault: f.bool("is_default", &diagnostics) ?? false,
                location: node.location))
    }

    mutating func test(_ node: YAMLNode) {
        let label = node["name"]?.scalar.map { "test '\($0)'" } ?? "test"
        guard let f = Fields(node, what: label, known: ["name", "if", "on_failure", "assertions"], diagnostics: &diagnostics) else { return }
        let onFailure = oneOf("on_failure", of: f, label: label, in: ["exit", "continue"]).flatMap(ProjectTest.OnFailure.init) ?? .exit
        let assertions = f.stringList("assertions", &diagnostics)
        if assertions.isEmpty { diagnostics.append(Diagnostic(.error, "\(label) has no assertions", at: node.location)) }
        project.tests.append(
            ProjectTest(
                name: f.string("name", &diagnostics) ?? "test \(project.tests.count + 1)", condition: f.located("if", &diagnostics), onFailure: onFailure,
                assertions: assertions, location: node.location))
    }
}
