/// Small lexical helpers over SQL snippets: enough to classify a statement and to find
/// whether it mentions a column, with string literals and quoted names respected.
enum SQLText {
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

    struct Token: Equatable {
        enum Kind: Equatable { case word, quotedName, string, number, symbol }
        var kind: Kind
        var text: Substring
    }

    /// Splits SQL into words, quoted names, strings, numbers and symbols (whitespace and comments dropped).
    static func tokens(_ sql: String) -> [Token] {
        var out: [Token] = []
        let s = Substring(sql)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c.isWhitespace { i = s.index(after: i); continue }
            if c == "-", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "-" {
                while i < s.endIndex, s[i] != "\n" { i = s.index(after: i) }
                continue
            }
            if c == "'" || c == "\"" || c == "`" {
                var j = s.index(after: i)
                while j < s.endIndex {
                    if s[j] == c {
                        let n = s.index(after: j)
                        if n < s.endIndex, s[n] == c { j = s.index(after: n); continue }
                        break
                    }
                    j = s.index(after: j)
                }
                let end = j < s.endIndex ? s.index(after: j) : j
                out.append(Token(kind: c == "'" ? .string : .quotedName, text: s[i..<end]))
                i = end
                continue
            }
            if c.isLetter || c == "_" {
                var j = i
                while j < s.endIndex, s[j].isLetter || s[j].isNumber || s[j] == "_" || s[j] == "$" { j = s.index(after: j) }
                out.append(Token(kind: .word, text: s[i..<j]))
                i = j
                continue
            }
            if c.isNumber || (c == "." && s.index(after: i) < s.endIndex && s[s.index(after: i)].isNumber) {
                var j = i
                while j < s.endIndex, s[j].isNumber || s[j] == "." || s[j] == "e" || s[j] == "E" { j = s.index(after: j) }
                out.append(Token(kind: .number, text: s[i..<j]))
                i = j
                continue
            }
            out.append(Token(kind: .symbol, text: s[i...i]))
            i = s.index(after: i)
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
            if i > 0, toks[i - 1].text == "::" || (toks[i - 1].text == ":" ) { continue }
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
