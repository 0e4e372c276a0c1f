import CDuckDB
import Foundation

/// A result column's DuckDB type, as far as decoding needs it (read once per result from
/// its logical type).
indirect enum DuckDBType {
    enum Storage { case int16, int32, int64, int128 }
    enum TimeUnit {
        case seconds, millis, micros, nanos
        var perSecond: Int64 {
            switch self {
            case .seconds: return 1
            case .millis: return 1_000
            case .micros: return 1_000_000
            case .nanos: return 1_000_000_000
            }
        }
        var fractionDigits: Int {
            switch self {
            case .seconds: return 0
            case .millis: return 3
            case .micros: return 6
            case .nanos: return 9
            }
        }
    }

    case null
    case boolean
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64, int128, uint128
    case float, double
    case decimal(scale: Int, storage: Storage)
    case date
    case time(TimeUnit)
    case timeTZ
    case timestamp(TimeUnit, zoned: Bool)
    case interval
    case varchar, blob, bit, bignum
    case uuid
    /// Storage width in bytes (1, 2 or 4) and the labels.
    case enumeration(width: Int, labels: [String])
    case list(DuckDBType)
    case array(DuckDBType, size: Int)
    case structure(names: [String], types: [DuckDBType])
    case map(key: DuckDBType, value: DuckDBType)
    case union(names: [String], types: [DuckDBType])
    /// A type this version cannot decode (GEOMETRY, VARIANT, newer ones): read as text
    /// through a cast in SQL.
    case unsupported(name: String)

    /// Builds the tree for `type` (which the caller still owns and destroys).
    static func from(_ type: duckdb_logical_type, api: UnsafePointer<visivo_duckdb_api>) -> DuckDBType {
        let a = api.pointee
        let id = a.get_type_id(type)
        switch id {
        case DUCKDB_TYPE_SQLNULL: return .null
        case DUCKDB_TYPE_BOOLEAN: return .boolean
        case DUCKDB_TYPE_TINYINT: return .int8
        case DUCKDB_TYPE_SMALLINT: return .int16
        case DUCKDB_TYPE_INTEGER: return .int32
        case DUCKDB_TYPE_BIGINT: return .int64
        case DUCKDB_TYPE_UTINYINT: return .uint8
        case DUCKDB_TYPE_USMALLINT: return .uint16
        case DUCKDB_TYPE_UINTEGER: return .uint32
        case DUCKDB_TYPE_UBIGINT: return .uint64
        case DUCKDB_TYPE_HUGEINT: return .int128
        case DUCKDB_TYPE_UHUGEINT: return .uint128
        case DUCKDB_TYPE_FLOAT: return .float
        case DUCKDB_TYPE_DOUBLE: return .double
        case DUCKDB_TYPE_DECIMAL:
            let scale = Int(a.decimal_scale(type))
            switch a.decimal_internal_type(type) {
            case DUCKDB_TYPE_SMALLINT: return .decimal(scale: scale, storage: .int16)
            case DUCKDB_TYPE_INTEGER: return .decimal(scale: scale, storage: .int32)
            case DUCKDB_TYPE_BIGINT: return .decimal(scale: scale, storage: .int64)
            case DUCKDB_TYPE_HUGEINT: return .decimal(scale: scale, storage: .int128)
            default: return .unsupported(name: "DECIMAL")
            }
        case DUCKDB_TYPE_DATE: return .date
        case DUCKDB_TYPE_TIME: return .time(.micros)
        case DUCKDB_TYPE_TIME_NS: return .time(.nanos)
        case DUCKDB_TYPE_TIME_TZ: return .timeTZ
        case DUCKDB_TYPE_TIMESTAMP: return .timestamp(.micros, zoned: false)
        case DUCKDB_TYPE_TIMESTAMP_S: return .timestamp(.seconds, zoned: false)
        case DUCKDB_TYPE_TIMESTAMP_MS: return .timestamp(.millis, zoned: false)
        case DUCKDB_TYPE_TIMESTAMP_NS: return .timestamp(.nanos, zoned: false)
        case DUCKDB_TYPE_TIMESTAMP_TZ: return .timestamp(.micros, zoned: true)
        case DUCKDB_TYPE_TIMESTAMP_TZ_NS: return .timestamp(.nanos, zoned: true)
        case DUCKDB_TYPE_INTERVAL: return .interval
        case DUCKDB_TYPE_VARCHAR: return .varchar
        case DUCKDB_TYPE_BLOB: return .blob
        case DUCKDB_TYPE_BIT: return .bit
        case DUCKDB_TYPE_BIGNUM: return .bignum
        case DUCKDB_TYPE_UUID: return .uuid
        case DUCKDB_TYPE_ENUM:
            let width: Int
            switch a.enum_internal_type(type) {
            case DUCKDB_TYPE_UTINYINT: width = 1
            case DUCKDB_TYPE_USMALLINT: width = 2
            case DUCKDB_TYPE_UINTEGER: width = 4
            default: return .unsupported(name: "ENUM")
            }
            let count = Int(a.enum_dictionary_size(type))
            var labels: [String] = []
            labels.reserveCapacity(count)
            for i in 0..<count {
                labels.append(takeString(a.enum_dictionary_value(type, idx_t(i)), api: api))
            }
            return .enumeration(width: width, labels: labels)
        case DUCKDB_TYPE_LIST:
            return .list(child(a.list_type_child_type(type), api: api))
        case DUCKDB_TYPE_ARRAY:
            return .array(child(a.array_type_child_type(type), api: api), size: Int(a.array_type_array_size(type)))
        case DUCKDB_TYPE_MAP:
            return .map(key: child(a.map_type_key_type(type), api: api), value: child(a.map_type_value_type(type), api: api))
        case DUCKDB_TYPE_STRUCT:
            let n = Int(a.struct_type_child_count(type))
            var names: [String] = []
            var types: [DuckDBType] = []
            for i in 0..<n {
                names.append(takeString(a.struct_type_child_name(type, idx_t(i)), api: api))
                types.append(child(a.struct_type_child_type(type, idx_t(i)), api: api))
            }
            return .structure(names: names, types: types)
        case DUCKDB_TYPE_UNION:
            let n = Int(a.union_type_member_count(type))
            var names: [String] = []
            var types: [DuckDBType] = []
            for i in 0..<n {
                names.append(takeString(a.union_type_member_name(type, idx_t(i)), api: api))
                types.append(child(a.union_type_member_type(type, idx_t(i)), api: api))
            }
            return .union(names: names, types: types)
        case DUCKDB_TYPE_GEOMETRY: return .unsupported(name: "GEOMETRY")
        case DUCKDB_TYPE_VARIANT: return .unsupported(name: "VARIANT")
        default: return .unsupported(name: "type #\(id.rawValue)")
        }
    }

    /// Decodes a child logical type and destroys it.
    private static func child(_ type: duckdb_logical_type?, api: UnsafePointer<visivo_duckdb_api>) -> DuckDBType {
        guard let type else { return .unsupported(name: "unknown") }
        var owned: duckdb_logical_type? = type
        defer { api.pointee.destroy_logical_type(&owned) }
        return from(type, api: api)
    }

    /// A string DuckDB allocated (freed here with duckdb_free).
    private static func takeString(_ p: UnsafeMutablePointer<CChar>?, api: UnsafePointer<visivo_duckdb_api>) -> String {
        guard let p else { return "" }
        defer { api.pointee.free(p) }
        return String(cString: p)
    }

    /// The first type inside this one that cannot be decoded, if any.
    var unsupportedName: String? {
        switch self {
        case .unsupported(let name): return name
        case .list(let t), .array(let t, _): return t.unsupportedName
        case .map(let k, let v): return k.unsupportedName ?? v.unsupportedName
        case .structure(_, let types), .union(_, let types):
            for t in types { if let n = t.unsupportedName { return n } }
            return nil
        default: return nil
        }
    }
}

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

