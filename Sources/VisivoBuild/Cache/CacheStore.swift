import Foundation
import VisivoSupport

/// A content-addressed store of build results, keyed by the fingerprint of a node's inputs.
public protocol CacheStore: Sendable {
    /// The stored bytes, or nil when there is no usable object for `key`.
    func load(_ key: Fingerprint) -> Data?
    /// Stores `data` under `key`, replacing any existing object. `data` may point into
    /// memory the caller owns: keep a copy, not `data`.
    func store(_ key: Fingerprint, _ data: Data) throws
    /// Whether an object exists for `key` (without validating it).
    func contains(_ key: Fingerprint) -> Bool
    /// Stores `data` with the output fingerprint its result hands on to dependents, for
    /// stores that can keep it beside the object (a remote cache's record).
    func store(_ key: Fingerprint, _ data: Data, output: Fingerprint) throws
    /// Where the object for `key` is, asking a remote only when the local cache has none
    /// (`dag`, `--explain`), with the output fingerprint when the store knows it without
    /// reading the object; nil when there is none.
    func locate(_ key: Fingerprint) -> (location: CacheLocation, output: Fingerprint?)?
    /// The stored bytes and where they came from.
    func fetch(_ key: Fingerprint) -> (Data, CacheLocation)?
    /// A build begins: `warn` tells the user of trouble as it happens.
    func beginBuild(warn: @escaping @Sendable (String) -> Void)
    /// A build's nodes are done: finish local writes (packs); problems to report.
    func finishBuild() -> [String]
    /// The build's own records are saved: wait (within a limit) for writes that may lag,
    /// such as uploads to a remote cache; problems to report.
    func drain() -> [String]
    /// Ctrl-C: give up on writes that may lag.
    func abandon()
}

/// Where a cached result was found.
public enum CacheLocation: Sendable, Equatable {
    case local
    /// On the shared cache server (`--remote-cache`), and now kept locally too.
    case remote
}

extension CacheStore {
    public func store(_ key: Fingerprint, _ data: Data, output: Fingerprint) throws { try store(key, data) }
    public func locate(_ key: Fingerprint) -> (location: CacheLocation, output: Fingerprint?)? { contains(key) ? (.local, nil) : nil }
    public func fetch(_ key: Fingerprint) -> (Data, CacheLocation)? { load(key).map { ($0, .local) } }
    public func beginBuild(warn: @escaping @Sendable (String) -> Void) {}
    public func finishBuild() -> [String] { [] }
    public func drain() -> [String] { [] }
    public func abandon() {}
}

/// Errors from writing or maintaining a `FileCache`.
public enum CacheError: Error, CustomStringConvertible, Equatable {
    case io(operation: String, path: String, reason: String)
    case compression(String)

    public var description: String {
        switch self {
        case let .io(operation, path, reason): return "cache: cannot \(operation) \(path): \(reason)"
        case let .compression(reason): return "cache: \(reason)"
        }
    }
}
