import ArgumentParser
import Foundation
import VisivoBuild
import VisivoSite

/// The flags of every command that builds: `build`, `serve`, `dist`.
struct BuildFlags: ParsableArguments {
    @Option(name: [.short, .customLong("output-dir")], help: ArgumentHelp("Where results go (default: target in the working dir).", valueName: "dir"))
    var outputDir: String?

    @Option(name: [.customShort("t"), .customLong("th", withSingleDash: true), .customLong("threads")], help: "Nodes run at once at most.")
    var threads: Int = 8

    @Option(name: .long, help: ArgumentHelp("Cache folder (default: .visivo/cache; also VISIVO_CACHE_DIR). Keep it between CI runs.", valueName: "dir"))
    var cacheDir: String?

    @OptionGroup var remote: RemoteCacheOptions

    mutating func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// The build options for `project`'s folder with these flags applied.
    func options(_ project: ProjectOptions) -> BuildOptions {
        var options = BuildOptions(projectDirectory: project.projectDirectory)
        if let outputDir { options.outputDirectory = URL(fileURLWithPath: outputDir).standardizedFileURL.path }
        options.threads = threads
        options.cacheDirectory = BuildOptions.cacheDirectory(projectDirectory: project.workingDir, option: cacheDir)
        options.remoteCache = remote.settings
        return options
    }
}

/// `--remote-cache`, `--remote-cache-mode`, `--remote-cache-timeout`: the commands that
/// build, and `dag` (which asks it what it holds).
struct RemoteCacheOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A shared cache server (bazel-remote, nginx WebDAV, ...; also VISIVO_REMOTE_CACHE). An Authorization header value may come from VISIVO_REMOTE_CACHE_HEADER.",
            valueName: "url"))
    var remoteCache: String?

    @Option(
        name: .long,
        help: ArgumentHelp("read (take results, upload none: pull requests), write, or readwrite (default; also VISIVO_REMOTE_CACHE_MODE).", valueName: "mode"))
    var remoteCacheMode: String?

    @Option(name: .long, help: ArgumentHelp("The longest one request to the remote cache may take (default 5).", valueName: "seconds"))
    var remoteCacheTimeout: Double?

    func validate() throws {
        do {
            _ = try RemoteCacheSettings.resolve(option: remoteCache, modeOption: remoteCacheMode, timeoutSeconds: remoteCacheTimeout)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The settings (nil: no remote cache); checked by `validate()`.
    var settings: RemoteCacheSettings? {
        try? RemoteCacheSettings.resolve(option: remoteCache, modeOption: remoteCacheMode, timeoutSeconds: remoteCacheTimeout)
    }
}

/// `--plotly-url`, shared by `serve` and `dist`.
struct PlotlyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Load plotly.js from this address instead of shipping the local copy (a CDN, say). By default nothing is fetched from the internet.",
            valueName: "url"))
    var plotlyURL: String?

    /// The local plotly.min.js, or nil when pages load it from --plotly-url; exits with
    /// the places tried when there is none.
    func locate() throws -> String? {
        guard plotlyURL == nil else { return nil }
        do {
            return try PlotlyJS.locate()
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}
