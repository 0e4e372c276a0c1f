import Crypto
import Foundation
import Synchronization

/// A content-addressed store of build results, keyed by the fingerprint of a node's inputs.
public protocol CacheStore: Sendable {
    /// The stored bytes, or nil when there is no usable object for `key`.
    func load(_ key: Fingerprint) -> Data?
    /// Stores `data` under `key`, replacing any existing object.
    /// Stores `data`. It may point into memory the caller owns: keep a copy, not `data`.
    func store(_ key: Fingerprint, _ data: Data) throws
    /// Whether an object exists for `key` (without validating it).
    func contains(_ key: Fingerprint) -> Bool
}

/// Errors from writing or maintaining a `FileCache`.
public enum CacheError: Error, CustomStringConvertible, Equatable {
    case io(operation: String, path: String, reason: String)
    case compression(String)

    public var description: String {
        switch self {
        case let .io(operation, path, reason): return "cache: cannot \(operation) \(path): \(reason)"
        case let .compression(reason): return "cache: \(reason)"
        }
    }
}

/// A `CacheStore` on disk.
///
/// Objects live at `<root>/objects/<first 2 hex>/<remaining 62 hex>`; each is
///
///     "VSVCACHE"            8 bytes magic
///     format version        UInt32 LE (1)
///     uncompressed size     UInt64 LE
///     SHA-256 of the data   32 bytes
///     zlib stream           rest of the file
///
/// Writes go to a temporary file in the same directory and are renamed into place, so a
/// reader sees either the old object, the new one, or none. A corrupt or truncated object
/// loads as nil, is reported once in `problems`, and is deleted so the node is rebuilt.
///
/// A build that stores many objects puts all but its first `packAfter` into one pack file
/// (see `CachePack`), made visible by `finishPack()` at the end of the build. Lookups try
/// this instance's pack, then loose objects, then finished packs from the newest; a store
/// into the pack removes a loose object with the same key, so the newest result wins.
/// When more than `maxPacks` packs pile up, `finishPack()` merges them into one.
public final class FileCache: CacheStore {
    public let root: String
    public let objectsDirectory: String
    public let packsDirectory: String
    /// Objects stored loose by one instance before the rest go into its pack.
    public let packAfter: Int
    public static let maxPacks = 8

