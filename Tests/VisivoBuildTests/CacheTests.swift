import Dispatch
import Foundation
import Synchronization
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoSupport

// MARK: - Helpers

/// Deterministic pseudo-random bytes (SplitMix64), incompressible enough to exercise many chunks.
private func pseudoRandomBytes(_ count: Int, seed: UInt64 = 42) -> Data {
    var state = seed
    var bytes = [UInt8]()
    bytes.reserveCapacity(count + 8)
    while bytes.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        withUnsafeBytes(of: z) { bytes.append(contentsOf: $0) }
    }
    return Data(bytes.prefix(count))
}

private func key(_ name: String) -> Fingerprint {
    var hasher = FingerprintHasher()
    hasher.add("test-key", name)
    return hasher.finalize()
}

private func repetitiveJSON(rows: Int) -> Data {
    var text = "["
    for i in 0..<rows {
        if i > 0 { text += "," }
        text += #"{"region":"north-east","product":"widget","quarter":"2024-Q\#(i % 4 + 1)","units":\#(i % 17),"revenue":\#(i % 13 * 100).5}"#
    }
    text += "]"
    return Data(text.utf8)
}

private func fileSize(_ path: String) throws -> Int64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? NSNumber)?.int64Value ?? -1
}

/// Collects failures from concurrent work.
private final class FailureLog: Sendable {
    private let messages = Mutex<[String]>([])
    func add(_ message: String) { messages.withLock { $0.append(message) } }
    var all: [String] { messages.withLock { $0 } }
}

// MARK: - Zlib

@Suite struct ZlibTests {
    /// Streams are reused: one left by a large input, by a level-1 call or by another
    /// thread must compress the next input exactly as a fresh one would.
    @Test func reusedStreamsCompressLikeFreshOnes() throws {
        let large = pseudoRandomBytes(3_000_000, seed: 7)
        let small = repetitiveJSON(rows: 50)
        let fresh = try Zlib.compress(small)
        _ = try Zlib.compress(large)
        _ = try Zlib.compress(large, level: 1)
        #expect(try Zlib.compress(small) == fresh)
        let failures = FailureLog()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<40 {
                let data = repetitiveJSON(rows: 10 + (t * 40 + i) % 97) + pseudoRandomBytes(i * 31, seed: UInt64(t))
                do {
                    let back = try Zlib.decompress(try Zlib.compress(data), expectedSize: data.count)
                    if back != data { failures.add("thread \(t) input \(i): wrong bytes") }
                } catch {
                    failures.add("thread \(t) input \(i): \(error)")
                }
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(try Zlib.compress(small) == fresh)
    }

    @Test(arguments: [0, 13, 5_000_000])
    func roundTrip(size: Int) throws {
        let data = pseudoRandomBytes(size)
        let compressed = try Zlib.compress(data)
        #expect(compressed.count > 0)
        let restored = try Zlib.decompress(compressed, expectedSize: data.count)
        #expect(restored == data)
    }

    @Test func arrayAndDataOverloadsAgree() throws {
        let data = repetitiveJSON(rows: 50)
        #expect(try Zlib.compress(Array(data)) == Zlib.compress(data))
        #expect(try Zlib.compress(data, level: 9) != Zlib.compress(data, level: 0))
    }

    @Test func compressionShrinksRepetitiveJSONMoreThanFivefold() throws {
        let json = repetitiveJSON(rows: 5_000)
        let compressed = try Zlib.compress(json)
        #expect(compressed.count * 5 < json.count, "\(json.count) -> \(compressed.count)")
        #expect(try Zlib.decompress(compressed, expectedSize: json.count) == json)
    }

    @Test func rejectsDamagedStreams() throws {
        let data = pseudoRandomBytes(200_000)
        let compressed = try Zlib.compress(data)

        #expect(throws: ZlibError.truncated) {
            try Zlib.decompress(compressed.prefix(compressed.count / 2), expectedSize: data.count)
        }
        #expect(throws: ZlibError.truncated) {
            try Zlib.decompress(Data(), expectedSize: 0)
        }
        #expect(throws: ZlibError.trailingData(count: 3)) {
            try Zlib.decompress(compressed + Data([1, 2, 3]), expectedSize: data.count)
        }
        #expect(throws: ZlibError.sizeMismatch(expected: data.count + 1, actual: data.count)) {
            try Zlib.decompress(compressed, expectedSize: data.count + 1)
        }
        #expect(throws: ZlibError.self) {
            try Zlib.decompress(compressed, expectedSize: data.count - 1)
        }
        #expect(throws: ZlibError.implausibleSize(Int.max)) {
            try Zlib.decompress(compressed, expectedSize: Int.max)
        }
        #expect(throws: ZlibError.implausibleSize(-1)) {
            try Zlib.decompress(compressed, expectedSize: -1)
        }
        do {
            _ = try Zlib.decompress(Data("definitely not zlib".utf8), expectedSize: 10)
            Issue.record("garbage inflated")
        } catch let error as ZlibError {
            #expect(error.description.hasPrefix("zlib:"))
        }
    }
}

