import CSQLite
import Foundation
import VisivoSupport

/// One SQLite database handle. Used by one thread at a time; `interrupt()` may be called
/// from any thread (sqlite3_interrupt is documented as safe to call from another thread
/// while the connection is in use), which is why this is `@unchecked Sendable`.
public final class SQLiteDatabase: Connection, @unchecked Sendable {
    private let handle: OpaquePointer
    /// The name errors carry (the source or model this database belongs to).
    let label: String

    /// Opens `path`; read-only unless `writable`. A failed open still closes the handle.
    public init(path: String, label: String, writable: Bool = false) throws {
        var db: OpaquePointer?
        let flags = (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX
        if !writable && !FileManager.default.fileExists(atPath: path) {
            throw ConnectorError(source: label, message: "database file \(path) does not exist")
        }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw ConnectorError(source: label, message: "cannot open \(path): \(message)", code: "SQLITE \(rc)")
        }
        handle = db
        self.label = label
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    func error(_ rc: Int32, sql: String? = nil) -> ConnectorError {
        let extended = sqlite3_extended_errcode(handle)
        var e = ConnectorError(source: label, message: String(cString: sqlite3_errmsg(handle)), code: "SQLITE \(extended)")
        if rc == SQLITE_INTERRUPT { e.cancelled = true; e.message = "query cancelled" }
        return e
    }

    /// Runs statements that return nothing (DDL, ATTACH, PRAGMA).
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(err)
            throw ConnectorError(source: label, message: message, code: "SQLITE \(sqlite3_extended_errcode(handle))", cancelled: rc == SQLITE_INTERRUPT)
        }
    }

    /// Attaches another database file under `schema`.
    public func attach(path: String, as schema: String) throws {
        let stmt = try prepare("ATTACH DATABASE ? AS " + SQLiteDatabase.quoteIdentifier(schema))
        try stmt.bind([.string(path)])
        _ = try stmt.step()
    }

    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql: sql) }
        return SQLiteStatement(stmt, database: self)
    }

    public func run<Sink: RowSink>(_ sql: String, parameters: [JSONValue], into sink: inout Sink) throws {
        let stmt = try prepare(sql)
        if !parameters.isEmpty { try stmt.bind(parameters) }
        let n = stmt.columnCount
        try sink.columns((0..<n).map { stmt.columnName($0) })
        var row = [JSONValue](repeating: .null, count: Int(n))
        while try stmt.step() {
            for i in 0..<n { row[Int(i)] = stmt.value(i) }
            try sink.row(row)
        }
    }

    public func cancel() { sqlite3_interrupt(handle) }

    /// Writes `rows` as table `table` of a new database file at `path`, replacing any file
    /// there atomically (built beside it, then renamed). Columns are `(name, SQL type)`.
    public static func writeTable(_ rows: [[JSONValue]], columns: [(String, String)], table: String, to path: String, label: String, scratch: String? = nil)
        throws
    {
        try writeTable(columns: columns, table: table, to: path, label: label, scratch: scratch) { (insert: SQLiteStatement) in
            for r in rows {
                try insert.bind(r)
                _ = try insert.step()
            }
        }
    }

    /// The same, with the insert statement handed over: `fill` binds each row's values
    /// (`reset`, `bind(_:...)`) and steps it once per row.
    public static func writeTable(
        columns: [(String, String)], table: String, to path: String, label: String, scratch: String? = nil, fill: (SQLiteStatement) throws -> Void
    ) throws {
        let tmp = AtomicFile.temporaryPath(for: path, in: scratch)
        if let scratch { AtomicFile.makeDirectories(scratch) }
        do {
            let db = try SQLiteDatabase(path: tmp, label: label, writable: true)
            try db.execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
            let defs = columns.map { ($0.1.isEmpty ? quoteIdentifier($0.0) : "\(quoteIdentifier($0.0)) \($0.1)") }
            try db.execute("CREATE TABLE \(quoteIdentifier(table)) (\(defs.joined(separator: ", ")))")
            try db.execute("BEGIN")
            let insert = try db.prepare("INSERT INTO \(quoteIdentifier(table)) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ",")))")
            try fill(insert)
            try db.execute("COMMIT")
        } catch {
            unlink(tmp)
            throw error
        }
        var renamed = rename(tmp, path) == 0
        if !renamed && errno == ENOENT {
            AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
            renamed = rename(tmp, path) == 0
        }
        guard renamed else {
            unlink(tmp)
            throw ConnectorError(source: label, message: "cannot move the database into place at \(path)")
        }
    }

    /// `"name"` with inner quotes doubled.
    public static func quoteIdentifier(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A prepared statement; finalized when released.
public final class SQLiteStatement {
    private let stmt: OpaquePointer
    private let database: SQLiteDatabase

    init(_ stmt: OpaquePointer, database: SQLiteDatabase) {
        self.stmt = stmt
        self.database = database
    }

    deinit { sqlite3_finalize(stmt) }

    var columnCount: Int32 { sqlite3_column_count(stmt) }
    func columnName(_ i: Int32) -> String { String(cString: sqlite3_column_name(stmt, i)) }

    /// Steps once; true while a row is available.
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw database.error(rc)
    }

    /// Makes the statement ready for the next row's values.
    public func reset() { sqlite3_reset(stmt) }

    /// Binds one `?` parameter (from 1): NULL, an integer, a double or UTF-8 text.
    public func bindNull(_ i: Int32) throws { try check(sqlite3_bind_null(stmt, i)) }
    public func bind(_ i: Int32, _ v: Int64) throws { try check(sqlite3_bind_int64(stmt, i, v)) }
    public func bind(_ i: Int32, _ v: Double) throws { try check(sqlite3_bind_double(stmt, i, v)) }
    public func bind(_ i: Int32, text: [UInt8]) throws {
        try check(
            text.withUnsafeBufferPointer {
                sqlite3_bind_text(stmt, i, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count), visivo_sqlite_transient())
            })
    }

    private func check(_ rc: Int32) throws { if rc != SQLITE_OK { throw database.error(rc) } }

    /// Binds values to `?` parameters, from 1; resets first.
    public func bind(_ values: [JSONValue]) throws {
        sqlite3_reset(stmt)
        for (i, v) in values.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch v {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .bool(let b): rc = sqlite3_bind_int64(stmt, idx, b ? 1 : 0)
            case .number(let n):
                if let i = Int64(n) {
                    rc = sqlite3_bind_int64(stmt, idx, i)
                } else if let d = Double(n) {
                    rc = sqlite3_bind_double(stmt, idx, d)
                } else {
                    rc = sqlite3_bind_text(stmt, idx, n, -1, visivo_sqlite_transient())
                }
            case .string(let s): rc = sqlite3_bind_text(stmt, idx, s, -1, visivo_sqlite_transient())
            case .array, .object: rc = sqlite3_bind_text(stmt, idx, v.serialized, -1, visivo_sqlite_transient())
            }
            if rc != SQLITE_OK { throw database.error(rc) }
        }
    }

    /// Column `i` of the current row, encoded for JSON.
    func value(_ i: Int32) -> JSONValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .number(String(sqlite3_column_int64(stmt, i)))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(stmt, i))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return .string("") }
            return .string(Data(bytes: p, count: n).base64EncodedString())
        default:
            guard let p = sqlite3_column_text(stmt, i) else { return .null }
            let n = Int(sqlite3_column_bytes(stmt, i))
            return .string(String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self))
        }
    }
}
