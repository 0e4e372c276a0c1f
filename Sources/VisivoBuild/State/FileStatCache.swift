import Foundation
import VisivoConnectors
import VisivoSupport

/// Remembers file content hashes by (size, mtime, inode), so an unchanged 1 GB database
/// file is not re-read on every build; a file whose stat changed is hashed again.
public struct FileStatCache: Sendable {
    struct Entry: Sendable, Equatable {
        var size: Int64
        var mtimeNs: Int64
        var inode: UInt64
        var hash: String
    }
    private var entries: [String: Entry] = [:]
    /// True once something was recorded since loading (saving is skipped otherwise).
    public private(set) var changed = false
    /// Input files hashed in this run, and output files written or confirmed, with their
    /// labels: what a no-op check must find unchanged (see `NoOpSnapshot`).
    private(set) var inputs: [String: String] = [:]
    private(set) var outputs: [String: String] = [:]
    /// Outputs the previous build of this process wrote or confirmed, with their labels:
    /// confirmed again without a `stat` (see `BuildSession`).
    private var trusted: [String: String] = [:]

    public init() {}

    /// This cache as the next build of the same process starts with it: the entries, and
    /// this build's outputs trusted and counted as confirmed (a trace the next build takes
    /// as settled does not confirm its outputs again; see `BuildSession`).
    func forNextBuild() -> FileStatCache {
        var next = FileStatCache()
        next.entries = entries
        next.trusted = outputs
        next.outputs = outputs
        return next
    }

    struct Stat: Sendable, Equatable {
        var size: Int64
        var mtimeNs: Int64
        var inode: UInt64
    }