// MARK: - Fingerprints

@Suite struct FingerprintTests {
    @Test func encodingIsUnambiguous() {
        func fp(_ build: (inout FingerprintHasher) -> Void) -> Fingerprint {
            var hasher = FingerprintHasher()
            build(&hasher)
            return hasher.finalize()
        }
        // Tag/value boundary.
        #expect(fp { $0.add("ab", "c") } != fp { $0.add("a", "bc") })
        // Field boundary.
        #expect(
            fp {
                $0.add("x", "ab"); $0.add("y", "c")
            }
                != fp {
                    $0.add("x", "a"); $0.add("y", "bc")
                })
        #expect(
            fp {
                $0.add("x", "ab"); $0.add("x", "c")
            }
                != fp {
                    $0.add("x", "a"); $0.add("x", "bc")
                })
        #expect(
            fp {
                $0.add("x", bytes: [1, 2]); $0.add("x", bytes: [3])
            }
                != fp {
                    $0.add("x", bytes: [1]); $0.add("x", bytes: [2, 3])
                })
        // Types.
        #expect(fp { $0.add("n", "1") } != fp { $0.add("n", 1) })
        #expect(fp { $0.add("s", "abc") } != fp { $0.add("s", bytes: Array("abc".utf8)) })
        let inner = fp { $0.add("inner", 1) }
        #expect(fp { $0.add("dep", inner) } != fp { $0.add("dep", inner.hex) })
        #expect(fp { $0.add("dep", inner) } != fp { $0.add("dep", bytes: inner.bytes) })
        // Empty values still count.
        #expect(fp { $0.add("a", "") } != fp { _ in })
        #expect(fp { $0.add("a", "") } != fp { $0.add("a", bytes: [UInt8]()) })
    }

    @Test func stableAcrossHashersAndSensitiveToEveryChange() {
        let dep = {
            var h = FingerprintHasher()
            h.add("sql", "select 1")
            return h.finalize()
        }()
        func build(
            tag: String = "model", name: String = "orders", rows: Int = 10,
            dep: Fingerprint = dep, payload: [UInt8] = [0, 1, 2, 255], reversed: Bool = false
        ) -> Fingerprint {
            var h = FingerprintHasher()
            if reversed {
                h.add("rows", rows)
                h.add(tag, name)
            } else {
                h.add(tag, name)
                h.add("rows", rows)
            }
            h.add("dep", dep)
            h.add("payload", bytes: payload)
            return h.finalize()
        }
        let base = build()
        #expect(build() == base)
        #expect(base.hex.count == 64)
        #expect(base.hex == base.hex.lowercased())
        #expect(base.description == base.hex)
        #expect(Fingerprint(hex: base.hex) == base)
        #expect(Fingerprint(hex: base.hex.uppercased()) == base)
        #expect(Fingerprint(hex: "xyz") == nil)
        #expect(Fingerprint(hex: String(repeating: "g", count: 64)) == nil)
        #expect(Fingerprint.hexString(base.bytes) == base.hex)

        var other = FingerprintHasher()
        other.add("model", "orders")
        other.add("rows", 10)
        other.add("dep", dep)
        other.add("payload", bytes: Data([0, 1, 2, 255]))  // a different Sequence type, same bytes
        #expect(other.finalize() == base)

        var lazy = FingerprintHasher()
        lazy.add("model", "orders")
        lazy.add("rows", 10)
        lazy.add("dep", dep)
        lazy.add("payload", bytes: [0, 1, 2, 255].lazy.map { $0 })  // no contiguous storage
        #expect(lazy.finalize() == base)

        let otherDep = {
            var h = FingerprintHasher()
            h.add("sql", "select 2")
            return h.finalize()
        }()
        let variants = [
            build(tag: "models"), build(name: "order"), build(rows: 11), build(rows: -10),
            build(dep: otherDep), build(payload: [0, 1, 2, 254]), build(payload: [0, 1, 2]),
            build(reversed: true),
        ]
        for variant in variants { #expect(variant != base) }
        #expect(Set(variants).count == variants.count)

        // The format version is mixed in: an empty hasher is not the digest of nothing.
        #expect(
            FingerprintHasher().finalize().hex
                != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(FingerprintHasher.formatVersion == 1)
    }

    @Test func ordering() {
        let a = Fingerprint(hex: String(repeating: "0", count: 64))!
        let b = Fingerprint(hex: String(repeating: "f", count: 64))!
        #expect(a < b)
        #expect([b, a].sorted() == [a, b])
    }

    @Test(arguments: [0, 1_000, 2_621_440 + 7])
    func hashFileEqualsHashingTheSameBytes(size: Int) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/input.bin"
            let data = pseudoRandomBytes(size, seed: UInt64(size))
            try data.write(to: URL(fileURLWithPath: path))

            var hasher = FingerprintHasher()
            hasher.add("file", bytes: data)
            #expect(try FingerprintHasher.hashFile(at: path) == hasher.finalize())

            // One changed byte changes the hash.
            if size > 0 {
                var changed = data
                changed[changed.startIndex + size / 2] ^= 0x01
                try changed.write(to: URL(fileURLWithPath: path))
                #expect(try FingerprintHasher.hashFile(at: path) != hasher.finalize())
            }
        }
    }

    @Test func hashFileOfMissingFileThrows() throws {
        try withTemporaryDirectory { dir in
            #expect(throws: FingerprintError.self) {
                try FingerprintHasher.hashFile(at: dir + "/missing")
            }
        }
    }
}