    static let magic: [UInt8] = Array("VSVCACHE".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 8 + 4 + 8 + 32
    /// Temporary files older than this are leftovers of a crashed run; `prune` removes them.
    static let staleTempAge: TimeInterval = 3600
    static let tempPrefix = ".tmp-"

    private struct CorruptionLog {
        var reported: Set<Fingerprint> = []
        var messages: [String] = []
    }

    /// The corruption reports. Its lock also serialises a store's final rename with the
    /// removal of a corrupt object, so a freshly stored object is never deleted by mistake.
    private let corruptions = Mutex(CorruptionLog())

    /// The pack this instance is writing.
    private struct PackWriter {
        let base: String
        let fd: Int32
        var end: UInt64
        var entries: [Fingerprint: (offset: UInt64, length: UInt64)] = [:]
    }

    private struct Packs {
        var stores = 0
        var writer: PackWriter?
        /// Finished packs, newest first; loaded on first use.
        var readers: [CachePack.Reader]?
        /// Keys a lookup found no loose object for: a later lookup in this build does not
        /// look again (the build's first pass and its workers ask about the same keys), and
        /// a pack store need not remove one.
        var absentLoose: Set<Fingerprint> = []
    }
    private let packs = Mutex(Packs())

    /// `root` is the cache directory (the project uses `.visivo/cache`); it is created on first store.
    public init(root: String, packAfter: Int = 16) {
        self.root = root
        self.objectsDirectory = (root as NSString).appendingPathComponent("objects")
        self.packsDirectory = (root as NSString).appendingPathComponent("packs")
        self.packAfter = packAfter
    }

    /// One line per corrupt or unreadable object met so far (each key reported once).
    public var problems: [String] {
        corruptions.withLock { $0.messages }
    }

    public func objectPath(for key: Fingerprint) -> String {
        let hex = key.hex
        let split = hex.index(hex.startIndex, offsetBy: 2)
        return shardDirectory(for: key) + "/" + String(hex[split...])
    }

    private func shardDirectory(for key: Fingerprint) -> String {
        objectsDirectory + "/" + String(key.hex.prefix(2))
    }

    // MARK: CacheStore

    public func contains(_ key: Fingerprint) -> Bool {
        let (inPack, knownAbsent) = packs.withLock { ($0.writer?.entries[key] != nil, $0.absentLoose.contains(key)) }
        if inPack { return true }
        var info = stat()
        if !knownAbsent {
            if stat(objectPath(for: key), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG { return true }
            if errno == ENOENT { _ = packs.withLock { $0.absentLoose.insert(key) } }
        }
        let packs = finishedPacks()
        guard !packs.isEmpty else { return false }
        let bytes = key.bytes
        return packs.contains { $0.index.find(bytes) != nil }
    }

    public func load(_ key: Fingerprint) -> Data? {
        if let (fd, at) = packs.withLock({ p in p.writer.flatMap { w in w.entries[key].map { (w.fd, $0) } } }),
            let data = loadPacked(key, fd: fd, at: at, pack: "this build's pack")
        {
            return data
        }
        if let data = loadLoose(key) { return data }
        let packs = finishedPacks()
        guard !packs.isEmpty else { return nil }
        let bytes = key.bytes
        for r in packs {
            if let at = r.index.find(bytes), let data = loadPacked(key, fd: r.fd, at: at, pack: r.base + ".pack") { return data }
        }
        return nil
    }

    /// An object inside a pack; nil (reported) when it cannot be read or is corrupt.
    private func loadPacked(_ key: Fingerprint, fd: Int32, at: (offset: UInt64, length: UInt64), pack: String) -> Data? {
        guard let object = CachePack.read(fd, offset: at.offset, length: at.length) else {
            record(key, "cannot read it from \(pack)")
            return nil
        }
        switch Self.decode(object) {
        case let .success(data): return data
        case let .failure(corruption):
            record(key, "corrupt in \(pack) (\(corruption.reason)); the node will be rebuilt")
            return nil
        }
    }

    /// The finished packs, newest first (read once per instance).
    private func finishedPacks() -> [CachePack.Reader] {
        packs.withLock { p in
            if let r = p.readers { return r }
            let r = CachePack.bases(in: packsDirectory).reversed().compactMap { CachePack.Reader(base: $0) }
            p.readers = r
            return r
        }
    }

    private func loadLoose(_ key: Fingerprint) -> Data? {
        if packs.withLock({ $0.absentLoose.contains(key) }) { return nil }
        let path = objectPath(for: key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code != ENOENT && code != ENOTDIR {
                record(key, "cannot open \(path): \(errnoText(code))")
            } else {
                _ = packs.withLock { $0.absentLoose.insert(key) }
            }
            return nil
        }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else {
            record(key, "cannot stat \(path): \(errnoText())")
            return nil
        }
        let contents: Data
        switch FileDescriptorIO.read(fd, count: Int(info.st_size)) {
        case .success(let d): contents = d
        case .failure(let e):
            record(key, "\(CacheError.io(operation: "read", path: path, reason: e.text))")
            return nil
        }
        switch Self.decode(contents) {
        case let .success(data):
            return data
        case let .failure(corruption):
            discardCorrupt(key, path: path, opened: info, reason: corruption.reason)
            return nil
        }
    }

    public func store(_ key: Fingerprint, _ data: Data) throws {
        let header: Data
        let payload: Data
        do {
            payload = try Zlib.compress(data)
        } catch {
            throw CacheError.compression("cannot compress object \(key): \(error)")
        }
        header = Self.header(for: data)
        let intoPack = packs.withLock { p -> Bool in
            p.stores += 1
            return p.stores > packAfter
        }
        if intoPack { return try storePacked(key, header + payload) }

        let directory = shardDirectory(for: key)
        let path = objectPath(for: key)
        let temp = directory + "/" + Self.tempPrefix + key.hex + "-" + AtomicFile.uniqueSuffix()

        // The shard folder usually exists: open first, make it only when missing. A
        // concurrent prune or clear may remove it between mkdir and open: retry once more.
        var fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        for attempt in 0..<2 where fd < 0 {
            let code = errno
            guard code == ENOENT else { throw CacheError.io(operation: "create", path: temp, reason: errnoText(code)) }
            try makeDirectories(directory)
            fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd < 0 && attempt == 1 { throw CacheError.io(operation: "create", path: temp, reason: errnoText(errno)) }
        }

        do {
            defer { close(fd) }
            if let code = (header + payload).withUnsafeBytes({ FileDescriptorIO.writeAll(fd, $0) }) {
                throw CacheError.io(operation: "write", path: temp, reason: errnoText(code))
            }
        } catch {
            unlink(temp)
            throw error
        }

        let renameError: Int32 = corruptions.withLock { _ in
            rename(temp, path) == 0 ? 0 : errno
        }
        if renameError != 0 {
            unlink(temp)
            throw CacheError.io(operation: "rename into", path: path, reason: errnoText(renameError))
        }
        _ = packs.withLock { $0.absentLoose.remove(key) }
    }

    /// Appends an object to this instance's pack (opened on first use). Workers only
    /// reserve their offset under the lock; the writes themselves run in parallel.
    private func storePacked(_ key: Fingerprint, _ object: Data) throws {
        let (fd, offset, base) = try packs.withLock { p -> (Int32, UInt64, String) in
            if p.writer == nil {
                let (base, fd) = try CachePack.create(in: packsDirectory)
                p.writer = PackWriter(base: base, fd: fd, end: UInt64(CachePack.packHeaderSize))
            }
            let offset = p.writer!.end
            p.writer!.end += UInt64(object.count)
            return (p.writer!.fd, offset, p.writer!.base)
        }
        if let code = object.withUnsafeBytes({ FileDescriptorIO.writeAll(fd, $0, at: offset) }) {
            throw CacheError.io(operation: "write", path: base + ".pack", reason: errnoText(code))
        }
        let looseMayExist = packs.withLock { p -> Bool in
            p.writer?.entries[key] = (offset, UInt64(object.count))
            return !p.absentLoose.contains(key)
        }
        // An older loose object of this key would be found before the pack.
        if looseMayExist { unlink(objectPath(for: key)) }
    }

    /// Makes this instance's pack visible by writing its index (call once the build's
    /// stores are done), then merges packs when more than `maxPacks` have piled up.
    /// Problems land in `problems`: the results are in the build's outputs either way.
    public func finishPack() {
        guard
            let w = packs.withLock({ p -> PackWriter? in
                defer { p.writer = nil }
                return p.writer
            })
        else { return }
        close(w.fd)
        let entries = w.entries.map { CachePack.Entry(key: $0.key.bytes, offset: $0.value.offset, length: $0.value.length) }
        guard !entries.isEmpty else { unlink(w.base + ".pack"); return }
        do {
            try AtomicFile.write(CachePack.encodeIndex(entries), to: w.base + ".idx")
        } catch {
            unlink(w.base + ".pack")
            corruptions.withLock { $0.messages.append("cannot write the index of \(w.base).pack: \(error)") }
            return
        }
        packs.withLock { $0.readers = nil }
        if CachePack.bases(in: packsDirectory).count > Self.maxPacks {
            do { _ = try rewritePacks(keeping: nil) } catch {
                corruptions.withLock { $0.messages.append("cannot merge packs: \(error)") }
            }
        }
    }

    /// Rewrites all finished packs as one, the newest copy of each key first, keeping only
    /// `live` keys when given. Returns the keys dropped and the bytes freed.
    private func rewritePacks(keeping live: Set<Fingerprint>?) throws -> (dropped: Set<Fingerprint>, freed: Int64) {
        let readers = CachePack.bases(in: packsDirectory).reversed().compactMap { CachePack.Reader(base: $0) }
        var seen: Set<[UInt8]> = []
        var dropped: Set<Fingerprint> = []
        var keep: [(CachePack.Reader, CachePack.Entry)] = []
        for r in readers {
            for i in 0..<r.index.count {
                let e = r.index.entry(at: i)
                guard seen.insert(e.key).inserted else { continue }
                let k = Fingerprint(bytes: e.key)
                if let live, !live.contains(k) { dropped.insert(k) } else { keep.append((r, e)) }
            }
        }
        let before = readers.reduce(Int64(0)) { $0 + $1.bytes }
        guard !dropped.isEmpty || readers.count > 1 else { return ([], 0) }
        var after: Int64 = 0
        if !keep.isEmpty {
            let (base, fd) = try CachePack.create(in: packsDirectory)
            var end = UInt64(CachePack.packHeaderSize)
            var entries: [CachePack.Entry] = []
            var failure: Int32?
            for (r, e) in keep {
                // An object that cannot be read is left out (a miss, rebuilt when needed).
                guard let object = CachePack.read(r.fd, offset: e.offset, length: e.length) else { continue }
                failure = object.withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0, at: end) }
                if failure != nil { break }
                entries.append(CachePack.Entry(key: e.key, offset: end, length: e.length))
                end += e.length
            }
            close(fd)
            let index = CachePack.encodeIndex(entries)
            do {
                if let failure { throw CacheError.io(operation: "write", path: base + ".pack", reason: errnoText(failure)) }
                try AtomicFile.write(index, to: base + ".idx")
            } catch {
                unlink(base + ".pack")
                throw error
            }
            after = Int64(end) + Int64(index.count)
        }
        for r in readers {
            unlink(r.base + ".idx")
            unlink(r.base + ".pack")
        }
        packs.withLock { $0.readers = nil }
        return (dropped, before - after)
    }

