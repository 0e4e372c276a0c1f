import Foundation
import VisivoProject
import VisivoSupport

/// A query result in Snowflake's JSON row format: `rowtype` (the columns), the first rows
/// in `rowset`, and the rest in `chunks` to download from pre-signed URLs with
/// `chunkHeaders` (or, from older servers, the SSE-C headers built from `qrmk`).
struct SnowflakeResult {
    struct Column: Equatable {
        var name: String
        /// Upper case: `FIXED`, `REAL`, `TEXT`, `TIMESTAMP_NTZ`, ...
        var type: String
        var scale: Int
    }

    struct Chunk {
        var url: String
        var rowCount: Int
    }

    let source: String
    var columns: [Column] = []
    var rowset: [JSONValue] = []
    var chunks: [Chunk] = []
    var chunkHeaders: [(name: String, value: String)] = []

    /// Reads the `data` object of a successful query response.
    init(data: JSONValue, source: String) throws(ConnectorError) {
        self.source = source
        if let format = data["queryResultFormat"]?.stringValue, format.lowercased() != "json" {
            throw ConnectorError(
                source: source, message: "Snowflake sent the result in '\(format)' format; visivo reads only the JSON format",
                hint: "check that no account, user or session parameter forces the Arrow result format for this client")
        }
        if case .array(let types)? = data["rowtype"] {
            for t in types {
                let scale = t["scale"].flatMap { if case .number(let n) = $0 { Int(n) } else { nil } } ?? 0
                columns.append(Column(name: t["name"]?.stringValue ?? "", type: (t["type"]?.stringValue ?? "TEXT").uppercased(), scale: scale))
            }
        }
        if case .array(let rows)? = data["rowset"] {
            rowset = rows
        } else if data["rowsetBase64"]?.stringValue?.isEmpty == false {
            throw ConnectorError(source: source, message: "Snowflake sent the result in Arrow format; visivo reads only the JSON format")
        }
        if case .array(let list)? = data["chunks"] {
            for c in list {
                guard let url = c["url"]?.stringValue else {
                    throw ConnectorError(source: source, message: "unexpected answer from Snowflake: a result chunk has no URL")
                }
                let count = c["rowCount"].flatMap { if case .number(let n) = $0 { Int(n) } else { nil } } ?? -1
                chunks.append(Chunk(url: url, rowCount: count))
            }
        }
        if case .object(let members)? = data["chunkHeaders"] {
            chunkHeaders = members.compactMap { m in m.value.stringValue.map { (m.key, $0) } }
        } else if let qrmk = data["qrmk"]?.stringValue, !qrmk.isEmpty {
            chunkHeaders = [
                ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                ("x-amz-server-side-encryption-customer-key", qrmk),
            ]
        }
    }

    /// Streams the columns, the inline rows, then each chunk's rows in order.
    func stream<Sink: RowSink>(
        into sink: inout Sink,
        download: (String, [(name: String, value: String)]) throws(ConnectorError) -> Data
    ) throws {
        try sink.columns(columns.map(\.name))
        for row in rowset { try sink.row(try values(row)) }
        for (i, chunk) in chunks.enumerated() {
            let body = try download(chunk.url, chunkHeaders)
            let rows = try Self.parseChunk(body, source: source, index: i)
            if chunk.rowCount >= 0, rows.count != chunk.rowCount {
                throw ConnectorError(source: source, message: "result chunk \(i + 1) has \(rows.count) rows; Snowflake announced \(chunk.rowCount)")
            }
            for row in rows { try sink.row(try values(row)) }
        }
    }

    /// A chunk body is rows separated by commas, without the enclosing brackets.
    static func parseChunk(_ body: Data, source: String, index: Int) throws(ConnectorError) -> [JSONValue] {
        var body = body
        // Storage behind some proxies serves the gzip file as it is, without saying so
        // (Content-Encoding): the magic bytes tell, as in Snowflake's own drivers.
        if Zlib.isGzip(body) {
            do { body = try Zlib.gunzip(body, limit: 1 << 32) } catch {
                throw ConnectorError(source: source, message: "result chunk \(index + 1) is gzip-compressed but cannot be inflated: \(error)")
            }
        }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(body.count + 2)
        bytes.append(contentsOf: body)
        bytes.append(UInt8(ascii: "]"))
        guard case .array(let rows)? = try? JSONParser.parse(bytes) else {
            throw ConnectorError(source: source, message: "result chunk \(index + 1) is not valid JSON")
        }
        return rows
    }

