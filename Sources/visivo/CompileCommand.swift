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
        let chosen = try selection.resolve(compiled.graph)
        let out = outputDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? project.projectDirectory + "/target"
        // The stat cache the build keeps says which query.sql files already hold their text.
        let statPath = BuildOptions(projectDirectory: project.projectDirectory).statCachePath
        var stat = FileStatCache.load(from: statPath)
        let projectJSON = out + "/project.json", projectLabel = "project:" + compiled.project.contentHash
        if !stat.isUnchanged(projectJSON, hash: projectLabel) {
            try AtomicFile.writeIfDifferent(ProjectJSON.render(compiled.project).serialized, to: projectJSON)
            stat.record(projectJSON, hash: projectLabel)
        }
        var written = 0, total = 0
        for t in compiled.project.traces {
            if let chosen, let i = compiled.graph.id(of: t.name), !chosen.contains(i) { continue }
            guard let q = compiled.queries[t.name] else { continue }
            total += 1
            let path = "\(out)/\(t.name)/query.sql"
            let label = TraceQuery.label(q.sql)
            if stat.isUnchanged(path, hash: label) { continue }
            if try AtomicFile.writeIfDifferent(q.sql, to: path) { written += 1 }
            stat.record(path, hash: label)
        }
        if stat.changed { try? stat.save(to: statPath) }
        let ms = (ContinuousClock.now - start).milliseconds
        let nodes = compiled.graph.nodes.count
        Terminal.error(
            "compiled \(nodes) node\(nodes == 1 ? "" : "s") and \(total) quer\(total == 1 ? "y" : "ies") (\(written) query.sql written) into \(out) in \(ms) ms"
        )
    }
}

extension Duration {
    var milliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}
