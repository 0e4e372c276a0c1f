import Foundation
import VisivoBuild
import VisivoProject
import VisivoSupport

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
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        try checkReplaceable(target)
        sweepLeftovers(parent: parent, name: name)
        let scratch = "\(parent)/.\(name).tmp-\(getpid())"
        let old = "\(parent)/.\(name).old-\(getpid())"
        var written = Written(files: 0, bytes: 0)
        var movedAway = false
        do {
            try fm.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let paths = site.files.keys.sorted()
            for path in paths {
                guard let content = site.files[path], let bytes = Site.read(content) else {
                    throw Failure(description: "cannot read what \(path) is made from")
                }
                let file = scratch + "/" + path
                try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                guard fm.createFile(atPath: file, contents: Data(bytes)) else { throw Failure(description: "cannot write \(file)") }
                written.files += 1
                written.bytes += bytes.count
            }
            // The marker lists what this dist wrote: the next one replaces the folder only
            // while it holds nothing else.
            let listing = "written by visivo dist; the next dist replaces this folder while it holds only these files:\n" + paths.joined(separator: "\n") + "\n"
            guard fm.createFile(atPath: scratch + "/" + marker, contents: Data(listing.utf8)) else {
                throw Failure(description: "cannot write \(scratch)/\(marker)")
            }
            if fm.fileExists(atPath: target) {
                try fm.moveItem(atPath: target, toPath: old)
                movedAway = true
            }
            try fm.moveItem(atPath: scratch, toPath: target)
            try? fm.removeItem(atPath: old)
        } catch {
            try? fm.removeItem(atPath: scratch)
            // The previous dist goes back where it was.
            if movedAway, !fm.fileExists(atPath: target) { try? fm.moveItem(atPath: old, toPath: target) }
            if let f = error as? Failure { throw f }
            throw Failure(description: "cannot write the dist to \(target): \(error.localizedDescription)")
        }
        return written
    }

    /// A folder may be replaced when it does not exist, is empty, or holds exactly what an
    /// earlier dist wrote (its marker's listing); anything else there is the user's.
    static func checkReplaceable(_ target: String) throws(Failure) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: target, isDirectory: &isDir) || isSymlink(target) else { return }
        let notOurs = "\(target) exists and was not written by `visivo dist`; choose another folder with -d, or remove it yourself"
        guard isDir.boolValue, !isSymlink(target) else { throw Failure(description: notOurs) }
        guard let entries = try? fm.contentsOfDirectory(atPath: target) else {
            throw Failure(description: "cannot read \(target), so it is left alone; choose another folder with -d")
        }
        if entries.isEmpty { return }
        guard let listing = try? String(contentsOfFile: target + "/" + marker, encoding: .utf8) else {
            throw Failure(description: notOurs)
        }
        let ours = Set(listing.split(separator: "\n").dropFirst().map(String.init) + [marker])
        var extra: [String] = []
        if let walker = fm.enumerator(atPath: target) {
            while let path = walker.nextObject() as? String {
                var st = stat()
                guard lstat(target + "/" + path, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR { continue }
                if !ours.contains(path) { extra.append(path) }
            }
        }
        guard extra.isEmpty else {
            let shown = extra.sorted().prefix(5).joined(separator: ", ") + (extra.count > 5 ? ", ..." : "")
            throw Failure(description: "\(target) holds files an earlier dist did not write (\(shown)); move them out or choose another folder with -d")
        }
    }

    /// Folders an interrupted dist of `name` left beside it (`.<name>.tmp-PID`,
    /// `.<name>.old-PID`, named by this writer only) whose process is gone.
    static func sweepLeftovers(parent: String, name: String) {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            for kind in [".tmp-", ".old-"] where entry.hasPrefix(".\(name)\(kind)") {
                guard let pid = Int32(entry.dropFirst(name.count + 1 + kind.count)), pid == getpid() || kill(pid, 0) != 0 else { continue }
                try? FileManager.default.removeItem(atPath: parent + "/" + entry)
            }
        }
    }

    static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// A version for a dist: the project's content hash and each data file's stat (every
    /// write of a data.json is a new file), so a browser's cache of an earlier dist never
    /// mixes with this one. Stats, not contents: the dist reads each file once, to copy it.
    public static func version(project: Project, outputDirectory: String) -> String {
        var hasher = FingerprintHasher()
        hasher.add("project", project.contentHash)
        for t in project.traces {
            var st = stat()
            guard stat(SiteData.dataPath(trace: t.name, outputDirectory: outputDirectory), &st) == 0 else { continue }
            hasher.add(t.name, "\(st.st_size)|\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)|\(st.st_ino)")
        }
        return String(hasher.finalize().hex.prefix(12))
    }
}
