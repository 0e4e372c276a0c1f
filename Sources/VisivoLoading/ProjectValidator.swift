import VisivoProject
import VisivoSupport

/// Checks what decoding cannot see alone: refs point at objects of the right kind, defaults
/// name real sources, `column(x)` names a column, no object needs itself.
enum ProjectValidator {
    static func validate(_ project: inout Project) -> [Diagnostic] {
        var d: [Diagnostic] = []
        var kinds: [String: ObjectKind] = [:]
        for s in project.sources { kinds[s.name] = kinds[s.name] ?? .source }
        for m in project.models { kinds[m.name] = kinds[m.name] ?? .model }
        for t in project.traces { kinds[t.name] = kinds[t.name] ?? (t.insight == nil ? .trace : .insight) }
        for i in project.inputs { kinds[i.name] = kinds[i.name] ?? .input }
        for m in project.markdowns { kinds[m.name] = kinds[m.name] ?? .markdown }
        for c in project.charts { kinds[c.name] = kinds[c.name] ?? .chart }
        for t in project.tables { kinds[t.name] = kinds[t.name] ?? .table }
        for s in project.selectors { kinds[s.name] = kinds[s.name] ?? .selector }
        for x in project.dashboards { kinds[x.name] = kinds[x.name] ?? .dashboard }

        // `owner` is worded only for a diagnostic: checks of large projects mostly pass.
        func check(_ ref: Ref, is expected: ObjectKind..., from owner: @autoclosure () -> String) {
            guard let kind = kinds[ref.name] else {
                var message =
                    "ref(\(ref.name)) in \(owner()) names nothing: there is no \(expected.map(\.rawValue).joined(separator: " or ")) named '\(ref.name)'"
                let candidates = kinds.filter { expected.contains($0.value) }.map(\.key).sorted()
                if let near = Suggest.nearest(to: ref.name, in: candidates) { message += " (did you mean '\(near)'?)" }
                d.append(Diagnostic(.error, message, at: ref.location))
                return
            }
            if !expected.contains(kind) {
                d.append(
                    Diagnostic(
                        .error, "ref(\(ref.name)) in \(owner()) names a \(kind), but a \(expected.map(\.rawValue).joined(separator: " or ")) is expected here",
                        at: ref.location))
            }
        }

        if let def = project.defaults.sourceName, kinds[def.name] != .source {
            d.append(Diagnostic(.error, "defaults.source_name '\(def.name)' names no source in the project", at: def.location))
        }
        for s in project.sources {
            for a in s.attach { if let n = a.sourceName { check(Ref(n, at: s.location), is: .source, from: "source '\(s.name)'") } }
        }
        for m in project.models {
            switch m.kind {
            case .sql(_, let source):
                if let source {
                    check(source, is: .source, from: "model '\(m.name)'")
                } else if project.defaults.sourceName == nil {
                    d.append(
                        Diagnostic(
                            .error, "model '\(m.name)' names no source and the project has no defaults.source_name (add 'source: ref(NAME)' or a default)",
                            at: m.location))
                }
            case .localMerge(let refs, _):
                for r in refs { check(r, is: .model, from: "model '\(m.name)'") }
            case .csvScript: break
            }
        }
        // An insight's model is the resolver's to find (and to report when it cannot).
        for t in project.traces where t.insight == nil {
            check(t.model, is: .model, from: "trace '\(t.name)'")
            d += checkColumnRefs(t)
        }
        for c in project.charts {
            for r in c.traces { check(r, is: .trace, .insight, from: "chart '\(c.name)'") }
            if let s = c.selector { check(s, is: .selector, from: "chart '\(c.name)'") }
        }
        for t in project.tables {
            for r in t.traces { check(r, is: .trace, .insight, from: "table '\(t.name)'") }
            if let s = t.selector { check(s, is: .selector, from: "table '\(t.name)'") }
            for def in t.columnDefs where !t.traces.contains(where: { $0.name == def.traceName.value }) {
                d.append(
                    Diagnostic(
                        .error, "column_defs of table '\(t.name)' name trace '\(def.traceName.value)', which is not one of the table's traces",
                        at: def.traceName.location))
            }
        }
        // A selector's options may also name dashboard rows and items (to show or hide them).
        let layoutNames = Set(project.dashboards.flatMap { d in d.allRows.map(\.name) + d.allItems.map(\.name) }.compactMap { $0 })
        for s in project.selectors {
            for r in s.options where !(kinds[r.name] == nil && layoutNames.contains(r.name)) {
                check(r, is: .trace, .chart, .table, from: "selector '\(s.name)'")
            }
        }
        for x in project.dashboards {
            for item in x.allItems {
                switch item.content {
                case .chart(let r): check(r, is: .chart, from: "dashboard '\(x.name)'")
                case .table(let r): check(r, is: .table, from: "dashboard '\(x.name)'")
                case .selector(let r): check(r, is: .selector, from: "dashboard '\(x.name)'")
                case .markdownObject(let r): check(r, is: .markdown, from: "dashboard '\(x.name)'")
                case .input(let r): check(r, is: .input, from: "dashboard '\(x.name)'")
                case .markdown, .rows, .empty: break
                }
            }
        }
        d += cycles(project)
        return d
    }

