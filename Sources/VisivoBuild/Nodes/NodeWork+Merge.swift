import Foundation
import VisivoConnectors
import VisivoProject
import VisivoSupport

/// Rows of one upstream model, copied for a local merge.
struct MergeTable: RowSink {
    var columns: [String] = []
    var rows: [[JSONValue]] = []
    mutating func columns(_ names: [String]) throws { columns = names }
    mutating func row(_ values: [JSONValue]) throws { rows.append(values) }

    /// `{"columns":[...],"rows":[[...],...]}`
    var json: JSONValue { .object([("columns", .array(columns.map { .string($0) })), ("rows", .array(rows.map { .array($0) }))]) }

    init() {}
    init?(_ v: JSONValue) {
        guard case .array(let cols)? = v["columns"], case .array(let rows)? = v["rows"] else { return nil }
        columns = cols.compactMap(\.stringValue)
        self.rows = rows.map { if case .array(let r) = $0 { return r } else { return [] } }
    }

    /// Writes the rows into table `model` of a new SQLite file (columns untyped, as SQLite allows).
    func write(to path: String, label: String, scratch: String?) throws {
        try SQLiteDatabase.writeTable(rows, columns: columns.map { ($0, "") }, table: "model", to: path, label: label, scratch: scratch)
    }
}

extension NodeWork {
    /// The key of a SQL or local-merge model: its SQL and what it reads.
    static func modelKey(_ kind: String, sql: String, inputs: [Fingerprint]) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", kind)
        h.add("sql", sql)
        for fp in inputs { h.add("in", fp) }
        return h.finalize()
    }

    /// What a local merge hands on: the rows it copied and the outputs of the CSV-script
    /// models it attaches as they are (their data is not in the copied rows).
    static func mergeOutput(body: [UInt8], attached: [Fingerprint]) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("copied", hash(body))
        for fp in attached { h.add("attached", fp) }
        return h.finalize()
    }

    func mergeTablePath(merge: String, upstream: String) -> String {
        "\(options.outputDirectory)/\(merge)/\(upstream).sqlite"
    }

    /// A local merge: each upstream SQL model's rows copied into its own SQLite file
    /// (table `model`), CSV-script models attached as they are. The output fingerprint is
    /// the hash of the copied data, so an unchanged upstream result reruns no trace.
    func processMergeModel(_ i: Int, _ m: Model, refs: [Ref]) throws -> NodeResult {
        guard case .localMerge(_, let sql) = m.kind else { throw NodeFailure(message: "internal error") }
        let key = Self.modelKey("model.local_merge", sql: sql, inputs: graph.needs[i].map { input($0) ?? .zero })
        let copied = refs.compactMap { compiled.model(named: $0.name) }.filter { if case .csvScript = $0.kind { return false } else { return true } }
        let paths = copied.map { mergeTablePath(merge: m.name, upstream: $0.name) }

        let attachedInputs = graph.needs[i].filter { graph.nodes[$0].type == "csv_script" }.map { input($0) ?? .zero }
        func materialise(_ body: [UInt8]) throws -> Fingerprint {
            let out = Self.mergeOutput(body: body, attached: attachedInputs)
            guard case .object(let members)? = try? JSONParser.parse(body) else {
                throw NodeFailure(message: "cached merge data of '\(m.name)' is unreadable")
            }
            try FileManager.default.createDirectory(atPath: "\(options.outputDirectory)/\(m.name)", withIntermediateDirectories: true)
            for member in members {
                guard let table = MergeTable(member.value) else { continue }
                let path = mergeTablePath(merge: m.name, upstream: member.key)
                try refuseLinkedFolder(of: path)
                shared.withLock { $0.stat.distrust(path) }
                try table.write(to: path, label: m.name, scratch: scratchDirectory)
                shared.withLock { $0.stat.record(path, hash: out.hex) }
            }
            return out
        }
        return try cachedOrRun(
            name: m.name, key: key, maxAge: m.maxAge, refresh: refreshes(i),
            intact: { out in
                shared.withLock { s in
                    for p in paths where !s.stat.confirm(p, hash: out.hex) { return false }
                    return true
                }
            },
            restore: { try materialise(Array($0.body)) },
            run: {
                var members: [(String, JSONValue)] = []
                let queriedAt = Date()
                for up in copied {
                    var table = MergeTable()
                    do {
                        switch up.kind {
                        case .sql(let upSQL, let source):
                            let s = source?.name ?? project.defaults.sourceName?.name ?? ""
                            try pool.with(s) { try $0.run(upSQL, into: &table) }
                        case .localMerge(_, let upSQL):
                            try modelDatabase(up.name).run(upSQL, into: &table)
                        case .csvScript:
                            continue
                        }
                    } catch let e as ConnectorError {
                        throw NodeFailure(message: "copying model '\(up.name)' for local merge '\(m.name)' failed: \(e)", cancelled: e.cancelled)
                    }
                    members.append((up.name, table.json))
                }
                let body = Array(JSONValue.object(members).serialized.utf8)
                let out = try materialise(body)
                return (CachedResult(queriedAt: queriedAt, rows: nil, body: body), out)
            })
    }
}
