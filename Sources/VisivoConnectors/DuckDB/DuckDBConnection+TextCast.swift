import CDuckDB
import VisivoQuery

/// Columns of types this version cannot decode: found in a prepared statement, and read as
/// DuckDB's own text by wrapping the statement in a SELECT that casts them.
extension DuckDBConnection {
    /// The name and type of the first result column this version cannot decode.
    func unsupportedColumn(_ prepared: duckdb_prepared_statement?) -> (String, String)? {
        let a = api.pointee
        let n = Int(a.prepared_statement_column_count(prepared))
        for c in 0..<n {
            var type = a.prepared_statement_column_logical_type(prepared, idx_t(c))
            guard let t = type else { continue }
            let decoded = DuckDBType.from(t, api: api)
            a.destroy_logical_type(&type)
            if let name = decoded.unsupportedName {
                return (columnName(prepared, c) ?? "#\(c + 1)", name)
            }
        }
        return nil
    }

    /// A prepared statement's column name (DuckDB allocates it; the caller frees it).
    func columnName(_ prepared: duckdb_prepared_statement?, _ c: Int) -> String? {
        let a = api.pointee
        guard let p = a.prepared_statement_column_name(prepared, idx_t(c)) else { return nil }
        defer { a.free(UnsafeMutableRawPointer(mutating: p)) }
        return String(cString: p)
    }

    /// `SELECT #1 AS "a", CAST(#2 AS VARCHAR) AS "g" FROM (<sql>)`: the statement with every
    /// column holding an undecodable type cast to text, names and order kept.
    func textCastQuery(_ sql: String, prepared: duckdb_prepared_statement?) -> String? {
        let a = api.pointee
        // The statement without its closing semicolon(s) (and the comments after them).
        var tokens = SQLText.tokens(sql)
        var end = sql.endIndex
        while let last = tokens.last, last.kind == .symbol, last.text == ";" {
            end = last.text.startIndex
            tokens.removeLast()
        }
        guard !tokens.isEmpty else { return nil }
        let body = String(sql[..<end])
        let n = Int(a.prepared_statement_column_count(prepared))
        var items: [String] = []
        for c in 0..<n {
            let name = columnName(prepared, c) ?? ""
            var type = a.prepared_statement_column_logical_type(prepared, idx_t(c))
            var unsupported = false
            if let t = type {
                unsupported = DuckDBType.from(t, api: api).unsupportedName != nil
                a.destroy_logical_type(&type)
            }
            let alias = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            items.append(unsupported ? "CAST(#\(c + 1) AS VARCHAR) AS \(alias)" : "#\(c + 1) AS \(alias)")
        }
        // The newline ends a trailing `--` comment.
        return "SELECT " + items.joined(separator: ", ") + " FROM (\n" + body + "\n)"
    }
}