// MARK: - FileCache

@Suite struct FileCacheTests {
    @Test(arguments: [0, 13, 5_000_000])
    func roundTrip(size: Int) throws {
        try withTemporaryDirectory { dir in
            let cache = FileCache(root: dir + "/.visivo/cache")
            let k = key("round-trip-\(size)")
            let data = pseudoRandomBytes(size)
            #expect(cache.load(k) == nil)
            #expect(!cache.contains(k))

            try cache.store(k, data)
            #expect(cache.contains(k))
            #expect(cache.load(k) == data)
            #expect(cache.problems.isEmpty)

            // Layout: <root>/objects/<2 hex>/<62 hex>, starting with the header.
            let hex = k.hex
            let expectedPath = dir + "/.visivo/cache/objects/" + hex.prefix(2) + "/" + hex.dropFirst(2)
            #expect(cache.objectPath(for: k) == expectedPath)
            let object = try Data(contentsOf: URL(fileURLWithPath: expectedPath))
            #expect(object.prefix(8) == Data("VSVCACHE".utf8))
            #expect(object[8..<12] == Data([2, 0, 0, 0]))
            let storedSize = object[12..<20].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            #expect(storedSize == UInt64(size))

            // Overwriting replaces the object.
            let replacement = Data("replacement".utf8)
            try cache.store(k, replacement)
            #expect(cache.load(k) == replacement)
            #expect(cache.size().objects == 1)
        }
    }

