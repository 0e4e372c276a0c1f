import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import VisivoSupport

/// One HTTP request of a cloud connector (Snowflake, BigQuery) or of the remote cache.
package struct HTTPRequest: Sendable {
    var method: String
    var url: URL
    var headers: [(name: String, value: String)] = []
    var body: Data?
    /// Seconds the whole request may take.
    var timeout: Double = 120
    /// A body longer than this is not read to its end (the request fails).
    var maxBodySize: Int?

    package init(
        _ method: String, _ url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil, timeout: Double = 120,
        maxBodySize: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxBodySize = maxBodySize
    }
}

/// A complete HTTP response: status, headers (names lower-cased) and the whole body.
package struct HTTPResponse: Sendable {
    package var status: Int
    var headers: [String: String]
    package var body: Data

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body parsed with the digit-keeping JSON parser.
    func json() throws(HTTPFailure) -> JSONValue {
        do {
            return try JSONParser.parse([UInt8](body))
        } catch {
            throw .invalidJSON(status: status)
        }
    }

    /// The start of the body as text, for error messages; nil when empty.
    var snippet: String? {
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// Why an HTTP call produced no response. Messages never hold a URL (Snowflake chunk
/// URLs are pre-signed) nor a header.
package enum HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case cancelled
    case timedOut
    /// Nothing listens at the address (host:port).
    case refused(String)
    case transport(String)
    /// A host name that does not resolve: retrying within the build will not change that.
    case unresolvedHost(String)
    case invalidJSON(status: Int)

    package var description: String {
        switch self {
        case .cancelled: return "the request was cancelled"
        case .refused(let host): return "could not connect to \(host)"
        case .timedOut: return "the request timed out"
        case .transport(let m): return m
        case .unresolvedHost(let host): return "could not resolve the host name \(host) (check the account or host name, and the network)"
        case .invalidJSON(let status): return "the server answered HTTP \(status) with a body that is not JSON"
        }
    }
}

/// How often and how patiently a call is retried after HTTP 429, 5xx or a network error.
struct RetryPolicy: Sendable {
    /// Attempts in all, the first one included.
    var maxAttempts: Int
    /// The first wait; each further wait doubles, up to `maxDelay`, with jitter.
    var baseDelay: Double
    var maxDelay: Double
    /// The longest `Retry-After` honoured.
    var maxRetryAfter: Double = 60

    /// 6 attempts: waits of about 0.5, 1, 2, 4 and 8 s (≈ 15 s in all).
    static let standard = RetryPolicy(maxAttempts: 6, baseDelay: 0.5, maxDelay: 8)
    /// For calls that must not linger (an abort sent while stopping).
    static let brief = RetryPolicy(maxAttempts: 2, baseDelay: 0.2, maxDelay: 0.2)

    /// 429 Too Many Requests, 500, 502, 503, 504.
    static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 500 || status == 502 || status == 503 || status == 504
    }

    /// Snowflake's drivers retry 408 Request Timeout, 429 and every 5xx.
    static func snowflakeRetries(_ response: HTTPResponse) -> Bool {
        response.status == 408 || response.status == 429 || (500..<600).contains(response.status)
    }

    /// python-bigquery retries by the reason in Google's error object, whatever the status
    /// (`rateLimitExceeded` comes with 403), besides 429 and 5xx.
    static let bigQueryRetryableReasons: Set<String> = ["rateLimitExceeded", "backendError", "internalError", "badGateway"]

    static func bigQueryRetries(_ response: HTTPResponse) -> Bool {
        if isRetryable(status: response.status) { return true }
        guard response.status >= 400, let json = try? response.json(), case .array(let errors)? = json["error"]?["errors"] else { return false }
        return errors.contains { $0["reason"]?.stringValue.map(bigQueryRetryableReasons.contains) == true }
    }

    /// The wait before attempt `attempt + 1` (attempts count from 1).
    func delay(after attempt: Int, retryAfter: String?) -> Double {
        if let text = retryAfter?.trimmingCharacters(in: .whitespaces), let seconds = Double(text), seconds >= 0 {
            return min(seconds, maxRetryAfter)
        }
        let exponential = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return exponential * Double.random(in: 0.75...1.0)
    }
}

