import Foundation

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

    /// Deletes every object, loose and packed.
    public func clear() throws {
        let manager = FileManager.default
        for dir in [objectsDirectory, packsDirectory] where manager.fileExists(atPath: dir) {
            do {
                try manager.removeItem(atPath: dir)
            } catch {
                if manager.fileExists(atPath: dir) {
                    throw CacheError.io(operation: "remove", path: dir, reason: "\(error)")
                }
            }
        }
        packs.withLock {
            $0.readers = nil
            $0.absentLoose = []
        }
    }
}
