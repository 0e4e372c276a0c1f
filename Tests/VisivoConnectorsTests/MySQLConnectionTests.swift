import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoProject
@testable import VisivoSupport

/// These tests need the throwaway MariaDB server: `scripts/mariadb-test-server.sh start`
/// (settings from VISIVO_TEST_MYSQL_HOST/PORT/USER/PASSWORD/DB; defaults match the script).
/// They fail, never skip, when it is not reachable.
@Suite struct MySQLConnectionTests {
    typealias CollectingSink = PostgreSQLConnectionTests.CollectingSink

    typealias Settings = TestServerSettings<MariaDBTestServer>
    typealias ServerUnavailable = TestServerUnavailable<MariaDBTestServer>

    static func source(database: String? = nil, password: String? = nil) -> Source {
        let s = Settings.current
        var source = Source(
            name: "mysql_test", type: .mysql, database: database ?? s.database,
            location: SourceLocation(file: "test.visivo.yml", line: 1, column: 1))
        source.host = s.host
        source.port = s.port
        source.username = s.user
        source.password = password ?? s.password
        return source
    }

    /// Connects with the test settings; a failure becomes a clear "start the server" error.
    static func connect(database: String? = nil) throws -> MySQLConnection {
        do {
            return try MySQLConnection(source: source(database: database), projectDirectory: "/")
        } catch let error as ConnectorError {
            throw ServerUnavailable(settings: .current, underlying: error)
        }
    }

    static func query(_ c: MySQLConnection, _ sql: String) throws -> CollectingSink { try PostgreSQLConnectionTests.query(c, sql) }
    static func exec(_ c: MySQLConnection, _ sql: String) throws { _ = try query(c, sql) }

    /// A table name no parallel test uses.
    static func uniqueName(_ prefix: String = "t") -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    // MARK: - Values

    @Test func everyValueTypeIncludingNulls() throws {
        let c = try Self.connect()
        let t = Self.uniqueName()
        try Self.exec(
            c,
            """
            create table \(t) (
              id int primary key, ti tinyint, flag tinyint(1), si smallint, mi mediumint, i int,
              bi bigint, ubi bigint unsigned, yr year, f float, d double, dec1 decimal(10,2),
              dec2 decimal(38,10), bits bit(10), dt date, tm time, dtm datetime, dtm3 datetime(3),
              ts timestamp null, vc varchar(20), tx text, js json, en enum('a','b'), st set('x','y'),
              bl blob, vb varbinary(8)
            )
            """)
        defer { try? Self.exec(c, "drop table \(t)") }
        try Self.exec(
            c,
            """
            insert into \(t) values (1, -128, 1, -32768, 8388607, -2147483648,
              -9223372036854775808, 18446744073709551615, 2024, 1.5, 0.1, 1.50,
              1234567890123456789012345678.0123456789, b'1000000001', '2024-01-03', '08:15:00',
              '2024-01-03 08:15:00', '2024-01-03 08:15:00.120', '2024-01-03 08:15:00',
              'abc', 'long text', '{"a": [1, 2.50]}', 'b', 'x,y', x'00ff10', x'cafe')
            """)
        try Self.exec(c, "insert into \(t) (id) values (2)")
        let r = try Self.query(c, "select * from \(t) order by id")
        #expect(
            r.names == [
                "id", "ti", "flag", "si", "mi", "i", "bi", "ubi", "yr", "f", "d", "dec1", "dec2", "bits",
                "dt", "tm", "dtm", "dtm3", "ts", "vc", "tx", "js", "en", "st", "bl", "vb",
            ])
        #expect(r.rows.count == 2)
        let expected: [JSONValue] = [
            .number("1"), .number("-128"), .number("1"), .number("-32768"), .number("8388607"), .number("-2147483648"),
            .number("-9223372036854775808"), .number("18446744073709551615"), .number("2024"), .number("1.5"), .number("0.1"),
            .number("1.50"), .number("1234567890123456789012345678.0123456789"), .number("513"),
            .string("2024-01-03"), .string("08:15:00"), .string("2024-01-03T08:15:00"), .string("2024-01-03T08:15:00.12"),
            .string("2024-01-03T08:15:00Z"), .string("abc"), .string("long text"), .string(#"{"a": [1, 2.50]}"#),
            .string("b"), .string("x,y"), .string("AP8Q"), .string("yv4="),
        ]
        #expect(r.rows.first == expected)
        #expect(r.rows.last == [.number("2")] + Array(repeating: JSONValue.null, count: 25))
    }

