import Foundation
import Synchronization
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoProject
@testable import VisivoQuery

/// End-to-end builds of a YAML project with a Snowflake and a BigQuery source, pointed at
/// the fake servers with `host:` and given their secrets through `env_var`.
@Suite struct SnowflakeBigQueryBuildTests {
    struct Servers {
        var snowflake: FakeCloudServer
        var bigquery: FakeCloudServer
        var environment: [String: String]
    }

    static func servers() throws -> Servers {
        let key = try TestKeys.pair("bigquery")
        let sf = try SnowflakeConnectionTests.server()
        let bq = try BigQueryConnectionTests.server(key: key)
        let credentials = Data(BigQueryConnectionTests.keyJSON(key, tokenURI: bq.baseURL + "/token").utf8).base64EncodedString()
        return Servers(
            snowflake: sf, bigquery: bq,
            environment: ["SF_PASSWORD": SnowflakeConnectionTests.password, "BQ_CREDENTIALS": credentials])
    }

    static func project(_ s: Servers, traces: String) -> String {
        """
        name: cloud build
        sources:
          - name: sf
            type: snowflake
            account: testacct
            username: visivo
            password: "{{ env_var('SF_PASSWORD') }}"
            warehouse: TEST_WH
            database: TESTDB
            db_schema: PUBLIC
            role: ANALYST
            host: \(s.snowflake.baseURL)
            connection_pool_size: 1
          - name: bq
            type: bigquery
            project: visivo-test
            database: analytics
            location: EU
            credentials_base64: "{{ env_var('BQ_CREDENTIALS') }}"
            host: \(s.bigquery.baseURL)
        traces:
        \(traces)
        """
    }

    static func trace(_ name: String, source: String, y: String, sql: String = "select id, region, amount, qty from orders") -> String {
        """
          - name: \(name)
            model:
              name: \(name)_model
              source: ref(\(source))
              sql: \(sql)
            props:
              type: bar
              x: query(region)
              y: query(\(y))
            order_by:
              - query(region asc)

        """
    }

    static func dataJSON(_ dir: String, _ trace: String) -> String? { readText(dir + "/target/" + trace + "/data.json") }

