import Foundation
import VisivoSupport

/// Evaluates the test language over built data. `resolve` gives a reference's value
/// (`ref(insight).props.x`, or a 1.x `Cohort.props.x`); `seen` collects the values of
/// the references and calls, to show in a failure.
struct Evaluator {
    var resolve: (String) throws(ExpressionError) -> TestValue
    var seen: [(String, TestValue)] = []

    mutating func note(_ e: Expression, _ v: TestValue) {
        if !seen.contains(where: { $0.0 == e.text }) { seen.append((e.text, v)) }
    }

    mutating func evaluate(_ e: Expression) throws(ExpressionError) -> TestValue {
        switch e {
        case .value(let v): return v
        case .reference(let r):
            let v = try resolve(r)
            note(e, v)
            return v
        case .list(let items):
            var out: [TestValue] = []
            for item in items { out.append(try evaluate(item)) }
            return .list(out)
        case .unary(let op, let inner):
            let v = try evaluate(inner)
            if op == "not" { return .bool(!v.truthy) }
            guard case .number(let d) = v else { throw ExpressionError(message: "-\(inner.text): \(v.literal) is not a number") }
            return .number(-d)
        case .binary(let op, let a, let b):
            if op == "and" { return try evaluate(a).truthy ? .bool(try evaluate(b).truthy) : .bool(false) }
            if op == "or" { return try evaluate(a).truthy ? .bool(true) : .bool(try evaluate(b).truthy) }
            return try Self.binary(op, try evaluate(a), try evaluate(b), text: e.text)
        case .call(let name, let args):
            var values: [TestValue] = []
            for a in args { values.append(try evaluate(a)) }
            let v = try Self.call(name, values)
            note(e, v)
            return v
        case .index(let base, let i):
            let list = try evaluate(base)
            guard case .list(let items) = list, case .number(let d) = try evaluate(i) else {
                throw ExpressionError(message: "\(e.text): only a list takes an index")
            }
            guard let whole = Int(exactly: d) else {
                throw ExpressionError(message: "\(e.text): an index is a whole number, not \(TestValue.number(d).literal)")
            }
            let n = whole < 0 ? items.count + whole : whole
            guard items.indices.contains(n) else { throw ExpressionError(message: "\(e.text): index \(whole) is outside the \(items.count) values") }
            return items[n]
        case .slice(let base, let a, let b):
            guard case .list(let items) = try evaluate(base) else { throw ExpressionError(message: "\(e.text): only a list takes a slice") }
            func bound(_ x: Expression?, _ fallback: Int) throws(ExpressionError) -> Int {
                guard let x else { return fallback }
                guard case .number(let d) = try evaluate(x), let i = Int(exactly: d) else {
                    throw ExpressionError(message: "\(e.text): a slice takes whole numbers")
                }
                return max(0, min(items.count, i < 0 ? items.count + i : i))
            }
            let lo = try bound(a, 0), hi = try bound(b, items.count)
            return .list(lo < hi ? Array(items[lo..<hi]) : [])
        case .assertion(let subject, let chain):
            let v = try evaluate(subject)
            for m in chain {
                var args: [TestValue] = []
                for a in m.arguments { args.append(try evaluate(a)) }
                if let failure = try Self.match(m.name, v, args) {
                    throw ExpressionError(message: "assert_that(\(subject.text)).\(m.name)(...): \(failure)")
                }
            }
            return .bool(true)
        }
    }

    static func number(_ v: TestValue, _ what: String) throws(ExpressionError) -> Double {
        guard case .number(let d) = v else { throw ExpressionError(message: "\(what): \(v.literal) is not a number") }
        return d
    }

