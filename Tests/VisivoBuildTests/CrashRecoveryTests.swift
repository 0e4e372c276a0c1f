import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoSupport

/// `visivo build` killed with SIGKILL mid-build, more than once, then run to completion:
/// the cache, the state file and target/ must come out consistent.
/// Needs the real binary: `VISIVO_BINARY` (set by `make test`), else `.build/debug/visivo`.
@Suite struct CrashRecoveryTests {
    static let traceCount = 200
    static let rowCount = 50_000

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func traceName(_ k: Int) -> String { String(format: "t_%03d", k) }

    /// The project: one SQLite table of `rowCount` rows, `traceCount` traces, each its own query.
    static func makeProject(in dir: String) throws {
        try makeSQLite(
            dir + "/data.db",
            """
            create table sales (id integer primary key, region text not null, amount integer not null);
            with recursive c(i) as (select 1 union all select i + 1 from c where i < \(rowCount))
            insert into sales select i, 'r' || (i % 10), i from c;
            """)
        var yaml = """
            name: crash recovery
            defaults:
              source_name: db
            sources:
              - name: db
                type: sqlite
                database: data.db
            models:
              - name: sales
                sql: select * from sales
            traces:

            """
        for k in 0..<traceCount {
            yaml += """
                  - name: \(traceName(k))
                    model: ref(sales)
                    props:
                      type: bar
                      x: query(region)
                      y: query(sum(amount) + \(k))
                    order_by:
                      - query(region asc)

                """
        }
        try write(["project.visivo.yml": yaml], in: dir)
    }

    /// The exact data.json of trace `k`: per region rN the sum of ids i with i % 10 == N, plus k.
    static func expectedJSON(_ k: Int) -> String {
        let regions = (0..<10).map { "\"r\($0)\"" }.joined(separator: ",")
        let sums = (0..<10).map { j -> String in
            let ids = stride(from: j == 0 ? 10 : j, through: rowCount, by: 10)
            return String(ids.reduce(0, +) + k)
        }.joined(separator: ",")
        return #"{"\#(traceName(k))":{"props.x":[\#(regions)],"props.y":[\#(sums)]}}"#
    }

    static func dataFileCount(_ dir: String) -> Int {
        let target = dir + "/target"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: target) else { return 0 }
        return entries.reduce(0) { $0 + (FileManager.default.fileExists(atPath: "\(target)/\($1)/data.json") ? 1 : 0) }
    }

    /// `visivo build --threads 2` in `dir`, output to `log`.
    static func startBuild(_ binary: String, in dir: String, log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: log) else { throw TestFailure("cannot open \(log)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["build", "--threads", "2"]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "VISIVO_CACHE_DIR")  // the cache under test is the project's own
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        try? handle.close()
        return p
    }

    /// Starts a build, waits until at least `atLeast` data.json files exist, kills it with SIGKILL.
    /// Returns the number of files seen just before the kill.
    static func buildAndKill(_ binary: String, in dir: String, atLeast: Int, round: Int) throws -> Int {
        let log = dir + "/kill-\(round).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let p = try startBuild(binary, in: dir, log: log)
        let deadline = ContinuousClock.now + .seconds(120)
        var count = dataFileCount(dir)
        while count < atLeast, p.isRunning, ContinuousClock.now < deadline {
            usleep(2_000)
            count = dataFileCount(dir)
        }
        guard p.isRunning else {
            p.waitUntilExit()
            throw TestFailure(
                "round \(round): the build exited (status \(p.terminationStatus)) with \(count) data files before it could be killed at \(atLeast); output:\n\(readText(log) ?? "")"
            )
        }
        guard kill(p.processIdentifier, SIGKILL) == 0 else {
            throw TestFailure("round \(round): kill failed: \(String(cString: strerror(errno)))")
        }
        p.waitUntilExit()
        #expect(
            p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL,
            "round \(round): the build ended with \(p.terminationReason == .exit ? "exit" : "signal") \(p.terminationStatus), not SIGKILL")
        guard count < traceCount else {
            throw TestFailure("round \(round): every data file already existed when the build was killed (\(count)); the kill proved nothing")
        }
        return count
    }

    /// Every file under `dir` whose name contains `.tmp-`.
    static func tempFiles(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var found: [String] = []
        while let rel = e.nextObject() as? String {
            if (rel as NSString).lastPathComponent.contains(".tmp-") { found.append(rel) }
        }
        return found
    }

    @Test(.timeLimit(.minutes(5))) func killedBuildsRecover() throws {
        let binary = try visivoBinaryPath()
        try withTemporaryDirectory { dir in
            try Self.makeProject(in: dir)

            // Kill three times, each later in the build than the one before.
            let first = try Self.buildAndKill(binary, in: dir, atLeast: 5, round: 1)
            let second = try Self.buildAndKill(binary, in: dir, atLeast: first + 40, round: 2)
            let third = try Self.buildAndKill(binary, in: dir, atLeast: second + 40, round: 3)
            print("CrashRecoveryTests: killed with \(first), \(second), \(third) of \(Self.traceCount) data files written")
            #expect(first < second && second < third)

            // Then a build to completion.
            let log = dir + "/final.log"
            let p = try Self.startBuild(binary, in: dir, log: log)
            p.waitUntilExit()
            let output = readText(log) ?? ""
            #expect(p.terminationReason == .exit && p.terminationStatus == 0, "final build exited \(p.terminationStatus); output:\n\(output)")
            #expect(!output.lowercased().contains("corrupt"), "the final build reported a cache problem:\n\(output)")
            #expect(output.contains("failed 0, skipped 0"), "\(output.suffix(2000))")

            var bad: [String] = []
            for k in 0..<Self.traceCount {
                let name = Self.traceName(k)
                guard let data = FileManager.default.contents(atPath: "\(dir)/target/\(name)/data.json") else {
                    bad.append("\(name): no data.json")
                    continue
                }
                let value: JSONValue
                do { value = try JSONParser.parse([UInt8](data)) } catch {
                    bad.append("\(name): not JSON (\(error))")
                    continue
                }
                guard case .object(let members) = value, members.map(\.key) == [name] else {
                    bad.append("\(name): cohort keys are not [\(name)]")
                    continue
                }
                if String(decoding: data, as: UTF8.self) != Self.expectedJSON(k) { bad.append("\(name): wrong content") }
            }
            #expect(bad.isEmpty, "\(bad.count) bad data files: \(bad.prefix(10))")

            let leftovers = Self.tempFiles(under: dir + "/target")
            #expect(leftovers.isEmpty, "temporary files left in target/: \(leftovers)")

            // And the state is sound: one more build reuses everything and runs nothing.
            let (summary, reporter) = try build(dir, threads: 2)
            #expect(summary.failed == 0 && summary.built == 0, "built \(summary.built), failed \(summary.failed): \(summary.failures.prefix(3))")
            #expect(reporter.names(with: .reused).count == Self.traceCount)
        }
    }
}
