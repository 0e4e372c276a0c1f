import Foundation
import Synchronization
import VisivoSupport

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
    static let formatVersion: UInt32 = 2
    static let headerSize = 8 + 4 + 8 + 32
    /// Temporary files older than this are leftovers of a crashed run; `prune` removes them.
    static let staleTempAge: TimeInterval = 3600
    static let tempPrefix = ".tmp-"

    struct CorruptionLog {
        var reported: Set<Fingerprint> = []
        var messages: [String] = []
    }

    /// The corruption reports. Its lock also serialises a store's final rename with the
    /// removal of a corrupt object, so a freshly stored object is never deleted by mistake.
    let corruptions = Mutex(CorruptionLog())

    /// The pack this instance is writing.
    struct PackWriter {
        let base: String
        let fd: Int32
        var end: UInt64
        var entries: [Fingerprint: (offset: UInt64, length: UInt64)] = [:]
    }

    struct Packs {
        var stores = 0
        var writer: PackWriter?
        /// Finished packs, newest first; loaded on first use.
        var readers: [CachePack.Reader]?
        /// Keys a lookup found no loose object for: a later lookup in this build does not
        /// look again (the build's first pass and its workers ask about the same keys), and
        /// a pack store need not remove one.
        var absentLoose: Set<Fingerprint> = []
    }
    let packs = Mutex(Packs())

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

    func shardDirectory(for key: Fingerprint) -> String {
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
    func loadPacked(_ key: Fingerprint, fd: Int32, at: (offset: UInt64, length: UInt64), pack: String) -> Data? {
        guard let object = CachePack.read(fd, offset: at.offset, length: at.length) else {
            record(key, "cannot read it from \(pack)")
            return nil
        }
        switch Self.decode(object, key: key) {
        case let .success(data): return data
        case let .failure(corruption):
            record(key, "corrupt in \(pack) (\(corruption.reason)); the node will be rebuilt")
            return nil
        }
    }

    /// The finished packs, newest first (read once per instance).
    func finishedPacks() -> [CachePack.Reader] {
        packs.withLock { p in
            if let r = p.readers { return r }
            let r = CachePack.bases(in: packsDirectory).reversed().compactMap { CachePack.Reader(base: $0) }
            p.readers = r
            return r
        }
    }

    func loadLoose(_ key: Fingerprint) -> Data? {
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
        switch Self.decode(contents, key: key) {
        case let .success(data):
            return data
        case let .failure(corruption):
            discardCorrupt(key, path: path, opened: info, reason: corruption.reason)
            return nil
        }
    }

    public func store(_ key: Fingerprint, _ data: Data) throws {
        try storeEncoded(key, try Self.encode(data, key: key))
    }

    /// Stores an object already encoded for `key` (see `encode`), as a remote cache hands
    /// it over.
    func storeEncoded(_ key: Fingerprint, _ object: Data) throws {
        let intoPack = packs.withLock { p -> Bool in
            p.stores += 1
            return p.stores > packAfter
        }
        if intoPack { return try storePacked(key, object) }

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
            if let code = object.withUnsafeBytes({ FileDescriptorIO.writeAll(fd, $0) }) {
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

    // MARK: Helpers

    func record(_ key: Fingerprint, _ message: String) {
        corruptions.withLock { log in
            if log.reported.insert(key).inserted {
                log.messages.append("cache object \(key): \(message)")
            }
        }
    }

    /// Deletes the corrupt file we read, but only if it is still the one at `path`
    /// (a concurrent store may have replaced it with a good object).
    func discardCorrupt(_ key: Fingerprint, path: String, opened: stat, reason: String) {
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

    enum Entry {
        case object(Fingerprint, path: String, bytes: Int64)
        case temporary(path: String, bytes: Int64, modified: TimeInterval)
    }

    func forEachEntry(_ body: (Entry) throws -> Void) throws {
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

    func makeDirectories(_ path: String) throws {
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
