import Foundation

/// Remembers file content hashes by (size, mtime, inode), so an unchanged 1 GB database
/// file is not re-read on every build; a file whose stat changed is hashed again.
public struct FileStatCache: Codable, Sendable {
    struct Entry: Codable, Sendable, Equatable {
        var size: Int64
        var mtimeNs: Int64
        var inode: UInt64
        var hash: String
    }
    private var entries: [String: Entry] = [:]

    public init() {}

    struct Stat: Equatable { var size: Int64; var mtimeNs: Int64; var inode: UInt64 }

    static func fileStat(_ path: String) -> Stat? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Stat(size: Int64(st.st_size), mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec), inode: UInt64(st.st_ino))
    }

    /// The content hash of `path`, from the cache when its stat is unchanged.
    public mutating func hash(of path: String) throws -> Fingerprint {
        guard let st = Self.fileStat(path) else {
            throw ConnectorError(source: path, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if let e = entries[path], e.size == st.size, e.mtimeNs == st.mtimeNs, e.inode == st.inode, let fp = Fingerprint(hex: e.hash) {
            return fp
        }
        let fp = try FingerprintHasher.hashFile(at: path)
        entries[path] = Entry(size: st.size, mtimeNs: st.mtimeNs, inode: st.inode, hash: fp.hex)
        return fp
    }

    /// True when `path` exists and is, by its stat, the file last recorded with `hash`.
    public func isUnchanged(_ path: String, hash: String) -> Bool {
        guard let e = entries[path], e.hash == hash, let st = Self.fileStat(path) else { return false }
        return e.size == st.size && e.mtimeNs == st.mtimeNs && e.inode == st.inode
    }

    /// Records a file just written with content hash `hash`.
    public mutating func record(_ path: String, hash: String) {
        guard let st = Self.fileStat(path) else { return }
        entries[path] = Entry(size: st.size, mtimeNs: st.mtimeNs, inode: st.inode, hash: hash)
    }

    public static func load(from path: String) -> FileStatCache {
        guard let data = FileManager.default.contents(atPath: path),
              let c = try? JSONDecoder().decode(FileStatCache.self, from: data) else { return FileStatCache() }
        return c
    }

    public func save(to path: String) throws {
        let data = try JSONEncoder().encode(self)
        try AtomicFile.write([UInt8](data), to: path)
    }
}
