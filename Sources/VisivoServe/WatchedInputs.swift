import Foundation
import VisivoCore

/// The files a project reads, which `serve` watches: its project files and includes, the
/// `.env` file, each file source's database (and its `-wal`), and each CSV script's
/// arguments that name files (the script itself, the data it reads).
public enum WatchedInputs {
    public static func of(_ project: Project, envFile: String?) -> Set<String> {
        let dir = project.directory
        func resolve(_ p: String) -> String {
            URL(fileURLWithPath: p.hasPrefix("/") ? p : dir + "/" + p).standardizedFileURL.path
        }
        var files: Set<String> = [resolve(envFile ?? ".env")]
        for f in project.files { files.insert(resolve(f)) }
        for s in project.sources where s.type == .sqlite || s.type == .duckdb {
            for db in [s.database] + s.attach.map(\.database) where !db.isEmpty && db != ":memory:" {
                files.insert(resolve(db))
                files.insert(resolve(db) + (s.type == .sqlite ? "-wal" : ".wal"))
            }
        }
        for m in project.models {
            guard case .csvScript(let args, _) = m.kind else { continue }
            for (n, a) in args.enumerated() where !a.contains("\n") && (n > 0 || a.contains("/")) {
                var isDir: ObjCBool = false
                let path = resolve(a)
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { files.insert(path) }
            }
        }
        return files
    }

    /// A change to this file name counts even when it is not (yet) in the watched set: a
    /// project file being created or fixed while the project does not load.
    static func isProjectFileName(_ name: String) -> Bool {
        name.hasSuffix(".yml") || name.hasSuffix(".yaml") || name == ".env"
    }
}
