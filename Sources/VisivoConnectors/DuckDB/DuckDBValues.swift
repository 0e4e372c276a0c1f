import CDuckDB
import Foundation
import VisivoSupport

/// One vector of a data chunk, with the pointers decoding needs (and its children's).
struct DuckDBVectorView {
    let data: UnsafeRawPointer?
    let validity: UnsafePointer<UInt64>?
    let children: [DuckDBVectorView]

    init(_ vector: duckdb_vector, type: DuckDBType, api: UnsafePointer<visivo_duckdb_api>) {
        let a = api.pointee
        data = a.vector_get_data(vector).map { UnsafeRawPointer($0) }
        validity = a.vector_get_validity(vector).map { UnsafePointer($0) }
        switch type {
        case .list(let element):
            children = a.list_vector_get_child(vector).map { [DuckDBVectorView($0, type: element, api: api)] } ?? []
        case .map(let key, let value):
            // A MAP is a LIST of STRUCT(key, value).
            children =
                a.list_vector_get_child(vector).map {
                    [DuckDBVectorView($0, type: .structure(names: ["key", "value"], types: [key, value]), api: api)]
                } ?? []
        case .array(let element, _):
            children = a.array_vector_get_child(vector).map { [DuckDBVectorView($0, type: element, api: api)] } ?? []
        case .structure(_, let types):
            children = types.enumerated().compactMap { i, t in
                a.struct_vector_get_child(vector, idx_t(i)).map { DuckDBVectorView($0, type: t, api: api) }
            }
        case .union(_, let types):
            // A UNION is a STRUCT whose first child is the tag.
            children = ([DuckDBType.uint8] + types).enumerated().compactMap { i, t in
                a.struct_vector_get_child(vector, idx_t(i)).map { DuckDBVectorView($0, type: t, api: api) }
            }
        default:
            children = []
        }
    }

    @inline(__always) func isValid(_ row: Int) -> Bool {
        guard let validity else { return true }
        return validity[row >> 6] & (UInt64(1) << UInt64(row & 63)) != 0
    }

    @inline(__always) func load<T>(_ row: Int, as: T.Type) -> T {
        data!.loadUnaligned(fromByteOffset: row * MemoryLayout<T>.stride, as: T.self)
    }

    func int128(_ row: Int) -> Int128 {
        let lower = data!.loadUnaligned(fromByteOffset: row * 16, as: UInt64.self)
        let upper = data!.loadUnaligned(fromByteOffset: row * 16 + 8, as: Int64.self)
        return Int128(upper) << 64 | Int128(lower)
    }

    func uint128(_ row: Int) -> UInt128 {
        let lower = data!.loadUnaligned(fromByteOffset: row * 16, as: UInt64.self)
        let upper = data!.loadUnaligned(fromByteOffset: row * 16 + 8, as: UInt64.self)
        return UInt128(upper) << 64 | UInt128(lower)
    }

