import Crypto
import Foundation

extension FileCache {
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
}
