import Foundation
import VisivoBuild
import VisivoConnectors
import VisivoLoading
import VisivoSupport

/// `visivo init`: a new project that builds and serves at once, on a SQLite file it makes
/// itself. Existing files are never overwritten: each is kept and reported.
public enum ProjectScaffold {
    public struct Report: Sendable {
        public var created: [String] = []
        public var kept: [String] = []
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes the project into `directory` (created if missing). `bare`: only the project
    /// file skeleton, `.gitignore` and `.env.example`.
    public static func create(in directory: String, name: String, bare: Bool) throws(Failure) -> Report {
        let dir = URL(fileURLWithPath: directory).standardizedFileURL.path
        let fm = FileManager.default
        var report = Report()
        if ProjectLoader.projectFileNames.contains(where: { fm.fileExists(atPath: dir + "/" + $0) }) {
            throw Failure(description: "\(dir) already holds a visivo project; nothing was written")
        }
        func write(_ relative: String, _ text: String) throws(Failure) {
            let path = dir + "/" + relative
            if fm.fileExists(atPath: path) {
                report.kept.append(relative)
                return
            }
            do {
                try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            } catch { throw Failure(description: "cannot create \((path as NSString).deletingLastPathComponent): \(error.localizedDescription)") }
            // O_EXCL: a file that appeared meanwhile is not overwritten either.
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
            let bytes = Array(text.utf8)
            let ok = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) == $0.count }
            close(fd)
            guard ok else { throw Failure(description: "cannot write \(path)") }
            report.created.append(relative)
        }
        try write("project.visivo.yml", bare ? ScaffoldFiles.bareProject(name) : ScaffoldFiles.project(name))
        try write(".gitignore", ScaffoldFiles.gitignore)
        try write(".env.example", ScaffoldFiles.envExample)
        if !bare {
            try write("data/demo.sql", ScaffoldFiles.demoSQL)
            let db = dir + "/data/demo.db"
            if fm.fileExists(atPath: db) {
                report.kept.append("data/demo.db")
            } else {
                do {
                    let database = try SQLiteDatabase(path: db, label: "demo", writable: true)
                    try database.execute(ScaffoldFiles.demoSQL)
                } catch {
                    unlink(db)
                    throw Failure(description: "cannot create data/demo.db: \(error)")
                }
                report.created.append("data/demo.db")
            }
        }
        return report
    }
}
