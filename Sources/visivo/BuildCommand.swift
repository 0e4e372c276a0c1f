import ArgumentParser
import Foundation
import VisivoBuild

/// `visivo build` (alias `run`): bring every trace's data up to date.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run what is stale and restore the rest from the cache; writes target/<trace>/data.json.",
        discussion: """
            Each node's inputs are hashed; a node whose result is in the cache is not run \
            again. Queries run concurrently (--threads), never more at once on a source than \
            its connection_pool_size. A failed node skips only what needs it; the exit status \
            is then 1. Ctrl-C cancels running queries and exits 130.
            """,
        aliases: ["run"]
    )

    @OptionGroup var project: ProjectOptions
    @OptionGroup var selection: SelectionOptions

    @OptionGroup var flags: BuildFlags

    @Flag(name: .long, help: "Rerun every query and script, ignoring cached results. `--refresh SOURCE` reruns only what reads SOURCE.")
    var refresh = false

    @Option(
        name: .customLong("refresh-source"),
        help: ArgumentHelp("Rerun only what reads this source (repeatable); the same as `--refresh SOURCE`.", valueName: "source"))
    var refreshSources: [String] = []

    @Flag(name: .long, help: "Print what would run and why, then stop (like make -n).")
    var dryRun = false

    @Flag(name: .long, help: "Before building, print each node's state and why.")
    var explain = false

    @Flag(name: [.short, .long], help: "Without a terminal, print a line for reused nodes too (by default only for nodes that ran or failed).")
    var verbose = false

    func run() throws {
        var options = flags.options(project)
        if selection.isEmpty, !refresh, refreshSources.isEmpty, !dryRun, !explain,
            let summary = BuildEngine.upToDate(loader: project.loader, options: options)
        {
            ConsoleReporter(interactive: Terminal.isInteractive, verbose: verbose).finish(summary, note: "nothing changed since the last build")
            return
        }
        let compiled = try project.load()
        options.refreshAll = refresh
        for s in refreshSources {
            guard compiled.project.source(named: s) != nil else {
                Terminal.error("error: --refresh-source '\(s)' names no source")
                throw ExitCode(2)
            }
        }
        options.refreshSources = Set(refreshSources)
        options.selection = try selection.resolve(compiled.graph)
        let engine = BuildEngine(compiled, options: options)

        if dryRun || explain {
            let plans = engine.plan { Terminal.error("warning: \($0)") }
            let graph = compiled.graph
            var stale = 0
            for i in graph.nodes.indices {
                guard let p = plans[i] else { continue }
                if p.stale && p.runs { stale += 1 }
                if dryRun && !(p.stale && p.runs) && !explain { continue }
                let n = graph.nodes[i]
                Terminal.out("\(n.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(n.name)  \(p.reason)\n")
            }
            if dryRun {
                Terminal.out("\(stale) node\(stale == 1 ? "" : "s") would run\n")
                return
            }
        }

        let reporter = ConsoleReporter(interactive: Terminal.isInteractive, verbose: verbose)
        // A build that throws still prints what it reported before the error.
        defer { reporter.flush() }
        let interrupt = Interrupt { engine.cancel() }
        let started = ContinuousClock.now
        let summary = try engine.run(reporter: reporter)
        let elapsed = ContinuousClock.now - started
        reporter.flush()
        Phases.report("build", elapsed)
        Phases.report("queries", summary.queryTime)
        interrupt.disarm()
        reporter.finish(summary)
        if summary.cancelled { throw ExitCode(130) }
        if summary.failed > 0 || summary.skipped > 0 { throw ExitCode(1) }
    }
}
