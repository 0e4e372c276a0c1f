import VisivoProject
import VisivoSupport

/// Prints a graph for people (`tree`, `list`), programs (`json`) and diagram tools
/// (`dot` for Graphviz, `mermaid` for markdown pages).
public struct DagRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable { case tree, list, json, dot, mermaid }

    let graph: ProjectGraph
    /// The nodes to show (all when nil); edges are drawn between shown nodes only.
    let shown: Set<Int>?
    /// A short state per node ("fresh", "stale: sql changed"), when known.
    let states: [Int: String]
    /// Lines longer than this are cut with "…" in `tree` and `list`.
    let width: Int

    public init(graph: ProjectGraph, shown: Set<Int>? = nil, states: [Int: String] = [:], width: Int = 80) {
        self.graph = graph
        self.shown = shown
        self.states = states
        self.width = max(width, 40)
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .tree: return tree()
        case .list: return list()
        case .json: return json()
        case .dot: return dot()
        case .mermaid: return mermaid()
        }
    }

    var visible: [Int] { graph.nodes.indices.filter { shown?.contains($0) ?? true } }
    func isShown(_ i: Int) -> Bool { shown?.contains(i) ?? true }

    func label(_ i: Int) -> String {
        let n = graph.nodes[i]
        let type = n.kind == .source || n.kind == .model || n.kind == .trace ? " \(n.type)" : ""
        var s = "\(n.name) (\(n.kind)\(type))"
        if let st = states[i] { s += " [\(st)]" }
        return s
    }

    func cut(_ line: String) -> String {
        line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    // MARK: - tree

    /// Each root (a node nothing shown needs) with what it needs below it; a subtree
    /// already printed is referred to, not repeated.
    func tree() -> String {
        let nodes = visible
        if nodes.isEmpty { return "(no nodes)\n" }
        let roots = nodes.filter { i in !graph.dependents[i].contains(where: isShown) }.reversed()
        var printed: Set<Int> = []
        var out = ""
        func walk(_ i: Int, prefix: String, connector: String, childPrefix: String) {
            let kids = graph.needs[i].filter(isShown)
            if printed.contains(i) && !kids.isEmpty {
                out += cut(prefix + connector + label(i) + " ↑") + "\n"
                return
            }
            out += cut(prefix + connector + label(i)) + "\n"
            printed.insert(i)
            for (k, child) in kids.enumerated() {
                let last = k == kids.count - 1
                walk(child, prefix: prefix + childPrefix, connector: last ? "└── " : "├── ", childPrefix: last ? "    " : "│   ")
            }
        }
        for r in roots.sorted(by: { (graph.nodes[$0].kind, graph.nodes[$0].name) > (graph.nodes[$1].kind, graph.nodes[$1].name) }) {
            walk(r, prefix: "", connector: "", childPrefix: "")
        }
        out += "\(nodes.count) node\(nodes.count == 1 ? "" : "s"); ↑ marks a node whose inputs are shown above\n"
        return out
    }

    // MARK: - list

    func list() -> String {
        var out = ""
        for i in visible {
            let n = graph.nodes[i]
            var line = "\(n.kind.rawValue.padding(9)) \(n.name)"
            if let st = states[i] { line += "  [\(st)]" }
            let needs = graph.needs[i].filter(isShown).map { graph.nodes[$0].name }
            if !needs.isEmpty { line += "  <- " + needs.joined(separator: ", ") }
            out += cut(line) + "\n"
        }
        return out
    }

    // MARK: - json

    func json() -> String {
        let nodes = visible.map { i -> JSONValue in
            let n = graph.nodes[i]
            var members: [(String, JSONValue)] = [
                ("name", .string(n.name)), ("kind", .string(n.kind.rawValue)), ("type", .string(n.type)),
                ("file", .string(n.location.file)), ("line", .int(Int64(n.location.line))),
            ]
            if let st = states[i] { members.append(("state", .string(st))) }
            return .object(members)
        }
        var edges: [JSONValue] = []
        for i in visible {
            for j in graph.needs[i] where isShown(j) {
                edges.append(.object([("from", .string(graph.nodes[j].name)), ("to", .string(graph.nodes[i].name))]))
            }
        }
        return JSONValue.object([("nodes", .array(nodes)), ("edges", .array(edges))]).serialized + "\n"
    }

    // MARK: - dot

    static let dotShapes: [ObjectKind: String] = [
        .source: "cylinder", .model: "box", .trace: "ellipse", .chart: "note",
        .table: "tab", .selector: "diamond", .dashboard: "folder",
    ]

    func dot() -> String {
        func q(_ s: String) -> String { "\"" + s.replacingAll("\\", "\\\\").replacingAll("\"", "\\\"") + "\"" }
        var out = "digraph visivo {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n"
        for i in visible {
            let n = graph.nodes[i]
            var lbl = "\(n.name)\n\(n.kind) \(n.type)"
            if let st = states[i] { lbl += "\n\(st)" }
            out += "  \(q(n.name)) [label=\(q(lbl)), shape=\(Self.dotShapes[n.kind]!)];\n"
        }
        for i in visible {
            for j in graph.needs[i] where isShown(j) {
                out += "  \(q(graph.nodes[j].name)) -> \(q(graph.nodes[i].name));\n"
            }
        }
        return out + "}\n"
    }

    // MARK: - mermaid

    func mermaid() -> String {
        func text(_ s: String) -> String {
            s.replacingAll("&", "#amp;").replacingAll("\"", "#quot;").replacingAll("<", "#lt;").replacingAll(">", "#gt;")
        }
        var out = "flowchart LR\n"
        for i in visible {
            let n = graph.nodes[i]
            var lbl = "\(text(n.name))<br/><small>\(n.kind) \(text(n.type))</small>"
            if let st = states[i] { lbl += "<br/><small>\(text(st))</small>" }
            out += "  n\(i)[\"\(lbl)\"]\n"
        }
        for i in visible { for j in graph.needs[i] where isShown(j) { out += "  n\(j) --> n\(i)\n" } }
        return out
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func replacingAll(_ a: String, _ b: String) -> String {
        guard contains(a) else { return self }
        return split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
