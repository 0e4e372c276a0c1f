import Foundation
import Synchronization
import Testing
import VisivoServe
import VisivoSite
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoLoading

/// Waits up to `seconds` for `condition`, polling.
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

@Suite(.serialized) struct LiveSiteTests {
    @Test func theWatcherSeesWritesAndRenamesOverAWatchedFile() throws {
        try withTemporaryDirectory { dir in
            try write(["a.csv": "1", "other.txt": "x"], in: dir)
            let watcher = try FileWatcher()
            let seen = Mutex<[Set<String>]>([])
            watcher.watch([dir + "/a.csv"])
            watcher.start { paths in seen.withLock { $0.append(paths) } }
            defer { watcher.stop() }
            try "not watched".write(toFile: dir + "/other.txt", atomically: false, encoding: .utf8)
            try saveByRename("2", to: dir + "/a.csv")
            #expect(eventually { seen.withLock { $0.contains { $0.contains(dir + "/a.csv") } } })
            #expect(!seen.withLock { $0.contains { $0.contains(dir + "/other.txt") } })
            let count = seen.withLock { $0.count }
            try "3".write(toFile: dir + "/a.csv", atomically: false, encoding: .utf8)
            #expect(eventually { seen.withLock { $0.count > count } })
        }
    }

    @Test func aFolderThatIsDeletedAndMadeAgainIsWatchedAgain() throws {
        try withTemporaryDirectory { dir in
            try write(["sub/x.yml": "a: 1\n"], in: dir)
            let watcher = try FileWatcher()
            let seen = Mutex<[Set<String>]>([])
            let file: Set<String> = [dir + "/sub/x.yml"]
            watcher.watch(file)
            watcher.start { paths in seen.withLock { $0.append(paths) } }
            defer { watcher.stop() }
            try FileManager.default.removeItem(atPath: dir + "/sub")
            #expect(eventually { seen.withLock { $0.contains { $0.contains(dir + "/sub") } } })
            // As after the rebuild that change causes: the same files are asked for again.
            try write(["sub/x.yml": "a: 2\n"], in: dir)
            watcher.watch(file)
            usleep(100_000)
            let before = seen.withLock { $0.count }
            try saveByRename("a: 3\n", to: dir + "/sub/x.yml")
            #expect(eventually { seen.withLock { $0.dropFirst(before).contains { $0.contains(dir + "/sub/x.yml") } } })
        }
    }

    @Test func aSaveRebuildsAndABrokenFileKeepsTheLastGoodSite() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(in: dir)
            let build = ProjectBuild(loader: ProjectLoader(workingDirectory: dir, environment: [:]), options: BuildOptions(projectDirectory: dir))
            let live = LiveSite(.init(build: build, page: .init(live: true), plotly: nil), watcher: try FileWatcher(), reporter: nil)
            live.start()
            defer { live.stop() }
            let first = try #require(live.site)
            #expect(text(first.contents(of: "sales-overview/dashboard.js")).contains("\"text\":\"Revenue\""))

            try saveByRename(sampleYAML(title: "Revenue, edited"), to: dir + "/project.visivo.yml")
            #expect(eventually { live.site?.version != first.version })
            let edited = text(live.site?.contents(of: "sales-overview/dashboard.js"))
            #expect(edited.contains("Revenue, edited"))

            let good = try #require(live.site)
            try saveByRename(sampleYAML(title: "x") + "extra_key: 1\n", to: dir + "/project.visivo.yml")
            #expect(eventually { !live.errors.isEmpty })
            #expect(live.errors.first?.hasPrefix("project.visivo.yml:") == true)
            #expect(live.site?.version == good.version)
            #expect(live.stateJSON().contains("unknown key"))

