import ArgumentParser
import Foundation
import VisivoGraph
import VisivoLoading
import VisivoProject
import VisivoQuery

@main
struct Visivo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visivo",
        abstract: "Build BI dashboards from YAML projects, like a build system.",
        discussion: """
            A project (project.visivo.yml) describes sources, models, traces, charts and \
            dashboards. visivo compiles it into a graph, runs only what is stale, and caches \
            results compressed on disk.
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self, BuildCommand.self, ServeCommand.self, DistCommand.self, CompileCommand.self, DagCommand.self,
            TestCommand.self, CleanCommand.self, CacheCommand.self,
        ]
    )
}

extension Visivo {
    /// `visivo build --refresh SOURCE`: a value after `--refresh` (build takes no
    /// positional arguments) names a source, as `--refresh-source SOURCE` does.
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        if let command = args.first, command == "build" || command == "run" {
            var i = 1
            while i < args.count - 1 {
                if args[i] == "--refresh", !args[i + 1].hasPrefix("-") { args[i] = "--refresh-source" }
                i += 1
            }
        }
        main(args)
    }
}

/// `-w`: where the project is (every command that touches a project has it).
struct WorkingDirectoryOption: ParsableArguments {
    @Option(name: [.short, .customLong("working-dir")], help: ArgumentHelp("The folder holding project.visivo.yml.", valueName: "dir"))
    var workingDir: String = "."
}

/// Options every command that reads a project shares.
struct ProjectOptions: ParsableArguments {
    @OptionGroup var place: WorkingDirectoryOption
    var workingDir: String { place.workingDir }

    @Option(
        name: [.short, .customLong("env-file")],
        help: ArgumentHelp("A .env file loaded before templating (the environment wins). Default: .env in the working dir, if present.", valueName: "file"))
    var envFile: String?

    @Option(
        name: [.short, .customLong("source")], help: ArgumentHelp("The source SQL models without one use (overrides defaults.source_name).", valueName: "name"))
    var source: String?

    /// Loads and validates, printing every diagnostic and exiting 1 on errors.
    var loader: ProjectLoader { ProjectLoader(workingDirectory: workingDir, envFile: envFile, sourceOverride: source) }

    func load() throws -> CompiledProject {
        do {
            let t0 = ContinuousClock.now
            let project = try loader.load()
            let t1 = ContinuousClock.now
            let compiled = CompiledProject(project)
            Phases.report("load", t1 - t0)
            Phases.report("compile", ContinuousClock.now - t1)
            return compiled
        } catch {
            Terminal.error(error.description)
            let n = error.diagnostics.count
            Terminal.error("\(n) error\(n == 1 ? "" : "s"); nothing was built")
            throw ExitCode(1)
        }
    }

    var projectDirectory: String { URL(fileURLWithPath: workingDir).standardizedFileURL.path }
}

/// `--select`, `--exclude`, `-nf`, `-df`: which nodes a command works on.
struct SelectionOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp(
            "Nodes to work on: name, +name, name+, n+name, name+n, @name, type:KIND, source:NAME, file:PATH, state:stale. Space = union, comma = intersection; quote names with spaces.",
            valueName: "selector"))
    var select: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Nodes to leave out (same grammar as --select).", valueName: "selector"))
    var exclude: [String] = []

    @Option(
        name: [.customShort("n"), .customLong("nf", withSingleDash: true), .customLong("name-filter")],
        help: ArgumentHelp("The named node with all it needs and all that needs it (same as --select '+NAME+').", valueName: "name"))
    var nameFilter: String?

    @Option(
        name: [.customLong("df", withSingleDash: true), .customLong("dag-filter")], help: ArgumentHelp("A selector, as --select takes.", valueName: "selector"))
    var dagFilter: String?

    var isEmpty: Bool { select.isEmpty && exclude.isEmpty && nameFilter == nil && dagFilter == nil }

    /// The selected node indices, or nil for "everything"; a bad selector exits 2.
    func resolve(_ graph: ProjectGraph, isStale: (@Sendable (Int) -> Bool)? = nil) throws -> Set<Int>? {
        do {
            return try NodeSelector(graph: graph, isStale: isStale).choose(select: select, dagFilter: dagFilter, nameFilter: nameFilter, exclude: exclude)
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(2)
        }
    }
}

/// `VISIVO_TIMINGS=1` prints how long each phase took (for benchmarks and profiling).
enum Phases {
    static let enabled = ProcessInfo.processInfo.environment["VISIVO_TIMINGS"] == "1"

    static func report(_ phase: String, _ d: Duration) {
        guard enabled else { return }
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        Terminal.error("timing: \(phase) \(String(format: "%.1f", ms)) ms")
    }
}
