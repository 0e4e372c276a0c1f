import VisivoProject

/// The `${ref(name)}` / `${ref(name).a.b}` mentions inside a 2.x text (an insight's
/// statement, a relation's condition, an input's query, a test's assertion).
struct RefMention: Sendable, Hashable {
    var range: Range<String.Index>
    var name: String
    /// What follows the ref: `.column`, `.value`, `.props.x[0]` split at dots.
    var path: [String]
}

enum RefText {
    /// Every mention in `text`, in order. A `${` that does not continue as a ref is text.
    static func mentions(in text: String) -> [RefMention] {
        var out: [RefMention] = []
        var i = text.startIndex
        while let open = text[i...].range(of: "${") {
            i = open.upperBound
            guard let m = mention(in: text, at: open.lowerBound) else { continue }
            out.append(m)
            i = m.range.upperBound
        }
        return out
    }

    /// The ref starting at `start` (its `${`), if it is one.
    static func mention(in text: String, at start: String.Index) -> RefMention? {
        var i = text.index(start, offsetBy: 2)
        func skipSpaces() { while i < text.endIndex, text[i] == " " || text[i] == "\t" { i = text.index(after: i) } }
        skipSpaces()
        guard text[i...].hasPrefix("ref(") else { return nil }
        i = text.index(i, offsetBy: 4)
        guard let close = text[i...].firstIndex(of: ")") else { return nil }
        var name = text[i..<close].trimmingSpaces
        if name.count >= 2, let q = name.first, q == "'" || q == "\"", name.last == q { name = name.dropFirst().dropLast() }
        guard !name.isEmpty else { return nil }
        i = text.index(after: close)
        var path: [String] = []
        while i < text.endIndex, text[i] == "." {
            let begin = text.index(after: i)
            var end = begin
            while end < text.endIndex, isPathCharacter(text[end]) { end = text.index(after: end) }
            guard end > begin else { return nil }
            path.append(String(text[begin..<end]))
            i = end
        }
        skipSpaces()
        guard i < text.endIndex, text[i] == "}" else { return nil }
        return RefMention(range: start..<text.index(after: i), name: String(name), path: path)
    }

    static func isPathCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "-" || c == "[" || c == "]" || c == ":"
    }

    /// `text` with each mention replaced by `replacement(mention)`.
    static func replacing(in text: String, _ replacement: (RefMention) -> String) -> String {
        let found = mentions(in: text)
        guard !found.isEmpty else { return text }
        var out = ""
        var last = text.startIndex
        for m in found {
            out += text[last..<m.range.lowerBound]
            out += replacement(m)
            last = m.range.upperBound
        }
        return out + text[last...]
    }

    /// `?{ sql }` with an optional `[i]` / `[a:b]` after it: the SQL and the slice.
    static func querySlot(_ text: String) -> (sql: String, slice: String?)? {
        let t = text.trimmingSpaces
        guard t.hasPrefix("?{") else { return nil }
        if t.hasSuffix("]"), let open = t.lastIndex(of: "["), open > t.startIndex, t[t.index(before: open)] == "}" {
            let slice = t[open...]
            let inner = slice.dropFirst().dropLast()
            guard !inner.isEmpty, inner.allSatisfy({ $0.isNumber || $0 == ":" || $0 == "-" }) else { return nil }
            return (String(t[t.index(t.startIndex, offsetBy: 2)..<t.index(before: open)].trimmingSpaces), String(slice))
        }
        guard t.hasSuffix("}") else { return nil }
        return (String(t.dropFirst(2).dropLast().trimmingSpaces), nil)
    }

    /// A name that needs no quoting as a column: a plain identifier.
    static func isPlainIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.properties.isAlphabetic && first.isASCII) else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}

/// What can be known of a SQL model's columns without asking its database: the names in a
/// plain `select a, b as c from ...` list (nil when the list has `*` or an unnamed
/// expression, or the statement is not a plain select).
enum ModelColumns {
    static func known(_ sql: String) -> [String]? {
        let text = sql.trimmingSpaces
        guard text.lowercased().hasPrefix("select") else { return nil }
        var depth = 0
        var quote: Character? = nil
        var items: [String] = []
        var current = ""
        var rest = text.dropFirst(6)
        if rest.lowercased().trimmingSpaces.hasPrefix("distinct ") { rest = rest.trimmingSpaces.dropFirst(9) }
        var previous: Character = " "
        var i = rest.startIndex
        while i < rest.endIndex {
            let c = rest[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" || c == "`" {
                quote = c
            } else if c == "(" {
                depth += 1
            } else if c == ")" {
                depth -= 1
            } else if depth == 0, c == "," {
                items.append(current)
                current = ""
                previous = c
                i = rest.index(after: i)
                continue
            } else if depth == 0, previous.isWhitespace, rest[i...].lowercased().hasPrefix("from"),
                rest.index(i, offsetBy: 4, limitedBy: rest.endIndex).map({ $0 == rest.endIndex || rest[$0].isWhitespace }) ?? false
            {
                items.append(current)
                return names(of: items)
            }
            current.append(c)
            previous = c
            i = rest.index(after: i)
        }
        return nil
    }

    static func names(of items: [String]) -> [String]? {
        var out: [String] = []
        for raw in items {
            let item = raw.trimmingSpaces
            if item.hasSuffix("*") { return nil }
            if let q = item.first, q == "\"" || q == "`", item.last == q, item.count >= 2, !item.dropFirst().dropLast().contains(q) {
                out.append(String(item.dropFirst().dropLast()))
                continue
            }
            let words = item.split(whereSeparator: \.isWhitespace)
            var name: Substring
            if words.count >= 3, words[words.count - 2].lowercased() == "as" {
                name = words[words.count - 1]
            } else if words.count == 1 {
                name = words[0].split(separator: ".").last ?? words[0]
            } else if words.count == 2, RefText.isPlainIdentifier(String(words[1])) {
                name = words[1]
            } else {
                return nil
            }
            if let q = name.first, q == "\"" || q == "`", name.last == q, name.count >= 2 {
                name = name.dropFirst().dropLast()
            } else if !RefText.isPlainIdentifier(String(name)) {
                return nil  // an expression without a name: its column is the database's to name
            }
            out.append(String(name))
        }
        return out
    }
}
