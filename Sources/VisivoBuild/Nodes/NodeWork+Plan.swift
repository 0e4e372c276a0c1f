import Foundation
import VisivoSupport

extension NodeWork {
    /// Fresh or stale (and why) for each node, running nothing: no query, no script,
    /// no freshness probe. A node downstream of a stale materialising model is stale too.
    func plan(nodes: Set<Int>) -> [Int: NodePlan] {
        loadState()
        var plans: [Int: NodePlan] = [:]
        var outputs: [Int: Fingerprint] = [:]
        func decidePlan(
            _ i: Int, name: String, key: Fingerprint, maxAge: Duration?, outputOf: (ArraySlice<UInt8>) -> Fingerprint = { Self.hash($0) },
            intact: (Fingerprint) -> Bool
        ) {
            switch decide(name: name, key: key, maxAge: maxAge, refresh: refreshes(i), intact: intact, peek: true) {
            case .inPlace(let out, _):
                outputs[i] = out
                plans[i] = NodePlan(stale: false, reason: "fresh", runs: true)
            case .inCache:
                let rec = shared.withLock { $0.previous.nodes[name] }
                if let hex = rec?.outputHash, rec?.fingerprint == key.hex, let out = Fingerprint(hex: hex) {
                    outputs[i] = out
                } else if let data = cache.load(key), let cached = CachedResult(decoding: data) {
                    // A restored result's output is the hash of its bytes; dependents build on it.
                    outputs[i] = outputOf(cached.body)
                }
                plans[i] = NodePlan(stale: false, reason: "fresh (restored from cache)", runs: true)
            case .run(let why):
                plans[i] = NodePlan(stale: true, reason: "stale: \(why)", runs: true)
            }
        }
        for i in graph.nodes.indices where nodes.contains(i) {
            let node = graph.nodes[i]
            if let unset = project.unresolved[node.name] {
                plans[i] = NodePlan(stale: true, reason: "fails: \(Self.unresolvedMessage(unset))", runs: true)
                continue
            }
            let waiting = graph.needs[i].first { outputs[$0] == nil }
            if let w = waiting, node.kind != .source {
                let up = graph.nodes[w]
                plans[i] = NodePlan(
                    stale: true, reason: "stale: waits on \(up.kind) '\(up.name)'", runs: node.kind == .trace || node.kind == .model && node.type != "sql")
                continue
            }
            switch node.kind {
            case .source:
                let s = compiled.source(named: node.name)!
                do {
                    let fp = try sourceFingerprint(s, probe: false)
                    if s.freshness == nil {
                        outputs[i] = fp
                        plans[i] = NodePlan(stale: false, reason: "fresh", runs: false)
                    } else {
                        // What reads it is known only once the probe has answered.
                        plans[i] = NodePlan(stale: true, reason: "stale until its freshness probe runs", runs: false)
                    }
                } catch {
                    plans[i] = NodePlan(stale: true, reason: "stale: \(error)", runs: false)
                }
            case .model:
                let m = compiled.model(named: node.name)!
                switch m.kind {
                case .sql(let sql, _):
                    outputs[i] = Self.modelKey("model.sql", sql: sql, inputs: graph.needs[i].map { outputs[$0] ?? .zero })
                    plans[i] = NodePlan(stale: false, reason: "fresh", runs: false)
                case .csvScript(let args, let table):
                    guard let key = try? csvKey(args, table: table) else {
                        plans[i] = NodePlan(stale: true, reason: "stale: an input file cannot be read", runs: true)
                        continue
                    }
                    let path = csvDatabasePath(m.name)
                    decidePlan(i, name: m.name, key: key, maxAge: m.maxAge, outputOf: { Self.csvOutput($0) }) { out in
                        shared.withLock { $0.stat.isUnchanged(path, hash: out.hex) }
                    }
                case .localMerge(let refs, let sql):
                    let key = Self.modelKey("model.local_merge", sql: sql, inputs: graph.needs[i].map { outputs[$0] ?? .zero })
                    let paths = refs.compactMap { compiled.model(named: $0.name) }.filter { if case .csvScript = $0.kind { return false } else { return true } }
                        .map { mergeTablePath(merge: m.name, upstream: $0.name) }
                    let attached = graph.needs[i].filter { graph.nodes[$0].type == "csv_script" }.map { outputs[$0] ?? .zero }
                    decidePlan(i, name: m.name, key: key, maxAge: m.maxAge, outputOf: { Self.mergeOutput(body: Array($0), attached: attached) }) { out in
                        shared.withLock { s in paths.allSatisfy { s.stat.isUnchanged($0, hash: out.hex) } }
                    }
                }
            case .trace:
                let t = compiled.trace(named: node.name)!
                guard let q = compiled.queries[t.name], let model = graph.needs[i].first, let upstream = outputs[model] else { continue }
                let dataPath = traceDirectory(t.name) + "/data.json"
                decidePlan(i, name: t.name, key: traceKey(q, upstream: upstream), maxAge: maxAge(of: t)) { out in
                    shared.withLock { $0.stat.isUnchanged(dataPath, hash: out.hex) }
                }
            case .chart, .table, .selector, .dashboard:
                outputs[i] = .zero
                plans[i] = NodePlan(stale: false, reason: "fresh", runs: false)
            }
        }
        return plans
    }
}
