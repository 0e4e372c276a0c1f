import Foundation
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
@testable import VisivoSupport
@testable import VisivoConnectors
import VisivoTestSupport
#endif

// MARK: - Fake cloud servers (shared by the HTTP, JWT, Snowflake and BigQuery tests)

/// One of the Python fake servers under Tests/Fixtures/cloud, started as a real process on
/// an ephemeral loopback port (it prints the port on its first line) and stopped when this
/// object goes away. It also exits by itself when its stdin closes (if this process dies).
final class FakeCloudServer: @unchecked Sendable {
    // @unchecked: the fields are set once in init; Process and Pipe are only used to stop.
    let port: Int
    private let process: Process
    private let input: Pipe
    let logPath: String

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    init(_ script: String, _ arguments: [String] = []) throws {
        process = Process()
        input = Pipe()
        let output = Pipe()
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-fake-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/Tests/Fixtures/cloud/" + script] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()

        // The first line is the port; wait at most 15 s for it.
        let reader = output.fileHandleForReading
        let line = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var bytes: [UInt8] = []
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                bytes += chunk
                if bytes.contains(UInt8(ascii: "\n")) { break }
            }
            line.withLock { $0 = String(decoding: bytes, as: UTF8.self) }
            done.signal()
        }
        let text: String? = done.wait(timeout: .now() + 15) == .success ? line.withLock { $0 } : nil
        guard let first = text?.split(separator: "\n").first, let p = Int(first.trimmingCharacters(in: .whitespaces)) else {
            process.terminate()
            throw StartFailed(description: "\(script) did not start: \(readText(logPath) ?? "")")
        }
        port = p
    }

    deinit {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: logPath)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The server's counters and logs.
    func stats() throws -> JSONValue {
        try admin("GET", "/__admin/stats", nil)
    }

    /// Makes the next `times` requests under `path` answer `status`.
    func fault(_ path: String, status: Int, times: Int = 1, retryAfter: String? = nil, body: String? = nil) throws {
        var members: [(String, JSONValue)] = [("path", .string(path)), ("status", .int(Int64(status))), ("times", .int(Int64(times)))]
        if let retryAfter { members.append(("retry_after", .string(retryAfter))) }
        if let body { members.append(("body", .string(body))) }
        _ = try admin("POST", "/__admin/faults", .object(members))
    }

    /// Makes the next `times` requests under `path` end with the connection closed, unanswered.
    func dropConnection(_ path: String, times: Int = 1) throws {
        _ = try admin("POST", "/__admin/faults", .object([("path", .string(path)), ("drop", .bool(true)), ("times", .int(Int64(times)))]))
    }

    /// Makes the next request under `path` answer a redirect (307 or 308) to itself under /r.
    func redirect(_ path: String, status: Int) throws {
        _ = try admin("POST", "/__admin/faults", .object([("path", .string(path)), ("redirect", .int(Int64(status))), ("times", .int(1))]))
    }

    func configure(_ settings: JSONValue) throws {
        _ = try admin("POST", "/__admin/config", settings)
    }

    private func admin(_ method: String, _ path: String, _ body: JSONValue?) throws -> JSONValue {
        let request = HTTPRequest(method, URL(string: baseURL + path)!, body: body.map(HTTPClient.jsonBody), timeout: 10)
        return try HTTPClient.shared.send(request).json()
    }

    /// A counter from `stats()` (0 when absent).
    func count(_ key: String) throws -> Int {
        if case .number(let n)? = try stats()[key] { return Int(n) ?? 0 }
        return 0
    }

    /// A log list from `stats()`.
    func log(_ key: String) throws -> [JSONValue] {
        if case .array(let items)? = try stats()[key] { return items }
        return []
    }
}

/// Runs a command-line tool; throws unless it exits 0.
@discardableResult
func runTool(_ arguments: [String], input: String? = nil) throws -> String {
    struct ToolFailed: Error, CustomStringConvertible {
        var description: String
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw ToolFailed(description: "\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(text)")
    }
    return text
}

/// RSA test keys made with the openssl CLI, once per test process, in a temporary folder.
/// Test-only keys: generated fresh, never committed.
enum TestKeys {
    struct Pair {
        var privatePEM: String  // PKCS#8, unencrypted
        var publicPEM: String  // SubjectPublicKeyInfo
        var privatePath: String
        var publicPath: String
    }

