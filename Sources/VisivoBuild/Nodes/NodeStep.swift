import Foundation
import VisivoProject
import VisivoQuery
import VisivoSupport

/// What bringing one node up to date takes. Decided here once, from the node's key and
/// its outputs on disk, for the build and for the plan (`dag`, `--dry-run`, `--explain`).
enum NodeStep {
    /// Nothing runs: the output follows from the inputs (a source without a freshness
    /// probe, a SQL model, a chart, table, selector or dashboard).
    case settled(Fingerprint)
    /// A source whose freshness probe must answer before its output is known.
    case probe(Source)
    /// A node with a cached result: a CSV-script or local-merge model, or a trace.
    case cached(CachedStep)
}

/// A node whose result is cached under `key`.
struct CachedStep {
    var name: String
    var key: Fingerprint
    var maxAge: Duration?
    /// `--refresh` asks for it to run again.
    var refresh: Bool
    /// Whether the outputs on disk still hold the result whose output is this
    /// fingerprint; `confirming` counts them as this build's outputs.
    var intact: (Fingerprint, _ confirming: Bool) -> Bool
    /// The output fingerprint of a result restored from the cache, from its bytes.
    var output: (ArraySlice<UInt8>) -> Fingerprint
}

/// Where a cached node stands.
enum Decision {
    /// Outputs on disk already hold this result.
    case inPlace(Fingerprint, BuildState.NodeRecord)
    /// The cache holds it (here or on the remote); outputs must be restored. The result
    /// is nil when it was only located, not read; then the output is there when the cache
    /// knew it.
    case inCache(CachedResult?, CacheLocation, output: Fingerprint? = nil)
    /// It must run, for this reason.
    case run(String)
}

/// How far `decide` looks into the cache.
enum CacheLookup {
    /// Not at all: only outputs in place count (the build's first pass).
    case skip
    /// Asks where the result is, reading nothing (`dag`, `--dry-run`, `--explain`).
    case locate
    /// Reads it (a worker about to restore it).
    case load
}

extension NodeWork {
    /// The step of node `i`, given its inputs' outputs (nil: not known yet).
    func step(_ i: Int, inputs: (Int) -> Fingerprint?) throws -> NodeStep {
        let node = graph.nodes[i]
        let ins = graph.needs[i].map { inputs($0) ?? .zero }
        switch node.kind {
        case .source:
            let s = compiled.source(named: node.name)!
            if s.freshness != nil { return .probe(s) }
            return .settled(try sourceKey(s, probe: { nil }))
        case .model:
            let m = compiled.model(named: node.name)!
            switch m.kind {
            case .sql(let sql, _):
                return .settled(NodeKeys.model("model.sql", sql: sql, inputs: ins))
            case .csvScript(let args, let table):
                let key = try NodeKeys.csv(args, table: table, directory: project.directory, file: record.hash(of:))
                let path = outputs.csvDatabasePath(m.name)
                return .cached(
                    CachedStep(
                        name: m.name, key: key, maxAge: m.maxAge, refresh: refreshes(i),
                        intact: { out, confirming in self.record.holds(path, hash: out.hex, confirming: confirming) },
                        output: NodeKeys.csvOutput))
            case .localMerge(_, let sql):
                let key = NodeKeys.model("model.local_merge", sql: sql, inputs: ins)
                let paths = copiedModels(of: m).map { outputs.mergeTablePath(merge: m.name, upstream: $0.name) }
                let attached = graph.needs[i].filter { graph.nodes[$0].type == "csv_script" }.map { inputs($0) ?? .zero }
                return .cached(
                    CachedStep(
                        name: m.name, key: key, maxAge: m.maxAge, refresh: refreshes(i),
                        intact: { out, confirming in
                            // Every file is confirmed (none skipped) while they all hold.
                            paths.allSatisfy { self.record.holds($0, hash: out.hex, confirming: confirming) }
                        },
                        output: { NodeKeys.mergeOutput(body: $0, attached: attached) }))
            }
        case .trace, .insight:
            let t = compiled.trace(named: node.name)!
            guard let compiledQuery = compiled.queries[t.name], let model = graph.needs[i].first, let modelOutput = inputs(model) else {
                throw NodeFailure(message: "internal error: trace '\(t.name)' was not compiled")
            }
            let (q, upstream) = try bound(t, compiledQuery, modelOutput: modelOutput)
            let k = traceKey(i, q, upstream: upstream)
            return .cached(traceStep(i, t, key: k.key, label: k.label))
        case .input:
            let input = compiled.project.input(named: node.name)!
            guard case .query(let sql, _) = input.options, let model = graph.needs[i].first, let upstream = inputs(model) else {
                return .settled(NodeKeys.input(input))
            }
            let key = NodeKeys.inputOptions(sql, dialect: compiled.inputDialects[input.name] ?? Dialect(.sqlite), upstream: upstream)
            let path = outputs.optionsPath(input: input.name)
            let source = compiled.inputTargets[input.name].flatMap { compiled.source(named: $0) }
            return .cached(
                CachedStep(
                    name: input.name, key: key, maxAge: compiled.model(named: graph.nodes[model].name)?.maxAge ?? source?.maxAge, refresh: refreshes(i),
                    intact: { out, confirming in self.record.holds(path, hash: out.hex, confirming: confirming) },
                    output: { NodeKeys.hash($0) }))
        case .chart, .table, .selector, .dashboard, .markdown:
            return .settled(NodeKeys.presentation(node.kind, inputs: ins))
        }
    }