    @Test func objectsOfRepetitiveJSONAreMuchSmallerOnDisk() throws {
        try withTemporaryDirectory { dir in
            let cache = FileCache(root: dir)
            let json = repetitiveJSON(rows: 5_000)
            let k = key("json")
            try cache.store(k, json)
            let onDisk = try fileSize(cache.objectPath(for: k))
            #expect(onDisk * 5 < Int64(json.count), "\(json.count) bytes stored in \(onDisk)")
            #expect(cache.size() == (objects: 1, bytes: onDisk))
            #expect(cache.load(k) == json)
        }
    }

    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case truncated, flippedPayloadByte, wrongMagic, wrongVersion, wrongSize, checksumMismatch, emptyFile,
            trailingGarbage

        var testDescription: String { rawValue }

        func apply(to object: inout Data, original: Data) throws {
            switch self {
            case .truncated:
                object = object.prefix(object.count - 10)
            case .flippedPayloadByte:
                object[FileCache.headerSize + (object.count - FileCache.headerSize) / 2] ^= 0x20
            case .wrongMagic:
                object.replaceSubrange(0..<8, with: Data("VSVCACHX".utf8))
            case .wrongVersion:
                object[8] = 3
            case .wrongSize:
                object[12] &+= 1
            case .checksumMismatch:
                // A valid stream of different bytes of the same size.
                var other = original
                other[other.startIndex] ^= 0xFF
                object = object.prefix(FileCache.headerSize) + (try Zlib.compress(other))
            case .emptyFile:
                object = Data()
            case .trailingGarbage:
                object.append(contentsOf: [0, 0, 0])
            }
        }
    }

    @Test(arguments: Damage.allCases)
    func damagedObjectLoadsAsNilIsReportedOnceAndDeleted(damage: Damage) throws {
        try withTemporaryDirectory { dir in
            let cache = FileCache(root: dir)
            let k = key("damaged")
            let healthy = key("healthy")
            let data = repetitiveJSON(rows: 300) + pseudoRandomBytes(3_000)
            try cache.store(k, data)
            try cache.store(healthy, data)
            let path = cache.objectPath(for: k)

            func corrupt() throws {
                var object = try Data(contentsOf: URL(fileURLWithPath: path))
                try damage.apply(to: &object, original: data)
                try object.write(to: URL(fileURLWithPath: path))
            }

            try corrupt()
            #expect(cache.load(k) == nil)
            #expect(!FileManager.default.fileExists(atPath: path), "the corrupt object is deleted")
            #expect(!cache.contains(k))
            #expect(cache.problems.count == 1)
            #expect(cache.problems.first?.contains(k.hex) == true)

            // Loading again: just missing, no new report.
            #expect(cache.load(k) == nil)
            #expect(cache.problems.count == 1)

            // Rebuilt, damaged again: still reported only once for this key.
            try cache.store(k, data)
            try corrupt()
            #expect(cache.load(k) == nil)
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(cache.problems.count == 1)

            // Rebuilt cleanly, it loads; the other object was never affected.
            try cache.store(k, data)
            #expect(cache.load(k) == data)
            #expect(cache.load(healthy) == data)
            #expect(cache.problems.count == 1)
        }
    }

    @Test func decodeReportsReasons() throws {
        let data = Data("hello".utf8)
        let key = Fingerprint(hex: String(repeating: "a", count: 64))!
        let object = try FileCache.encode(data, key: key)
        #expect(FileCache.decode(object, key: key) == .success(data))
        guard case let .failure(other) = FileCache.decode(object, key: Fingerprint(hex: String(repeating: "b", count: 64))!) else {
            Issue.record("an object decoded under another key")
            return
        }
        #expect(other.reason.contains("another key"))
        var badMagic = object
        badMagic[0] = 0
        guard case let .failure(corruption) = FileCache.decode(badMagic, key: key) else {
            Issue.record("bad magic decoded")
            return
        }
        #expect(corruption.reason.contains("magic"))
        guard case let .failure(short) = FileCache.decode(object.prefix(20), key: key) else {
            Issue.record("short object decoded")
            return
        }
        #expect(short.reason.contains("truncated"))
    }

    @Test func concurrentStoresAndLoadsFromEightThreads() throws {
        try withTemporaryDirectory { dir in
            let cache = FileCache(root: dir)
            let failures = FailureLog()
            let sharedKeys = (0..<12).map { key("shared-\($0)") }
            // Every version of a shared object is "<writer byte> + payload(key)".
            func payload(_ index: Int) -> Data { pseudoRandomBytes(20_000 + index * 997, seed: UInt64(index)) }
            let payloads = (0..<sharedKeys.count).map(payload)

            DispatchQueue.concurrentPerform(iterations: 8) { thread in
                for round in 0..<30 {
                    let index = (round * 5 + thread) % sharedKeys.count
                    do {
                        try cache.store(sharedKeys[index], Data([UInt8(thread)]) + payloads[index])
                    } catch {
                        failures.add("thread \(thread): store shared \(index): \(error)")
                    }
                    let readIndex = (round * 7 + thread * 3) % sharedKeys.count
                    if let loaded = cache.load(sharedKeys[readIndex]) {
                        if loaded.count != payloads[readIndex].count + 1
                            || loaded.first.map({ $0 >= 8 }) != false
                            || loaded.dropFirst() != payloads[readIndex]
                        {
                            failures.add("thread \(thread): shared \(readIndex) loaded wrong bytes")
                        }
                    }
                    let own = key("own-\(thread)-\(round)")
                    let ownData = pseudoRandomBytes(5_000 + round, seed: UInt64(thread * 1000 + round))
                    do {
                        try cache.store(own, ownData)
                        if cache.load(own) != ownData { failures.add("thread \(thread): own \(round) mismatch") }
                    } catch {
                        failures.add("thread \(thread): store own \(round): \(error)")
                    }
                }
            }

            #expect(failures.all.isEmpty, "\(failures.all)")
            #expect(cache.problems.isEmpty, "\(cache.problems)")
            for (index, k) in sharedKeys.enumerated() {
                let loaded = cache.load(k)
                #expect(loaded?.dropFirst() == payloads[index])
            }
            for thread in 0..<8 {
                for round in 0..<30 {
                    #expect(
                        cache.load(key("own-\(thread)-\(round)"))
                            == pseudoRandomBytes(5_000 + round, seed: UInt64(thread * 1000 + round)))
                }
            }
            #expect(cache.size().objects == sharedKeys.count + 8 * 30)
            // No temporary files left behind.
            let leftovers =
                FileManager.default.enumerator(atPath: cache.objectsDirectory)?
                .compactMap { $0 as? String }
                .filter { ($0 as NSString).lastPathComponent.hasPrefix(".tmp-") } ?? []
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    @Test func pruneRemovesExactlyTheDeadObjects() throws {
        try withTemporaryDirectory { dir in
            let cache = FileCache(root: dir)
            #expect(try cache.prune(keeping: []) == (removed: 0, bytesFreed: 0))

            let keys = (0..<10).map { key("prune-\($0)") }
            for (i, k) in keys.enumerated() {
                try cache.store(k, pseudoRandomBytes(1_000 * (i + 1), seed: UInt64(i)))
            }
            let live = Set(keys.prefix(4))
            let dead = keys.dropFirst(4)
            let deadBytes = try dead.reduce(Int64(0)) { $0 + (try fileSize(cache.objectPath(for: $1))) }
            let liveBytes = try live.reduce(Int64(0)) { $0 + (try fileSize(cache.objectPath(for: $1))) }
            #expect(cache.size() == (objects: 10, bytes: deadBytes + liveBytes))

            // A stale temporary file (crashed run) goes; a fresh one (a store in progress) stays.
            let shard = (cache.objectPath(for: keys[0]) as NSString).deletingLastPathComponent
            let stale = shard + "/.tmp-stale"
            let fresh = shard + "/.tmp-fresh"
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: stale))
            try Data([4, 5]).write(to: URL(fileURLWithPath: fresh))
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -2 * 3600)], ofItemAtPath: stale)
            // An unrelated file is left alone and not counted.
            let stray = shard + "/README"
            try Data("x".utf8).write(to: URL(fileURLWithPath: stray))

            let result = try cache.prune(keeping: live)
            #expect(result.removed == 6)
            #expect(result.bytesFreed == deadBytes + 3)
            for k in dead { #expect(!cache.contains(k)) }
            for (i, k) in keys.prefix(4).enumerated() {
                #expect(cache.load(k) == pseudoRandomBytes(1_000 * (i + 1), seed: UInt64(i)))
            }
            #expect(cache.size() == (objects: 4, bytes: liveBytes))
            #expect(!FileManager.default.fileExists(atPath: stale))
            #expect(FileManager.default.fileExists(atPath: fresh))
            #expect(FileManager.default.fileExists(atPath: stray))

            #expect(try cache.prune(keeping: live) == (removed: 0, bytesFreed: 0))
            #expect(try cache.prune(keeping: []).removed == 4)
            #expect(cache.size() == (objects: 0, bytes: 0))
            #expect(cache.problems.isEmpty)
        }
    }

    @Test func clearRemovesEverything() throws {
        try withTemporaryDirectory { dir in
            let cache = FileCache(root: dir + "/cache")
            try cache.clear()  // nothing there yet
            #expect(cache.size() == (objects: 0, bytes: 0))
            let keys = (0..<5).map { key("clear-\($0)") }
            for k in keys { try cache.store(k, Data(k.hex.utf8)) }
            #expect(cache.size().objects == 5)
            try cache.clear()
            #expect(cache.size() == (objects: 0, bytes: 0))
            for k in keys { #expect(!cache.contains(k)); #expect(cache.load(k) == nil) }
            #expect(cache.problems.isEmpty)
            // Usable again afterwards.
            try cache.store(keys[0], Data("again".utf8))
            #expect(cache.load(keys[0]) == Data("again".utf8))
        }
    }

    /// `clear` deletes what the cache wrote and nothing else, never through a link.
    @Test func clearKeepsWhatTheCacheDidNotWrite() throws {
        try withTemporaryDirectory { dir in
            let root = dir + "/cache"
            let cache = FileCache(root: root, packAfter: 2)
            for n in 0..<4 { try cache.store(key("c\(n)"), Data("v\(n)".utf8)) }
            cache.finishPack()
            try write(["cache/notes.txt": "mine", "cache/objects/ab/readme": "mine too", "elsewhere/keep": "x"], in: dir)
            let k = key("linked")
            let shard = root + "/objects/" + k.hex.prefix(2)
            try FileManager.default.createDirectory(atPath: shard, withIntermediateDirectories: true)
            // A link in the shape of an object, pointing out of the cache.
            #expect(symlink(dir + "/elsewhere/keep", shard + "/" + k.hex.dropFirst(2)) == 0)
            let cleared = try cache.clear()
            #expect(cleared.files == 4 - 2 + 2)  // two loose objects, one pack and its index
            #expect(!cleared.rootRemoved)
            #expect(Set(cleared.kept) == ["objects/ab/readme", "objects/\(k.hex.prefix(2))/\(k.hex.dropFirst(2))", "notes.txt"])
            #expect(readText(dir + "/elsewhere/keep") == "x")
            #expect(readText(root + "/notes.txt") == "mine")
            #expect(cache.size().objects == 0)
        }
    }

    @Test func storeFailsCleanlyWhenTheRootIsAFile() throws {
        try withTemporaryDirectory { dir in
            let root = dir + "/not-a-directory"
            try Data().write(to: URL(fileURLWithPath: root))
            let cache = FileCache(root: root)
            #expect(throws: CacheError.self) { try cache.store(key("x"), Data([1])) }
            #expect(cache.load(key("x")) == nil)
            #expect(cache.size() == (objects: 0, bytes: 0))
        }
    }
}

