import Foundation
import VisivoSupport

/// `visivo clean`: what builds wrote to the output folder, the build state files, and
/// with `cache`, the cache's own files. Nothing else is touched.
public enum ProjectCleaner {
    public struct Report: Sendable {
        /// What went, as the user reads it (paths, or counts of files in a folder).
        public var removed: [String] = []
        /// Files in the output folder that builds do not write (kept), relative to it.
        public var keptOutputs: [String] = []
        /// Files in the cache folder that the cache does not write (kept).
        public var keptInCache: [String] = []
    }

    /// - Parameter cacheDirectory: the cache folder to clear, or nil to keep the cache.
    public static func clean(_ options: BuildOptions, projectDirectory: String, clearingCache cacheDirectory: String?) throws -> Report {
        var report = Report()
        let target = options.outputDirectory
        let outputs = try OutputCleaner.clean(outputDirectory: target, projectDirectory: projectDirectory)
        if outputs.files > 0 || outputs.folderRemoved {
            report.removed.append(outputs.folderRemoved ? target : "\(outputs.files) output \(plural(outputs.files, "file")) in \(target)")
        }
        report.keptOutputs = outputs.kept
        for path in [options.statePath, options.statCachePath, options.snapshotPath] where FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
            report.removed.append(path)
        }
        if let cacheDirectory, FileManager.default.fileExists(atPath: cacheDirectory) {
            let cleared = try FileCache(root: cacheDirectory).clear()
            if cleared.rootRemoved {
                report.removed.append(cacheDirectory)
            } else if cleared.files > 0 {
                report.removed.append("\(cleared.files) cache \(plural(cleared.files, "file")) in \(cacheDirectory)")
            }
            report.keptInCache = cleared.kept
        }
        return report
    }

    /// `visivo cache prune`: deletes every cache object but the results the project's
    /// last build recorded. Returns the objects removed, the bytes freed and the kept count.
    public static func prune(_ options: BuildOptions) throws -> (removed: Int, freed: Int64, kept: Int) {
        let state = BuildState.load(from: options.statePath)
        let live = Set(state.nodes.values.compactMap { Fingerprint(hex: $0.fingerprint) })
        let (removed, freed) = try FileCache(root: options.cacheDirectory).prune(keeping: live)
        return (removed, freed, live.count)
    }

    private static func plural(_ n: Int, _ word: String) -> String { n == 1 ? word : word + "s" }
}
