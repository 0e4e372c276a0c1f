import CMariaDB
import Foundation
import VisivoProject
import VisivoSupport

/// One MariaDB Connector/C connection to a MySQL or MariaDB source.
///
/// `@unchecked Sendable`: the `MYSQL` handle is only used by one worker thread at a time
/// (the `Connection` contract). `cancel()` may come from another thread; it opens a second
/// connection and sends `KILL QUERY <thread id>`. Only when that fails does it touch the
/// session: it shuts its socket down (read while `run` holds the handle, which it does not
/// replace while running).
public final class MySQLConnection: Connection, @unchecked Sendable {
    private var mysql: UnsafeMutablePointer<MYSQL>
    private let settings: Settings
    private let cancelLock = NSLock()
    /// Guarded by `cancelLock`: the server thread of the open session, and whether a
    /// statement is running (so `cancel()` with nothing running kills nothing later).
    private var threadID: UInt = 0
    private var running = false
    private var cancelRequested = false

    /// What it takes to open a session; kept for reconnecting and for the cancel session.
    struct Settings: Sendable {
        var sourceName: String
        var host: String
        var port: UInt32
        var user: String?
        var password: String?
        var database: String?
        var sslMode: Source.SSLMode
        var sslCA: String?
        var sslCert: String?
        var sslKey: String?
    }

    /// The client library's one-time global set-up, which is not thread-safe by itself.
    private static let libraryReady: Bool = mysql_server_init(0, nil, nil) == 0

    /// Opens the session (blocking; at most 10 s to connect).
    public init(source: Source, projectDirectory: String) throws {
        let sslMode: Source.SSLMode
        if let text = source.sslmode, !text.isEmpty {
            guard let mode = Source.SSLMode(setting: text) else {
                let known = Source.SSLMode.allCases.map(\.rawValue)
                throw ConnectorError(
                    source: source.name, message: "unknown sslmode '\(text)' (use \(known.dropLast().joined(separator: ", ")) or \(known.last!))")
            }
            sslMode = mode
        } else {
            sslMode = (source.sslCA ?? source.sslCert ?? source.sslKey) != nil ? .prefer : .disable
        }
        func path(_ p: String?) -> String? { p.map { ConnectionPool.resolve($0, in: projectDirectory) } }
        settings = Settings(
            sourceName: source.name,
            host: source.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: try Self.port(source),
            user: source.username,
            password: source.password,
            database: source.database.isEmpty ? nil : source.database,
            sslMode: sslMode, sslCA: path(source.sslCA), sslCert: path(source.sslCert), sslKey: path(source.sslKey))
        mysql = try Self.open(settings)
        threadID = UInt(mysql_thread_id(mysql))
    }

    deinit {
        mysql_close(mysql)
    }

    private static func port(_ source: Source) throws -> UInt32 {
        guard let port = source.port else { return 3306 }
        guard (1...65535).contains(port) else {
            throw ConnectorError(source: source.name, message: "port \(port) is not a TCP port (1-65535)")
        }
        return UInt32(port)
    }

