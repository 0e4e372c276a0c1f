import Foundation
import Synchronization
import Testing
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoSupport

/// End-to-end builds of YAML projects against the throwaway PostgreSQL server
/// (`scripts/pg-test-server.sh start`; settings as in PostgreSQLConnectionTests).
/// They fail, never skip, when the server is not reachable.
@Suite(.serialized) struct PostgreSQLBuildTests {
    typealias PG = PostgreSQLConnectionTests

    /// The variable the projects read their password from (passed to the loader only).
    static let passwordVariable = "VISIVO_TEST_PG_PASSWORD_FOR_BUILD"

    // MARK: - Helpers

    /// A `sources:` entry for the test server; the password comes through `env_var`.
    static func sourceYAML(
        name: String, database: String? = nil, port: Int? = nil,
        schema: String? = nil, poolSize: Int? = nil
    ) -> String {
        let s = PG.Settings.current
        var yaml = """
              - name: \(name)
                type: postgresql
                host: \(s.host)
                port: \(port ?? s.port)
                database: \(database ?? s.database)
                username: \(s.user)
                password: "{{ env_var('\(passwordVariable)') }}"

            """
        if let schema { yaml += "    db_schema: \(schema)\n" }
        if let poolSize { yaml += "    connection_pool_size: \(poolSize)\n" }
        return yaml
    }

    static func environment(password: String? = nil) -> [String: String] {
        [passwordVariable: password ?? PG.Settings.current.password]
    }

    /// A trace named `name` on `model`: `x` = id, `y` = `column`, ordered by id.
    static func traceYAML(_ name: String, model: String, y: String) -> String {
        """
          - name: \(name)
            model: ref(\(model))
            props:
              type: scatter
              x: query(id)
              y: query(\(y))
            order_by:
              - query(id asc)

        """
    }

    static func dataJSON(_ dir: String, _ trace: String) -> String? {
        readText(dir + "/target/" + trace + "/data.json")
    }

