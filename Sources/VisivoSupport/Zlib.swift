import CZlib
import Foundation
import Synchronization

/// What can go wrong compressing or inflating a zlib stream.
package enum ZlibError: Error, CustomStringConvertible, Equatable {
    /// deflateInit/inflateInit failed (code, zlib's message if any).
    case initFailed(code: Int32, message: String?)
    /// deflate/inflate reported an error (bad data, bad dictionary, out of memory...).
    case streamError(code: Int32, message: String?)
    /// The input ended before the end-of-stream marker.
    case truncated
    /// Bytes follow the end of the zlib stream.
    case trailingData(count: Int)
    /// The inflated output is not the size the caller said it would be.
    case sizeMismatch(expected: Int, actual: Int)
    /// The caller's expected size is impossible for this input.
    case implausibleSize(Int)

    package var description: String {
        switch self {
        case let .initFailed(code, message):
            return "zlib: could not initialise stream (\(Zlib.codeName(code))\(message.map { ": \($0)" } ?? ""))"
        case let .streamError(code, message):
            return "zlib: \(Zlib.codeName(code))\(message.map { ": \($0)" } ?? "")"
        case .truncated:
            return "zlib: compressed stream is truncated"
        case let .trailingData(count):
            return "zlib: \(count) unexpected byte(s) after the end of the compressed stream"
        case let .sizeMismatch(expected, actual):
            return "zlib: inflated \(actual) byte(s), expected \(expected)"
        case let .implausibleSize(size):
            return "zlib: expected size \(size) is impossible for this input"
        }
    }
}

