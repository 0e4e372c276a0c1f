import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoProject
@testable import VisivoSupport

/// These tests need the throwaway server: `scripts/pg-test-server.sh start`
/// (settings from VISIVO_TEST_PG_HOST/PORT/USER/PASSWORD/DB; defaults match the script).
/// They fail, never skip, when it is not reachable.
@Suite struct PostgreSQLConnectionTests {
    // MARK: - Helpers

    typealias Settings = TestServerSettings<PostgreSQLTestServer>
    typealias ServerUnavailable = TestServerUnavailable<PostgreSQLTestServer>

    static func source(schema: String? = nil, password: String? = nil) -> Source {
        let s = Settings.current
        var source = Source(
            name: "pg_test", type: .postgresql, database: s.database,
            location: SourceLocation(file: "test.visivo.yml", line: 1, column: 1))
        source.host = s.host
        source.port = s.port
        source.username = s.user
        source.password = password ?? s.password
        source.dbSchema = schema
        return source
    }

    /// Connects with the test settings; a failure becomes a clear "start the server" error.
    static func connect(schema: String? = nil) throws -> PostgreSQLConnection {
        do {
            return try PostgreSQLConnection(source: source(schema: schema))
        } catch let error as ConnectorError {
            throw ServerUnavailable(settings: .current, underlying: error)
        }
    }

    static func uniqueSchema() -> String {
        "visivo_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    struct CollectingSink: RowSink {
        var names: [String]?
        var columnCalls = 0
        var rows: [[JSONValue]] = []
        mutating func columns(_ names: [String]) throws {
            columnCalls += 1
            self.names = names
        }
        mutating func row(_ values: [JSONValue]) throws { rows.append(values) }
    }

    struct SinkFailure: Error, Equatable {}

    struct ThrowingSink: RowSink {
        var seen = 0
        mutating func columns(_ names: [String]) throws {}
        mutating func row(_ values: [JSONValue]) throws {
            seen += 1
            if seen == 3 { throw SinkFailure() }
        }
    }

    /// Runs `sql` on any connection and keeps what it returned.
    static func query(_ conn: some Connection, _ sql: String) throws -> CollectingSink {
        var sink = CollectingSink()
        try conn.run(sql, into: &sink)
        return sink
    }

    static func exec(_ conn: some Connection, _ sql: String) throws { _ = try query(conn, sql) }

    /// Runs `body` with a fresh schema that is dropped afterwards.
    static func withSchema<T>(_ conn: PostgreSQLConnection, _ body: (String) throws -> T) throws -> T {
        let schema = uniqueSchema()
        try exec(conn, "create schema \(schema)")
        defer { try? exec(conn, "drop schema \(schema) cascade") }
        return try body(schema)
    }

    // MARK: - Values

