import Foundation
import VisivoProject
import VisivoSupport

/// What an input has picked: one value, a list of values, or a range's two ends.
public enum InputState: Sendable, Hashable {
    case single(JSONValue)
    case multi([JSONValue])
    case range(JSONValue, JSONValue)

    /// The value an accessor reads: one value, or a list (`values`).
    func read(_ accessor: String) -> [JSONValue]? {
        switch (self, accessor) {
        case (.single(let v), "value"): return [v]
        case (.multi(let vs), "values"): return vs
        case (.multi(let vs), "min"): return Self.extreme(vs, smallest: true).map { [$0] } ?? [.null]
        case (.multi(let vs), "max"): return Self.extreme(vs, smallest: false).map { [$0] } ?? [.null]
        case (.multi(let vs), "first"): return [vs.first ?? .null]
        case (.multi(let vs), "last"): return [vs.last ?? .null]
        case (.range(let a, _), "min"), (.range(let a, _), "first"): return [a]
        case (.range(_, let b), "max"), (.range(_, let b), "last"): return [b]
        default: return nil
        }
    }

    /// The smallest or largest value: by number when all are numbers, else by text.
    static func extreme(_ values: [JSONValue], smallest: Bool) -> JSONValue? {
        let numbers = values.compactMap { v -> (Double, JSONValue)? in
            if case .number(let n) = v, let d = Double(n) { return (d, v) }
            return nil
        }
        if numbers.count == values.count {
            return (smallest ? numbers.min { $0.0 < $1.0 } : numbers.max { $0.0 < $1.0 })?.1
        }
        let texts = values.compactMap { v in v.text.map { ($0, v) } }
        return (smallest ? texts.min { $0.0 < $1.0 } : texts.max { $0.0 < $1.0 })?.1
    }

    /// A canonical text of the state (what a combination is keyed by, in the viewer too).
    public var key: JSONValue {
        switch self {
        case .single(let v): return v
        case .multi(let vs): return .array(vs)
        case .range(let a, let b): return .object([("start", a), ("end", b)])
        }
    }

    /// The state a key (as `key` writes it, or as the viewer sends it) stands for, for `input`.
    public init?(key: JSONValue, for input: Input) {
        switch (input.kind, input.options, key) {
        case (.single, _, let v): self = .single(v)
        case (.multi, .range, .object): self = .range(key["start"] ?? .null, key["end"] ?? .null)
        case (.multi, _, .array(let vs)): self = .multi(vs)
        default: return nil
        }
    }
}

/// An insight's query bound to input values: the markers of its SQL become the dialect's
/// placeholders, and the values become parameters, never SQL text.
public enum InputBinding {
    /// The placeholder of parameter `n` (1-based) in `dialect`. MySQL has no placeholders
    /// in a text query: its connector sets user variables `@visivo_pN` from a prepared
    /// statement first.
    public static func placeholder(_ n: Int, _ dialect: Dialect) -> String {
        switch dialect.kind {
        case .sqlite: return "?\(n)"
        case .postgresql, .duckdb: return "$\(n)"
        case .mysql: return "@visivo_p\(n)"
        case .snowflake: return ":\(n)"
        case .bigquery: return "@p\(n)"
        }
    }

