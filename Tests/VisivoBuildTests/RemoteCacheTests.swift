import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoQuery
@testable import VisivoSupport

/// The remote cache against a real HTTP cache server: the nginx WebDAV server `make test`
/// starts (scripts/nginx-cache-server.sh), a port nothing listens on, and a server that
/// accepts and never answers.
@Suite(.serialized) struct RemoteCacheTests {
    static let byRegion = #"{"by region":{"props.x":["n","s"],"props.y":[5.5,2.0]}}"#
    static let traces = ["by region", "by day", "thing labels", "scripted"]

    static func server() throws -> NginxTestServer {
        let server = NginxTestServer.current
        try server.check()
        return server
    }

    static func settings(_ url: String, mode: RemoteCacheSettings.Mode = .readwrite, authorization: String? = nil) -> RemoteCacheSettings {
        RemoteCacheSettings(url: URL(string: url)!, mode: mode, authorization: authorization, timeout: .seconds(1))
    }

    /// Another checkout of the project in `from`: its files, not its .visivo or target.
    static func clone(_ from: String, to: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: from) where name != ".visivo" && name != "target" {
            try FileManager.default.copyItem(atPath: from + "/" + name, toPath: to + "/" + name)
        }
    }

    static func data(_ dir: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: traces.map { ($0, readText(dir + "/target/\($0)/data.json") ?? "missing") })
    }

    static func scriptRuns(_ dir: String) -> Int { (readText(dir + "/runs.log") ?? "").split(separator: "\n").count }

    static func keys(_ dir: String) -> [String: String] {
        BuildState.load(from: BuildOptions(projectDirectory: dir).statePath).nodes.mapValues(\.fingerprint)
    }

    @Test func aSecondCheckoutBuildsNothingAndGetsTheSameBytes() throws {
        let remote = try Self.server().freshLocation("checkouts")
        try withTemporaryDirectory { a in
            try withTemporaryDirectory { b in
                try ShopProject.setUp(a)
                try Self.clone(a, to: b)
                let (first, r1) = try build(a, remoteCache: Self.settings(remote.url))
                #expect(first.built == 5 && first.failed == 0 && first.remoteHits == 0)
                #expect(r1.warnings.withLock { $0 }.isEmpty)
                // The build waited for its uploads: a record and a content object per result.
                #expect(try FileManager.default.contentsOfDirectory(atPath: remote.folder + "/ac").count == 5)
                #expect(try FileManager.default.contentsOfDirectory(atPath: remote.folder + "/cas").count == 5)

                let (second, r2) = try build(b, remoteCache: Self.settings(remote.url))
                #expect(second.built == 0 && second.reused == 5 && second.remoteHits == 5 && second.failed == 0)
                #expect(second.queryTime == .zero)
                #expect(Self.scriptRuns(b) == 0 && Self.scriptRuns(a) == 1)
                #expect(r2.warnings.withLock { $0 }.isEmpty)
                #expect(r2.message(of: "by region") == "from the remote cache")
                #expect(Self.data(b) == Self.data(a))
                #expect(Self.data(b)["by region"] == Self.byRegion)
                // The keys do not depend on where the checkout is.
                #expect(Self.keys(a) == Self.keys(b) && Self.keys(a).count == 5)

                // What came from the remote is kept locally: without it, nothing runs.
                try FileManager.default.removeItem(atPath: b + "/target")
                let gone = Self.settings("http://127.0.0.1:\(refusedPort())/cache")
                let (third, r3) = try build(b, remoteCache: gone)
                #expect(third.built == 0 && third.reused == 5 && third.remoteHits == 0)
                #expect(r3.warnings.withLock { $0 }.isEmpty)
            }
        }
    }

    @Test func thePlanSaysRemoteHit() throws {
        let remote = try Self.server().freshLocation("plan")
        try withTemporaryDirectory { a in
            try withTemporaryDirectory { c in
                try ShopProject.setUp(a)
                try Self.clone(a, to: c)
                _ = try build(a, remoteCache: Self.settings(remote.url))
                let compiled = CompiledProject(try load(c))
                var options = BuildOptions(projectDirectory: c)
                options.remoteCache = Self.settings(remote.url)
                let plans = BuildEngine(compiled, options: options).plan()
                for name in Self.traces + ["script"] {
                    let plan = plans[compiled.graph.id(of: name)!]
                    #expect(
                        plan?.stale == false && plan?.reason == "fresh (remote hit: restored from the remote cache)", "\(name): \(String(describing: plan))")
                }
                // The records name each result's output: the plan downloaded nothing.
                #expect(FileCache(root: options.cacheDirectory).size().objects == 0)
            }
        }
    }

    enum Fault: String, CaseIterable, Sendable {
        case refused, hangs, serverError, forbidden
    }

    /// Each fault: the build succeeds with correct data, says so once, and the remote costs
    /// it at most one timeout (1 s here).
    @Test(arguments: Fault.allCases) func aFailingRemoteCostsOneWarningAndAtMostOneTimeout(_ fault: Fault) throws {
        let silent = fault == .hangs ? try SilentServer() : nil
        defer { silent?.stop() }
        let url: String
        let reason: String
        switch fault {
        case .refused: (url, reason) = ("http://127.0.0.1:\(refusedPort())/cache", "the connection was refused")
        case .hangs: (url, reason) = (silent!.url, "it did not answer in time")
        case .serverError: (url, reason) = (try Self.server().url + "/fail500", "it answered HTTP 500")
        case .forbidden: (url, reason) = (try Self.server().url + "/deny", "it answered HTTP 403")
        }
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            _ = try build(dir)  // warm the loader; the timed build is the remote's
            try FileManager.default.removeItem(atPath: dir + "/.visivo")
            try FileManager.default.removeItem(atPath: dir + "/target")
            let started = ContinuousClock.now
            let (summary, reporter) = try build(dir, remoteCache: Self.settings(url))
            let elapsed = ContinuousClock.now - started
            #expect(summary.failed == 0 && summary.built == 5 && summary.remoteHits == 0)
            #expect(readText(dir + "/target/by region/data.json") == Self.byRegion)
            let warnings = reporter.warnings.withLock { $0 }
            #expect(warnings.count == 1, "\(warnings)")
            #expect(warnings.first?.contains(reason) == true, "\(warnings)")
            #expect(warnings.first?.hasSuffix("this build carries on with the local cache only") == true)
            #expect(elapsed < .milliseconds(2500), "took \(elapsed)")
        }
    }

    @Test func aDamagedObjectOnTheServerIsAMissWithOneWarning() throws {
        let remote = try Self.server().freshLocation("damaged")
        try withTemporaryDirectory { a in
            try withTemporaryDirectory { b in
                try ShopProject.setUp(a)
                try Self.clone(a, to: b)
                _ = try build(a, remoteCache: Self.settings(remote.url))
                // One content object damaged on the server: its bytes changed, its name kept.
                let objects = try FileManager.default.contentsOfDirectory(atPath: remote.folder + "/cas").sorted()
                let victim = remote.folder + "/cas/" + objects[0]
                var bytes = [UInt8](FileManager.default.contents(atPath: victim)!)
                bytes[bytes.count / 2] ^= 0xFF
                try Data(bytes).write(to: URL(fileURLWithPath: victim))

                let (summary, reporter) = try build(b, remoteCache: Self.settings(remote.url))
                #expect(summary.failed == 0 && summary.built == 1 && summary.reused == 4 && summary.remoteHits == 4)
                let warnings = reporter.warnings.withLock { $0 }
                #expect(warnings.count == 1 && warnings.first?.contains("does not match its digest") == true, "\(warnings)")
                #expect(Self.data(b) == Self.data(a))
            }
        }
    }

    /// Uploads run on threads that end with the queue: a long `serve` keeps none.
    @Test func uploadThreadsEndWithTheirWork() throws {
        let remote = try Self.server().freshLocation("threads")
        try withTemporaryDirectory { dir in
            let cache = RemoteCache(local: FileCache(root: dir + "/cache"), settings: Self.settings(remote.url))
            cache.beginBuild { Issue.record("warning: \($0)") }
            var keys: [Fingerprint] = []
            for n in 0..<20 {
                var h = FingerprintHasher()
                h.add("n", n)
                keys.append(h.finalize())
                try cache.store(keys[n], Data("result \(n)".utf8))
            }
            #expect(cache.finishBuild().isEmpty && cache.drain().isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: remote.folder + "/ac").count == 20)
            #expect(eventuallyTrue { cache.uploads.threadCount == 0 })
            // Another cache (another checkout) reads every one back.
            let other = RemoteCache(local: FileCache(root: dir + "/other"), settings: Self.settings(remote.url))
            for (n, key) in keys.enumerated() {
                let (data, location) = try #require(other.fetch(key))
                #expect(String(decoding: data, as: UTF8.self) == "result \(n)" && location == .remote)
            }
        }
    }

    func eventuallyTrue(_ condition: () -> Bool) -> Bool {
        for _ in 0..<100 {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    @Test func readModeUploadsNothing() throws {
        let remote = try Self.server().freshLocation("readonly")
        try withTemporaryDirectory { a in
            try ShopProject.setUp(a)
            let (summary, reporter) = try build(a, remoteCache: Self.settings(remote.url, mode: .read))
            #expect(summary.built == 5 && summary.remoteHits == 0)
            #expect(reporter.warnings.withLock { $0 }.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: remote.folder))
        }
    }

    @Test func theAuthorizationHeaderIsSentAndNeverShown() throws {
        let server = try Self.server()
        let remote = server.freshLocation("token", under: "auth")
        try withTemporaryDirectory { a in
            try withTemporaryDirectory { b in
                try ShopProject.setUp(a)
                try Self.clone(a, to: b)
                let good = Self.settings(remote.url, authorization: "Bearer \(server.token)")
                let (first, r1) = try build(a, remoteCache: good)
                #expect(first.built == 5 && r1.warnings.withLock { $0 }.isEmpty)
                let (second, _) = try build(b, remoteCache: good)
                #expect(second.remoteHits == 5)

                try FileManager.default.removeItem(atPath: b + "/.visivo")
                try FileManager.default.removeItem(atPath: b + "/target")
                let secret = "Bearer wrong-secret-4f1c9a"
                let (third, r3) = try build(b, remoteCache: Self.settings(remote.url, authorization: secret))
                let warnings = r3.warnings.withLock { $0 }
                #expect(third.failed == 0 && third.built == 5)
                #expect(warnings.count == 1 && warnings.first?.contains("HTTP 401") == true, "\(warnings)")
                #expect(!warnings.joined().contains("wrong-secret"))
            }
        }
    }

    @Test func settingsFromFlagsAndEnvironment() throws {
        let env = ["VISIVO_REMOTE_CACHE": "https://user:pw@cache.example.com/visivo/", "VISIVO_REMOTE_CACHE_HEADER": "Bearer t"]
        let s = try #require(try RemoteCacheSettings.resolve(option: nil, modeOption: "read", timeoutSeconds: 2.5, environment: env))
        #expect(s.url.absoluteString == "https://cache.example.com/visivo" && s.mode == .read && s.authorization == "Bearer t")
        #expect(s.timeout == .milliseconds(2500) && s.displayURL == "https://cache.example.com/visivo")
        // Without a header, the address's user and password become a Basic one.
        let basic = try #require(try RemoteCacheSettings.resolve(option: "http://bob:p@ss@h:8080/c", modeOption: nil, timeoutSeconds: nil, environment: [:]))
        #expect(basic.authorization == "Basic " + Data("bob:p@ss".utf8).base64EncodedString() && basic.displayURL == "http://h:8080/c")
        do {
            _ = try RemoteCacheSettings.resolve(option: "https//bob:s3cret@host", modeOption: nil, timeoutSeconds: nil, environment: [:])
            Issue.record("accepted an address without a scheme")
        } catch {
            #expect(!error.description.contains("s3cret"))
        }
        #expect(try RemoteCacheSettings.resolve(option: nil, modeOption: nil, timeoutSeconds: nil, environment: [:]) == nil)
        #expect(throws: RemoteCacheSettings.Invalid.self) {
            try RemoteCacheSettings.resolve(option: "ftp://x", modeOption: nil, timeoutSeconds: nil, environment: [:])
        }
        #expect(throws: RemoteCacheSettings.Invalid.self) {
            try RemoteCacheSettings.resolve(option: "http://x", modeOption: "both", timeoutSeconds: nil, environment: [:])
        }
    }
}
