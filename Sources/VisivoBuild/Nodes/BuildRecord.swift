import Foundation
import Synchronization
import VisivoSupport

/// What one build knows and has done, shared by its worker threads behind one lock: the
/// previous build's records and this build's, the stat cache, each finished node's output
/// fingerprint, and the ages of the results it ends with.
final class BuildRecord: Sendable {
    struct Shared: Sendable {
        var state = BuildState()
        var previous = BuildState()
        var stat = FileStatCache()
        var outputs: [Int: Fingerprint] = [:]
        /// Trace keys computed so far, with the upstream fingerprint they were made from.
        var traceKeys: [Int: TraceKey] = [:]
        var oldestReused: Date?
        /// When the oldest result this build ended with (built or reused) was queried.
        var oldestResult: Date?
        /// The earliest moment a result with a max_age expires.
        var expiry: Date?
    }

    struct TraceKey: Sendable {
        var upstream: Fingerprint
        var key: Fingerprint
        /// The stat-cache label of the trace's query.sql.
        var label: String
        /// What the session knew of the trace when the key was made.
        var settled: BuildSession.SettledTrace?
    }

    let statePath: String
    let statCachePath: String
    let session: BuildSession?
    /// "Now" for the whole build: every max_age is measured from the same moment.
    let now = Date()
    private let shared = Mutex(Shared())

    init(options: BuildOptions, session: BuildSession?) {
        statePath = options.statePath
        statCachePath = options.statCachePath
        self.session = session
    }

    func withLock<T>(_ body: (inout Shared) throws -> T) rethrows -> T { try shared.withLock { try body(&$0) } }

    // MARK: - The state files

    /// Reads the last build's records and stat cache (from the session when it holds the
    /// very files on disk).
    func load() {
        let (previous, stat) =
            session?.state(files: [statePath, statCachePath]) ?? (BuildState.load(from: statePath), FileStatCache.load(from: statCachePath))
        shared.withLock {
            $0.previous = previous
            $0.state = previous
            $0.stat = stat
        }
    }

    /// Saves the state and the stat cache, each only when this build changed it. After a
    /// complete build (`keep` nil: no selection), records of objects no longer in the
    /// project go.
    func save(complete: Bool, keep: (String) -> Bool) {
        var (state, previous, stat) = shared.withLock { ($0.state, $0.previous, $0.stat) }
        if complete { state.nodes = state.nodes.filter { keep($0.key) } }
        if state != previous || !FileManager.default.fileExists(atPath: statePath) { try? state.save(to: statePath) }
        if stat.changed || (complete && stat.hasUntouched) || !FileManager.default.fileExists(atPath: statCachePath) {
            try? stat.save(to: statCachePath, onlyTouched: complete)
        }
        session?.remember(state: state, stat: stat, files: [statePath, statCachePath])
    }

    // MARK: - Nodes

    /// The last build's record of a node.
    func previous(_ name: String) -> BuildState.NodeRecord? { shared.withLock { $0.previous.nodes[name] } }

    /// The output fingerprint of a finished node.
    func output(of i: Int) -> Fingerprint? { shared.withLock { $0.outputs[i] } }

    func setOutput(_ i: Int, _ output: Fingerprint) { shared.withLock { $0.outputs[i] = output } }

    /// Records a node that succeeded with this key and output.
    func remember(
        _ name: String, key: Fingerprint, output: Fingerprint, status: BuildState.NodeRecord.Status, rows: Int?, queriedAt: Date?, duration: Int,
        maxAge: Duration?
    ) {
        shared.withLock { s in
            s.state.nodes[name] = BuildState.NodeRecord(
                fingerprint: key.hex, status: status, durationMs: duration, rows: rows, queriedAt: queriedAt, outputHash: output.hex)
        }
        noteResult(reused: status == .reused, queriedAt: queriedAt, maxAge: maxAge)
    }

    /// A node that failed keeps its record, marked failed: the next build runs it again.
    func recordFailure(_ name: String) {
        shared.withLock { s in
            if var r = s.state.nodes[name] { r.status = .failed; s.state.nodes[name] = r }
        }
    }

    /// Counts a result's age into the build's oldest results and earliest expiry.
    func noteResult(reused: Bool, queriedAt: Date?, maxAge: Duration?) {
        guard let q = queriedAt else { return }
        shared.withLock { s in
            if let maxAge {
                let expiry = q.addingTimeInterval(Double(maxAge.components.seconds))
                if s.expiry.map({ expiry < $0 }) ?? true { s.expiry = expiry }
            }
            if reused, s.oldestReused.map({ q < $0 }) ?? true { s.oldestReused = q }
            if s.oldestResult.map({ q < $0 }) ?? true { s.oldestResult = q }
        }
    }

    /// Whether a result queried at `queriedAt` is past `maxAge` now.
    func expired(_ queriedAt: Date?, _ maxAge: Duration?) -> Bool {
        guard let maxAge else { return false }
        guard let queriedAt else { return true }
        return now.timeIntervalSince(queriedAt) > Double(maxAge.components.seconds)
    }

    func oldestReused() -> Date? { shared.withLock { $0.oldestReused } }

    // MARK: - Files

    /// A file's content hash through the stat cache (read only when its stat changed).
    func hash(of path: String) throws -> Fingerprint { try shared.withLock { try $0.stat.hash(of: path) } }

    /// An optional input that is absent (a WAL file): its appearing makes the build stale.
    func noteAbsent(_ path: String) { shared.withLock { $0.stat.noteAbsent(path) } }

    /// Whether the output at `path` still holds `hash`; with `confirming`, it counts as
    /// an output of this build (kept in the stat cache).
    func holds(_ path: String, hash: String, confirming: Bool) -> Bool {
        shared.withLock { confirming ? $0.stat.confirm(path, hash: hash) : $0.stat.isUnchanged(path, hash: hash) }
    }

    /// Around a write of `path`: forget it first (a failed write leaves no trust behind),
    /// then record what was written.
    func distrust(_ path: String) { shared.withLock { $0.stat.distrust(path) } }
    func recordWrite(_ path: String, hash: String, written: stat? = nil) { shared.withLock { $0.stat.record(path, hash: hash, written: written) } }

    /// What this build depended on and produced, for the next build's no-op check.
    func snapshot(project: (contentHash: String, files: [String]), outputDirectory: String, reused: Int, checked: Int) -> NoOpSnapshot? {
        shared.withLock { s in
            s.stat.watched().map {
                NoOpSnapshot(
                    contentHash: project.contentHash, binary: NoOpSnapshot.binaryLabel(), outputDirectory: outputDirectory,
                    files: project.files, expiry: s.expiry, reused: reused, checked: checked, oldest: s.oldestResult,
                    watched: $0)
            }
        }
    }
}
