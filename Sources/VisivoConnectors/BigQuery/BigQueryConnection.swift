import Foundation
import VisivoProject
import VisivoSupport

/// A BigQuery "connection": the REST API v2 with a service account's OAuth2 tokens.
/// A statement runs as `jobs.query`; when it is not done within the first short wait, or
/// its result has more pages, `jobs.getQueryResults` follows (`pageToken`). Cancelling
/// calls `jobs.cancel`.
///
/// `@unchecked Sendable`: the fields are constant except `cancellation`, which locks; the
/// `Connection` contract gives `run` to one thread at a time.
public final class BigQueryConnection: Connection, @unchecked Sendable {
    /// The environment variable whose value replaces `https://bigquery.googleapis.com`.
    static let urlVariable = "VISIVO_BIGQUERY_URL"
    static let defaultURL = "https://bigquery.googleapis.com"

    let sourceName: String
    /// The project jobs run in (billed), and the default dataset's project and name.
    let project: String
    let datasetProject: String?
    let dataset: String?
    let location: String?
    let baseURL: String
    let tokens: GoogleTokenSource
    let retry: RetryPolicy
    let http = HTTPClient.shared
    let cancellation = HTTPCancellation()
    /// Rows per page asked for (BigQuery also caps pages at about 10 MB).
    var pageSize = 10_000
    /// How long `jobs.query` waits for the job before answering (it cannot be interrupted,
    /// since the job's id is only known from its answer).
    var firstWaitMilliseconds = 2_000
    /// How long each `getQueryResults` call waits for a running job.
    var pollWaitMilliseconds = 10_000

    /// Reads the credentials and gets a first access token (blocking).
    init(source: Source, projectDirectory: String, environment: [String: String], retry: RetryPolicy) throws {
        sourceName = source.name
        self.retry = retry
        let account = try GoogleServiceAccount.load(source: source, environment: environment)
        func nonEmpty(_ s: String?) -> String? {
            guard let s = s?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
            return s
        }
        guard let project = nonEmpty(source.project) ?? nonEmpty(account.projectID) else {
            throw ConnectorError(source: source.name, message: "a bigquery source needs 'project' (the key names none)")
        }
        self.project = project
        // `database` is the default dataset: `dataset` or `project.dataset`.
        if let db = nonEmpty(source.database) {
            let parts = db.split(separator: ".", maxSplits: 1).map(String.init)
            datasetProject = parts.count == 2 ? parts[0] : project
            dataset = parts.last
        } else {
            datasetProject = nil
            dataset = nil
        }
        location = nonEmpty(source.dataLocation)

        var base = Self.defaultURL
        if let override = nonEmpty(environment[Self.urlVariable]) {
            base = override
        } else if let host = nonEmpty(source.host) {
            base = host.contains("://") ? host : "https://" + host + (source.port.map { ":\($0)" } ?? "")
        }
        while base.hasSuffix("/") { base.removeLast() }
        guard URL(string: base + "/bigquery/v2") != nil else {
            throw ConnectorError(source: source.name, message: "the BigQuery endpoint '\(base)' is not a valid URL")
        }
        baseURL = base
        tokens = GoogleTokenSource.shared(for: account, environment: environment)
        _ = try tokens.token(source: sourceName, retry: retry, cancellation: nil)
    }

    /// A job to page through or cancel.
    struct Job {
        var project: String
        var id: String
        var location: String?
    }

    // MARK: - Running statements

