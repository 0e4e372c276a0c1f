import ArgumentParser
import Foundation
import VisivoBuild
import VisivoGraph

extension DagRenderer.Format: ExpressibleByArgument {}

/// `visivo dag`: print the dependency graph with each node's state.
struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag",
        abstract: "Print the project's dependency graph (sources -> models -> traces -> charts -> dashboards).",
        discussion: """
            Each node shows its state: fresh, or stale and why (from the cache and .visivo/state; \
            nothing is queried). Formats: tree (default, for reading), list (a line per node, \
            in build order), json (nodes and edges), dot (Graphviz: visivo dag --format dot | \
            dot -Tsvg > dag.svg), mermaid (paste into a markdown page). \
            --select state:stale shows only what the next build would run.
            """
    )

    @OptionGroup var project: ProjectOptions
    @OptionGroup var selection: SelectionOptions

    @Option(name: .long, help: "tree, list, json, dot or mermaid.")
    var format: DagRenderer.Format = .tree

    @Flag(name: .long, help: "Leave out node states (no file is hashed).")
    var noState = false

    @OptionGroup var remote: RemoteCacheOptions

    @Option(name: .long, help: ArgumentHelp("Cache folder to judge freshness against (default: .visivo/cache; also VISIVO_CACHE_DIR).", valueName: "dir"))
    var cacheDir: String?

    func run() throws {
        let compiled = try project.load()
        var states: [Int: String] = [:]
        var stale: Set<Int> = []
        if !noState {
            var options = BuildOptions(projectDirectory: project.projectDirectory)
            options.cacheDirectory = BuildOptions.cacheDirectory(projectDirectory: project.workingDir, option: cacheDir)
            // "fresh (remote hit)" for what a shared cache holds.
            options.remoteCache = remote.settings
            for (i, p) in BuildEngine(compiled, options: options).plan(warn: { Terminal.error("warning: \($0)") }) {
                states[i] = p.reason
                if p.stale { stale.insert(i) }
            }
        }
        let staleSet = stale
        let staleCheck: @Sendable (Int) -> Bool = { i in staleSet.contains(i) }
        let isStale: (@Sendable (Int) -> Bool)? = noState ? nil : staleCheck
        let chosen = try selection.resolve(compiled.graph, isStale: isStale)
        let renderer = DagRenderer(graph: compiled.graph, shown: chosen, states: states, width: Terminal.width)
        Terminal.out(renderer.render(format))
    }
}
