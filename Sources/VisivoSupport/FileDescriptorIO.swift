import Foundation

/// Whole reads and writes on a file descriptor: short counts are continued and EINTR is
/// retried. With `offset`, `pread`/`pwrite` at that position; without, the current one.
public enum FileDescriptorIO {
    /// Writes all of `bytes`; nil when done, else the errno of the failure.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64? = nil) -> Int32? {
        var done = 0
        while done < bytes.count {
            let p = bytes.baseAddress! + done, count = bytes.count - done
            let n = offset.map { pwrite(fd, p, count, off_t($0) + off_t(done)) } ?? write(fd, p, count)
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            return n < 0 ? errno : EIO
        }
        return nil
    }

    /// Reads up to `count` bytes, fewer only at the end of the file; the errno of a failure.
    package static func read(_ fd: Int32, count: Int, at offset: UInt64? = nil) -> Result<Data, Errno> {
        var data = Data(count: max(count, 0))
        var filled = 0
        let failure: Int32? = data.withUnsafeMutableBytes { buf in
            while filled < buf.count {
                let p = buf.baseAddress! + filled, rest = buf.count - filled
                let n = offset.map { pread(fd, p, rest, off_t($0) + off_t(filled)) } ?? Foundation.read(fd, p, rest)
                if n > 0 { filled += n; continue }
                if n == 0 { return nil }
                if errno == EINTR { continue }
                return errno
            }
            return nil
        }
        if let failure { return .failure(Errno(code: failure)) }
        if filled < data.count { data.count = filled }
        return .success(data)
    }

    package struct Errno: Error {
        package var code: Int32
        package var text: String { String(cString: strerror(code)) }
    }
}
