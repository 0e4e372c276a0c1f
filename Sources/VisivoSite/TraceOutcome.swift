import Foundation
import VisivoBuild
import VisivoProject

/// What the viewer says of a trace: its data is there, or why not.
public enum TraceOutcome: Sendable, Equatable {
    /// The data is there; `version` changes exactly when it does (nil when the build did
    /// not say: the page then reloads it with every project version).
    case ok(version: String?)
    case failed(String)
    case skipped(String)
    /// Never built (left out by a selection, or no build yet).
    case missing

    var status: String {
        switch self {
        case .ok: "ok"
        case .failed: "failed"
        case .skipped: "skipped"
        case .missing: "missing"
        }
    }

    /// The data's version, for an `ok` trace the build reported.
    var version: String? {
        if case .ok(let v) = self { return v }
        return nil
    }

    var isOK: Bool {
        if case .ok = self { return true }
        return false
    }

    var message: String? {
        switch self {
        case .failed(let m), .skipped(let m): m
        case .ok, .missing: nil
        }
    }
}

/// Collects each trace's outcome from a build's events, then fills in the traces the
/// build did not report (a no-op build reports none) from what is in `target/`.
public final class TraceOutcomes: BuildReporter, @unchecked Sendable {
    // @unchecked: `outcomes` is only touched with `lock` held.
    private let lock = NSLock()
    private var outcomes: [String: TraceOutcome] = [:]
    private let forward: (any BuildReporter)?

    /// `forward` hears every event too (the console's progress lines).
    public init(forwardingTo forward: (any BuildReporter)? = nil) {
        self.forward = forward
    }

    public func started(total: Int) { forward?.started(total: total) }
    public func warning(_ text: String) { forward?.warning(text) }

    public func finished(_ event: NodeEvent) {
        if event.kind == .trace || event.kind == .insight {
            let outcome: TraceOutcome
            switch event.status {
            // A prefix of the data's hash names its version.
            case .built, .reused, .checked: outcome = .ok(version: event.output.map { String($0.hex.prefix(16)) })
            case .failed: outcome = .failed(event.message ?? "failed")
            case .skipped: outcome = .skipped(event.message ?? "skipped")
            case .cancelled: outcome = .missing
            }
            lock.withLock { outcomes[event.name] = outcome }
        }
        forward?.finished(event)
    }

    /// Every trace of `project`: the build's word where it reported one, else `ok` when its
    /// data.json exists in `outputDirectory`.
    public func resolve(_ project: Project, outputDirectory: String) -> [String: TraceOutcome] {
        let reported = lock.withLock { outcomes }
        var all: [String: TraceOutcome] = [:]
        for t in project.traces {
            if let r = reported[t.name] {
                all[t.name] = r
            } else {
                let exists = FileManager.default.fileExists(atPath: SiteData.dataPath(trace: t.name, outputDirectory: outputDirectory))
                all[t.name] = exists ? .ok(version: nil) : .missing
            }
        }
        return all
    }
}
