import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Blocking GET and PUT against a cache server, each bounded by the settings'
/// timeout. Called from build worker threads (never from an event loop).
final class HTTPCacheClient: Sendable {
    /// Why a request produced no usable answer. Never holds a header or the address's
    /// credentials.
    enum Failure: Error, CustomStringConvertible, Sendable {
        case status(Int)
        case timedOut
        case transport(String)

        var description: String {
            switch self {
            case .status(401): return "it answered HTTP 401 (check VISIVO_REMOTE_CACHE_HEADER)"
            case .status(403): return "it answered HTTP 403 (not allowed)"
            case .status(let code): return "it answered HTTP \(code)"
            case .timedOut: return "it did not answer in time"
            case .transport(let m): return m
            }
        }
    }

    let settings: RemoteCacheSettings
    private let client: HTTPClient

    init(_ settings: RemoteCacheSettings) {
        self.settings = settings
        let timeout = TimeAmount.nanoseconds(
            Int64(settings.timeout.components.seconds) * 1_000_000_000 + settings.timeout.components.attoseconds / 1_000_000_000)
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: timeout, read: timeout), connectionPool: .init(idleTimeout: .seconds(30)), ignoreUncleanSSLShutdown: false)
        // A cache never redirects; following one could send the credentials elsewhere.
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        // A refused connection is a failure at once, not retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The body at `path`, or nil when the server has none (404). A body longer than
    /// `limit` bytes is not read to its end: it is not what was asked for.
    func get(_ path: String, limit: Int) throws(Failure) -> [UInt8]? {
        let response = try send(.GET, path, body: nil, limit: limit)
        if response.status == .notFound { return nil }
        guard response.status == .ok else { throw .status(Int(response.status.code)) }
        guard var body = response.body else { return [] }
        return body.readBytes(length: body.readableBytes) ?? []
    }

    func put(_ path: String, _ bytes: [UInt8]) throws(Failure) {
        let response = try send(.PUT, path, body: bytes)
        // WebDAV answers 201 Created or 204 No Content; bazel-remote 200.
        guard (200..<300).contains(Int(response.status.code)) else { throw .status(Int(response.status.code)) }
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?, limit: Int = 1 << 16) throws(Failure) -> HTTPClient.Response {
        do {
            var request = try HTTPClient.Request(url: settings.url.absoluteString + "/" + path, method: method)
            if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/octet-stream")
                request.body = .bytes(body)
            }
            let deadline =
                NIODeadline.now()
                + .nanoseconds(Int64(settings.timeout.components.seconds) * 1_000_000_000 + settings.timeout.components.attoseconds / 1_000_000_000)
            let accumulator = ResponseAccumulator(request: request, maxBodySize: limit)
            return try client.execute(request: request, delegate: accumulator, deadline: deadline).futureResult.wait()
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw .transport("it sent more bytes than the record names")
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: throw .timedOut
            default: throw .transport("\(error)")
            }
        } catch let error as ChannelError {
            if case .connectTimeout = error { throw .timedOut }
            throw .transport("\(error)")
        } catch {
            throw .transport(Self.describe(error))
        }
    }

    /// A connection error as a person reads it ("connection refused").
    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "the connection was refused" }
        return text
    }

    func shutdown() {
        try? client.syncShutdown()
    }
}
