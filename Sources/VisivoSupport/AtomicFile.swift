import Foundation
import Synchronization

/// Writes files so that a reader sees the old content or the new, never half of one.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// A temporary name for `path`: in `scratch` when given (a folder on the same file
    /// system that the caller sweeps after a crash), else beside `path`.
    public static func temporaryPath(for path: String, in scratch: String?) -> String {
        let unique = uniqueSuffix()
        guard let scratch else { return "\(path).tmp-\(unique)" }
        return "\(scratch)/\((path as NSString).lastPathComponent).tmp-\(unique)"
    }

    private static let processID = getpid()
    private static let counter = Atomic<UInt64>(0)

    /// A name part no other temporary file has: this process's id and a counter (no
    /// system call, unlike a random number or a UUID).
    package static func uniqueSuffix() -> String {
        "\(processID)-\(counter.add(1, ordering: .relaxed).newValue)"
    }

    /// Writes `bytes` to a temporary file (see `temporaryPath`), then renames it over `path`.
    /// Returns the file's `stat`, taken before the rename (which keeps size, mtime and inode),
    /// so a caller recording it needs no second path lookup.
    /// - Parameter durable: the file reaches the disk before it is renamed into place, and
    ///   the rename before this returns (for records that vouch for other files; outputs
    ///   are checked against their recorded size, so a torn one is found anyway).
    @discardableResult
    public static func write(_ bytes: some Collection<UInt8>, to path: String, scratch: String? = nil, durable: Bool = false) throws -> stat {
        let tmp = temporaryPath(for: path, in: scratch)
        var fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT {
            // A folder is missing: make it (and its parents), then try once more.
            makeDirectories((tmp as NSString).deletingLastPathComponent)
            fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        // Large results are written from where they are, not copied first.
        var failure =
            bytes.withContiguousStorageIfAvailable { FileDescriptorIO.writeAll(fd, UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0) }
        var st = stat()
        if failure == nil && durable && fsync(fd) != 0 { failure = errno }
        if failure == nil && fstat(fd, &st) != 0 { failure = errno }
        close(fd)
        if let failure {
            unlink(tmp)
            throw WriteError(path: path, reason: String(cString: strerror(failure)))
        }
        var renamed = rename(tmp, path) == 0
        if !renamed && errno == ENOENT {
            makeDirectories((path as NSString).deletingLastPathComponent)
            renamed = rename(tmp, path) == 0
        }
        guard renamed else {
            let e = errno
            unlink(tmp)
            throw WriteError(path: path, reason: String(cString: strerror(e)))
        }
        if durable {
            let dir = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dir >= 0 {
                fsync(dir)
                close(dir)
            }
        }
        return st
    }

    /// `mkdir -p` with plain system calls.
    package static func makeDirectories(_ dir: String) {
        guard !dir.isEmpty, mkdir(dir, 0o755) != 0, errno == ENOENT else { return }
        makeDirectories((dir as NSString).deletingLastPathComponent)
        mkdir(dir, 0o755)
    }

    /// Writes `text` unless the file already holds exactly it; true when it wrote.
    @discardableResult
    public static func writeIfDifferent(_ text: String, to path: String) throws -> Bool {
        let bytes = Array(text.utf8)
        var st = stat()
        if stat(path, &st) == 0, Int(st.st_size) == bytes.count, let existing = FileManager.default.contents(atPath: path), existing.elementsEqual(bytes) {
            return false
        }
        try write(bytes, to: path)
        return true
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
