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
