import Foundation
import VisivoConnectors
import VisivoProject
import VisivoQuery
import VisivoSupport

extension NodeWork {
    func traceDirectory(_ name: String) -> String { "\(options.outputDirectory)/\(name)" }

    /// The compiled SQL, the connector's identity and the model's output fingerprint.
    func traceKey(_ q: TraceQuery, upstream: Fingerprint) -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "trace")
        h.add("dialect", q.dialect.kind.rawValue)
        h.add("sql", q.sql)
        h.add("in", upstream)
        return h.finalize()
    }

    /// The trace's key and its query.sql's label, each hashed once per build (the first
    /// pass and then a worker both ask for a stale trace's), and once per session while
    /// the SQL and the input stay the same; with the session's result for that key.
    func traceKey(_ i: Int, _ q: TraceQuery, upstream: Fingerprint) -> (key: Fingerprint, label: String, settled: BuildSession.SettledTrace?) {
        if let known = shared.withLock({ $0.traceKeys[i] }), known.upstream == upstream { return (known.key, known.label, nil) }
        let settled = session?.settled(trace: q.trace, sql: q.sql, dialect: q.dialect, upstream: upstream)
        let key = settled?.key ?? traceKey(q, upstream: upstream)
        let label = settled?.label ?? TraceQuery.label(q.sql)
        if settled == nil {
            session?.settle(q.trace, .init(sql: q.sql, dialect: q.dialect, upstream: upstream, key: key, label: label))
        }
        shared.withLock { $0.traceKeys[i] = (upstream, key, label) }
        return (key, label, settled)
    }

    func maxAge(of t: Trace) -> Duration? {
        guard let m = compiled.model(named: t.model.name) else { return nil }
        if let a = m.maxAge { return a }
        if case .source(let s)? = compiled.targets[t.name] { return compiled.source(named: s)?.maxAge }
        return nil
    }

    func processTrace(_ i: Int, _ t: Trace) throws -> NodeResult {
        guard let q = compiled.queries[t.name], let target = compiled.targets[t.name],
            let model = graph.needs[i].first, let upstream = input(model)
        else {
            throw NodeFailure(message: "internal error: trace '\(t.name)' was not compiled")
        }
        let (key, sqlHash, settled) = traceKey(i, q, upstream: upstream)
        let maxAge = maxAge(of: t)
        let refresh = refreshes(i)
        // Settled in this session with this very key: nothing to check.
        if let settled, let result = settled.result, !refresh, !expired(settled.queriedAt, maxAge) {
            noteResult(reused: true, queriedAt: settled.queriedAt, maxAge: maxAge)
            return result
        }
        let dir = traceDirectory(t.name)
        let dataPath = dir + "/data.json"
        let queryPath = dir + "/query.sql"
        var note: String? = nil
        func write(_ bytes: ArraySlice<UInt8>) throws -> Fingerprint {
            let out = Self.hash(bytes)
            try refuseLinkedFolder(of: dataPath)
            shared.withLock { $0.stat.distrust(dataPath) }
            let written = try AtomicFile.write(bytes, to: dataPath, scratch: scratchDirectory)
            shared.withLock { $0.stat.record(dataPath, hash: out.hex, written: written) }
            return out
        }
        let result = try cachedOrRun(
            name: t.name, key: key, maxAge: maxAge, refresh: refresh,
            intact: { out in shared.withLock { $0.stat.confirm(dataPath, hash: out.hex) && $0.stat.confirm(queryPath, hash: sqlHash) } },
            restore: { cached in
                try writeOutput(queryPath, label: sqlHash) { Array(q.sql.utf8) }
                return try write(cached.body)
            },
            run: {
                try writeOutput(queryPath, label: sqlHash) { Array(q.sql.utf8) }
                var sink = TraceData(dialect: q.dialect)
                let queriedAt = Date()
                let queryStarted = ContinuousClock.now
                defer { addQueryTime(ContinuousClock.now - queryStarted) }
                do {
                    switch target {
                    case .source(let s):
                        try pool.with(s) { try $0.run(q.sql, into: &sink) }
                    case .model(let m):
                        let db = try modelDatabase(m)
                        try db.run(q.sql, into: &sink)
                    }
                } catch let e as ConnectorError {
                    let on = target.displayName
                    throw NodeFailure(message: "query failed on source '\(on)' (\(relative(queryPath))): \(e)", cancelled: e.cancelled)
                }
                if sink.droppedNullCohort > 0 {
                    note = "dropped \(sink.droppedNullCohort) row\(sink.droppedNullCohort == 1 ? "" : "s") whose cohort_on is NULL"
                }
                let header = CachedResult.header(queriedAt: queriedAt, rows: sink.rows)
                let result = CachedResult(queriedAt: queriedAt, rows: sink.rows, storage: sink.finish(prefix: header), bodyStart: header.count)
                let out = try write(result.body)
                return (result, out)
            })
        session?.settle(
            t.name, result: NodeResult(status: .reused, output: result.output, rows: result.rows),
            queriedAt: shared.withLock { $0.state.nodes[t.name]?.queriedAt })
        var r = result
        r.note = note
        return r
    }

    func relative(_ path: String) -> String {
        path.hasPrefix(project.directory + "/") ? String(path.dropFirst(project.directory.count + 1)) : path
    }

    /// A connection to the SQLite data a CSV-script or local-merge model materialised.
    func modelDatabase(_ name: String) throws -> SQLiteDatabase {
        guard let m = compiled.model(named: name) else { throw NodeFailure(message: "no model named '\(name)'") }
        switch m.kind {
        case .csvScript:
            return try SQLiteDatabase(path: csvDatabasePath(name), label: name)
        case .localMerge(let refs, _):
            let db = try SQLiteDatabase(path: ":memory:", label: name, writable: true)
            for r in refs {
                guard let up = compiled.model(named: r.name) else { continue }
                if case .csvScript = up.kind {
                    try db.attach(path: csvDatabasePath(up.name), as: up.name)
                } else {
                    try db.attach(path: mergeTablePath(merge: name, upstream: up.name), as: up.name)
                }
            }
            return db
        case .sql:
            throw NodeFailure(message: "internal error: model '\(name)' has no database of its own")
        }
    }
}
