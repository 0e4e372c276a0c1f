import Foundation
import VisivoProject
import VisivoSupport

/// One Snowflake session over the REST protocol the official drivers speak
/// (snowflake-connector-python, gosnowflake): `session/v1/login-request`,
/// `queries/v1/query-request` (result in JSON row format, large results in chunks),
/// `session/token-request` to renew an expired session, `queries/v1/abort-request` to cancel.
///
/// `@unchecked Sendable`: the session state (tokens, statement sequence) is only used by
/// the one worker thread running `run` (the `Connection` contract). `cancel()`, from any
/// thread, only touches `cancellation`, which locks.
public final class SnowflakeConnection: Connection, @unchecked Sendable {
    /// Snowflake's response codes the client acts on.
    enum Code {
        static let queryInProgress = "333333"
        static let queryInProgressAsync = "333334"
        static let sessionExpired = "390112"
        static let cancelled = "000604"
    }

    let sourceName: String
    let settings: SnowflakeSettings
    let retry: RetryPolicy
    let http = HTTPClient.shared
    let cancellation = HTTPCancellation()
    private var sessionToken = ""
    private var masterToken = ""
    private var sequence: Int64 = 0

    /// Logs in (blocking).
    init(source: Source, projectDirectory: String, environment: [String: String], retry: RetryPolicy) throws {
        sourceName = source.name
        settings = try SnowflakeSettings(source: source, projectDirectory: projectDirectory, environment: environment)
        self.retry = retry
        try login()
    }

    deinit {
        // Best effort, not waited for: sessions also end on their own after a few hours idle.
        if !sessionToken.isEmpty,
            let url = HTTPClient.url(settings.baseURL, "/session", query: [("delete", "true"), ("request_guid", Self.newID())])
        {
            let request = HTTPRequest("POST", url, headers: headers(token: sessionToken), body: Data(), timeout: 5)
            let client = http
            Thread.detachNewThread { _ = try? client.send(request) }
        }
    }

    // MARK: - Running statements

    /// Runs `sql` and streams its rows (all chunks) into `sink`; parameters are `:1`... and
    /// go as the request's `bindings`, as the official drivers send them.
    public func run<Sink: RowSink>(_ sql: String, parameters: [JSONValue], into sink: inout Sink) throws {
        // A cancel stays: it may come between the pool's checkout and this call, and a
        // pool's connections end with their (cancelled) build.
        if cancellation.isCancelled { throw cancelledError() }
        let requestID = Self.newID()
        do {
            let data = try execute(sql, requestID: requestID, parameters: parameters)
            try SnowflakeResult(data: data, source: sourceName).stream(into: &sink, download: download)
        } catch let error as ConnectorError where error.cancelled {
            abort(requestID: requestID, sql: sql)
            throw error
        }
    }

    /// A binding as the drivers send one: a type and the value's text (NULL: no value).
    static func binding(_ v: JSONValue) -> JSONValue {
        let type: String
        switch v {
        case .number(let t): type = Int64(t) != nil ? "FIXED" : "REAL"
        case .bool: type = "BOOLEAN"
        default: type = "TEXT"
        }
        return .object([("type", .string(type)), ("value", v == .null ? .null : .string(v.text ?? ""))])
    }

    /// Asks the running statement to stop (safe from any thread): the request in flight is
    /// dropped, and `run` sends Snowflake an abort request before it throws.
    public func cancel() {
        cancellation.cancel()
    }

    /// Submits the statement and waits for its first result (the `data` object).
    func execute(_ sql: String, requestID: String, parameters: [JSONValue] = []) throws(ConnectorError) -> JSONValue {
        sequence += 1
        var members: [(String, JSONValue)] = [
            ("sqlText", .string(sql)),
            ("asyncExec", .bool(false)),
            ("sequenceId", .int(sequence)),
            ("querySubmissionTime", .int(Int64(Date().timeIntervalSince1970 * 1000))),
            ("isInternal", .bool(false)),
            ("describeOnly", .bool(false)),
            ("parameters", .object([JSONMember]())),
            ("queryContextDTO", .object([("entries", .array([]))])),
        ]
        if !parameters.isEmpty {
            members.append(("bindings", .object(parameters.enumerated().map { (String($0.offset + 1), Self.binding($0.element)) })))
        }
        let body = JSONValue.object(members)
        var response = try authorized(
            "POST", "/queries/v1/query-request",
            query: [("requestId", requestID), ("request_guid", Self.newID())], body: body)
        // Still running: poll the result URL (the server holds each poll for a while).
        var polls = 0
        while let code = response["code"]?.stringValue, code == Code.queryInProgress || code == Code.queryInProgressAsync {
            guard let path = response["data"]?["getResultUrl"]?.stringValue else {
                throw protocolError("a running query's response has no getResultUrl")
            }
            if polls > 0 {
                do { try cancellation.sleep(min(0.25 * Double(polls), 2)) } catch { throw cancelledError() }
            }
            polls += 1
            response = try authorized("GET", path, query: [("request_guid", Self.newID())], body: nil)
        }
        guard response["success"] == .bool(true) else { throw serverError(response) }
        guard let data = response["data"], case .object = data else { throw protocolError("the query response has no data") }
        return data
    }

