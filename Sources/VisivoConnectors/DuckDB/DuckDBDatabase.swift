import CDuckDB
import Foundation
import Synchronization

/// One DuckDB database (`duckdb_database`), opened once per process for each file and
/// mode, and shared by every connection to it; closed when the last connection goes.
///
/// `@unchecked Sendable`: the handle is immutable, and DuckDB allows connecting to one
/// database from several threads at once.
final class DuckDBDatabase: @unchecked Sendable {
    struct Key: Hashable {
        var path: String
        var readOnly: Bool
        var library: String
    }

    let key: Key
    let library: DuckDBLibrary
    private(set) var handle: duckdb_database?
    /// Connections using it (guarded by `DuckDBDatabase.registry`).
    fileprivate var users = 0

    private init(key: Key, library: DuckDBLibrary, handle: duckdb_database) {
        self.key = key
        self.library = library
        self.handle = handle
    }

    private static let registry = Mutex<[Key: DuckDBDatabase]>([:])

    /// The database at `path` (nil: in memory, one per `label`), opened on first use; each
    /// call must be balanced by `release()`.
    static func acquire(path: String?, readOnly: Bool, library: DuckDBLibrary, label: String) throws(ConnectorError) -> DuckDBDatabase {
        // In memory: one database per source (its connections share it).
        let key = Key(path: path ?? ":memory: " + label, readOnly: readOnly, library: library.path)
        let result: Result<DuckDBDatabase, ConnectorError> = registry.withLock { open in
            if let db = open[key] {
                db.users += 1
                return .success(db)
            }
            // DuckDB would open the file twice, and a read-only instance does not see the
            // other one's writes: refuse rather than read stale data.
            if path != nil, open[Key(path: key.path, readOnly: !readOnly, library: key.library)] != nil {
                return .failure(
                    ConnectorError(
                        source: label,
                        message: "DuckDB database \(key.path) is already open \(readOnly ? "read-write" : "read-only") in this process",
                        hint: "Sources on one DuckDB file must agree on read_only."))
            }
            let api = library.api.pointee
            var config: duckdb_config?
            guard api.create_config(&config) == DuckDBSuccess, let config else {
                return .failure(ConnectorError(source: label, message: "could not create a DuckDB configuration"))
            }
            var cfg: duckdb_config? = config
            defer { api.destroy_config(&cfg) }
            _ = api.set_config(config, "access_mode", readOnly ? "READ_ONLY" : "READ_WRITE")
            var handle: duckdb_database?
            var error: UnsafeMutablePointer<CChar>?
            let state = api.open_ext(path, &handle, config, &error)
            guard state == DuckDBSuccess, let handle else {
                let message = error.map { String(cString: $0) } ?? "unknown error"
                if let error { api.free(error) }
                return .failure(ConnectorError(source: label, message: "cannot open DuckDB database \(path ?? ":memory:"): \(message)"))
            }
            let db = DuckDBDatabase(key: key, library: library, handle: handle)
            db.users = 1
            open[key] = db
            return .success(db)
        }
        return try result.get()
    }

    /// Whether the database `key` names is open in this process (for tests).
    static func isOpen(_ key: Key) -> Bool {
        registry.withLock { $0[key] != nil }
    }

    /// One connection stopped using it; the last one closes it.
    func release() {
        Self.registry.withLock { open in
            users -= 1
            guard users == 0 else { return }
            open.removeValue(forKey: key)
            library.api.pointee.close(&handle)
            handle = nil
        }
    }
}
