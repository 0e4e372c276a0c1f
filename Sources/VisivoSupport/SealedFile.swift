import Crypto
import Foundation

/// The records visivo keeps under `.visivo/` that vouch for other files (the build state,
/// the stat cache, the no-op snapshot): written durably, and ending in a seal line,
/// `#sealed <SHA-256 of every byte before it>`. A file cut short, extended or altered
/// reads as absent, which costs a rebuild, never a wrong result.
public enum SealedFile {
    static let marker = Array("#sealed ".utf8)

    /// Writes `bytes` and their seal atomically and durably.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        var out = bytes
        out.reserveCapacity(bytes.count + marker.count + 65)
        out += marker
        out += Array(Fingerprint(digest: SHA256.hash(data: bytes)).hex.utf8)
        out.append(0x0A)
        try AtomicFile.write(out, to: path, durable: true)
    }

    /// The bytes before the seal; nil when the file is missing or its seal does not hold.
    public static func read(_ path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return unseal([UInt8](data))
    }

    static func unseal(_ bytes: [UInt8]) -> [UInt8]? {
        let trailer = marker.count + 64 + 1
        guard bytes.count >= trailer, bytes.last == 0x0A else { return nil }
        let body = bytes[..<(bytes.count - trailer)]
        guard bytes[body.endIndex..<(body.endIndex + marker.count)].elementsEqual(marker) else { return nil }
        let seal = String(decoding: bytes[(body.endIndex + marker.count)..<(bytes.count - 1)], as: UTF8.self)
        guard seal == Fingerprint(digest: SHA256.hash(data: body)).hex else { return nil }
        return Array(body)
    }
}
