import Foundation
import VisivoProject
import VisivoSupport

/// A cached result: when it was queried, how many rows, and the bytes themselves, kept
/// after a small header in one buffer, so a large result is never copied to be cached.
struct CachedResult: Sendable {
    var queriedAt: Date
    var rows: Int?
    /// Header and body, contiguous: the cache object's uncompressed content.
    private(set) var storage: [UInt8]
    private let bodyStart: Int

    static let magic = "VR1 "

    var body: ArraySlice<UInt8> { storage[bodyStart...] }

    static func header(queriedAt: Date, rows: Int?) -> [UInt8] {
        Array("\(magic)\(Int64(queriedAt.timeIntervalSince1970 * 1000)) \(rows ?? -1)\n".utf8)
    }

    init(queriedAt: Date, rows: Int?, body: some Collection<UInt8>) {
        self.queriedAt = queriedAt
        self.rows = rows
        storage = Self.header(queriedAt: queriedAt, rows: rows)
        bodyStart = storage.count
        storage.append(contentsOf: body)
    }

    /// Wraps a buffer that already starts with `header(queriedAt:rows:)`.
    init(queriedAt: Date, rows: Int?, storage: [UInt8], bodyStart: Int) {
        self.queriedAt = queriedAt
        self.rows = rows
        self.storage = storage
        self.bodyStart = bodyStart
    }

    /// Hands the encoded object to `body` without copying it.
    func withEncoded<T>(_ body: (Data) throws -> T) rethrows -> T {
        try storage.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return try body(Data()) }
            return try body(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none))
        }
    }

    /// Nil for bytes that are not a cached result (treated as a miss).
    init?(decoding data: Data) {
        guard let nl = data.firstIndex(of: 0x0A), data.starts(with: Data(Self.magic.utf8)) else { return nil }
        let header = String(decoding: data[data.startIndex..<nl], as: UTF8.self).split(separator: " ")
        guard header.count == 3, let ms = Int64(header[1]), let rows = Int(header[2]) else { return nil }
        queriedAt = Date(timeIntervalSince1970: Double(ms) / 1000)
        self.rows = rows < 0 ? nil : rows
        storage = [UInt8](data)
        bodyStart = data.distance(from: data.startIndex, to: data.index(after: nl))
    }
}

extension NodeWork {
    /// The shared flow of every node with a cached result: already in place, in the cache,
    /// or run now. `intact` says whether outputs on disk still hold the result `output`.
    enum Decision {
        /// Outputs on disk already hold this result.
        case inPlace(Fingerprint, BuildState.NodeRecord)
        /// The cache holds it; outputs must be restored.
        case inCache(CachedResult)
        /// It must run, for this reason.
        case run(String)
    }

    /// Whether a node with this key is up to date, restorable, or must run (and why).
    func decide(name: String, key: Fingerprint, maxAge: Duration?, refresh: Bool, intact: (Fingerprint) -> Bool, peek: Bool = false) -> Decision {
        if refresh { return .run("--refresh") }
        let record = shared.withLock { $0.previous.nodes[name] }
        if let r = record, r.fingerprint == key.hex, r.status != BuildState.NodeRecord.failed,
            let hex = r.outputHash, let out = Fingerprint(hex: hex), intact(out)
        {
            if expired(r.queriedAt, maxAge) { return .run("older than its max_age") }
            return .inPlace(out, r)
        }
        if peek, cache.contains(key) {
            return .inCache(CachedResult(queriedAt: now, rows: nil, body: []))
        }
        if !peek, let data = cache.load(key), let cached = CachedResult(decoding: data) {
            if expired(cached.queriedAt, maxAge) { return .run("older than its max_age") }
            return .inCache(cached)
        }
        guard let r = record else { return .run("never built") }
        if r.status == BuildState.NodeRecord.failed { return .run("failed last time") }
        if r.fingerprint != key.hex { return .run("its query, settings or inputs changed") }
        return .run("its output is missing and not in the cache")
    }

    /// The shared flow of every node with a cached result: already in place, in the cache,
    /// or run now. `intact` says whether outputs on disk still hold the result `output`.
    func cachedOrRun(
        name: String, key: Fingerprint, maxAge: Duration?, refresh: Bool,
        intact: (Fingerprint) -> Bool,
        restore: (CachedResult) throws -> Fingerprint,
        run: () throws -> (CachedResult, Fingerprint)
    ) throws -> NodeResult {
        let decision: Decision
        if inPlaceOnly.load(ordering: .relaxed) {
            // The first pass touches no cache object: in place, or left for a worker.
            decision = decide(name: name, key: key, maxAge: maxAge, refresh: refresh, intact: intact, peek: true)
            guard case .inPlace = decision else { throw HasWork() }
        } else {
            decision = decide(name: name, key: key, maxAge: maxAge, refresh: refresh, intact: intact)
        }
        switch decision {
        case .inPlace(let out, let r):
            remember(name, key: key, output: out, status: BuildState.NodeRecord.reused, rows: r.rows, queriedAt: r.queriedAt, duration: 0, maxAge: maxAge)
            return NodeResult(status: .reused, output: out, rows: r.rows)
        case .inCache(let cached):
            let out = try restore(cached)
            remember(
                name, key: key, output: out, status: BuildState.NodeRecord.reused, rows: cached.rows, queriedAt: cached.queriedAt, duration: 0, maxAge: maxAge)
            return NodeResult(status: .reused, output: out, rows: cached.rows)
        case .run:
            let t0 = ContinuousClock.now
            let (result, out) = try run()
            try result.withEncoded { try cache.store(key, $0) }
            let ms = (ContinuousClock.now - t0).components
            remember(
                name, key: key, output: out, status: BuildState.NodeRecord.built, rows: result.rows, queriedAt: result.queriedAt,
                duration: Int(ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000), maxAge: maxAge)
            return NodeResult(status: .built, output: out, rows: result.rows)
        }
    }