/// Text forms of DuckDB's date/time, interval, bit string, bignum and UUID values.
enum DuckDBText {
    /// `150`, scale 2 -> `1.50`; `-5`, scale 2 -> `-0.05`.
    static func decimal(_ v: Int128, scale: Int) -> String {
        var digits = String(v.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return v < 0 ? "-" + digits : digits
    }

    private static func pad(_ v: Int64, _ width: Int) -> String { CivilDate.pad(v, width) }

    /// `2024-01-03`. Years outside 1...9999 use ISO 8601's expanded form with astronomical
    /// numbering (year 0 is 1 BC): `-0043-03-15`, `12000-01-01`.
    static func date(year: Int64, month: Int, day: Int) -> String {
        let y = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return y + "-" + pad(Int64(month), 2) + "-" + pad(Int64(day), 2)
    }

    static func date(days: Int32) -> String {
        if days == Int32.max { return "infinity" }
        if days == -Int32.max { return "-infinity" }
        let c = CivilDate.fromDays(Int64(days))
        return date(year: c.year, month: c.month, day: c.day)
    }

    /// `08:15:00`, `08:15:00.5` (fraction only when non-zero, trailing zeros dropped).
    static func timeOfDay(_ units: Int64, unit: DuckDBType.TimeUnit) -> String {
        let perSecond = unit.perSecond
        let seconds = units / perSecond
        let fraction = units % perSecond
        var s = pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if fraction != 0 {
            var f = pad(fraction, unit.fractionDigits)
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s
    }

    static func time(_ units: Int64, unit: DuckDBType.TimeUnit) -> String {
        units < 0 ? "-" + timeOfDay(-units, unit: unit) : timeOfDay(units, unit: unit)
    }

    /// TIME WITH TIME ZONE: `08:15:00+05:30` (the offset as stored, always as ±HH:MM).
    /// DuckDB packs it in 64 bits: microseconds in the top 40, then 24 bits holding
    /// 57599 - (offset in seconds).
    static func timeTZ(_ bits: UInt64) -> String {
        let micros = Int64(bits >> 24)
        let offset = 57_599 - Int64(bits & 0xFF_FFFF)
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        var s = timeOfDay(micros, unit: .micros) + sign + pad(a / 3600, 2) + ":" + pad(a / 60 % 60, 2)
        if a % 60 != 0 { s += ":" + pad(a % 60, 2) }
        return s
    }

    /// `2024-01-03T08:15:00` (+ fraction when non-zero, + `Z` when `zoned`: DuckDB stores
    /// TIMESTAMP WITH TIME ZONE as UTC). ±infinity as `infinity` / `-infinity`.
    static func timestamp(_ value: Int64, unit: DuckDBType.TimeUnit, zoned: Bool) -> String {
        if value == Int64.max { return "infinity" }
        if value == -Int64.max { return "-infinity" }
        let perDay = unit.perSecond * 86_400
        var days = value / perDay
        var rest = value % perDay
        if rest < 0 {
            days -= 1
            rest += perDay
        }
        let c = CivilDate.fromDays(days)
        return date(year: c.year, month: c.month, day: c.day) + "T" + timeOfDay(rest, unit: unit) + (zoned ? "Z" : "")
    }

    /// DuckDB's own interval text (what `CAST(i AS VARCHAR)` prints):
    /// `1 year 2 months 3 days 04:05:06.789`, `-1 day -00:00:01`, `00:00:00`.
    static func interval(months: Int32, days: Int32, micros: Int64) -> String {
        var parts: [String] = []
        func unit(_ n: Int64, _ name: String) {
            parts.append("\(n) \(name)" + (n == 1 || n == -1 ? "" : "s"))
        }
        let years = Int64(months) / 12
        let restMonths = Int64(months) % 12
        if years != 0 { unit(years, "year") }
        if restMonths != 0 { unit(restMonths, "month") }
        if days != 0 { unit(Int64(days), "day") }
        if micros != 0 {
            let negative = micros < 0
            let m = micros.magnitude
            let hours = m / 3_600_000_000
            let minutes = m / 60_000_000 % 60
            let seconds = m / 1_000_000 % 60
            let fraction = m % 1_000_000
            var s = (negative ? "-" : "") + pad(Int64(hours), 2) + ":" + pad(Int64(minutes), 2) + ":" + pad(Int64(seconds), 2)
            if fraction != 0 {
                var f = pad(Int64(fraction), 6)
                while f.hasSuffix("0") { f.removeLast() }
                s += "." + f
            }
            parts.append(s)
        }
        return parts.isEmpty ? "00:00:00" : parts.joined(separator: " ")
    }

    /// A BIT string: the first byte counts the padding bits at the start of the second.
    static func bits(_ bytes: UnsafeRawBufferPointer) -> String {
        guard let padding = bytes.first else { return "" }
        var out = ""
        out.reserveCapacity((bytes.count - 1) * 8)
        var index = 0
        for byte in bytes.dropFirst() {
            for bit in (0..<8).reversed() {
                if index >= Int(padding) { out.append(byte & (1 << bit) != 0 ? "1" : "0") }
                index += 1
            }
        }
        return out
    }

    /// BIGNUM (VARINT) as decimal text. Its blob is a 3-byte header (top bit set for a
    /// non-negative value; the rest is the byte count) and the big-endian magnitude; a
    /// negative value has every byte, header included, inverted.
    static func bignum(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= 3 else { return nil }
        let negative = bytes[0] & 0x80 == 0
        // The magnitude as base-1e9 limbs, most significant first.
        var limbs: [UInt32] = [0]
        for byte in bytes.dropFirst(3) {
            var carry = UInt64(negative ? ~byte : byte)
            for i in stride(from: limbs.count - 1, through: 0, by: -1) {
                let v = UInt64(limbs[i]) * 256 + carry
                limbs[i] = UInt32(v % 1_000_000_000)
                carry = v / 1_000_000_000
            }
            while carry > 0 {
                limbs.insert(UInt32(carry % 1_000_000_000), at: 0)
                carry /= 1_000_000_000
            }
        }
        var s = String(limbs[0])
        for limb in limbs.dropFirst() { s += pad(Int64(limb), 9) }
        return negative && s != "0" ? "-" + s : s
    }

    /// The canonical text of a UUID, which DuckDB stores as a HUGEINT with the top bit
    /// flipped (so that UUIDs sort as their text does).
    static func uuid(_ v: Int128) -> String {
        let bits = UInt128(bitPattern: v) ^ (UInt128(1) << 127)
        var hex = String(bits, radix: 16)
        if hex.count < 32 { hex = String(repeating: "0", count: 32 - hex.count) + hex }
        let u = Array(hex)
        return String(u[0..<8]) + "-" + String(u[8..<12]) + "-" + String(u[12..<16]) + "-" + String(u[16..<20]) + "-" + String(u[20..<32])
    }
}
