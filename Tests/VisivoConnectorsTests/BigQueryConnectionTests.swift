import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoProject
@testable import VisivoSupport

/// The BigQuery connector against Tests/Fixtures/cloud/fake_bigquery.py, a local server
/// speaking the REST API v2 and the OAuth2 JWT-bearer token grant (started per test).
@Suite struct BigQueryConnectionTests {
    typealias Sink = PostgreSQLConnectionTests.CollectingSink

    static let clientEmail = "visivo-test@visivo-test.iam.gserviceaccount.com"

    static func server(key: TestKeys.Pair) throws -> FakeCloudServer {
        try FakeCloudServer("fake_bigquery.py", ["--public-key", key.publicPath, "--client-email", clientEmail])
    }

    /// A service-account key file's JSON whose token_uri is `tokenURI`.
    static func keyJSON(_ key: TestKeys.Pair, tokenURI: String, type: String = "service_account") -> String {
        JSONValue.object([
            ("type", .string(type)), ("project_id", .string("visivo-test")), ("private_key_id", .string("test-key-id-1")),
            ("private_key", .string(key.privatePEM)), ("client_email", .string(clientEmail)), ("client_id", .string("1234")),
            ("auth_uri", .string("https://accounts.google.com/o/oauth2/auth")), ("token_uri", .string(tokenURI)),
        ]).serialized
    }

    static func source(credentials: String?, project: String? = nil, dataset: String = "analytics", location: String? = "EU") -> Source {
        var s = Source(
            name: "bq_test", type: .bigquery, database: dataset,
            location: SourceLocation(file: "test.visivo.yml", line: 1, column: 1))
        s.project = project
        s.credentialsBase64 = credentials
        s.dataLocation = location
        return s
    }

    static func connect(
        _ server: FakeCloudServer, key: TestKeys.Pair, source: Source? = nil,
        environment: [String: String] = [:]
    ) throws -> BigQueryConnection {
        let credentials = Data(keyJSON(key, tokenURI: server.baseURL + "/token").utf8).base64EncodedString()
        var env = environment
        env[BigQueryConnection.urlVariable] = server.baseURL
        let conn = try BigQueryConnection(
            source: source ?? Self.source(credentials: credentials), projectDirectory: "/",
            environment: env, retry: quickRetry)
        conn.firstWaitMilliseconds = 200
        conn.pollWaitMilliseconds = 300
        return conn
    }

    static func query(_ conn: BigQueryConnection, _ sql: String) throws -> Sink {
        var sink = Sink()
        try conn.run(sql, into: &sink)
        return sink
    }

    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    // MARK: - Tokens and results

    @Test func everyTypeAndNulls() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        let r = try Self.query(conn, "select * from visivo_types")
        #expect(r.names == ["id", "num", "big", "fl", "ok", "s", "by", "d", "dt", "t", "ts", "j", "g", "arr", "rec", "recs"])
        #expect(r.rows.count == 3)
        guard r.rows.count == 3 else { return }
        #expect(
            r.rows[0] == [
                .number("1"), .number("12345678901234567890.123456789"),
                .number("123456789012345678901234567890.12345678901234567890123456789012345678"), .number("0.1"), .bool(true),
                .string("héllo \"q\" 日本"), .string("SGVsbG8="), .string("2024-01-03"), .string("2024-01-03T08:15:00"),
                .string("08:15:00.25"), .string("2024-01-03T08:15:00.25Z"), try Self.json(#"{"a":1,"b":[1.50,"x"]}"#),
                .string("POINT(1 2)"), try Self.json("[1,2]"), try Self.json(#"{"a":7,"b":"x"}"#),
                try Self.json(#"[{"x":1.5},{"x":null}]"#),
            ])
        #expect(r.rows[1] == [.number("2")] + Array(repeating: JSONValue.null, count: 12) + [.array([]), .null, .array([])])
        #expect(
            r.rows[2] == [
                .number("3"), .number("-0.5"), .number("0"), .null, .bool(false), .string(""), .string(""),
                .string("1969-12-31"), .string("1969-12-31T23:59:59.999999"), .string("23:59:59"),
                .string("1969-12-31T23:59:59.999999Z"), .null, .string("POINT(0 0)"),
                try Self.json("[-9223372036854775808]"), try Self.json(#"{"a":null,"b":null}"#), .array([]),
            ])
        #expect(
            try server.log("query_options") == [
                try Self.json(
                    """
                    {"defaultDataset":{"projectId":"visivo-test","datasetId":"analytics"},"location":"EU","maxResults":10000,\
                    "timeoutMs":200,"formatOptions":{"useInt64Timestamp":true}}
                    """)
            ])
        #expect(try server.count("tokens_issued") == 1)
        #expect(try server.log("token_errors").isEmpty)
    }

