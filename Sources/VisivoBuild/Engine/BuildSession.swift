import Foundation
import Synchronization
import VisivoQuery
import VisivoSupport

/// What a long-running process (`serve`) keeps between builds of one project, so that a
/// rebuild after a small edit costs about the edit, not the project:
/// - each trace's compiled query, reused while the trace, its model and its target are
///   equal to those it was compiled from;
/// - each trace's key and query label, reused while its SQL and its input are the same;
/// - the build state and the stat cache as the last build saved them, reused while their
///   files on disk are the very files it saved (another build in between, or a `clean`,
///   makes this session read them again);
/// - the outputs the last build wrote or confirmed, taken as still in place without a
///   `stat` each. Outputs are visivo's own; a user who deletes `target/` while `serve`
///   runs restarts it (or edits a file, which rebuilds what the edit touches).
public final class BuildSession: CompileMemory {
    /// A trace's key as last hashed, and the result the last build ended with for it.
    struct SettledTrace: Sendable {
        var sql: String
        var dialect: Dialect
        var upstream: Fingerprint
        var key: Fingerprint
        var label: String
        /// Set once the trace succeeded with this key: its outputs are in place (the
        /// session trusts what it wrote or confirmed), so the next build takes the result
        /// as it is.
        var result: NodeResult?
        var queriedAt: Date?
    }

    struct Memory: Sendable {
        var state: BuildState
        var stat: FileStatCache
        /// The state file's and the stat cache's stat as saved.
        var files: [FileStatCache.Stat?]
    }

    private let queries = Mutex<[String: CompiledTrace]>([:])
    private let traces = Mutex<[String: SettledTrace]>([:])
    private let memory = Mutex<Memory?>(nil)

    public init() {}

    // MARK: - Compiling

    /// The queries the last compile made, by trace name (read without a lock by the
    /// compiler's threads; see `CompiledTrace.query(for:model:target:dialect:)`).
    public var compiledQueries: [String: CompiledTrace] { queries.withLock { $0 } }

    /// Keeps this compile's queries (and only these: traces gone from the project go, with
    /// what the session settled for them).
    public func remember(queries compiled: [CompiledTrace]) {
        var next: [String: CompiledTrace] = [:]
        next.reserveCapacity(compiled.count)
        for c in compiled { next[c.trace.name] = c }
        queries.withLock { $0 = next }
        // A trace gone from the project is forgotten too: back later, it is checked anew
        // (its record left the build state with it).
        traces.withLock { known in
            let gone = known.keys.filter { next[$0] == nil }
            for name in gone { known.removeValue(forKey: name) }
        }
    }

    // MARK: - Traces

    /// What the session knows of a trace whose SQL and input are these.
    func settled(trace: String, sql: String, dialect: Dialect, upstream: Fingerprint) -> SettledTrace? {
        traces.withLock { known in
            known[trace].flatMap { k in k.upstream == upstream && k.dialect == dialect && k.sql == sql ? k : nil }
        }
    }

    func settle(_ trace: String, _ settled: SettledTrace) {
        traces.withLock { $0[trace] = settled }
    }

    func settle(_ trace: String, result: NodeResult, queriedAt: Date?) {
        traces.withLock { known in
            known[trace]?.result = result
            known[trace]?.queriedAt = queriedAt
        }
    }

    // MARK: - State

    /// The state and stat cache the last build ended with, when their files are still
    /// those it saved; nil otherwise (read them from disk).
    func state(files paths: [String]) -> (BuildState, FileStatCache)? {
        let now = paths.map(FileStatCache.fileStat)
        let known = memory.withLock { m -> (BuildState, FileStatCache)? in
            guard let m, m.files == now, !now.contains(nil) else { return nil }
            return (m.state, m.stat.forNextBuild())
        }
        // Something else wrote the state: no result of this session is trusted any more.
        if known == nil { traces.withLock { $0 = [:] } }
        return known
    }

    func remember(state: BuildState, stat: FileStatCache, files paths: [String]) {
        let files = paths.map(FileStatCache.fileStat)
        memory.withLock { $0 = Memory(state: state, stat: stat, files: files) }
    }
}