    /// Runs `sql` (GoogleSQL) and streams every page of its result into `sink`; parameters
    /// are named `@p1`... and sent as `queryParameters`.
    public func run<Sink: RowSink>(_ sql: String, parameters: [JSONValue], into sink: inout Sink) throws {
        // A cancel stays: it may come between the pool's checkout and this call, and a
        // pool's connections end with their (cancelled) build.
        if cancellation.isCancelled { throw cancelledError() }
        var job: Job?
        do {
            var page = try startQuery(sql, parameters: parameters)
            job = Self.job(in: page)
            if cancellation.isCancelled { throw cancelledError() }
            guard let running = job else {
                if page["jobComplete"] == .bool(false) { throw protocolError("a running job has no jobReference") }
                try emit(page, into: &sink, columnsSent: false)
                return
            }
            while page["jobComplete"] != .bool(true) {
                // Each call waits on the server for the job; an answer that does not say
                // whether the job is complete would make this loop spin.
                guard page["jobComplete"] == .bool(false) else { throw protocolError("the answer has no jobComplete") }
                page = try results(running, pageToken: nil)
            }
            var fields = try emit(page, into: &sink, columnsSent: false)
            while let token = page["pageToken"]?.stringValue, !token.isEmpty {
                page = try results(running, pageToken: token)
                fields = try emit(page, into: &sink, columnsSent: true, fields: fields)
            }
        } catch let error as ConnectorError where error.cancelled {
            if let job { cancel(job) }
            throw error
        }
    }

    /// Stops the running statement (safe from any thread): the request in flight is dropped
    /// and `run` calls `jobs.cancel` before it throws.
    public func cancel() {
        cancellation.cancel()
    }

    /// A named query parameter: numbers as INT64 or FLOAT64, booleans as BOOL, the rest as
    /// STRING; NULL as a STRING without a value.
    static func parameter(_ name: String, _ v: JSONValue) -> JSONValue {
        let type: String
        switch v {
        case .number(let t): type = Int64(t) != nil ? "INT64" : "FLOAT64"
        case .bool: type = "BOOL"
        default: type = "STRING"
        }
        let value: JSONValue = v == .null ? .object([JSONMember]()) : .object([("value", .string(v.text ?? ""))])
        return .object([("name", .string(name)), ("parameterType", .object([("type", .string(type))])), ("parameterValue", value)])
    }

    /// `jobs.query`.
    private func startQuery(_ sql: String, parameters: [JSONValue]) throws(ConnectorError) -> JSONValue {
        var body: [(String, JSONValue)] = [
            ("query", .string(sql)),
            ("useLegacySql", .bool(false)),
        ]
        if !parameters.isEmpty {
            body.append(("parameterMode", .string("NAMED")))
            body.append(("queryParameters", .array(parameters.enumerated().map { Self.parameter("p\($0.offset + 1)", $0.element) })))
        }
        if let dataset, let datasetProject {
            body.append(("defaultDataset", .object([("projectId", .string(datasetProject)), ("datasetId", .string(dataset))])))
        }
        if let location { body.append(("location", .string(location))) }
        body.append(("maxResults", .int(Int64(pageSize))))
        body.append(("timeoutMs", .int(Int64(firstWaitMilliseconds))))
        body.append(("formatOptions", .object([("useInt64Timestamp", .bool(true))])))
        body.append(("requestId", .string(UUID().uuidString.lowercased())))
        return try api(
            "POST", "/bigquery/v2/projects/\(HTTPClient.percentEncode(project))/queries", query: [],
            body: .object(body), interruptible: false, timeout: Double(firstWaitMilliseconds) / 1000 + 60)
    }

    /// `jobs.getQueryResults`: the next page, or (while the job runs) a wait for it.
    private func results(_ job: Job, pageToken: String?) throws(ConnectorError) -> JSONValue {
        let query: [(String, String?)] = [
            ("location", job.location), ("maxResults", String(pageSize)), ("pageToken", pageToken),
            ("timeoutMs", String(pollWaitMilliseconds)), ("formatOptions.useInt64Timestamp", "true"),
        ]
        return try api(
            "GET", "/bigquery/v2/projects/\(HTTPClient.percentEncode(job.project))/queries/\(HTTPClient.percentEncode(job.id))",
            query: query, body: nil, interruptible: true, timeout: Double(pollWaitMilliseconds) / 1000 + 60)
    }

