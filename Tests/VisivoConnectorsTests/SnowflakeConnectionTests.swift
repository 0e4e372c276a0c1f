import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoProject
@testable import VisivoSupport

/// The Snowflake connector against Tests/Fixtures/cloud/fake_snowflake.py, a local server
/// speaking the drivers' REST protocol (started per test on a loopback port).
@Suite struct SnowflakeConnectionTests {
    typealias Sink = PostgreSQLConnectionTests.CollectingSink

    static let password = "Sn0w-test-Pa55word!"

    static func server(publicKey: String? = nil) throws -> FakeCloudServer {
        var args = ["--password", password]
        if let publicKey { args += ["--public-key", publicKey] }
        return try FakeCloudServer("fake_snowflake.py", args)
    }

    static func source(password: String? = Self.password, keyPath: String? = nil, passphrase: String? = nil) -> Source {
        var s = Source(
            name: "sf_test", type: .snowflake, database: "TESTDB",
            location: SourceLocation(file: "test.visivo.yml", line: 1, column: 1))
        s.account = "testacct"
        s.username = "visivo"
        s.password = password
        s.warehouse = "TEST_WH"
        s.dbSchema = "PUBLIC"
        s.role = "ANALYST"
        s.privateKeyPath = keyPath
        s.privateKeyPassphrase = passphrase
        return s
    }

    static func connect(_ server: FakeCloudServer, _ source: Source = source()) throws -> SnowflakeConnection {
        try SnowflakeConnection(
            source: source, projectDirectory: "/", environment: [SnowflakeSettings.urlVariable: server.baseURL],
            retry: quickRetry)
    }

    static func query(_ conn: SnowflakeConnection, _ sql: String) throws -> Sink {
        var sink = Sink()
        try conn.run(sql, into: &sink)
        return sink
    }

    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    // MARK: - Login