    @Test func zerofillAndYearZeroAreValidNumbers() throws {
        let c = try Self.connect()
        let t = Self.uniqueName()
        try Self.exec(c, "create table \(t) (a int(5) zerofill, b decimal(6,2) zerofill, y year)")
        defer { try? Self.exec(c, "drop table \(t)") }
        try Self.exec(c, "insert into \(t) values (42, 1.5, 0), (0, 0, 2024)")
        let r = try Self.query(c, "select * from \(t) order by y")
        #expect(r.rows == [[.number("42"), .number("1.50"), .number("0")], [.number("0"), .number("0.00"), .number("2024")]])
    }

    @Test func storedProcedureResultsAreReadToTheEnd() throws {
        let c = try Self.connect()
        let p = Self.uniqueName("p")
        try Self.exec(c, "create procedure \(p)() begin select 1 as a; select 2 as b; end")
        defer { try? Self.exec(c, "drop procedure \(p)") }
        #expect(try Self.query(c, "call \(p)()").rows == [[.number("1")]])
        // The results after the first were read and dropped: the session is in sync.
        #expect(try Self.query(c, "select 3 as c").rows == [[.number("3")]])
    }

    @Test func portOutOfRange() throws {
        var source = Self.source()
        source.port = 70000
        let error = #expect(throws: ConnectorError.self) { _ = try MySQLConnection(source: source, projectDirectory: "/") }
        #expect(error?.message == "port 70000 is not a TCP port (1-65535)")
    }

    @Test func timestampsAreUTCWhateverTheSessionWasGiven() throws {
        let c = try Self.connect()
        // A TIMESTAMP is an instant: written at +05:00, it reads back in UTC.
        let r = try Self.query(
            c,
            """
            select convert_tz('2024-01-03 13:15:00', '+05:00', '+00:00') as naive,
                   cast('2024-06-30 23:59:59.5' as datetime(1)) as frac,
                   @@session.time_zone as tz
            """)
        #expect(r.rows == [[.string("2024-01-03T08:15:00"), .string("2024-06-30T23:59:59.5"), .string("+00:00")]])
    }

    @Test func unicodeText() throws {
        let c = try Self.connect()
        let r = try Self.query(c, "select 'Zürich – 東京 🚀' as s, char_length('🚀') as n")
        #expect(r.rows == [[.string("Zürich – 東京 🚀"), .number("1")]])
    }

    @Test func emptyResultReportsColumns() throws {
        let c = try Self.connect()
        let r = try Self.query(c, "select 1 as a, 'x' as b from dual where 1 = 0")
        #expect(r.names == ["a", "b"])
        #expect(r.columnCalls == 1)
        #expect(r.rows.isEmpty)
    }

    @Test func manyRowsStream() throws {
        let c = try Self.connect()
        let r = try Self.query(c, "select seq as n from seq_1_to_50000")
        #expect(r.rows.count == 50000)
        #expect(r.rows.last == [.number("50000")])
    }

    // MARK: - Errors