    /// Insights filtered by an input on both services: the SQL carries `:1` / `@p1`, the
    /// value travels as a binding (Snowflake) or a named query parameter (BigQuery).
    @Test func inputValuesTravelAsBindings() throws {
        let s = try Self.servers()
        var yaml = Self.project(s, traces: "  []")
        yaml += """

            models:
              - {name: sf_orders, source: "${ref(sf)}", sql: "select id, region, amount, qty from orders"}
              - {name: bq_orders, source: "${ref(bq)}", sql: "select id, region, amount, qty from orders"}
            inputs:
              - name: region
                type: single-select
                options: ['east', 'west', "o'hara"]
            insights:

            """
        for (name, model) in [("sf_by_id", "sf_orders"), ("bq_by_id", "bq_orders")] {
            yaml += """
                  - name: \(name)
                    props:
                      type: bar
                      x: ?{ ${ref(\(model)).id} }
                      y: ?{ ${ref(\(model)).amount} }
                    interactions:
                      - filter: ?{ ${ref(\(model)).region} = ${ref(region).value} }
                      - sort: ?{ ${ref(\(model)).id} ASC }

                """
        }
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": yaml], in: dir)
            let (summary, _) = try build(dir, environment: s.environment)
            #expect(summary.failed == 0, "\(summary.failures)")
            #expect(Self.dataJSON(dir, "sf_by_id") == #"{"sf_by_id":{"props.x":[1,3],"props.y":[10.5,5.0]}}"#)
            #expect(Self.dataJSON(dir, "bq_by_id") == #"{"bq_by_id":{"props.x":[1,3],"props.y":[10.5,5.0]}}"#)
            let sfSQL = try s.snowflake.log("sql").compactMap(\.stringValue).filter { $0.contains("sf_by_id") }
            #expect(sfSQL.count == 1 && sfSQL[0].contains("region = :1") && !sfSQL[0].contains("'east'"), "\(sfSQL)")
            #expect(try s.snowflake.log("bindings") == [.object([("1", .object([("type", .string("TEXT")), ("value", .string("east"))]))])])
            let bqSQL = try s.bigquery.log("sql").compactMap(\.stringValue).filter { $0.contains("bq_by_id") }
            #expect(bqSQL.count == 1 && bqSQL[0].contains("region = @p1") && !bqSQL[0].contains("'east'"), "\(bqSQL)")
            #expect(
                try s.bigquery.log("query_parameters") == [
                    .array([
                        .object([
                            ("name", .string("p1")), ("parameterType", .object([("type", .string("STRING"))])),
                            ("parameterValue", .object([("value", .string("east"))])),
                        ])
                    ])
                ])
        }
    }

    @Test func buildsThenReusesTheCache() throws {
        let s = try Self.servers()
        // Every Snowflake session token expires after one query: renewed mid-build.
        try s.snowflake.configure(.object([("session_query_limit", .int(1))]))
        let traces =
            Self.trace("sf_amounts", source: "sf", y: "sum(amount)")
            + Self.trace("sf_counts", source: "sf", y: "count(*)")
            + Self.trace("sf_max", source: "sf", y: "max(qty)")
            + Self.trace("bq_qty", source: "bq", y: "sum(qty)")
            + Self.trace("bq_amounts", source: "bq", y: "sum(amount)")
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": Self.project(s, traces: traces)], in: dir)
            let (first, r1) = try build(dir, environment: s.environment)
            #expect(first.failed == 0, "\(first.failures)")
            #expect(first.built == 5)
            #expect(r1.names(with: .built) == ["sf_amounts", "sf_counts", "sf_max", "bq_qty", "bq_amounts"])
            #expect(Self.dataJSON(dir, "sf_amounts") == #"{"sf_amounts":{"props.x":["east","north","west"],"props.y":[15.5,7.75,20.25]}}"#)
            #expect(Self.dataJSON(dir, "sf_counts") == #"{"sf_counts":{"props.x":["east","north","west"],"props.y":[2,1,1]}}"#)
            #expect(Self.dataJSON(dir, "sf_max") == #"{"sf_max":{"props.x":["east","north","west"],"props.y":[3,4,2]}}"#)
            #expect(Self.dataJSON(dir, "bq_qty") == #"{"bq_qty":{"props.x":["east","north","west"],"props.y":[4,4,2]}}"#)
            #expect(Self.dataJSON(dir, "bq_amounts") == #"{"bq_amounts":{"props.x":["east","north","west"],"props.y":[15.5,7.75,20.25]}}"#)
            #expect(try s.snowflake.count("queries") == 3)
            #expect(try s.snowflake.count("logins") == 1)  // pool size 1: one session, renewed
            #expect(try s.snowflake.count("renewals") == 2)
            #expect(try s.bigquery.count("queries") == 2)
            #expect(try s.bigquery.count("tokens_issued") == 1)
            // Passwords and keys stay out of project.json.
            let projectJSON = readText(dir + "/target/project.json") ?? ""
            #expect(!projectJSON.contains(SnowflakeConnectionTests.password))
            #expect(!projectJSON.contains(s.environment["BQ_CREDENTIALS"]!))

            let (second, r2) = try build(dir, environment: s.environment)
            #expect(second.failed == 0)
            #expect(second.built == 0)
            #expect(second.reused == 5)
            for name in ["sf_amounts", "sf_counts", "sf_max", "bq_qty", "bq_amounts"] {
                #expect(r2.status(of: name) == .reused, "\(name)")
            }
            #expect(try s.snowflake.count("queries") == 3, "an unchanged build queried Snowflake")
            #expect(try s.bigquery.count("queries") == 2, "an unchanged build queried BigQuery")
            #expect(try s.snowflake.count("logins") == 1)
        }
    }

    @Test func failuresNameTheSourceAndCode() throws {
        let s = try Self.servers()
        let traces =
            Self.trace("sf_bad", source: "sf", y: "sum(amount)", sql: "select * from nope")
            + Self.trace("bq_bad", source: "bq", y: "sum(amount)", sql: "select * from nope")
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": Self.project(s, traces: traces)], in: dir)
            let (summary, reporter) = try build(dir, environment: s.environment)
            #expect(summary.failed == 2)
            let sf = reporter.message(of: "sf_bad") ?? ""
            let bq = reporter.message(of: "bq_bad") ?? ""
            #expect(sf.contains("source 'sf'") && sf.contains("[002003] SQL compilation error:"), "\(sf)")
            #expect(bq.contains("source 'bq'") && bq.contains("[notFound] Not found: Table"), "\(bq)")
            #expect(!sf.contains(SnowflakeConnectionTests.password))
        }
    }

    @Test(.timeLimit(.minutes(1))) func ctrlCCancelsRunningCloudQueries() throws {
        let s = try Self.servers()
        let traces =
            Self.trace("sf_slow", source: "sf", y: "sum(amount)", sql: "select *, system$wait(30) as w from orders")
            + Self.trace("bq_slow", source: "bq", y: "sum(amount)", sql: "/* wait:30 */ select * from orders")
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": Self.project(s, traces: traces)], in: dir)
            let project = try load(dir, environment: s.environment)
            let engine = BuildEngine(CompiledProject(project), options: BuildOptions(projectDirectory: project.directory))
            let canceller = Thread {
                Thread.sleep(forTimeInterval: 1.0)
                engine.cancel()
            }
            let reporter = RecordingReporter()
            let clock = ContinuousClock()
            let start = clock.now
            canceller.start()
            let summary = try engine.run(reporter: reporter)
            let elapsed = clock.now - start
            #expect(summary.cancelled)
            #expect(elapsed < .seconds(10), "cancel took \(elapsed)")
            #expect(reporter.status(of: "sf_slow") == .cancelled)
            #expect(reporter.status(of: "bq_slow") == .cancelled)
            #expect(try s.snowflake.log("aborts").count == 1)
            #expect(try s.bigquery.log("cancels").count == 1)
        }
    }
}
