import Foundation
import Synchronization
import VisivoBuild
import VisivoConnectors
import VisivoGraph
import VisivoLoading
import VisivoProject
import VisivoQuery

/// A fresh temporary folder for one test, deleted afterwards.
@discardableResult
package func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(dir)
}

/// Writes `files` (relative path -> text) under `dir`.
package func write(_ files: [String: String], in dir: String) throws {
    for (path, text) in files {
        let full = dir + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }
}

/// Loads the project in `dir` with a fixed environment.
package func load(_ dir: String, environment: [String: String] = [:]) throws -> Project {
    try ProjectLoader(workingDirectory: dir, environment: environment).load()
}

/// The diagnostics a load of `files` reports, as printed.
package func diagnostics(_ files: [String: String], environment: [String: String] = [:]) throws -> [String] {
    try withTemporaryDirectory { dir in
        try write(files, in: dir)
        do {
            _ = try ProjectLoader(workingDirectory: dir, environment: environment).load()
            return []
        } catch let error as DiagnosticsError {
            return error.diagnostics.map(\.description)
        }
    }
}

/// Creates a SQLite database at `path` by running `sql` through the library itself.
package func makeSQLite(_ path: String, _ sql: String) throws {
    let db = try SQLiteDatabase(path: path, label: "test", writable: true)
    try db.execute(sql)
}

/// Records build events for assertions.
package final class RecordingReporter: BuildReporter {
    package init() {}
    package let events = Mutex<[NodeEvent]>([])
    package let warnings = Mutex<[String]>([])
    package func started(total: Int) {}
    package func finished(_ event: NodeEvent) { events.withLock { $0.append(event) } }
    package func warning(_ text: String) { warnings.withLock { $0.append(text) } }

    package func status(of name: String) -> NodeStatus? { events.withLock { $0.last { $0.name == name }?.status } }
    package func names(with status: NodeStatus) -> Set<String> { events.withLock { Set($0.filter { $0.status == status }.map(\.name)) } }
    package func message(of name: String) -> String? { events.withLock { $0.last { $0.name == name }?.message } }
}

/// Builds the project in `dir` through the library, as `visivo build` does.
@discardableResult
package func build(
    _ dir: String, threads: Int = 4, refresh: Bool = false, select: [String] = [], cacheDirectory: String? = nil, environment: [String: String] = [:],
    remoteCache: RemoteCacheSettings? = nil
)
    throws -> (BuildSummary, RecordingReporter)
{
    let project = try load(dir, environment: environment)
    let compiled = CompiledProject(project)
    var options = BuildOptions(projectDirectory: project.directory)
    options.threads = threads
    options.refreshAll = refresh
    if let cacheDirectory { options.cacheDirectory = cacheDirectory }
    options.remoteCache = remoteCache
    if !select.isEmpty { options.selection = try NodeSelector(graph: compiled.graph).select(select) }
    let reporter = RecordingReporter()
    let summary = try BuildEngine(compiled, options: options).run(reporter: reporter)
    return (summary, reporter)
}

/// The repository root (tests read fixtures from Tests/Fixtures).
package let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

package func readText(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

/// The statements of an SQL file, one per server call (for servers that take one at a
/// time): split at `;` line ends, `--` comment lines dropped. The fixture files put no
/// `;` at a line end inside a string.
package func sqlStatements(inFile path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return text.components(separatedBy: ";\n")
        .map { $0.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n") }
        .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
}
