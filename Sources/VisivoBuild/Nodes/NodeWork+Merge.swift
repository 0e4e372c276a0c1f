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
    /// A local merge: each upstream SQL model's rows copied into its own SQLite file
    /// (table `model`), CSV-script models attached as they are. The output fingerprint is
    /// the hash of the copied data, so an unchanged upstream result reruns no trace.
    func processMergeModel(_ i: Int, _ m: Model, _ step: CachedStep, mode: Mode) throws -> NodeResult? {
        let copied = copiedModels(of: m)
        func materialise(_ body: ArraySlice<UInt8>) throws -> Fingerprint {
            let out = step.output(body)
            guard case .object(let members)? = try? JSONParser.parse(Array(body)) else {
                throw NodeFailure(message: "cached merge data of '\(m.name)' is unreadable")
            }
            try FileManager.default.createDirectory(atPath: outputs.mergeDirectory(m.name), withIntermediateDirectories: true)
            for member in members {
                guard let table = MergeTable(member.value) else { continue }
                let path = outputs.mergeTablePath(merge: m.name, upstream: member.key)
                try outputs.refuseLinkedFolder(of: path)
                record.distrust(path)
                try table.write(to: path, label: m.name, scratch: outputs.scratchDirectory)
                record.recordWrite(path, hash: out.hex)
            }
            return out
        }
        return try settle(
            step, mode: mode,
            restore: { try materialise($0.body) },
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
                let out = try materialise(body[...])
                return (CachedResult(queriedAt: queriedAt, rows: nil, body: body), out)
            })
    }
}