    static func fileStat(_ path: String) -> Stat? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Stat(st)
    }

    /// The content hash of `path`, from the cache when its stat is unchanged.
    public mutating func hash(of path: String) throws -> Fingerprint {
        guard let st = Self.fileStat(path) else {
            throw ConnectorError(source: path, message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if let e = entries[path], e.size == st.size, e.mtimeNs == st.mtimeNs, e.inode == st.inode, let fp = Fingerprint(hex: e.hash) {
            inputs[path] = fp.hex
            return fp
        }
        let fp = try FingerprintHasher.hashFile(at: path)
        entries[path] = Entry(size: st.size, mtimeNs: st.mtimeNs, inode: st.inode, hash: fp.hex)
        changed = true
        inputs[path] = fp.hex
        return fp
    }

    /// True when `path` exists and is, by its stat, the file last recorded with `hash`.
    public func isUnchanged(_ path: String, hash: String) -> Bool {
        guard let e = entries[path], e.hash == hash, let st = Self.fileStat(path) else { return false }
        return e.size == st.size && e.mtimeNs == st.mtimeNs && e.inode == st.inode
    }

    /// The files this run read (inputs, and optional inputs found absent) and wrote or
    /// confirmed (outputs), each with its recorded stat, sorted by path: what a no-op
    /// check must find unchanged. Nil when one of them has no entry (nothing to vouch with).
    func watched() -> [NoOpSnapshot.Watched]? {
        var list: [NoOpSnapshot.Watched] = []
        list.reserveCapacity(inputs.count + outputs.count)
        for (path, label) in inputs where outputs[path] == nil {
            if label == NoOpSnapshot.absent {
                list.append(.init(path: path, stat: nil))
            } else {
                guard let e = entries[path], e.hash == label else { return nil }
                list.append(.init(path: path, stat: Stat(size: e.size, mtimeNs: e.mtimeNs, inode: e.inode)))
            }
        }
        for (path, label) in outputs {
            guard let e = entries[path], e.hash == label else { return nil }
            list.append(.init(path: path, stat: Stat(size: e.size, mtimeNs: e.mtimeNs, inode: e.inode)))
        }
        list.sort { $0.path < $1.path }
        return list
    }

    /// True when some entry was neither read nor written in this run.
    var hasUntouched: Bool { entries.keys.contains { inputs[$0] == nil && outputs[$0] == nil } }

    /// Notes that an optional input (a `-wal` file) is absent; its appearing is a change.
    mutating func noteAbsent(_ path: String) { inputs[path] = NoOpSnapshot.absent }

    /// `isUnchanged`, remembering a confirmed output for the no-op snapshot.
    public mutating func confirm(_ path: String, hash: String) -> Bool {
        guard trusted[path] == hash || isUnchanged(path, hash: hash) else { return false }
        outputs[path] = hash
        return true
    }

    /// Forgets what is known of an output about to be written: should the write fail, the
    /// file holds what nobody knows, and no later build may take it as confirmed.
    public mutating func distrust(_ path: String) {
        trusted.removeValue(forKey: path)
        outputs.removeValue(forKey: path)
    }

    /// Records a file just written with content hash `hash`; `written` is its stat when
    /// the writer has it (see `AtomicFile.write`), else the file is stat'ed here.
    public mutating func record(_ path: String, hash: String, written: stat? = nil) {
        guard let st = written.map(Stat.init) ?? Self.fileStat(path) else { return }
        let e = Entry(size: st.size, mtimeNs: st.mtimeNs, inode: st.inode, hash: hash)
        if entries[path] != e { entries[path] = e; changed = true }
        outputs[path] = hash
    }

    /// Reads the cache: a line per file, `size mtime inode hash path`, sealed (see
    /// `SealedFile`); an unsealed file is no cache, an unreadable line is dropped.
    public static func load(from path: String) -> FileStatCache {
        var c = FileStatCache()
        guard let bytes = SealedFile.read(path) else { return c }
        c.entries.reserveCapacity(bytes.count / 100)
        var i = 0
        /// Reads a decimal number ending at a space.
        func number() -> Int64? {
            var v: Int64 = 0
            var any = false
            while i < bytes.count, bytes[i] != 0x20 {
                guard bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
                v = v &* 10 &+ Int64(bytes[i] - 0x30)
                any = true
                i += 1
            }
            i += 1
            return any ? v : nil
        }
        while i < bytes.count {
            let lineEnd = bytes[i...].firstIndex(of: 0x0A) ?? bytes.count
            defer { i = lineEnd + 1 }
            guard let size = number(), let mtime = number(), let inode = number(), i < lineEnd,
                let space = bytes[i..<lineEnd].firstIndex(of: 0x20)
            else { continue }
            let hash = String(decoding: bytes[i..<space], as: UTF8.self)
            let path = String(decoding: bytes[(space + 1)..<lineEnd], as: UTF8.self)
            c.entries[path] = Entry(size: size, mtimeNs: mtime, inode: UInt64(bitPattern: inode), hash: hash)
        }
        return c
    }

    /// Saves the cache. With `onlyTouched`, entries for files this run neither read nor
    /// wrote are dropped (after a complete build they belong to nothing any more).
    public func save(to path: String, onlyTouched: Bool = false) throws {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 160)
        for (p, e) in entries where !p.utf8.contains(0x0A) {
            if onlyTouched && inputs[p] == nil && outputs[p] == nil { continue }
            Self.appendDecimal(e.size, to: &out)
            Self.appendDecimal(e.mtimeNs, to: &out)
            Self.appendDecimal(e.inode, to: &out)
            out.append(contentsOf: e.hash.utf8)
            out.append(0x20)
            out.append(contentsOf: p.utf8)
            out.append(0x0A)
        }
        try SealedFile.write(out, to: path)
    }

    /// `v` in decimal and a space (what `load` reads back; it drops a line with a `-`).
    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(0x2D) }
        appendDecimal(v.magnitude, to: &out)
    }

    static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        let start = out.count
        var m = v
        repeat {
            out.append(UInt8(truncatingIfNeeded: m % 10) + 0x30)
            m /= 10
        } while m > 0
        out[start...].reverse()
        out.append(0x20)
    }
}

extension FileStatCache.Stat {
    init(_ st: stat) {
        self.init(size: Int64(st.st_size), mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec), inode: UInt64(st.st_ino))
    }
}
