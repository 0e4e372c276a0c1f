import Synchronization
import VisivoProject
import VisivoSupport

/// What `serve` keeps of the last site it made, so that the next one costs about what
/// changed: the addresses (while the dashboards' and traces' names are the same) and each
/// trace's text in the documents (while its props, data address and outcome are the same).
public final class SiteMemo: Sendable {
    struct Trace: Sendable {
        var props: JSONValue
        var data: String
        var outcome: TraceOutcome
        var text: [UInt8]
    }

    private struct Addresses: Sendable {
        var dashboards: [String]
        var traces: [String]
        var paths: SitePaths
    }

    private let state = Mutex<(addresses: Addresses?, traces: [String: Trace])>((nil, [:]))

    public init() {}

    var traces: [String: Trace] {
        get { state.withLock { $0.traces } }
        set { state.withLock { $0.traces = newValue } }
    }

    /// The project's addresses, made anew only when a dashboard or a trace was added,
    /// removed or renamed.
    func paths(of project: Project) -> SitePaths {
        let dashboards = project.dashboards.map(\.name), traces = project.traces.map(\.name)
        if let known = state.withLock({ $0.addresses }), known.dashboards == dashboards, known.traces == traces { return known.paths }
        let paths = SitePaths(project)
        state.withLock { $0.addresses = Addresses(dashboards: dashboards, traces: traces, paths: paths) }
        return paths
    }
}
