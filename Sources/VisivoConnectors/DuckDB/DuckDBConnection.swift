import CDuckDB
import Foundation
import Synchronization
import VisivoProject
import VisivoQuery
import VisivoSupport

/// One DuckDB connection (`duckdb_connect`) to a shared `DuckDBDatabase`.
///
/// `@unchecked Sendable`: the connection is only used by one worker thread at a time (the
/// `Connection` contract); `cancel()` may come from another thread, and only touches the
/// lock-guarded flags and `duckdb_interrupt`, which DuckDB allows from any thread.
public final class DuckDBConnection: Connection, @unchecked Sendable {
    /// The shared database (internal for tests).
    let database: DuckDBDatabase
    let api: UnsafePointer<visivo_duckdb_api>
    private var connection: duckdb_connection?
    /// The name errors carry (the source's).
    let label: String
    private let stateLock = NSLock()
    /// Guarded by `stateLock`.
    private var running = false
    private var cancelRequested = false

    /// Opens a connection for `source`: `database` is a file relative to the project
    /// folder (or absolute, or `:memory:`), read-only unless `read_only: false`. The
    /// library comes from `VISIVO_DUCKDB_LIBRARY` in `environment` (see `DuckDBLibrary`).
    public convenience init(source: Source, projectDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let library: DuckDBLibrary
        do {
            library = try DuckDBLibrary.load(environment: environment)
        } catch {
            throw Self.libraryError(error, source: source.name)
        }
        let path = source.database == ":memory:" ? source.database : ConnectionPool.resolve(source.database, in: projectDirectory)
        try self.init(path: path, readOnly: source.readOnly ?? true, label: source.name, library: library)
    }

    /// A loader failure as the user should read it.
    static func libraryError(_ error: DuckDBLibrary.LoadError, source: String) -> ConnectorError {
        var message = error.message
        for a in error.attempts { message += "\n  tried " + a }
        return ConnectorError(source: source, message: message, hint: error.hint)
    }

    /// Opens a connection to the database file at `path` (`:memory:`: an in-memory
    /// database shared by the connections with this `label`, always writable).
    public init(path: String, readOnly: Bool, label: String, library: DuckDBLibrary) throws {
        let inMemory = path == ":memory:"
        var filePath: String? = inMemory ? nil : path
        if let p = filePath {
            let url = URL(fileURLWithPath: p)
            if FileManager.default.fileExists(atPath: p) {
                // One database per file, however it is spelled.
                filePath = url.resolvingSymlinksInPath().path
            } else if readOnly {
                throw ConnectorError(
                    source: label,
                    message: "DuckDB database file \(p) does not exist",
                    hint: "A DuckDB source is opened read-only unless it says `read_only: false` (which creates a missing file).")
            } else {
                filePath = url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
            }
        }
        let database = try DuckDBDatabase.acquire(path: filePath, readOnly: readOnly && !inMemory, library: library, label: label)
        var connection: duckdb_connection?
        guard library.api.pointee.connect(database.handle, &connection) == DuckDBSuccess, connection != nil else {
            database.release()
            throw ConnectorError(source: label, message: "cannot connect to DuckDB database \(path)")
        }
        self.database = database
        self.api = library.api
        self.connection = connection
        self.label = label
    }

    deinit {
        api.pointee.disconnect(&connection)
        database.release()
    }

    /// The library version, e.g. `v1.2.0`.
    public var libraryVersion: String { database.library.version }

    // MARK: - Running

    /// Runs statements that return nothing (DDL, INSERT, ...).
    public func execute(_ sql: String) throws {
        var sink = DiscardingSink()
        try run(sql, into: &sink)
    }

    private struct DiscardingSink: RowSink {
        mutating func columns(_ names: [String]) throws {}
        mutating func row(_ values: [JSONValue]) throws {}
    }

    /// Runs `sql` and streams the rows of its last statement into `sink` (the statements
    /// before it run first, their results discarded, as DuckDB's own `duckdb_query` does).
    /// Parameters bind to the last statement's `$1`... (DuckDB casts each value to the type
    /// its place in the statement wants).
    public func run<Sink: RowSink>(_ sql: String, parameters: [JSONValue], into sink: inout Sink) throws {
        // A cancel stays (it may come between the pool's checkout and this call; a pool's
        // connections end with their cancelled build).
        stateLock.withLock { running = true }
        defer { stateLock.withLock { running = false } }
        let a = api.pointee
        var statements: duckdb_extracted_statements?
        let count = Int(a.extract_statements(connection, sql, &statements))
        defer { a.destroy_extracted(&statements) }
        guard count > 0 else {
            let text = statements.flatMap { a.extract_statements_error($0) }.map { String(cString: $0) }
            throw error(text ?? "the query has no SQL statement")
        }
        for index in 0..<count {
            try checkCancelled()
            var prepared: duckdb_prepared_statement?
            defer { a.destroy_prepare(&prepared) }
            guard a.prepare_extracted_statement(connection, statements, idx_t(index), &prepared) == DuckDBSuccess else {
                throw error(prepared.flatMap { a.prepare_error($0) }.map { String(cString: $0) } ?? "could not prepare the statement")
            }
            if index < count - 1 {
                var result = duckdb_result()
                defer { a.destroy_result(&result) }
                if a.execute_prepared(prepared, &result) != DuckDBSuccess {
                    throw error(a.result_error(&result).map { String(cString: $0) } ?? "the statement failed")
                }
                continue
            }
            // With parameters, the prepared statement's column types are not final until
            // the values are bound (DuckDB binds again when it runs).
            if parameters.isEmpty, let (column, typeName) = unsupportedColumn(prepared) {
                // Columns of types this version cannot decode are read as DuckDB's text:
                // the statement is wrapped in a SELECT that casts them.
                guard count == 1, let wrapped = textCastQuery(sql, prepared: prepared) else {
                    throw ConnectorError(
                        source: label,
                        message: "column '\(column)' has DuckDB type \(typeName), which visivo cannot read",
                        hint: "Cast it in the query, e.g. CAST(\(column) AS VARCHAR).")
                }
                var castPrepared: duckdb_prepared_statement?
                defer { a.destroy_prepare(&castPrepared) }
                guard a.prepare(connection, wrapped, &castPrepared) == DuckDBSuccess else {
                    throw ConnectorError(
                        source: label,
                        message: "column '\(column)' has DuckDB type \(typeName), which visivo reads as text, but casting it failed: "
                            + (castPrepared.flatMap { a.prepare_error($0) }.map { String(cString: $0) } ?? "unknown error"),
                        hint: "Cast it in the query, e.g. CAST(\(column) AS VARCHAR).")
                }
                try bind(parameters, to: castPrepared)
                try stream(castPrepared, into: &sink)
            } else {
                try bind(parameters, to: prepared)
                try stream(prepared, into: &sink)
            }
        }
    }

