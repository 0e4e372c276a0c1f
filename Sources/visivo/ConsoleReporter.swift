import Foundation
import Synchronization
import VisivoBuild

/// Prints build progress: a live line on a terminal, a line per finished node otherwise,
/// and always the problems and a summary.
final class ConsoleReporter: BuildReporter {
    let interactive: Bool
    /// Also a line per reused node (off by default: a no-op build of a large project
    /// would print thousands of lines saying nothing happened).
    let verbose: Bool
    /// Everything the reporter prints goes through here, in order.
    private let output = BackgroundWriter(fd: STDERR_FILENO)
    private let lastDraw = Mutex<ContinuousClock.Instant?>(nil)

    init(interactive: Bool, verbose: Bool) {
        self.interactive = interactive
        self.verbose = verbose
    }

    func started(total: Int) {}

    func warning(_ text: String) { line("warning: \(text)") }

    private func line(_ text: String) { output.write(text + "\n") }

    /// Waits until everything reported so far is printed.
    func flush() { output.flush() }

    func finished(_ e: NodeEvent) {
        let ms = e.duration.components.seconds * 1000 + e.duration.components.attoseconds / 1_000_000_000_000_000
        if e.status == .failed || e.status == .skipped || e.status == .cancelled {
            clearLine()
            line("\(e.status.rawValue.uppercased()) \(e.kind) '\(e.name)': \(e.message ?? "")")
        } else if let note = e.message {
            clearLine()
            line("warning: \(e.kind) '\(e.name)': \(note)")
        }
        if interactive {
            let now = ContinuousClock.now
            let draw = lastDraw.withLock { last -> Bool in
                if let l = last, now - l < .milliseconds(50), e.done < e.total { return false }
                last = now
                return true
            }
            if draw { output.write("\r\u{1B}[K[\(e.done)/\(e.total)] \(e.status.rawValue) \(e.kind) \(e.name)") }
        } else if e.kind == .trace || e.kind == .model, e.status == .built || (e.status == .reused && verbose) {
            let rows = e.rows.map { ", \($0) rows" } ?? ""
            let note = e.status == .reused ? e.message.map { ", \($0)" } ?? "" : ""
            line("[\(e.done)/\(e.total)] \(e.status.rawValue) \(e.kind) '\(e.name)' (\(ms) ms\(rows)\(note))")
        }
    }

    func clearLine() {
        if interactive { output.write("\r\u{1B}[K") }
    }

    func finish(_ s: BuildSummary, note: String? = nil) {
        clearLine()
        let secs = Double(s.wallTime.components.seconds) + Double(s.wallTime.components.attoseconds) / 1e18
        let remote = s.remoteHits > 0 ? " (\(s.remoteHits) from the remote cache)" : ""
        var line = "built \(s.built), reused \(s.reused)\(remote), failed \(s.failed), skipped \(s.skipped) in \(String(format: "%.3f", secs)) s"
        if let oldest = s.oldestReused, s.reused > 0 {
            line += "; oldest reused result queried \(Self.age(Date().timeIntervalSince(oldest))) ago"
        }
        if s.cancelled { line = "cancelled: " + line }
        if let note { line += " (\(note))" }
        self.line(line)
        flush()
    }

    static func age(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<120: return "\(Int(seconds)) s"
        case ..<7200: return "\(Int(seconds / 60)) min"
        case ..<172800: return "\(Int(seconds / 3600)) h"
        default: return "\(Int(seconds / 86400)) days"
        }
    }
}
