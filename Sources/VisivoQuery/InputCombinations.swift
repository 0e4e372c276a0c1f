import VisivoProject
import VisivoSupport

/// Every combination of an insight's input values, for a static dist that cannot ask a
/// server: each option of a single-select, each subset of a multi-select's options (in
/// their order), each `start <= end` pair of a range's steps.
public enum InputCombinations {
    /// How many states `input` has, saturating at `Int.max`.
    public static func count(_ input: Input, options: [JSONValue]) -> Int {
        switch (input.kind, input.options) {
        case (.single, _): return options.count
        case (.multi, .range): return options.count.multipliedReportingOverflow(by: options.count + 1).overflow ? .max : options.count * (options.count + 1) / 2
        case (.multi, _): return options.count >= 62 ? .max : 1 << options.count
        }
    }

    /// The product of the inputs' counts, saturating.
    public static func count(_ inputs: [Input], options: [String: [JSONValue]]) -> Int {
        var total = 1
        for i in inputs {
            let (product, overflow) = total.multipliedReportingOverflow(by: count(i, options: options[i.name] ?? InputBinding.listed(i)))
            total = overflow ? .max : product
        }
        return total
    }

    /// Every state of `input`.
    public static func states(_ input: Input, options: [JSONValue]) -> [InputState] {
        switch (input.kind, input.options) {
        case (.single, _): return options.map(InputState.single)
        case (.multi, .range):
            var out: [InputState] = []
            for a in options.indices { for b in a..<options.count { out.append(.range(options[a], options[b])) } }
            return out
        case (.multi, _):
            return (0..<(1 << options.count)).map { mask in .multi(options.indices.filter { mask & (1 << $0) != 0 }.map { options[$0] }) }
        }
    }

    /// Every combination of the inputs' states (call only when `count` is within limits).
    public static func all(_ inputs: [Input], options: [String: [JSONValue]]) -> [[String: InputState]] {
        var out: [[String: InputState]] = [[:]]
        for i in inputs {
            let states = states(i, options: options[i.name] ?? InputBinding.listed(i))
            out = out.flatMap { partial in states.map { s in partial.merging([i.name: s]) { a, _ in a } } }
        }
        return out
    }

    /// A combination as the viewer names it: `[[input, state], ...]` by input name, as JSON
    /// text (the viewer writes the same with `JSON.stringify`).
    public static func key(_ states: [String: InputState]) -> String {
        JSONValue.array(states.keys.sorted().map { .array([.string($0), states[$0]!.key]) }).serialized
    }

    /// Whether `state` is one `input` can take: an option; options; or two steps in order.
    /// (What a viewer may ask `serve` for; anything else is refused.)
    public static func isValid(_ state: InputState, for input: Input, options: [JSONValue]) -> Bool {
        let texts = options.map(\.serialized)
        func index(_ v: JSONValue) -> Int? { texts.firstIndex(of: v.serialized) }
        switch (input.kind, input.options, state) {
        case (.single, _, .single(let v)): return index(v) != nil
        case (.multi, .range, .range(let a, let b)):
            guard let i = index(a), let j = index(b) else { return false }
            return i <= j
        case (.multi, .list, .multi(let vs)), (.multi, .query, .multi(let vs)): return vs.count <= options.count && vs.allSatisfy { index($0) != nil }
        default: return false
        }
    }
}