/// A small synchronous HTTPS client on AsyncHTTPClient, for connectors whose `run` blocks
/// a worker thread: each call waits for the whole response. Shared by all connections.
/// Each request has a deadline that holds; nothing is re-sent behind the caller's back (a
/// dropped connection is an error the retry loop below answers); 307 and 308 redirects
/// keep the method and the body, as the services' own drivers do.
package final class HTTPClient: Sendable {
    static let shared = HTTPClient()
    /// For a cache server: no redirect is followed (one could take the credentials
    /// elsewhere) and bodies stay as sent.
    package static let verbatim = HTTPClient(followRedirects: false, decompress: false)

    private let client: AsyncHTTPClient.HTTPClient

    init(followRedirects: Bool = true, decompress: Bool = true) {
        var configuration = AsyncHTTPClient.HTTPClient.Configuration()
        // The Authorization header is dropped when a redirect leaves the origin.
        configuration.redirectConfiguration = followRedirects ? .follow(max: 5, allowCycles: false) : .disallow
        configuration.decompression = decompress ? .enabled(limit: .none) : .disabled
        configuration.timeout = .init(connect: .seconds(15))
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        // A failed connect is an error at once (the retry loop below decides), not retried
        // silently until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = AsyncHTTPClient.HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The `User-Agent` of every request.
    static let userAgent = "visivo/0.1.0"

    /// Sends `request` once and waits for the complete response (any status), at most
    /// `request.timeout` seconds.
    package func send(_ request: HTTPRequest) throws(HTTPFailure) -> HTTPResponse {
        try send(request, cancellation: nil)
    }

    func send(_ request: HTTPRequest, cancellation: HTTPCancellation?) throws(HTTPFailure) -> HTTPResponse {
        let host = (request.url.host ?? "the server") + (request.url.port.map { ":\($0)" } ?? "")
        var r: AsyncHTTPClient.HTTPClient.Request
        do {
            r = try AsyncHTTPClient.HTTPClient.Request(url: request.url.absoluteString, method: HTTPMethod(rawValue: request.method))
        } catch {
            throw .transport("cannot send a request to \(host): \(error)")
        }
        r.headers.replaceOrAdd(name: "User-Agent", value: Self.userAgent)
        for h in request.headers { r.headers.replaceOrAdd(name: h.name, value: h.value) }
        if let body = request.body { r.body = .bytes(body) }
        let deadline = NIODeadline.now() + .milliseconds(Int64(request.timeout * 1000))
        let accumulator = request.maxBodySize.map { ResponseAccumulator(request: r, maxBodySize: $0) } ?? ResponseAccumulator(request: r)
        let task = client.execute(request: r, delegate: accumulator, deadline: deadline)
        if let cancellation, !cancellation.attach({ task.cancel() }) {
            task.cancel()
            throw .cancelled
        }
        let outcome = Result { try task.futureResult.wait() }
        cancellation?.detach()
        if cancellation?.isCancelled == true { throw .cancelled }
        switch outcome {
        case .success(let response):
            var headers: [String: String] = [:]
            for (name, value) in response.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { $0 + ", " + value } ?? value
            }
            let body = response.body.map { Data($0.readableBytesView) } ?? Data()
            return HTTPResponse(status: Int(response.status.code), headers: headers, body: body)
        case .failure(let error):
            throw Self.failure(error, host: host)
        }
    }

    /// Sends `request`, retrying with backoff on a network error or a response for which
    /// `shouldRetry` is true (HTTP 429 and 5xx by default). After the last attempt the last
    /// response is returned, whatever its status. `cancellation` always cuts a backoff wait
    /// short; it drops a request in flight only when `interruptible`.
    func send(
        _ request: HTTPRequest, retry policy: RetryPolicy, cancellation: HTTPCancellation? = nil, interruptible: Bool = true,
        shouldRetry: (HTTPResponse) -> Bool = { RetryPolicy.isRetryable(status: $0.status) }
    ) throws(HTTPFailure) -> HTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let last = attempt >= policy.maxAttempts
            do throws(HTTPFailure) {
                try cancellation?.check()
                let response = try send(request, cancellation: interruptible ? cancellation : nil)
                if last || !shouldRetry(response) { return response }
                try wait(policy.delay(after: attempt, retryAfter: response.header("retry-after")), cancellation)
            } catch {
                if error == .cancelled || last { throw error }
                // A name that does not resolve is worth one quick second try (a resolver's
                // hiccup), not a backoff: it fails the node in well under a second.
                if case .unresolvedHost = error {
                    if attempt >= 2 { throw error }
                    try wait(0.25, cancellation)
                    continue
                }
                try wait(policy.delay(after: attempt, retryAfter: nil), cancellation)
            }
        }
    }

    private func wait(_ seconds: Double, _ cancellation: HTTPCancellation?) throws(HTTPFailure) {
        if let cancellation {
            try cancellation.sleep(seconds)
        } else {
            Thread.sleep(forTimeInterval: seconds)
        }
    }

    /// A transport error in words that name the host but not the URL.
    static func failure(_ error: any Error, host: String) -> HTTPFailure {
        if error is ResponseAccumulator.ResponseTooBigError { return .transport("\(host) sent a larger answer than expected") }
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return .timedOut
            case .cancelled: return .cancelled
            case .remoteConnectionClosed: return .transport("the connection to \(host) was closed before an answer came")
            case .redirectCycleDetected, .redirectLimitReached: return .transport("\(host) redirected too many times")
            default: return .transport("network error talking to \(host): \(e)")
            }
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return .timedOut }
        let text = String(describing: error)
        // A name that does not resolve comes back from NIO's resolver in these words.
        if text.contains("dnsAError") || text.contains("getaddrinfo") || text.contains("unknown host") || text.contains("Name or service not known") {
            return .unresolvedHost(host)
        }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return .refused(host) }
        if text.contains("SSL") || text.contains("TLS") || text.contains("certificate") {
            return .transport("the TLS connection to \(host) failed")
        }
        return .transport("network error talking to \(host): \(text)")
    }

    // MARK: - Encoding

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%"
                let hex = String(b, radix: 16, uppercase: true)
                if hex.count < 2 { out += "0" }
                out += hex
            }
        }
        return out
    }

    /// `a=1&b=x%20y`; items whose value is nil are left out.
    static func query(_ items: [(String, String?)]) -> String {
        items.compactMap { k, v in v.map { percentEncode(k) + "=" + percentEncode($0) } }.joined(separator: "&")
    }

    /// `base` + `path` (+ `?query`); nil when that is not a valid URL.
    static func url(_ base: String, _ path: String, query items: [(String, String?)] = []) -> URL? {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        var text = base + (path.hasPrefix("/") ? path : "/" + path)
        let q = query(items)
        if !q.isEmpty { text += (text.contains("?") ? "&" : "?") + q }
        return URL(string: text)
    }

    /// The JSON body of a request.
    static func jsonBody(_ value: JSONValue) -> Data { Data(value.serialized.utf8) }
}