    /// Every regular file under `dir`, recursively (hidden ones included).
    static func allFiles(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var files: [String] = []
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            let full = dir + "/" + rel
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue { files.append(full) }
        }
        return files
    }

    struct TimedOut: Error, CustomStringConvertible {
        var seconds: Double
        var description: String { "the build did not return within \(seconds) s (hang?)" }
    }

    /// Runs `body` on its own thread; throws `TimedOut` if it has not returned after `seconds`
    /// (the thread is then abandoned, so a hang fails the test instead of blocking the run).
    static func withTimeout<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let result = Box<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let r = Result { try body() }
            result.set(r)
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        guard done.wait(timeout: .now() + seconds) == .success else { throw TimedOut(seconds: seconds) }
        return try result.value!.get()
    }

    /// A value shared with other threads (a `Mutex` itself cannot be captured by a closure).
    final class Box<T: Sendable>: Sendable {
        private let mutex: Mutex<T>
        init(_ value: T) { mutex = Mutex(value) }
        func set(_ value: T) { mutex.withLock { $0 = value } }
        func update(_ body: (inout T) -> Void) { mutex.withLock { body(&$0) } }
        var value: T { mutex.withLock { $0 } }
    }

    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }
    }

    // MARK: - Values

    @Test func everyValueTypeEndToEnd() throws {
        let setup = try PG.connect()
        try PG.withSchema(setup) { schema in
            try PG.exec(
                setup,
                """
                create table \(schema).vals (
                    id int primary key, i int, b bigint, n numeric(10,2), f double precision,
                    bo boolean, d date, ts timestamp, tz timestamptz, t text
                )
                """)
            try PG.exec(
                setup,
                """
                insert into \(schema).vals values
                  (1, 42, 9007199254740993, 1.50, 0.1, true, '2024-01-03', '2024-01-03 08:15:00',
                   '2024-01-03 10:15:00+02', 'héllo wörld — 日本語 🎉 "q" \\ back'),
                  (2, null, null, null, null, null, null, null, null, null),
                  (3, -7, -9223372036854775808, -0.05, 1e20, false, '1999-12-31', '2024-01-03 08:15:00.25',
                   '2024-07-01 00:00:00.5+00', E'tab\\there\\nnewline'),
                  (4, 0, 9223372036854775807, 12345678.00, 3, true, '2000-02-29', '1970-01-01 00:00:00',
                   '2024-01-03 08:15:00-05:30', '')
                """)
            var yaml = """
                name: pg values
                sources:
                \(Self.sourceYAML(name: "pg", schema: schema))
                models:
                  - name: vals
                    source: ref(pg)
                    sql: select * from vals
                traces:

                """
            let columns = [
                ("pg_int", "i"), ("pg_bigint", "b"), ("pg_numeric", "n"), ("pg_double", "f"),
                ("pg_bool", "bo"), ("pg_date", "d"), ("pg_timestamp", "ts"),
                ("pg_timestamptz", "tz"), ("pg_text", "t"), ("pg_all_null", "null::int"),
            ]
            for (name, column) in columns { yaml += Self.traceYAML(name, model: "vals", y: column) }
            yaml += """
                  - name: pg_cohort_bool
                    model: ref(vals)
                    cohort_on: bo
                    props:
                      type: bar
                      x: query(id)
                      y: query(i)
                    order_by:
                      - query(id asc)

                """
            try withTemporaryDirectory { dir in
                try write(["project.visivo.yml": yaml], in: dir)
                let (summary, reporter) = try build(dir, environment: Self.environment())
                #expect(summary.failed == 0, "\(summary.failures)")
                #expect(summary.built == columns.count + 1)

                let x = #""props.x":[1,2,3,4]"#
                let expected: [String: String] = [
                    "pg_int": #"{"pg_int":{\#(x),"props.y":[42,null,-7,0]}}"#,
                    "pg_bigint": #"{"pg_bigint":{\#(x),"props.y":[9007199254740993,null,-9223372036854775808,9223372036854775807]}}"#,
                    "pg_numeric": #"{"pg_numeric":{\#(x),"props.y":[1.50,null,-0.05,12345678.00]}}"#,
                    "pg_double": #"{"pg_double":{\#(x),"props.y":[0.1,null,1e+20,3.0]}}"#,
                    "pg_bool": #"{"pg_bool":{\#(x),"props.y":[true,null,false,true]}}"#,
                    "pg_date": #"{"pg_date":{\#(x),"props.y":["2024-01-03",null,"1999-12-31","2000-02-29"]}}"#,
                    "pg_timestamp": #"{"pg_timestamp":{\#(x),"props.y":["2024-01-03T08:15:00",null,"2024-01-03T08:15:00.25","1970-01-01T00:00:00"]}}"#,
                    "pg_timestamptz": #"{"pg_timestamptz":{\#(x),"props.y":["2024-01-03T08:15:00Z",null,"2024-07-01T00:00:00.5Z","2024-01-03T13:45:00Z"]}}"#,
                    "pg_text": #"{"pg_text":{\#(x),"props.y":["héllo wörld — 日本語 🎉 \"q\" \\ back",null,"tab\there\nnewline",""]}}"#,
                    "pg_all_null": #"{"pg_all_null":{\#(x),"props.y":[null,null,null,null]}}"#,
                    // Row 2 (bo NULL) is dropped; cohorts in first-appearance order.
                    "pg_cohort_bool": #"{"true":{"props.x":[1,4],"props.y":[42,0]},"false":{"props.x":[3],"props.y":[-7]}}"#,
                ]
                for (trace, json) in expected.sorted(by: { $0.key < $1.key }) {
                    #expect(Self.dataJSON(dir, trace) == json, "data.json of \(trace)")
                    #expect(reporter.status(of: trace) == .built)
                    // And it is valid JSON.
                    if let text = Self.dataJSON(dir, trace) {
                        #expect(throws: Never.self) { _ = try JSONParser.parse(Array(text.utf8)) }
                    }
                }
                #expect(
                    reporter.message(of: "pg_cohort_bool")?.contains("dropped 1 row whose cohort_on is NULL") == true,
                    "\(reporter.message(of: "pg_cohort_bool") ?? "no message")")
                // The password never reaches project.json.
                let projectJSON = readText(dir + "/target/project.json") ?? ""
                #expect(!projectJSON.isEmpty)
                #expect(!projectJSON.contains(PG.Settings.current.password))
            }
        }
    }

    // MARK: - Failures

    @Test func failingQueryFailsAlone() throws {
        let setup = try PG.connect()
        try PG.withSchema(setup) { schema in
            try PG.exec(setup, "create table \(schema).t (id int, v int)")
            try PG.exec(setup, "insert into \(schema).t values (1, 10), (2, 20)")
            let yaml = """
                name: pg failing
                sources:
                \(Self.sourceYAML(name: "pg", schema: schema))
                models:
                  - name: good
                    source: ref(pg)
                    sql: select * from t
                  - name: broken
                    source: ref(pg)
                    sql: select * from visivo_no_such_table_build
                traces:
                \(Self.traceYAML("good_one", model: "good", y: "v"))
                \(Self.traceYAML("good_two", model: "good", y: "v * 2"))
                \(Self.traceYAML("bad", model: "broken", y: "v"))
                """
            try withTemporaryDirectory { dir in
                try write(["project.visivo.yml": yaml], in: dir)
                let (summary, reporter) = try build(dir, environment: Self.environment())
                #expect(summary.failed == 1)
                #expect(summary.built == 2)
                #expect(!summary.succeeded)
                #expect(reporter.status(of: "bad") == .failed)
                let message = reporter.message(of: "bad") ?? ""
                #expect(message.contains("relation \"visivo_no_such_table_build\" does not exist"), "\(message)")
                #expect(message.contains("target/bad/query.sql"), "\(message)")
                #expect(message.contains("'pg'"), "\(message)")
                #expect(summary.failures.count == 1)
                #expect(summary.failures.first?.contains("bad") == true)
                #expect(Self.dataJSON(dir, "bad") == nil)
                #expect(FileManager.default.fileExists(atPath: dir + "/target/bad/query.sql"))
                #expect(Self.dataJSON(dir, "good_one") == #"{"good_one":{"props.x":[1,2],"props.y":[10,20]}}"#)
                #expect(Self.dataJSON(dir, "good_two") == #"{"good_two":{"props.x":[1,2],"props.y":[20,40]}}"#)

                // Nothing failed is cached: a second build runs the failing trace again.
                let (again, reporter2) = try build(dir, environment: Self.environment())
                #expect(again.failed == 1)
                #expect(again.reused == 2)
                #expect(reporter2.status(of: "bad") == .failed)
            }
        }
    }

    @Test func wrongPasswordFailsEveryTraceAndNeverLeaks() throws {
        _ = try PG.connect()  // the server itself must be up, or this test proves nothing
        let wrong = "wr0ng-Pa55-visivo-build-" + UUID().uuidString
        let yaml = """
            name: pg wrong password
            sources:
            \(Self.sourceYAML(name: "pg_locked", poolSize: 2))
            models:
              - name: m1
                source: ref(pg_locked)
                sql: select 1 as id, 2 as v
              - name: m2
                source: ref(pg_locked)
                sql: select 3 as id, 4 as v
            traces:
            \(Self.traceYAML("locked_a", model: "m1", y: "v"))
            \(Self.traceYAML("locked_b", model: "m1", y: "v + 1"))
            \(Self.traceYAML("locked_c", model: "m2", y: "v"))
            """
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": yaml], in: dir)
            let (summary, reporter) = try build(dir, environment: Self.environment(password: wrong))
            #expect(summary.failed == 3)
            #expect(summary.built == 0)
            for trace in ["locked_a", "locked_b", "locked_c"] {
                #expect(reporter.status(of: trace) == .failed)
                let message = reporter.message(of: trace) ?? ""
                #expect(message.contains("password authentication failed"), "\(trace): \(message)")
                #expect(message.contains("pg_locked"), "\(trace): \(message)")
                #expect(Self.dataJSON(dir, trace) == nil)
            }
            let events = reporter.events.withLock { $0 }
            for e in events {
                #expect(e.message?.contains(wrong) != true, "\(e.name): \(e.message ?? "")")
            }
            for f in summary.failures { #expect(!f.contains(wrong)) }

            // No file anywhere under the project (target/, .visivo/ and all) holds it.
            let needle = Array(wrong.utf8)
            let files = Self.allFiles(under: dir)
            #expect(files.contains { $0.hasSuffix("/target/project.json") })
            #expect(files.contains { $0.contains("/.visivo/") })
            for f in files {
                let bytes = [UInt8](FileManager.default.contents(atPath: f) ?? Data())
                let leaks =
                    bytes.count >= needle.count
                    && (0...(bytes.count - needle.count)).contains { bytes[$0..<$0 + needle.count].elementsEqual(needle) }
                #expect(!leaks, "the wrong password is in \(f)")
            }
        }
    }

    // MARK: - Server stopped mid-build

    /// Settings of the second server, used only by `serverStoppedMidBuild`.
    static let stopPort = 55433
    static let stopData = "/tmp/visivo-pg-test-stop"

    struct ScriptFailed: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "scripts/pg-test-server.sh \(command) exited \(status):\n\(output)" }
    }

    /// Runs `scripts/pg-test-server.sh <command>` for the second server, from the repository
    /// root; throws on failure.
    ///
    /// Not through Foundation's `Process`: on Linux it notices a child's exit only when every
    /// holder of a socket it hands the child has closed it, and the postmaster that `start`
    /// leaves running inherits that socket, so `waitUntilExit()` would never return. Instead:
    /// posix_spawn + waitpid, and bash closes every inherited descriptor above 2 before
    /// running the script, so the server holds none of this process's files or pipes.
    static func secondServer(_ command: String) throws {
        let logPath = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-pg-stop-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        let closeAndRun = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; cd "$1" && shift && exec "$@""#
        let arguments = [
            "/bin/bash", "-c", closeAndRun, "bash", repositoryRoot,
            repositoryRoot + "/scripts/pg-test-server.sh", command,
        ]
        var env = ProcessInfo.processInfo.environment
        env["VISIVO_PG_PORT"] = String(stopPort)
        env["VISIVO_PG_DATA"] = stopData
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let rc = argv.withUnsafeBufferPointer { a in
            envp.withUnsafeBufferPointer { e in
                posix_spawn(&pid, "/bin/bash", &actions, nil, a.baseAddress!, e.baseAddress!)
            }
        }
        guard rc == 0 else {
            throw ScriptFailed(command: command, status: -1, output: "posix_spawn failed: \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw ScriptFailed(command: command, status: -1, output: "waitpid failed: \(String(cString: strerror(errno)))")
            }
        }
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            throw ScriptFailed(command: command, status: exited ? code : -(status & 0x7f), output: readText(logPath) ?? "")
        }
    }

    /// Connects to the second server (as the tests' superuser).
    static func connectSecond() throws -> PostgreSQLConnection {
        var source = PG.source()
        source.name = "pg_stop_setup"
        source.port = stopPort
        return try PostgreSQLConnection(source: source)
    }

    static func createStopData() throws {
        let conn = try connectSecond()
        try PG.exec(conn, "drop table if exists items")
        try PG.exec(conn, "create table items (n int primary key)")
        try PG.exec(conn, "insert into items select g from generate_series(1, 10) g")
    }

    @Test(.timeLimit(.minutes(3))) func serverStoppedMidBuild() throws {
        _ = try PG.connect()
        defer {
            do { try Self.secondServer("stop") } catch { Issue.record("could not stop the second server: \(error)") }
        }
        try Self.secondServer("start")
        try Self.createStopData()

        let names = (1...10).map { String(format: "slow_%02d", $0) }
        var yaml = """
            name: pg stopped
            sources:
            \(Self.sourceYAML(name: "pg_stop", port: Self.stopPort, poolSize: 2))
            traces:

            """
        for (k, name) in names.enumerated() {
            yaml += """
                  - name: \(name)
                    model:
                      name: \(name)_model
                      source: ref(pg_stop)
                      sql: select n as id, n * 10 as v from items cross join pg_sleep(0.5) where n = \(k + 1)
                    props:
                      type: bar
                      x: query(id)
                      y: query(v)

                """
        }
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": yaml], in: dir)
            let env = Self.environment()

            let stopped = Flag()
            let stopError = Box<String?>(nil)
            let stopper = Thread {
                Thread.sleep(forTimeInterval: 0.6)
                do { try Self.secondServer("stop") } catch { stopError.set("\(error)") }
                stopped.set()
            }
            let clock = ContinuousClock()
            let t0 = clock.now
            stopper.start()
            let outcome = Result { try Self.withTimeout(30) { try build(dir, threads: 4, environment: env) } }
            let elapsed = clock.now - t0
            // Whatever the build did, let the stop finish before anything else touches the server.
            while !stopped.isSet { Thread.sleep(forTimeInterval: 0.05) }
            if let e = stopError.value { Issue.record("stopping the server failed: \(e)") }
            let (summary, reporter) = try outcome.get()

            print(
                "PostgreSQLBuildTests: server stopped mid-build: built \(summary.built), failed \(summary.failed) in \(elapsed); "
                    + "first failure: \(summary.failures.first ?? "none")")
            #expect(elapsed < .seconds(30), "build took \(elapsed)")
            #expect(summary.failed > 0)
            #expect(!summary.succeeded)
            #expect(summary.built + summary.failed == names.count, "built \(summary.built), failed \(summary.failed)")
            let failed = reporter.names(with: .failed)
            #expect(!failed.isEmpty)
            for name in failed {
                let message = reporter.message(of: name) ?? ""
                #expect(message.contains("source 'pg_stop'"), "\(name): \(message)")
                #expect(Self.dataJSON(dir, name) == nil)
            }
            for f in summary.failures { #expect(f.contains("pg_stop")) }

            // Back up (a fresh cluster: the script's stop deletes the data): everything builds.
            try Self.secondServer("start")
            try Self.createStopData()
            let (second, reporter2) = try Self.withTimeout(60) { try build(dir, threads: 4, environment: env) }
            #expect(second.failed == 0, "\(second.failures)")
            #expect(second.succeeded)
            #expect(reporter2.names(with: .built) == failed)
            #expect(second.built + second.reused == names.count)
            for (k, name) in names.enumerated() {
                #expect(Self.dataJSON(dir, name) == #"{"\#(name)":{"props.x":[\#(k + 1)],"props.y":[\#((k + 1) * 10)]}}"#, "\(name)")
            }
        }
    }

    // MARK: - Concurrency

    @Test func connectionPoolLimitsConcurrentQueries() throws {
        let setup = try PG.connect()
        // A database of its own, so connections of tests running in parallel are not counted.
        let database = "visivo_conc_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        try PG.exec(setup, "create database \(database)")
        defer { try? PG.exec(setup, "drop database if exists \(database) with (force)") }

        let monitor = try PG.connect()
        try PG.exec(monitor, "set application_name = 'visivo-monitor'")
        #expect(try PG.query(monitor, "select current_setting('application_name') as a").rows == [[.string("visivo-monitor")]])

        let countSQL = """
            select count(*) as c from pg_stat_activity
            where application_name = 'visivo' and pid <> pg_backend_pid() and datname = '\(database)'
            """
        try checkPoolLimit(
            label: "PostgreSQLBuildTests", sourceYAML: Self.sourceYAML(name: "pg_pool", database: database, poolSize: 4),
            sourceName: "pg_pool", environment: Self.environment(),
            sleepSQL: { "select 0.2 as s, \($0) as x from pg_sleep(0.2)" },
            countSessions: {
                // pg_stat_activity is a per-transaction snapshot: each query is its own transaction.
                guard case .number(let c)? = try PG.query(monitor, countSQL).rows.first?.first else { return nil }
                return Int(c)
            })
    }

    // MARK: - Incremental

    @Test func unchangedProjectRunsNoQuery() throws {
        let setup = try PG.connect()
        try PG.withSchema(setup) { schema in
            // Each run of a trace's query leaves a row in `calls`.
            try PG.exec(setup, "create table \(schema).calls (trace text, at timestamptz default now())")
            try PG.exec(
                setup,
                """
                create function \(schema).logged(tname text, v int) returns int language sql volatile as $$
                    insert into \(schema).calls (trace) values (tname) returning v
                $$
                """)
            let names = ["inc_a", "inc_b", "inc_c"]
            func project(_ bValue: Int) -> String {
                var yaml = """
                    name: pg incremental
                    sources:
                    \(Self.sourceYAML(name: "pg", schema: schema, poolSize: 2))
                    traces:

                    """
                for (k, name) in names.enumerated() {
                    let v = name == "inc_b" ? bValue : k
                    yaml += """
                          - name: \(name)
                            model:
                              name: \(name)_model
                              source: ref(pg)
                              sql: select 1 as id, logged('\(name)', \(v)) as v
                            props:
                              type: bar
                              x: query(id)
                              y: query(v)

                        """
                }
                return yaml
            }
            func calls() throws -> [[JSONValue]] {
                try PG.query(setup, "select trace, count(*) as c from \(schema).calls group by trace order by trace").rows
            }
            try withTemporaryDirectory { dir in
                try write(["project.visivo.yml": project(1)], in: dir)
                let (first, r1) = try build(dir, environment: Self.environment())
                #expect(first.failed == 0, "\(first.failures)")
                #expect(first.built == 3)
                #expect(r1.names(with: .built) == Set(names))
                let afterFirst = try calls()
                #expect(afterFirst == names.map { [.string($0), .number("1")] })
                let data = names.map { Self.dataJSON(dir, $0) }

                let (second, r2) = try build(dir, environment: Self.environment())
                #expect(second.failed == 0)
                #expect(second.built == 0)
                #expect(r2.names(with: .built).isEmpty)
                #expect(second.reused == 3)
                for name in names { #expect(r2.status(of: name) == .reused, "\(name)") }
                #expect(try calls() == afterFirst, "the server ran a query on an unchanged build")
                #expect(names.map { Self.dataJSON(dir, $0) } == data)

                // Change one trace's SQL: only that one runs.
                try write(["project.visivo.yml": project(7)], in: dir)
                let (third, r3) = try build(dir, environment: Self.environment())
                #expect(third.failed == 0)
                #expect(r3.names(with: .built) == ["inc_b"])
                #expect(third.reused == 2)
                #expect(try calls() == [[.string("inc_a"), .number("1")], [.string("inc_b"), .number("2")], [.string("inc_c"), .number("1")]])
                #expect(Self.dataJSON(dir, "inc_b") == #"{"inc_b":{"props.x":[1],"props.y":[7]}}"#)
            }
        }
    }
}