/// Streaming zlib (RFC 1950) compression over `z_stream`, in fixed-size chunks.
package enum Zlib {
    /// Output buffer size for each deflate/inflate call.
    static let chunkSize = 64 * 1024
    /// Largest slice of input handed to zlib at once (`avail_in` is 32-bit).
    static let inputChunkSize = 1 << 20
    /// deflate cannot expand better than about 1032:1; anything claiming more is corrupt.
    static let maxRatio = 1032

    package static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
        try data.withUnsafeBytes { try compress(buffer: $0, level: level) }
    }

    /// The zlib stream of `data`, appended to `output` (a header before it, say, without
    /// a second buffer for the stream).
    package static func compress(_ data: Data, appendingTo output: inout Data, level: Int32 = 6) throws {
        try data.withUnsafeBytes { try compress(buffer: $0, level: level, into: &output) }
    }

    package static func compress(_ bytes: [UInt8], level: Int32 = 6) throws -> Data {
        try bytes.withUnsafeBytes { try compress(buffer: $0, level: level) }
    }

    /// Inflates `data`, which must be exactly one complete zlib stream whose output is
    /// `expectedSize` bytes. Never allocates more than the input can plausibly produce.
    package static func decompress(_ data: Data, expectedSize: Int) throws -> Data {
        guard expectedSize >= 0,
            expectedSize / maxRatio <= data.count + 64
        else { throw ZlibError.implausibleSize(expectedSize) }
        return try data.withUnsafeBytes { try decompress(buffer: $0, expectedSize: expectedSize, gzip: false) }
    }

    /// Whether `data` starts as a gzip stream does (the bytes 1F 8B).
    package static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// A whole gzip stream (one member), at most `limit` bytes once inflated.
    package static func gunzip(_ data: Data, limit: Int) throws -> Data {
        try data.withUnsafeBytes { try decompress(buffer: $0, expectedSize: limit, gzip: true) }
    }

    // MARK: - Implementation

    /// A deflate stream and its output buffer, kept for reuse. Setting up a stream
    /// allocates about 256 KiB; for a small result that cost more than compressing it
    /// (about 17 µs per call for a 10-byte input, measured through Python's zlib).
    /// `deflateReset` only clears the hash table.
    final class Deflater: @unchecked Sendable {
        // @unchecked: used by one thread at a time (taken from and returned to `idle`).
        let strm: UnsafeMutablePointer<z_stream>
        let out: UnsafeMutablePointer<Bytef>

        init(level: Int32) throws {
            // zlib keeps a back-pointer to the z_stream, so it must not move between calls.
            strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            strm.initialize(to: z_stream())
            out = UnsafeMutablePointer<Bytef>.allocate(capacity: Zlib.chunkSize)
            let rc = visivo_deflate_init(strm, level)
            guard rc == Z_OK else {
                let m = Zlib.message(strm)
                out.deallocate()
                strm.deinitialize(count: 1)
                strm.deallocate()
                throw ZlibError.initFailed(code: rc, message: m)
            }
        }

        deinit {
            deflateEnd(strm)
            out.deallocate()
            strm.deinitialize(count: 1)
            strm.deallocate()
        }
    }

    /// Idle deflaters (level 6), at most one per thread that compressed at the same time.
    private static let idle = Mutex<[Deflater]>([])
    private static let maxIdle = 16

    private static func compress(buffer: UnsafeRawBufferPointer, level: Int32) throws -> Data {
        var output = Data()
        try compress(buffer: buffer, level: level, into: &output)
        return output
    }

    private static func compress(buffer: UnsafeRawBufferPointer, level: Int32, into output: inout Data) throws {
        let reused = level == 6 ? idle.withLock { $0.popLast() } : nil
        let deflater = try reused ?? Deflater(level: level)
        if reused != nil { deflateReset(deflater.strm) }
        try compress(buffer: buffer, with: deflater, into: &output)
        // A stream left mid-way by an error is not reused.
        if level == 6 { idle.withLock { if $0.count < maxIdle { $0.append(deflater) } } }
    }

    private static func compress(buffer: UnsafeRawBufferPointer, with deflater: Deflater, into output: inout Data) throws {
        let strm = deflater.strm
        let out = deflater.out

        output.reserveCapacity(output.count + min(buffer.count / 2 + 64, 16 << 20))
        let base = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
        let total = buffer.count
        var offset = 0
        var flush: Int32 = Z_NO_FLUSH
        repeat {
            let take = min(inputChunkSize, total - offset)
            strm.pointee.next_in = base.map { UnsafeMutablePointer(mutating: $0 + offset) }
            strm.pointee.avail_in = uInt(take)
            offset += take
            flush = offset == total ? Z_FINISH : Z_NO_FLUSH
            var status: Int32
            repeat {
                strm.pointee.next_out = out
                strm.pointee.avail_out = uInt(chunkSize)
                status = deflate(strm, flush)
                guard status != Z_STREAM_ERROR else {
                    throw ZlibError.streamError(code: status, message: message(strm))
                }
                let produced = chunkSize - Int(strm.pointee.avail_out)
                if produced > 0 { output.append(out, count: produced) }
            } while strm.pointee.avail_out == 0
            guard strm.pointee.avail_in == 0 else {
                throw ZlibError.streamError(code: status, message: "deflate left input unconsumed")
            }
            if flush == Z_FINISH, status != Z_STREAM_END {
                throw ZlibError.streamError(code: status, message: "deflate did not finish the stream")
            }
        } while flush != Z_FINISH
        strm.pointee.next_in = nil
        strm.pointee.next_out = nil
    }

    /// With `gzip`, `expectedSize` is the most the output may be; else its exact size.
    private static func decompress(buffer: UnsafeRawBufferPointer, expectedSize: Int, gzip: Bool) throws -> Data {
        let strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        strm.initialize(to: z_stream())
        defer { strm.deinitialize(count: 1); strm.deallocate() }

        let rc = gzip ? visivo_inflate_init_gzip(strm) : visivo_inflate_init(strm)
        guard rc == Z_OK else { throw ZlibError.initFailed(code: rc, message: message(strm)) }
        defer { inflateEnd(strm) }

        let out = UnsafeMutablePointer<Bytef>.allocate(capacity: chunkSize)
        defer { out.deallocate() }

        var output = Data()
        output.reserveCapacity(gzip ? min(expectedSize, buffer.count * 4) : expectedSize)
        let base = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
        let total = buffer.count
        var offset = 0
        loop: while true {
            if strm.pointee.avail_in == 0, offset < total {
                let take = min(inputChunkSize, total - offset)
                strm.pointee.next_in = base.map { UnsafeMutablePointer(mutating: $0 + offset) }
                strm.pointee.avail_in = uInt(take)
                offset += take
            }
            strm.pointee.next_out = out
            strm.pointee.avail_out = uInt(chunkSize)
            let status = inflate(strm, Z_NO_FLUSH)
            let produced = chunkSize - Int(strm.pointee.avail_out)
            if produced > 0 {
                guard output.count + produced <= expectedSize else {
                    throw ZlibError.sizeMismatch(expected: expectedSize, actual: output.count + produced)
                }
                output.append(out, count: produced)
            }
            switch status {
            case Z_STREAM_END:
                break loop
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress possible: fine if more input is waiting, otherwise the stream is cut short.
                if strm.pointee.avail_in == 0, offset == total { throw ZlibError.truncated }
            default:
                throw ZlibError.streamError(code: status, message: message(strm))
            }
        }
        let trailing = Int(strm.pointee.avail_in) + (total - offset)
        strm.pointee.next_in = nil
        strm.pointee.next_out = nil
        guard trailing == 0 else { throw ZlibError.trailingData(count: trailing) }
        guard gzip || output.count == expectedSize else {
            throw ZlibError.sizeMismatch(expected: expectedSize, actual: output.count)
        }
        return output
    }

    static func message(_ strm: UnsafeMutablePointer<z_stream>) -> String? {
        strm.pointee.msg.map { String(cString: $0) }
    }

    static func codeName(_ code: Int32) -> String {
        switch code {
        case Z_OK: return "Z_OK"
        case Z_STREAM_END: return "Z_STREAM_END"
        case Z_NEED_DICT: return "Z_NEED_DICT"
        case Z_ERRNO: return "Z_ERRNO"
        case Z_STREAM_ERROR: return "Z_STREAM_ERROR"
        case Z_DATA_ERROR: return "Z_DATA_ERROR"
        case Z_MEM_ERROR: return "Z_MEM_ERROR"
        case Z_BUF_ERROR: return "Z_BUF_ERROR"
        case Z_VERSION_ERROR: return "Z_VERSION_ERROR"
        default: return "zlib error \(code)"
        }
    }
}
