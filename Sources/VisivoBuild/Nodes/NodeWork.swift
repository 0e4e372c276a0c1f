import Foundation
import Synchronization
import VisivoConnectors
import VisivoGraph
import VisivoProject
import VisivoQuery
import VisivoSupport

/// What a node produced: its status, and the fingerprint its dependents build on
/// (for materialising models, the hash of their output: early cutoff).
struct NodeResult: Sendable {
    var status: NodeStatus
    var output: Fingerprint
    var rows: Int? = nil
    var note: String? = nil
    /// Restored from a remote cache.
    var remote = false
}

/// A node's failure, already worded for the user.
struct NodeFailure: Error, Sendable {
    var message: String
    var cancelled = false
}

/// Brings nodes up to date, one call per node from the build's threads: it takes the
/// node's step (`NodeStep`, the same decision the plan shows), then settles, restores or
/// runs it. Keys are `NodeKeys`', files `NodeOutputs`', what the build knows and did
/// `BuildRecord`'s; running each node kind is in NodeWork+Trace, +Merge and +CSV.
final class NodeWork: Sendable {
    let compiled: CompiledProject
    let options: BuildOptions
    let cache: any CacheStore
    let pool: ConnectionPool
    let scripts: ScriptRunner
    let session: BuildSession?
    let outputs: NodeOutputs
    let record: BuildRecord
    /// Time spent inside trace queries (from sending the SQL to the last row encoded),
    /// summed over all workers: the rest of a build's time is its own overhead.
    let queryNanoseconds = Atomic<Int64>(0)

    /// How much a call may do.
    enum Mode {
        /// The build's first pass: only settle what needs no query, script or cache read.
        case inPlaceOnly
        case full
    }

    init(
        compiled: CompiledProject, options: BuildOptions, cache: any CacheStore, pool: ConnectionPool, scripts: ScriptRunner,
        session: BuildSession? = nil
    ) {
        self.compiled = compiled
        self.options = options
        self.cache = cache
        self.pool = pool
        self.scripts = scripts
        self.session = session
        outputs = NodeOutputs(directory: options.outputDirectory, projectDirectory: compiled.project.directory)
        record = BuildRecord(options: options, session: session)
    }

    var graph: ProjectGraph { compiled.graph }
    var project: Project { compiled.project }

    func addQueryTime(_ d: Duration) {
        let ns = d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        queryNanoseconds.add(ns, ordering: .relaxed)
    }

    // MARK: - Processing

    /// Brings node `i` up to date. Runs on a worker thread.
    func process(_ i: Int) -> Result<NodeResult, NodeFailure> {
        do {
            return .success(try bringUpToDate(i, mode: .full)!)
        } catch {
            return .failure(failure(i, error))
        }
    }

    /// The same, but only when that needs no query, no script and no cache read: the
    /// build's first pass settles what is already in place on the calling thread.
    /// Nil when the node has real work to do.
    func processIfInPlace(_ i: Int) -> Result<NodeResult, NodeFailure>? {
        do {
            return try bringUpToDate(i, mode: .inPlaceOnly).map { .success($0) }
        } catch {
            return .failure(failure(i, error))
        }
    }

    /// The node's result; nil only in `.inPlaceOnly` mode, for a node with work to do.
    func bringUpToDate(_ i: Int, mode: Mode) throws -> NodeResult? {
        let node = graph.nodes[i]
        if let unset = project.unresolved[node.name] { throw NodeFailure(message: Self.unresolvedMessage(unset)) }
        let result: NodeResult
        switch try step(i, inputs: record.output(of:)) {
        case .settled(let out):
            result = NodeResult(status: .checked, output: out)
        case .probe(let s):
            guard mode == .full else { return nil }
            result = NodeResult(status: .checked, output: try sourceKey(s, probe: { try runProbe(s) }))
        case .cached(let step):
            let done: NodeResult?
            switch node.kind {
            case .trace, .insight: done = try processTrace(i, compiled.trace(named: node.name)!, step, mode: mode)
            case .input: done = try processInput(i, compiled.project.input(named: node.name)!, step, mode: mode)
            default: done = try processModel(i, compiled.model(named: node.name)!, step, mode: mode)
            }
            guard let done else { return nil }
            result = done
        }
        record.setOutput(i, result.output)
        return result
    }

