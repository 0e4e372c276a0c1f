import Foundation
import Synchronization
import VisivoSupport

/// A `CacheStore` in memory, for tests and dry runs.
public final class MemoryCache: CacheStore {
    private let entries = Mutex<[Fingerprint: Data]>([:])

    public init() {}

    public func load(_ key: Fingerprint) -> Data? {
        entries.withLock { $0[key] }
    }

    public func store(_ key: Fingerprint, _ data: Data) throws {
        let copy = data.withUnsafeBytes { Data($0) }  // `data` may not own its bytes
        entries.withLock { $0[key] = copy }
    }

    public func contains(_ key: Fingerprint) -> Bool {
        entries.withLock { $0[key] != nil }
    }

    public var count: Int {
        entries.withLock { $0.count }
    }

    public func clear() {
        entries.withLock { $0.removeAll() }
    }
}
