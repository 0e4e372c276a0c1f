import Foundation
import VisivoBuild
import VisivoLoading
import VisivoProject
import VisivoQuery

/// One build for a site: load the project, bring its data up to date (the ordinary
/// incremental build), and say what each trace ended as. `dist` runs it once, `serve`
/// after every change.
public struct ProjectBuild: Sendable {
    public var loader: ProjectLoader
    public var options: BuildOptions
    /// Set by a process that builds again and again (`serve`; see `BuildSession`).
    public var session: BuildSession?
    /// Hears how long each phase took: `load`, `compile`, `build` (until the data is in
    /// place) and, from `serve`, `site` (`VISIVO_TIMINGS`).
    public var timing: (@Sendable (String, Duration) -> Void)?

    public enum Outcome: Sendable {
        /// The project did not load: every diagnostic, formatted `file:line:column: ...`,
        /// and the files they name (absolute paths).
        case failed([String], files: [String])
        case built(Project, [String: TraceOutcome], BuildSummary)
    }

    public init(loader: ProjectLoader, options: BuildOptions) {
        self.loader = loader
        self.options = options
    }

    /// The same build for a process that runs it again and again: each run re-reads only
    /// the files that changed and recomputes only what they touched (`LoadMemo`,
    /// `BuildSession`).
    public func remembering() -> ProjectBuild {
        var build = self
        if build.session == nil { build.session = BuildSession() }
        if build.loader.memo == nil { build.loader.memo = LoadMemo() }
        return build
    }

    /// - Parameters:
    ///   - reporter: hears the build's progress (the console).
    ///   - loaded: called with the project once it loaded, before anything runs (serve
    ///     watches its files from then on).
    ///   - started: called with the engine before it runs, so a caller can cancel it.
    ///   - ready: called with the outcome as soon as it is known (every trace's data in
    ///     place), before the build writes its own records; `run` returns once those are
    ///     written: the same outcome, or `.failed` when writing them failed.
    public func run(
        reporter: (any BuildReporter)? = nil, loaded: (Project) -> Void = { _ in }, started: (BuildEngine) -> Void = { _ in },
        ready: (Outcome) -> Void = { _ in }
    ) -> Outcome {
        var announced = false
        let outcome = build(reporter: reporter, loaded: loaded, started: started) { outcome in
            announced = true
            ready(outcome)
        }
        if !announced { ready(outcome) }
        return outcome
    }

    private func build(
        reporter: (any BuildReporter)?, loaded: (Project) -> Void, started: (BuildEngine) -> Void, ready: (Outcome) -> Void
    ) -> Outcome {
        var phaseStart = ContinuousClock.now
        func phase(_ name: String) {
            let now = ContinuousClock.now
            timing?(name, now - phaseStart)
            phaseStart = now
        }
        let project: Project
        do {
            project = try loader.load()
            phase("load")
        } catch {
            let dir = URL(fileURLWithPath: loader.workingDirectory).standardizedFileURL.path
            let files = Set(error.diagnostics.compactMap { $0.location?.file }).map { $0.hasPrefix("/") ? $0 : dir + "/" + $0 }
            return .failed(error.diagnostics.map(\.description), files: files.sorted())
        }
        loaded(project)
        let outcomes = TraceOutcomes(forwardingTo: reporter)
        // A session's build of an unchanged project is as quick as the no-op check.
        if session == nil, let summary = BuildEngine.upToDate(loader: loader, options: options) {
            return .built(project, outcomes.resolve(project, outputDirectory: options.outputDirectory), summary)
        }
        let compiled = CompiledProject(project, session: session)
        phase("compile")
        let engine = BuildEngine(compiled, options: options, session: session)
        started(engine)
        do {
            var resolved: [String: TraceOutcome] = [:]
            let summary = try engine.run(reporter: outcomes) { summary in
                phase("build")
                resolved = outcomes.resolve(project, outputDirectory: options.outputDirectory)
                ready(.built(project, resolved, summary))
            }
            return .built(project, resolved, summary)
        } catch {
            return .failed(["error: \(error)"], files: [])
        }
    }
}
