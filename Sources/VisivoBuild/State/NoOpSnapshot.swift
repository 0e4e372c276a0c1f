import Foundation
import Synchronization
import VisivoLoading
import VisivoSupport

/// What a complete, successful build leaves behind so that the next build can tell, without
/// parsing YAML or compiling SQL, that nothing changed (ninja's manifest check): the
/// project's content hash, the visivo binary, every input file and every output file with
/// its label, and when the first max_age runs out. Any difference, and the build runs the
/// ordinary way. A build deletes the snapshot before it starts, so a build that dies
/// halfway can never leave a snapshot that claims its half-written results are complete.
public struct NoOpSnapshot: Sendable, Equatable {
    static let header = "visivo-noop-snapshot 3"
    /// The label of an optional input that did not exist (a `-wal` file).
    static let absent = "absent"

    /// A file the build read or wrote, with its stat when the build ended; nil for an
    /// optional input that did not exist (its appearing is a change).
    public struct Watched: Sendable, Equatable {
        public var path: String
        var stat: FileStatCache.Stat?
    }

    public var contentHash: String
    public var binary: String
    public var outputDirectory: String
    public var files: [String]
    public var expiry: Date?
    /// How many nodes had results, and how many only had inputs checked.
    public var reused: Int
    public var checked: Int
    public var oldest: Date?
    /// Every input and output file, sorted by path.
    public var watched: [Watched]

    public static func path(stateDirectory: String) -> String { stateDirectory + "/noop-snapshot" }

    /// A label for the running executable: a new visivo may compile differently.
    public static func binaryLabel() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        guard let st = FileStatCache.fileStat(exe) else { return exe }
        return "\(exe)|\(st.size)|\(st.mtimeNs)|\(st.inode)"
    }

    // MARK: - The check

    /// True when nothing the last complete build depended on has changed since: every
    /// watched file has the stat it had (size, mtime, inode), absent ones are still absent,
    /// and the project files render to the same content hash. The stats are taken on two
    /// threads for large projects (tens of thousands of files).
    public func stillHolds(loader: ProjectLoader, outputDirectory: String, now: Date = Date()) -> Bool {
        guard binary == Self.binaryLabel(), self.outputDirectory == outputDirectory else { return false }
        if let expiry, now >= expiry { return false }
        guard Self.unchanged(watched) else { return false }
        return loader.contentHash(ofFiles: files) == contentHash
    }

    /// True when every file in `watched` still has its stat; from `parallelFrom` files on,
    /// the list is checked in two halves at once.
    static func unchanged(_ watched: [Watched], parallelFrom: Int = 4096) -> Bool {
        @Sendable func check(_ range: Range<Int>) -> Bool {
            for k in range {
                let w = watched[k]
                if FileStatCache.fileStat(w.path) != w.stat { return false }
            }
            return true
        }
        let parts = watched.count >= parallelFrom ? 2 : 1
        guard parts > 1 else { return check(0..<watched.count) }
        let results = Mutex<[Bool]>(Array(repeating: true, count: parts))
        let size = (watched.count + parts - 1) / parts
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let ok = check((part * size)..<min(watched.count, (part + 1) * size))
            results.withLock { $0[part] = ok }
        }
        return results.withLock { $0.allSatisfy { $0 } }
    }

    static func stateDirectory(of loader: ProjectLoader) -> String {
        BuildOptions(projectDirectory: URL(fileURLWithPath: loader.workingDirectory).standardizedFileURL.path).stateDirectory
    }

    // MARK: - File format (a line each: `key value`, then `stat SIZE MTIME INODE PATH` / `absent PATH`; sealed)

    public func save(to path: String) throws {
        var t = Self.header + "\n"
        t += "content \(contentHash)\nbinary \(binary)\noutput-dir \(outputDirectory)\n"
        t += "expiry \(expiry.map { String($0.timeIntervalSince1970) } ?? "-")\n"
        t += "oldest \(oldest.map { String($0.timeIntervalSince1970) } ?? "-")\n"
        t += "reused \(reused)\nchecked \(checked)\n"
        for f in files { t += "file \(f)\n" }
        var out = Array(t.utf8)
        out.reserveCapacity(out.count + watched.count * 120)
        for w in watched where !w.path.utf8.contains(0x0A) {
            if let st = w.stat {
                out.append(contentsOf: "stat ".utf8)
                FileStatCache.appendDecimal(st.size, to: &out)
                FileStatCache.appendDecimal(st.mtimeNs, to: &out)
                FileStatCache.appendDecimal(st.inode, to: &out)
            } else {
                out.append(contentsOf: "absent ".utf8)
            }
            out.append(contentsOf: w.path.utf8)
            out.append(0x0A)
        }
        try SealedFile.write(out, to: path)
    }

    /// The snapshot at `path`; nil when it is missing, unsealed (cut short, or altered) or
    /// not of this format.
    public static func load(from path: String) -> NoOpSnapshot? {
        guard let bytes = SealedFile.read(path) else { return nil }
        var s = NoOpSnapshot(contentHash: "", binary: "", outputDirectory: "", files: [], expiry: nil, reused: 0, checked: 0, oldest: nil, watched: [])
        s.watched.reserveCapacity(bytes.count / 80)
        var lineNumber = 0
        var start = 0
        // Byte-level: the snapshot of a large project has tens of thousands of lines.
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            defer { start = end + 1; lineNumber += 1 }
            if lineNumber == 0 {
                guard String(decoding: bytes[start..<end], as: UTF8.self) == header else { return nil }
                continue
            }
            guard end > start, let space = bytes[start..<end].firstIndex(of: 0x20) else { continue }
            let key = bytes[start..<space]
            if key.elementsEqual("stat".utf8) {
                var i = space + 1
                /// A decimal number ending at a space.
                func number() -> Int64? {
                    var v: Int64 = 0
                    let first = i
                    while i < end, bytes[i] != 0x20 {
                        guard bytes[i] >= 0x30, bytes[i] <= 0x39 else { return nil }
                        v = v &* 10 &+ Int64(bytes[i] - 0x30)
                        i += 1
                    }
                    defer { i += 1 }
                    return i > first ? v : nil
                }
                guard let size = number(), let mtime = number(), let inode = number(), i < end else { return nil }
                s.watched.append(
                    Watched(
                        path: String(decoding: bytes[i..<end], as: UTF8.self),
                        stat: FileStatCache.Stat(size: size, mtimeNs: mtime, inode: UInt64(bitPattern: inode))))
                continue
            }
            let value = String(decoding: bytes[(space + 1)..<end], as: UTF8.self)
            switch String(decoding: key, as: UTF8.self) {
            case "absent": s.watched.append(Watched(path: value, stat: nil))
            case "content": s.contentHash = value
            case "binary": s.binary = value
            case "output-dir": s.outputDirectory = value
            case "expiry": s.expiry = Double(value).map { Date(timeIntervalSince1970: $0) }
            case "oldest": s.oldest = Double(value).map { Date(timeIntervalSince1970: $0) }
            case "reused": s.reused = Int(value) ?? 0
            case "checked": s.checked = Int(value) ?? 0
            case "file": s.files.append(value)
            default: return nil
            }
        }
        return s.contentHash.isEmpty || s.files.isEmpty ? nil : s
    }
}
