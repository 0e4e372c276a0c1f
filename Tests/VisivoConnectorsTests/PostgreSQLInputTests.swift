import Foundation
import Testing
import VisivoBuild
import VisivoLoading
import VisivoQuery
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoSupport

/// An input-filtered insight on the PostgreSQL test server: the statement the server
/// receives carries `$1`, the value goes apart from it (the server's own statement log
/// shows both), and a value with a quote in it selects its rows.
@Suite(.serialized) struct PostgreSQLInputTests {
    typealias PG = PostgreSQLConnectionTests
    typealias Build = PostgreSQLBuildTests

    /// The server log from `offset` on (the log is `server.log` in the data folder, which
    /// `pg_read_file` reads for a superuser, as the test user is).
    static func log(_ conn: PostgreSQLConnection, from offset: Int64) throws -> String {
        let sink = try PG.query(conn, "select pg_read_file('server.log', \(offset), 100000000)")
        return sink.rows.first?.first?.stringValue ?? ""
    }

    static func logSize(_ conn: PostgreSQLConnection) throws -> Int64 {
        let sink = try PG.query(conn, "select (pg_stat_file('server.log')).size")
        guard case .number(let n)? = sink.rows.first?.first, let size = Int64(n) else { throw ConnectorError(source: "test", message: "no log size") }
        return size
    }

    @Test func inputValuesAreBoundNotPasted() throws {
        let setup = try PG.connect()
        let database = PG.Settings.current.database
        try PG.withSchema(setup) { schema in
            try PG.exec(setup, "create table \(schema).orders (id int, region text, amount numeric)")
            try PG.exec(
                setup, "insert into \(schema).orders values (1, 'north', 10), (2, 'o''hara', 20), (3, 'o''hara', 5), (4, 'south', 7)")
            try PG.exec(setup, "alter database \(database) set log_statement = 'all'")
            defer { try? PG.exec(setup, "alter database \(database) reset log_statement") }
            let yaml = """
                name: pg inputs
                sources:
                \(Build.sourceYAML(name: "pg", schema: schema))
                models:
                  - name: orders
                    sql: select * from orders
                    source: ${ref(pg)}
                inputs:
                  - name: region
                    type: single-select
                    options: ?{ select distinct region from ${ref(orders)} order by 1 }
                    display: {type: dropdown, default: {value: "o'hara"}}
                insights:
                  - name: by-region-\(schema)
                    props:
                      type: bar
                      x: ?{ ${ref(orders).id} }
                      y: ?{ sum(${ref(orders).amount}) }
                    interactions:
                      - filter: ?{ ${ref(orders).region} = ${ref(region).value} }
                      - sort: ?{ ${ref(orders).id} ASC }
                """
            try withTemporaryDirectory { dir in
                try write(["project.visivo.yml": yaml], in: dir)
                let before = try Self.logSize(setup)
                let (summary, reporter) = try build(dir, environment: Build.environment())
                #expect(summary.failed == 0, "\(reporter.events.withLock { $0.map { "\($0.name): \($0.message ?? "")" } })")
                let data = readText("\(dir)/target/by-region-\(schema)/data.json")
                #expect(data == "{\"by-region-\(schema)\":{\"props.x\":[2,3],\"props.y\":[20,5]}}")
                #expect(readText("\(dir)/target/region/options.json") == "{\"options\":[\"north\",\"o'hara\",\"south\"]}")

                // The insight's statement as the server logged it: `$1` in the text, the
                // value only among its parameters.
                let log = try Self.log(setup, from: before)
                let lines = log.components(separatedBy: "\n")
                guard let at = lines.firstIndex(where: { $0.contains("'by-region-\(schema)' as \"cohort_on\"") }) else {
                    Issue.record("the insight's statement is not in the server log:\n\(log.suffix(3000))")
                    return
                }
                let statement = lines[at...].prefix { !$0.contains("DETAIL:") }.joined(separator: "\n")
                #expect(statement.contains("region = $1"))
                #expect(!statement.contains("hara"))
                let detail = lines[at...].first { $0.contains("DETAIL:") && $0.contains("parameters:") } ?? ""
                #expect(detail.contains("$1 = 'o''hara'"), "\(detail)")

                // Another value, as serve asks for it: bound the same way.
                let project = try load(dir, environment: Build.environment())
                var options = BuildOptions(projectDirectory: project.directory)
                options.threads = 2
                let engine = BuildEngine(CompiledProject(project), options: options)
                let north = try engine.variant("by-region-\(schema)", values: ["region": .string("north")])
                #expect(String(decoding: north, as: UTF8.self) == "{\"by-region-\(schema)\":{\"props.x\":[1],\"props.y\":[10]}}")
            }
        }
    }
}
