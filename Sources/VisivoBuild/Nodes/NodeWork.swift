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
}

/// A node's failure, already worded for the user.
struct NodeFailure: Error, Sendable {
    var message: String
    var cancelled = false
}

/// The work of each node kind: fingerprints, cache lookups, queries, scripts, outputs.
/// Shared by all worker threads; its mutable state sits behind one mutex.
final class NodeWork: Sendable {
    let compiled: CompiledProject
    let options: BuildOptions
    let cache: any CacheStore
    let pool: ConnectionPool
    let scripts: ScriptRunner
    let session: BuildSession?
    let now = Date()

    struct Shared: Sendable {
        var state = BuildState()
        var previous = BuildState()
        var stat = FileStatCache()
        var outputs: [Int: Fingerprint] = [:]
        /// Trace keys computed so far, with the upstream fingerprint they were made from.
        var traceKeys: [Int: (upstream: Fingerprint, key: Fingerprint, label: String)] = [:]
        var oldestReused: Date?
        /// When the oldest result this build ended with (built or reused) was queried.
        var oldestResult: Date?
        /// The earliest moment a result with a max_age expires.
        var expiry: Date?
    }
    let shared = Mutex(Shared())
    /// Set during the first pass (single-threaded): only settle nodes already in place.
    let inPlaceOnly = Atomic<Bool>(false)
    /// Time spent inside trace queries (from sending the SQL to the last row encoded),
    /// summed over all workers: the rest of a build's time is its own overhead.
    let queryNanoseconds = Atomic<Int64>(0)

    func addQueryTime(_ d: Duration) {
        let ns = d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        queryNanoseconds.add(ns, ordering: .relaxed)
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
    }

    var graph: ProjectGraph { compiled.graph }
    var project: Project { compiled.project }
    var statePath: String { options.statePath }
    /// Where outputs are written before being renamed into place; emptied at the start
    /// of every build, so a killed build leaves no half-written file behind for long.
    var scratchDirectory: String { options.outputDirectory + "/.tmp" }

