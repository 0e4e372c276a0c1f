import Foundation
import VisivoBuild
import VisivoLoading
import VisivoProject

/// The files a project reads, which `serve` watches: its project files and includes, the
/// `.env` file, each file source's database (and its `-wal`), and each CSV script's
/// arguments that name files (the script itself, the data it reads).
public enum WatchedInputs {
    public static func of(_ project: Project, envFile: String?) -> Set<String> {
        let dir = project.directory
        func resolve(_ p: String) -> String {
            URL(fileURLWithPath: p.hasPrefix("/") ? p : dir + "/" + p).standardizedFileURL.path
        }
        var files = always(directory: dir, envFile: envFile)
        for f in project.files { files.insert(resolve(f)) }
        for s in project.sources where s.type == .sqlite || s.type == .duckdb {
            for db in [s.database] + s.attach.map(\.database) where !db.isEmpty && db != ":memory:" {
                files.insert(resolve(db))
                files.insert(resolve(db) + (s.type == .sqlite ? "-wal" : ".wal"))
            }
        }
        for m in project.models {
            guard case .csvScript(let args, _) = m.kind else { continue }
            for path in ScriptInputs.files(args: args, directory: dir) { files.insert(resolve(path)) }
        }
        return files
    }

    /// What is watched even before anything loads: the project file (either name) and
    /// the env file (`-e`, default `.env`).
    public static func always(directory dir: String, envFile: String?) -> Set<String> {
        let env = envFile ?? ".env"
        let envPath = URL(fileURLWithPath: env.hasPrefix("/") ? env : dir + "/" + env).standardizedFileURL.path
        return Set(ProjectLoader.projectFileNames.map { dir + "/" + $0 } + [envPath])
    }

    /// A change to this file name counts even when it is not (yet) in the watched set: a
    /// project file being created or fixed while the project does not load.
    static func isProjectFileName(_ name: String) -> Bool {
        name.hasSuffix(".yml") || name.hasSuffix(".yaml") || name == ".env"
    }
}