            try saveByRename(sampleYAML(title: "fixed"), to: dir + "/project.visivo.yml")
            #expect(eventually { live.errors.isEmpty && live.site?.version != good.version })
        }
    }

    @Test func theHubGivesANewPageTheLatestStateAndEndsStreamsOnClose() async throws {
        let hub = EventHub()
        hub.publish(name: "state", data: "{\"version\":\"1\"}")
        let stream = hub.subscribe()
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == "event: state\ndata: {\"version\":\"1\"}\n\n")
        hub.close()
        #expect(await iterator.next() == nil)
    }
}

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite struct ViewerServerTests {
    /// Sends a GET with `host` as its Host header to the server's port.
    func get(_ path: String, port: Int, host: String? = nil, headers extra: [String: String] = [:]) async throws -> (Int, [String: String], String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        if let host { request.setValue(host, forHTTPHeaderField: "Host") }
        for (k, v) in extra { request.setValue(v, forHTTPHeaderField: k) }
        let config = URLSessionConfiguration.ephemeral
        let session = URLSession(configuration: config, delegate: NoRedirects(), delegateQueue: nil)
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
        return (http.statusCode, headers, String(decoding: data, as: UTF8.self))
    }

    /// The project in `dir` built and served on a free loopback port: the live site, the
    /// server's task and the port (the caller stops both).
    func serve(_ dir: String) async throws -> (LiveSite, Task<Void, any Error>, Int) {
        let build = ProjectBuild(loader: ProjectLoader(workingDirectory: dir, environment: [:]), options: BuildOptions(projectDirectory: dir))
        let live = LiveSite(.init(build: build, page: .init(live: true), plotly: nil), watcher: nil, reporter: nil)
        live.start()
        let port = Mutex<Int>(0)
        let server = Task { try await ViewerServer(live: live, host: "127.0.0.1", port: 0).run { p in port.withLock { $0 = p } } }
        // Waits without blocking a thread of the cooperative pool, which the server needs.
        var p = 0
        for _ in 0..<600 where p == 0 {
            try await Task.sleep(for: .milliseconds(50))
            p = port.withLock { $0 }
        }
        if p == 0 {
            live.stop()
            server.cancel()
        }
        try #require(p != 0)
        return (live, server, p)
    }

    final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
            completionHandler: @escaping (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    @Test func servesTheSiteToItsOwnPagesOnly() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-serve-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try sampleProject(in: dir)
        let (live, server, p) = try await serve(dir)
        defer {
            live.stop()
            server.cancel()
        }

        let (status, headers, body) = try await get("/sales-overview/", port: p)
        #expect(status == 200 && body.contains("window.VISIVO_PAGE"))
        #expect(headers["cross-origin-resource-policy"] == "same-origin")
        #expect(headers["content-type"] == "text/html; charset=utf-8")
        // A folder without its slash is sent to it: the page's relative addresses need it.
        let (moved, movedHeaders, _) = try await get("/sales-overview", port: p)
        #expect(moved == 301 && movedHeaders["location"] == "/sales-overview/")
        // A page of another site that rebinds its name to 127.0.0.1 names its own host.
        let (forbidden, _, refusal) = try await get("/project.js", port: p, host: "evil.example:\(p)")
        #expect(forbidden == 403 && refusal.contains("see --host"))
        let (ok, _, script) = try await get("/project.js", port: p, host: "localhost:\(p)")
        #expect(ok == 200 && script.hasPrefix("window.VISIVO_PROJECT = "))
        let (missing, _, _) = try await get("/../../etc/passwd", port: p)
        #expect(missing == 404)
    }

    /// `/_visivo/insight`: an insight's data for other input values, for the dashboards'
    /// own pages only, for values among the input's options only.
    @Test func insightEndpoint() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-serve-insight-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fixture = repositoryRoot + "/Tests/Fixtures/format2x"
        for f in ["project.visivo.yml", "data.sql"] { try FileManager.default.copyItem(atPath: "\(fixture)/\(f)", toPath: "\(dir)/\(f)") }
        try makeSQLite(dir + "/shop.db", try String(contentsOfFile: dir + "/data.sql", encoding: .utf8))
        let (live, server, p) = try await serve(dir)
        defer {
            live.stop()
            server.cancel()
        }
        func ask(_ values: String, headers: [String: String] = [:]) async throws -> (Int, String) {
            let q = values.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let (status, _, body) = try await get("/_visivo/insight?name=region-orders&values=\(q)", port: p, headers: headers)
            return (status, body)
        }
        let (ok, data) = try await ask(#"{"region-pick":"o'hara","min-amount":"10"}"#)
        #expect(ok == 200 && data == #"{"region-orders":{"props.x":["tools"],"props.y":[70.0]}}"#)
        let (again, same) = try await ask(#"{"region-pick":"o'hara","min-amount":"10"}"#)
        #expect(again == 200 && same == data)
        let (bad, refusal) = try await ask(#"{"region-pick":"x' or 1=1 --"}"#)
        #expect(bad == 422 && refusal.contains("is not a value of single-select input 'region-pick' (not among its options)"))
        let (cross, _) = try await ask(#"{"region-pick":"south"}"#, headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(cross == 403)
        let (foreign, _) = try await ask(#"{"region-pick":"south"}"#, headers: ["Origin": "http://evil.example"])
        #expect(foreign == 403)
        let (deep, _) = try await ask(String(repeating: "[", count: 5000))
        #expect(deep == 400)
    }
}