    /// Deletes what a killed build left in the scratch folder (called under the build lock).
    /// Never through a link: a scratch "folder" that is a symbolic link (or any other file)
    /// is removed itself, so the build makes a real one, and only regular files in the
    /// real one are deleted.
    func sweepScratch() {
        var st = stat()
        guard lstat(scratchDirectory, &st) == 0 else { return }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            unlink(scratchDirectory)
            return
        }
        guard let leftovers = try? FileManager.default.contentsOfDirectory(atPath: scratchDirectory) else { return }
        for f in leftovers {
            let path = scratchDirectory + "/" + f
            if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG { unlink(path) }
        }
    }
    var statCachePath: String { options.statCachePath }

    func loadState() {
        let (previous, stat) =
            session?.state(files: [statePath, statCachePath]) ?? (BuildState.load(from: statePath), FileStatCache.load(from: statCachePath))
        shared.withLock {
            $0.previous = previous
            $0.state = previous
            $0.stat = stat
        }
    }

    /// Saves the state and the stat cache, each only when this build changed it.
    func saveState() {
        var (state, previous, stat) = shared.withLock { ($0.state, $0.previous, $0.stat) }
        let complete = options.selection == nil
        // After a complete build, records of objects no longer in the project go.
        if complete { state.nodes = state.nodes.filter { graph.id(of: $0.key) != nil } }
        if state != previous || !FileManager.default.fileExists(atPath: statePath) { try? state.save(to: statePath) }
        if stat.changed || (complete && stat.hasUntouched) || !FileManager.default.fileExists(atPath: statCachePath) {
            try? stat.save(to: statCachePath, onlyTouched: complete)
        }
        session?.remember(state: state, stat: stat, files: [statePath, statCachePath])
    }

    func oldestReused() -> Date? { shared.withLock { $0.oldestReused } }

    /// What this build depended on and produced, for the next build's no-op check.
    func snapshot(reused: Int, checked: Int) -> NoOpSnapshot? {
        shared.withLock { s in
            s.stat.watched().map {
                NoOpSnapshot(
                    contentHash: project.contentHash, binary: NoOpSnapshot.binaryLabel(), outputDirectory: options.outputDirectory,
                    files: project.files, expiry: s.expiry, reused: reused, checked: checked, oldest: s.oldestResult,
                    watched: $0)
            }
        }
    }

    /// Writes target/project.json, unless it was written from these very files before.
    func writeProjectJSON() throws {
        let path = options.outputDirectory + "/project.json"
        // A project made without the loader has no content hash: always write it.
        let label = project.contentHash.isEmpty ? nil : "project:" + project.contentHash
        try writeOutput(path, label: label) { ProjectJSON.render(project).serializedBytes }
    }

    /// Writes an output unless the file on disk still carries `label` by its stat;
    /// `bytes` is only called when the file must be written.
    func writeOutput(_ path: String, label: String?, _ bytes: () -> [UInt8]) throws {
        if let label, shared.withLock({ $0.stat.confirm(path, hash: label) }) { return }
        try refuseLinkedFolder(of: path)
        shared.withLock { $0.stat.distrust(path) }
        let written = try AtomicFile.write(bytes(), to: path, scratch: scratchDirectory)
        if let label { shared.withLock { $0.stat.record(path, hash: label, written: written) } }
    }

    /// A node's folder under the output folder (`target/<trace>/`) must be a folder of
    /// its own: a symbolic link there would take the write out of the folder visivo owns.
    /// (The output folder itself is the user's to place anywhere, a link included.)
    func refuseLinkedFolder(of path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        guard folder != options.outputDirectory else { return }
        var st = stat()
        if lstat(folder, &st) == 0, st.st_mode & S_IFMT != S_IFDIR {
            let what = st.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : "not a folder"
            throw NodeFailure(message: "\(relative(folder)) is \(what); outputs are written only into folders of visivo's own (remove it, and build again)")
        }
    }

    static func hash(_ bytes: some Sequence<UInt8>) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("bytes", bytes: bytes)
        return h.finalize()
    }

    func input(_ i: Int) -> Fingerprint? { shared.withLock { $0.outputs[i] } }

    // MARK: - Processing

    /// Brings node `i` up to date. Runs on a worker thread.
    func process(_ i: Int) -> Result<NodeResult, NodeFailure> {
        do {
            return .success(try bringUpToDate(i))
        } catch {
            return .failure(failure(i, error))
        }
    }

    /// The same, but only when that needs no query, no script and no cache read: the
    /// build's first pass settles what is already in place on the calling thread.
    /// Nil when the node has real work to do.
    func processIfInPlace(_ i: Int) -> Result<NodeResult, NodeFailure>? {
        inPlaceOnly.store(true, ordering: .relaxed)
        defer { inPlaceOnly.store(false, ordering: .relaxed) }
        do {
            return .success(try bringUpToDate(i))
        } catch is HasWork {
            return nil
        } catch {
            return .failure(failure(i, error))
        }
    }

    /// Thrown in the first pass by a node that must run or restore.
    struct HasWork: Error {}

    func failure(_ i: Int, _ error: any Error) -> NodeFailure {
        recordFailure(graph.nodes[i].name)
        switch error {
        case let f as NodeFailure: return f
        case let e as ConnectorError: return NodeFailure(message: e.description, cancelled: e.cancelled)
        default: return NodeFailure(message: "\(error)")
        }
    }

    func bringUpToDate(_ i: Int) throws -> NodeResult {
        let node = graph.nodes[i]
        if let unset = project.unresolved[node.name] { throw NodeFailure(message: Self.unresolvedMessage(unset)) }
        let result: NodeResult
        switch node.kind {
        case .source: result = try processSource(compiled.source(named: node.name)!)
        case .model: result = try processModel(i, compiled.model(named: node.name)!)
        case .trace: result = try processTrace(i, compiled.trace(named: node.name)!)
        case .chart, .table, .selector, .dashboard:
            var h = FingerprintHasher()
            h.add("kind", node.kind.rawValue)
            for j in graph.needs[i] { h.add("in", input(j) ?? Fingerprint.zero) }
            result = NodeResult(status: .checked, output: h.finalize())
        }
        shared.withLock { $0.outputs[i] = result.output }
        return result
    }

    /// Why a node whose values use unset environment variables cannot run.
    static func unresolvedMessage(_ unset: [Diagnostic]) -> String {
        unset.map { "\($0.message) at \($0.location.map(\.description) ?? "?")" }.joined(separator: "; ")
    }

    func recordFailure(_ name: String) {
        shared.withLock { s in
            if var r = s.state.nodes[name] { r.status = BuildState.NodeRecord.failed; s.state.nodes[name] = r }
        }
    }

    // MARK: - Sources

    func processSource(_ s: Source) throws -> NodeResult {
        NodeResult(status: .checked, output: try sourceFingerprint(s, probe: true))
    }

    /// Connection settings without secrets, the database file's content for file sources,
    /// and the freshness probe's answer when one is declared.
    func sourceFingerprint(_ s: Source, probe: Bool) throws -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "source")
        h.add("type", s.type.rawValue)
        switch s.type {
        case .sqlite, .duckdb:
            let path = ConnectionPool.resolve(s.database, in: project.directory)
            h.add("file", try shared.withLock { try $0.stat.hash(of: path) })
            try hashWAL(of: path, suffix: s.type == .duckdb ? ".wal" : "-wal", into: &h)
            for a in s.attach {
                let db = a.sourceName.flatMap { compiled.source(named: $0)?.database } ?? a.database
                h.add("attach", a.schemaName)
                let attached = ConnectionPool.resolve(db, in: project.directory)
                h.add("file", try shared.withLock { try $0.stat.hash(of: attached) })
                try hashWAL(of: attached, into: &h)
            }
        default:
            for (k, v) in [
                ("host", s.host), ("database", s.database), ("username", s.username), ("schema", s.dbSchema), ("account", s.account),
                ("warehouse", s.warehouse), ("role", s.role), ("project", s.project),
            ] {
                h.add(k, v ?? "")
            }
            h.add("port", s.port ?? 0)
        }
        if let probeSQL = s.freshness, probe {
            if inPlaceOnly.load(ordering: .relaxed) { throw HasWork() }
            var sink = HashingSink()
            try pool.with(s.name) { try $0.run(probeSQL, into: &sink) }
            h.add("probe", sink.hasher.finalize())
        }
        return h.finalize()
    }

    /// Commits still in a database's write-ahead log (SQLite `-wal`, DuckDB `.wal`) are part
    /// of its data too.
    func hashWAL(of path: String, suffix: String = "-wal", into h: inout FingerprintHasher) throws {
        let wal = path + suffix
        if FileManager.default.fileExists(atPath: wal) {
            h.add("wal", try shared.withLock { try $0.stat.hash(of: wal) })
        } else {
            shared.withLock { $0.stat.noteAbsent(wal) }
        }
    }

    // MARK: - Models

    func processModel(_ i: Int, _ m: Model) throws -> NodeResult {
        switch m.kind {
        case .sql(let sql, _):
            return NodeResult(status: .checked, output: Self.modelKey("model.sql", sql: sql, inputs: graph.needs[i].map { input($0) ?? .zero }))
        case .csvScript(let args, let table):
            return try processCSVModel(i, m, args: args, table: table)
        case .localMerge(let refs, _):
            return try processMergeModel(i, m, refs: refs)
        }
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

extension Fingerprint {
    /// Stands for an input that has no fingerprint (never happens for a built input).
    static let zero = Fingerprint(hex: String(repeating: "0", count: 64))!
}
