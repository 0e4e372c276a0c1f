import Foundation
import VisivoProject
import VisivoSupport

/// How project files are read: only regular files (a FIFO or a device is never opened in
/// a way that waits), at most `maxBytes` each, and only as valid UTF-8.
public enum ProjectFiles {
    /// The largest project file read: a bigger one is surely not hand-written YAML.
    public static let maxBytes = 64 << 20

    /// Why a file cannot be read, worded to follow its name.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case missing
        case notAFile(String)
        case tooLarge(Int)
        case unreadable(String)

        public var description: String {
            switch self {
            case .missing: return "does not exist"
            case .notAFile(let kind): return "is \(kind), not a file"
            case .tooLarge(let size): return "is \(size >> 20) MiB; a project file may be at most \(ProjectFiles.maxBytes >> 20) MiB"
            case .unreadable(let reason): return "cannot be read: \(reason)"
            }
        }
    }

    /// The bytes of the regular file at `path`.
    public static func read(_ path: String) -> Result<Data, Problem> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { return .failure(.missing) }
            if errno == ENAMETOOLONG { return .failure(.unreadable("its name is too long")) }
            return .failure(.unreadable(String(cString: strerror(errno))))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(.notAFile("a folder"))
        case S_IFIFO: return .failure(.notAFile("a FIFO"))
        case S_IFCHR, S_IFBLK: return .failure(.notAFile("a device"))
        case S_IFSOCK: return .failure(.notAFile("a socket"))
        default: return .failure(.notAFile("a special file"))
        }
        let size = Int(st.st_size)
        guard size <= maxBytes else { return .failure(.tooLarge(size)) }
        // Read to the end: a file that grew meanwhile (an editor saving) is read whole,
        // and still bounded.
        var data = Data()
        var chunk = size + 1
        while true {
            switch FileDescriptorIO.read(fd, count: chunk) {
            case .success(let part):
                data.append(part)
                guard data.count <= maxBytes else { return .failure(.tooLarge(data.count)) }
                if part.count < chunk { return .success(data) }
                chunk = 1 << 16
            case .failure(let e): return .failure(.unreadable(e.text))
            }
        }
    }

    /// True when a file of one of these names exists at all (a folder too: it is then
    /// reported as such rather than as missing).
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// The line and column of the first byte that is not UTF-8, if any.
    static func invalidUTF8(in bytes: Data, file: String) -> SourceLocation? {
        // The common case at memory speed; the place is looked for only when there is one.
        if bytes.withUnsafeBytes({ String(validating: $0, as: UTF8.self) }) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1 && encoded.first == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .error: return SourceLocation(file: file, line: line, column: column)
            case .emptyInput: return nil
            }
        }
    }
}
