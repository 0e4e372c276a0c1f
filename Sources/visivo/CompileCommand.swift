import ArgumentParser
import Foundation
import VisivoBuild
import VisivoProject
import VisivoQuery
import VisivoSupport

/// `visivo compile`: load, check and compile the project without touching a database.
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Check the project and write target/project.json and each trace's query.sql.",
        discussion: "No database is contacted. Every error in the project is reported, each as file:line:column, and the exit status is 1."
    )

    @OptionGroup var project: ProjectOptions
    @OptionGroup var selection: SelectionOptions

    @Option(name: [.short, .customLong("output-dir")], help: ArgumentHelp("Where to write results (default: target in the working dir).", valueName: "dir"))
    var outputDir: String?

    func run() throws {
        let start = ContinuousClock.now
        let compiled = try project.load()
        for w in compiled.warnings { Terminal.error("warning: \(w)") }
        var options = BuildOptions(projectDirectory: project.projectDirectory)
        if let outputDir { options.outputDirectory = URL(fileURLWithPath: outputDir).standardizedFileURL.path }
        let done = try CompileOutputs.write(compiled, chosen: try selection.resolve(compiled.graph), options: options)
        let nodes = compiled.graph.nodes.count, total = done.queries
        Terminal.error(
            "compiled \(nodes) node\(nodes == 1 ? "" : "s") and \(total) quer\(total == 1 ? "y" : "ies") (\(done.written) query.sql written) into \(options.outputDirectory) in \((ContinuousClock.now - start).milliseconds) ms"
        )
    }
}