    /// A trace's step: its data.json holds the result, its query.sql the SQL.
    func traceStep(_ i: Int, _ t: Trace, key: Fingerprint, label: String) -> CachedStep {
        let dataPath = outputs.dataPath(trace: t.name), queryPath = outputs.queryPath(trace: t.name)
        return CachedStep(
            name: t.name, key: key, maxAge: maxAge(of: t), refresh: refreshes(i),
            intact: { out, confirming in
                self.record.holds(dataPath, hash: out.hex, confirming: confirming)
                    && self.record.holds(queryPath, hash: label, confirming: confirming)
            },
            output: { NodeKeys.hash($0) })
    }

    /// A source's key; `probe` gives the freshness probe's answer, when it is asked for.
    func sourceKey(_ s: Source, probe: () throws -> Fingerprint?) throws -> Fingerprint {
        try NodeKeys.source(s, in: compiled, file: record.hash(of:), absent: record.noteAbsent, probe: probe)
    }

    /// The upstream models a local merge copies (CSV-script models are attached instead).
    func copiedModels(of merge: Model) -> [Model] {
        guard case .localMerge(let refs, _) = merge.kind else { return [] }
        return refs.compactMap { compiled.model(named: $0.name) }.filter { if case .csvScript = $0.kind { return false } else { return true } }
    }

    /// The trace's key and its query.sql's label, each hashed once per build (the first
    /// pass and then a worker both ask for a stale trace's), and once per session while
    /// the SQL and the input stay the same; with the session's result for that key.
    func traceKey(_ i: Int, _ q: TraceQuery, upstream: Fingerprint) -> (key: Fingerprint, label: String, settled: BuildSession.SettledTrace?) {
        if let known = record.withLock({ $0.traceKeys[i] }), known.upstream == upstream { return (known.key, known.label, known.settled) }
        let settled = session?.settled(trace: q.trace, sql: q.sql, dialect: q.dialect, upstream: upstream)
        let key = settled?.key ?? NodeKeys.trace(q, upstream: upstream)
        let label = settled?.label ?? TraceQuery.label(q.fileText)
        if settled == nil {
            session?.settle(q.trace, .init(sql: q.sql, dialect: q.dialect, upstream: upstream, key: key, label: label))
        }
        record.withLock { $0.traceKeys[i] = .init(upstream: upstream, key: key, label: label, settled: settled) }
        return (key, label, settled)
    }

    /// A trace's max_age: its model's, else its source's.
    func maxAge(of t: Trace) -> Duration? {
        guard let m = compiled.model(named: t.model.name) else { return nil }
        if let a = m.maxAge { return a }
        if case .source(let s)? = compiled.targets[t.name] { return compiled.source(named: s)?.maxAge }
        return nil
    }

    /// Whether `--refresh` asks this node to run again.
    func refreshes(_ i: Int) -> Bool {
        if options.refreshAll { return true }
        for s in options.refreshSources {
            if let j = graph.id(of: s), graph.ancestors(of: i).contains(j) { return true }
        }
        return false
    }