    static let directory: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-test-keys-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Removed when the test process exits.
        atexit { try? FileManager.default.removeItem(atPath: TestKeys.directory) }
        return dir
    }()

    static func make(_ name: String) throws -> Pair {
        let priv = directory + "/\(name).p8"
        let pub = directory + "/\(name).pub"
        try runTool(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", priv])
        try runTool(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub])
        return Pair(
            privatePEM: try String(contentsOfFile: priv, encoding: .utf8), publicPEM: try String(contentsOfFile: pub, encoding: .utf8),
            privatePath: priv, publicPath: pub)
    }

    private static let cache = Mutex<[String: Pair]>([:])
    /// Held while a key is made, so parallel tests never make (and write) the same one twice.
    private static let making = NSLock()

    /// A key pair made once per process for `name`.
    static func pair(_ name: String) throws -> Pair {
        making.lock()
        defer { making.unlock() }
        if let p = cache.withLock({ $0[name] }) { return p }
        let p = try make(name)
        cache.withLock { $0[name] = p }
        return p
    }

    /// `pair`'s private key encrypted with `passphrase`, as `openssl pkcs8 -topk8 -v2 <cipher>` writes it.
    static func encrypted(_ pair: Pair, passphrase: String, cipher: String = "aes-256-cbc", name: String) throws -> String {
        let path = directory + "/\(name).p8"
        try runTool(["openssl", "pkcs8", "-topk8", "-v2", cipher, "-in", pair.privatePath, "-out", path, "-passout", "pass:" + passphrase])
        return path
    }
}

/// A fast retry policy for tests.
let quickRetry = RetryPolicy(maxAttempts: 4, baseDelay: 0.02, maxDelay: 0.1)

