import Foundation
import VisivoCore

/// One build for a site: load the project, bring its data up to date (the ordinary
/// incremental build), and say what each trace ended as. `dist` runs it once, `serve`
/// after every change.
public struct ProjectBuild: Sendable {
    public var loader: ProjectLoader
    public var options: BuildOptions

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

    /// - Parameters:
    ///   - reporter: hears the build's progress (the console).
    ///   - loaded: called with the project once it loaded, before anything runs (serve
    ///     watches its files from then on).
    ///   - started: called with the engine before it runs, so a caller can cancel it.
    public func run(
        reporter: (any BuildReporter)? = nil, loaded: (Project) -> Void = { _ in }, started: (BuildEngine) -> Void = { _ in }
    ) -> Outcome {
        let project: Project
        do {
            project = try loader.load()
        } catch {
            let dir = URL(fileURLWithPath: loader.workingDirectory).standardizedFileURL.path
            let files = Set(error.diagnostics.compactMap { $0.location?.file }).map { $0.hasPrefix("/") ? $0 : dir + "/" + $0 }
            return .failed(error.diagnostics.map(\.description), files: files.sorted())
        }
        loaded(project)
        let outcomes = TraceOutcomes(forwardingTo: reporter)
        var summary: BuildSummary
        if let upToDate = BuildEngine.upToDate(loader: loader, options: options) {
            summary = upToDate
        } else {
            let engine = BuildEngine(CompiledProject(project), options: options)
            started(engine)
            do {
                summary = try engine.run(reporter: outcomes)
            } catch {
                return .failed(["error: \(error)"], files: [])
            }
        }
        return .built(project, outcomes.resolve(project, outputDirectory: options.outputDirectory), summary)
    }
}