    static func equal(_ a: TestValue, _ b: TestValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y))
        case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        default: return a == b
        }
    }

    static func compare(_ a: TestValue, _ b: TestValue, text: String) throws(ExpressionError) -> Int {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        default: throw ExpressionError(message: "\(text): cannot order \(a.literal) and \(b.literal)")
        }
    }

    static func binary(_ op: String, _ a: TestValue, _ b: TestValue, text: String) throws(ExpressionError) -> TestValue {
        switch op {
        case "==": return .bool(equal(a, b))
        case "!=": return .bool(!equal(a, b))
        case "<": return .bool(try compare(a, b, text: text) < 0)
        case "<=": return .bool(try compare(a, b, text: text) <= 0)
        case ">": return .bool(try compare(a, b, text: text) > 0)
        case ">=": return .bool(try compare(a, b, text: text) >= 0)
        case "in":
            guard case .list(let items) = b else { throw ExpressionError(message: "\(text): 'in' needs a list on its right") }
            return .bool(items.contains { equal($0, a) })
        case "+":
            if case .string(let x) = a, case .string(let y) = b { return .string(x + y) }
            if case .list(let x) = a, case .list(let y) = b { return .list(x + y) }
            return .number(try number(a, text) + number(b, text))
        case "-": return .number(try number(a, text) - number(b, text))
        case "*": return .number(try number(a, text) * number(b, text))
        case "/":
            let d = try number(b, text)
            guard d != 0 else { throw ExpressionError(message: "\(text): division by zero") }
            return .number(try number(a, text) / d)
        case "%": return .number(try number(a, text).truncatingRemainder(dividingBy: number(b, text)))
        default: throw ExpressionError(message: "unknown operator \(op)")
        }
    }

    static func numbers(_ v: TestValue, _ name: String) throws(ExpressionError) -> [Double] {
        guard case .list(let items) = v else { return [try number(v, name)] }
        var out: [Double] = []
        for item in items where item != .null { out.append(try number(item, name)) }
        return out
    }

    static func call(_ name: String, _ args: [TestValue]) throws(ExpressionError) -> TestValue {
        func one() throws(ExpressionError) -> TestValue {
            guard args.count == 1 else { throw ExpressionError(message: "\(name) takes one value, not \(args.count)") }
            return args[0]
        }
        func list() throws(ExpressionError) -> [TestValue] {
            let v = try one()
            guard case .list(let items) = v else { return [v] }
            return items
        }
        switch name {
        case "sum": return .number(try numbers(try one(), name).reduce(0, +))
        case "mean", "avg", "average":
            let xs = try numbers(try one(), name)
            guard !xs.isEmpty else { throw ExpressionError(message: "\(name) of no values") }
            return .number(xs.reduce(0, +) / Double(xs.count))
        case "median":
            let xs = try numbers(try one(), name).sorted()
            guard !xs.isEmpty else { throw ExpressionError(message: "median of no values") }
            return .number(xs.count % 2 == 1 ? xs[xs.count / 2] : (xs[xs.count / 2 - 1] + xs[xs.count / 2]) / 2)
        case "min", "max":
            let items = args.count == 1 ? try list() : args
            guard var best = items.first else { throw ExpressionError(message: "\(name) of no values") }
            for x in items.dropFirst() where try compare(x, best, text: name) == (name == "min" ? -1 : 1) { best = x }
            return best
        case "len", "count", "size": return .number(Double(try list().count))
        case "abs": return .number(abs(try number(try one(), name)))
        case "round":
            guard !args.isEmpty, args.count <= 2 else { throw ExpressionError(message: "round takes a value and optional places") }
            let places = args.count == 2 ? try number(args[1], name) : 0
            let scale = pow(10, places)
            return .number((try number(args[0], name) * scale).rounded() / scale)
        case "all": return .bool(try list().allSatisfy(\.truthy))
        case "any": return .bool(try list().contains(where: \.truthy))
        case "first": return try list().first ?? .null
        case "last": return try list().last ?? .null
        case "distinct", "unique":
            var out: [TestValue] = []
            for x in try list() where !out.contains(where: { equal($0, x) }) { out.append(x) }
            return .list(out)
        case "sorted":
            var failure: ExpressionError? = nil
            let sorted = try list().sorted { a, b in
                do throws(ExpressionError) { return try compare(a, b, text: name) < 0 } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            return .list(sorted)
        default: throw ExpressionError(message: "unknown function \(name)()")
        }
    }

    /// A 1.x matcher's failure as assertpy words it ("Expected <7>, but was <12>"), or nil.
    static func match(_ name: String, _ v: TestValue, _ args: [TestValue]) throws(ExpressionError) -> String? {
        func arg(_ i: Int) throws(ExpressionError) -> TestValue {
            guard i < args.count else { throw ExpressionError(message: "\(name) needs \(i + 1) value\(i == 0 ? "" : "s")") }
            return args[i]
        }
        let was = "but was <\(v.literal)>"
        switch name {
        case "is_equal_to": return equal(v, try arg(0)) ? nil : "expected <\(try arg(0).literal)>, \(was)"
        case "is_not_equal_to": return equal(v, try arg(0)) ? "expected a value other than <\(v.literal)>" : nil
        case "is_greater_than": return try compare(v, arg(0), text: name) > 0 ? nil : "expected more than <\(try arg(0).literal)>, \(was)"
        case "is_greater_than_or_equal_to": return try compare(v, arg(0), text: name) >= 0 ? nil : "expected at least <\(try arg(0).literal)>, \(was)"
        case "is_less_than": return try compare(v, arg(0), text: name) < 0 ? nil : "expected less than <\(try arg(0).literal)>, \(was)"
        case "is_less_than_or_equal_to": return try compare(v, arg(0), text: name) <= 0 ? nil : "expected at most <\(try arg(0).literal)>, \(was)"
        case "is_between":
            let low = try compare(v, arg(0), text: name), high = try compare(v, arg(1), text: name)
            return low >= 0 && high <= 0 ? nil : "expected between <\(try arg(0).literal)> and <\(try arg(1).literal)>, \(was)"
        case "is_close_to":
            let d = abs(try number(v, name) - number(arg(0), name))
            return d <= (try number(arg(1), name)) ? nil : "expected within <\(try arg(1).literal)> of <\(try arg(0).literal)>, \(was)"
        case "is_true": return v.truthy ? nil : "expected true, \(was)"
        case "is_false": return v.truthy ? "expected false, \(was)" : nil
        case "is_none": return v == .null ? nil : "expected none, \(was)"
        case "is_not_none": return v == .null ? "expected a value, but was none" : nil
        case "is_length":
            guard case .list(let items) = v else { return "expected a list, \(was)" }
            return Double(items.count) == (try number(arg(0), name)) ? nil : "expected length <\(try arg(0).literal)>, but was <\(items.count)>"
        case "is_not_empty": return v.truthy ? nil : "expected something, \(was)"
        case "is_empty": return v.truthy ? "expected nothing, \(was)" : nil
        case "contains":
            guard case .list(let items) = v else { return "expected a list, \(was)" }
            for a in args where !items.contains(where: { equal($0, a) }) { return "expected it to contain <\(a.literal)>, \(was)" }
            return nil
        default: throw ExpressionError(message: "unknown matcher \(name)()")
        }
    }
}
