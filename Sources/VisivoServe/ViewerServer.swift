import Foundation
import Hummingbird
import Logging
import NIOCore
import VisivoSite

/// `visivo serve`'s HTTP side: the live site's files, and `/_visivo/events`, the
/// server-sent events that tell open pages to reload their data or show an error.
public struct ViewerServer: Sendable {
    public var host: String
    public var port: Int
    public let live: LiveSite

    public init(live: LiveSite, host: String, port: Int) {
        self.live = live
        self.host = host
        self.port = port
    }

    /// Serves until the calling task is cancelled; `ready` hears the bound port (useful
    /// with port 0).
    public func run(ready: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        let live = self.live
        router.get("_visivo/events") { _, _ -> Response in
            let stream = live.hub.subscribe()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    // Reconnect quickly after a restart of the server.
                    try await writer.write(ByteBuffer(string: "retry: 500\n\n"))
                    for await event in stream {
                        try await writer.write(ByteBuffer(string: event))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("**") { request, _ -> Response in
            Self.file(request.uri.path, site: live.site)
        }
        router.get("/") { _, _ -> Response in
            Self.file("/", site: live.site)
        }
        // HEAD answers as GET would, without the body (link checkers and `curl -I`).
        router.head("**") { request, _ -> Response in
            Self.head(Self.file(request.uri.path, site: live.site))
        }
        router.head("/") { _, _ -> Response in
            Self.head(Self.file("/", site: live.site))
        }
        var logger = Logger(label: "visivo.serve")
        // Cancelling the server on Ctrl-C is logged as an error by Hummingbird; a bind failure
        // still reaches the caller as a thrown error.
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in ready(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.run()
    }

    static func head(_ response: Response) -> Response {
        var headers = response.headers
        if let length = response.body.contentLength { headers[.contentLength] = String(length) }
        return Response(status: response.status, headers: headers, body: .init())
    }

    /// A site file, by its URL path; 404 for what the site does not have.
    static func file(_ rawPath: String, site: Site?) -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        guard let site else {
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(
                status: .serviceUnavailable, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "the project has not loaded yet; see the terminal running visivo serve\n")))
        }
        let decoded = rawPath.removingPercentEncoding ?? rawPath
        let path = String(decoded.drop { $0 == "/" })
        guard !path.split(separator: "/").contains(".."), let bytes = site.contents(of: path) else {
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: .notFound, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "not found: \(rawPath)\n")))
        }
        headers[.contentType] = Site.contentType(of: path.isEmpty || path.hasSuffix("/") ? "index.html" : path)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