    @Test func everyValueTypeIncludingNulls() throws {
        let conn = try Self.connect()
        try Self.withSchema(conn) { schema in
            try Self.exec(
                conn,
                """
                create table \(schema).vals (
                    id int primary key, i2 smallint, i4 integer, i8 bigint, o oid,
                    f4 real, f8 double precision, n numeric(10,2), nn numeric,
                    b bool, d date, ts timestamp, tsf timestamp(3), tz timestamptz,
                    t text, u uuid, j jsonb
                )
                """)
            try Self.exec(
                conn,
                """
                insert into \(schema).vals values
                  (1, 7, -42, 9007199254740993, 26,
                   1.1, 0.1, 1.50, 'NaN',
                   true, '2024-01-03', '2024-01-03 08:15:00', '2024-01-03 08:15:00.25',
                   '2024-01-03 10:15:00+02',
                   'héllo wörld — 日本語 🎉 "q"', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}'),
                  (2, null, null, null, null, null, null, null, null,
                   null, null, null, null, null, null, null, null)
                """)
            let r = try Self.query(conn, "select * from \(schema).vals order by id")
            #expect(r.columnCalls == 1)
            #expect(
                r.names == [
                    "id", "i2", "i4", "i8", "o", "f4", "f8", "n", "nn",
                    "b", "d", "ts", "tsf", "tz", "t", "u", "j",
                ])
            #expect(r.rows.count == 2)
            guard r.rows.count == 2 else { return }
            #expect(
                r.rows[0] == [
                    .number("1"), .number("7"), .number("-42"), .number("9007199254740993"), .number("26"),
                    .number("1.1"), .number("0.1"), .number("1.50"), .null,
                    .bool(true), .string("2024-01-03"), .string("2024-01-03T08:15:00"),
                    .string("2024-01-03T08:15:00.25"), .string("2024-01-03T08:15:00Z"),
                    .string("héllo wörld — 日本語 🎉 \"q\""),
                    .string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), .string("{\"a\": 1}"),
                ])
            #expect(r.rows[1] == [.number("2")] + Array(repeating: JSONValue.null, count: 16))
        }
    }

    @Test func integersStayExact() throws {
        let conn = try Self.connect()
        let r = try Self.query(
            conn,
            """
            select 9223372036854775807::bigint as big, (-9223372036854775807 - 1)::bigint as small,
                   9007199254740993::bigint as past53, 32767::smallint as s, 4294967295::oid as o
            """)
        #expect(
            r.rows == [
                [
                    .number("9223372036854775807"), .number("-9223372036854775808"),
                    .number("9007199254740993"), .number("32767"), .number("4294967295"),
                ]
            ])
    }

    @Test func floatsAndNumerics() throws {
        let conn = try Self.connect()
        let r = try Self.query(
            conn,
            """
            select 1.50::numeric as n, 0.000::numeric as z, -12345678901234567890.123456789::numeric as big,
                   'NaN'::numeric as nnan, 1e20::float8 as f, 'NaN'::float8 as fnan,
                   'Infinity'::float8 as finf, '-Infinity'::float4 as fninf, 0.1::float4 as f4,
                   3::float8 as three, (1/3.0)::float8 as third
            """)
        #expect(
            r.rows == [
                [
                    .number("1.50"), .number("0.000"), .number("-12345678901234567890.123456789"),
                    .null, .number("1e+20"), .null,
                    .null, .null, .number("0.1"),
                    .number("3.0"), .number("0.3333333333333333"),
                ]
            ])
    }

    @Test func booleansDatesAndTimestamps() throws {
        let conn = try Self.connect()
        let r = try Self.query(
            conn,
            """
            select true as t, false as f, date '1999-12-31' as d,
                   timestamp '2024-01-03 08:15:00' as ts, timestamp '2024-01-03 08:15:00.123456' as tsf,
                   timestamptz '2024-01-03 08:15:00-05:30' as tz, timestamptz '2024-07-01 00:00:00.5+00' as tzf,
                   'infinity'::timestamp as inf
            """)
        #expect(
            r.rows == [
                [
                    .bool(true), .bool(false), .string("1999-12-31"),
                    .string("2024-01-03T08:15:00"), .string("2024-01-03T08:15:00.123456"),
                    .string("2024-01-03T13:45:00Z"), .string("2024-07-01T00:00:00.5Z"),
                    .string("infinity"),
                ]
            ])
    }

    @Test func unicodeText() throws {
        let conn = try Self.connect()
        let r = try Self.query(conn, "select 'Zürich · 東京 · Ωmega · 🚀' as city, '' as empty")
        #expect(r.names == ["city", "empty"])
        #expect(r.rows == [[.string("Zürich · 東京 · Ωmega · 🚀"), .string("")]])
    }

    @Test func encodeWithoutServer() {
        typealias C = PostgreSQLConnection
        #expect(C.encode("123", type: 20) == .number("123"))
        #expect(C.encode("Infinity", type: 1700) == .null)
        #expect(C.encode("-Infinity", type: 1700) == .null)
        #expect(C.encode("-0.50", type: 1700) == .number("-0.50"))
        #expect(C.encode("f", type: 16) == .bool(false))
        #expect(C.encode("2024-01-03 08:15:00+05", type: 1184) == .string("2024-01-03T08:15:00+05:00"))
        #expect(C.encode("2024-01-03 08:15:00+05:30", type: 1184) == .string("2024-01-03T08:15:00+05:30"))
        #expect(C.encode("{1,2}", type: 1007) == .string("{1,2}"))
        #expect(C.scrub("bad pw s3cret! here s3cret!", password: "s3cret!") == "bad pw ********** here **********")
        #expect(C.escapeOptionValue("my schema") == "my\\ schema")
    }

    // MARK: - Result shapes and errors

    @Test func emptyResultReportsColumns() throws {
        let conn = try Self.connect()
        try Self.withSchema(conn) { schema in
            try Self.exec(conn, "create table \(schema).empty (a int, b text)")
            let r = try Self.query(conn, "select a, b from \(schema).empty")
            #expect(r.columnCalls == 1)
            #expect(r.names == ["a", "b"])
            #expect(r.rows.isEmpty)
        }
    }

    @Test func manyRowsStream() throws {
        let conn = try Self.connect()
        let r = try Self.query(conn, "select g as n, 'row ' || g as label from generate_series(1, 5000) g")
        #expect(r.columnCalls == 1)
        #expect(r.rows.count == 5000)
        #expect(r.rows.last == [.number("5000"), .string("row 5000")])
    }

    @Test func failingQueryReportsSQLState() throws {
        let conn = try Self.connect()
        var sink = CollectingSink()
        let error = #expect(throws: ConnectorError.self) {
            try conn.run("select * from visivo_no_such_table", into: &sink)
        }
        #expect(error?.code == "42P01")
        #expect(error?.message == "relation \"visivo_no_such_table\" does not exist")
        #expect(error?.cancelled == false)
        #expect(error?.source == "pg_test")
        // The connection is still usable afterwards.
        #expect(try Self.query(conn, "select 1 as one").rows == [[.number("1")]])
    }

    @Test func errorCarriesDetailAndHint() throws {
        let conn = try Self.connect()
        try Self.withSchema(conn) { schema in
            try Self.exec(conn, "create table \(schema).u (id int primary key)")
            try Self.exec(conn, "insert into \(schema).u values (1)")
            var sink = CollectingSink()
            let error = #expect(throws: ConnectorError.self) {
                try conn.run("insert into \(schema).u values (1)", into: &sink)
            }
            #expect(error?.code == "23505")
            #expect(error?.detail == "Key (id)=(1) already exists.")
            let hinted = #expect(throws: ConnectorError.self) {
                try conn.run("select nosuchfunction_visivo(1)", into: &sink)
            }
            #expect(hinted?.code == "42883")
            #expect(hinted?.hint?.isEmpty == false)
        }
    }

    @Test func wrongPasswordNeverLeaksIt() throws {
        _ = try Self.connect()  // the server itself must be up, or this test proves nothing
        let badPassword = "wrong-Pa55word-visivo-xyz"
        let error = #expect(throws: ConnectorError.self) {
            _ = try PostgreSQLConnection(source: Self.source(password: badPassword))
        }
        #expect(error?.message.contains("password authentication failed") == true)
        #expect(error?.description.contains(badPassword) == false)
        #expect(error?.message.contains(badPassword) == false)
        #expect(error?.detail?.contains(badPassword) != true)
        #expect(error?.hint?.contains(badPassword) != true)
    }

    @Test func dbSchemaSetsSearchPath() throws {
        let setup = try Self.connect()
        try Self.withSchema(setup) { schema in
            try Self.exec(setup, "create table \(schema).only_here (x int)")
            try Self.exec(setup, "insert into \(schema).only_here values (41), (42)")
            let conn = try Self.connect(schema: schema)
            #expect(try Self.query(conn, "select current_schema() as s").rows == [[.string(schema)]])
            #expect(
                try Self.query(conn, "select x from only_here order by x").rows
                    == [[.number("41")], [.number("42")]])
        }
    }

    @Test func sessionSettings() throws {
        let conn = try Self.connect()
        let r = try Self.query(
            conn,
            """
            select current_setting('TimeZone') as tz, current_setting('DateStyle') as ds,
                   current_setting('application_name') as app
            """)
        #expect(r.rows == [[.string("UTC"), .string("ISO, MDY"), .string("visivo")]])
    }

    @Test func severalStatementsStreamTheFirstResultSet() throws {
        let conn = try Self.connect()
        let r = try Self.query(conn, "set statement_timeout = '5s'; select 1 as a; select 2 as b, 3 as c")
        #expect(r.names == ["a"])
        #expect(r.rows == [[.number("1")]])
    }

    // MARK: - Cancelling

    final class Flag: @unchecked Sendable {  // guarded by lock
        private let lock = NSLock()
        private var value = false
        func set() { lock.lock(); value = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    }

    @Test func cancelFromAnotherThread() throws {
        let conn = try Self.connect()
        var sink = CollectingSink()
        // Cancelled again every 0.2 s until run returns, so a cancel that lands before the
        // query starts cannot make the test wait the full 10 s.
        let (caught, elapsed) = runCancelling({ conn.cancel() }, after: 0.2) {
            try conn.run("select pg_sleep(10)", into: &sink)
        }
        let error = caught as? ConnectorError
        #expect(elapsed < .seconds(5), "cancel took \(elapsed)")
        #expect(error?.cancelled == true)
        #expect(error?.code == "57014")
        Thread.sleep(forTimeInterval: 0.3)  // let the canceller thread finish
        #expect(try Self.query(conn, "select 2 as two").rows == [[.number("2")]])
    }

    @Test func sinkErrorCancelsAndIsRethrown() throws {
        let conn = try Self.connect()
        var sink = ThrowingSink()
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: SinkFailure()) {
            // Wide rows, so the server flushes each one at once (it buffers ~8 kB);
            // without the cancel this would run for 100 s.
            try conn.run(
                """
                select g, repeat('x', 10000) as pad, pg_sleep(case when g > 3 then 0.05 else 0 end)
                from generate_series(1, 2000) g
                """, into: &sink)
        }
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(5), "sink failure took \(elapsed) to stop the query")
        #expect(sink.seen == 3)
        #expect(try Self.query(conn, "select 3 as three").rows == [[.number("3")]])
    }

    @Test func brokenConnectionIsResetOnce() throws {
        let conn = try Self.connect()
        let pid = try Self.query(conn, "select pg_backend_pid() as pid").rows.first?.first
        let killer = try Self.connect()
        guard case .number(let p)? = pid else {
            Issue.record("no backend pid")
            return
        }
        _ = try Self.query(killer, "select pg_terminate_backend(\(p))")
        // The first query notices the lost connection; the next one runs on a reset connection.
        var sink = CollectingSink()
        do { try conn.run("select 1", into: &sink) } catch {}
        let r = try Self.query(conn, "select pg_backend_pid() as pid")
        #expect(r.rows.count == 1)
        #expect(r.rows.first?.first != pid)
    }
}
