import Crypto
import Foundation
import Synchronization
import VisivoSupport

/// The local cache in front of a shared cache server. Reads try the local cache first,
/// then the remote; what the remote gives is verified against its digest and the object's
/// own checksum (which covers the key), then kept locally. Results stored here are
/// uploaded in the background (`RemoteUploads`). A remote that fails (refused, timed out,
/// HTTP errors) is warned about once and left alone for the rest of the build, so it
/// costs the build at most one timeout.
public final class RemoteCache: CacheStore {
    public let local: FileCache
    public let settings: RemoteCacheSettings
    let client: HTTPCacheClient
    let uploads: RemoteUploads
    private let state = Mutex(State())

    struct State {
        /// Set once the remote failed: no more requests this build.
        var down = false
        var warned = false
        var warn: (@Sendable (String) -> Void)?
        var problems: [String] = []
    }

    public init(local: FileCache, settings: RemoteCacheSettings) {
        self.local = local
        self.settings = settings
        client = HTTPCacheClient(settings)
        uploads = RemoteUploads(client: client, settings: settings)
    }

    static func actionPath(_ key: Fingerprint) -> String { "ac/" + key.hex }
    static func contentPath(_ digest: String) -> String { "cas/" + digest }

    // MARK: - CacheStore

    public func contains(_ key: Fingerprint) -> Bool { local.contains(key) }

    public func load(_ key: Fingerprint) -> Data? { fetch(key)?.0 }

    /// The record only (a small GET), which names the result's output: nothing is downloaded.
    public func locate(_ key: Fingerprint) -> (location: CacheLocation, output: Fingerprint?)? {
        if local.contains(key) { return (.local, nil) }
        guard settings.mode.reads, isUp else { return nil }
        do {
            guard let bytes = try client.get(Self.actionPath(key), limit: 4096) else { return nil }
            guard let record = ActionRecord(bytes) else {
                failed(HTTPCacheClient.Failure.transport(.transport("its answer for a result record is not one (is this a cache server?)")))
                return nil
            }
            return (.remote, record.output.flatMap { Fingerprint(hex: $0) })
        } catch {
            failed(error)
            return nil
        }
    }

    public func fetch(_ key: Fingerprint) -> (Data, CacheLocation)? {
        if let data = local.load(key) { return (data, .local) }
        guard settings.mode.reads, isUp else { return nil }
        do {
            guard let record = try client.get(Self.actionPath(key), limit: 4096) else { return nil }
            guard let entry = ActionRecord(record) else {
                // A server that answers anything to everything is not a cache.
                failed(HTTPCacheClient.Failure.transport(.transport("its answer for a result record is not one (is this a cache server?)")))
                return nil
            }
            guard let object = try client.get(Self.contentPath(entry.digest), limit: entry.size) else { return nil }
            let digest = Fingerprint(digest: SHA256.hash(data: object)).hex
            guard digest == entry.digest, object.count == entry.size else {
                problem("a remote object for \(key.hex.prefix(12)) does not match its digest (damaged on the server); built here instead")
                return nil
            }
            let encoded = object
            guard case .success(let data) = FileCache.decode(encoded, key: key) else {
                problem("a remote object for \(key.hex.prefix(12)) fails its checksum; built here instead")
                return nil
            }
            // Kept locally: the next build needs no network for it.
            try? local.storeEncoded(key, encoded)
            return (data, .remote)
        } catch {
            failed(error)
            return nil
        }
    }

    public func store(_ key: Fingerprint, _ data: Data) throws {
        try store(key, data, output: nil)
    }

    public func store(_ key: Fingerprint, _ data: Data, output: Fingerprint) throws {
        try store(key, data, output: Optional(output))
    }

    private func store(_ key: Fingerprint, _ data: Data, output: Fingerprint?) throws {
        let object = try FileCache.encode(data, key: key)
        try local.storeEncoded(key, object)
        if settings.mode.writes, isUp { uploads.enqueue(key: key, object: object, output: output) }
    }

    /// A remote found down stays down for this cache (one build, or one plan and its build).
    public func beginBuild(warn: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.warn = warn }
        uploads.onFailure.withLock { $0 = { [weak self] in self?.failed($0) } }
    }

    public func finishBuild() -> [String] {
        local.finishBuild()
            + state.withLock { s in
                defer { s.problems = [] }
                return s.problems
            }
    }

    public func drain() -> [String] {
        let unsent = uploads.finish(within: settings.uploadWait)
        var problems = state.withLock { s in
            // Nothing is told after the build's end; what is left is returned here.
            s.warn = nil
            defer { s.problems = [] }
            return s.problems
        }
        if unsent.dropped > 0 {
            problems.append(
                "remote cache \(settings.displayURL): \(unsent.dropped) result\(unsent.dropped == 1 ? " was" : "s were") not uploaded (\(unsent.reason))")
        }
        return problems
    }

    public func abandon() { uploads.stop() }

    // MARK: - Failures

    private var isUp: Bool { !state.withLock { $0.down } }

    /// The remote failed: one warning, then the build carries on without it.
    func failed(_ error: any Error) {
        let first = state.withLock { s in
            s.down = true
            defer { s.warned = true }
            return !s.warned
        }
        uploads.stop()
        if first { report("remote cache \(settings.displayURL): \(error); this build carries on with the local cache only") }
    }

    /// A bad object: a miss, said once per object.
    private func problem(_ text: String) {
        report("remote cache \(settings.displayURL): \(text)")
    }

    /// Told at once during a build; kept for `finishBuild` outside one.
    private func report(_ message: String) {
        if let warn = state.withLock({ $0.warn }) { warn(message) } else { state.withLock { $0.problems.append(message) } }
    }
}

/// A node's result record on the server (`ac/<key>`): the digest and size of the content
/// object that holds the encoded result. JSON, one line.
struct ActionRecord: Equatable {
    var digest: String
    var size: Int
    /// The output fingerprint the result hands on (hex), so that a plan knows it without
    /// downloading the object.
    var output: String?

    static let format = "visivo-result-1"

    var bytes: [UInt8] {
        let out = output.map { #","output":"\#($0)""# } ?? ""
        return Array(#"{"format":"\#(Self.format)","cas":"\#(digest)","size":\#(size)\#(out)}"#.utf8)
    }

    init(digest: String, size: Int, output: String? = nil) {
        self.digest = digest
        self.size = size
        self.output = output
    }

    init?(_ bytes: Data) {
        guard let json = try? JSONParser.parse([UInt8](bytes)), json["format"]?.stringValue == Self.format,
            let digest = json["cas"]?.stringValue, digest.count == 64, digest.allSatisfy(\.isHexDigit),
            case .number(let n)? = json["size"], let size = Int(n), size >= 0
        else { return nil }
        self.digest = digest
        self.size = size
        output = json["output"]?.stringValue.flatMap { $0.count == 64 && $0.allSatisfy(\.isHexDigit) ? $0 : nil }
    }
}
