import Crypto
import Foundation
import VisivoSupport

extension FileCache {
    // MARK: Object format

    struct Corruption: Error, Equatable {
        let reason: String
    }

    /// The checksum covers the key as well as the data: an object is valid only under the
    /// key it was stored for (a file moved to another key's place is corrupt there).
    static func checksum(_ data: Data, key: Fingerprint) -> SHA256.Digest {
        var sha = SHA256()
        sha.update(data: key.bytes)
        sha.update(data: data)
        return sha.finalize()
    }

    static func header(for data: Data, key: Fingerprint) -> Data {
        var header = Data(capacity: headerSize)
        header.append(contentsOf: magic)
        withUnsafeBytes(of: formatVersion.littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(data.count).littleEndian) { header.append(contentsOf: $0) }
        header.append(contentsOf: checksum(data, key: key))
        return header
    }

    /// Encodes a whole object (header + zlib stream), as `store` writes it.
    static func encode(_ data: Data, key: Fingerprint) throws -> Data {
        var object = header(for: data, key: key)
        do {
            try Zlib.compress(data, appendingTo: &object)
        } catch {
            throw CacheError.compression("cannot compress object \(key): \(error)")
        }
        return object
    }

    /// Decodes and verifies a whole object stored for `key`.
    static func decode(_ object: Data, key: Fingerprint) -> Result<Data, Corruption> {
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
        guard Self.checksum(data, key: key).elementsEqual(checksum) else {
            return .failure(Corruption(reason: "checksum mismatch (damaged, or stored for another key)"))
        }
        return .success(data)
    }
}