/// A thread-safe flag for cancel loops.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// Calls `cancel` every 0.2 s from another thread until `body` returns; returns its error
/// and how long it took.
func runCancelling(
    _ cancel: @escaping @Sendable () -> Void, after seconds: Double = 0.3,
    _ body: () throws -> Void
) -> ((any Error)?, Duration) {
    let done = StopFlag()
    let canceller = Thread {
        Thread.sleep(forTimeInterval: seconds)
        while !done.isSet {
            cancel()
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
    canceller.start()
    let clock = ContinuousClock()
    let start = clock.now
    var caught: (any Error)?
    do { try body() } catch { caught = error }
    done.set()
    return (caught, clock.now - start)
}

// MARK: - HTTPClient tests

@Suite struct HTTPClientTests {
    static func loginRequest(_ server: FakeCloudServer) -> HTTPRequest {
        let body = #"{"data":{"CLIENT_APP_ID":"t","ACCOUNT_NAME":"TESTACCT","LOGIN_NAME":"VISIVO","PASSWORD":"test-password"}}"#
        return HTTPRequest(
            "POST", URL(string: server.baseURL + "/session/v1/login-request?requestId=1")!,
            headers: [("Accept", "application/snowflake")], body: Data(body.utf8), timeout: 10)
    }

    @Test func retriesTooManyRequestsThenSucceeds() throws {
        let server = try FakeCloudServer("fake_snowflake.py")
        try server.fault("/session/v1/login-request", status: 429, times: 2, retryAfter: "0")
        let response = try HTTPClient.shared.send(Self.loginRequest(server), retry: quickRetry)
        #expect(response.status == 200)
        #expect(try response.json()["success"] == .bool(true))
        #expect(try server.log("faults_served").count == 2)
        #expect(try server.count("logins") == 1)
    }

    @Test func retriesServerErrorsThenReturnsTheLastResponse() throws {
        let server = try FakeCloudServer("fake_snowflake.py")
        try server.fault("/session/v1/login-request", status: 503, times: quickRetry.maxAttempts)
        let response = try HTTPClient.shared.send(Self.loginRequest(server), retry: quickRetry)
        #expect(response.status == 503)
        #expect(try server.log("faults_served").count == quickRetry.maxAttempts)
        // Other statuses are not retried.
        try server.fault("/session/v1/login-request", status: 403, times: 10)
        let forbidden = try HTTPClient.shared.send(Self.loginRequest(server), retry: quickRetry)
        #expect(forbidden.status == 403)
        #expect(try server.log("faults_served").count == quickRetry.maxAttempts + 1)
    }

    @Test func cancelWakesABackoffWait() throws {
        let server = try FakeCloudServer("fake_snowflake.py")
        try server.fault("/session/v1/login-request", status: 503, times: 5, retryAfter: "30")
        let cancellation = HTTPCancellation()
        let (error, elapsed) = runCancelling({ cancellation.cancel() }) {
            _ = try HTTPClient.shared.send(
                Self.loginRequest(server), retry: RetryPolicy(maxAttempts: 3, baseDelay: 30, maxDelay: 30),
                cancellation: cancellation)
        }
        #expect(error as? HTTPFailure == .cancelled)
        #expect(elapsed < .seconds(5), "cancel took \(elapsed)")
    }

    @Test func connectionRefusedNamesTheHostNotThePath() throws {
        // A port that was just free: bind-and-close through a fake server's lifetime.
        let port: Int
        do {
            let server = try FakeCloudServer("fake_snowflake.py")
            port = server.port
        }
        let request = HTTPRequest("GET", URL(string: "http://127.0.0.1:\(port)/secret/path?X-Amz-Signature=abc")!, timeout: 5)
        let error = #expect(throws: HTTPFailure.self) {
            _ = try HTTPClient.shared.send(request, retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.01))
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("127.0.0.1:\(port)"), "\(text)")
        #expect(!text.contains("secret") && !text.contains("abc"))
    }

    /// A host name that does not resolve is said at once, not retried with backoff
    /// (`.invalid` never resolves: RFC 2606).
    @Test func anUnresolvableHostIsNotRetried() throws {
        let request = HTTPRequest("GET", URL(string: "http://visivo-test-host.invalid/path")!, timeout: 5)
        let started = ContinuousClock.now
        let error = #expect(throws: HTTPFailure.self) {
            _ = try HTTPClient.shared.send(request, retry: RetryPolicy(maxAttempts: 6, baseDelay: 2, maxDelay: 8))
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(error == .unresolvedHost("visivo-test-host.invalid"))
        #expect(error.map { "\($0)" } == "could not resolve the host name visivo-test-host.invalid (check the account or host name, and the network)")
    }

    /// A short password is taken out only where it stands alone, a long one everywhere.
    @Test func secretsAreScrubbedWithoutMangling() {
        #expect(SecretScrubber.scrub("could not reach acct.snowflakecomputing.com", secrets: ["p"]) == "could not reach acct.snowflakecomputing.com")
        #expect(SecretScrubber.scrub("login failed for password=p, user u", secrets: ["p"]) == "login failed for password=**********, user u")
        #expect(SecretScrubber.scrub("'p'", secrets: ["p"]) == "'**********'")
        #expect(SecretScrubber.scrub("token xyzsecret99 in text", secrets: ["secret99"]) == "token xyz********** in text")
        #expect(SecretScrubber.scrub("nothing", secrets: [""]) == "nothing")
        #expect(SecretScrubber.scrub("password=abc. retry", secrets: ["abc"]) == "password=**********. retry")
    }

    @Test func encodingHelpers() {
        #expect(HTTPClient.percentEncode("a b+c/é~") == "a%20b%2Bc%2F%C3%A9~")
        #expect(HTTPClient.query([("a", "1"), ("skip", nil), ("b", "x y")]) == "a=1&b=x%20y")
        #expect(HTTPClient.url("http://h:1/", "/p", query: [("q", "1")])?.absoluteString == "http://h:1/p?q=1")
        #expect(HTTPClient.url("http://h:1/base", "p")?.absoluteString == "http://h:1/base/p")
    }

    @Test func retryDelays() {
        let p = RetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 4)
        #expect(p.delay(after: 1, retryAfter: "7") == 7)
        #expect(p.delay(after: 1, retryAfter: "1000") == 60)
        #expect((0.75...1.0).contains(p.delay(after: 1, retryAfter: nil)))
        #expect((1.5...2.0).contains(p.delay(after: 2, retryAfter: nil)))
        #expect((3.0...4.0).contains(p.delay(after: 6, retryAfter: "soon")))
        #expect(RetryPolicy.isRetryable(status: 429) && RetryPolicy.isRetryable(status: 503))
        #expect(!RetryPolicy.isRetryable(status: 400) && !RetryPolicy.isRetryable(status: 401))
    }
}
