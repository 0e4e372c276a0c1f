import Foundation

/// The value syntax of trace fields: `query(...)` and `?{...}` hold SQL, `column(name)`
/// (with an optional `[i]` / `[a:b]` accessor) names a trace column. The loader checks it,
/// the query compiler expands it.
public enum TraceSyntax {
    /// The SQL inside `query(...)` (first `(` to last `)`) or `?{...}`, else nil.
    public static func unwrapQuery(_ text: String) -> String? {
        // Most strings in props are plain values: decide on the first byte before trimming.
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D }),
            first == UInt8(ascii: "q") || first == UInt8(ascii: "?")
        else { return nil }
        let t = text.trimmingSpaces
        if t.hasPrefix("query("), t.utf8.last == UInt8(ascii: ")") {
            // Everything between the first "(" (that of `query(`) and the last ")".
            let u = t.utf8
            let open = u.index(u.startIndex, offsetBy: 5)
            let close = u.index(before: u.endIndex)
            if open < close { return String(t[t.index(after: open)..<close]) }
        }
        if t.hasPrefix("?{"), t.hasSuffix("}") {
            return String(t.dropFirst(2).dropLast().trimmingSpaces)
        }
        return nil
    }

    /// A `column(name)` reference, with its optional `[i]` / `[a:b]` accessor or, in
    /// order_by, an `asc`/`desc` suffix.
    public struct ColumnRef: Sendable, Hashable {
        public var name: String
        public var accessor: String?
        public var direction: String?
    }

    public static func parseColumnRef(_ text: String, allowDirection: Bool = false) -> ColumnRef? {
        // Most strings are not refs: decide on the first byte that `trimmingSpaces` keeps.
        guard text.utf8.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) == UInt8(ascii: "c") else { return nil }
        let t = text.trimmingSpaces
        guard t.hasPrefix("column("), let close = t.firstIndex(of: ")") else { return nil }
        let name = t[t.index(t.startIndex, offsetBy: 7)..<close].trimmingSpaces
        var rest = t[t.index(after: close)...].trimmingSpaces
        var ref = ColumnRef(name: String(name), accessor: nil, direction: nil)
        if rest.hasPrefix("["), let end = rest.firstIndex(of: "]") {
            ref.accessor = String(rest[...end])
            rest = rest[rest.index(after: end)...].trimmingSpaces
        }
        if rest.isEmpty { return name.isEmpty ? nil : ref }
        if allowDirection, ["asc", "desc"].contains(rest.lowercased()) {
            ref.direction = String(rest)
            return ref
        }
        return nil
    }

    /// Every `column(name)` mentioned anywhere in `text`.
    public static func columnNames(in text: String) -> [String] {
        var names: [String] = []
        _ = substituteColumns(text) {
            names.append($0); return nil
        }
        return names
    }

    /// Whether `text` holds the bytes `column(`.
    package static func containsColumnCall(_ text: String) -> Bool {
        let needle: [UInt8] = Array("column(".utf8)
        var matched = 0
        for b in text.utf8 {
            if b == needle[matched] {
                matched += 1
                if matched == needle.count { return true }
            } else {
                matched = b == needle[0] ? 1 : 0
            }
        }
        return false
    }

    /// Replaces each `column(name)` in `text` by `replacement(name)` (kept as written when nil).
    package static func substituteColumns(_ text: String, _ replacement: (String) -> String?) -> String {
        // A byte scan first: most texts have no column(), and Foundation's contains (and
        // the generic firstRange) cost far more than the compile itself.
        guard Self.containsColumnCall(text) else { return text }
        var out = ""
        var rest = Substring(text)
        while let r = rest.range(of: "column(") {
            let before = rest[..<r.lowerBound]
            let isWordStart = before.last.map { !($0.isLetter || $0.isNumber || $0 == "_") } ?? true
            guard isWordStart, let close = rest[r.upperBound...].firstIndex(of: ")") else {
                out += rest[..<r.upperBound]
                rest = rest[r.upperBound...]
                continue
            }
            let name = String(rest[r.upperBound..<close].trimmingSpaces)
            out += before
            out += replacement(name) ?? String(rest[r.lowerBound...close])
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