    @Test func failingQueryCarriesTheServersCodeAndMessage() throws {
        let c = try Self.connect()
        var sink = CollectingSink()
        let error = #expect(throws: ConnectorError.self) {
            try c.run("select * from no_such_table_here", into: &sink)
        }
        #expect(error?.code == "1146")
        #expect(error?.message.contains("no_such_table_here") == true)
        #expect(error?.message.contains("doesn't exist") == true)
        #expect(error?.cancelled == false)
        // The session is still usable.
        #expect(try Self.query(c, "select 2 as two").rows == [[.number("2")]])
    }

    @Test func wrongPasswordNeverLeaksIt() throws {
        let secret = "wrong-Secret-\(UUID().uuidString.prefix(8))"
        let error = #expect(throws: ConnectorError.self) {
            _ = try MySQLConnection(source: Self.source(password: secret), projectDirectory: "/")
        }
        #expect(error?.code == "1045")
        #expect(error?.message.contains("Access denied") == true)
        #expect(error.map { "\($0)" }?.contains(secret) == false)
        #expect(error.map { "\($0)" }?.contains("Secret") == false)
    }

    @Test func unreachableServerSaysSo() throws {
        var source = Self.source()
        source.port = 1  // nothing listens on port 1
        let error = #expect(throws: ConnectorError.self) {
            _ = try MySQLConnection(source: source, projectDirectory: "/")
        }
        #expect(error?.code == "2002" || error?.code == "2003")
        #expect(error?.message.contains("127.0.0.1") == true)
    }

    @Test func requiredTLSAgainstAServerWithoutItFails() throws {
        var source = Self.source()
        source.sslmode = "require"
        let error = #expect(throws: ConnectorError.self) {
            _ = try MySQLConnection(source: source, projectDirectory: "/")
        }
        #expect(error?.code == "2026", "\(String(describing: error))")  // CR_SSL_CONNECTION_ERROR
        #expect(error?.message == "TLS is required (sslmode: require) but the server at 127.0.0.1:\(Settings.current.port) does not support it")
        source.sslmode = "sometimes"
        let bad = #expect(throws: ConnectorError.self) {
            _ = try MySQLConnection(source: source, projectDirectory: "/")
        }
        #expect(bad?.message == "unknown sslmode 'sometimes' (use disable, prefer, require, verify-ca or verify-full)")
    }

    // MARK: - Cancelling

    @Test func cancelFromAnotherThreadKillsTheQuery() throws {
        let c = try Self.connect()
        var sink = CollectingSink()
        // Cancelled again every 0.2 s until run returns, so a cancel that lands before the
        // query starts cannot make the test wait the full 10 s.
        let (error, elapsed) = runCancelling({ c.cancel() }, after: 0.2) {
            try c.run("select sleep(10) as s", into: &sink)
        }
        #expect(elapsed < .seconds(5), "cancel took \(elapsed)")
        // A killed SLEEP() returns 1 rather than failing; the connection reports the
        // statement as cancelled either way, which is what the build engine reads.
        #expect((error as? ConnectorError)?.cancelled == true, "\(String(describing: error))")
    }

    @Test func cancelWithoutASecondSessionCutsTheSocket() throws {
        // A user allowed one session: KILL QUERY cannot be sent, so cancel shuts the
        // session's socket down instead, and the query stops all the same.
        let admin = try Self.connect()
        let user = Self.uniqueName("u")
        try Self.exec(admin, "create user '\(user)'@'%' identified by 'pw-\(user)' with max_user_connections 1")
        defer { try? Self.exec(admin, "drop user '\(user)'@'%'") }
        try Self.exec(admin, "grant select on \(Settings.current.database).* to '\(user)'@'%'")
        var source = Self.source(password: "pw-\(user)")
        source.username = user
        let c = try MySQLConnection(source: source, projectDirectory: "/")
        var sink = CollectingSink()
        let (error, elapsed) = runCancelling({ c.cancel() }, after: 0.3) {
            try c.run("select sleep(10) as s", into: &sink)
        }
        #expect(elapsed < .seconds(5), "cancel took \(elapsed)")
        let e = error as? ConnectorError
        #expect(e?.cancelled == true, "\(String(describing: error))")
        #expect(e?.code == "2013" || e?.code == "2006", "\(String(describing: error))")
    }

    typealias SinkFailure = PostgreSQLConnectionTests.SinkFailure
    typealias ThrowingSink = PostgreSQLConnectionTests.ThrowingSink

    @Test func sinkErrorStopsTheQueryAndIsRethrown() throws {
        let c = try Self.connect()
        var sink = ThrowingSink()
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: SinkFailure()) {
            // Without KILL QUERY, freeing the result would read all 2000 rows: 100 s.
            try c.run("select seq, repeat('x', 10000) as pad, sleep(if(seq > 3, 0.05, 0)) as z from seq_1_to_2000", into: &sink)
        }
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(5), "sink failure took \(elapsed) to stop the query")
        #expect(sink.seen == 3)
        #expect(try Self.query(c, "select 3 as three").rows == [[.number("3")]])
    }
}
