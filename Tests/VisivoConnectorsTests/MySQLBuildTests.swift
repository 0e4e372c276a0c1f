import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoConnectors

/// Whole builds against the throwaway MariaDB server (`scripts/mariadb-test-server.sh start`).
@Suite(.serialized) struct MySQLBuildTests {
    typealias My = MySQLConnectionTests
    typealias PGB = PostgreSQLBuildTests

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
            try My.exec(
                admin,
                "insert into \(database).m values (1, 'north', 10.50, '2024-01-03 08:00:00', 1), (2, 'north', null, null, 0), (3, null, 1.00, null, null), (4, 'süd', 2.25, '2024-02-01 00:00:00.5', 1)"
            )
            try withTemporaryDirectory { dir in
                try write(
                    [
                        "project.visivo.yml": """
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
                        """
                    ], in: dir)
                let (summary, _) = try build(dir, environment: Self.environment())
                #expect(summary.failed == 0, "\(summary.failures)")
                #expect(
                    PGB.dataJSON(dir, "by region")
                        == #"{"north":{"props.customdata":[1,0],"props.text":["2024-01-03T08:00:00",null],"props.x":[1,2],"props.y":[10.50,null]},"süd":{"props.customdata":[1],"props.text":["2024-02-01T00:00:00.5"],"props.x":[4],"props.y":[2.25]}}"#
                )

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
            let countSQL = """
                select count(*) as c from information_schema.processlist
                where db = '\(database)' and id <> connection_id()
                """
            try checkPoolLimit(
                label: "MySQLBuildTests", sourceYAML: Self.sourceYAML(name: "my_pool", database: database, poolSize: 4),
                sourceName: "my_pool", environment: Self.environment(),
                sleepSQL: { "select 0.2 as s, \($0) as x, sleep(0.2) as z" },
                countSessions: {
                    guard case .number(let c)? = try My.query(monitor, countSQL).rows.first?.first else { return nil }
                    return Int(c)
                })
        }
    }
}