    /// The bytes of a `duckdb_string_t` (VARCHAR, BLOB, BIT, BIGNUM): 16 bytes, a uint32
    /// length, then up to 12 bytes inline, else a pointer at offset 8.
    func bytes(_ row: Int) -> UnsafeRawBufferPointer {
        let base = data! + row * 16
        let length = Int(base.loadUnaligned(as: UInt32.self))
        if length <= 12 { return UnsafeRawBufferPointer(start: base + 4, count: length) }
        let pointer = base.loadUnaligned(fromByteOffset: 8, as: UnsafeRawPointer.self)
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    /// `(offset, length)` of a LIST / MAP entry in the child vector.
    func listEntry(_ row: Int) -> (offset: Int, length: Int) {
        let offset = data!.loadUnaligned(fromByteOffset: row * 16, as: UInt64.self)
        let length = data!.loadUnaligned(fromByteOffset: row * 16 + 8, as: UInt64.self)
        return (Int(offset), Int(length))
    }
}

/// DuckDB values encoded as docs/project-format.md's value table says (see
/// docs/sources/duckdb.md for each type).
enum DuckDBValue {
    static func decode(_ type: DuckDBType, _ view: DuckDBVectorView, _ row: Int) -> JSONValue {
        guard view.isValid(row) else { return .null }
        switch type {
        case .null: return .null
        case .boolean: return .bool(view.load(row, as: UInt8.self) != 0)
        case .int8: return .number(String(view.load(row, as: Int8.self)))
        case .int16: return .number(String(view.load(row, as: Int16.self)))
        case .int32: return .number(String(view.load(row, as: Int32.self)))
        case .int64: return .number(String(view.load(row, as: Int64.self)))
        case .uint8: return .number(String(view.load(row, as: UInt8.self)))
        case .uint16: return .number(String(view.load(row, as: UInt16.self)))
        case .uint32: return .number(String(view.load(row, as: UInt32.self)))
        case .uint64: return .number(String(view.load(row, as: UInt64.self)))
        case .int128: return .number(String(view.int128(row)))
        case .uint128: return .number(String(view.uint128(row)))
        case .float:
            let f = view.load(row, as: Float.self)
            // Float's own shortest text: 0.1 stays 0.1 (not 0.10000000149011612).
            return f.isFinite ? .number("\(f)") : .null
        case .double: return .double(view.load(row, as: Double.self))
        case .decimal(let scale, let storage):
            let v: Int128
            switch storage {
            case .int16: v = Int128(view.load(row, as: Int16.self))
            case .int32: v = Int128(view.load(row, as: Int32.self))
            case .int64: v = Int128(view.load(row, as: Int64.self))
            case .int128: v = view.int128(row)
            }
            return .number(DuckDBText.decimal(v, scale: scale))
        case .date: return .string(DuckDBText.date(days: view.load(row, as: Int32.self)))
        case .time(let unit): return .string(DuckDBText.time(view.load(row, as: Int64.self), unit: unit))
        case .timeTZ: return .string(DuckDBText.timeTZ(view.load(row, as: UInt64.self)))
        case .timestamp(let unit, let zoned):
            return .string(DuckDBText.timestamp(view.load(row, as: Int64.self), unit: unit, zoned: zoned))
        case .interval:
            let base = view.data! + row * 16
            return .string(
                DuckDBText.interval(
                    months: base.loadUnaligned(as: Int32.self),
                    days: base.loadUnaligned(fromByteOffset: 4, as: Int32.self),
                    micros: base.loadUnaligned(fromByteOffset: 8, as: Int64.self)))
        case .varchar: return .string(String(decoding: view.bytes(row), as: UTF8.self))
        case .blob: return .string(Data(view.bytes(row)).base64EncodedString())
        case .bit: return .string(DuckDBText.bits(view.bytes(row)))
        case .bignum: return DuckDBText.bignum(view.bytes(row)).map(JSONValue.number) ?? .null
        case .uuid: return .string(DuckDBText.uuid(view.int128(row)))
        case .enumeration(let width, let labels):
            let index: Int
            switch width {
            case 1: index = Int(view.load(row, as: UInt8.self))
            case 2: index = Int(view.load(row, as: UInt16.self))
            default: index = Int(view.load(row, as: UInt32.self))
            }
            return index < labels.count ? .string(labels[index]) : .null
        case .list(let element):
            guard let child = view.children.first else { return .null }
            let entry = view.listEntry(row)
            return .array((entry.offset..<entry.offset + entry.length).map { decode(element, child, $0) })
        case .array(let element, let size):
            guard let child = view.children.first else { return .null }
            return .array((row * size..<row * size + size).map { decode(element, child, $0) })
        case .structure(let names, let types):
            var members: [JSONMember] = []
            members.reserveCapacity(names.count)
            for i in 0..<min(names.count, view.children.count) {
                members.append(JSONMember(key: names[i], value: decode(types[i], view.children[i], row)))
            }
            return .object(members)
        case .map(let keyType, let valueType):
            guard let entries = view.children.first, entries.children.count == 2 else { return .null }
            let entry = view.listEntry(row)
            var members: [JSONMember] = []
            members.reserveCapacity(entry.length)
            for i in entry.offset..<entry.offset + entry.length {
                let key = decode(keyType, entries.children[0], i)
                members.append(JSONMember(key: keyText(key), value: decode(valueType, entries.children[1], i)))
            }
            return .object(members)
        case .union(_, let types):
            guard let tags = view.children.first else { return .null }
            let tag = Int(tags.load(row, as: UInt8.self))
            guard tag < types.count, tag + 1 < view.children.count else { return .null }
            return decode(types[tag], view.children[tag + 1], row)
        case .unsupported:
            return .null
        }
    }

    /// A MAP key as an object key: its text, like a cohort key.
    static func keyText(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array, .object: return v.serialized
        }
    }
}
