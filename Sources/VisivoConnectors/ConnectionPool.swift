import Foundation
import VisivoProject

/// Connections to one build's sources, opened on first use and reused for the whole
/// build; never more open to a source than its limit. Checkout blocks (on the caller's
/// own thread) while every connection of that source is in use.
public final class ConnectionPool: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var idle: [String: [any Connection]] = [:]
    private var open: [String: Int] = [:]
    private var busy: [ObjectIdentifier: any Connection] = [:]
    private var cancelled = false
    private let sources: [String: Source]
    private let limits: [String: Int]
    private let projectDirectory: String

    public init(sources: [Source], limits: [String: Int], projectDirectory: String) {
        var byName: [String: Source] = [:]
        for s in sources { byName[s.name] = s }
        self.sources = byName
        self.limits = limits
        self.projectDirectory = projectDirectory
    }

    /// The default number of connections per source type (documented in docs/sources).
    public static func defaultLimit(for type: Source.Kind, threads: Int) -> Int {
        switch type {
        case .sqlite, .duckdb: return threads
        case .postgresql, .mysql: return 4
        case .snowflake, .bigquery: return 8
        }
    }

    /// Runs `body` with a connection to `source`, returned to the pool afterwards.
    public func with<T>(_ source: String, _ body: (any Connection) throws -> T) throws -> T {
        let c = try checkout(source)
        defer { checkin(source, c) }
        return try body(c)
    }

    func checkout(_ name: String) throws -> any Connection {
        guard let source = sources[name] else {
            throw ConnectorError(source: name, message: "no source named '\(name)'")
        }
        condition.lock()
        while true {
            if cancelled {
                condition.unlock()
                throw ConnectorError(source: name, message: "build cancelled", cancelled: true)
            }
            if let c = idle[name]?.popLast() {
                busy[ObjectIdentifier(c)] = c
                condition.unlock()
                return c
            }
            if open[name, default: 0] < limits[name, default: 1] { break }
            condition.wait()
        }
        open[name, default: 0] += 1
        condition.unlock()
        do {
            let c = try Self.connect(source, projectDirectory: projectDirectory)
            condition.lock()
            if cancelled {
                // cancelAll came while this connection was being opened, and missed it.
                open[name, default: 1] -= 1
                condition.broadcast()
                condition.unlock()
                c.cancel()
                throw ConnectorError(source: name, message: "build cancelled", cancelled: true)
            }
            busy[ObjectIdentifier(c)] = c
            condition.unlock()
            return c
        } catch {
            condition.lock()
            open[name, default: 1] -= 1
            condition.broadcast()
            condition.unlock()
            throw error
        }
    }

    func checkin(_ name: String, _ c: any Connection) {
        condition.lock()
        busy.removeValue(forKey: ObjectIdentifier(c))
        idle[name, default: []].append(c)
        condition.signal()
        condition.unlock()
    }

    /// Cancels every running query and refuses new checkouts.
    public func cancelAll() {
        condition.lock()
        cancelled = true
        let running = Array(busy.values)
        condition.broadcast()
        condition.unlock()
        for c in running { c.cancel() }
    }

    /// Opens a connection of the source's type.
    public static func connect(_ source: Source, projectDirectory: String) throws -> any Connection {
        // The cloud services' secrets may come from the environment (key files, tokens).
        let environment = ProcessInfo.processInfo.environment
        switch source.type {
        case .sqlite:
            let db = try SQLiteDatabase(path: resolve(source.database, in: projectDirectory), label: source.name)
            for a in source.attach {
                try db.attach(path: resolve(a.database, in: projectDirectory), as: a.schemaName)
            }
            return db
        case .postgresql:
            return try PostgreSQLConnection(source: source)
        case .mysql:
            return try MySQLConnection(source: source, projectDirectory: projectDirectory)
        case .duckdb:
            return try DuckDBConnection(source: source, projectDirectory: projectDirectory)
        case .snowflake:
            return try SnowflakeConnection(source: source, projectDirectory: projectDirectory, environment: environment, retry: .standard)
        case .bigquery:
            return try BigQueryConnection(source: source, projectDirectory: projectDirectory, environment: environment, retry: .standard)
        }
    }

    package static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }
}