    /// Opens and configures one session: UTF-8 (utf8mb4) and UTC for TIMESTAMP values.
    static func open(_ s: Settings) throws -> UnsafeMutablePointer<MYSQL> {
        guard libraryReady, let m = mysql_init(nil) else {
            throw ConnectorError(source: s.sourceName, message: "could not initialise the MySQL client library")
        }
        var timeout: UInt32 = 10
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        var yes: my_bool = 1
        if s.sslMode != .disable {
            mysql_ssl_set(m, s.sslKey, s.sslCert, s.sslCA, nil, nil)
        }
        if s.sslMode == .require || s.sslMode == .verifyCA || s.sslMode == .verifyFull {
            mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &yes)
        }
        if s.sslMode == .verifyCA || s.sslMode == .verifyFull {
            mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes)
        }
        guard mysql_real_connect(m, s.host, s.user, s.password, s.database, s.port, nil, 0) != nil else {
            let error = Self.error(m, settings: s, fallback: "could not connect to the MySQL server")
            mysql_close(m)
            throw error
        }
        // Connector/C accepts a plain connection despite MYSQL_OPT_SSL_ENFORCE unless the
        // certificate is verified too; `require` means encrypted, so check.
        if s.sslMode != .disable && s.sslMode != .prefer && mysql_get_ssl_cipher(m) == nil {
            mysql_close(m)
            throw ConnectorError(
                source: s.sourceName, message: "TLS is required (sslmode: \(s.sslMode.rawValue)) but the server at \(s.host):\(s.port) does not support it",
                code: "2026")
        }
        let setup = "SET time_zone = '+00:00'"
        guard mysql_real_query(m, setup, UInt(setup.utf8.count)) == 0 else {
            let error = Self.error(m, settings: s, fallback: "could not set the session time zone")
            mysql_close(m)
            throw error
        }
        return m
    }

    /// Runs `sql` and streams the rows of its result set into `sink` (`mysql_use_result`:
    /// rows are read from the socket as the sink takes them, never held all at once).
    /// With parameters, `sql` reads them as `@visivo_pN` (see `MySQLParameters`).
    public func run<Sink: RowSink>(_ sql: String, parameters: [JSONValue], into sink: inout Sink) throws {
        try reconnectIfLost()
        cancelLock.lock()
        running = true
        let cancelledEarly = cancelRequested
        cancelLock.unlock()
        defer {
            cancelLock.lock()
            running = false
            cancelLock.unlock()
        }
        if cancelledEarly { throw ConnectorError(source: settings.sourceName, message: "query cancelled", cancelled: true) }
        let sql = parameters.isEmpty ? sql : try MySQLParameters.prepare(sql, parameters, on: mysql, source: settings.sourceName)

        guard mysql_real_query(mysql, sql, UInt(sql.utf8.count)) == 0 else {
            throw queryError(fallback: "the query failed")
        }
        guard let result = mysql_use_result(mysql) else {
            if mysql_field_count(mysql) == 0 {
                // A statement without a result set (SET, CREATE ...): no columns, no rows.
                try sink.columns([])
                return
            }
            throw queryError(fallback: "could not read the result")
        }
        var sinkError: (any Error)?
        do {
            let count = Int(mysql_num_fields(result))
            var fields: [Field] = []
            fields.reserveCapacity(count)
            if let raw = mysql_fetch_fields(result) {
                for i in 0..<count { fields.append(Field(raw[i])) }
            }
            try sink.columns(fields.map(\.name))
            var values: [JSONValue] = []
            values.reserveCapacity(count)
            while let row = mysql_fetch_row(result) {
                guard let lengths = mysql_fetch_lengths(result) else { break }
                values.removeAll(keepingCapacity: true)
                for i in 0..<count {
                    guard let p = row[i] else {
                        values.append(.null)
                        continue
                    }
                    let bytes = UnsafeRawBufferPointer(start: p, count: Int(lengths[i]))
                    values.append(fields[i].encode(bytes))
                }
                try sink.row(values)
            }
        } catch {
            sinkError = error
            // mysql_free_result reads the remaining rows; stop the server from sending them.
            killRunningQuery()
        }
        let failed = mysql_errno(mysql) != 0
        let error = failed ? queryError(fallback: "reading the result failed") : nil
        mysql_free_result(result)
        // A CALL (or anything else with more results) sends them after the first; they
        // must be read, or the session is out of sync for its next query.
        if !failed {
            while mysql_next_result(mysql) == 0 {
                if let more = mysql_use_result(mysql) { mysql_free_result(more) }
            }
        }
        if let sinkError { throw sinkError }
        if let error { throw error }
        // A killed SLEEP() (and some other statements) returns normally: the rows may be cut short.
        cancelLock.lock()
        let cancelled = cancelRequested
        cancelLock.unlock()
        if cancelled { throw ConnectorError(source: settings.sourceName, message: "query cancelled", cancelled: true) }
    }

    /// Stops the running statement; every later `run` on this connection throws "cancelled"
    /// (a pool's connections live for one build, and a cancelled build ends).
    public func cancel() {
        cancelLock.lock()
        cancelRequested = true
        cancelLock.unlock()
        killRunningQuery()
    }

    /// Sends `KILL QUERY <thread id>` over a second, short-lived session.
    private func killRunningQuery() {
        cancelLock.lock()
        let id = threadID
        let isRunning = running
        cancelLock.unlock()
        guard isRunning, id != 0 else { return }
        let sql = "KILL QUERY \(id)"
        if let killer = try? Self.open(settings) {
            let sent = mysql_real_query(killer, sql, UInt(sql.utf8.count)) == 0
            mysql_close(killer)
            if sent { return }
        }
        // No second session (a connection limit, a dead network): cut this session's socket,
        // so the blocked read returns with "lost connection"; the next run reconnects.
        cancelLock.lock()
        let socket = running ? mysql_get_socket(mysql) : -1
        cancelLock.unlock()
        if socket >= 0 { shutdown(Int32(socket), Int32(SHUT_RDWR)) }
    }

    // MARK: - Errors and reconnecting

    /// Client-side errors (2000-2999) such as "server has gone away" leave the session unusable.
    private var lost = false

    private func reconnectIfLost() throws {
        guard lost else { return }
        let fresh = try Self.open(settings)
        mysql_close(mysql)
        mysql = fresh
        lost = false
        cancelLock.lock()
        threadID = UInt(mysql_thread_id(mysql))
        cancelLock.unlock()
    }

    private func queryError(fallback: String) -> ConnectorError {
        var error = Self.error(mysql, settings: settings, fallback: fallback)
        let code = Int(mysql_errno(mysql))
        if (2000..<3000).contains(code) { lost = true }
        cancelLock.lock()
        // 1317: "Query execution was interrupted" (KILL QUERY).
        error.cancelled = cancelRequested || code == 1317
        cancelLock.unlock()
        return error
    }

    /// The server's error number and message; the password scrubbed out, never printed.
    private static func error(_ m: UnsafeMutablePointer<MYSQL>, settings: Settings, fallback: String) -> ConnectorError {
        let code = mysql_errno(m)
        var message = mysql_error(m).map { String(cString: $0) } ?? ""
        if message.isEmpty { message = fallback }
        return ConnectorError(
            source: settings.sourceName,
            message: SecretScrubber.scrub(message, secrets: settings.password.map { [$0] } ?? []),
            code: code == 0 ? nil : String(code))
    }
}
