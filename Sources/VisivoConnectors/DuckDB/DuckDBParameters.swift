import CDuckDB
import VisivoSupport

/// Query parameters on DuckDB: each value bound to `$1`... of a prepared statement by
/// its type (DuckDB casts it to the type its place in the statement wants).
enum DuckDBParameters {
    /// Nil when every value was bound, else what went wrong.
    static func bind(_ parameters: [JSONValue], to prepared: duckdb_prepared_statement?, api a: visivo_duckdb_api) -> String? {
        guard !parameters.isEmpty else { return nil }
        let wanted = Int(a.nparams(prepared))
        guard wanted == parameters.count else {
            return
                "the statement has \(wanted) parameter\(wanted == 1 ? "" : "s") but \(parameters.count) value\(parameters.count == 1 ? " was" : "s were") given"
        }
        for (i, v) in parameters.enumerated() {
            let at = idx_t(i + 1)
            let state: duckdb_state
            switch v {
            case .null: state = a.bind_null(prepared, at)
            case .bool(let b): state = a.bind_boolean(prepared, at, b)
            case .number(let t) where Int64(t) != nil: state = a.bind_int64(prepared, at, Int64(t)!)
            case .number(let t) where Double(t) != nil: state = a.bind_double(prepared, at, Double(t)!)
            default:
                let text = v.text ?? ""
                state = a.bind_varchar_length(prepared, at, text, idx_t(text.utf8.count))
            }
            guard state == DuckDBSuccess else { return "could not bind parameter \(i + 1)" }
        }
        return nil
    }
}
