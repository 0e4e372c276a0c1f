import CLibPQ
import Foundation
import VisivoProject
import VisivoSupport

/// One libpq connection to a PostgreSQL source.
///
/// `@unchecked Sendable`: the `PGconn` is only ever used by one worker thread at a time
/// (the `Connection` contract), so it needs no lock. The one thing another thread may do is
/// `cancel()`, which goes through a `PGcancel` object — libpq documents `PQcancel` as safe
/// to call from another thread while the connection is busy. The `PGcancel` is replaced
/// when the connection is reset, so it sits behind `cancelLock`.
public final class PostgreSQLConnection: Connection, @unchecked Sendable {
    private let conn: OpaquePointer
    private let sourceName: String
    /// Kept only to scrub it out of error text.
    private let password: String?
    private let cancelLock = NSLock()
    /// Guarded by `cancelLock`.
    private var cancelHandle: OpaquePointer?

    /// Opens the connection (blocking; at most `connect_timeout` = 10 s).
    public init(source: Source) throws {
        sourceName = source.name
        password = source.password

        var options = "-c TimeZone=UTC -c DateStyle=ISO"
        if let schema = source.dbSchema, !schema.isEmpty {
            options += " -c search_path=" + Self.escapeOptionValue(schema)
        }
        var params: [(String, String)] = []
        if let host = source.host, !host.isEmpty { params.append(("host", host)) }
        if let port = source.port { params.append(("port", String(port))) }
        if !source.database.isEmpty { params.append(("dbname", source.database)) }
        if let user = source.username, !user.isEmpty { params.append(("user", user)) }
        if let password = source.password { params.append(("password", password)) }
        if let sslmode = source.sslmode, !sslmode.isEmpty { params.append(("sslmode", sslmode)) }
        params.append(("options", options))
        params.append(("application_name", "visivo"))
        params.append(("connect_timeout", "10"))
        params.append(("client_encoding", "UTF8"))

        let handle = Self.connect(params)
        guard let handle else {
            throw ConnectorError(source: source.name, message: "could not allocate a PostgreSQL connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let raw = Self.trimmed(PQerrorMessage(handle))
            PQfinish(handle)
            throw ConnectorError(
                source: source.name,
                message: Self.scrub(
                    raw.isEmpty ? "could not connect to the PostgreSQL server" : raw,
                    password: source.password))
        }
        conn = handle
        // NOTICEs (e.g. "drop cascades to ...") would otherwise be printed to stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        cancelHandle = PQgetCancel(handle)
    }

    deinit {
        cancelLock.lock()
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        cancelHandle = nil
        cancelLock.unlock()
        PQfinish(conn)
    }

    /// Runs `sql` and streams the rows of its first row-returning result set into `sink`.
    /// (A string of several statements, e.g. `set ...; select ...`, is allowed; result sets
    /// after the first one that has columns are read and discarded.)
    /// With parameters, the statement goes by the extended protocol (`PQsendQueryParams`):
    /// `$1`... in the text, each value sent apart from it, its type inferred by the server.
    public func run<Sink: RowSink>(_ sql: String, parameters: [JSONValue], into sink: inout Sink) throws {
        try ensureConnected()
        let sent: Int32
        if parameters.isEmpty {
            sent = PQsendQuery(conn, sql)
        } else {
            let texts: [String?] = parameters.map { $0 == .null ? nil : $0.text }
            var pointers: [UnsafeMutablePointer<CChar>?] = texts.map { $0.flatMap { strdup($0) } }
            defer { for p in pointers { free(p) } }
            sent = pointers.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) {
                    PQsendQueryParams(conn, sql, Int32(parameters.count), nil, $0, nil, nil, 0)
                }
            }
        }
        guard sent == 1 else {
            throw connectionError(fallback: "could not send the query to the server")
        }
        // If this fails the result simply arrives in one piece; both are handled below.
        _ = PQsetSingleRowMode(conn)

        var columnsSent = false
        var firstSetDone = false
        var types: [Oid] = []
        var serverError: ConnectorError?
        var sinkError: (any Error)?

