import Foundation
import VisivoProject

/// dbt-style node selection, shared by `build`, `compile` and `dag`:
/// `name`, `+name`, `name+`, `n+name`, `name+n`, `@name`, `type:KIND`, `source:NAME`,
/// `file:PATH`, `state:stale`; space = union, comma = intersection.
public struct NodeSelector: Sendable {
    public enum SelectorError: Error, CustomStringConvertible, Sendable, Equatable {
        /// A term names no node; the suggestion is the nearest name, if any.
        case noMatch(term: String, suggestion: String?)
        case badMethod(String)
        case unterminatedQuote(String)
        case badValue(method: String, value: String, known: String)

        public var description: String {
            switch self {
            case .noMatch(let term, let near):
                return "selector '\(term)' matches no node" + (near.map { " (did you mean '\($0)'?)" } ?? "")
            case .badMethod(let method):
                return "unknown selector method '\(method):' (known: type, source, file, state)"
            case .badValue(let method, let value, let known):
                return "unknown value '\(value)' for selector method '\(method):' (known: \(known))"
            case .unterminatedQuote(let text):
                return "unterminated quote in selector '\(text)'"
            }
        }
    }

    let graph: ProjectGraph
    /// Says whether a node is stale (for `state:stale`); nil where state is unknown.
    let isStale: (@Sendable (Int) -> Bool)?

    public init(graph: ProjectGraph, isStale: (@Sendable (Int) -> Bool)? = nil) {
        self.graph = graph
        self.isStale = isStale
    }

    /// The union of every expression (each already a union of its space-separated terms).
    /// What the command-line flags choose: the union of `select`, narrowed by
    /// `dagFilter` and by `nameFilter` (that node, all it needs and all that needs it),
    /// less `exclude`. Nil when no flag is given (everything).
    public func choose(select: [String], dagFilter: String?, nameFilter: String?, exclude: [String]) throws(SelectorError) -> Set<Int>? {
        guard !select.isEmpty || dagFilter != nil || nameFilter != nil || !exclude.isEmpty else { return nil }
        var chosen: Set<Int>? = nil
        func narrow(_ s: Set<Int>) { chosen = chosen.map { $0.intersection(s) } ?? s }
        if !select.isEmpty { narrow(try self.select(select)) }
        if let dagFilter { narrow(try self.select(dagFilter)) }
        if let nameFilter {
            guard let i = graph.id(of: nameFilter) else {
                throw .noMatch(term: nameFilter, suggestion: Suggest.nearest(to: nameFilter, in: graph.nodes.map(\.name)))
            }
            narrow(graph.ancestors(of: i).union(graph.descendants(of: i)).union([i]))
        }
        var result = chosen ?? Set(graph.nodes.indices)
        if !exclude.isEmpty { result.subtract(try self.select(exclude)) }
        return result
    }

    public func select(_ expressions: [String]) throws(SelectorError) -> Set<Int> {
        var result: Set<Int> = []
        for e in expressions { result.formUnion(try select(e)) }
        return result
    }

    public func select(_ expression: String) throws(SelectorError) -> Set<Int> {
        var result: Set<Int> = []
        for group in try Self.split(expression) {
            var inter: Set<Int>? = nil
            for term in group {
                let s = try selectTerm(term)
                inter = inter.map { $0.intersection(s) } ?? s
            }
            result.formUnion(inter ?? [])
        }
        return result
    }

    /// Splits on spaces (union) then commas (intersection); quotes keep names with spaces whole.
    static func split(_ text: String) throws(SelectorError) -> [[String]] {
        var groups: [[String]] = []
        var group: [String] = []
        var term = ""
        var quote: Character? = nil
        func endTerm() { if !term.isEmpty { group.append(term); term = "" } }
        func endGroup() { endTerm(); if !group.isEmpty { groups.append(group); group = [] } }
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { term.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == " " || c == "\t" || c == "\n" {
                endGroup()
            } else if c == "," {
                endTerm()
            } else {
                term.append(c)
            }
        }
        if quote != nil { throw .unterminatedQuote(text) }
        endGroup()
        return groups
    }

