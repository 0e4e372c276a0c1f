import Foundation
import VisivoProject
import VisivoSupport

/// How a build should run.
public struct BuildOptions: Sendable {
    /// At most this many nodes run at once.
    public var threads = 8
    /// The nodes asked for (nil: all); what they need is built too.
    public var selection: Set<Int>? = nil
    /// `--refresh`: rerun everything that queries or runs a script.
    public var refreshAll = false
    /// `--refresh SOURCE`: rerun what reads these sources.
    public var refreshSources: Set<String> = []
    /// Where data.json, query.sql and model databases go (`target/`).
    public var outputDirectory: String
    /// Content-addressed results (`.visivo/cache`, `--cache-dir`, `VISIVO_CACHE_DIR`).
    public var cacheDirectory: String
    /// The state file and the stat cache (`.visivo`).
    public var stateDirectory: String
    /// A shared cache server in front of which the local cache sits (`--remote-cache`).
    public var remoteCache: RemoteCacheSettings? = nil

    public init(projectDirectory: String) {
        outputDirectory = projectDirectory + "/target"
        stateDirectory = projectDirectory + "/.visivo"
        cacheDirectory = stateDirectory + "/cache"
    }

    /// The build state (what each node was last built from), the stat cache and the
    /// no-op snapshot: the files `clean` deletes from the state folder.
    public var statePath: String { stateDirectory + "/state" }
    public var statCachePath: String { stateDirectory + "/filestat" }
    public var snapshotPath: String { NoOpSnapshot.path(stateDirectory: stateDirectory) }

    /// The cache folder: `option`, else `VISIVO_CACHE_DIR`, else `.visivo/cache` in the
    /// project folder. A relative path is taken from the current folder.
    public static func cacheDirectory(projectDirectory: String, option: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        if let c = option ?? environment["VISIVO_CACHE_DIR"] { return URL(fileURLWithPath: c).standardizedFileURL.path }
        return BuildOptions(projectDirectory: URL(fileURLWithPath: projectDirectory).standardizedFileURL.path).cacheDirectory
    }
}

/// What happened to one node.
public enum NodeStatus: String, Sendable, Equatable {
    /// Ran: a query, a script or a merge.
    case built
    /// Its result came from the cache or was already in place.
    case reused
    /// Nothing to run (sources, SQL models, charts, dashboards): inputs checked.
    case checked
    case failed
    /// Something it needs failed.
    case skipped
    case cancelled
}

/// One finished node, as the reporter hears of it.
public struct NodeEvent: Sendable {
    public var name: String
    public var kind: ObjectKind
    public var status: NodeStatus
    public var duration: Duration
    public var rows: Int?
    /// The error (for failed nodes) or a note.
    public var message: String?
    public var done: Int
    public var total: Int
    /// The hash of what a node that succeeded produced (for a trace, its data.json's): it
    /// changes exactly when the output does.
    public var output: Fingerprint? = nil
}

/// Receives progress; called from worker threads.
public protocol BuildReporter: Sendable {
    func started(total: Int)
    func finished(_ event: NodeEvent)
    func warning(_ text: String)
}

/// The end of a build.
public struct BuildSummary: Sendable {
    public var built = 0
    public var reused = 0
    /// Of the reused: results that came from the remote cache.
    public var remoteHits = 0
    public var checked = 0
    public var failed = 0
    public var skipped = 0
    public var cancelled = false
    public var wallTime: Duration = .zero
    /// Time spent inside trace queries, summed over worker threads.
    public var queryTime: Duration = .zero
    /// When the oldest reused result was queried.
    public var oldestReused: Date?
    public var failures: [String] = []

    public var succeeded: Bool { failed == 0 && !cancelled && skipped == 0 }
}

/// A node's state before a build: fresh, or stale and why (`visivo dag`, `--dry-run`).
public struct NodePlan: Sendable, Equatable {
    public var stale: Bool
    public var reason: String
    /// Whether this node does work of its own (a query, a script, a merge).
    public var runs: Bool
}

/// Errors of the build engine itself (not of one node).
public enum BuildError: Error, CustomStringConvertible {
    case locked(String)
    case io(String)

    public var description: String {
        switch self {
        case .locked(let path): return "another build of this project is running (lock \(path))"
        case .io(let m): return m
        }
    }
}