    /// Downloads one result chunk (pre-signed URL, with the chunk headers).
    private func download(_ url: String, _ headers: [(name: String, value: String)]) throws(ConnectorError) -> Data {
        guard let u = URL(string: url) else { throw protocolError("a result chunk URL is not valid") }
        let response: HTTPResponse
        do {
            response = try http.send(
                HTTPRequest("GET", u, headers: headers, timeout: 120), retry: retry, cancellation: cancellation, shouldRetry: RetryPolicy.snowflakeRetries)
        } catch {
            throw failure(error, during: "downloading a result chunk")
        }
        guard response.status == 200 else {
            // Cloud storage answers with XML; its code and message are enough (the rest can
            // echo the pre-signed request).
            let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
            let parts = ["Code", "Message"].compactMap { Self.xmlElement($0, in: text) }
            throw ConnectorError(
                source: sourceName, message: "downloading a result chunk failed: HTTP \(response.status)",
                detail: parts.isEmpty ? nil : scrub(parts.joined(separator: ": ")))
        }
        return response.body
    }

    /// Tells Snowflake to stop the statement (best effort; errors are ignored).
    private func abort(requestID: String, sql: String) {
        guard
            let url = HTTPClient.url(
                settings.baseURL, "/queries/v1/abort-request",
                query: [("requestId", Self.newID()), ("request_guid", Self.newID())])
        else { return }
        let body: JSONValue = .object([("sqlText", .string(sql)), ("requestId", .string(requestID))])
        let request = HTTPRequest("POST", url, headers: headers(token: sessionToken), body: HTTPClient.jsonBody(body), timeout: 10)
        _ = try? http.send(request, retry: .brief)
    }

    // MARK: - Session

    /// `session/v1/login-request`: password or key-pair (SNOWFLAKE_JWT) authentication.
    private func login() throws(ConnectorError) {
        var data: [(String, JSONValue)] = [
            ("CLIENT_APP_ID", .string("visivo")),
            ("CLIENT_APP_VERSION", .string("0.1.0")),
            ("ACCOUNT_NAME", .string(settings.accountName)),
            ("LOGIN_NAME", .string(settings.user)),
        ]
        switch settings.auth {
        case .password(let password):
            data.append(("PASSWORD", .string(password)))
        case .keyPair(let key):
            do {
                let token = try SnowflakeSettings.loginJWT(account: settings.accountName, user: settings.user, key: key)
                data.append(("AUTHENTICATOR", .string("SNOWFLAKE_JWT")))
                data.append(("TOKEN", .string(token)))
            } catch {
                throw ConnectorError(source: sourceName, message: "could not sign the key-pair login token: \(error)")
            }
        }
        data.append(("CLIENT_ENVIRONMENT", .object([("APPLICATION", .string("visivo")), ("OS", .string(Self.osName))])))
        // JSON row format (the default for clients other than the official drivers; asked for anyway).
        data.append(
            (
                "SESSION_PARAMETERS",
                .object([
                    ("QUERY_RESULT_FORMAT", .string("JSON")),
                    ("PYTHON_CONNECTOR_QUERY_RESULT_FORMAT", .string("JSON")),
                    ("JDBC_QUERY_RESULT_FORMAT", .string("JSON")),
                ])
            ))
        let query: [(String, String?)] = [
            ("warehouse", settings.warehouse), ("databaseName", settings.database), ("schemaName", settings.schema),
            ("roleName", settings.role), ("requestId", Self.newID()), ("request_guid", Self.newID()),
        ]
        let response = try call(
            "POST", "/session/v1/login-request", query: query,
            body: .object([("data", .object(data))]), token: nil, what: "login", timeout: 60)
        guard response["success"] == .bool(true) else { throw serverError(response, prefix: "login failed: ") }
        guard let token = response["data"]?["token"]?.stringValue, !token.isEmpty else {
            throw protocolError("the login response has no session token")
        }
        sessionToken = token
        masterToken = response["data"]?["masterToken"]?.stringValue ?? ""
    }