    /// Whether a cached node is up to date, restorable, or must run (and why).
    /// `confirming` counts outputs found in place as this build's (the plan only looks).
    func decide(_ step: CachedStep, lookup: CacheLookup, confirming: Bool) -> Decision {
        if step.refresh { return .run("--refresh") }
        let record = self.record.previous(step.name)
        if let r = record, r.fingerprint == step.key.hex, r.status != .failed,
            let hex = r.outputHash, let out = Fingerprint(hex: hex), step.intact(out, confirming)
        {
            if self.record.expired(r.queriedAt, step.maxAge) { return .run("older than its max_age") }
            return .inPlace(out, r)
        }
        switch lookup {
        case .skip: break
        case .locate:
            if let (location, output) = cache.locate(step.key) { return .inCache(nil, location, output: output) }
        case .load:
            if let (data, location) = cache.fetch(step.key), let cached = CachedResult(decoding: data) {
                if self.record.expired(cached.queriedAt, step.maxAge) { return .run("older than its max_age") }
                return .inCache(cached, location)
            }
        }
        guard let r = record else { return .run("never built") }
        if r.status == .failed { return .run("failed last time") }
        if r.fingerprint != step.key.hex { return .run("its query, settings or inputs changed") }
        return .run("its output is missing and not in the cache")
    }

    // MARK: - The plan

    /// Fresh or stale (and why) for each node, running nothing: no query, no script,
    /// no freshness probe. A node downstream of a stale materialising model is stale too.
    func plan(nodes: Set<Int>) -> [Int: NodePlan] {
        record.load()
        var plans: [Int: NodePlan] = [:]
        var known: [Int: Fingerprint] = [:]
        for i in graph.nodes.indices where nodes.contains(i) {
            let node = graph.nodes[i]
            let runs = node.kind == .trace || node.kind == .insight || node.kind == .model && node.type != "sql"
            if let unset = project.unresolved[node.name] {
                plans[i] = NodePlan(stale: true, reason: "fails: \(Self.unresolvedMessage(unset))", runs: true)
                continue
            }
            if node.kind != .source, let w = graph.needs[i].first(where: { known[$0] == nil }) {
                plans[i] = NodePlan(stale: true, reason: "stale: waits on \(graph.nodes[w].kind) '\(graph.nodes[w].name)'", runs: runs)
                continue
            }
            do {
                switch try step(i, inputs: { known[$0] }) {
                case .settled(let out):
                    known[i] = out
                    plans[i] = NodePlan(stale: false, reason: "fresh", runs: false)
                case .probe(let s):
                    // What reads it is known only once the probe has answered.
                    _ = try sourceKey(s, probe: { nil })
                    plans[i] = NodePlan(stale: true, reason: "stale until its freshness probe runs", runs: false)
                case .cached(let step):
                    switch decide(step, lookup: .locate, confirming: false) {
                    case .inPlace(let out, _):
                        known[i] = out
                        plans[i] = NodePlan(stale: false, reason: "fresh", runs: true)
                    case .inCache(_, let location, let output):
                        known[i] = output ?? restoredOutput(step)
                        let reason = location == .remote ? "fresh (remote hit: restored from the remote cache)" : "fresh (restored from cache)"
                        plans[i] = NodePlan(stale: false, reason: reason, runs: true)
                    case .run(let why):
                        plans[i] = NodePlan(stale: true, reason: "stale: \(why)", runs: true)
                    }
                }
            } catch {
                let why = node.kind == .model ? "an input file cannot be read" : "\(error)"
                plans[i] = NodePlan(stale: true, reason: "stale: \(why)", runs: runs)
            }
        }
        return plans
    }

    /// The output a restore would give, known without restoring: the last record's when
    /// it was made with this key, else the hash of the cached bytes.
    private func restoredOutput(_ step: CachedStep) -> Fingerprint? {
        if let rec = record.previous(step.name), let hex = rec.outputHash, rec.fingerprint == step.key.hex, let out = Fingerprint(hex: hex) {
            return out
        }
        guard let data = cache.load(step.key), let cached = CachedResult(decoding: data) else { return nil }
        return step.output(cached.body)
    }
}