    @Test func passwordLoginAndAQuery() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        let r = try Self.query(conn, "select region, sum(amount) as total, count(*) as n from orders group by region order by region")
        #expect(r.names == ["region", "total", "n"])
        #expect(
            r.rows == [
                [.string("east"), .number("15.5"), .number("2")],
                [.string("north"), .number("7.75"), .number("1")],
                [.string("west"), .number("20.25"), .number("1")],
            ])
        #expect(try server.log("login_methods") == [.string("password")])
        #expect(
            try server.log("login_params") == [
                try Self.json(
                    #"{"warehouse":"TEST_WH","databaseName":"TESTDB","schemaName":"PUBLIC","roleName":"ANALYST"}"#)
            ])
        #expect(try server.log("login_session_parameters").first?["PYTHON_CONNECTOR_QUERY_RESULT_FORMAT"] == .string("JSON"))
        // Statements keep one session and increasing sequence ids.
        _ = try Self.query(conn, "select 1 as one")
        #expect(try server.count("logins") == 1)
        #expect(try server.count("queries") == 2)
        #expect(try server.log("sequence_errors").isEmpty)
    }

    @Test func wrongPasswordShowsCodeAndNeverThePassword() throws {
        let server = try Self.server()
        let bad = "wrong-Pa55-\(UUID().uuidString)"
        let error = #expect(throws: ConnectorError.self) {
            _ = try Self.connect(server, Self.source(password: bad))
        }
        #expect(error?.code == "390100")
        #expect(error?.message == "login failed: Incorrect username or password was specified.")
        #expect(error?.description.contains(bad) == false)
        #expect(error?.source == "sf_test")
    }

    @Test func keyPairLoginSignsAJWTTheServerVerifies() throws {
        let key = try TestKeys.pair("snowflake")
        let server = try Self.server(publicKey: key.publicPath)
        let conn = try Self.connect(server, Self.source(password: nil, keyPath: key.privatePath))
        #expect(try Self.query(conn, "select 7 as seven").rows == [[.number("7")]])
        #expect(try server.log("login_methods") == [.string("jwt")])
        #expect(try server.log("jwt_errors").isEmpty)
    }

    @Test func encryptedKeyWithPassphrase() throws {
        let key = try TestKeys.pair("snowflake")
        let server = try Self.server(publicKey: key.publicPath)
        let path = try TestKeys.encrypted(key, passphrase: "k3y-pass", name: "sf-enc")
        let conn = try Self.connect(server, Self.source(password: nil, keyPath: path, passphrase: "k3y-pass"))
        #expect(try Self.query(conn, "select 8 as eight").rows == [[.number("8")]])
        let error = #expect(throws: ConnectorError.self) {
            _ = try Self.connect(server, Self.source(password: nil, keyPath: path, passphrase: "nope-pass"))
        }
        #expect(error?.message.contains("wrong 'private_key_passphrase'") == true)
        #expect(error?.description.contains("nope-pass") == false)
    }

    @Test func keyOfAnotherUserIsRejected() throws {
        let registered = try TestKeys.pair("snowflake")
        let other = try TestKeys.pair("snowflake-other")
        let server = try Self.server(publicKey: registered.publicPath)
        let error = #expect(throws: ConnectorError.self) {
            _ = try Self.connect(server, Self.source(password: nil, keyPath: other.privatePath))
        }
        #expect(error?.code == "390144")
        #expect(error?.message == "login failed: JWT token is invalid.")
        #expect(try server.log("jwt_errors") == [.string("signature does not verify")])
    }

    // MARK: - Values and results

    @Test func everyTypeAndNulls() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        let r = try Self.query(conn, "select * from visivo_types")
        #expect(r.names == ["ID", "AMOUNT", "BIG", "F", "T", "B", "D", "TM", "NTZ", "NTZ_MS", "LTZ", "TZ", "V", "O", "A", "BIN"])
        #expect(r.rows.count == 3)
        guard r.rows.count == 3 else { return }
        #expect(
            r.rows[0] == [
                .number("1"), .number("1.50"), .number("99999999999999999999999999999999999999"), .number("0.1"),
                .string("héllo wörld \"q\" 日本"), .bool(true), .string("2024-01-03"), .string("08:15:00"),
                .string("2024-01-03T08:15:00"), .string("2024-01-03T08:15:00.25"), .string("2024-01-03T08:15:00.123456789Z"),
                .string("2024-01-03T06:15:00Z"), try Self.json(#"{"a":1,"b":[1.50,"x"]}"#), try Self.json(#"{"k":null}"#),
                try Self.json("[1,2]"), .string("48656C6C6F"),
            ])
        #expect(r.rows[1] == [.number("2")] + Array(repeating: JSONValue.null, count: 15))
        #expect(
            r.rows[2] == [
                .number("3"), .number("-0.25"), .number("-12"), .number("1e+20"), .string(""), .bool(false),
                .string("1969-12-31"), .string("00:00:00"), .string("1969-12-31T23:59:58.5"), .string("1970-01-01T00:00:00"),
                .string("1970-01-01T00:00:00Z"), .string("1970-01-01T00:00:00Z"), .string("just a string"),
                .object([JSONMember]()), .array([]), .string(""),
            ])
    }

    /// INTERVAL values come as months or nanoseconds; they become Snowflake's own text.
    @Test func intervalValues() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        let r = try Self.query(conn, "select * from visivo_intervals")
        #expect(r.names == ["YM", "Y", "M", "DT"])
        #expect(
            r.rows == [
                [.string("+1-02"), .string("+2"), .string("+7"), .string("+1 02:03:04.000000005")],
                [.string("-1-02"), .string("-2"), .string("-7"), .string("-0 00:00:01.500000000")],
                [.null, .null, .null, .null],
                [.string("+0-00"), .string("+0"), .string("+0"), .string("+123456789 00:00:00")],
            ])
    }

    @Test func resultInChunksWithChunkHeaders() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        // One chunk download fails once with 503 and is retried.
        try server.fault("/chunks/", status: 503, times: 1)
        let r = try Self.query(conn, "select * from visivo_many")
        #expect(r.columnCalls == 1)
        #expect(r.names == ["N", "LABEL", "HALF"])
        #expect(r.rows.count == 2500)
        #expect(r.rows.enumerated().allSatisfy { $0.element.first == .number(String($0.offset + 1)) })
        #expect(r.rows[1499] == [.number("1500"), .string("row 1500"), .number("750.0")])
        #expect(try server.count("chunks_served") == 2)
        #expect(try server.log("chunk_header_errors").isEmpty)
    }

    @Test func expiredChunkURLReportsStorageError() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        try server.fault(
            "/chunks/", status: 403,
            body: """
                <?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message>\
                <X-Amz-Expires>21600</X-Amz-Expires><RequestId>R1</RequestId><HostId>host-id-sig</HostId></Error>
                """)
        var sink = Sink()
        let error = #expect(throws: ConnectorError.self) { try conn.run("select * from visivo_many", into: &sink) }
        #expect(error?.message == "downloading a result chunk failed: HTTP 403")
        #expect(error?.detail == "AccessDenied: Request has expired")
        #expect(sink.rows.count == 500)  // the inline rows were streamed first
    }

    @Test func resultInGzippedChunksWithQrmk() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        let r = try Self.query(conn, "select * from visivo_many_qrmk")
        #expect(r.rows.count == 2500)
        #expect(r.rows.last == [.number("2500"), .string("row 2500"), .number("1250.0")])
        #expect(try server.count("chunks_served") == 2)
    }

    @Test func sqlErrorCarriesCodeAndMessage() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        var sink = Sink()
        let error = #expect(throws: ConnectorError.self) {
            try conn.run("select * from nope", into: &sink)
        }
        #expect(error?.code == "002003")
        #expect(error?.message == "SQL compilation error:\nObject 'NOPE' does not exist or not authorized.")
        #expect(error?.detail?.hasPrefix("SQL state 42S02, query ID ") == true)
        #expect(error?.cancelled == false)
        #expect(try Self.query(conn, "select 1 as one").rows == [[.number("1")]])
    }

    @Test func secretsInServerMessagesAreMasked() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        var sink = Sink()
        let error = #expect(throws: ConnectorError.self) { try conn.run("select visivo_echo_secrets", into: &sink) }
        #expect(error?.code == "390999")
        #expect(error?.message == "token ********** for password ********** rejected")
    }

    @Test func runningQueryIsPolled() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        #expect(try Self.query(conn, "select answer from visivo_async").rows == [[.number("42")]])
        #expect(try server.count("polls") == 3)
    }

    @Test func arrowResultIsRefusedClearly() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        var sink = Sink()
        let error = #expect(throws: ConnectorError.self) { try conn.run("select * from visivo_arrow", into: &sink) }
        #expect(error?.message.contains("visivo reads only the JSON format") == true)
    }

    // MARK: - Sessions, retries, cancelling

    @Test func expiredSessionIsRenewed() throws {
        let server = try Self.server()
        try server.configure(.object([("session_query_limit", .int(1))]))
        let conn = try Self.connect(server)
        for n in 1...3 {
            #expect(try Self.query(conn, "select \(n) as n").rows == [[.number(String(n))]])
        }
        #expect(try server.count("renewals") == 2)
        #expect(try server.count("expired_answers") == 2)
        #expect(try server.count("logins") == 1)
        #expect(try server.count("queries") == 3)
    }

    @Test func tooManyRequestsThenSuccess() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        try server.fault("/queries/v1/query-request", status: 429, times: 2, retryAfter: "0")
        #expect(try Self.query(conn, "select 5 as five").rows == [[.number("5")]])
        #expect(try server.log("faults_served").count == 2)
        #expect(try server.count("queries") == 1)
    }

    /// The server reads the query and closes the connection without answering (as load
    /// balancers do): one quick retry with the same requestId, so the query runs once.
    @Test func aDroppedConnectionOnTheQueryIsRetriedAtOnce() throws {
        let server = try Self.server()
        // The standard policy: the cost is its first backoff (about 0.5 s), not a timeout.
        let conn = try SnowflakeConnection(
            source: Self.source(), projectDirectory: "/", environment: [SnowflakeSettings.urlVariable: server.baseURL], retry: .standard)
        try server.dropConnection("/queries/v1/query-request")
        let started = ContinuousClock.now
        #expect(try Self.query(conn, "select 5 as five").rows == [[.number("5")]])
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try server.log("faults_served").count == 1)
        #expect(try server.count("query_requests") == 1 && server.count("queries") == 1)
    }

    /// 307 and 308 keep the method and the body: the query arrives whole, not empty.
    @Test(arguments: [307, 308]) func aRedirectedQueryKeepsItsBody(_ status: Int) throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        try server.redirect("/queries/v1/query-request", status: status)
        #expect(try Self.query(conn, "select 5 as five").rows == [[.number("5")]])
        #expect(try server.count("redirected") == 1)
        #expect(try server.count("empty_sql") == 0)
    }

    @Test func aGzipChunkWithoutContentEncodingIsInflated() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        try server.configure(.object([("raw_gzip_chunks", .bool(true))]))
        let r = try Self.query(conn, "select * from visivo_many_qrmk")
        #expect(r.rows.count == 2500)
        #expect(try server.count("chunks_served") == 2)
    }

    @Test(arguments: [408, 501, 507]) func requestTimeoutAndEveryServerErrorAreRetried(_ status: Int) throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        try server.fault("/queries/v1/query-request", status: status, times: 1)
        #expect(try Self.query(conn, "select 5 as five").rows == [[.number("5")]])
        #expect(try server.log("faults_served").count == 1)
        #expect(try server.count("queries") == 1)
    }

    @Test func persistentServerErrorFailsWithTheStatus() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        try server.fault("/queries/v1/query-request", status: 502, times: 100)
        var sink = Sink()
        let error = #expect(throws: ConnectorError.self) { try conn.run("select 1", into: &sink) }
        #expect(error?.message.contains("HTTP 502") == true)
        #expect(try server.log("faults_served").count == quickRetry.maxAttempts)
    }

    @Test func cancelAbortsTheRunningQuery() throws {
        let server = try Self.server()
        let conn = try Self.connect(server)
        var sink = Sink()
        let (error, elapsed) = runCancelling({ conn.cancel() }) {
            try conn.run("select system$wait(20)", into: &sink)
        }
        let e = error as? ConnectorError
        #expect(e?.cancelled == true)
        #expect(e?.code == "000604")
        #expect(e?.message == "SQL execution canceled")
        #expect(elapsed < .seconds(5), "cancel took \(elapsed)")
        Thread.sleep(forTimeInterval: 0.4)  // the canceller stops; the server notices the abort
        #expect(try server.log("aborts").count == 1)
        #expect(try server.log("aborted_queries") == server.log("aborts"))
        // A cancel stays: the connection's later queries are cancelled too.
        #expect { _ = try Self.query(conn, "select 2 as two") } throws: { ($0 as? ConnectorError)?.cancelled == true }
    }

    // MARK: - Settings

    @Test func endpointAndAccountSettings() throws {
        func settings(account: String, host: String? = nil, port: Int? = nil, env: [String: String] = [:]) throws -> SnowflakeSettings {
            var s = Self.source()
            s.account = account
            s.host = host
            s.port = port
            return try SnowflakeSettings(source: s, projectDirectory: "/", environment: env)
        }
        let locator = try settings(account: "XY12345.us-east-1")
        #expect(locator.baseURL == "https://xy12345.us-east-1.snowflakecomputing.com")
        #expect(locator.accountName == "XY12345")
        let pasted = try settings(account: "https://myorg-acct.snowflakecomputing.com/")
        #expect(pasted.baseURL == "https://myorg-acct.snowflakecomputing.com")
        #expect(pasted.accountName == "myorg-acct")
        let global = try settings(account: "myacct-a1b2c3d4.global")
        #expect(global.accountName == "myacct" && global.baseURL == "https://myacct-a1b2c3d4.global.snowflakecomputing.com")
        #expect(try settings(account: "a", host: "proxy.internal", port: 8443).baseURL == "https://proxy.internal:8443")
        #expect(try settings(account: "a", host: "http://127.0.0.1:9/").baseURL == "http://127.0.0.1:9")
        #expect(try settings(account: "a", host: "proxy.internal", env: ["VISIVO_SNOWFLAKE_URL": "http://override:1"]).baseURL == "http://override:1")

        var none = Self.source(password: nil)
        none.privateKeyPath = nil
        let error = #expect(throws: ConnectorError.self) {
            _ = try SnowflakeSettings(source: none, projectDirectory: "/", environment: [:])
        }
        #expect(error?.message == "a snowflake source needs 'password' or 'private_key_path'")
        var noAccount = Self.source()
        noAccount.account = nil
        #expect(throws: ConnectorError.self) { _ = try SnowflakeSettings(source: noAccount, projectDirectory: "/", environment: [:]) }
    }

    @Test func valueEncoding() {
        typealias C = SnowflakeResult.Column
        #expect(SnowflakeValues.encode("0.50", C(name: "x", type: "FIXED", scale: 2)) == .number("0.50"))
        #expect(SnowflakeValues.encode("NaN", C(name: "x", type: "REAL", scale: 0)) == .null)
        #expect(SnowflakeValues.encode("inf", C(name: "x", type: "REAL", scale: 0)) == .null)
        #expect(SnowflakeValues.encode("TRUE", C(name: "x", type: "BOOLEAN", scale: 0)) == .bool(true))
        #expect(SnowflakeValues.encode("-719528", C(name: "x", type: "DATE", scale: 0)) == .string("0000-01-01"))
        #expect(SnowflakeValues.encode("951782400", C(name: "x", type: "TIMESTAMP_NTZ", scale: 0)) == .string("2000-02-29T00:00:00"))
        #expect(SnowflakeValues.encode("86399.999999999", C(name: "x", type: "TIME", scale: 9)) == .string("23:59:59.999999999"))
        #expect(SnowflakeValues.encode("1704269700.5 1440", C(name: "x", type: "TIMESTAMP_TZ", scale: 1)) == .string("2024-01-03T08:15:00.5Z"))
        #expect(SnowflakeValues.encode("not json", C(name: "x", type: "VARIANT", scale: 0)) == .string("not json"))
        #expect(SnowflakeValues.encode("POINT(1 2)", C(name: "x", type: "GEOGRAPHY", scale: 0)) == .string("POINT(1 2)"))
    }
}