    /// `query` with every input marker bound from `states`. Nil values (an input with no
    /// state) bind NULL; an empty list binds one NULL (so `IN (...)` matches nothing). The
    /// same `input.accessor` gets the same placeholders wherever it appears, so a select
    /// item and its GROUP BY or ORDER BY copy stay the same expression to the database.
    public static func bind(_ query: TraceQuery, uses: [InputUse], states: [String: InputState]) -> TraceQuery {
        guard !uses.isEmpty, query.sql.utf8.contains(0x02) else { return query }
        var out = query
        var parameters: [JSONValue] = []
        var placed: [Substring: String] = [:]
        var sql = ""
        var rest = Substring(query.sql)
        while let open = rest.firstIndex(of: "\u{2}"), let close = rest[open...].firstIndex(of: "\u{3}") {
            sql += rest[..<open]
            let body = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            if let known = placed[body] {
                sql += known
                continue
            }
            guard let dot = body.lastIndex(of: ".") else { continue }
            let name = String(body[..<dot]), accessor = String(body[body.index(after: dot)...])
            var values = states[name]?.read(accessor) ?? [.null]
            if values.isEmpty { values = [.null] }
            var slots: [String] = []
            for v in values {
                parameters.append(v)
                slots.append(placeholder(parameters.count, query.dialect))
            }
            placed[body] = slots.joined(separator: ", ")
            sql += placed[body]!
        }
        sql += rest
        out.sql = sql
        out.parameters = parameters
        return out
    }

    /// The inputs' default states, given the options built for inputs whose options come
    /// from a query (`options[input]`).
    public static func defaults(_ inputs: [Input], options: [String: [JSONValue]]) -> [String: InputState] {
        var out: [String: InputState] = [:]
        for i in inputs { out[i.name] = defaultState(i, options: options[i.name] ?? listed(i)) }
        return out
    }

    /// The options of a list input, or the steps of a range.
    public static func listed(_ input: Input) -> [JSONValue] {
        switch input.options {
        case .list(let items): return items
        case .query: return []
        case .range(let start, let end, let step): return RangeSteps.values(start: start, end: end, step: step) ?? []
        }
    }

    static func defaultState(_ input: Input, options: [JSONValue]) -> InputState {
        switch (input.kind, input.defaultValue, input.options) {
        case (.single, .value(let v), _): return .single(v)
        case (.single, _, _): return .single(options.first ?? .null)
        case (.multi, .range(let a, let b), _): return .range(a, b)
        case (.multi, _, .range(let start, let end, _)): return .range(start, end)
        case (.multi, .values(let vs), _): return .multi(vs)
        case (.multi, .nothing, _): return .multi([])
        case (.multi, _, _): return .multi(options)
        }
    }
}

/// The values of a `range {start, end, step}`: numbers, or ISO dates with a step such as
/// `1 day`, `2 weeks`, `1 month`.
public enum RangeSteps {
    /// At most this many steps are listed (a range past it is a slider, not a list).
    public static let limit = 10_000

    public static func values(start: JSONValue, end: JSONValue, step: JSONValue) -> [JSONValue]? {
        if case .number(let a) = start, case .number(let b) = end, case .number(let s) = step, let x = Double(a), let y = Double(b), let d = Double(s), d > 0 {
            var out: [JSONValue] = []
            var v = x
            while v <= y + d / 1e9, out.count < limit {
                out.append(.number(text(v)))
                v = x + d * Double(out.count)
            }
            return out
        }
        guard let a = start.stringValue.flatMap(CivilDate.days(iso:)), let b = end.stringValue.flatMap(CivilDate.days(iso:)), let s = step.stringValue
        else { return nil }
        let parts = s.split(separator: " ")
        guard parts.count == 2, let n = Int(parts[0]), n > 0 else { return nil }
        var unit = parts[1].lowercased()
        if unit.hasSuffix("s") { unit.removeLast() }
        guard ["day", "week", "month", "year"].contains(unit) else { return nil }
        var out: [JSONValue] = []
        var d = a
        // Each step counted from the start (a month after Jan 31 is Feb 29, then Mar 31).
        while d <= b, out.count < limit {
            out.append(.string(CivilDate.iso(days: d)))
            let k = out.count
            switch unit {
            case "day": d = a + Int64(k * n)
            case "week": d = a + Int64(7 * k * n)
            case "month": d = CivilDate.adding(months: k * n, to: a)
            default: d = CivilDate.adding(months: 12 * k * n, to: a)
            }
        }
        return out
    }

    /// A number's shortest text, without `.0` for whole numbers.
    static func text(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
