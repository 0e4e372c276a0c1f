import Foundation
import VisivoProject
import VisivoSupport

/// Where each node's outputs live under the output folder, and how they are written: into
/// the scratch folder first, then renamed into place, never through a link.
struct NodeOutputs: Sendable {
    /// `target/`.
    let directory: String
    /// The project folder, for messages that name a file relative to it.
    let projectDirectory: String

    /// Where outputs are written before being renamed into place; emptied at the start
    /// of every build, so a killed build leaves no half-written file behind for long.
    var scratchDirectory: String { directory + "/.tmp" }

    var projectJSON: String { directory + "/project.json" }
    func traceDirectory(_ name: String) -> String { "\(directory)/\(name)" }
    func dataPath(trace: String) -> String { traceDirectory(trace) + "/data.json" }
    func queryPath(trace: String) -> String { traceDirectory(trace) + "/query.sql" }
    /// An input's options, when a query lists them.
    func optionsPath(input: String) -> String { traceDirectory(input) + "/options.json" }
    /// A CSV-script model's SQLite file.
    func csvDatabasePath(_ model: String) -> String { "\(directory)/\(model).sqlite" }
    /// A local merge's folder, holding a copy of each upstream model's rows.
    func mergeDirectory(_ merge: String) -> String { "\(directory)/\(merge)" }
    func mergeTablePath(merge: String, upstream: String) -> String { "\(mergeDirectory(merge))/\(upstream).sqlite" }

    func relative(_ path: String) -> String {
        path.hasPrefix(projectDirectory + "/") ? String(path.dropFirst(projectDirectory.count + 1)) : path
    }

    /// Deletes what a killed build left in the scratch folder (called under the build lock).
    /// Never through a link: a scratch "folder" that is a symbolic link (or any other file)
    /// is removed itself, so the build makes a real one, and only regular files in the
    /// real one are deleted.
    func sweepScratch() {
        var st = stat()
        guard lstat(scratchDirectory, &st) == 0 else { return }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            unlink(scratchDirectory)
            return
        }
        guard let leftovers = try? FileManager.default.contentsOfDirectory(atPath: scratchDirectory) else { return }
        for f in leftovers {
            let path = scratchDirectory + "/" + f
            if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG { unlink(path) }
        }
    }

    /// A node's folder under the output folder (`target/<trace>/`) must be a folder of
    /// its own: a symbolic link there would take the write out of the folder visivo owns.
    /// (The output folder itself is the user's to place anywhere, a link included.)
    func refuseLinkedFolder(of path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        guard folder != directory else { return }
        var st = stat()
        if lstat(folder, &st) == 0, st.st_mode & S_IFMT != S_IFDIR {
            let what = st.st_mode & S_IFMT == S_IFLNK ? "a symbolic link" : "not a folder"
            throw NodeFailure(message: "\(relative(folder)) is \(what); outputs are written only into folders of visivo's own (remove it, and build again)")
        }
    }

    /// Writes `bytes` to `path` and records it in the stat cache under `hash`.
    @discardableResult
    func write(_ bytes: some Collection<UInt8>, to path: String, hash: String, record: BuildRecord) throws -> stat {
        try refuseLinkedFolder(of: path)
        record.distrust(path)
        let written = try AtomicFile.write(bytes, to: path, scratch: scratchDirectory)
        record.recordWrite(path, hash: hash, written: written)
        return written
    }

    /// Writes an output unless the file on disk still carries `label` by its stat;
    /// `bytes` is only called when the file must be written.
    func writeUnlessHeld(_ path: String, label: String?, record: BuildRecord, _ bytes: () -> [UInt8]) throws {
        if let label, record.holds(path, hash: label, confirming: true) { return }
        try refuseLinkedFolder(of: path)
        record.distrust(path)
        let written = try AtomicFile.write(bytes(), to: path, scratch: scratchDirectory)
        if let label { record.recordWrite(path, hash: label, written: written) }
    }
}
