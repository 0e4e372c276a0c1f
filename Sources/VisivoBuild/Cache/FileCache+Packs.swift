import Foundation
import VisivoSupport

/// Packs: the objects of one build in one file, made visible at its end.
extension FileCache {
    /// Appends an object to this instance's pack (opened on first use). Workers only
    /// reserve their offset under the lock; the writes themselves run in parallel.
    func storePacked(_ key: Fingerprint, _ object: Data) throws {
        let (fd, offset, base) = try packs.withLock { p -> (Int32, UInt64, String) in
            if p.writer == nil {
                let (base, fd) = try CachePack.create(in: packsDirectory)
                p.writer = PackWriter(base: base, fd: fd, end: UInt64(CachePack.packHeaderSize))
            }
            let offset = p.writer!.end
            p.writer!.end += UInt64(object.count)
            return (p.writer!.fd, offset, p.writer!.base)
        }
        if let code = object.withUnsafeBytes({ FileDescriptorIO.writeAll(fd, $0, at: offset) }) {
            throw CacheError.io(operation: "write", path: base + ".pack", reason: errnoText(code))
        }
        let looseMayExist = packs.withLock { p -> Bool in
            p.writer?.entries[key] = (offset, UInt64(object.count))
            return !p.absentLoose.contains(key)
        }
        // An older loose object of this key would be found before the pack.
        if looseMayExist { unlink(objectPath(for: key)) }
    }

    /// Makes this instance's pack visible by writing its index (call once the build's
    /// stores are done), then merges packs when more than `maxPacks` have piled up.
    /// Problems land in `problems`: the results are in the build's outputs either way.
    /// The end of a build: its pack becomes visible; the corrupt objects it met (each a
    /// miss, rebuilt) are reported.
    public func finishBuild() -> [String] {
        finishPack()
        return problems.map { "cache: \($0)" }
    }

    public func finishPack() {
        guard
            let w = packs.withLock({ p -> PackWriter? in
                defer { p.writer = nil }
                return p.writer
            })
        else { return }
        close(w.fd)
        let entries = w.entries.map { CachePack.Entry(key: $0.key.bytes, offset: $0.value.offset, length: $0.value.length) }
        guard !entries.isEmpty else { unlink(w.base + ".pack"); return }
        do {
            try AtomicFile.write(CachePack.encodeIndex(entries), to: w.base + ".idx", durable: true)
        } catch {
            unlink(w.base + ".pack")
            corruptions.withLock { $0.messages.append("cannot write the index of \(w.base).pack: \(error)") }
            return
        }
        packs.withLock { $0.readers = nil }
        if CachePack.bases(in: packsDirectory).count > Self.maxPacks {
            do { _ = try rewritePacks(keeping: nil) } catch {
                corruptions.withLock { $0.messages.append("cannot merge packs: \(error)") }
            }
        }
    }

    /// Rewrites all finished packs as one, the newest copy of each key first, keeping only
    /// `live` keys when given. Returns the keys dropped and the bytes freed.
    func rewritePacks(keeping live: Set<Fingerprint>?) throws -> (dropped: Set<Fingerprint>, freed: Int64) {
        let readers = CachePack.bases(in: packsDirectory).reversed().compactMap { CachePack.Reader(base: $0) }
        var seen: Set<[UInt8]> = []
        var dropped: Set<Fingerprint> = []
        var keep: [(CachePack.Reader, CachePack.Entry)] = []
        for r in readers {
            for i in 0..<r.index.count {
                let e = r.index.entry(at: i)
                guard seen.insert(e.key).inserted else { continue }
                let k = Fingerprint(bytes: e.key)
                if let live, !live.contains(k) { dropped.insert(k) } else { keep.append((r, e)) }
            }
        }
        let before = readers.reduce(Int64(0)) { $0 + $1.bytes }
        guard !dropped.isEmpty || readers.count > 1 else { return ([], 0) }
        var after: Int64 = 0
        if !keep.isEmpty {
            let (base, fd) = try CachePack.create(in: packsDirectory)
            var end = UInt64(CachePack.packHeaderSize)
            var entries: [CachePack.Entry] = []
            var failure: Int32?
            for (r, e) in keep {
                // An object that cannot be read is left out (a miss, rebuilt when needed).
                guard let object = CachePack.read(r.fd, offset: e.offset, length: e.length) else { continue }
                failure = object.withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0, at: end) }
                if failure != nil { break }
                entries.append(CachePack.Entry(key: e.key, offset: end, length: e.length))
                end += e.length
            }
            close(fd)
            let index = CachePack.encodeIndex(entries)
            do {
                if let failure { throw CacheError.io(operation: "write", path: base + ".pack", reason: errnoText(failure)) }
                try AtomicFile.write(index, to: base + ".idx", durable: true)
            } catch {
                unlink(base + ".pack")
                throw error
            }
            after = Int64(end) + Int64(index.count)
        }
        for r in readers {
            unlink(r.base + ".idx")
            unlink(r.base + ".pack")
        }
        packs.withLock { $0.readers = nil }
        return (dropped, before - after)
    }
}
