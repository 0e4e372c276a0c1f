import VisivoSupport

/// A database failure, as the user should read it: never a password or a connection string.
public struct ConnectorError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The source the failure came from.
    public var source: String
    public var message: String
    /// PostgreSQL's SQLSTATE, SQLite's extended result code, a server's error number.
    public var code: String?
    public var detail: String?
    public var hint: String?
    /// True when the query stopped because it was cancelled.
    public var cancelled = false

    public init(source: String, message: String, code: String? = nil, detail: String? = nil, hint: String? = nil, cancelled: Bool = false) {
        self.source = source
        self.message = message
        self.code = code
        self.detail = detail
        self.hint = hint
        self.cancelled = cancelled
    }

    public var description: String {
        var s = message
        if let code { s = "[\(code)] " + s }
        if let detail { s += "\nDETAIL: \(detail)" }
        if let hint { s += "\nHINT: \(hint)" }
        return s
    }
}

/// Receives a query's result as it streams: the column names once, then each row.
/// Values are already encoded as docs/project-format.md's value table says.
public protocol RowSink {
    mutating func columns(_ names: [String]) throws
    mutating func row(_ values: [JSONValue]) throws
}

/// One open connection to a source. Used by one worker thread at a time; `cancel()` may
/// be called from any thread while `run` is blocked.
public protocol Connection: AnyObject, Sendable {
    /// Runs one statement and streams its rows into `sink`. `parameters` are the values of
    /// its placeholders (`InputBinding.placeholder`), bound by the database's own protocol:
    /// never written into the SQL text.
    func run<Sink: RowSink>(_ sql: String, parameters: [JSONValue], into sink: inout Sink) throws
    /// Asks the running statement, if any, to stop; `run` then throws a cancelled error.
    func cancel()
}

extension Connection {
    /// Runs a statement without parameters.
    public func run<Sink: RowSink>(_ sql: String, into sink: inout Sink) throws {
        try run(sql, parameters: [], into: &sink)
    }
}
