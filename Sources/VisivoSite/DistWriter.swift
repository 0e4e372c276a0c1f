import Foundation
import VisivoCore

/// Writes a site as one self-contained folder. The folder is written beside the target
/// under a temporary name and swapped in whole, so a failed dist leaves the previous one
/// intact; an existing folder is replaced only if an earlier dist wrote it (it carries
/// `.visivo-dist`), never a folder of the user's.
public enum DistWriter {
    public static let marker = ".visivo-dist"

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Written: Sendable {
        public var files: Int
        public var bytes: Int
    }

    public static func write(_ site: Site, to directory: String) throws(Failure) -> Written {
        let target = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard !directory.isEmpty, target != "/" else { throw Failure(description: "refusing to write a dist to '\(directory)'") }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: target, isDirectory: &isDir) {
            let entries = (try? fm.contentsOfDirectory(atPath: target)) ?? []
            guard isDir.boolValue, entries.isEmpty || entries.contains(marker), !isSymlink(target) else {
                throw Failure(description: "\(target) exists and was not written by `visivo dist`; choose another folder with -d, or remove it yourself")
            }
        }
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let scratch = "\(parent)/.\(name).tmp-\(getpid())"
        let old = "\(parent)/.\(name).old-\(getpid())"
        try? fm.removeItem(atPath: scratch)
        var written = Written(files: 0, bytes: 0)
        do {
            try fm.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            for (path, content) in site.files.sorted(by: { $0.key < $1.key }) {
                guard let bytes = Site.read(content) else {
                    throw Failure(description: "cannot read what \(path) is made from (\(content))")
                }
                let file = scratch + "/" + path
                try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                guard fm.createFile(atPath: file, contents: Data(bytes)) else { throw Failure(description: "cannot write \(file)") }
                written.files += 1
                written.bytes += bytes.count
            }
            guard fm.createFile(atPath: scratch + "/" + marker, contents: Data("written by visivo dist; the next dist replaces this folder\n".utf8)) else {
                throw Failure(description: "cannot write \(scratch)/\(marker)")
            }
            if fm.fileExists(atPath: target) { try fm.moveItem(atPath: target, toPath: old) }
            try fm.moveItem(atPath: scratch, toPath: target)
            try? fm.removeItem(atPath: old)
        } catch let f as Failure {
            try? fm.removeItem(atPath: scratch)
            throw f
        } catch {
            try? fm.removeItem(atPath: scratch)
            throw Failure(description: "cannot write the dist to \(target): \(error.localizedDescription)")
        }
        return written
    }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// A version for a dist: a hash of everything it shows, so a browser's cache of an
    /// earlier dist never mixes with this one.
    public static func version(project: Project, outputDirectory: String) -> String {
        var hasher = FingerprintHasher()
        hasher.add("project", project.contentHash)
        for t in project.traces {
            let data = FileManager.default.contents(atPath: SiteData.dataPath(trace: t.name, outputDirectory: outputDirectory))
            hasher.add(t.name, bytes: data.map { Array($0) } ?? [])
        }
        return String(hasher.finalize().hex.prefix(12))
    }
}