        while let res = PQgetResult(conn) {
            defer { PQclear(res) }
            if serverError != nil || sinkError != nil { continue }  // draining
            let status = PQresultStatus(res)
            switch status {
            case PGRES_SINGLE_TUPLE, PGRES_TUPLES_OK:
                if firstSetDone { continue }
                do {
                    let ncols = Int(PQnfields(res))
                    if !columnsSent {
                        var names: [String] = []
                        names.reserveCapacity(ncols)
                        for c in 0..<ncols {
                            names.append(PQfname(res, Int32(c)).map { String(cString: $0) } ?? "")
                            types.append(PQftype(res, Int32(c)))
                        }
                        columnsSent = true
                        try sink.columns(names)
                    }
                    let nrows = Int(PQntuples(res))
                    for r in 0..<nrows {
                        var values: [JSONValue] = []
                        values.reserveCapacity(ncols)
                        for c in 0..<ncols {
                            values.append(
                                Self.value(
                                    res, row: Int32(r), column: Int32(c),
                                    type: c < types.count ? types[c] : 0))
                        }
                        try sink.row(values)
                    }
                } catch {
                    sinkError = error
                    cancel()
                }
                if status == PGRES_TUPLES_OK { firstSetDone = true }
            case PGRES_FATAL_ERROR, PGRES_BAD_RESPONSE, PGRES_NONFATAL_ERROR:
                serverError = error(from: res)
            case PGRES_COPY_OUT:
                // Swallow the copy data so the connection stays usable.
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(conn, &buffer, 0) > 0 {
                    PQfreemem(buffer)
                    buffer = nil
                }
                serverError = ConnectorError(source: sourceName, message: "COPY ... TO STDOUT is not supported")
            case PGRES_COPY_IN, PGRES_COPY_BOTH:
                _ = PQputCopyEnd(conn, "COPY FROM STDIN is not supported by visivo")
                serverError = ConnectorError(source: sourceName, message: "COPY ... FROM STDIN is not supported")
            default:
                break  // PGRES_COMMAND_OK, PGRES_EMPTY_QUERY
            }
        }
        if let sinkError { throw sinkError }
        if let serverError { throw serverError }
    }

    /// Asks the server to stop the running statement (safe from any thread).
    public func cancel() {
        cancelLock.lock()
        defer { cancelLock.unlock() }
        guard let cancelHandle else { return }
        var errbuf = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &errbuf, Int32(errbuf.count))
    }

    // MARK: - Connection state

    private func ensureConnected() throws {
        guard PQstatus(conn) != CONNECTION_OK else { return }
        PQreset(conn)
        guard PQstatus(conn) == CONNECTION_OK else {
            throw connectionError(fallback: "the connection to the server was lost and could not be re-established")
        }
        // The backend (and so its cancel key) changed.
        cancelLock.lock()
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        cancelHandle = PQgetCancel(conn)
        cancelLock.unlock()
    }

    private func connectionError(fallback: String) -> ConnectorError {
        let raw = Self.trimmed(PQerrorMessage(conn))
        return ConnectorError(source: sourceName, message: Self.scrub(raw.isEmpty ? fallback : raw, password: password))
    }

    private func error(from res: OpaquePointer) -> ConnectorError {
        func field(_ code: Int) -> String? {
            guard let p = PQresultErrorField(res, Int32(code)) else { return nil }
            let s = String(cString: p)
            return s.isEmpty ? nil : Self.scrub(s, password: password)
        }
        let code = field(Int(VISIVO_PG_DIAG_SQLSTATE))
        // Client-side failures (e.g. a lost connection) carry no fields, only the whole text.
        var message = field(Int(VISIVO_PG_DIAG_MESSAGE_PRIMARY)) ?? Self.trimmed(PQresultErrorMessage(res))
        if message.isEmpty { message = Self.trimmed(PQerrorMessage(conn)) }
        if message.isEmpty { message = "query failed" }
        return ConnectorError(
            source: sourceName,
            message: Self.scrub(message, password: password),
            code: code,
            detail: field(Int(VISIVO_PG_DIAG_MESSAGE_DETAIL)),
            hint: field(Int(VISIVO_PG_DIAG_MESSAGE_HINT)),
            cancelled: code == "57014")
    }

    // MARK: - Values

    private static func value(_ res: OpaquePointer, row: Int32, column: Int32, type: Oid) -> JSONValue {
        if PQgetisnull(res, row, column) == 1 { return .null }
        guard let p = PQgetvalue(res, row, column) else { return .null }
        let length = Int(PQgetlength(res, row, column))
        let text = String(decoding: UnsafeRawBufferPointer(start: p, count: length), as: UTF8.self)
        return encode(text, type: type)
    }

    /// Type OIDs from pg_type.
    enum TypeOID {
        static let bool: Oid = 16
        static let int8: Oid = 20
        static let int2: Oid = 21
        static let int4: Oid = 23
        static let oid: Oid = 26
        static let float4: Oid = 700
        static let float8: Oid = 701
        static let date: Oid = 1082
        static let timestamp: Oid = 1114
        static let timestamptz: Oid = 1184
        static let numeric: Oid = 1700
    }

    /// Encodes one non-NULL value from its text form (session settings: DateStyle=ISO, TimeZone=UTC).
    static func encode(_ text: String, type: Oid) -> JSONValue {
        switch type {
        case TypeOID.int2, TypeOID.int4, TypeOID.int8, TypeOID.oid:
            return .number(text)
        case TypeOID.float4, TypeOID.float8:
            guard let d = Double(text) else { return .string(text) }
            return JSONValue.double(d)  // NaN / ±Infinity -> null
        case TypeOID.numeric:
            // NaN and (PostgreSQL 14+) ±Infinity are not JSON numbers.
            guard let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= 0x30 && first <= 0x39),
                text != "-Infinity"
            else { return .null }
            return .number(text)
        case TypeOID.bool:
            return .bool(text == "t" || text == "true")
        case TypeOID.timestamp:
            return .string(isoTimestamp(text, zoned: false))
        case TypeOID.timestamptz:
            return .string(isoTimestamp(text, zoned: true))
        default:  // date (already YYYY-MM-DD), text, and everything else
            return .string(text)
        }
    }

    /// `2024-01-03 08:15:00[.123][+00]` -> `2024-01-03T08:15:00[.123][Z]`.
    /// `infinity` and other space-free forms are left as they are.
    static func isoTimestamp(_ text: String, zoned: Bool) -> String {
        guard let space = text.firstIndex(of: " ") else { return text }
        var s = text
        s.replaceSubrange(space...space, with: "T")
        guard zoned else { return s }
        if s.hasSuffix("+00") {
            s.removeLast(3)
            s += "Z"
        } else {
            // Another zone (a query changed TimeZone): make "+05" a full "+05:00".
            let u = Array(s.utf8)
            if u.count >= 3, u[u.count - 3] == UInt8(ascii: "+") || u[u.count - 3] == UInt8(ascii: "-"),
                u[u.count - 2] >= 0x30, u[u.count - 2] <= 0x39, u[u.count - 1] >= 0x30, u[u.count - 1] <= 0x39
            {
                s += ":00"
            }
        }
        return s
    }

    // MARK: - Helpers

    private static func connect(_ params: [(String, String)]) -> OpaquePointer? {
        let keys = params.map { strdup($0.0) }
        let values = params.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keyPtrs: [UnsafePointer<CChar>?] = keys.map { UnsafePointer($0) } + [nil]
        let valuePtrs: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        return keyPtrs.withUnsafeBufferPointer { k in
            valuePtrs.withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 0)
            }
        }
    }

    /// A value inside libpq's `options` string: spaces and backslashes are backslash-escaped.
    static func escapeOptionValue(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "\\" || ch == " " || ch == "\t" { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    private static func trimmed(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The password must never reach an error message.
    static func scrub(_ text: String, password: String?) -> String {
        SecretScrubber.scrub(text, secrets: password.map { [$0] } ?? [])
    }
}
