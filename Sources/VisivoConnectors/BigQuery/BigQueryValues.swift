import VisivoSupport

/// One column of a BigQuery result schema (`schema.fields[]`), nested for RECORD.
struct BigQueryField: Equatable {
    var name: String
    /// Upper case: `INTEGER`, `FLOAT`, `NUMERIC`, `RECORD`, ...
    var type: String
    /// `NULLABLE`, `REQUIRED` or `REPEATED`.
    var mode: String
    var fields: [BigQueryField] = []
    /// A RANGE's element type (`rangeElementType.type`): DATE, DATETIME or TIMESTAMP.
    var rangeElement: String? = nil

    init(name: String, type: String, mode: String = "NULLABLE", fields: [BigQueryField] = [], rangeElement: String? = nil) {
        self.name = name
        self.type = type
        self.mode = mode
        self.fields = fields
        self.rangeElement = rangeElement
    }

    init(_ json: JSONValue) {
        name = json["name"]?.stringValue ?? ""
        type = (json["type"]?.stringValue ?? "STRING").uppercased()
        mode = (json["mode"]?.stringValue ?? "NULLABLE").uppercased()
        if case .array(let nested)? = json["fields"] { fields = nested.map(BigQueryField.init) }
        rangeElement = json["rangeElementType"]?["type"]?.stringValue?.uppercased()
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
            if field.type == "RANGE", let element = field.rangeElement { return range(text, element: element) }
            return scalar(text, field.type)
        default:
            return v
        }
    }

    /// `[start, end)`, each bound as its element type gives it (TIMESTAMP microseconds
    /// become a timestamp, as in a TIMESTAMP column; python-bigquery converts each bound
    /// too); `UNBOUNDED` stays.
    static func range(_ text: String, element: String) -> JSONValue {
        guard text.hasPrefix("["), text.hasSuffix(")"), let comma = text.range(of: ", ") else { return .string(text) }
        func bound(_ b: Substring) -> String {
            let b = String(b.trimmingSpaces)
            if b == "UNBOUNDED" { return b }
            if case .string(let s) = scalar(b, element) { return s }
            return b
        }
        let start = bound(text[text.index(after: text.startIndex)..<comma.lowerBound])
        let end = bound(text[comma.upperBound..<text.index(before: text.endIndex)])
        return .string("[\(start), \(end))")
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
