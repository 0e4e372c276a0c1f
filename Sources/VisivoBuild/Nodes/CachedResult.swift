import Foundation
import VisivoProject
import VisivoSupport

/// A cached result: when it was queried, how many rows, and the bytes themselves, kept
/// after a small header in one buffer, so a large result is never copied to be cached.
struct CachedResult: Sendable {
    var queriedAt: Date
    var rows: Int?
    /// Header and body, contiguous: the cache object's uncompressed content.
    private(set) var storage: [UInt8]
    private let bodyStart: Int

    static let magic = "VR1 "

    var body: ArraySlice<UInt8> { storage[bodyStart...] }

    static func header(queriedAt: Date, rows: Int?) -> [UInt8] {
        Array("\(magic)\(Int64(queriedAt.timeIntervalSince1970 * 1000)) \(rows ?? -1)\n".utf8)
    }

    init(queriedAt: Date, rows: Int?, body: some Collection<UInt8>) {
        self.queriedAt = queriedAt
        self.rows = rows
        storage = Self.header(queriedAt: queriedAt, rows: rows)
        bodyStart = storage.count
        storage.append(contentsOf: body)
    }

    /// Wraps a buffer that already starts with `header(queriedAt:rows:)`.
    init(queriedAt: Date, rows: Int?, storage: [UInt8], bodyStart: Int) {
        self.queriedAt = queriedAt
        self.rows = rows
        self.storage = storage
        self.bodyStart = bodyStart
    }

    /// Hands the encoded object to `body` without copying it.
    func withEncoded<T>(_ body: (Data) throws -> T) rethrows -> T {
        try storage.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return try body(Data()) }
            return try body(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none))
        }
    }

    /// Nil for bytes that are not a cached result (treated as a miss).
    init?(decoding data: Data) {
        guard let nl = data.firstIndex(of: 0x0A), data.starts(with: Data(Self.magic.utf8)) else { return nil }
        let header = String(decoding: data[data.startIndex..<nl], as: UTF8.self).split(separator: " ")
        guard header.count == 3, let ms = Int64(header[1]), let rows = Int(header[2]) else { return nil }
        queriedAt = Date(timeIntervalSince1970: Double(ms) / 1000)
        self.rows = rows < 0 ? nil : rows
        storage = [UInt8](data)
        bodyStart = data.distance(from: data.startIndex, to: data.index(after: nl))
    }
}
