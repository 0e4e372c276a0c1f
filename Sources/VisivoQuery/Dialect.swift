import Foundation
import VisivoProject

/// What the trace compiler must know about a source's SQL: its aggregate functions,
/// how it quotes aliases, and whether it has QUALIFY.
public struct Dialect: Sendable, Hashable {
    public var kind: Source.Kind

    public init(_ kind: Source.Kind) { self.kind = kind }

    /// Aggregates of every dialect.
    static let common: Set<String> = ["sum", "max", "min", "avg", "count"]

    /// Aggregate function names, lower case.
    public var aggregates: Set<String> { Self.aggregateSets[kind]! }

    /// Built once: the compiler asks for every statement of every trace.
    static let aggregateSets: [Source.Kind: Set<String>] = Dictionary(uniqueKeysWithValues: Source.Kind.allCases.map { ($0, aggregateNames($0)) })

    static func aggregateNames(_ kind: Source.Kind) -> Set<String> {
        switch kind {
        case .sqlite:
            return Self.common.union(["total", "group_concat"])
        case .postgresql:
            return Self.common.union([
                "array_agg", "bit_and", "bit_or", "bool_and", "bool_or", "every", "json_agg", "jsonb_agg",
                "json_object_agg", "jsonb_object_agg", "string_agg", "xmlagg", "stddev", "stddev_pop",
                "stddev_samp", "variance", "var_pop", "var_samp", "corr", "covar_pop", "covar_samp",
                "mode", "percentile_cont", "percentile_disc",
            ])
        case .mysql:
            return Self.common.union([
                "bit_and", "bit_or", "bit_xor", "group_concat", "json_arrayagg", "json_objectagg", "std",
                "stddev", "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance",
            ])
        case .snowflake:
            return Self.common.union([
                "any_value", "corr", "count_if", "covar_pop", "covar_samp", "listagg", "median", "mode",
                "stddev", "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance_pop", "variance",
                "variance_samp", "array_agg", "object_agg", "approx_count_distinct", "max_by", "min_by",
            ])
        case .duckdb:
            return Self.common.union([
                "any_value", "arg_max", "arg_min", "max_by", "min_by", "array_agg", "list", "string_agg",
                "group_concat", "median", "mode", "quantile", "quantile_cont", "quantile_disc", "stddev",
                "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance", "bool_and", "bool_or",
                "count_if", "first", "last", "product", "histogram", "approx_count_distinct", "corr",
            ])
        case .bigquery:
            return Self.common.union([
                "any_value", "array_agg", "array_concat_agg", "avg", "bit_and", "bit_or", "bit_xor",
                "countif", "logical_and", "logical_or", "string_agg", "stddev", "stddev_pop",
                "stddev_samp", "var_pop", "var_samp", "variance", "approx_count_distinct", "corr",
            ])
        }
    }

    /// The quote around the `cohort_on` column and select aliases: backticks on BigQuery
    /// and MySQL (where `"x"` is a string literal unless sql_mode has ANSI_QUOTES), double
    /// quotes elsewhere.
    public var quote: Character { kind == .bigquery || kind == .mysql ? "`" : "\"" }

    /// The alias a select item gets (BigQuery does not allow dots in column names).
    public func alias(_ key: String) -> String {
        switch kind {
        case .bigquery: return "`" + key.replacingOccurrences(of: ".", with: "|") + "`"
        case .mysql: return "`" + Self.doubling(UInt8(ascii: "`"), in: key) + "`"
        default: return "\"" + Self.doubling(UInt8(ascii: "\""), in: key) + "\""
        }
    }

    /// `text` with every `quote` written twice (an identifier's escape); the common case,
    /// no quote at all, costs one scan (the compiler calls this for every select item).
    static func doubling(_ quote: UInt8, in text: String) -> String {
        guard text.utf8.contains(quote) else { return text }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count + 2)
        for b in text.utf8 {
            out.append(b)
            if b == quote { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The select-item key an alias read back from the database stands for.
    public func key(fromColumn name: String) -> String {
        kind == .bigquery ? name.replacingOccurrences(of: "|", with: ".") : name
    }

    public var supportsQualify: Bool { kind == .snowflake }
}
