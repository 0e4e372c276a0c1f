import Foundation
import Testing
import VisivoTestSupport

/// Whole builds on DuckDB sources, and the conformance cases run on DuckDB.
@Suite struct DuckDBBuildTests {
    typealias T = DuckDBTest

    @Test func projectWithADuckDBSourceBuildsDataJSON() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
            do {
                let db = try T.open(dir + "/data/shop.duckdb")
                try db.execute(
                    """
                    CREATE TABLE sales (id INTEGER, region VARCHAR, day DATE, seen_at TIMESTAMPTZ, amount DECIMAL(8,2), big HUGEINT, ok BOOLEAN, tags VARCHAR[]);
                    INSERT INTO sales VALUES
                      (1, 'north', '2024-01-03', '2024-01-03 08:15:00+00', 10.50, 170141183460469231731687303715884105727, true, ['a', 'b']),
                      (2, 'north', '2024-01-04', NULL, NULL, -1, false, []),
                      (3, NULL, '2024-01-05', '2024-01-05 00:00:00.5+00', 1.00, 0, NULL, NULL),
                      (4, 'süd', NULL, '2024-02-01 12:00:00+01', 2.25, 2, true, ['ü']);
                    """)
            }
            try write(
                [
                    "project.visivo.yml": """
                    name: duck project
                    sources:
                      - name: shop
                        type: duckdb
                        database: data/shop.duckdb
                    models:
                      - name: sales
                        source: ref(shop)
                        sql: select * from sales
                    traces:
                      - name: by region
                        model: ref(sales)
                        cohort_on: region
                        props:
                          type: bar
                          x: query(day)
                          y: query(amount)
                          text: query(seen_at)
                          customdata: query(big)
                          ids: query(ok)
                          hovertext: query(tags)
                        order_by:
                          - query(id asc)
                      - name: totals
                        model: ref(sales)
                        props:
                          type: indicator
                          value: query(sum(amount))
                    """
                ], in: dir)
            let (summary, reporter) = try build(dir, environment: T.environment())
            #expect(summary.failed == 0, "\(summary.failures) \(reporter.events.withLock { $0.compactMap(\.message) })")
            #expect(
                readText(dir + "/target/by region/data.json")
                    == #"{"north":{"props.customdata":[170141183460469231731687303715884105727,-1],"props.hovertext":[["a","b"],[]],"props.ids":[true,false],"props.text":["2024-01-03T08:15:00Z",null],"props.x":["2024-01-03","2024-01-04"],"props.y":[10.50,null]},"süd":{"props.customdata":[2],"props.hovertext":[["ü"]],"props.ids":[true],"props.text":["2024-02-01T11:00:00Z"],"props.x":[null],"props.y":[2.25]}}"#
            )
            #expect(readText(dir + "/target/totals/data.json") == #"{"totals":{"props.value":[13.75]}}"#)
            #expect(summary.built >= 2)
        }
    }

    /// Loads a conformance case's data.sql (SQLite DDL + INSERTs) into a DuckDB file in the
    /// case's folder and points the project's source at it. SQLite's REAL is an 8-byte
    /// float but DuckDB's REAL is a 4-byte FLOAT, so REAL columns become `real` (DOUBLE
    /// unless a case needs otherwise); everything else in data.sql is valid DuckDB.
    static func runConformance(_ name: String, real: String = "DOUBLE") throws {
        let sourceName = try conformanceSourceName(case: name)
        try runEngineConformance(
            case: name,
            sourceYAML: """
                  - name: \(sourceName)
                    type: duckdb
                    database: conformance.duckdb
                """,
            environment: T.environment()
        ) { dir in
            var sql = try String(contentsOfFile: dir + "/data.sql", encoding: .utf8)
            sql = sql.replacingOccurrences(of: #"\bREAL\b"#, with: real, options: .regularExpression)
            // The writable connection is closed before the build opens the file read-only.
            let db = try T.open(dir + "/conformance.duckdb")
            try db.execute(sql)
        }
    }

    @Test func conformanceTraceFeatures() throws {
        try Self.runConformance("trace_features")
    }

    @Test func conformanceSQLiteBasic() throws {
        // `round(coalesce(amount, 0) * 1.5, 2)` with amount 99.99: SQLite rounds the decimal
        // value (149.985 -> 149.99, as the reference expects) while a binary DOUBLE holds
        // 149.98499999999999 (-> 149.98 on DuckDB). The amounts have two decimals, so
        // DECIMAL(18,2) holds them exactly and DuckDB's round agrees with SQLite's.
        try Self.runConformance("sqlite_basic", real: "DECIMAL(18,2)")
    }
}
