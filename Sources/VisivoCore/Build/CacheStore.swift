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
public final class FileCache: CacheStore {
    public let root: String
    public let objectsDirectory: String

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

    /// `root` is the cache directory (the project uses `.visivo/cache`); it is created on first store.
    public init(root: String) {
        self.root = root
        self.objectsDirectory = (root as NSString).appendingPathComponent("objects")
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
        var info = stat()
        return stat(objectPath(for: key), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    public func load(_ key: Fingerprint) -> Data? {
        let path = objectPath(for: key)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code != ENOENT && code != ENOTDIR {
                record(key, "cannot open \(path): \(errnoText(code))")
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
        do {
            contents = try readAll(fd, size: Int(info.st_size), path: path)
        } catch {
            record(key, "\(error)")
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
            try writeAll(fd, header + payload, path: temp)
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
    }

    // MARK: Maintenance

    /// Deletes every object whose key is not in `live` (and temporary files left by crashed runs).
    @discardableResult
    public func prune(keeping live: Set<Fingerprint>) throws -> (removed: Int, bytesFreed: Int64) {
        var removed = 0
        var freed: Int64 = 0
        let now = Date().timeIntervalSince1970
        try forEachEntry { entry in
            switch entry {
            case let .object(key, path, bytes):
                guard !live.contains(key) else { return }
                if unlink(path) == 0 {
                    removed += 1
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
        return (removed, freed)
    }

    /// The number of objects and their total size on disk.
    public func size() -> (objects: Int, bytes: Int64) {
        var count = 0
        var bytes: Int64 = 0
        try? forEachEntry { entry in
            if case let .object(_, _, size) = entry {
                count += 1
                bytes += size
            }
        }
        return (count, bytes)
    }

    /// Deletes every object.
    public func clear() throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: objectsDirectory) else { return }
        do {
            try manager.removeItem(atPath: objectsDirectory)
        } catch {
            if manager.fileExists(atPath: objectsDirectory) {
                throw CacheError.io(operation: "remove", path: objectsDirectory, reason: "\(error)")
            }
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

    private func readAll(_ fd: Int32, size: Int, path: String) throws -> Data {
        var data = Data(count: max(size, 0))
        var filled = 0
        try data.withUnsafeMutableBytes { buffer in
            while filled < buffer.count {
                let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CacheError.io(operation: "read", path: path, reason: errnoText())
                }
                if n == 0 { break }
                filled += n
            }
        }
        if filled < data.count { data.count = filled }
        return data
    }

    private func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let n = write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CacheError.io(operation: "write", path: path, reason: errnoText())
                }
                written += n
            }
        }
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
