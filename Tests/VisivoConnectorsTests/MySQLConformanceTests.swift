import Foundation
import Testing
import VisivoTestSupport

/// The trace_features and sqlite_basic conformance cases with their data in MariaDB instead
/// of SQLite: the same data.json (compare.py PASS). Needs `scripts/mariadb-test-server.sh start`.
@Suite struct MySQLConformanceTests {
    typealias My = MySQLConnectionTests
    typealias Build = MySQLBuildTests

    /// Creates a database of its own, loads the case's data.sql into it (SQLite's DDL is
    /// valid MariaDB as written: REAL is DOUBLE there), runs the case, drops the database.
    func run(_ caseName: String, rewrite: [(String, String)] = [], columnTypes: [(String, String)] = []) throws {
        let sourceName = try conformanceSourceName(case: caseName)
        try Build.withDatabase { database, _ in
            let conn = try My.connect(database: database)
            for var sql in try sqlStatements(inFile: conformanceCaseDirectory(caseName) + "/data.sql") {
                for (from, to) in columnTypes { sql = sql.replacingOccurrences(of: from, with: to) }
                try My.exec(conn, sql)
            }
            try runEngineConformance(
                case: caseName, sourceYAML: Build.sourceYAML(name: sourceName, database: database),
                environment: Build.environment()
            ) { dir in
                let file = dir + "/project.visivo.yml"
                var text = try String(contentsOfFile: file, encoding: .utf8)
                for (from, to) in rewrite {
                    #expect(text.contains(from), "nothing to rewrite: \(from)")
                    text = text.replacingOccurrences(of: from, with: to)
                }
                try text.write(toFile: file, atomically: true, encoding: .utf8)
            }
        }
    }

    @Test func traceFeatures() throws {
        try run("trace_features")
    }

    @Test func sqliteBasic() throws {
        // The one expression MySQL spells differently: `||` is OR there, not concatenation.
        // And amounts are money: DECIMAL, as a MySQL schema would have them. As DOUBLE,
        // round(99.99 * 1.5, 2) is 149.98 in MariaDB (the double just below 149.985) but
        // 149.99 in SQLite, whose round() works on the decimal text.
        try run(
            "sqlite_basic",
            rewrite: [("substr(sold_on, 1, 7) || ' / ' || city", "concat(substr(sold_on, 1, 7), ' / ', city)")],
            columnTypes: [("amount  REAL", "amount  DECIMAL(10,2)")])
    }
}