// MARK: - MemoryCache

@Suite struct MemoryCacheTests {
    @Test func roundTripThroughTheProtocol() throws {
        let memory = MemoryCache()
        let store: any CacheStore = memory
        let k = key("memory")
        #expect(store.load(k) == nil)
        #expect(!store.contains(k))
        try store.store(k, Data([1, 2, 3]))
        #expect(store.contains(k))
        #expect(store.load(k) == Data([1, 2, 3]))
        try store.store(k, Data())
        #expect(store.load(k) == Data())
        #expect(memory.count == 1)
        memory.clear()
        #expect(!store.contains(k))
    }

    @Test func concurrentUse() throws {
        let cache = MemoryCache()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in 0..<200 {
                try? cache.store(key("\(thread)-\(i)"), Data([UInt8(thread), UInt8(i % 256)]))
            }
        }
        #expect(cache.count == 1_600)
        #expect(cache.load(key("7-199")) == Data([7, 199]))
    }
}

// MARK: - Pack files

@Suite struct CachePackTests {
    func names(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    func value(_ i: Int) -> Data { repetitiveJSON(rows: 20 + i) + pseudoRandomBytes(100 + i, seed: UInt64(i)) }

    @Test func objectsAfterTheFirstFewGoIntoOnePackVisibleOnceFinished() throws {
        try withTemporaryDirectory { dir in
            let cache = FileCache(root: dir, packAfter: 2)
            let keys = (0..<10).map { key("packed-\($0)") }
            for (i, k) in keys.enumerated() { try cache.store(k, value(i)) }
            // This instance reads its own pack before it is finished.
            for (i, k) in keys.enumerated() { #expect(cache.load(k) == value(i)) }
            #expect(cache.size().objects == 10)
            // Another reader sees only the two loose objects until the index is written.
            let early = FileCache(root: dir)
            #expect(keys.filter { early.contains($0) }.count == 2)
            #expect(early.load(keys[5]) == nil)

            cache.finishPack()
            let packFiles = names(cache.packsDirectory)
            #expect(packFiles.count == 2 && packFiles[0].hasSuffix(".idx") && packFiles[1].hasSuffix(".pack"), "\(packFiles)")
            let loose = FileManager.default.enumerator(atPath: cache.objectsDirectory)?.compactMap { $0 as? String }.filter { $0.count > 3 } ?? []
            #expect(loose.count == 2)

            let later = FileCache(root: dir)
            for (i, k) in keys.enumerated() {
                #expect(later.contains(k))
                #expect(later.load(k) == value(i))
            }
            #expect(later.size().objects == 10)
            #expect(!later.contains(key("never stored")))
            #expect(later.load(key("never stored")) == nil)
            #expect(later.problems.isEmpty && cache.problems.isEmpty)
        }
    }

    @Test func aPackedResultReplacesAnOlderLooseOne() throws {
        try withTemporaryDirectory { dir in
            let k = key("refreshed")
            try FileCache(root: dir).store(k, Data("first run".utf8))
            // A --refresh build stores without looking the key up first.
            let refresh = FileCache(root: dir, packAfter: 0)
            try refresh.store(k, Data("second run".utf8))
            refresh.finishPack()
            #expect(FileCache(root: dir).load(k) == Data("second run".utf8))
            // And a later loose store wins over the pack.
            try FileCache(root: dir).store(k, Data("third run".utf8))
            #expect(FileCache(root: dir).load(k) == Data("third run".utf8))
        }
    }

    @Test func aCorruptPackedObjectIsAMissReportedOnceAndShadowedWhenRebuilt() throws {
        try withTemporaryDirectory { dir in
            let k = key("damaged in a pack")
            let other = key("intact in the same pack")
            let writer = FileCache(root: dir, packAfter: 0)
            try writer.store(k, value(1))
            try writer.store(other, value(2))
            writer.finishPack()
            // Flip a payload byte of whichever object comes first in the pack.
            let pack = writer.packsDirectory + "/" + names(writer.packsDirectory).first { $0.hasSuffix(".pack") }!
            var bytes = try Data(contentsOf: URL(fileURLWithPath: pack))
            bytes[CachePack.packHeaderSize + FileCache.headerSize + 5] ^= 0x40
            try bytes.write(to: URL(fileURLWithPath: pack))

            let reader = FileCache(root: dir)
            let loaded = [reader.load(k), reader.load(other)]
            #expect(loaded.filter { $0 == nil }.count == 1, "exactly one object was damaged")
            #expect(reader.problems.count == 1)
            #expect(reader.problems.first?.contains("corrupt in") == true)
            _ = reader.load(k)
            _ = reader.load(other)
            #expect(reader.problems.count == 1, "reported once")
            // The rebuilt result is stored loose and found before the pack from then on.
            let damaged = loaded[0] == nil ? k : other
            try reader.store(damaged, Data("rebuilt".utf8))
            let next = FileCache(root: dir)
            #expect(next.load(damaged) == Data("rebuilt".utf8))
            #expect(next.problems.isEmpty)
        }
    }

    @Test func aDamagedIndexHidesItsPackAndPruneRemovesIt() throws {
        try withTemporaryDirectory { dir in
            let k = key("behind a damaged index")
            let writer = FileCache(root: dir, packAfter: 0)
            try writer.store(k, value(3))
            writer.finishPack()
            let idx = writer.packsDirectory + "/" + names(writer.packsDirectory).first { $0.hasSuffix(".idx") }!
            var bytes = try Data(contentsOf: URL(fileURLWithPath: idx))
            bytes[CachePack.indexHeaderSize + 3] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: idx))

            let reader = FileCache(root: dir)
            #expect(reader.load(k) == nil)
            #expect(!reader.contains(k))
            let result = try reader.prune(keeping: [k])
            #expect(result.removed == 0)
            #expect(result.bytesFreed > 0)
            #expect(names(reader.packsDirectory).isEmpty)
        }
    }

