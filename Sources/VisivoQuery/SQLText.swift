import VisivoProject

/// Small lexical helpers over SQL snippets: enough to classify a statement and to find
/// whether it mentions a column, with string literals and quoted names respected.
package enum SQLText {
    enum Class: Sendable, Equatable { case vanilla, aggregate, window }

    /// Words that are never column names.
    static let keywords: Set<String> = [
        "case", "when", "then", "else", "end", "and", "or", "not", "null", "is", "in", "like", "ilike",
        "between", "as", "true", "false", "asc", "desc", "distinct", "interval", "current_date",
        "current_time", "current_timestamp", "localtime", "localtimestamp", "over", "partition", "by",
        "order", "filter", "within", "group", "nulls", "first", "last", "rows", "range", "unbounded",
        "preceding", "following", "current", "row", "escape", "collate", "date", "timestamp", "time",
        "at", "zone", "all", "any", "some", "exists", "similar", "to", "from", "for", "using",
    ]

    package struct Token: Equatable {
        package enum Kind: Equatable { case word, quotedName, string, number, symbol }
        package var kind: Kind
        package var text: Substring
    }

    /// Splits SQL into words, quoted names, strings, numbers and symbols (whitespace and
    /// comments dropped). Works on UTF-8 bytes; any non-ASCII byte counts as a letter.
    package static func tokens(_ sql: String) -> [Token] {
        var out: [Token] = []
        let u = sql.utf8
        var i = u.startIndex
        let end = u.endIndex
        @inline(__always) func isWordByte(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80
        }
        @inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        while i < end {
            let c = u[i]
            if c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { i = u.index(after: i); continue }
            let next = u.index(after: i)
            if c == 0x2D, next < end, u[next] == 0x2D {  // -- comment
                while i < end, u[i] != 0x0A { i = u.index(after: i) }
                continue
            }
            if c == 0x2F, next < end, u[next] == 0x2A {  // /* comment */ (unclosed: to the end)
                var j = u.index(after: next)
                while j < end {
                    let n = u.index(after: j)
                    if u[j] == 0x2A, n < end, u[n] == 0x2F { j = u.index(after: n); break }
                    j = n
                }
                i = j
                continue
            }
            if c == 0x27 || c == 0x22 || c == 0x60 {  // ' " `
                var j = next
                while j < end {
                    if u[j] == c {
                        let n = u.index(after: j)
                        if n < end, u[n] == c { j = u.index(after: n); continue }
                        break
                    }
                    j = u.index(after: j)
                }
                let stop = j < end ? u.index(after: j) : j
                out.append(Token(kind: c == 0x27 ? .string : .quotedName, text: sql[i..<stop]))
                i = stop
                continue
            }
            if isWordByte(c) {
                var j = next
                while j < end, isWordByte(u[j]) || isDigit(u[j]) || u[j] == 0x24 { j = u.index(after: j) }
                out.append(Token(kind: .word, text: sql[i..<j]))
                i = j
                continue
            }
            if isDigit(c) || (c == 0x2E && next < end && isDigit(u[next])) {
                var j = i
                while j < end, isDigit(u[j]) || u[j] == 0x2E || u[j] == 0x65 || u[j] == 0x45 { j = u.index(after: j) }
                out.append(Token(kind: .number, text: sql[i..<j]))
                i = j
                continue
            }
            out.append(Token(kind: .symbol, text: sql[i..<next]))
            i = next
        }
        return out
    }

    /// Aggregate if it calls one of the dialect's aggregates, window if it has `over (`;
    /// function names match case-insensitively, as whole words.
    static func classify(_ sql: String, dialect: Dialect) -> Class {
        let toks = tokens(sql)
        let aggregates = dialect.aggregates
        var aggregate = false
        for (i, t) in toks.enumerated() where t.kind == .word {
            let next = i + 1 < toks.count ? toks[i + 1] : nil
            guard next?.kind == .symbol, next?.text == "(" else { continue }
            let word = t.text.lowercased()
            if word == "over" { return .window }
            if aggregates.contains(word) { aggregate = true }
        }
        return aggregate ? .aggregate : .vanilla
    }

    /// True when the statement mentions a column (a name that is not a function or keyword).
    static func mentionsColumn(_ sql: String) -> Bool {
        let toks = tokens(sql)
        for (i, t) in toks.enumerated() {
            if t.kind == .quotedName { return true }
            guard t.kind == .word else { continue }
            let next = i + 1 < toks.count ? toks[i + 1] : nil
            if next?.kind == .symbol, next?.text == "(" { continue }
            if i > 0, toks[i - 1].text == "::" || (toks[i - 1].text == ":") { continue }
            if !keywords.contains(t.text.lowercased()) { return true }
        }
        return false
    }

    /// True for a whole single-quoted string literal.
    static func isStringLiteral(_ sql: String) -> Bool {
        let t = sql.trimmingSpaces
        return t.count >= 2 && t.hasPrefix("'") && t.hasSuffix("'")
    }

    /// Removes a trailing `asc`/`desc` and `nulls first|last`.
    static func stripDirection(_ sql: String) -> String {
        var t = sql.trimmingSpaces
        for suffix in ["nulls first", "nulls last"] {
            if t.lowercased().hasSuffix(" " + suffix) { t = t.dropLast(suffix.count).trimmingSpaces }
        }
        for suffix in ["asc", "desc"] {
            let lower = t.lowercased()
            if lower.hasSuffix(" " + suffix) || lower.hasSuffix(")" + suffix) { t = t.dropLast(suffix.count).trimmingSpaces }
        }
        return String(t)
    }
}
