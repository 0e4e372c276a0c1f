import Foundation
import Synchronization
import VisivoBuild
import VisivoProject
import VisivoQuery
import VisivoSite
import VisivoSupport

/// The site `serve` shows, kept current: every change the watcher reports rebuilds the
/// project (incrementally: only what the change made stale runs), replaces the site, and
/// tells open pages through the event hub. A project that no longer loads keeps the last
/// good site and publishes the diagnostics instead.
public final class LiveSite: Sendable {
    public struct Settings: Sendable {
        public var build: ProjectBuild
        public var page: SitePage.Options
        /// plotly.min.js to serve (nil when pages load it from `page.plotlyURL`).
        public var plotly: String?

        public init(build: ProjectBuild, page: SitePage.Options, plotly: String?) {
            self.build = build
            self.page = page
            self.plotly = plotly
        }
    }

    private struct State {
        var site: Site?
        var errors: [String] = []
        var generation = 0
        var building = false
        var pending = false
        var stopped = false
        var engine: BuildEngine?
        /// What the last project that loaded reads.
        var watched: Set<String> = []
        /// The project the site shows, and an engine over it for insights' other input
        /// values (made on the first such request).
        var project: Project?
        var variants: BuildEngine?
    }

    public let settings: Settings
    public let hub = EventHub()
    private let memo = SiteMemo()
    private let state = Mutex<State>(State())
    /// Variant requests being computed.
    private let inFlight = Mutex(0)
    private let reporter: (any BuildReporter)?
    private let watcher: FileWatcher?
    /// Distinguishes this server's versions from an earlier run's, so a page left open
    /// across a restart still reloads.
    private let epoch = String(Int(Date().timeIntervalSince1970), radix: 36)
    /// Called after every build with its summary (the console line).
    private let onBuilt: @Sendable (ProjectBuild.Outcome) -> Void

    public init(
        _ settings: Settings, watcher: FileWatcher?, reporter: (any BuildReporter)?,
        onBuilt: @escaping @Sendable (ProjectBuild.Outcome) -> Void = { _ in }
    ) {
        var settings = settings
        settings.build = settings.build.remembering()
        self.settings = settings
        self.watcher = watcher
        self.reporter = reporter
        self.onBuilt = onBuilt
    }

    /// The current site, nil until the first build that loaded.
    public var site: Site? { state.withLock { $0.site } }
    public var errors: [String] { state.withLock { $0.errors } }
    /// True once `stop()` was called.
    public var stopped: Bool { state.withLock { $0.stopped } }

    /// The first build, on the calling thread; then watching starts.
    public func start() {
        state.withLock { $0.building = true }
        buildOnce()
        let again = state.withLock { s -> Bool in
            s.building = false
            defer { s.pending = false }
            return s.pending
        }
        publishState()
        watcher?.start { [weak self] _ in self?.requestRebuild() }
        if again { requestRebuild() }
    }

    /// Stops watching and cancels a running build; pages' event streams end.
    public func stop() {
        let engine = state.withLock { s -> BuildEngine? in
            s.stopped = true
            return s.engine
        }
        engine?.cancel()
        watcher?.stop()
        hub.close()
    }

    /// A change was seen: build now, or right after the build that is running.
    public func requestRebuild() {
        let startNow = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            if s.building {
                s.pending = true
                return false
            }
            s.building = true
            return true
        }
        guard startNow else { return }
        publishState()
        let thread = Thread { [self] in
            repeat {
                buildOnce()
            } while state.withLock({ s in
                let again = s.pending && !s.stopped
                s.pending = false
                s.building = again
                return again
            })
            publishState()
        }
        thread.name = "visivo-rebuild"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func buildOnce() {
        let envFile = settings.build.loader.envFile
        var shownBuilt = false
        let outcome = settings.build.run(
            reporter: reporter,
            // Watch from the moment the project loaded: an edit during a long build counts.
            loaded: { project in
                let inputs = WatchedInputs.of(project, envFile: envFile)
                state.withLock { $0.watched = inputs }
                watcher?.watch(inputs)
            },
            started: { engine in
                // A stop that came while the project loaded cancels the build at once.
                if state.withLock({ s in
                    s.engine = engine
                    return s.stopped
                }) {
                    engine.cancel()
                }
            },
            // Pages redraw as soon as the data is in place; project.json and the build's
            // state are written after.
            ready: { outcome in
                if case .built = outcome { shownBuilt = true }
                show(outcome)
                publishState()
            })
        state.withLock { $0.engine = nil }
        // Writing the build's records failed after the data was shown.
        if case .failed = outcome, shownBuilt { show(outcome) }
        onBuilt(outcome)
        publishState()
    }

