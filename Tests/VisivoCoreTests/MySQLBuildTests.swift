import Foundation
import Testing
@testable import VisivoCore

/// Whole builds against the throwaway MariaDB server (`scripts/mariadb-test-server.sh start`).
@Suite(.serialized) struct MySQLBuildTests {
    typealias My = MySQLConnectionTests
    typealias PGB = PostgreSQLBuildTests
    typealias Flag = PostgreSQLConnectionTests.Flag
    typealias Box = PostgreSQLBuildTests.Box

    /// The variable the projects read their password from (passed to the loader only).
    static let passwordVariable = "VISIVO_TEST_MYSQL_PASSWORD_FOR_BUILD"

    static func sourceYAML(name: String, database: String, poolSize: Int? = nil) -> String {
        let s = My.Settings.current
        var yaml = """
              - name: \(name)
                type: mysql
                host: \(s.host)
                port: \(s.port)
                database: \(database)
                username: \(s.user)
                password: "{{ env_var('\(passwordVariable)') }}"

            """
        if let poolSize { yaml += "    connection_pool_size: \(poolSize)\n" }
        return yaml
    }

    static func environment(password: String? = nil) -> [String: String] {
        [passwordVariable: password ?? My.Settings.current.password]
    }

    /// A database of the test's own, dropped afterwards.
    static func withDatabase<T>(_ body: (String, MySQLConnection) throws -> T) throws -> T {
        let admin = try My.connect()
        let database = My.uniqueName("visivo_b")
        try My.exec(admin, "create database \(database) character set utf8mb4")
        defer { try? My.exec(admin, "drop database if exists \(database)") }
        return try body(database, admin)
    }

    @Test func valuesEndToEndAndWrongPassword() throws {
        try Self.withDatabase { database, admin in
            try My.exec(admin, "create table \(database).m (id int, region varchar(10), amount decimal(8,2), at datetime(1), ok tinyint(1))")
            try My.exec(admin, "insert into \(database).m values (1, 'north', 10.50, '2024-01-03 08:00:00', 1), (2, 'north', null, null, 0), (3, null, 1.00, null, null), (4, 'süd', 2.25, '2024-02-01 00:00:00.5', 1)")
            try withTemporaryDirectory { dir in
                try write(["project.visivo.yml": """
                    name: mysql values
                    sources:
                    \(Self.sourceYAML(name: "shop", database: database))
                    models:
                      - name: m
                        source: ref(shop)
                        sql: select * from m
                    traces:
                      - name: by region
                        model: ref(m)
                        cohort_on: region
                        props:
                          type: bar
                          x: query(id)
                          y: query(amount)
                          text: query(at)
                          customdata: query(ok)
                        order_by:
                          - query(id asc)
                    """], in: dir)
                let (summary, _) = try build(dir, environment: Self.environment())
                #expect(summary.failed == 0, "\(summary.failures)")
                #expect(PGB.dataJSON(dir, "by region") == #"{"north":{"props.customdata":[1,0],"props.text":["2024-01-03T08:00:00",null],"props.x":[1,2],"props.y":[10.50,null]},"süd":{"props.customdata":[1],"props.text":["2024-02-01T00:00:00.5"],"props.x":[4],"props.y":[2.25]}}"#)

                // A wrong password fails the trace with the server's message, never the password.
                let secret = "Nope-\(UUID().uuidString.prefix(6))"
                try write(["project.visivo.yml": (try String(contentsOfFile: dir + "/project.visivo.yml", encoding: .utf8)) + "\n"], in: dir)
                let (bad, reporter) = try build(dir, refresh: true, environment: Self.environment(password: secret))
                #expect(bad.failed >= 1)
                let message = reporter.message(of: "by region") ?? reporter.message(of: "shop") ?? ""
                #expect(message.contains("Access denied"), "\(message)")
                #expect(!message.contains(secret))
                for file in PGB.allFiles(under: dir) {
                    #expect(!(readText(file)?.contains(secret) ?? false), "\(file) holds the password")
                }
            }
        }
    }

    /// 20 traces of SLEEP(0.2) on a pool of 4: about 1 s, never more than 4 sessions.
    @Test func connectionPoolLimitsConcurrentQueries() throws {
        try Self.withDatabase { database, _ in
            let monitor = try My.connect()
            var yaml = """
                name: mysql concurrency
                sources:
                \(Self.sourceYAML(name: "my_pool", database: database, poolSize: 4))
                traces:

                """
            for n in 1...20 {
                yaml += """
                      - name: sleepy_\(n)
                        model:
                          name: sleepy_\(n)_model
                          source: ref(my_pool)
                          sql: select 0.2 as s, \(n) as x, sleep(0.2) as z
                        props:
                          type: bar
                          x: query(x)
                          y: query(s)

                    """
            }
            try withTemporaryDirectory { dir in
                try write(["project.visivo.yml": yaml], in: dir)
                let env = Self.environment()
                _ = try load(dir, environment: env)

                let stop = Flag()
                let samples = Box<[Int]>([])
                let pollError = Box<String?>(nil)
                let countSQL = """
                    select count(*) as c from information_schema.processlist
                    where db = '\(database)' and id <> connection_id()
                    """
                let finished = DispatchSemaphore(value: 0)
                let poller = Thread {
                    defer { finished.signal() }
                    while !stop.isSet {
                        do {
                            let r = try My.query(monitor, countSQL)
                            if case .number(let c)? = r.rows.first?.first, let n = Int(c) {
                                samples.update { $0.append(n) }
                            }
                        } catch {
                            pollError.set("\(error)")
                            return
                        }
                        Thread.sleep(forTimeInterval: 0.02)
                    }
                }
                poller.start()
                let (summary, reporter) = try PGB.withTimeout(60) { try build(dir, threads: 8, environment: env) }
                stop.set()
                finished.wait()

                #expect(summary.failed == 0, "\(summary.failures)")
                #expect(reporter.names(with: .built).count == 20)
                let wall = Double(summary.wallTime.components.seconds) + Double(summary.wallTime.components.attoseconds) / 1e18
                let seen = samples.value
                let maxSeen = seen.max() ?? 0
                print("MySQLBuildTests: 20 traces x SLEEP(0.2), pool 4, threads 8: wall \(String(format: "%.3f", wall)) s, "
                      + "\(seen.count) samples, max \(maxSeen) sessions")
                if let e = pollError.value { Issue.record("the monitor query failed: \(e)") }
                #expect(wall >= 0.8, "wall time \(wall) s: more than 4 queries ran at once?")
                #expect(wall < 3.0, "wall time \(wall) s: queries did not run concurrently")
                #expect(seen.count >= 10, "only \(seen.count) samples")
                #expect(maxSeen <= 4, "saw \(maxSeen) sessions; the pool allows 4")
                #expect(maxSeen >= 2, "saw at most \(maxSeen) sessions: the poll did not see the build")
                for n in 1...20 {
                    #expect(PGB.dataJSON(dir, "sleepy_\(n)") == #"{"sleepy_\#(n)":{"props.x":[\#(n)],"props.y":[0.2]}}"#)
                }
            }
        }
    }
}
