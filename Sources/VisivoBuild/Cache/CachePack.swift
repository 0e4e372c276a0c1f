import Crypto
import Foundation
import VisivoSupport

/// Pack files: many cache objects in one file, so a build that stores thousands of results
/// creates two files instead of thousands (fewer inodes to allocate, and a cache folder
/// that CI can save and restore quickly).
///
/// `<root>/packs/pack-<time>-<pid>-<n>.pack` holds
///
///     "VSVPACK\0"           8 bytes magic
///     format version        UInt32 LE (1)
///     objects               back to back, each a whole object in FileCache's format
///
/// and `<same name>.idx`, written (atomically) only once the pack is complete, holds
///
///     "VSVPKIDX"            8 bytes magic
///     format version        UInt32 LE (1)
///     entry count           UInt32 LE
///     entries               sorted by key: key (32 bytes), offset (UInt64 LE), length (UInt64 LE)
///     SHA-256               32 bytes, of everything before it
///
/// A pack without its index (a build that was killed) is invisible and removed by prune.
enum CachePack {
    static let packMagic: [UInt8] = Array("VSVPACK\0".utf8)
    static let indexMagic: [UInt8] = Array("VSVPKIDX".utf8)
    static let formatVersion: UInt32 = 1
    static let packHeaderSize = 12
    static let indexHeaderSize = 16
    static let entrySize = 48

    static func packHeader() -> [UInt8] {
        var h = packMagic
        withUnsafeBytes(of: formatVersion.littleEndian) { h.append(contentsOf: $0) }
        return h
    }

    /// A new pack's path (without extension): names sort by creation time, so the newest
    /// pack comes last.
    static func newPackBase(in directory: String) -> String {
        let ns = UInt64(Date().timeIntervalSince1970 * 1_000_000_000)
        let digits = String(ns)
        return directory + "/pack-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "-" + AtomicFile.uniqueSuffix()
    }

    struct Entry: Equatable {
        var key: [UInt8]
        var offset: UInt64
        var length: UInt64
    }

    /// The index file's bytes for `entries` (sorted here).
    static func encodeIndex(_ entries: [Entry]) -> [UInt8] {
        let sorted = entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        var out = indexMagic
        out.reserveCapacity(indexHeaderSize + sorted.count * entrySize + 32)
        withUnsafeBytes(of: formatVersion.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(sorted.count).littleEndian) { out.append(contentsOf: $0) }
        for e in sorted {
            out.append(contentsOf: e.key)
            withUnsafeBytes(of: e.offset.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: e.length.littleEndian) { out.append(contentsOf: $0) }
        }
        out.append(contentsOf: SHA256.hash(data: out))
        return out
    }

    /// A loaded index: the entries' bytes as stored, searched in place.
    struct Index {
        let bytes: [UInt8]
        let count: Int

        /// Nil when `bytes` is not a whole, intact index.
        init?(_ bytes: [UInt8]) {
            guard bytes.count >= indexHeaderSize + 32, bytes.starts(with: indexMagic) else { return nil }
            let (version, count) = bytes.withUnsafeBytes {
                (
                    UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
                    Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
                )
            }
            guard version == formatVersion, bytes.count == indexHeaderSize + count * entrySize + 32,
                SHA256.hash(data: bytes[..<(bytes.count - 32)]).elementsEqual(bytes[(bytes.count - 32)...])
            else { return nil }
            self.bytes = bytes
            self.count = count
        }

        func entry(at i: Int) -> Entry {
            let base = indexHeaderSize + i * entrySize
            return bytes.withUnsafeBytes { raw in
                Entry(
                    key: Array(raw[base..<(base + 32)]),
                    offset: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 32, as: UInt64.self)),
                    length: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 40, as: UInt64.self)))
            }
        }

        /// Binary search for `key` (32 raw bytes).
        func find(_ key: [UInt8]) -> (offset: UInt64, length: UInt64)? {
            bytes.withUnsafeBytes { raw -> (UInt64, UInt64)? in
                key.withUnsafeBytes { k -> (UInt64, UInt64)? in
                    var lo = 0, hi = count
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        let base = indexHeaderSize + mid * entrySize
                        let c = memcmp(raw.baseAddress! + base, k.baseAddress!, 32)
                        if c == 0 {
                            return (
                                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 32, as: UInt64.self)),
                                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 40, as: UInt64.self))
                            )
                        }
                        if c < 0 { lo = mid + 1 } else { hi = mid }
                    }
                    return nil
                }
            }
        }
    }

    /// A pack another build finished: its index and an open descriptor of its data (kept
    /// open, so a pack deleted by a concurrent prune stays readable to this build).
    final class Reader: @unchecked Sendable {
        // @unchecked: immutable after init; pread needs no lock.
        let base: String
        let index: Index
        let fd: Int32
        let bytes: Int64

        init?(base: String) {
            guard let data = FileManager.default.contents(atPath: base + ".idx"), let index = Index([UInt8](data)) else { return nil }
            let fd = open(base + ".pack", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            var st = stat()
            fstat(fd, &st)
            self.base = base
            self.index = index
            self.fd = fd
            self.bytes = Int64(st.st_size) + Int64(data.count)
        }

        deinit { close(fd) }
    }

    /// Reads `length` bytes at `offset`; nil on a failure or a short read.
    static func read(_ fd: Int32, offset: UInt64, length: UInt64) -> Data? {
        guard length <= UInt64(Int.max), case .success(let data) = FileDescriptorIO.read(fd, count: Int(length), at: offset),
            data.count == Int(length)
        else { return nil }
        return data
    }

    /// A new, empty pack in `directory` (made when missing): its path without extension and
    /// a descriptor open for writing, positioned after the header.
    static func create(in directory: String) throws -> (base: String, fd: Int32) {
        AtomicFile.makeDirectories(directory)
        let base = newPackBase(in: directory)
        let fd = open(base + ".pack", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CacheError.io(operation: "create", path: base + ".pack", reason: String(cString: strerror(errno))) }
        if let code = packHeader().withUnsafeBytes({ FileDescriptorIO.writeAll(fd, $0, at: 0) }) {
            close(fd)
            unlink(base + ".pack")
            throw CacheError.io(operation: "write", path: base + ".pack", reason: String(cString: strerror(code)))
        }
        return (base, fd)
    }

    /// The finished packs in `directory`, oldest first (by name).
    static func bases(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasPrefix("pack-") && $0.hasSuffix(".idx") }.sorted().map { directory + "/" + $0.dropLast(4) }
    }
}