    /// The site or the errors of an outcome.
    private func show(_ outcome: ProjectBuild.Outcome) {
        switch outcome {
        case .failed(let errors, let files):
            // Keep watching what the last good build read, and the files the errors name
            // (an include that an edit added and that does not load yet).
            let watched = state.withLock { s -> Set<String> in
                s.errors = errors
                return s.watched.union(files).union(defaultFiles)
            }
            watcher?.watch(watched)
            if state.withLock({ $0.site == nil }) {
                // Nothing loaded yet: an empty site, so that a page shows the errors and
                // redraws when they are fixed.
                let dir = URL(fileURLWithPath: settings.build.loader.workingDirectory).standardizedFileURL.path
                replaceSite(Project(directory: dir), outcomes: [:])
            }
        case .built(let project, let outcomes, _):
            let started = ContinuousClock.now
            replaceSite(project, outcomes: outcomes)
            settings.build.timing?("site", ContinuousClock.now - started)
            state.withLock { $0.errors = [] }
        }
    }

    private func replaceSite(_ project: Project, outcomes: [String: TraceOutcome]) {
        let generation = state.withLock { s -> Int in
            s.generation += 1
            return s.generation
        }
        let site = Site(
            project: project, outcomes: outcomes, outputDirectory: settings.build.options.outputDirectory,
            plotly: settings.plotly, page: settings.page, version: "\(epoch)-\(generation)", memo: memo)
        state.withLock {
            $0.site = site
            $0.project = project
            $0.variants = nil
        }
    }

    /// An insight's data for input values a viewer picked: computed on the insight's own
    /// source with the values bound as parameters, and cached, so the next viewer asking
    /// for the same values gets them from the cache.
    public func variant(insight: String, values: [String: JSONValue]) throws -> [UInt8] {
        let (project, known) = state.withLock { ($0.project, $0.variants) }
        guard let project else { throw VariantFailure(message: "the project has not loaded yet") }
        let engine: BuildEngine
        if let known {
            engine = known
        } else {
            engine = BuildEngine.forVariants(CompiledProject(project), options: settings.build.options)
            state.withLock { s in if s.project?.contentHash == project.contentHash, s.variants == nil { s.variants = engine } }
        }
        // The cache's writes finish when no request is computing (never under one).
        inFlight.withLock { $0 += 1 }
        defer {
            inFlight.withLock { n in
                n -= 1
                if n == 0 { engine.finishVariants() }
            }
        }
        return try engine.variant(insight, values: values)
    }

    /// The project file and the env file, watched even before anything loads.
    private var defaultFiles: Set<String> {
        let dir = URL(fileURLWithPath: settings.build.loader.workingDirectory).standardizedFileURL.path
        return WatchedInputs.always(directory: dir, envFile: settings.build.loader.envFile)
    }

    /// The state event: `{"version", "errors", "building"}`.
    public func stateJSON() -> String {
        let (version, errors, building) = state.withLock { ($0.site?.version ?? "", $0.errors, $0.building) }
        let value: JSONValue = .object([
            ("version", .string(version)), ("errors", .array(errors.map(JSONValue.string))), ("building", .bool(building)),
        ])
        return value.serialized
    }

    /// Publishes under one lock, so that two threads' states cannot arrive out of order.
    private let publishing = Mutex<Void>(())

    private func publishState() {
        publishing.withLock { _ in hub.publish(name: "state", data: stateJSON()) }
    }
}
