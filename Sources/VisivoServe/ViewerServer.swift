import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import VisivoBuild
import VisivoSite
import VisivoSupport

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
        let allowed = Self.allowedHosts(bound: host)
        router.add(middleware: SameOrigin(allowed: allowed))
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
        // An insight's data for other input values: `?name=<insight>&values=<JSON object of
        // input name -> state>`, computed off the event loop.
        router.get("_visivo/insight") { request, _ -> Response in
            // Runs a query: only for the dashboards' own pages, never for another site's
            // page (a browser names the caller's site in Sec-Fetch-Site and Origin).
            let fetchSite = request.headers[HTTPField.Name("Sec-Fetch-Site")!]
            let origin = request.headers[HTTPField.Name("Origin")!]
            if fetchSite == "cross-site" || fetchSite == "same-site" || origin.map({ !Self.isOwnOrigin($0, authority: request.head.authority) }) == true {
                return Self.refused("_visivo/insight answers the dashboards' own pages only")
            }
            let query = request.uri.queryParameters
            let name = query["name"].map(String.init) ?? ""
            let valuesText = query["values"].map(String.init) ?? "{}"
            return await Self.variant(live: live, insight: name, valuesText: valuesText)
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

    /// The host names a request may be addressed to: loopback's names and the bound
    /// address; nil (any) when bound to every interface, where the user chose exposure.
    static func allowedHosts(bound host: String) -> Set<String>? {
        if ["0.0.0.0", "::", "[::]"].contains(host) { return nil }
        return ["localhost", "127.0.0.1", "::1", host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))]
    }

    static func variant(live: LiveSite, insight: String, valuesText: String) async -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-cache"
        headers[.contentType] = "application/json; charset=utf-8"
        func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
            let body = JSONValue.object([("error", .string(message))]).serialized
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        // A viewer's values are small and shallow: anything else is refused before parsing.
        guard valuesText.utf8.count <= 65_536, Self.nesting(valuesText) <= 8, case .object(let members)? = try? JSONParser.parse(Array(valuesText.utf8)) else {
            return failure(.badRequest, "values must be a JSON object of input name -> value")
        }
        let values = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let outcome: Result<[UInt8], any Error> = await withCheckedContinuation { continuation in
            // A query may take a while: never on the event loop.
            Thread.detachNewThread { continuation.resume(returning: Result { try live.variant(insight: insight, values: values) }) }
        }
        switch outcome {
        case .success(let bytes): return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .failure(let error): return failure(.unprocessableContent, "\(error)")
        }
    }

    /// The deepest nesting of `[` and `{` in JSON text, outside strings.
    static func nesting(_ text: String) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for b in text.utf8 {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// Whether an `Origin` header names this server (`http://<the Host it was asked as>`).
    static func isOwnOrigin(_ origin: String, authority: String?) -> Bool {
        guard let authority else { return false }
        return origin == "http://" + authority
    }

    static func refused(_ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .forbidden, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    static func head(_ response: Response) -> Response {
        var headers = response.headers
        if let length = response.body.contentLength { headers[.contentLength] = String(length) }
        return Response(status: response.status, headers: headers, body: .init())
    }

    /// A site file, by its URL path; 404 for what the site does not have.
    static func file(_ rawPath: String, site: Site?) -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-cache"
        guard let site else {
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(
                status: .serviceUnavailable, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "the project has not loaded yet; see the terminal running visivo serve\n")))
        }
        let decoded = rawPath.removingPercentEncoding ?? rawPath
        let path = String(decoded.drop { $0 == "/" })
        if !path.isEmpty, !path.hasSuffix("/"), site.files[path + "/index.html"] != nil {
            // A dashboard's folder without its slash: its page's relative addresses need it.
            headers[.location] = "/" + path + "/"
            return Response(status: .movedPermanently, headers: headers)
        }
        guard !path.split(separator: "/").contains(".."), let bytes = site.contents(of: path) else {
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: .notFound, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "not found: \(rawPath)\n")))
        }
        headers[.contentType] = Site.contentType(of: path.isEmpty || path.hasSuffix("/") ? "index.html" : path)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Keeps other web sites out of the dashboards: a request must name an allowed host (a
/// page on another site that rebinds its DNS name to 127.0.0.1 names its own), and every
/// answer carries `Cross-Origin-Resource-Policy: same-origin`, so another site's page
/// cannot load a page's document or a data script with a `<script>` element.
struct SameOrigin<Context: RequestContext>: RouterMiddleware {
    let allowed: Set<String>?
    static var policy: HTTPField.Name { HTTPField.Name("Cross-Origin-Resource-Policy")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = Self.hostName(request.head.authority ?? "")
        if let allowed, !allowed.contains(host) {
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[Self.policy] = "same-origin"
            return Response(
                status: .forbidden, headers: headers,
                body: .init(
                    byteBuffer: ByteBuffer(string: "visivo serve answers requests addressed to \(allowed.sorted().joined(separator: ", ")) only (see --host)\n")
                ))
        }
        var response = try await next(request, context)
        response.headers[Self.policy] = "same-origin"
        return response
    }

    /// `localhost:8000` -> `localhost`, `[::1]:8000` -> `::1`.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return String(authority.split(separator: ":", maxSplits: 1).first ?? "").lowercased()
    }
}