    /// `column(x)` in props must name an entry of `columns`.
    static func checkColumnRefs(_ t: Trace) -> [Diagnostic] {
        var d: [Diagnostic] = []
        let names = t.columns.map(\.value.name)
        // The dotted path of the value being visited, joined only for a diagnostic.
        var path = ["props"]
        func visit(_ v: JSONValue) {
            switch v {
            case .string(let s):
                if let call = unbalancedCall(s) {
                    d.append(
                        Diagnostic(
                            .error,
                            "'\(s)' in trace '\(t.name)' opens \(call)( and never closes it: in a {...} or [...] flow, YAML splits a value at its commas; quote the whole value (\"\(call)(...)\")",
                            at: t.propLocations[path.joined(separator: ".")] ?? t.location))
                } else if let ref = TraceSyntax.parseColumnRef(s), !names.contains(ref.name) {
                    var message = "column(\(ref.name)) in trace '\(t.name)' names no entry of its 'columns'"
                    message += names.isEmpty ? " (the trace has no columns)" : " (it has: \(names.joined(separator: ", ")))"
                    d.append(Diagnostic(.error, message, at: t.propLocations[path.joined(separator: ".")] ?? t.location))
                }
            case .array(let items):
                for (i, x) in items.enumerated() {
                    path.append(String(i))
                    visit(x)
                    path.removeLast()
                }
            case .object(let members):
                for m in members {
                    path.append(m.key)
                    visit(m.value)
                    path.removeLast()
                }
            default: break
            }
        }
        visit(t.props)
        for (field, entries) in [("order_by", t.orderBy), ("filters", t.filters)] {
            for e in entries {
                for name in TraceSyntax.columnNames(in: e.value) where !names.contains(name) {
                    d.append(Diagnostic(.error, "column(\(name)) in \(field) of trace '\(t.name)' names no entry of its 'columns'", at: e.location))
                }
            }
        }
        return d
    }

    /// The objects whose values hold an unset variable's marker (see `Template.evaluate`),
    /// each with a diagnostic per variable at the place it is used.
    static func unresolvedVariables(_ project: Project) -> [String: [Diagnostic]] {
        var out: [String: [Diagnostic]] = [:]
        func scan(_ name: String, _ location: SourceLocation, _ value: Any) {
            var found: [Diagnostic] = []
            func walk(_ v: Any) {
                if let s = v as? String {
                    guard Template.hasMarker(s) else { return }
                    for u in Template.unsetVariables(in: s) {
                        let d = Diagnostic(.error, Template.unsetMessage(u.name), at: SourceLocation(file: location.file, line: u.line, column: u.column))
                        if !found.contains(d) { found.append(d) }
                    }
                    return
                }
                for child in Mirror(reflecting: v).children { walk(child.value) }
            }
            walk(value)
            if !found.isEmpty { out[name, default: []] += found }
        }
        for x in project.sources { scan(x.name, x.location, x) }
        for x in project.models { scan(x.name, x.location, x) }
        for x in project.traces { scan(x.name, x.location, x) }
        for x in project.charts { scan(x.name, x.location, x) }
        for x in project.tables { scan(x.name, x.location, x) }
        for x in project.selectors { scan(x.name, x.location, x) }
        for x in project.dashboards { scan(x.name, x.location, x) }
        for x in project.inputs { scan(x.name, x.location, x) }
        for x in project.markdowns { scan(x.name, x.location, x) }
        return out
    }

    /// The function (`query`, `column` or `ref`) a value starts calling without closing
    /// its parentheses (outside quotes), if any: what a comma inside an unquoted flow value
    /// leaves of it.
    static func unbalancedCall(_ s: String) -> String? {
        let t = s.drop { $0 == " " }
        guard let call = ["query", "column", "ref"].first(where: { t.hasPrefix($0 + "(") }) else { return nil }
        var depth = 0
        var quote: Character? = nil
        for c in t {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                depth -= 1
            }
        }
        return depth > 0 ? call : nil
    }

    /// No object may need itself, directly or not: local-merge models through the models
    /// they merge, SQLite sources through the sources they attach.
    static func cycles(_ project: Project) -> [Diagnostic] {
        var merges: [(String, SourceLocation, [String])] = []
        for m in project.models { if case .localMerge(let refs, _) = m.kind { merges.append((m.name, m.location, refs.map(\.name))) } }
        let attaches = project.sources.map { s in (s.name, s.location, s.attach.compactMap(\.sourceName)) }
        return cycles(in: attaches) + cycles(in: merges)
    }

    /// One diagnostic per cycle among `nodes` (name, where it is written, what it needs).
    static func cycles(in nodes: [(String, SourceLocation, [String])]) -> [Diagnostic] {
        var edges: [String: [String]] = [:]
        var locations: [String: SourceLocation] = [:]
        for (name, location, needs) in nodes where edges[name] == nil {
            edges[name] = needs
            locations[name] = location
        }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var reported: Set<String> = []
        var d: [Diagnostic] = []
        var path: [String] = []
        func visit(_ name: String) {
            if state[name] == 2 { return }
            if state[name] == 1 {
                let start = path.firstIndex(of: name)!
                let cycle = Array(path[start...]) + [name]
                let key = Set(cycle).sorted().joined(separator: "\u{1}")
                if reported.insert(key).inserted, let location = locations[name] {
                    d.append(Diagnostic(.error, "dependency cycle: \(cycle.joined(separator: " -> "))", at: location))
                }
                return
            }
            guard let needs = edges[name] else { return }
            state[name] = 1
            path.append(name)
            for n in needs { visit(n) }
            path.removeLast()
            state[name] = 2
        }
        for (name, _, _) in nodes { visit(name) }
        return d
    }
}
