import Foundation
import VisivoSupport

/// The small expression language of `visivo test` (no Python): numbers, strings, `true`,
/// `false`, `null` (and Python's `True`, `False`, `None`), lists `[a, b]`, data
/// references, `+ - * / %`, comparisons `== != < <= > >=` (lists compare element by
/// element), `and`, `or`, `not`, calls of `sum min max len count mean avg median abs round
/// all any first last distinct sorted` (`numpy.` or `np.` before a name is allowed), and
/// `x[i]` / `x[a:b]`. 1.x tests' `assert_that(x).is_equal_to(y)...` chains are matchers
/// over the same values.
indirect enum Expression: Sendable, Equatable {
    case value(TestValue)
    case reference(String)
    case list([Expression])
    case unary(String, Expression)
    case binary(String, Expression, Expression)
    case call(String, [Expression])
    case index(Expression, Expression)
    case slice(Expression, Expression?, Expression?)
    /// `assert_that(subject).matcher(args)...`.
    case assertion(Expression, [(name: String, arguments: [Expression])])

    static func == (a: Expression, b: Expression) -> Bool { a.text == b.text }

    /// The expression as written back (for messages).
    var text: String {
        switch self {
        case .value(let v): return v.literal
        case .reference(let r): return r.hasPrefix("ref(") || r.hasPrefix("cohort:") ? "${\(r)}" : r
        case .list(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .unary(let op, let e): return op == "not" ? "not \(e.text)" : "\(op)\(e.text)"
        case .binary(let op, let a, let b): return "\(a.text) \(op) \(b.text)"
        case .call(let f, let args): return "\(f)(\(args.map(\.text).joined(separator: ", ")))"
        case .index(let e, let i): return "\(e.text)[\(i.text)]"
        case .slice(let e, let a, let b): return "\(e.text)[\(a?.text ?? ""):\(b?.text ?? "")]"
        case .assertion(let s, let chain):
            return "assert_that(\(s.text))" + chain.map { ".\($0.name)(\($0.arguments.map(\.text).joined(separator: ", ")))" }.joined()
        }
    }
}

/// A value of the test language.
enum TestValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    case list([TestValue])

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(Double(n) ?? .nan)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(TestValue.init))
        case .object: self = .string(json.serialized)
        }
    }

    /// The value as a literal, for messages: `851.99`, `'east'`, `[1, 2]`.
    var literal: String {
        switch self {
        case .number(let d): return d.isFinite && d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "\\'") + "'"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .list(let items):
            let shown = items.prefix(20).map(\.literal).joined(separator: ", ")
            return "[" + shown + (items.count > 20 ? ", ... (\(items.count) values)" : "") + "]"
        }
    }

    var truthy: Bool {
        switch self {
        case .bool(let b): return b
        case .number(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .null: return false
        case .list(let items): return !items.isEmpty
        }
    }
}

/// A problem in an expression: where in its text, and what.
struct ExpressionError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Parses the test language (Pratt: binding powers by operator).
struct ExpressionParser {
    enum Token: Equatable {
        case number(Double), string(String), word(String), reference(String), symbol(String), end
    }

    var tokens: [Token]
    var position = 0

    static func parse(_ text: String) throws(ExpressionError) -> Expression {
        var p = ExpressionParser(tokens: try tokenize(text))
        let e = try p.expression(0)
        guard p.peek == .end else { throw ExpressionError(message: "unexpected \(p.describe(p.peek)) after \(e.text)") }
        return e
    }

