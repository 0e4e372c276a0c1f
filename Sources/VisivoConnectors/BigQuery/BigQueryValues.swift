import VisivoSupport

/// One column of a BigQuery result schema (`schema.fields[]`), nested for RECORD.
struct BigQueryField: Equatable {
    var name: String
    /// Upper case: `INTEGER`, `FLOAT`, `NUMERIC`, `RECORD`, ...
    var type: String
    /// `NULLABLE`, `REQUIRED` or `REPEATED`.
    var mode: String
    var fields: [BigQueryField] = []

    init(name: String, type: String, mode: String = "NULLABLE", fields: [BigQueryField] = []) {
        self.name = name
        self.type = type
        self.mode = mode
        self.fields = fields
    }

    init(_ json: JSONValue) {
        name = json["name"]?.stringValue ?? ""
        type = (json["type"]?.stringValue ?? "STRING").uppercased()
        mode = (json["mode"]?.stringValue ?? "NULLABLE").uppercased()
        if case .array(let nested)? = json["fields"] { fields = nested.map(BigQueryField.init) }
    }

    /// The fields of `schema` (`{"fields": [...]}`).
    static func list(_ schema: JSONValue?) -> [BigQueryField] {
        guard case .array(let items)? = schema?["fields"] else { return [] }
        return items.map(BigQueryField.init)
    }
}

/// BigQuery's `rows[].f[].v` cells -> the value table of docs/project-format.md.
/// Scalars arrive as strings; REPEATED as `[{"v": ...}]`; RECORD as `{"f": [{"v": ...}]}`.
enum BigQueryValues {
    /// One row (`{"f": [...]}`) in schema order.
    static func row(_ row: JSONValue, _ fields: [BigQueryField]) -> [JSONValue]? {
        guard case .array(let cells)? = row["f"], cells.count == fields.count else { return nil }
        return zip(cells, fields).map { encode($0["v"] ?? .null, $1) }
    }

    static func encode(_ v: JSONValue, _ field: BigQueryField) -> JSONValue {
        if field.mode == "REPEATED" {
            guard case .array(let items) = v else { return .array([]) }
            var single = field
            single.mode = "NULLABLE"
            return .array(items.map { encode($0["v"] ?? .null, single) })
        }
        switch v {
        case .null: return .null
        case .object:
            guard field.type == "RECORD" || field.type == "STRUCT",
                case .array(let cells)? = v["f"], cells.count == field.fields.count
            else { return v }
            return .object(zip(field.fields, cells).map { ($0.name, encode($1["v"] ?? .null, $0)) })
        case .string(let text):
            return scalar(text, field.type)
        default:
            return v
        }
    }

    static func scalar(_ text: String, _ type: String) -> JSONValue {
        switch type {
        case "INTEGER", "INT64", "NUMERIC", "BIGNUMERIC", "DECIMAL", "BIGDECIMAL":
            return APINumber.exact(text) ?? .string(text)
        case "FLOAT", "FLOAT64":
            return APINumber.float(text)
        case "BOOLEAN", "BOOL":
            return .bool(text.lowercased() == "true")
        case "TIMESTAMP":
            // Microseconds as int64 text (formatOptions.useInt64Timestamp), else seconds as float text.
            if !text.contains("."), !text.contains("E"), !text.contains("e"), let micros = Int64(text) {
                return .string(EpochTime.timestamp(EpochTime.instant(microseconds: micros)) + "Z")
            }
            guard let t = EpochTime.parseSeconds(text) else { return .string(text) }
            return .string(EpochTime.timestamp(t) + "Z")
        case "DATETIME", "TIME":
            return .string(EpochTime.normalizeLocal(text))
        case "JSON":
            return (try? JSONParser.parse(Array(text.utf8))) ?? .string(text)
        default:  // STRING, BYTES (base64), DATE, GEOGRAPHY (WKT), INTERVAL, RANGE
            return .string(text)
        }
    }
}
