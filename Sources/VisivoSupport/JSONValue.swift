/// An ordered JSON value. Numbers keep their text, so database digits survive
/// (`1.50` stays `1.50`, a 20-digit integer stays exact).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number as JSON text (already valid JSON number syntax).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    public static func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, value: $0.1) })
    }
    public static func int(_ v: Int64) -> JSONValue { .number(String(v)) }
    public static func double(_ v: Double) -> JSONValue {
        guard v.isFinite else { return .null }
        // Swift's description is the shortest text that round-trips, and JSON accepts it.
        return .number("\(v)")
    }

    /// Types a plain (unquoted) YAML scalar as YAML's core schema does.
    public static func plainScalar(_ s: String) -> JSONValue {
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let n = NumberSyntax.jsonNumber(fromYAML: s) { return .number(n) }
        return .string(s)
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as text (`"0"`, `"true"`, `"north"`); nil for null. What a cohort or an
    /// input option is named by.
    public var text: String? {
        switch self {
        case .null: return nil
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let s): return s
        case .array, .object: return serialized
        }
    }

    /// Compact JSON text; key order kept; non-ASCII written as UTF-8.
    public var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }

    /// The same text as UTF-8 bytes (what files and hashes want; no String in between).
    public var serializedBytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    /// Appends the compact JSON text to a byte buffer: the fast path for large documents
    /// (project.json, data.json columns), a byte append per token instead of a String append.
    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.utf8)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                item.write(into: &out)
            }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(0x2C) }
                JSONValue.writeString(m.key, into: &out)
                out.append(0x3A)
                m.value.write(into: &out)
            }
            out.append(0x7D)
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, the
    /// rest (non-ASCII included) copied as UTF-8.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { utf8 in
            // Most strings need no escaping: append them whole.
            guard utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
                out.append(contentsOf: utf8)
                return
            }
            let hex = Array("0123456789abcdef".utf8)
            for b in utf8 {
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case ..<0x20: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0x0F)]])
                default: out.append(b)
                }
            }
        }
        out.append(0x22)
    }
}

/// One key of a JSON object, in order.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// Recognises number syntax in YAML and database text.
package enum NumberSyntax {
    /// The JSON spelling of a YAML plain number, or nil when `s` is not one.
    static func jsonNumber(fromYAML s: String) -> String? {
        var t = Substring(s)
        if t.hasPrefix("+") { t = t.dropFirst() }
        guard isDecimalNumber(t) else { return nil }
        return jsonNumber(normalizing: String(t))
    }

    /// True for `-12`, `3.5`, `.5`, `5.`, `1e9`, `-2.5E-3`.
    package static func isDecimalNumber(_ s: Substring) -> Bool {
        var i = s.startIndex
        if i < s.endIndex, s[i] == "-" || s[i] == "+" { i = s.index(after: i) }
        var digits = 0
        while i < s.endIndex, s[i].isASCII, s[i].isNumber { digits += 1; i = s.index(after: i) }
        if i < s.endIndex, s[i] == "." {
            i = s.index(after: i)
            while i < s.endIndex, s[i].isASCII, s[i].isNumber { digits += 1; i = s.index(after: i) }
        }
        guard digits > 0 else { return false }
        if i < s.endIndex, s[i] == "e" || s[i] == "E" {
            i = s.index(after: i)
            if i < s.endIndex, s[i] == "-" || s[i] == "+" { i = s.index(after: i) }
            var exp = 0
            while i < s.endIndex, s[i].isASCII, s[i].isNumber { exp += 1; i = s.index(after: i) }
            guard exp > 0 else { return false }
        }
        return i == s.endIndex
    }

    /// Makes decimal text valid JSON: `.5` -> `0.5`, `5.` -> `5.0`, `007` -> `7`.
    package static func jsonNumber(normalizing s: String) -> String {
        var sign = ""
        var body = Substring(s)
        if body.hasPrefix("-") { sign = "-"; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
        var mantissa = body
        var exponent: Substring = ""
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[e...]
        }
        var intPart = mantissa
        var frac: Substring? = nil
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            frac = mantissa[mantissa.index(after: dot)...]
        }
        var i = String(intPart.drop { $0 == "0" })
        if i.isEmpty { i = "0" }
        var out = sign + i
        if let frac { out += "." + (frac.isEmpty ? "0" : frac) }
        out += exponent
        return out
    }
}
