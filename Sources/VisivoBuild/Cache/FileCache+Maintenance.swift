import Foundation
import VisivoSupport

extension FileCache {
    // MARK: Maintenance

    /// Deletes every object whose key is not in `live` (and temporary files and unfinished
    /// packs left by crashed runs); packs are rewritten as one holding only live objects.
    /// `removed` counts distinct keys.
    @discardableResult
    public func prune(keeping live: Set<Fingerprint>) throws -> (removed: Int, bytesFreed: Int64) {
        var removed: Set<Fingerprint> = []
        var freed: Int64 = 0
        let now = Date().timeIntervalSince1970
        try forEachEntry { entry in
            switch entry {
            case let .object(key, path, bytes):
                guard !live.contains(key) else { return }
                if unlink(path) == 0 {
                    removed.insert(key)
                    freed += bytes
                } else if errno != ENOENT {
                    throw CacheError.io(operation: "remove", path: path, reason: errnoText())
                }
            case let .temporary(path, bytes, modified):
                if now - modified > Self.staleTempAge, unlink(path) == 0 {
                    freed += bytes
                }
            }
        }
        // Packs whose index is damaged, or whose data is gone, cannot be read: they go.
        var finished = Set(CachePack.bases(in: packsDirectory))
        for base in finished {
            var info = stat()
            let dataGone = lstat(base + ".pack", &info) != 0 && errno == ENOENT
            let damaged = FileManager.default.contents(atPath: base + ".idx").map { CachePack.Index([UInt8]($0)) == nil } ?? false
            guard dataGone || damaged else { continue }
            for path in [base + ".idx", base + ".pack"] {
                var info = stat()
                if lstat(path, &info) == 0, unlink(path) == 0 { freed += Int64(info.st_size) }
            }
            finished.remove(base)
        }
        // Packs without an index, or temporary index files, from runs that died.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: packsDirectory)) ?? [] {
            let path = packsDirectory + "/" + name
            let unfinished = name.hasSuffix(".pack") && !finished.contains(String(path.dropLast(5)))
            guard unfinished || name.contains(".tmp-") else { continue }
            var info = stat()
            if lstat(path, &info) == 0, now - TimeInterval(info.st_mtim.tv_sec) > Self.staleTempAge, unlink(path) == 0 {
                freed += Int64(info.st_size)
            }
        }
        let (dropped, packFreed) = try rewritePacks(keeping: live)
        removed.formUnion(dropped)
        return (removed.count, freed + packFreed)
    }

    /// The number of distinct objects and the cache's size on disk (loose objects and packs,
    /// this instance's unfinished pack included).
    public func size() -> (objects: Int, bytes: Int64) {
        var keys: Set<Fingerprint> = []
        var bytes: Int64 = 0
        try? forEachEntry { entry in
            if case let .object(key, _, size) = entry {
                keys.insert(key)
                bytes += size
            }
        }
        for r in finishedPacks() {
            bytes += r.bytes
            for i in 0..<r.index.count { keys.insert(Fingerprint(bytes: r.index.entry(at: i).key)) }
        }
        packs.withLock { p in
            guard let w = p.writer else { return }
            keys.formUnion(w.entries.keys)
            bytes += Int64(w.end)
        }
        return (keys.count, bytes)
    }

    /// What `clear` did: files deleted, and what it found that the cache does not write
    /// (kept, relative to the root; a folder ends with `/`).
    public struct Cleared: Sendable, Equatable {
        public var files = 0
        public var kept: [String] = []
        /// True when the root itself was left empty and removed.
        public var rootRemoved = false
    }

    /// Deletes what the cache writes, and only that: loose objects and their temporary
    /// files, packs and their indexes. Never through a symbolic link; folders left empty go
    /// (the root too); anything else stays and is named in `kept`.
    @discardableResult
    public func clear() throws -> Cleared {
        var out = Cleared()
        func isFolder(_ path: String) -> Bool {
            var st = stat()
            return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
        }
        func remove(_ path: String) throws {
            guard unlink(path) == 0 || errno == ENOENT else { throw CacheError.io(operation: "remove", path: path, reason: errnoText()) }
            out.files += 1
        }
        /// Entries of a real folder, each with whether it is a regular file.
        func entries(_ dir: String) -> [(name: String, isFile: Bool, isFolder: Bool)] {
            guard isFolder(dir), let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
            return names.sorted().map { n in
                var st = stat()
                let ok = lstat(dir + "/" + n, &st) == 0
                return (n, ok && st.st_mode & S_IFMT == S_IFREG, ok && st.st_mode & S_IFMT == S_IFDIR)
            }
        }
        let rel = { (path: String) in String(path.dropFirst(self.root.count + 1)) }
        for shard in entries(objectsDirectory) {
            let shardPath = objectsDirectory + "/" + shard.name
            guard shard.isFolder, shard.name.utf8.count == 2, shard.name.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                out.kept.append(rel(shardPath) + (shard.isFolder ? "/" : ""))
                continue
            }
            for e in entries(shardPath) {
                let path = shardPath + "/" + e.name
                let ours = e.isFile && (Fingerprint(hex: shard.name + e.name)?.hex == shard.name + e.name || e.name.hasPrefix(Self.tempPrefix))
                if ours { try remove(path) } else { out.kept.append(rel(path) + (e.isFolder ? "/" : "")) }
            }
            rmdir(shardPath)
        }
        for e in entries(packsDirectory) {
            let path = packsDirectory + "/" + e.name
            let ours = e.isFile && e.name.hasPrefix("pack-") && (e.name.hasSuffix(".pack") || e.name.hasSuffix(".idx") || e.name.contains(".tmp-"))
            if ours { try remove(path) } else { out.kept.append(rel(path) + (e.isFolder ? "/" : "")) }
        }
        for dir in [objectsDirectory, packsDirectory] where isFolder(dir) { rmdir(dir) }
        if isFolder(root) {
            out.rootRemoved = rmdir(root) == 0
            if !out.rootRemoved {
                let seen = Set(out.kept.map { String($0.split(separator: "/").first ?? "") })
                for e in entries(root) where !seen.contains(e.name) { out.kept.append(e.name + (e.isFolder ? "/" : "")) }
            }
        }
        packs.withLock {
            $0.readers = nil
            $0.absentLoose = []
        }
        return out
    }
}
