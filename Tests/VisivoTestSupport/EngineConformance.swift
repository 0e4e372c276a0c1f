import Foundation
import Testing

/// Runs one case of Tests/Fixtures/conformance against another database engine: the case
/// is copied to a temporary folder (without `expected/`, `target/` and its SQLite setup),
/// the single entry under its `sources:` is replaced by `sourceYAML` (which must keep the
/// source's name, see `conformanceSourceName`), `prepare` loads the data into the engine
/// (it gets the folder, which is the project folder), the project is built through the
/// library, and `compare.py` judges `target/` as a real process. Throws, with compare.py's
/// output, unless it exits 0.
///
/// `sourceYAML` is the list entry, indented as a top-level list item, e.g.
/// ```
///   - name: orders-db
///     type: duckdb
///     database: orders.duckdb
/// ```
package func runEngineConformance(
    case name: String,
    sourceYAML: String,
    environment: [String: String] = [:],
    prepare: (_ projectDirectory: String) throws -> Void = { _ in }
) throws {
    let caseDirectory = conformanceCaseDirectory(name)
    try withTemporaryDirectory { dir in
        let fm = FileManager.default
        for item in try fm.contentsOfDirectory(atPath: caseDirectory) where item != "expected" && item != "target" {
            try fm.copyItem(atPath: caseDirectory + "/" + item, toPath: dir + "/" + item)
        }
        let projectFile = dir + "/project.visivo.yml"
        let original = try String(contentsOfFile: projectFile, encoding: .utf8)
        try replacingSources(in: original, with: sourceYAML).write(toFile: projectFile, atomically: true, encoding: .utf8)
        try prepare(dir)

        // Build as `visivo build` would; a refused project (the fail_* cases) counts as a
        // non-zero exit whose message compare.py checks.
        var exitCode: Int32 = 0
        var log = ""
        do {
            let (summary, reporter) = try build(dir, environment: environment)
            if !summary.succeeded {
                exitCode = 1
                log += summary.failures.joined(separator: "\n") + "\n"
                for event in reporter.events.withLock({ $0 }) where event.message != nil {
                    log += "\(event.status) \(event.name): \(event.message ?? "")\n"
                }
            }
        } catch {
            exitCode = 1
            log += "\(error)\n"
        }
        try log.write(toFile: dir + "/run.log", atomically: true, encoding: .utf8)

        let (status, output) = try captureProcessOutput(
            "/usr/bin/env",
            [
                "python3", repositoryRoot + "/Tests/Fixtures/conformance/compare.py", caseDirectory, dir + "/target",
                "--exit-code", String(exitCode), "--log", dir + "/run.log",
            ])
        if status != 0 {
            throw ConformanceFailure(caseName: name, output: output, buildLog: log)
        }
    }
}

/// The absolute path of conformance case `name`.
package func conformanceCaseDirectory(_ name: String) -> String {
    repositoryRoot + "/Tests/Fixtures/conformance/cases/" + name
}

/// The name of the single source of conformance case `name` (what `sourceYAML` must keep).
package func conformanceSourceName(case name: String) throws -> String {
    let text = try String(contentsOfFile: conformanceCaseDirectory(name) + "/project.visivo.yml", encoding: .utf8)
    let lines = text.components(separatedBy: "\n")
    for index in sourcesBlock(in: lines) {
        let t = lines[index].trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("- name:") {
            return t.dropFirst("- name:".count).trimmingCharacters(in: .whitespaces)
        }
    }
    throw ConformanceFailure(caseName: name, output: "no `- name:` entry under `sources:` in its project.visivo.yml", buildLog: "")
}

package struct ConformanceFailure: Error, CustomStringConvertible {
    package var caseName: String
    package var output: String
    package var buildLog: String
    package var description: String {
        var s = "conformance case \(caseName) failed:\n\(output)"
        if !buildLog.isEmpty { s += "\nbuild log:\n\(buildLog)" }
        return s
    }
}

/// The line indexes of the `sources:` block (the key line excluded): every line up to the
/// next top-level key.
private func sourcesBlock(in lines: [String]) -> Range<Int> {
    guard let start = lines.firstIndex(where: { $0.hasPrefix("sources:") }) else { return 0..<0 }
    var end = start + 1
    while end < lines.count {
        let line = lines[end]
        let isTopLevelKey = !line.isEmpty && !line.hasPrefix(" ") && !line.hasPrefix("\t") && !line.hasPrefix("#") && !line.hasPrefix("-")
        if isTopLevelKey { break }
        end += 1
    }
    // Leave trailing blank and comment lines to what follows.
    while end > start + 1 {
        let t = lines[end - 1].trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t.hasPrefix("#") { end -= 1 } else { break }
    }
    return (start + 1)..<end
}

/// `text` with the entries under `sources:` replaced by `sourceYAML`.
package func replacingSources(in text: String, with sourceYAML: String) throws -> String {
    var lines = text.components(separatedBy: "\n")
    let block = sourcesBlock(in: lines)
    guard !block.isEmpty else {
        throw ConformanceFailure(caseName: "?", output: "the project has no `sources:` block to replace", buildLog: "")
    }
    var replacement = sourceYAML.components(separatedBy: "\n")
    while replacement.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { replacement.removeLast() }
    lines.replaceSubrange(block, with: replacement)
    return lines.joined(separator: "\n")
}

/// Runs a program, returning its exit status and its stdout and stderr together.
package func captureProcessOutput(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
