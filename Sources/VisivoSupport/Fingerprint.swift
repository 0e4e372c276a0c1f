import Crypto
import Foundation

/// A SHA-256 digest identifying a build node's inputs (or outputs), as 64 lowercase hex digits.
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The digest as 64 lowercase hexadecimal digits.
    public let hex: String

    public var description: String { hex }

    /// Validates `hex`: exactly 64 hexadecimal digits (either case; stored lowercase).
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 64,
            lower.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.hex = lower
    }

    /// From the 32 raw digest bytes (as pack indexes store them).
    package init(bytes: [UInt8]) {
        self.hex = Fingerprint.hexString(bytes)
    }

    package init(digest: SHA256.Digest) {
        self.hex = Fingerprint.hexString(digest)
    }

    /// The 32 raw digest bytes.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        var high: UInt8?
        for c in hex.utf8 {
            let nibble = c <= 0x39 ? c - 0x30 : c - 0x61 + 10
            if let h = high {
                result.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return result
    }

    public static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool { lhs.hex < rhs.hex }

    package static func hexString(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var chars: [UInt8] = []
        chars.reserveCapacity(64)
        for b in bytes {
            chars.append(digits[Int(b >> 4)])
            chars.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: chars, as: UTF8.self)
    }
}

/// Errors from hashing a file.
public enum FingerprintError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case readFailed(path: String, reason: String)
    /// The file's size changed while it was being read.
    case changedWhileReading(path: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot open \(path): \(reason)"
        case let .readFailed(path, reason): return "cannot read \(path): \(reason)"
        case let .changedWhileReading(path): return "\(path) changed while it was being hashed"
        }
    }
}

/// Builds a `Fingerprint` from tagged fields fed into SHA-256 with a canonical encoding.
///
/// Each field is written as
/// `tag length (UInt64 LE) · tag UTF-8 · type byte · value length (UInt64 LE) · value`,
/// so field boundaries are unambiguous: ("ab", "c") never collides with ("a", "bc"),
/// and a string "1" never collides with the integer 1.
public struct FingerprintHasher {
    /// Version of the encoding; bump it to invalidate every existing fingerprint.
    public static let formatVersion = 1

    private enum FieldType: UInt8 {
        case string = 0x01
        case int = 0x02
        case fingerprint = 0x03
        case bytes = 0x04
    }

    private var sha = SHA256()

    public init() {
        add("visivo.fingerprint.format", FingerprintHasher.formatVersion)
    }

    public mutating func add(_ tag: String, _ value: String) {
        var value = value
        value.withUTF8 { writeField(tag, .string, UnsafeRawBufferPointer($0)) }
    }

    public mutating func add(_ tag: String, _ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { writeField(tag, .int, $0) }
    }

    public mutating func add(_ tag: String, _ fp: Fingerprint) {
        fp.bytes.withUnsafeBytes { writeField(tag, .fingerprint, $0) }
    }

    public mutating func add(_ tag: String, bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            writeField(tag, .bytes, UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            Array(bytes).withUnsafeBytes { writeField(tag, .bytes, $0) }
        }
    }

    public func finalize() -> Fingerprint {
        Fingerprint(digest: sha.finalize())
    }

    /// The fingerprint of a file's contents, read in 1 MiB chunks. Equal to
    /// `add("file", bytes: contents)` on a fresh hasher, then `finalize()`.
    public static func hashFile(at path: String) throws -> Fingerprint {
        // Non-blocking, so that opening a FIFO cannot wait for a writer; only a regular
        // file is read (a FIFO, a device or /dev/stdin would never end, or never start).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw FingerprintError.cannotOpen(path: path, reason: errnoText()) }
        defer { close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw FingerprintError.readFailed(path: path, reason: errnoText())
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FingerprintError.cannotOpen(path: path, reason: "not a regular file")
        }
        let declared = Int(info.st_size)

        var hasher = FingerprintHasher()
        hasher.writeHeader("file", .bytes, length: declared)

        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var seen = 0
        while true {
            let n = read(fd, buffer.baseAddress, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw FingerprintError.readFailed(path: path, reason: errnoText())
            }
            if n == 0 { break }
            seen += n
            guard seen <= declared else { throw FingerprintError.changedWhileReading(path: path) }
            hasher.sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        guard seen == declared else { throw FingerprintError.changedWhileReading(path: path) }
        return hasher.finalize()
    }

    // MARK: - Encoding

    private mutating func writeField(_ tag: String, _ type: FieldType, _ value: UnsafeRawBufferPointer) {
        writeHeader(tag, type, length: value.count)
        sha.update(bufferPointer: value)
    }

    private mutating func writeHeader(_ tag: String, _ type: FieldType, length: Int) {
        var tag = tag
        tag.withUTF8 { utf8 in
            writeLength(utf8.count)
            sha.update(bufferPointer: UnsafeRawBufferPointer(utf8))
        }
        withUnsafeBytes(of: type.rawValue) { sha.update(bufferPointer: $0) }
        writeLength(length)
    }

    private mutating func writeLength(_ n: Int) {
        withUnsafeBytes(of: UInt64(n).littleEndian) { sha.update(bufferPointer: $0) }
    }
}
