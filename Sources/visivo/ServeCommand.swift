import ArgumentParser
import Foundation
import VisivoServe
import VisivoSite

/// `visivo serve`: build, show the dashboards on a local address, rebuild on every change.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Build, serve the dashboards on a local address, and rebuild on every change.",
        discussion: """
            Open the printed address in a browser. visivo watches every file the project \
            reads (project files and includes, .env, SQLite and DuckDB files, CSV scripts and \
            the files they name); a save rebuilds only what it made stale, and open pages \
            redraw their data without reloading, keeping their selections. While the project \
            does not load, pages show each diagnostic over the last good dashboards. \
            Binds 127.0.0.1 unless --host says otherwise. Ctrl-C stops.
            """
    )

    @OptionGroup var project: ProjectOptions
    @OptionGroup var flags: BuildFlags
    @OptionGroup var plotly: PlotlyOptions

    @Option(name: .shortAndLong, help: "The port to listen on (0: any free port).")
    var port: Int = 8000

    @Option(
        name: .long,
        help: ArgumentHelp("The address to bind. Anything but loopback shows your dashboards to whoever can reach this machine.", valueName: "address"))
    var host: String = "127.0.0.1"

    mutating func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() throws {
        let plotlyFile = try plotly.locate()
        let options = flags.options(project)
        var build = ProjectBuild(loader: project.loader, options: options)
        if Phases.enabled { build.timing = Phases.report }
        let settings = LiveSite.Settings(
            build: build,
            page: SitePage.Options(plotlyURL: plotly.plotlyURL, live: true), plotly: plotlyFile)
        let reporter = ConsoleReporter(interactive: false, verbose: false)
        let watcher: FileWatcher
        do { watcher = try FileWatcher() } catch {
            Terminal.error("error: cannot watch files: \(error)")
            throw ExitCode(1)
        }
        let live = LiveSite(settings, watcher: watcher, reporter: reporter) { outcome in
            reporter.flush()
            switch outcome {
            case .failed(let errors, _):
                for e in errors { Terminal.error(e) }
                Terminal.error("the project does not load; open pages show these errors until it is fixed")
            case .built(_, _, let summary):
                reporter.finish(summary)
            }
        }
        // Ctrl-C or SIGTERM, at any time: cancel a running build, end the pages' streams,
        // stop serving. (One handler for the whole run: libdispatch does not deliver a
        // signal to a second source made after the first was cancelled.)
        let serving = CancelLater()
        let interrupt = Interrupt {
            live.stop()
            serving.cancel()
        }
        defer { interrupt.disarm() }
        live.start()
        if live.stopped { throw ExitCode(130) }
        if !["127.0.0.1", "localhost", "::1"].contains(host) {
            Terminal.error("warning: serving on \(host): anyone who can reach this address sees the dashboards")
        }
        let server = ViewerServer(live: live, host: host, port: port)
        let host = self.host
        let finished = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        let task = Task {
            do {
                try await server.run { port in
                    Self.announce(live: live, host: host, port: port)
                }
            } catch is CancellationError {
            } catch {
                failure.set("\(error)")
            }
            finished.signal()
        }
        serving.set { task.cancel() }
        finished.wait()
        live.stop()
        if let message = failure.get() {
            Terminal.error("error: cannot serve on \(host):\(port): \(message)")
            throw ExitCode(1)
        }
        Terminal.error("stopped")
    }

    static func announce(live: LiveSite, host: String, port: Int) {
        let shown = host.contains(":") ? "[\(host)]" : host
        let root = "http://\(shown):\(port)/"
        var text = "serving \(live.site?.projectName ?? "the project") at \(root)\n"
        for (name, path) in live.site?.dashboardPaths ?? [] { text += "  \(name): \(root)\(path)\n" }
        text += "watching the project's files; Ctrl-C stops\n"
        Terminal.out(text)
    }
}

/// An error handed from the server's task to the waiting thread.
final class FailureBox: @unchecked Sendable {
    // @unchecked: `message` is only touched with `lock` held.
    private let lock = NSLock()
    private var message: String?
    func set(_ m: String) { lock.withLock { message = m } }
    func get() -> String? { lock.withLock { message } }
}
