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