    func selectTerm(_ raw: String) throws(SelectorError) -> Set<Int> {
        var term = Substring(raw)
        if term.hasPrefix("@") {
            let base = try matching(String(term.dropFirst()), original: raw)
            var out = base
            for i in base {
                let down = graph.descendants(of: i)
                out.formUnion(down)
                for d in down.union([i]) { out.formUnion(graph.ancestors(of: d)) }
            }
            return out
        }
        var up: Int?? = nil  // nil: none; .some(nil): unlimited
        var down: Int?? = nil
        if term.contains("+") {
            // Leading: "+name" or "2+name".
            let lead = term.prefix { $0.isNumber }
            if term.dropFirst(lead.count).hasPrefix("+") {
                up = .some(lead.isEmpty ? nil : Int(lead))
                term = term.dropFirst(lead.count + 1)
            }
            // Trailing: "name+" or "name+2".
            let trail = term.reversed().prefix { $0.isNumber }
            let beforeTrail = term.dropLast(trail.count)
            if beforeTrail.hasSuffix("+") {
                down = .some(trail.isEmpty ? nil : Int(String(trail.reversed())))
                term = beforeTrail.dropLast()
            }
        }
        let base = try matching(String(term), original: raw)
        var out = base
        for i in base {
            if let up { out.formUnion(graph.ancestors(of: i, depth: up)) }
            if let down { out.formUnion(graph.descendants(of: i, depth: down)) }
        }
        return out
    }

    /// Nodes a bare term stands for: a method (`type:`, ...) or a name, `*` a wildcard.
    func matching(_ term: String, original: String) throws(SelectorError) -> Set<Int> {
        let all = Set(graph.nodes.indices)
        if let colon = term.firstIndex(of: ":"), graph.id(of: term) == nil {
            let method = String(term[..<colon])
            let value = String(term[term.index(after: colon)...])
            switch method {
            case "type":
                let kind = value.hasSuffix("s") && ObjectKind(rawValue: value) == nil ? String(value.dropLast()) : value
                let hit = all.filter { graph.nodes[$0].kind.rawValue == kind || (graph.nodes[$0].kind == .model && graph.nodes[$0].type == value) }
                if hit.isEmpty { throw .noMatch(term: original, suggestion: nil) }
                return hit
            case "source":
                guard let s = graph.id(of: value), graph.nodes[s].kind == .source else {
                    throw .noMatch(term: original, suggestion: Suggest.nearest(to: value, in: graph.nodes.filter { $0.kind == .source }.map(\.name)))
                }
                return graph.descendants(of: s).union([s])
            case "file":
                let hit = all.filter { Self.glob(value, matches: graph.nodes[$0].location.file) }
                if hit.isEmpty { throw .noMatch(term: original, suggestion: nil) }
                return hit
            case "state":
                guard value == "stale" || value == "fresh" else { throw .badValue(method: "state", value: value, known: "stale, fresh") }
                guard let isStale else { return value == "stale" ? all : [] }
                return all.filter { isStale($0) == (value == "stale") }
            default:
                throw .badMethod(method)
            }
        }
        if term.contains("*") {
            let hit = all.filter { Self.glob(term, matches: graph.nodes[$0].name) }
            if hit.isEmpty { throw .noMatch(term: original, suggestion: nil) }
            return hit
        }
        guard let i = graph.id(of: term) else {
            throw .noMatch(term: original, suggestion: Suggest.nearest(to: term, in: graph.nodes.map(\.name)))
        }
        return [i]
    }

    /// `*` matches any run of characters.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        if parts.count == 1 { return pattern == text }
        var rest = Substring(text)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for (i, part) in parts.enumerated().dropFirst() {
            if i == parts.count - 1 { return rest.hasSuffix(part) }
            guard let r = rest.range(of: part) else { return false }
            rest = rest[r.upperBound...]
        }
        return true
    }
}