    @Test func pagesAndOneTokenForEveryConnection() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        let r = try Self.query(conn, "select * from visivo_many")
        #expect(r.columnCalls == 1)
        #expect(r.names == ["n", "label", "half"])
        #expect(r.rows.count == 2500)
        #expect(r.rows.enumerated().allSatisfy { $0.element.first == .number(String($0.offset + 1)) })
        #expect(r.rows.last == [.number("2500"), .string("row 2500"), .number("1250.0")])
        #expect(try server.count("page_requests") == 2)
        // A second connection to the same source reuses the cached access token.
        let other = try Self.connect(server, key: key)
        #expect(
            try Self.query(other, "select region, sum(qty) as q from orders group by region order by region").rows == [
                [.string("east"), .number("4")], [.string("north"), .number("4")], [.string("west"), .number("2")],
            ])
        #expect(try server.count("token_requests") == 1)
    }

    @Test func runningJobIsPolled() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        #expect(try Self.query(conn, "/* wait:1.2 */ select 1 as one").rows == [[.number("1")]])
        #expect(try server.count("result_requests") >= 2)
    }

    @Test func sqlErrorsCarryReasonAndMessage() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        var sink = Sink()
        let missing = #expect(throws: ConnectorError.self) { try conn.run("select * from nope", into: &sink) }
        #expect(missing?.code == "notFound")
        #expect(missing?.message == "Not found: Table visivo-test:analytics.nope was not found in location US")
        #expect(missing?.cancelled == false)
        let syntax = #expect(throws: ConnectorError.self) { try conn.run("selec 1", into: &sink) }
        #expect(syntax?.code == "invalidQuery")
        #expect(syntax?.description.hasPrefix("[invalidQuery] Syntax error: ") == true)
        // A job that fails after it was polled.
        let late = #expect(throws: ConnectorError.self) { try conn.run("/* wait:0.5 */ select * from nope", into: &sink) }
        #expect(late?.code == "notFound")
        #expect(try Self.query(conn, "select 2 as two").rows == [[.number("2")]])
    }

    // MARK: - Tokens, retries, cancelling

    @Test func refusedTokenIsReplaced() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        #expect(try Self.query(conn, "select 1 as one").rows == [[.number("1")]])
        try server.configure(.object([("revoke_now", .bool(true))]))
        #expect(try Self.query(conn, "select 2 as two").rows == [[.number("2")]])
        #expect(try server.count("unauthorized") == 1)
        #expect(try server.count("tokens_issued") == 2)
    }

    @Test func tooManyRequestsThenSuccess() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        try server.fault("/bigquery/v2/projects/visivo-test/queries", status: 429, times: 2, retryAfter: "0")
        #expect(try Self.query(conn, "select 5 as five").rows == [[.number("5")]])
        #expect(try server.log("faults_served").count == 2)
        #expect(try server.count("queries") == 1)
        try server.fault("/token", status: 503, times: 1)
        try server.configure(.object([("revoke_now", .bool(true))]))
        #expect(try Self.query(conn, "select 6 as six").rows == [[.number("6")]])
    }

    /// python-bigquery retries by reason, whatever the status: a 403 rateLimitExceeded too.
    @Test(arguments: ["rateLimitExceeded", "backendError", "internalError", "badGateway"]) func retryableReasonsAreRetried(_ reason: String) throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        let body = #"{"error": {"code": 403, "message": "Exceeded rate limits", "errors": [{"reason": "\#(reason)", "message": "slow down"}]}}"#
        try server.fault("/bigquery/v2/projects/visivo-test/queries", status: 403, times: 1, body: body)
        #expect(try Self.query(conn, "select 5 as five").rows == [[.number("5")]])
        #expect(try server.log("faults_served").count == 1)
        #expect(try server.count("queries") == 1)
    }

    @Test func otherForbiddenAnswersFailAtOnce() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        let body = #"{"error": {"code": 403, "message": "Access Denied: Table x", "errors": [{"reason": "accessDenied"}]}}"#
        try server.fault("/bigquery/v2/projects/visivo-test/queries", status: 403, times: 5, body: body)
        var sink = Sink()
        let error = #expect(throws: ConnectorError.self) { try conn.run("select 1", into: &sink) }
        #expect(error?.code == "accessDenied")
        #expect(try server.log("faults_served").count == 1)
    }

    @Test func aDroppedConnectionOnJobsQueryIsRetriedAtOnce() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        try server.dropConnection("/bigquery/v2/projects/visivo-test/queries")
        let started = ContinuousClock.now
        #expect(try Self.query(conn, "select 5 as five").rows == [[.number("5")]])
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try server.log("faults_served").count == 1)
    }

    @Test func anEmptyFirstPageWithAPageTokenIsFollowed() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        try server.configure(.object([("empty_first_page", .bool(true))]))
        let r = try Self.query(conn, "select region from orders order by id")
        #expect(r.rows == [[.string("east")], [.string("west")], [.string("east")], [.string("north")]])
        #expect(try server.count("page_requests") == 1)
    }

    /// The job is still running at the first answer (jobComplete false), then fails: the
    /// error is the job's, not a timeout or "no rows".
    @Test func aJobThatFailsAfterRunningReportsItsError() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        var sink = Sink()
        let error = #expect(throws: ConnectorError.self) { try conn.run("select * from no_such_table /* wait:0.5 */", into: &sink) }
        #expect(error?.message.contains("no_such_table") == true, "\(String(describing: error))")
        #expect(try server.count("result_requests") >= 1)
    }

    @Test func cancelStopsTheJob() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let conn = try Self.connect(server, key: key)
        var sink = Sink()
        let (error, elapsed) = runCancelling({ conn.cancel() }, after: 0.5) {
            try conn.run("/* wait:30 */ select 1 as one", into: &sink)
        }
        let e = error as? ConnectorError
        #expect(e?.cancelled == true)
        #expect(elapsed < .seconds(5), "cancel took \(elapsed)")
        let cancels = try server.log("cancels")
        #expect(cancels.count == 1)
        #expect(cancels.first?.stringValue?.hasPrefix("job_") == true)
        // A cancel stays: the connection's later queries are cancelled too.
        #expect { _ = try Self.query(conn, "select 3 as three") } throws: { ($0 as? ConnectorError)?.cancelled == true }
    }

    // MARK: - Credentials

    @Test func wrongKeyIsRefusedByTheTokenEndpoint() throws {
        let key = try TestKeys.pair("bigquery")
        let other = try TestKeys.pair("bigquery-other")
        let server = try Self.server(key: key)
        let error = #expect(throws: ConnectorError.self) { _ = try Self.connect(server, key: other) }
        #expect(error?.code == "invalid_grant")
        #expect(error?.message == "could not get a Google access token: Invalid JWT Signature.")
        #expect(error?.description.contains("PRIVATE KEY") == false)
    }

    @Test func credentialSources() throws {
        let key = try TestKeys.pair("bigquery")
        let server = try Self.server(key: key)
        let json = Self.keyJSON(key, tokenURI: server.baseURL + "/token")
        try withTemporaryDirectory { dir in
            // GOOGLE_APPLICATION_CREDENTIALS, and `project` from the key.
            try write(["key.json": json], in: dir)
            let fromFile = try Self.connect(
                server, key: key, source: Self.source(credentials: nil, location: nil),
                environment: ["GOOGLE_APPLICATION_CREDENTIALS": dir + "/key.json"])
            #expect(fromFile.project == "visivo-test")
            #expect(try Self.query(fromFile, "select 1 as one").rows == [[.number("1")]])
        }
        // Raw JSON is accepted in credentials_base64 too; `project.dataset` names another project.
        let raw = try Self.connect(server, key: key, source: Self.source(credentials: json, project: "visivo-test", dataset: "shared.analytics"))
        #expect(raw.datasetProject == "shared" && raw.dataset == "analytics")

        // The token URL override: the assertion's audience stays the key's token_uri.
        try server.configure(.object([("audience", .string("https://oauth2.googleapis.com/token"))]))
        let googleKey = Data(Self.keyJSON(key, tokenURI: "https://oauth2.googleapis.com/token").utf8).base64EncodedString()
        let overridden = try Self.connect(
            server, key: key, source: Self.source(credentials: googleKey),
            environment: ["VISIVO_GOOGLE_TOKEN_URL": server.baseURL + "/token"])
        #expect(try Self.query(overridden, "select 4 as four").rows == [[.number("4")]])

        let user = Data(Self.keyJSON(key, tokenURI: "x", type: "authorized_user").utf8).base64EncodedString()
        let wrongType = #expect(throws: ConnectorError.self) { _ = try Self.connect(server, key: key, source: Self.source(credentials: user)) }
        #expect(wrongType?.message.contains("needs a service-account key") == true)
        let none = #expect(throws: ConnectorError.self) { _ = try Self.connect(server, key: key, source: Self.source(credentials: nil)) }
        #expect(
            none?.message
                == "a bigquery source needs 'credentials_base64' or the environment variable GOOGLE_APPLICATION_CREDENTIALS (a service-account key file)")
        let garbage = #expect(throws: ConnectorError.self) { _ = try Self.connect(server, key: key, source: Self.source(credentials: "%%%")) }
        #expect(garbage?.message == "BigQuery credentials: 'credentials_base64' is not base64")
    }

    @Test func valueEncoding() {
        typealias V = BigQueryValues
        #expect(V.scalar("1.70426970025E9", "TIMESTAMP") == .string("2024-01-03T08:15:00.25Z"))
        #expect(V.scalar("1.7043E9", "TIMESTAMP") == .string("2024-01-03T16:40:00Z"))
        #expect(V.scalar("1704269700000000", "TIMESTAMP") == .string("2024-01-03T08:15:00Z"))
        #expect(V.scalar("-Infinity", "FLOAT64") == .null)
        #expect(V.scalar("1e+300", "FLOAT") == .number("1e+300"))
        #expect(V.scalar("2024-01-03 08:15:00.000001", "DATETIME") == .string("2024-01-03T08:15:00.000001"))
        #expect(V.scalar("[1, 2.50]", "JSON") == .array([.number("1"), .number("2.50")]))
        #expect(V.scalar("P1Y", "INTERVAL") == .string("P1Y"))
        // RANGE bounds come as their element type does: TIMESTAMP as int64 microseconds.
        let ts = BigQueryField(name: "r", type: "RANGE", rangeElement: "TIMESTAMP")
        #expect(V.encode(.string("[1704269700000000, UNBOUNDED)"), ts) == .string("[2024-01-03T08:15:00Z, UNBOUNDED)"))
        #expect(V.encode(.string("[UNBOUNDED, 1.7043E9)"), ts) == .string("[UNBOUNDED, 2024-01-03T16:40:00Z)"))
        let dt = BigQueryField(name: "r", type: "RANGE", rangeElement: "DATETIME")
        #expect(V.encode(.string("[2024-01-03 08:15:00, 2024-01-04 00:00:00)"), dt) == .string("[2024-01-03T08:15:00, 2024-01-04T00:00:00)"))
        let parsed = BigQueryField(try! JSONParser.parse(Array(#"{"name":"r","type":"RANGE","rangeElementType":{"type":"DATE"}}"#.utf8)))
        #expect(parsed.rangeElement == "DATE" && V.encode(.string("[2024-01-01, 2024-02-01)"), parsed) == .string("[2024-01-01, 2024-02-01)"))
    }
}
