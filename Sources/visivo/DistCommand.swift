import ArgumentParser
import Foundation
import VisivoSite

/// `visivo dist`: the dashboards as one folder to open from disk or publish anywhere.
struct DistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dist",
        abstract: "Build what is stale, then write the dashboards as one self-contained folder.",
        discussion: """
            The folder holds the pages, the viewer, plotly.js and every trace's data, with \
            relative addresses only: open its index.html from disk (no server needed), or \
            publish it on any static host, under any sub-path. It holds no SQL, no source \
            settings and no credentials. An existing folder is replaced only if an earlier \
            dist wrote it.
            """
    )

    @OptionGroup var project: ProjectOptions
    @OptionGroup var flags: BuildFlags
    @OptionGroup var plotly: PlotlyOptions

    @Option(name: [.short, .customLong("dist-dir")], help: ArgumentHelp("The folder to write (default: dist in the working dir).", valueName: "dir"))
    var distDir: String?

    @Option(
        help: ArgumentHelp(
            "The most combinations of input values one insight may have; a dist holds the data of each (default: \(DistVariants.defaultLimit)).",
            valueName: "n"))
    var maxInputCombinations: Int = DistVariants.defaultLimit

    func run() throws {
        let plotlyFile = try plotly.locate()
        let options = flags.options(project)
        let reporter = ConsoleReporter(interactive: Terminal.isInteractive, verbose: false)
        let running = CancelLater()
        let interrupt = Interrupt { running.cancel() }
        let outcome = ProjectBuild(loader: project.loader, options: options).run(reporter: reporter, started: { engine in running.set { engine.cancel() } })
        interrupt.disarm()
        reporter.flush()
        guard case .built(let loaded, let outcomes, let summary) = outcome else {
            if case .failed(let errors, _) = outcome {
                for e in errors { Terminal.error(e) }
                Terminal.error("\(errors.count) error\(errors.count == 1 ? "" : "s"); no dist was written")
            }
            throw ExitCode(1)
        }
        reporter.finish(summary)
        if summary.cancelled { throw ExitCode(130) }
        let variants: [InsightVariant]
        do {
            variants = try DistVariants.compute(project: loaded, outcomes: outcomes, options: options, limit: maxInputCombinations)
        } catch {
            Terminal.error("error: \(error)")
            Terminal.error("no dist was written")
            throw ExitCode(1)
        }
        let directory = distDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? project.projectDirectory + "/dist"
        let site = Site(
            project: loaded, outcomes: outcomes, outputDirectory: options.outputDirectory, plotly: plotlyFile,
            page: SitePage.Options(plotlyURL: plotly.plotlyURL, live: false),
            version: DistWriter.version(project: loaded, outputDirectory: options.outputDirectory), variants: variants)
        let written: DistWriter.Written
        do { written = try DistWriter.write(site, to: directory) } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        let mb = String(format: "%.1f", Double(written.bytes) / 1_048_576)
        Terminal.out(
            "wrote \(directory) (\(written.files) files, \(mb) MB); open \(directory)/index.html in a browser, or publish the folder on any static host\n")
        if summary.failed > 0 || summary.skipped > 0 { throw ExitCode(1) }
    }
}