    /// `session/token-request` (RENEW) with the master token; a new login when that fails.
    private func renewSession() throws(ConnectorError) {
        if !masterToken.isEmpty {
            let body: JSONValue = .object([("oldSessionToken", .string(sessionToken)), ("requestType", .string("RENEW"))])
            let response = try call(
                "POST", "/session/token-request",
                query: [("requestId", Self.newID()), ("request_guid", Self.newID())],
                body: body, token: masterToken, what: "session renewal", timeout: 60)
            if response["success"] == .bool(true), let token = response["data"]?["sessionToken"]?.stringValue, !token.isEmpty {
                sessionToken = token
                if let master = response["data"]?["masterToken"]?.stringValue, !master.isEmpty { masterToken = master }
                return
            }
        }
        try login()
    }

    /// A call with the session token; an expired session is renewed and the call repeated.
    private func authorized(_ method: String, _ path: String, query: [(String, String?)], body: JSONValue?) throws(ConnectorError) -> JSONValue {
        var renewals = 0
        while true {
            let response = try call(method, path, query: query, body: body, token: sessionToken, what: "query")
            if response["code"]?.stringValue == Code.sessionExpired, renewals < 2 {
                renewals += 1
                try renewSession()
                continue
            }
            return response
        }
    }

    /// One REST call (retried on 429, 5xx and network errors): the JSON of an HTTP 200 answer.
    private func call(
        _ method: String, _ path: String, query: [(String, String?)], body: JSONValue?,
        token: String?, what: String, timeout: Double = 300
    ) throws(ConnectorError) -> JSONValue {
        guard let url = HTTPClient.url(settings.baseURL, path, query: query) else {
            throw protocolError("cannot build the URL for \(path)")
        }
        let request = HTTPRequest(
            method, url, headers: headers(token: token),
            body: body.map(HTTPClient.jsonBody), timeout: timeout)
        do {
            let response = try http.send(request, retry: retry, cancellation: cancellation, shouldRetry: RetryPolicy.snowflakeRetries)
            if response.status == 200 { return try response.json() }
            // Some errors come as JSON with Snowflake's code and message.
            if let json = try? response.json(), json["message"]?.stringValue != nil {
                throw serverError(json, prefix: "\(what) failed (HTTP \(response.status)): ")
            }
            throw ConnectorError(
                source: sourceName, message: "\(what) failed: Snowflake answered HTTP \(response.status)",
                detail: response.snippet.map(scrub))
        } catch let error as ConnectorError {
            throw error
        } catch let error as HTTPFailure {
            throw failure(error, during: what)
        } catch {
            throw ConnectorError(source: sourceName, message: scrub("\(what) failed: \(error)"))
        }
    }

    private func headers(token: String?) -> [(name: String, value: String)] {
        var h: [(name: String, value: String)] = [("Accept", "application/snowflake"), ("Content-Type", "application/json")]
        if let token { h.append(("Authorization", "Snowflake Token=\"\(token)\"")) }
        return h
    }

    // MARK: - Errors

    /// Snowflake's error response as the user reads it: `[code] message`, with the SQL
    /// state and query ID as detail.
    private func serverError(_ response: JSONValue, prefix: String = "") -> ConnectorError {
        let data = response["data"]
        let code = response["code"]?.stringValue ?? data?["errorCode"]?.stringValue
        var details: [String] = []
        if let state = data?["sqlState"]?.stringValue, !state.isEmpty { details.append("SQL state \(state)") }
        if let id = data?["queryId"]?.stringValue, !id.isEmpty { details.append("query ID \(id)") }
        let message = response["message"]?.stringValue ?? "the request failed"
        return ConnectorError(
            source: sourceName, message: scrub(prefix + message), code: code,
            detail: details.isEmpty ? nil : details.joined(separator: ", "),
            cancelled: code == Code.cancelled)
    }

    private func protocolError(_ message: String) -> ConnectorError {
        ConnectorError(source: sourceName, message: "unexpected answer from Snowflake: " + message)
    }

    private func cancelledError() -> ConnectorError {
        ConnectorError(source: sourceName, message: "SQL execution canceled", code: Code.cancelled, cancelled: true)
    }

    private func failure(_ error: HTTPFailure, during what: String) -> ConnectorError {
        if error == .cancelled { return cancelledError() }
        return ConnectorError(source: sourceName, message: scrub("\(what) failed: \(error)"))
    }

    /// Passwords, passphrases and tokens never reach an error message.
    func scrub(_ text: String) -> String {
        SecretScrubber.scrub(text, secrets: settings.secrets + [sessionToken, masterToken])
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    /// The text of the first `<name>...</name>` in `xml`.
    static func xmlElement(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
            let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        let value = xml[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    #if os(Linux)
    static let osName = "Linux"
    #else
    static let osName = "Darwin"
    #endif
}
