import ArgumentParser
import Foundation
import VisivoBuild
import VisivoConnectors
import VisivoSite
import VisivoSupport

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
        let options = BuildOptions(projectDirectory: dir)
        let target = outputDir.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? options.outputDirectory
        var removed: [String] = []
        let outputs: OutputCleaner.Outcome
        do {
            outputs = try OutputCleaner.clean(outputDirectory: target, projectDirectory: dir)
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        if outputs.files > 0 || outputs.folderRemoved {
            removed.append(outputs.folderRemoved ? target : "\(outputs.files) output file\(outputs.files == 1 ? "" : "s") in \(target)")
        }
        if !outputs.kept.isEmpty {
            let shown = outputs.kept.prefix(5).joined(separator: ", ") + (outputs.kept.count > 5 ? ", ..." : "")
            Terminal.error("kept in \(target) what builds do not write: \(shown)")
        }
        for path in [options.statePath, options.statCachePath, options.snapshotPath]
        where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
            removed.append(path)
        }
        if cache {
            let cacheDir = resolveCacheDirectory(workingDir: workingDir, cacheDir: nil)
            if FileManager.default.fileExists(atPath: cacheDir) {
                let cleared = try FileCache(root: cacheDir).clear()
                if cleared.rootRemoved {
                    removed.append(cacheDir)
                } else if cleared.files > 0 {
                    removed.append("\(cleared.files) cache file\(cleared.files == 1 ? "" : "s") in \(cacheDir)")
                }
                if !cleared.kept.isEmpty {
                    let shown = cleared.kept.prefix(5).joined(separator: ", ") + (cleared.kept.count > 5 ? ", ..." : "")
                    Terminal.error("kept in \(cacheDir) what the cache does not write: \(shown)")
                }
            }
        }
        Terminal.error(removed.isEmpty ? "nothing to clean" : "removed " + removed.joined(separator: ", "))
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
            let root = resolveCacheDirectory(workingDir: workingDir, cacheDir: cacheDir)
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
            let dir = project.projectDirectory
            let root = resolveCacheDirectory(workingDir: project.workingDir, cacheDir: cacheDir)
            let state = BuildState.load(from: BuildOptions(projectDirectory: dir).statePath)
            let live = Set(state.nodes.values.compactMap { Fingerprint(hex: $0.fingerprint) })
            let (removed, freed) = try FileCache(root: root).prune(keeping: live)
            Terminal.error("pruned \(removed) objects (\(freed) bytes); kept \(live.count)")
        }
    }
}

/// The cache folder: `--cache-dir`, else `VISIVO_CACHE_DIR`, else `.visivo/cache` in the project.
func resolveCacheDirectory(workingDir: String, cacheDir: String?) -> String {
    BuildOptions.cacheDirectory(projectDirectory: workingDir, option: cacheDir)
}
