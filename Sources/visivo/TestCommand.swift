import ArgumentParser
import Foundation
import VisivoBuild
import VisivoSite

/// `visivo test`: the project's tests over its built data.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Build what is stale, then run the project's tests over the built data.",
        discussion: """
            Runs 1.x trace tests (`tests: [{logic: "assert_that(sum(Cohort.props.y)).is_greater_than(0)"}]`) \
            and 2.x top-level tests (`tests: [{name, if, on_failure, assertions: [">{ sum(${ref(insight).props.y}) > 0 }"]}]`) \
            with visivo's own expression language (docs/project-format.md lists it; no Python runs). \
            A failure prints the assertion, where it is written and the values it saw, and the \
            command exits 1. --junit writes the results as JUnit XML for CI.
            """
    )

    @OptionGroup var project: ProjectOptions
    @OptionGroup var flags: BuildFlags

    @Option(help: ArgumentHelp("Also write the results as JUnit XML to this file.", valueName: "file"))
    var junit: String?

    func run() throws {
        let options = flags.options(project)
        let reporter = ConsoleReporter(interactive: Terminal.isInteractive, verbose: false)
        let running = CancelLater()
        let interrupt = Interrupt { running.cancel() }
        let outcome = ProjectBuild(loader: project.loader, options: options).run(reporter: reporter, started: { engine in running.set { engine.cancel() } })
        interrupt.disarm()
        reporter.flush()
        guard case .built(let loaded, _, let summary) = outcome else {
            if case .failed(let errors, _) = outcome {
                for e in errors { Terminal.error(e) }
                Terminal.error("\(errors.count) error\(errors.count == 1 ? "" : "s"); no test ran")
            }
            throw ExitCode(1)
        }
        reporter.finish(summary)
        if summary.cancelled { throw ExitCode(130) }
        let started = Date()
        let outcomes = ProjectTestRunner.run(loaded, outputDirectory: options.outputDirectory)
        let seconds = Date().timeIntervalSince(started)
        for o in outcomes {
            switch o.status {
            case .passed: Terminal.out("PASS \(o.name): \(o.assertion)\n")
            case .skipped: Terminal.out("SKIP \(o.name): \(o.message ?? "")\n")
            case .failed: Terminal.out("FAIL \(o.name): \(o.assertion)\n    at \(o.location): \(o.message ?? "failed")\n")
            }
        }
        let failed = outcomes.filter { $0.status == .failed }.count, passed = outcomes.filter { $0.status == .passed }.count
        let skipped = outcomes.count - failed - passed
        if let junit {
            let path = junit.hasPrefix("/") ? junit : FileManager.default.currentDirectoryPath + "/" + junit
            do { try Data(ProjectTestRunner.junit(outcomes, seconds: seconds).utf8).write(to: URL(fileURLWithPath: path)) } catch {
                Terminal.error("error: cannot write \(path): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        }
        if outcomes.isEmpty {
            Terminal.out("no tests: add `tests:` to traces (1.x) or to the project (2.x)\n")
            if summary.failed > 0 || summary.skipped > 0 { throw ExitCode(1) }
            return
        }
        Terminal.out("\(passed) passed, \(failed) failed\(skipped > 0 ? ", \(skipped) skipped" : "")\n")
        // Data a failed node left from an earlier build is not this project's: the run fails.
        if summary.failed > 0 || summary.skipped > 0 {
            Terminal.error(
                "error: \(summary.failed) node\(summary.failed == 1 ? "" : "s") failed and \(summary.skipped) \(summary.skipped == 1 ? "was" : "were") skipped in the build; tests read what an earlier build left for them"
            )
            throw ExitCode(1)
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