    static func tokenize(_ text: String) throws(ExpressionError) -> [Token] {
        var out: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            if c == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                // A data reference `${ ref(name).props.x }`, kept as written without spaces.
                guard let close = chars[i...].firstIndex(of: "}") else { throw ExpressionError(message: "'${' without its '}'") }
                out.append(.reference(String(String(chars[(i + 2)..<close]).trimmingSpaces)))
                i = close + 1
                continue
            }
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                var j = i
                while j < chars.count,
                    chars[j].isNumber || chars[j] == "." || chars[j] == "e" || chars[j] == "E"
                        || ((chars[j] == "-" || chars[j] == "+") && j > i && (chars[j - 1] == "e" || chars[j - 1] == "E"))
                {
                    j += 1
                }
                guard let d = Double(String(chars[i..<j])) else { throw ExpressionError(message: "'\(String(chars[i..<j]))' is not a number") }
                out.append(.number(d))
                i = j
                continue
            }
            if c == "'" || c == "\"" {
                var j = i + 1
                var s = ""
                while j < chars.count, chars[j] != c {
                    if chars[j] == "\\", j + 1 < chars.count { j += 1 }
                    s.append(chars[j])
                    j += 1
                }
                guard j < chars.count else { throw ExpressionError(message: "a string opened with \(c) is not closed") }
                out.append(.string(s))
                i = j + 1
                continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                out.append(.word(String(chars[i..<j])))
                i = j
                continue
            }
            let two = i + 1 < chars.count ? String([c, chars[i + 1]]) : ""
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                out.append(.symbol(two))
                i += 2
                continue
            }
            guard "+-*/%<>()[],.:!".contains(c) else { throw ExpressionError(message: "unexpected character '\(c)'") }
            out.append(.symbol(String(c)))
            i += 1
        }
        out.append(.end)
        return out
    }

    var peek: Token { tokens[position] }

    mutating func next() -> Token {
        defer { position += 1 }
        return tokens[position]
    }

    func describe(_ t: Token) -> String {
        switch t {
        case .number(let d): return "number \(TestValue.number(d).literal)"
        case .string(let s): return "string '\(s)'"
        case .word(let w): return "'\(w)'"
        case .reference(let r): return "${\(r)}"
        case .symbol(let s): return "'\(s)'"
        case .end: return "the end"
        }
    }

    mutating func expect(_ symbol: String) throws(ExpressionError) {
        guard next() == .symbol(symbol) else { throw ExpressionError(message: "expected '\(symbol)' but found \(describe(tokens[position - 1]))") }
    }

    /// The binding power of an infix operator, and its canonical spelling.
    static func infix(_ t: Token) -> (power: Int, op: String)? {
        switch t {
        case .word("or"), .symbol("||"): return (1, "or")
        case .word("and"), .symbol("&&"): return (2, "and")
        case .symbol(let s) where ["==", "!=", "<", "<=", ">", ">="].contains(s): return (4, s)
        case .word("in"): return (4, "in")
        case .symbol("+"), .symbol("-"): return (5, t == .symbol("+") ? "+" : "-")
        case .symbol("*"), .symbol("/"), .symbol("%"):
            if case .symbol(let s) = t { return (6, s) }
            return nil
        default: return nil
        }
    }

    mutating func expression(_ minimum: Int) throws(ExpressionError) -> Expression {
        var left = try prefix()
        while true {
            left = try postfix(left)
            guard let (power, op) = Self.infix(peek), power > minimum else { return left }
            _ = next()
            left = .binary(op, left, try expression(power))
        }
    }

    mutating func prefix() throws(ExpressionError) -> Expression {
        switch next() {
        case .number(let d): return .value(.number(d))
        case .string(let s): return .value(.string(s))
        case .reference(let r): return .reference(r)
        case .symbol("("):
            let e = try expression(0)
            try expect(")")
            return e
        case .symbol("["):
            var items: [Expression] = []
            while peek != .symbol("]") {
                items.append(try expression(0))
                if peek == .symbol(",") { _ = next() } else { break }
            }
            try expect("]")
            return .list(items)
        case .symbol("-"): return .unary("-", try expression(6))
        case .word("not"), .symbol("!"): return .unary("not", try expression(3))
        case .word(let w):
            switch w {
            case "true", "True": return .value(.bool(true))
            case "false", "False": return .value(.bool(false))
            case "null", "None": return .value(.null)
            default: break
            }
            var name = w
            // `numpy.sum`, `np.mean`: the module name is dropped.
            while peek == .symbol("."), case .word(let member) = tokens[position + 1] {
                position += 2
                name = ["numpy", "np", "math"].contains(name) ? member : name + "." + member
            }
            guard peek == .symbol("(") else { return .reference(name) }
            _ = next()
            var args: [Expression] = []
            while peek != .symbol(")") {
                args.append(try expression(0))
                if peek == .symbol(",") { _ = next() } else { break }
            }
            try expect(")")
            if name == "assert_that" {
                guard args.count == 1 else { throw ExpressionError(message: "assert_that takes one value") }
                return .assertion(args[0], try matchers())
            }
            return .call(name, args)
        case let t: throw ExpressionError(message: "unexpected \(describe(t))")
        }
    }

    /// `.is_equal_to(7).is_less_than(9)` after `assert_that(...)`.
    mutating func matchers() throws(ExpressionError) -> [(name: String, arguments: [Expression])] {
        var out: [(String, [Expression])] = []
        while peek == .symbol(".") {
            _ = next()
            guard case .word(let name) = next() else { throw ExpressionError(message: "expected a matcher name after '.'") }
            try expect("(")
            var args: [Expression] = []
            while peek != .symbol(")") {
                args.append(try expression(0))
                if peek == .symbol(",") { _ = next() } else { break }
            }
            try expect(")")
            out.append((name, args))
        }
        if out.isEmpty { throw ExpressionError(message: "assert_that(...) needs a matcher, e.g. .is_equal_to(7)") }
        return out
    }

    mutating func postfix(_ base: Expression) throws(ExpressionError) -> Expression {
        var e = base
        while peek == .symbol("[") {
            _ = next()
            var start: Expression? = nil
            if peek != .symbol(":") { start = try expression(0) }
            if peek == .symbol(":") {
                _ = next()
                let end: Expression? = peek == .symbol("]") ? nil : try expression(0)
                try expect("]")
                e = .slice(e, start, end)
            } else {
                try expect("]")
                guard let start else { throw ExpressionError(message: "an empty index []") }
                e = .index(e, start)
            }
        }
        return e
    }
}
