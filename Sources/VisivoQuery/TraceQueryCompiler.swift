import Foundation
import VisivoProject
import VisivoSupport

/// A trace compiled to the one statement that fetches its data.
public struct TraceQuery: Sendable, Hashable {
    public var trace: String
    /// The full statement, in the reference CLI's shape (see docs/project-format.md).
    public var sql: String
    /// Select-item keys in select order (`props.x`, `columns.total`).
    public var keys: [String]
    /// True when the statement has an ORDER BY (rows keep the database's order).
    public var ordered: Bool
    public var dialect: Dialect
    /// Things the user should hear about (window filters dropped outside Snowflake).
    public var warnings: [String]
    /// Values for the statement's placeholders, in order (an insight bound to inputs).
    public var parameters: [JSONValue] = []

    /// What query.sql holds: the statement, and the values of its parameters in a comment
    /// after it (the statement sent carries only placeholders); an insight's unbound input
    /// markers written as the refs they stand for.
    public var fileText: String {
        // A byte scan: every trace's query passes here, and almost none has a marker.
        let hasMarker = sql.utf8.contains(0x02)
        if parameters.isEmpty && !hasMarker { return sql }
        var text = sql
        if hasMarker {
            text = text.replacingOccurrences(of: "\u{2}", with: "${ref(").replacingOccurrences(of: "\u{3}", with: ")}")
            // `${ref(name.accessor)}` reads better as `${ref(name).accessor}`.
            text = text.replacingOccurrences(of: #"\$\{ref\(([^)]*)\.([a-z]+)\)\}"#, with: "${ref($1).$2}", options: .regularExpression)
        }
        guard !parameters.isEmpty else { return text }
        let values = parameters.enumerated().map { "\(InputBinding.placeholder($0.offset + 1, dialect)) = \($0.element.serialized)" }
        return text + "\n-- parameters: " + values.joined(separator: ", ")
    }

    /// The stat-cache label of a query.sql holding `sql` (shared by `compile` and `build`).
    public static func label(_ sql: String) -> String {
        var h = FingerprintHasher()
        h.add("query.sql", sql)
        return "sql:" + h.finalize().hex
    }
}

/// Compiles traces to SQL exactly as the reference CLI shapes it, with a deterministic
/// GROUP BY order and HAVING conditions joined by AND.
public enum TraceQueryCompiler {
    /// Compiles `trace` over `model`, run on a source of `dialect` whose name is `sourceName`.
    public static func compile(_ trace: Trace, model: Model, dialect: Dialect, sourceName: String) -> TraceQuery {
        let q = dialect.quote
        let columnExpr = Dictionary(trace.columns.map { ($0.value.name, $0.value.expression) }, uniquingKeysWith: { a, _ in a })
        /// Resolves `column(x)` to its expression, `query(...)` to its SQL, anything else as written.
        func sqlOf(_ text: String, allowDirection: Bool = false) -> String {
            if let ref = TraceSyntax.parseColumnRef(text, allowDirection: allowDirection), let expr = columnExpr[ref.name] {
                return ref.direction.map { "\(expr) \($0)" } ?? expr
            }
            // `column(x)` inside a larger condition stands for its expression, parenthesised.
            return TraceSyntax.substituteColumns(TraceSyntax.unwrapQuery(text) ?? text) { columnExpr[$0].map { "(\($0))" } }
        }

        var items: [(key: String, sql: String)] = trace.columns.map { ("columns.\($0.value.name)", $0.value.expression) }
        collectQueries(trace.props, path: "props", into: &items)

        let cohortOn: String
        if let c = trace.cohortOn {
            cohortOn = TraceSyntax.unwrapQuery(c.value) ?? c.value
        } else {
            cohortOn = "'" + trace.name.replacingOccurrences(of: "'", with: "''") + "'"
        }

        let orderBy = trace.orderBy.map { sqlOf($0.value, allowDirection: true) }
        var vanilla: [String] = [], aggregate: [String] = [], window: [String] = []
        var warnings: [String] = []
        for f in trace.filters {
            let cond = sqlOf(f.value)
            switch SQLText.classify(cond, dialect: dialect) {
            case .vanilla: vanilla.append(cond)
            case .aggregate: aggregate.append(cond)
            case .window: window.append(cond)
            }
        }
        if !window.isEmpty && !dialect.supportsQualify {
            warnings.append("trace '\(trace.name)': window-function filters run only on snowflake sources; dropped: \(window.joined(separator: "; "))")
            window = []
        }

        var groupBy: [String] = []
        for statement in items.map(\.sql) + orderBy.map(SQLText.stripDirection) + [cohortOn] {
            if SQLText.isStringLiteral(statement) || groupBy.contains(statement) { continue }
            if SQLText.classify(statement, dialect: dialect) == .aggregate { continue }
            if !SQLText.mentionsColumn(statement) { continue }
            groupBy.append(statement)
        }

        var s =
            "WITH \nbase_query as (\n    \(model.sql)\n),\ncolumnize_cohort_on as (\n    SELECT \n        *,\n        \(cohortOn) as \(q)cohort_on\(q)\n    FROM base_query\n)\nSELECT"
        if items.isEmpty {
            s += "\n        *,"
        } else {
            for item in items { s += "\n            \(item.sql) as \(dialect.alias(item.key))," }
        }
        s += "\n    \(q)cohort_on\(q)\nFROM columnize_cohort_on"
        // A 2.x table's rows as they are, and an insight that aggregates nothing (as the
        // reference builds it): nothing to group.
        let plainRows =
            (trace.synthetic && items.isEmpty)
            || ((trace.insight != nil || trace.synthetic) && aggregate.isEmpty
                && !items.contains { SQLText.classify($0.sql, dialect: dialect) == .aggregate })
        if !vanilla.isEmpty {
            s += "\n    WHERE"
            for (i, f) in vanilla.enumerated() { s += "\n        \(f)" + (i < vanilla.count - 1 ? " AND " : "") }
        }
        if !plainRows {
            s += "\n    GROUP BY"
            for (i, g) in groupBy.enumerated() { s += "\n        \(g) " + (i < groupBy.count - 1 ? " , " : "") }
            if !groupBy.isEmpty { s += "," }
            s += "\n    \(q)cohort_on\(q)"
        }
        if !aggregate.isEmpty {
            s += "\n        HAVING"
            for (i, f) in aggregate.enumerated() { s += "\n            \(f)" + (i < aggregate.count - 1 ? " AND " : "") }
        }
        if !window.isEmpty {
            s += "\n        QUALIFY"
            for (i, f) in window.enumerated() { s += "\n            \(f)" + (i < window.count - 1 ? " AND " : "") }
        }
        if !orderBy.isEmpty {
            s += "\n    ORDER BY"
            for (i, o) in orderBy.enumerated() { s += "\n        \(o)" + (i < orderBy.count - 1 ? ", " : "") }
        }
        s += " \n-- source: \(sourceName)"
        return TraceQuery(trace: trace.name, sql: s, keys: items.map(\.key), ordered: !orderBy.isEmpty, dialect: dialect, warnings: warnings)
    }

    /// Every `query(...)` string in props, keyed by dotted path; object keys in sorted
    /// order (as the reference emits them), list elements by index.
    static func collectQueries(_ value: JSONValue, path: String, into items: inout [(key: String, sql: String)]) {
        switch value {
        case .string(let s):
            if let sql = TraceSyntax.unwrapQuery(s) { items.append((path, sql)) }
        case .array(let elements):
            for (i, e) in elements.enumerated() { collectQueries(e, path: "\(path).\(i)", into: &items) }
        case .object(let members):
            for m in members.sorted(by: { $0.key < $1.key }) { collectQueries(m.value, path: "\(path).\(m.key)", into: &items) }
        default:
            break
        }
    }
}
