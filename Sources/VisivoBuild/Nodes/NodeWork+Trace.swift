import Foundation
import VisivoConnectors
import VisivoProject
import VisivoQuery
import VisivoSupport

extension NodeWork {
    /// A trace: its query run where its model's data is (a source, or the SQLite file of a
    /// CSV-script or local-merge model), the rows encoded as data.json.
    func processTrace(_ i: Int, _ t: Trace, _ step: CachedStep, mode: Mode) throws -> NodeResult? {
        guard let compiledQuery = compiled.queries[t.name], let target = compiled.targets[t.name],
            let model = graph.needs[i].first, let modelOutput = record.output(of: model)
        else {
            throw NodeFailure(message: "internal error: trace '\(t.name)' was not compiled")
        }
        let (q, upstream) = try bound(t, compiledQuery, modelOutput: modelOutput)
        let (_, label, settled) = traceKey(i, q, upstream: upstream)
        // Settled in this session with this very key: nothing to check.
        if let settled, let result = settled.result, !step.refresh,
            !record.expired(settled.queriedAt, step.maxAge)
        {
            record.noteResult(reused: true, queriedAt: settled.queriedAt, maxAge: step.maxAge)
            return result
        }
        let dataPath = outputs.dataPath(trace: t.name), queryPath = outputs.queryPath(trace: t.name)
        var note: String? = nil
        func write(_ bytes: ArraySlice<UInt8>) throws -> Fingerprint {
            let out = NodeKeys.hash(bytes)
            try outputs.write(bytes, to: dataPath, hash: out.hex, record: record)
            return out
        }
        func writeQuery() throws { try outputs.writeUnlessHeld(queryPath, label: label, record: record) { Array(q.fileText.utf8) } }
        guard
            let result = try settle(
                step, mode: mode,
                restore: { cached in
                    try writeQuery()
                    return try write(cached.body)
                },
                run: {
                    try writeQuery()
                    var sink = TraceData(dialect: q.dialect)
                    let queriedAt = Date()
                    let queryStarted = ContinuousClock.now
                    defer { addQueryTime(ContinuousClock.now - queryStarted) }
                    do {
                        switch target {
                        case .source(let s):
                            try pool.with(s) { try $0.run(q.sql, parameters: q.parameters, into: &sink) }
                        case .model(let m):
                            try modelDatabase(m).run(q.sql, parameters: q.parameters, into: &sink)
                        }
                    } catch let e as ConnectorError {
                        let on = target.displayName
                        throw NodeFailure(message: "query failed on source '\(on)' (\(outputs.relative(queryPath))): \(e)", cancelled: e.cancelled)
                    }
                    if sink.droppedNullCohort > 0 {
                        note = "dropped \(sink.droppedNullCohort) row\(sink.droppedNullCohort == 1 ? "" : "s") whose cohort_on is NULL"
                    }
                    let header = CachedResult.header(queriedAt: queriedAt, rows: sink.rows)
                    let result = CachedResult(queriedAt: queriedAt, rows: sink.rows, storage: sink.finish(prefix: header), bodyStart: header.count)
                    return (result, try write(result.body))
                })
        else { return nil }
        session?.settle(
            t.name, result: NodeResult(status: .reused, output: result.output, rows: result.rows),
            queriedAt: record.withLock { $0.state.nodes[t.name]?.queriedAt })
        var r = result
        if let note { r.note = note }
        return r
    }

    /// A connection to the SQLite data a CSV-script or local-merge model materialised.
    func modelDatabase(_ name: String) throws -> SQLiteDatabase {
        guard let m = compiled.model(named: name) else { throw NodeFailure(message: "no model named '\(name)'") }
        switch m.kind {
        case .csvScript:
            return try SQLiteDatabase(path: outputs.csvDatabasePath(name), label: name)
        case .localMerge(let refs, _):
            let db = try SQLiteDatabase(path: ":memory:", label: name, writable: true)
            for r in refs {
                guard let up = compiled.model(named: r.name) else { continue }
                if case .csvScript = up.kind {
                    try db.attach(path: outputs.csvDatabasePath(up.name), as: up.name)
                } else {
                    try db.attach(path: outputs.mergeTablePath(merge: name, upstream: up.name), as: up.name)
                }
            }
            return db
        case .sql:
            throw NodeFailure(message: "internal error: model '\(name)' has no database of its own")
        }
    }
}