    func expired(_ queriedAt: Date?, _ maxAge: Duration?) -> Bool {
        guard let maxAge else { return false }
        guard let queriedAt else { return true }
        return now.timeIntervalSince(queriedAt) > Double(maxAge.components.seconds)
    }

    func remember(_ name: String, key: Fingerprint, output: Fingerprint, status: String, rows: Int?, queriedAt: Date?, duration: Int, maxAge: Duration? = nil) {
        shared.withLock { s in
            s.state.nodes[name] = BuildState.NodeRecord(
                fingerprint: key.hex, status: status, durationMs: duration, rows: rows, queriedAt: queriedAt, outputHash: output.hex)
        }
        noteResult(reused: status == BuildState.NodeRecord.reused, queriedAt: queriedAt, maxAge: maxAge)
    }

    /// Counts a result's age into the build's oldest results and earliest expiry.
    func noteResult(reused: Bool, queriedAt: Date?, maxAge: Duration?) {
        guard let q = queriedAt else { return }
        shared.withLock { s in
            if let maxAge {
                let expiry = q.addingTimeInterval(Double(maxAge.components.seconds))
                if s.expiry.map({ expiry < $0 }) ?? true { s.expiry = expiry }
            }
            if reused, s.oldestReused.map({ q < $0 }) ?? true { s.oldestReused = q }
            if s.oldestResult.map({ q < $0 }) ?? true { s.oldestResult = q }
        }
    }

    /// Whether `--refresh` asks this node to run again.
    func refreshes(_ i: Int) -> Bool {
        if options.refreshAll { return true }
        for s in options.refreshSources {
            if let j = graph.id(of: s), graph.ancestors(of: i).contains(j) { return true }
        }
        return false
    }

    // MARK: - CSV-script models

    func csvKey(_ args: [String], table: String) throws -> Fingerprint {
        var h = FingerprintHasher()
        h.add("kind", "model.csv")
        // The typing rules too: a result in place from older rules is not this one.
        h.add("csv-typing", CSVTable.typingVersion)
        for a in args { h.add("arg", a) }
        h.add("table", table)
        for path in ScriptInputs.files(args: args, directory: project.directory) {
            h.add("file", try shared.withLock { try $0.stat.hash(of: path) })
        }
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

    func csvDatabasePath(_ model: String) -> String { "\(options.outputDirectory)/\(model).sqlite" }

    func processCSVModel(_ i: Int, _ m: Model, args: [String], table: String) throws -> NodeResult {
        let key = try csvKey(args, table: table)
        let path = csvDatabasePath(m.name)
        func load(_ bytes: ArraySlice<UInt8>) throws -> Fingerprint {
            let out = Self.csvOutput(bytes)
            let parsed: CSVTable
            do { parsed = try CSVTable(parsing: bytes) } catch {
                throw NodeFailure(message: "CSV-script model '\(m.name)': \(error)")
            }
            try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
            shared.withLock { $0.stat.distrust(path) }
            try parsed.write(toSQLite: path, table: table, label: m.name, scratch: scratchDirectory)
            shared.withLock { $0.stat.record(path, hash: out.hex) }
            return out
        }
        return try cachedOrRun(
            name: m.name, key: key, maxAge: m.maxAge, refresh: refreshes(i),
            intact: { out in shared.withLock { $0.stat.confirm(path, hash: out.hex) } },
            restore: { try load($0.body) },
            run: {
                // The output lands after the cached result's header: held once, never copied.
                let queriedAt = Date()
                var storage = CachedResult.header(queriedAt: queriedAt, rows: nil)
                let bodyStart = storage.count
                do { try scripts.run(args, in: project.directory, appendingTo: &storage) } catch let f as ScriptRunner.Failure {
                    throw NodeFailure(message: "CSV-script model '\(m.name)': \(f)")
                }
                let result = CachedResult(queriedAt: queriedAt, rows: nil, storage: storage, bodyStart: bodyStart)
                storage = []
                let out = try load(result.body)
                return (result, out)
            })
    }
}
