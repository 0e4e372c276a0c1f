import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoLoading
@testable import VisivoProject
@testable import VisivoQuery

/// The compiled SQL of every conformance trace must be the reference's statement,
/// except the GROUP BY order (random in the reference) and the `-- source:` comment of
/// local-merge traces (the reference names the default source; ours names the merge
/// database the query really runs on).
@Suite struct TraceQueryTests {
    static let casesDirectory = repositoryRoot + "/Tests/Fixtures/conformance/cases"

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: casesDirectory)) ?? []).filter { !$0.hasPrefix("fail_") }.sorted()
    }

    /// Sorts the GROUP BY items, which the reference emits in random order.
    static func normalise(_ sql: String) -> String {
        guard let start = sql.range(of: "    GROUP BY\n"), let end = sql.range(of: "\n    \"cohort_on\"", range: start.upperBound..<sql.endIndex) else {
            return sql
        }
        let items = sql[start.upperBound..<end.lowerBound].split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: ",")).trimmingCharacters(in: .whitespaces)
        }
        return String(sql[..<start.upperBound]) + items.sorted().joined(separator: "|") + String(sql[end.lowerBound...])
    }

    @Test(arguments: cases)
    func compiledSQLMatchesReference(_ name: String) throws {
        let dir = Self.casesDirectory + "/" + name
        let compiled = CompiledProject(try load(dir, environment: ProcessInfo.processInfo.environment))
        let expectedDir = dir + "/expected"
        let files = try FileManager.default.contentsOfDirectory(atPath: expectedDir).filter { $0.hasSuffix(".query.sql") }
        #expect(!files.isEmpty)
        for file in files {
            let trace = String(file.dropLast(".query.sql".count))
            var expected = try String(contentsOfFile: expectedDir + "/" + file, encoding: .utf8)
            guard let q = compiled.queries[trace] else {
                Issue.record("trace \(trace) was not compiled")
                continue
            }
            if case .model(let m)? = compiled.targets[trace], case .localMerge? = compiled.project.model(named: m)?.kind {
                let comment = expected.range(of: "-- source: ", options: .backwards)!
                expected = String(expected[..<comment.upperBound]) + "model_\(m)_generated_source"
            }
            #expect(Self.normalise(q.sql) == Self.normalise(expected), "trace \(trace)")
        }
    }

    func compile(_ trace: String, dialect: Source.Kind = .sqlite) throws -> TraceQuery {
        try withTemporaryDirectory { dir in
            // A Snowflake source must say how to log in, even when nothing connects.
            let login = dialect == .snowflake ? ", account: a, username: u, password: p" : ""
            try write(
                [
                    "project.visivo.yml": """
                    sources: [{name: db, type: \(dialect.rawValue), database: x\(login)}]
                    defaults: {source_name: db}
                    models: [{name: m, sql: select * from t}]
                    traces:
                    \(trace)
                    """
                ], in: dir)
            let c = CompiledProject(try load(dir))
            return c.queries.values.first!
        }
    }

    @Test func havingConditionsJoinWithAnd() throws {
        let q = try compile("  - {name: t, model: ref(m), props: {x: query(a)}, filters: ['query(count(*) > 1)', 'query(sum(b) < 9)']}")
        #expect(q.sql.contains("        HAVING\n            count(*) > 1 AND \n            sum(b) < 9"))
    }

    @Test func groupByIsDeterministicAndSkipsAggregatesAndLiterals() throws {
        let q = try compile(
            "  - {name: t, model: ref(m), cohort_on: \"'x'\", props: {y: query(sum(v)), x: query(b), z: query(a), w: query(42)}, order_by: ['query(c desc)']}")
        // Select-item order (props sorted by key: w, x, y, z), then order_by, then cohort_on.
        #expect(q.sql.contains("    GROUP BY\n        b  , \n        a  , \n        c ,\n    \"cohort_on\""))
    }

    @Test func windowFiltersOnlyOnSnowflake() throws {
        let trace = "  - {name: t, model: ref(m), props: {x: query(a)}, filters: ['query(row_number() over (partition by a) = 1)']}"
        let sqlite = try compile(trace)
        #expect(!sqlite.sql.contains("QUALIFY"))
        #expect(sqlite.warnings == ["trace 't': window-function filters run only on snowflake sources; dropped: row_number() over (partition by a) = 1"])
        let snow = try compile(trace, dialect: .snowflake)
        #expect(snow.sql.contains("        QUALIFY\n            row_number() over (partition by a) = 1"))
    }

    @Test func columnRefsInOrderByAndFilters() throws {
        let q = try compile(
            "  - {name: t, model: ref(m), columns: {total: sum(v), flag: a > 1}, props: {x: column(total)}, order_by: ['column(total) desc'], filters: ['column(flag)']}"
        )
        #expect(q.sql.contains("    ORDER BY\n        sum(v) desc"))
        #expect(q.sql.contains("    WHERE\n        a > 1"))
        let inside = try compile("  - {name: t, model: ref(m), columns: {total: sum(v)}, props: {x: query(a)}, filters: ['query(column(total) > 2)']}")
        #expect(inside.sql.contains("        HAVING\n            (sum(v)) > 2"))
    }

    @Test func unknownColumnInsideAFilterIsReported() throws {
        let d = try diagnostics([
            "project.visivo.yml":
                "sources: [{name: db, type: sqlite, database: x}]\ndefaults: {source_name: db}\nmodels: [{name: m, sql: select 1}]\ntraces:\n  - name: t\n    model: ref(m)\n    filters: ['query(column(nope) > 1)']\n"
        ])
        #expect(d == ["project.visivo.yml:7:15: error: column(nope) in filters of trace 't' names no entry of its 'columns'"])
    }

    @Test func aggregateDetectionPerDialect() {
        #expect(SQLText.classify("string_agg(a, ',')", dialect: Dialect(.postgresql)) == .aggregate)
        #expect(SQLText.classify("string_agg(a, ',')", dialect: Dialect(.sqlite)) == .vanilla)
        #expect(SQLText.classify("GROUP_CONCAT(a)", dialect: Dialect(.sqlite)) == .aggregate)
        #expect(SQLText.classify("checksum(a)", dialect: Dialect(.sqlite)) == .vanilla)
        #expect(SQLText.classify("sum(a) over (order by b)", dialect: Dialect(.sqlite)) == .window)
        #expect(SQLText.classify("'sum(a)'", dialect: Dialect(.sqlite)) == .vanilla)
        #expect(SQLText.classify("listagg(a)", dialect: Dialect(.snowflake)) == .aggregate)
        // Comments hide what they hold, block comments too.
        #expect(SQLText.classify("a /* sum(b) */", dialect: Dialect(.sqlite)) == .vanilla)
        #expect(SQLText.classify("a -- sum(b)", dialect: Dialect(.sqlite)) == .vanilla)
        #expect(SQLText.classify("/* it's */ sum(b)", dialect: Dialect(.sqlite)) == .aggregate)
        #expect(SQLText.classify("std(a)", dialect: Dialect(.mysql)) == .aggregate)
    }

    @Test func bigQueryAliasesHaveNoDots() throws {
        let q = try compile("  - {name: t, model: ref(m), props: {marker: {color: query(a)}}}", dialect: .bigquery)
        #expect(q.sql.contains("a as `props|marker|color`,\n    `cohort_on`"))
        #expect(Dialect(.bigquery).key(fromColumn: "props|marker|color") == "props.marker.color")
    }
}
