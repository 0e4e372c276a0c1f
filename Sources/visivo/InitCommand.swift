import ArgumentParser
import Foundation
import VisivoSite

/// `visivo init`: a new project that builds and serves at once.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a project that builds and serves at once, on a SQLite file of sample data.",
        discussion: """
            Writes project.visivo.yml (a source, a model, traces, charts, a table, a selector \
            and a dashboard), data/demo.db with data/demo.sql, .gitignore and .env.example, \
            with commented templates for the other connectors. --bare writes only the \
            skeleton. Existing files are never overwritten.
            """
    )

    @Argument(help: ArgumentHelp("The folder to create the project in (default: the current folder).", valueName: "dir"))
    var directory: String = "."

    @Flag(name: .long, help: "Only the skeleton: project.visivo.yml without sample data, .gitignore, .env.example.")
    var bare = false

    func run() throws {
        let url = URL(fileURLWithPath: directory).standardizedFileURL
        let name = SitePaths.slug(url.lastPathComponent, fallback: "my-project")
        let report: ProjectScaffold.Report
        do { report = try ProjectScaffold.create(in: url.path, name: name, bare: bare) } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        var text = ""
        for f in report.created { text += "created \(f)\n" }
        for f in report.kept { text += "kept \(f) (it exists; not overwritten)\n" }
        let cd = directory == "." ? "" : "cd \(directory) && "
        text += "next: \(cd)visivo serve   (then open the printed address)\n"
        Terminal.out(text)
    }
}
