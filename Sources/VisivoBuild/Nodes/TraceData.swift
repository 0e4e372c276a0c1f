import VisivoConnectors
import VisivoQuery
import VisivoSupport

/// Collects a trace query's rows into the reference's `data.json` shape:
/// cohort value -> select-item key -> values, cohorts in first-appearance order.
public struct TraceData: RowSink {
    let dialect: Dialect
    /// Column index of `cohort_on`, and the select-item keys of the other columns.
    private var cohortColumn = -1
    private var keys: [(index: Int, key: String)] = []
    private var cohortOrder: [String] = []
    /// Per cohort (in `cohortOrder`), one JSON-text buffer per key (values joined by commas).
    private var buffers: [[[UInt8]]] = []
    private var cohortIndex: [String: Int] = [:]
    /// The previous row's cohort: rows usually come grouped, so most rows skip the lookup.
    private var lastCohort: (text: String, index: Int)?
    public private(set) var rows = 0
    public private(set) var droppedNullCohort = 0

    public init(dialect: Dialect) { self.dialect = dialect }

    public mutating func columns(_ names: [String]) throws {
        keys = []
        for (i, n) in names.enumerated() {
            if n == "cohort_on" { cohortColumn = i } else { keys.append((i, dialect.key(fromColumn: n))) }
        }
    }

    public mutating func row(_ values: [JSONValue]) throws {
        let cohortValue = cohortColumn >= 0 ? values[cohortColumn] : .string("values")
        guard let cohort = Self.text(of: cohortValue) else {
            droppedNullCohort += 1
            return
        }
        rows += 1
        let index: Int
        if let last = lastCohort, last.text == cohort {
            index = last.index
        } else if let known = cohortIndex[cohort] {
            index = known
        } else {
            index = buffers.count
            cohortIndex[cohort] = index
            cohortOrder.append(cohort)
            buffers.append(Array(repeating: [], count: keys.count))
        }
        lastCohort = (cohort, index)
        buffers[index].withUnsafeMutableBufferPointer { buf in
            for (k, entry) in keys.enumerated() {
                if !buf[k].isEmpty { buf[k].append(0x2C) }
                values[entry.index].write(into: &buf[k])
            }
        }
    }

    /// A cohort key: the value's text (`"0"`, `"true"`, `"2024-01-03"`); nil for NULL.
    static func text(of v: JSONValue) -> String? {
        switch v {
        case .null: return nil
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return s
        case .array, .object: return v.serialized
        }
    }

    /// The `data.json` bytes, releasing each cohort's buffers as it goes, so a large
    /// result is never held twice over.
    /// `prefix` is written first (a cache header), so the caller holds one buffer in all.
    public mutating func finish(prefix: [UInt8] = []) -> [UInt8] {
        var size = 2 + prefix.count
        for bufs in buffers { for b in bufs { size += b.count + 8 } }
        var out: [UInt8] = prefix
        out.reserveCapacity(size + cohortOrder.count * 16 + keys.count * cohortOrder.count * 24)
        out.append(UInt8(ascii: "{"))
        for (c, cohort) in cohortOrder.enumerated() {
            if c > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(cohort, into: &out)
            out.append(contentsOf: ":{".utf8)
            var bufs = buffers[c]
            buffers[c] = []
            for (k, entry) in keys.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(entry.key, into: &out)
                out.append(contentsOf: ":[".utf8)
                out.append(contentsOf: bufs[k])
                bufs[k] = []  // each column is freed as soon as it is copied
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The `data.json` text (what `finish()` returns, as a string).
    public func json() -> String {
        var copy = self
        return String(decoding: copy.finish(), as: UTF8.self)
    }
}