    @Test func morePacksThanTheLimitAreMergedNewestFirst() throws {
        try withTemporaryDirectory { dir in
            let shared = key("in every pack")
            for build in 0...FileCache.maxPacks {
                let cache = FileCache(root: dir, packAfter: 0)
                try cache.store(key("only in build \(build)"), value(build))
                try cache.store(shared, Data("build \(build)".utf8))
                cache.finishPack()
                let packs = names(cache.packsDirectory).filter { $0.hasSuffix(".idx") }.count
                #expect(packs == (build < FileCache.maxPacks ? build + 1 : 1), "after build \(build)")
                #expect(cache.problems.isEmpty, "\(cache.problems)")
                #expect(FileCache(root: dir).load(shared) == Data("build \(build)".utf8), "the newest pack wins")
            }
            let reader = FileCache(root: dir)
            #expect(reader.load(shared) == Data("build \(FileCache.maxPacks)".utf8))
            for build in 0...FileCache.maxPacks { #expect(reader.load(key("only in build \(build)")) == value(build)) }
            #expect(reader.size().objects == FileCache.maxPacks + 2)
            #expect(names(reader.packsDirectory).count == 2)
        }
    }

    @Test func pruneRewritesPacksWithTheLiveObjectsAndSweepsUnfinishedOnes() throws {
        try withTemporaryDirectory { dir in
            let keys = (0..<6).map { key("prune-packed-\($0)") }
            let writer = FileCache(root: dir, packAfter: 0)
            for (i, k) in keys.enumerated() { try writer.store(k, value(i)) }
            writer.finishPack()
            // A killed build's pack (no index): an old one goes, a fresh one may still be written.
            let stale = writer.packsDirectory + "/pack-00000000000000000001-1-1.pack"
            let fresh = writer.packsDirectory + "/pack-00000000000000000002-1-1.pack"
            try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: stale))
            try Data([5, 6]).write(to: URL(fileURLWithPath: fresh))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 3600)], ofItemAtPath: stale)

            let cache = FileCache(root: dir)
            let before = cache.size()
            #expect(before.objects == 6)
            let live = Set(keys.prefix(2))
            let result = try cache.prune(keeping: live)
            #expect(result.removed == 4)
            let after = cache.size()
            #expect(after.objects == 2)
            #expect(result.bytesFreed == before.bytes - after.bytes + 4)
            #expect(!FileManager.default.fileExists(atPath: stale))
            #expect(FileManager.default.fileExists(atPath: fresh))
            let reader = FileCache(root: dir)
            for (i, k) in keys.enumerated() { #expect(reader.load(k) == (i < 2 ? value(i) : nil)) }
            #expect(try reader.prune(keeping: live) == (removed: 0, bytesFreed: 0))
            try reader.clear()
            #expect(FileCache(root: dir).size() == (objects: 0, bytes: 0))
        }
    }
}
