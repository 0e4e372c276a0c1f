import Foundation
import VisivoConnectors

/// Blocking GET and PUT against a cache server, each bounded by the settings' timeout,
/// through the shared HTTP client (without redirects or decompression). Called from
/// build worker threads (never from an event loop).
struct HTTPCacheClient: Sendable {
    /// Why a request produced no usable answer. Never holds a header or the address's
    /// credentials.
    enum Failure: Error, CustomStringConvertible, Sendable {
        case status(Int)
        case transport(HTTPFailure)

        var description: String {
            switch self {
            case .status(401): return "it answered HTTP 401 (check VISIVO_REMOTE_CACHE_HEADER)"
            case .status(403): return "it answered HTTP 403 (not allowed)"
            case .status(let code): return "it answered HTTP \(code)"
            case .transport(.timedOut): return "it did not answer in time"
            case .transport(.refused): return "the connection was refused"
            case .transport(let failure): return failure.description
            }
        }
    }

    let settings: RemoteCacheSettings

    init(_ settings: RemoteCacheSettings) { self.settings = settings }

    /// The body at `path`, or nil when the server has none (404). A body longer than
    /// `limit` bytes is not read to its end: it is not what was asked for.
    func get(_ path: String, limit: Int) throws(Failure) -> Data? {
        let response = try send("GET", path, body: nil, limit: limit)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw .status(response.status) }
        return response.body
    }

    func put(_ path: String, _ bytes: Data) throws(Failure) {
        let response = try send("PUT", path, body: bytes, limit: 1 << 16)
        // WebDAV answers 201 Created or 204 No Content; bazel-remote 200.
        guard (200..<300).contains(response.status) else { throw .status(response.status) }
    }

    private func send(_ method: String, _ path: String, body: Data?, limit: Int) throws(Failure) -> HTTPResponse {
        guard let url = URL(string: settings.url.absoluteString + "/" + path) else { throw .transport(.transport("the address is not valid")) }
        var headers: [(name: String, value: String)] = []
        if let authorization = settings.authorization { headers.append(("Authorization", authorization)) }
        if body != nil { headers.append(("Content-Type", "application/octet-stream")) }
        let seconds = Double(settings.timeout.components.seconds) + Double(settings.timeout.components.attoseconds) / 1e18
        do {
            return try HTTPClient.verbatim.send(HTTPRequest(method, url, headers: headers, body: body, timeout: seconds, maxBodySize: limit))
        } catch {
            throw .transport(error)
        }
    }
}
