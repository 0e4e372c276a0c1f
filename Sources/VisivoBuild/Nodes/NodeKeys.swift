import Foundation
import VisivoConnectors
import VisivoProject
import VisivoQuery
import VisivoSupport

/// Each node kind's key (everything its result depends on) and the output fingerprint it
/// hands on to its dependents. Both the build and the plan (`dag`, `--dry-run`) compute
/// them here and nowhere else.
enum NodeKeys {
    static func hash(_ bytes: some Sequence<UInt8>) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("bytes", bytes: bytes)
        return h.finalize()
    }

    /// A source: its connection settings without secrets, the database file's content for
    /// file sources (WAL included), and the freshness probe's answer when there is one.
    /// `file` hashes a file, `absent` notes an optional file that is not there; `probe`
    /// runs the freshness probe (nil: none, or not now), after the files are read.
    static func source(
        _ s: Source, in project: CompiledProject, file: (String) throws -> Fingerprint, absent: (String) -> Void, probe: () throws -> Fingerprint?
    ) throws -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "source")
        h.add("type", s.type.rawValue)
        func addFile(_ path: String, wal suffix: String) throws {
            h.add("file", try file(path))
            // Commits still in a write-ahead log (SQLite `-wal`, DuckDB `.wal`) are data too.
            let wal = path + suffix
            if FileManager.default.fileExists(atPath: wal) { h.add("wal", try file(wal)) } else { absent(wal) }
        }
        switch s.type {
        case .sqlite, .duckdb:
            try addFile(ConnectionPool.resolve(s.database, in: project.project.directory), wal: s.type == .duckdb ? ".wal" : "-wal")
            for a in s.attach {
                let db = a.sourceName.flatMap { project.source(named: $0)?.database } ?? a.database
                h.add("attach", a.schemaName)
                try addFile(ConnectionPool.resolve(db, in: project.project.directory), wal: "-wal")
            }
        default:
            for (k, v) in [
                ("host", s.host), ("database", s.database), ("username", s.username), ("schema", s.dbSchema), ("account", s.account),
                ("warehouse", s.warehouse), ("role", s.role), ("project", s.project),
            ] {
                h.add(k, v ?? "")
            }
            h.add("port", s.port ?? 0)
        }
        if let answer = try probe() { h.add("probe", answer) }
        return h.finalize()
    }

    /// A SQL or local-merge model: its SQL and what it reads.
    static func model(_ kind: String, sql: String, inputs: [Fingerprint]) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", kind)
        h.add("sql", sql)
        for fp in inputs { h.add("in", fp) }
        return h.finalize()
    }

    /// A CSV-script model: its command line, its table, the typing rules, and the content
    /// of every file among its arguments.
    static func csv(_ args: [String], table: String, directory: String, file: (String) throws -> Fingerprint) throws -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "model.csv")
        // The typing rules too: a result in place from older rules is not this one.
        h.add("csv-typing", CSVTable.typingVersion)
        for a in args { h.add("arg", a) }
        h.add("table", table)
        for path in ScriptInputs.files(args: args, directory: directory) { h.add("file", try file(path)) }
        return h.finalize()
    }

    /// A CSV-script model's output: its bytes as typed by this version's rules, so that
    /// results built on an older typing are not taken for this one's.
    static func csvOutput(_ bytes: ArraySlice<UInt8>) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("csv-typing", CSVTable.typingVersion)
        h.add("bytes", bytes: bytes)
        return h.finalize()
    }

    /// What a local merge hands on: the rows it copied and the outputs of the CSV-script
    /// models it attaches as they are (their data is not in the copied rows).
    static func mergeOutput(body: some Sequence<UInt8>, attached: [Fingerprint]) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("copied", hash(body))
        for fp in attached { h.add("attached", fp) }
        return h.finalize()
    }

    /// A trace: the compiled SQL, the connector's identity and the model's output.
    static func trace(_ q: TraceQuery, upstream: Fingerprint) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "trace")
        h.add("dialect", q.dialect.kind.rawValue)
        h.add("sql", q.sql)
        h.add("in", upstream)
        return h.finalize()
    }

    /// An input whose options are listed (or a range): its definition.
    static func input(_ input: Input) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "input")
        h.add("definition", String(describing: input.options))
        h.add("default", String(describing: input.defaultValue))
        return h.finalize()
    }

    /// An input whose options come from a query: the query and its model's output.
    static func inputOptions(_ sql: String, dialect: Dialect, upstream: Fingerprint) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "input.options")
        h.add("dialect", dialect.kind.rawValue)
        h.add("sql", sql)
        h.add("in", upstream)
        return h.finalize()
    }

    /// What an insight bound to input values reads: its model's output and the values.
    static func bound(modelOutput: Fingerprint, parameters: [JSONValue]) -> Fingerprint {
        guard !parameters.isEmpty else { return modelOutput }
        var h = FingerprintHasher()
        h.add("in", modelOutput)
        for p in parameters { h.add("param", p.serialized) }
        return h.finalize()
    }

    /// A chart, table, selector or dashboard: nothing runs; it changes with its inputs.
    static func presentation(_ kind: ObjectKind, inputs: [Fingerprint]) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", kind.rawValue)
        for fp in inputs { h.add("in", fp) }
        return h.finalize()
    }
}

extension Fingerprint {
    /// Stands for an input that has no fingerprint (never happens for a built input).
    static let zero = Fingerprint(hex: String(repeating: "0", count: 64))!
}