    /// The freshness probe's answer, hashed.
    func runProbe(_ s: Source) throws -> Fingerprint {
        var sink = HashingSink()
        try pool.with(s.name) { try $0.run(s.freshness ?? "", into: &sink) }
        return sink.hasher.finalize()
    }

    func processModel(_ i: Int, _ m: Model, _ step: CachedStep, mode: Mode) throws -> NodeResult? {
        switch m.kind {
        case .csvScript(let args, let table): return try processCSVModel(m, step, args: args, table: table, mode: mode)
        case .localMerge: return try processMergeModel(i, m, step, mode: mode)
        case .sql: throw NodeFailure(message: "internal error: SQL model '\(m.name)' has no cached result")
        }
    }

    func failure(_ i: Int, _ error: any Error) -> NodeFailure {
        record.recordFailure(graph.nodes[i].name)
        switch error {
        case let f as NodeFailure: return f
        case let e as ConnectorError: return NodeFailure(message: e.description, cancelled: e.cancelled)
        default: return NodeFailure(message: "\(error)")
        }
    }

    /// Why a node whose values use unset environment variables cannot run.
    static func unresolvedMessage(_ unset: [Diagnostic]) -> String {
        unset.map { "\($0.message) at \($0.location.map(\.description) ?? "?")" }.joined(separator: "; ")
    }

    // MARK: - A cached step

    /// A cached node's result: already in place, restored from the cache, or run now (and
    /// stored). Nil in `.inPlaceOnly` mode when it is not in place.
    func settle(
        _ step: CachedStep, mode: Mode, restore: (CachedResult) throws -> Fingerprint, run: () throws -> (CachedResult, Fingerprint)
    ) throws -> NodeResult? {
        // The first pass touches no cache object: in place, or left for a worker.
        let decision = decide(step, lookup: mode == .inPlaceOnly ? .skip : .load, confirming: true)
        if mode == .inPlaceOnly {
            guard case .inPlace = decision else { return nil }
        }
        switch decision {
        case .inPlace(let out, let r):
            record.remember(step.name, key: step.key, output: out, status: .reused, rows: r.rows, queriedAt: r.queriedAt, duration: 0, maxAge: step.maxAge)
            return NodeResult(status: .reused, output: out, rows: r.rows)
        case .inCache(let cached?, let location, _):
            let out = try restore(cached)
            record.remember(
                step.name, key: step.key, output: out, status: .reused, rows: cached.rows, queriedAt: cached.queriedAt, duration: 0, maxAge: step.maxAge)
            let remote = location == .remote
            return NodeResult(status: .reused, output: out, rows: cached.rows, note: remote ? "from the remote cache" : nil, remote: remote)
        case .inCache(nil, _, _), .run:
            let t0 = ContinuousClock.now
            let (result, out) = try run()
            try result.withEncoded { try cache.store(step.key, $0, output: out) }
            record.remember(
                step.name, key: step.key, output: out, status: .built, rows: result.rows, queriedAt: result.queriedAt,
                duration: (ContinuousClock.now - t0).milliseconds, maxAge: step.maxAge)
            return NodeResult(status: .built, output: out, rows: result.rows)
        }
    }

    // MARK: - The build's own records

    /// Writes target/project.json, unless it was written from these very files before.
    func writeProjectJSON() throws {
        // A project made without the loader has no content hash: always write it.
        let label = project.contentHash.isEmpty ? nil : "project:" + project.contentHash
        try outputs.writeUnlessHeld(outputs.projectJSON, label: label, record: record) { ProjectJSON.render(project).serializedBytes }
    }

    /// Saves the state and the stat cache, each only when this build changed it.
    func saveState() {
        record.save(complete: options.selection == nil) { graph.id(of: $0) != nil }
    }

    /// What this build depended on and produced, for the next build's no-op check.
    func snapshot(reused: Int, checked: Int) -> NoOpSnapshot? {
        record.snapshot(project: (project.contentHash, project.files), outputDirectory: options.outputDirectory, reused: reused, checked: checked)
    }
}

/// A row sink that only hashes what it sees (freshness probes, merge outputs).
struct HashingSink: RowSink {
    var hasher = FingerprintHasher()
    mutating func columns(_ names: [String]) throws { for n in names { hasher.add("col", n) } }
    mutating func row(_ values: [JSONValue]) throws {
        var s: [UInt8] = []
        for v in values { v.write(into: &s); s.append(0x01) }
        hasher.add("row", String(decoding: s, as: UTF8.self))
    }
}
