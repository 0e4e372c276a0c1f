import ArgumentParser
import Foundation
import VisivoCore

extension DagRenderer.Format: ExpressibleByArgument {}

/// `visivo dag`: print the dependency graph.
struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dag",
        abstract: "Print the project's dependency graph (sources -> models -> traces -> charts -> dashboards).",
        discussion: """
            Formats: tree (default, for reading), list (a line per node, in build order), \
            json (nodes and edges), dot (Graphviz: visivo dag --format dot | dot -Tsvg > dag.svg), \
            mermaid (paste into a markdown page). No database is contacted.
            """
    )

    @OptionGroup var project: ProjectOptions
    @OptionGroup var selection: SelectionOptions

    @Option(name: .long, help: "tree, list, json, dot or mermaid.")
    var format: DagRenderer.Format = .tree

    func run() throws {
        let compiled = try project.load()
        let chosen = try selection.resolve(compiled.graph)
        let renderer = DagRenderer(graph: compiled.graph, shown: chosen, width: Terminal.width)
        Terminal.out(renderer.render(format))
    }
}