    // MARK: Maintenance

    /// Deletes every object whose key is not in `live` (and temporary files and unfinished
    /// packs left by crashed runs); packs are rewritten as one holding only live objects.
    /// `removed` counts distinct keys.
    @discardableResult
    public func prune(keeping live: Set<Fingerprint>) throws -> (removed: Int, bytesFreed: Int64) {
        var removed: Set<Fingerprint> = []
        var freed: Int64 = 0
        let now = Date().timeIntervalSince1970
        try forEachEntry { entry in
            switch entry {
            case let .object(key, path, bytes):
                guard !live.contains(key) else { return }
                if unlink(path) == 0 {
                    removed.insert(key)
                    freed += bytes
                } else if errno != ENOENT {
                    throw CacheError.io(operation: "remove", path: path, reason: errnoText())
                }
            case let .temporary(path, bytes, modified):
                if now - modified > Self.staleTempAge, unlink(path) == 0 {
                    freed += bytes
                }
            }
        }
        // Packs whose index is damaged, or whose data is gone, cannot be read: they go.
        var finished = Set(CachePack.bases(in: packsDirectory))
        for base in finished {
            var info = stat()
            let dataGone = lstat(base + ".pack", &info) != 0 && errno == ENOENT
            let damaged = FileManager.default.contents(atPath: base + ".idx").map { CachePack.Index([UInt8]($0)) == nil } ?? false
            guard dataGone || damaged else { continue }
            for path in [base + ".idx", base + ".pack"] {
                var info = stat()
                if lstat(path, &info) == 0, unlink(path) == 0 { freed += Int64(info.st_size) }
            }
            finished.remove(base)
        }
        // Packs without an index, or temporary index files, from runs that died.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: packsDirectory)) ?? [] {
            let path = packsDirectory + "/" + name
            let unfinished = name.hasSuffix(".pack") && !finished.contains(String(path.dropLast(5)))
            guard unfinished || name.contains(".tmp-") else { continue }
            var info = stat()
            if lstat(path, &info) == 0, now - TimeInterval(info.st_mtim.tv_sec) > Self.staleTempAge, unlink(path) == 0 {
                freed += Int64(info.st_size)
            }
        }
        let (dropped, packFreed) = try rewritePacks(keeping: live)
        removed.formUnion(dropped)
        return (removed.count, freed + packFreed)
    }

    /// The number of distinct objects and the cache's size on disk (loose objects and packs,
    /// this instance's unfinished pack included).
    public func size() -> (objects: Int, bytes: Int64) {
        var keys: Set<Fingerprint> = []
        var bytes: Int64 = 0
        try? forEachEntry { entry in
            if case let .object(key, _, size) = entry {
                keys.insert(key)
                bytes += size
            }
        }
        for r in finishedPacks() {
            bytes += r.bytes
            for i in 0..<r.index.count { keys.insert(Fingerprint(bytes: r.index.entry(at: i).key)) }
        }
        packs.withLock { p in
            guard let w = p.writer else { return }
            keys.formUnion(w.entries.keys)
            bytes += Int64(w.end)
        }
        return (keys.count, bytes)
    }

    /// Deletes every object, loose and packed.
    public func clear() throws {
        let manager = FileManager.default
        for dir in [objectsDirectory, packsDirectory] where manager.fileExists(atPath: dir) {
            do {
                try manager.removeItem(atPath: dir)
            } catch {
                if manager.fileExists(atPath: dir) {
                    throw CacheError.io(operation: "remove", path: dir, reason: "\(error)")
                }
            }
        }
        packs.withLock {
            $0.readers = nil
            $0.absentLoose = []
        }
    }

    // MARK: Object format

    struct Corruption: Error, Equatable {
        let reason: String
    }

    static func header(for data: Data) -> Data {
        var header = Data(capacity: headerSize)
        header.append(contentsOf: magic)
        withUnsafeBytes(of: formatVersion.littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: SHA256.hash(data: data))
        return header
    }

    /// Encodes a whole object (header + zlib stream).
    static func encode(_ data: Data) throws -> Data {
        var object = header(for: data)
        object.append(try Zlib.compress(data))
        return object
    }

    /// Decodes and verifies a whole object.
    static func decode(_ object: Data) -> Result<Data, Corruption> {
        guard object.count >= headerSize else {
            return .failure(Corruption(reason: "truncated: \(object.count) bytes, shorter than the \(headerSize)-byte header"))
        }
        let (magicOK, version, size, checksum): (Bool, UInt32, UInt64, [UInt8]) = object.withUnsafeBytes { raw in
            (
                raw.prefix(8).elementsEqual(magic),
                UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self)),
                Array(raw[20..<52])
            )
        }
        guard magicOK else { return .failure(Corruption(reason: "not a cache object (bad magic)")) }
        guard version == formatVersion else {
            return .failure(Corruption(reason: "unsupported format version \(version)"))
        }
        guard size <= UInt64(Int.max) else {
            return .failure(Corruption(reason: "implausible size \(size)"))
        }
        let payload = object[(object.startIndex + headerSize)...]
        let data: Data
        do {
            data = try Zlib.decompress(payload, expectedSize: Int(size))
        } catch {
            return .failure(Corruption(reason: "\(error)"))
        }
        guard SHA256.hash(data: data).elementsEqual(checksum) else {
            return .failure(Corruption(reason: "checksum mismatch"))
        }
        return .success(data)
    }

    // MARK: Helpers

    private func record(_ key: Fingerprint, _ message: String) {
        corruptions.withLock { log in
            if log.reported.insert(key).inserted {
                log.messages.append("cache object \(key): \(message)")
            }
        }
    }

    /// Deletes the corrupt file we read, but only if it is still the one at `path`
    /// (a concurrent store may have replaced it with a good object).
    private func discardCorrupt(_ key: Fingerprint, path: String, opened: stat, reason: String) {
        corruptions.withLock { log in
            var current = stat()
            var outcome = "deleted it, the node will be rebuilt"
            if lstat(path, &current) == 0, current.st_dev == opened.st_dev, current.st_ino == opened.st_ino {
                if unlink(path) != 0 {
                    outcome = "could not delete it: \(errnoText())"
                }
            } else {
                outcome = "it has since been replaced"
            }
            if log.reported.insert(key).inserted {
                log.messages.append("cache object \(key) is corrupt (\(reason)); \(outcome)")
            }
        }
    }

    private enum Entry {
        case object(Fingerprint, path: String, bytes: Int64)
        case temporary(path: String, bytes: Int64, modified: TimeInterval)
    }

    private func forEachEntry(_ body: (Entry) throws -> Void) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: objectsDirectory) else { return }
        let shards: [String]
        do {
            shards = try manager.contentsOfDirectory(atPath: objectsDirectory)
        } catch {
            throw CacheError.io(operation: "list", path: objectsDirectory, reason: "\(error)")
        }
        for shard in shards.sorted() where shard.utf8.count == 2 {
            let shardPath = objectsDirectory + "/" + shard
            guard let names = try? manager.contentsOfDirectory(atPath: shardPath) else { continue }
            for name in names.sorted() {
                let path = shardPath + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                if let key = Fingerprint(hex: shard + name), key.hex == shard + name {
                    try body(.object(key, path: path, bytes: Int64(info.st_size)))
                } else if name.hasPrefix(Self.tempPrefix) {
                    #if canImport(Darwin)
                    let modified = TimeInterval(info.st_mtimespec.tv_sec)
                    #else
                    let modified = TimeInterval(info.st_mtim.tv_sec)
                    #endif
                    try body(.temporary(path: path, bytes: Int64(info.st_size), modified: modified))
                }
            }
        }
    }

    private func makeDirectories(_ path: String) throws {
        if mkdir(path, 0o755) == 0 { return }
        var code = errno
        if code == EEXIST { return }
        if code == ENOENT {
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty, parent != path {
                try makeDirectories(parent)
                if mkdir(path, 0o755) == 0 { return }
                code = errno
                if code == EEXIST { return }
            }
        }
        throw CacheError.io(operation: "create directory", path: path, reason: errnoText(code))
    }
}

/// A `CacheStore` in memory, for tests and dry runs.
public final class MemoryCache: CacheStore {
    private let entries = Mutex<[Fingerprint: Data]>([:])

    public init() {}

    public func load(_ key: Fingerprint) -> Data? {
        entries.withLock { $0[key] }
    }

    public func store(_ key: Fingerprint, _ data: Data) throws {
        let copy = data.withUnsafeBytes { Data($0) }  // `data` may not own its bytes
        entries.withLock { $0[key] = copy }
    }

    public func contains(_ key: Fingerprint) -> Bool {
        entries.withLock { $0[key] != nil }
    }

    public var count: Int {
        entries.withLock { $0.count }
    }

    public func clear() {
        entries.withLock { $0.removeAll() }
    }
}

private func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