    /// One row of text values, encoded per column type.
    func values(_ row: JSONValue) throws(ConnectorError) -> [JSONValue] {
        guard case .array(let cells) = row, cells.count == columns.count else {
            throw ConnectorError(source: source, message: "unexpected answer from Snowflake: a row does not have \(columns.count) values")
        }
        var out: [JSONValue] = []
        out.reserveCapacity(cells.count)
        for (cell, column) in zip(cells, columns) {
            switch cell {
            case .string(let text): out.append(SnowflakeValues.encode(text, column))
            case .null: out.append(.null)
            default: out.append(cell)
            }
        }
        return out
    }
}

/// Snowflake's JSON-format cell text -> the value table of docs/project-format.md.
enum SnowflakeValues {
    static func encode(_ text: String, _ column: SnowflakeResult.Column) -> JSONValue {
        switch column.type {
        case "FIXED", "DECFLOAT", "NUMBER", "DECIMAL":
            // Integers exact; decimals with their scale's digits (`1.50`).
            return APINumber.exact(text) ?? .string(text)
        case "REAL", "FLOAT", "DOUBLE":
            return APINumber.float(text)
        case "BOOLEAN":
            return .bool(text == "1" || text.uppercased() == "TRUE")
        case "DATE":
            guard let days = Int64(text) else { return .string(text) }
            return .string(EpochTime.date(days: days))
        case "TIME":
            guard let t = EpochTime.parseSeconds(text) else { return .string(text) }
            return .string(EpochTime.time(t))
        case "TIMESTAMP_NTZ":
            guard let t = EpochTime.parseSeconds(text) else { return .string(text) }
            return .string(EpochTime.timestamp(t))
        case "TIMESTAMP_LTZ", "TIMESTAMP_TZ", "TIMESTAMP":
            // Seconds since the epoch in UTC; TIMESTAMP_TZ adds ` <offset minutes + 1440>`.
            let seconds = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? text
            guard let t = EpochTime.parseSeconds(seconds) else { return .string(text) }
            return .string(EpochTime.timestamp(t) + "Z")
        case "INTERVAL_YEAR_MONTH":
            return interval(months: text, scale: column.scale).map(JSONValue.string) ?? .string(text)
        case "INTERVAL_DAY_TIME":
            return interval(nanoseconds: text).map(JSONValue.string) ?? .string(text)
        case "VARIANT", "OBJECT", "ARRAY", "MAP", "VECTOR":
            // Semi-structured values arrive as JSON text: kept as JSON (numbers exact).
            return (try? JSONParser.parse(Array(text.utf8))) ?? .string(text)
        default:  // TEXT, BINARY (hex), GEOGRAPHY, GEOMETRY, ...
            return .string(text)
        }
    }

    /// A year-month interval, sent as months: `+1-02` (YEAR TO MONTH, scale 0), `+1`
    /// (YEAR, scale 1) or `+14` (MONTH, scale 2), as Snowflake's Python driver prints it.
    static func interval(months text: String, scale: Int) -> String? {
        guard let months = Int64(text) else { return nil }
        let sign = months < 0 ? "-" : "+", n = months.magnitude
        switch scale {
        case 2: return "\(sign)\(n)"
        case 1: return "\(sign)\(n / 12)"
        default: return "\(sign)\(n / 12)-" + (n % 12 < 10 ? "0" : "") + "\(n % 12)"
        }
    }

    /// A day-time interval, sent as nanoseconds (up to 16 bytes): `+1 02:03:04.000000005`,
    /// SQL's day-to-second form, exact to the nanosecond.
    static func interval(nanoseconds text: String) -> String? {
        guard let total = Int128(text) else { return nil }
        let sign = total < 0 ? "-" : "+", n = total.magnitude
        let fraction = n % 1_000_000_000, seconds = n / 1_000_000_000
        func two(_ v: UInt128) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out = "\(sign)\(seconds / 86400) \(two(seconds % 86400 / 3600)):\(two(seconds % 3600 / 60)):\(two(seconds % 60))"
        if fraction > 0 {
            let digits = String(fraction)
            out += "." + String(repeating: "0", count: 9 - digits.count) + digits
        }
        return out
    }
}
