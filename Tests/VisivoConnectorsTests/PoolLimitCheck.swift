import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild

/// The pool check both server connectors must pass: 20 traces, each one query that sleeps
/// 0.2 s (`sleepSQL(n)` returns `n` as `x` and 0.2 as `s`), on a source with
/// `connection_pool_size: 4`, built with 8 threads. It takes about 1 s, and `countSessions`
/// (polled every 20 ms from another thread) never sees more than 4 build sessions.
func checkPoolLimit(
    label: String, sourceYAML: String, sourceName: String, environment: [String: String],
    sleepSQL: (Int) -> String, countSessions: @escaping @Sendable () throws -> Int?
) throws {
    var yaml = """
        name: pool check
        sources:
        \(sourceYAML)
        traces:

        """
    for n in 1...20 {
        yaml += """
              - name: sleepy_\(n)
                model:
                  name: sleepy_\(n)_model
                  source: ref(\(sourceName))
                  sql: \(sleepSQL(n))
                props:
                  type: bar
                  x: query(x)
                  y: query(s)

            """
    }
    try withTemporaryDirectory { dir in
        try write(["project.visivo.yml": yaml], in: dir)
        // Load once first, so the timed build measures the build, not a cold loader.
        _ = try load(dir, environment: environment)

        let stop = PostgreSQLBuildTests.Flag()
        let samples = PostgreSQLBuildTests.Box<[Int]>([])
        let pollError = PostgreSQLBuildTests.Box<String?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let poller = Thread {
            defer { finished.signal() }
            while !stop.isSet {
                do {
                    if let n = try countSessions() { samples.update { $0.append(n) } }
                } catch {
                    pollError.set("\(error)")
                    return
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        poller.start()
        let result = Result { try PostgreSQLBuildTests.withTimeout(60) { try build(dir, threads: 8, environment: environment) } }
        stop.set()
        finished.wait()
        let (summary, reporter) = try result.get()

        #expect(summary.failed == 0, "\(summary.failures)")
        #expect(reporter.names(with: .built).count == 20)
        let wall = Double(summary.wallTime.components.seconds) + Double(summary.wallTime.components.attoseconds) / 1e18
        let seen = samples.value
        let maxSeen = seen.max() ?? 0
        print(
            "\(label): 20 traces sleeping 0.2 s, pool 4, threads 8: wall \(String(format: "%.3f", wall)) s, "
                + "\(seen.count) samples, max \(maxSeen) sessions")
        if let e = pollError.value { Issue.record("the monitor query failed: \(e)") }
        #expect(wall >= 0.8, "wall time \(wall) s: more than 4 queries ran at once?")
        #expect(wall < 3.0, "wall time \(wall) s: queries did not run concurrently")
        #expect(seen.count >= 10, "only \(seen.count) samples")
        #expect(maxSeen <= 4, "saw \(maxSeen) sessions; the pool allows 4")
        #expect(maxSeen >= 2, "saw at most \(maxSeen) sessions: the poll did not see the build")
        for n in 1...20 {
            #expect(readText(dir + "/target/sleepy_\(n)/data.json") == #"{"sleepy_\#(n)":{"props.x":[\#(n)],"props.y":[0.2]}}"#)
        }
    }
}