    private func bind(_ parameters: [JSONValue], to prepared: duckdb_prepared_statement?) throws {
        if let problem = DuckDBParameters.bind(parameters, to: prepared, api: api.pointee) { throw error(problem) }
    }

    /// Executes a prepared statement as a streaming result and feeds its chunks to `sink`.
    private func stream<Sink: RowSink>(_ prepared: duckdb_prepared_statement?, into sink: inout Sink) throws {
        let a = api.pointee
        var pending: duckdb_pending_result?
        defer { a.destroy_pending(&pending) }
        guard a.pending_prepared_streaming(prepared, &pending) == DuckDBSuccess else {
            throw error(pending.flatMap { a.pending_error($0) }.map { String(cString: $0) } ?? "could not start the query")
        }
        // Run the query task by task (rather than in one duckdb_execute_pending call) so a
        // cancel that lands before DuckDB starts executing, and so before it listens for
        // interrupts, is still seen.
        execution: while true {
            try checkCancelled()
            switch a.pending_execute_task(pending) {
            case DUCKDB_PENDING_RESULT_READY:
                break execution
            case DUCKDB_PENDING_ERROR:
                throw error(a.pending_error(pending).map { String(cString: $0) } ?? "the query failed")
            case DUCKDB_PENDING_NO_TASKS_AVAILABLE:
                usleep(100)  // DuckDB's own threads are busy with it
            default:
                break
            }
        }
        var result = duckdb_result()
        defer { a.destroy_result(&result) }
        guard a.execute_pending(pending, &result) == DuckDBSuccess else {
            throw error(a.result_error(&result).map { String(cString: $0) } ?? "the query failed")
        }
        let columnCount = Int(a.column_count(&result))
        var names: [String] = []
        var types: [DuckDBType] = []
        for c in 0..<columnCount {
            names.append(a.column_name(&result, idx_t(c)).map { String(cString: $0) } ?? "")
            var type = a.column_logical_type(&result, idx_t(c))
            if let t = type {
                types.append(DuckDBType.from(t, api: api))
                a.destroy_logical_type(&type)
            } else {
                types.append(.unsupported(name: "unknown"))
            }
        }
        try sink.columns(names)

        var row = [JSONValue](repeating: .null, count: columnCount)
        var views: [DuckDBVectorView] = []
        views.reserveCapacity(columnCount)
        while true {
            try checkCancelled()
            guard let chunk = a.fetch_chunk(result) else {
                if let e = a.result_error(&result) { throw error(String(cString: e)) }
                break
            }
            var owned: duckdb_data_chunk? = chunk
            defer { a.destroy_data_chunk(&owned) }
            let size = Int(a.data_chunk_get_size(chunk))
            views.removeAll(keepingCapacity: true)
            for c in 0..<columnCount {
                guard let vector = a.data_chunk_get_vector(chunk, idx_t(c)) else {
                    throw error("DuckDB returned a chunk without column \(c)")
                }
                views.append(DuckDBVectorView(vector, type: types[c], api: api))
            }
            for r in 0..<size {
                for c in 0..<columnCount { row[c] = DuckDBValue.decode(types[c], views[c], r) }
                try sink.row(row)
            }
        }
    }

    /// Stops the running statement (safe from any thread); every later `run` on this
    /// connection throws "cancelled".
    public func cancel() {
        stateLock.withLock {
            cancelRequested = true
            if running { api.pointee.interrupt(connection) }
        }
    }

    // MARK: - Helpers

    private func checkCancelled() throws {
        if stateLock.withLock({ cancelRequested }) {
            throw ConnectorError(source: label, message: "query cancelled", cancelled: true)
        }
    }

    /// DuckDB's error text as a ConnectorError: the first line is the message
    /// (`Catalog Error: Table with name x does not exist!`), the rest its detail.
    private func error(_ text: String) -> ConnectorError {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let wasCancelled = stateLock.withLock { cancelRequested } || trimmed.hasPrefix("INTERRUPT Error")
        if wasCancelled {
            return ConnectorError(source: label, message: "query cancelled", detail: trimmed.isEmpty ? nil : trimmed, cancelled: true)
        }
        var message = trimmed.isEmpty ? "DuckDB error" : trimmed
        var detail: String?
        if let newline = message.firstIndex(of: "\n") {
            let rest = message[newline...].trimmingCharacters(in: .whitespacesAndNewlines)
            message = String(message[..<newline])
            detail = rest.isEmpty ? nil : rest
        }
        return ConnectorError(source: label, message: message, detail: detail)
    }
}
