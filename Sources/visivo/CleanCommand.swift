import ArgumentParser
import Foundation
import VisivoBuild
import VisivoSite

/// `visivo clean`: remove build outputs and state, keeping the cache unless asked.
struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Delete what builds wrote to target/, and the build state; with --cache, the cache too.",
        discussion:
            "Only the files builds write are deleted (project.json, each trace's data.json and query.sql, models' .sqlite files), never through a symbolic link; anything else in the output folder is kept and named. A folder that is the project's or holds it is refused."
    )

    @OptionGroup var place: WorkingDirectoryOption
    var workingDir: String { place.workingDir }

    @Option(name: [.short, .customLong("output-dir")], help: ArgumentHelp("The output folder (default: target).", valueName: "dir"))
    var outputDir: String?

    @Flag(name: .long, help: "Also delete the cache's objects and packs (.visivo/cache or VISIVO_CACHE_DIR); other files there are kept.")
    var cache = false

    func validate() throws {
        // An unset variable (`-o "$OUT"`) must not mean the current folder.
        if let outputDir, outputDir.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--output-dir is empty") }
    }

    func run() throws {
        let dir = URL(fileURLWithPath: workingDir).standardizedFileURL.path
        var options = BuildOptions(projectDirectory: dir)
        if let outputDir { options.outputDirectory = URL(fileURLWithPath: outputDir).standardizedFileURL.path }
        options.cacheDirectory = BuildOptions.cacheDirectory(projectDirectory: workingDir, option: nil)
        let report: ProjectCleaner.Report
        do {
            report = try ProjectCleaner.clean(options, projectDirectory: dir, clearingCache: cache ? options.cacheDirectory : nil)
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        func shown(_ kept: [String]) -> String { kept.prefix(5).joined(separator: ", ") + (kept.count > 5 ? ", ..." : "") }
        if !report.keptOutputs.isEmpty { Terminal.error("kept in \(options.outputDirectory) what builds do not write: \(shown(report.keptOutputs))") }
        if !report.keptInCache.isEmpty {
            Terminal.error("kept in \(options.cacheDirectory) what the cache does not write: \(shown(report.keptInCache))")
        }
        Terminal.error(report.removed.isEmpty ? "nothing to clean" : "removed " + report.removed.joined(separator: ", "))
    }
}

/// `visivo cache`: inspect and prune the result cache.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Manage the result cache.",
        subcommands: [Prune.self, Info.self]
    )

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Print the cache's folder, object count and size.")
        @OptionGroup var place: WorkingDirectoryOption
        var workingDir: String { place.workingDir }
        @Option(name: .long, help: ArgumentHelp("Cache folder (default: .visivo/cache; also VISIVO_CACHE_DIR).", valueName: "dir"))
        var cacheDir: String?

        func run() throws {
            let root = BuildOptions.cacheDirectory(projectDirectory: workingDir, option: cacheDir)
            let (n, bytes) = FileCache(root: root).size()
            Terminal.out("\(root): \(n) objects, \(bytes) bytes\n")
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Delete cache objects the current project no longer uses.",
            discussion:
                "Keeps exactly the results the project's last build recorded in .visivo/state; everything else in the cache folder is deleted. With a cache shared between branches, prune from the branch whose results you want to keep."
        )
        @OptionGroup var project: ProjectOptions
        @Option(name: .long, help: ArgumentHelp("Cache folder (default: .visivo/cache; also VISIVO_CACHE_DIR).", valueName: "dir"))
        var cacheDir: String?

        func run() throws {
            var options = BuildOptions(projectDirectory: project.projectDirectory)
            options.cacheDirectory = BuildOptions.cacheDirectory(projectDirectory: project.workingDir, option: cacheDir)
            let (removed, freed, kept) = try ProjectCleaner.prune(options)
            Terminal.error("pruned \(removed) objects (\(freed) bytes); kept \(kept)")
        }
    }
}
