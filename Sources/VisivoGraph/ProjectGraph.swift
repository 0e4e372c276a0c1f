import VisivoProject

/// The project as a DAG: a node per object (inline ones too), edges from what a node
/// needs to the node. Node indices are stable for one load and follow topological order.
public struct ProjectGraph: Sendable {
    public struct Node: Sendable, Hashable {
        public var name: String
        public var kind: ObjectKind
        /// The source type, model kind ("sql", "csv_script", "local_merge") or plotly trace type.
        public var type: String
        public var location: SourceLocation
    }

    /// Nodes in topological order: everything a node needs comes before it.
    public private(set) var nodes: [Node] = []
    /// `needs[i]`: indices of the nodes node i needs (its inputs), in written order.
    public private(set) var needs: [[Int]] = []
    /// `dependents[i]`: indices of the nodes that need node i.
    public private(set) var dependents: [[Int]] = []
    private var index: [String: Int] = [:]

    public func id(of name: String) -> Int? { index[name] }
    public subscript(name: String) -> Node? { index[name].map { nodes[$0] } }

    /// Builds the graph of a validated project.
    public init(_ project: Project) {
        var raw: [(Node, [String])] = []
        for s in project.sources {
            raw.append((Node(name: s.name, kind: .source, type: s.type.rawValue, location: s.location), s.attach.compactMap(\.sourceName)))
        }
        for m in project.models {
            switch m.kind {
            case .sql(_, let source):
                let src = source?.name ?? project.defaults.sourceName?.name
                raw.append((Node(name: m.name, kind: .model, type: "sql", location: m.location), src.map { [$0] } ?? []))
            case .csvScript:
                raw.append((Node(name: m.name, kind: .model, type: "csv_script", location: m.location), []))
            case .localMerge(let refs, _):
                raw.append((Node(name: m.name, kind: .model, type: "local_merge", location: m.location), refs.map(\.name)))
            }
        }
        for i in project.inputs {
            var needs: [String] = []
            if case .query(_, let model) = i.options { needs.append(model.name) }
            raw.append((Node(name: i.name, kind: .input, type: i.kind.rawValue, location: i.location), needs))
        }
        for t in project.traces {
            let kind: ObjectKind = t.insight == nil ? .trace : .insight
            let inputs = t.insight?.inputs.map(\.input) ?? []
            raw.append(
                (
                    Node(name: t.name, kind: kind, type: t.synthetic ? "table data" : t.props["type"]?.stringValue ?? "scatter", location: t.location),
                    [t.model.name] + inputs
                ))
        }
        for c in project.charts {
            raw.append((Node(name: c.name, kind: .chart, type: "chart", location: c.location), c.traces.map(\.name) + (c.selector.map { [$0.name] } ?? [])))
        }
        for t in project.tables {
            raw.append((Node(name: t.name, kind: .table, type: "table", location: t.location), t.traces.map(\.name) + (t.selector.map { [$0.name] } ?? [])))
        }
        for s in project.selectors {
            raw.append((Node(name: s.name, kind: .selector, type: s.type, location: s.location), []))
        }
        for m in project.markdowns {
            raw.append((Node(name: m.name, kind: .markdown, type: "markdown", location: m.location), []))
        }
        for d in project.dashboards {
            var refs: [String] = []
            for item in d.allItems {
                switch item.content {
                case .chart(let r), .table(let r), .selector(let r), .markdownObject(let r), .input(let r): refs.append(r.name)
                case .markdown, .rows, .empty: break
                }
            }
            raw.append((Node(name: d.name, kind: .dashboard, type: "dashboard", location: d.location), refs))
        }
        // Topological order by depth-first search; kinds keep their order among equals.
        var position: [String: Int] = [:]
        for (i, r) in raw.enumerated() where position[r.0.name] == nil { position[r.0.name] = i }
        var state = [UInt8](repeating: 0, count: raw.count)
        var order: [Int] = []
        order.reserveCapacity(raw.count)
        func visit(_ i: Int) {
            guard state[i] == 0 else { return }
            state[i] = 1
            for dep in raw[i].1 { if let j = position[dep], state[j] == 0 { visit(j) } }
            state[i] = 2
            order.append(i)
        }
        for i in raw.indices { visit(i) }
        for i in order {
            index[raw[i].0.name] = nodes.count
            nodes.append(raw[i].0)
        }
        needs = order.map { i in
            var seen: Set<Int> = []
            return raw[i].1.compactMap { index[$0] }.filter { seen.insert($0).inserted }
        }
        dependents = Array(repeating: [], count: nodes.count)
        for (i, ins) in needs.enumerated() { for j in ins { dependents[j].append(i) } }
    }

    /// All nodes node `i` needs, transitively, to `depth` steps (nil: all).
    public func ancestors(of i: Int, depth: Int? = nil) -> Set<Int> { walk(from: i, edges: needs, depth: depth) }
    /// All nodes that need node `i`, transitively, to `depth` steps (nil: all).
    public func descendants(of i: Int, depth: Int? = nil) -> Set<Int> { walk(from: i, edges: dependents, depth: depth) }

    private func walk(from start: Int, edges: [[Int]], depth: Int?) -> Set<Int> {
        var seen: Set<Int> = []
        var frontier = [start]
        var level = 0
        while !frontier.isEmpty, depth.map({ level < $0 }) ?? true {
            var next: [Int] = []
            for i in frontier { for j in edges[i] where seen.insert(j).inserted { next.append(j) } }
            frontier = next
            level += 1
        }
        return seen
    }
}