    /// `jobs.cancel` (best effort; errors are ignored).
    private func cancel(_ job: Job) {
        guard let token = try? tokens.token(source: sourceName, retry: .brief, cancellation: nil),
            let url = HTTPClient.url(
                baseURL, "/bigquery/v2/projects/\(HTTPClient.percentEncode(job.project))/jobs/\(HTTPClient.percentEncode(job.id))/cancel",
                query: [("location", job.location)])
        else { return }
        let request = HTTPRequest(
            "POST", url, headers: [("Authorization", "Bearer " + token), ("Accept", "application/json")],
            body: Data(), timeout: 10)
        _ = try? http.send(request, retry: .brief)
    }

    /// Sends the schema's column names (once) and the page's rows; returns the schema.
    @discardableResult
    private func emit<Sink: RowSink>(
        _ page: JSONValue, into sink: inout Sink, columnsSent: Bool,
        fields known: [BigQueryField]? = nil
    ) throws -> [BigQueryField] {
        let fields = known ?? BigQueryField.list(page["schema"])
        if !columnsSent { try sink.columns(fields.map(\.name)) }
        guard case .array(let rows)? = page["rows"] else { return fields }
        for row in rows {
            guard let values = BigQueryValues.row(row, fields) else {
                throw protocolError("a row does not have \(fields.count) values")
            }
            try sink.row(values)
        }
        return fields
    }

    static func job(in page: JSONValue) -> Job? {
        guard let ref = page["jobReference"], let id = ref["jobId"]?.stringValue, !id.isEmpty else { return nil }
        return Job(project: ref["projectId"]?.stringValue ?? "", id: id, location: ref["location"]?.stringValue)
    }

    // MARK: - API calls

    /// One API call with a bearer token (retried on 429, 5xx, network errors and Google's
    /// retryable reasons; a token refused with 401 is replaced once): the JSON of a 2xx answer.
    private func api(
        _ method: String, _ path: String, query: [(String, String?)], body: JSONValue?,
        interruptible: Bool, timeout: Double
    ) throws(ConnectorError) -> JSONValue {
        guard let url = HTTPClient.url(baseURL, path, query: query) else {
            throw protocolError("cannot build the URL for \(path)")
        }
        var rejected: String?
        while true {
            let token = try tokens.token(source: sourceName, rejected: rejected, retry: retry, cancellation: cancellation)
            var headers: [(name: String, value: String)] = [("Authorization", "Bearer " + token), ("Accept", "application/json")]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let request = HTTPRequest(method, url, headers: headers, body: body.map(HTTPClient.jsonBody), timeout: timeout)
            let response: HTTPResponse
            do {
                response = try http.send(
                    request, retry: retry, cancellation: cancellation, interruptible: interruptible, shouldRetry: RetryPolicy.bigQueryRetries)
            } catch {
                if error == .cancelled { throw cancelledError() }
                throw ConnectorError(source: sourceName, message: "BigQuery request failed: \(error)")
            }
            if response.status == 401, rejected == nil {
                rejected = token
                continue
            }
            if (200..<300).contains(response.status) {
                do { return try response.json() } catch { throw protocolError("\(error)") }
            }
            throw apiError(response)
        }
    }

    /// Google's error object: `{"error": {"code", "message", "errors": [{"reason", ...}], "status"}}`
    /// as `[reason] message`.
    private func apiError(_ response: HTTPResponse) -> ConnectorError {
        guard let json = try? response.json(), let error = json["error"], let message = error["message"]?.stringValue else {
            return ConnectorError(source: sourceName, message: "BigQuery answered HTTP \(response.status)", detail: response.snippet)
        }
        var reason: String?
        if case .array(let errors)? = error["errors"] { reason = errors.first?["reason"]?.stringValue }
        let code = reason ?? error["status"]?.stringValue
        return ConnectorError(source: sourceName, message: message, code: code, cancelled: reason == "stopped")
    }

    private func protocolError(_ message: String) -> ConnectorError {
        ConnectorError(source: sourceName, message: "unexpected answer from BigQuery: " + message)
    }

    private func cancelledError() -> ConnectorError {
        ConnectorError(source: sourceName, message: "Job execution was cancelled: User requested cancellation", code: "stopped", cancelled: true)
    }
}
