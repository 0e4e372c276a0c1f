import Foundation
import VisivoConnectors

/// `visivo clean`'s deletion of build outputs: only the files builds write, and never
/// through a symbolic link. An output folder is anyone's folder named with `-o`, so it is
/// not deleted whole: what a build writes there goes (`project.json`, each trace's
/// `data.json` and `query.sql`, inputs' `options.json`, models' `.sqlite` files, the scratch folder's files),
/// folders left empty go, and everything else stays where it is.
public enum OutputCleaner {
    public struct Outcome: Sendable, Equatable {
        /// Output files deleted.
        public var files = 0
        /// True when the output folder itself was left empty and deleted.
        public var folderRemoved = false
        /// What is in the folder that builds do not write (kept), relative to it; a folder
        /// ends with `/`.
        public var kept: [String] = []
    }

    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Cleans `outputDirectory` (absolute, standardized) of the project in
    /// `projectDirectory`. Refuses a folder that is the project's folder or holds it.
    public static func clean(outputDirectory dir: String, projectDirectory project: String) throws(Refusal) -> Outcome {
        let root = dir.count > 1 && dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        if root.isEmpty || root == "/" || root == project || project.hasPrefix(root + "/") {
            throw Refusal(
                description: "refusing to clean \(root.isEmpty ? "an empty path" : root): it holds the project folder \(project), so it is not an output folder"
            )
        }
        var outcome = Outcome()
        guard isDirectory(root) else { return outcome }
        outcome.folderRemoved = sweep(root, relative: "", depth: 0, into: &outcome)
        return outcome
    }

    /// Whether a build writes a file by this name at this depth under the output folder.
    static func isOutput(_ name: String, depth: Int, inScratch: Bool) -> Bool {
        if inScratch { return true }
        switch depth {
        case 0: return name == "project.json" || name.hasSuffix(".sqlite")
        case 1: return name == "data.json" || name == "query.sql" || name == "options.json" || name.hasSuffix(".sqlite")
        default: return false
        }
    }

    /// Deletes the outputs under `path`; true when `path` was emptied of outputs and
    /// removed (a folder that held none of them, even an empty one, stays).
    @discardableResult
    static func sweep(_ path: String, relative: String, depth: Int, inScratch: Bool = false, into outcome: inout Outcome) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        var removedHere = 0
        for name in names.sorted() {
            let full = path + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR where depth == 0:
                // A trace's folder, a merge's folder or the scratch folder.
                if sweep(full, relative: rel, depth: 1, inScratch: name == ".tmp", into: &outcome) { removedHere += 1 }
            case S_IFDIR:
                // Deeper than any output.
                outcome.kept.append(rel + "/")
            case S_IFREG where isOutput(name, depth: depth, inScratch: inScratch):
                if unlink(full) == 0 {
                    outcome.files += 1
                    removedHere += 1
                } else {
                    outcome.kept.append(rel)
                }
            default:
                // Links (never followed), other files, devices and sockets.
                outcome.kept.append(rel)
            }
        }
        return (removedHere > 0 || inScratch) && rmdir(path) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }
}
