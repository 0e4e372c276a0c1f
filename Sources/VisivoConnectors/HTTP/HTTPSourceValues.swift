import VisivoSupport

/// Date and time text for the HTTP connectors, whose APIs send dates as day counts and
/// timestamps as seconds (or microseconds) since 1970-01-01 UTC. Exact: no floating point.
enum EpochTime {
    /// An instant as whole seconds plus nanoseconds in `0..<1_000_000_000` (so a negative
    /// instant with a fraction has `seconds` rounded down).
    struct Instant: Equatable {
        var seconds: Int64
        var nanos: Int
    }

    /// `2024-01-03` for day 19725.
    static func date(days: Int64) -> String {
        let (y, m, d) = CivilDate.fromDays(days)
        return pad(y, 4) + "-" + pad(Int64(m), 2) + "-" + pad(Int64(d), 2)
    }

    /// `2024-01-03T08:15:00`, `2024-01-03T08:15:00.25`: the fraction only when non-zero.
    static func timestamp(_ t: Instant) -> String {
        let days = floorDiv(t.seconds, 86_400)
        let secondOfDay = t.seconds - days * 86_400
        return date(days: days) + "T" + time(Instant(seconds: secondOfDay, nanos: t.nanos))
    }

    /// `08:15:00`, `08:15:00.5` for a time of day.
    static func time(_ t: Instant) -> String {
        let s = ((t.seconds % 86_400) + 86_400) % 86_400
        return pad(s / 3600, 2) + ":" + pad(s / 60 % 60, 2) + ":" + pad(s % 60, 2) + fraction(t.nanos)
    }

    /// `.25` for 250 000 000 ns; empty for 0.
    static func fraction(_ nanos: Int) -> String {
        guard nanos > 0 else { return "" }
        var digits = pad(Int64(nanos), 9)
        while digits.hasSuffix("0") { digits.removeLast() }
        return "." + digits
    }

    /// Parses seconds written as a decimal (`1704269700.250000000`, `-1.5`) or in
    /// scientific notation (`1.7043E9`), exactly; digits past nanoseconds are dropped.
    static func parseSeconds(_ text: String) -> Instant? {
        var s = Substring(text.trimmingSpaces)
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(s[s.index(after: e)...]) else { return nil }
            exponent = x
            s = s[..<e]
        }
        var intDigits = s
        var fracDigits: Substring = ""
        if let dot = s.firstIndex(of: ".") {
            intDigits = s[..<dot]
            fracDigits = s[s.index(after: dot)...]
        }
        guard !(intDigits.isEmpty && fracDigits.isEmpty),
            intDigits.allSatisfy({ $0.isASCII && $0.isNumber }), fracDigits.allSatisfy({ $0.isASCII && $0.isNumber }),
            abs(exponent) < 40
        else { return nil }
        // Move the decimal point by the exponent.
        var all = String(intDigits) + String(fracDigits)
        var point = intDigits.count + exponent
        if point < 0 {
            all = String(repeating: "0", count: -point) + all
            point = 0
        }
        if point > all.count { all += String(repeating: "0", count: point - all.count) }
        let whole = all.prefix(point)
        var frac = String(all.dropFirst(point).prefix(9))
        frac += String(repeating: "0", count: 9 - frac.count)
        let trimmedWhole = whole.drop { $0 == "0" }
        guard trimmedWhole.count <= 18, let secs = Int64(trimmedWhole.isEmpty ? "0" : String(trimmedWhole)),
            let nanos = Int(frac)
        else { return nil }
        if !negative { return Instant(seconds: secs, nanos: nanos) }
        if nanos == 0 { return Instant(seconds: -secs, nanos: 0) }
        return Instant(seconds: -secs - 1, nanos: 1_000_000_000 - nanos)
    }

    /// An instant from microseconds since 1970.
    static func instant(microseconds: Int64) -> Instant {
        let secs = floorDiv(microseconds, 1_000_000)
        return Instant(seconds: secs, nanos: Int(microseconds - secs * 1_000_000) * 1000)
    }

    /// Normalises an ISO-like local date-time or time from an API (`2024-01-03 08:15:00.250000`)
    /// to our form (`2024-01-03T08:15:00.25`): `T` separator, fraction trimmed, or dropped when zero.
    static func normalizeLocal(_ text: String) -> String {
        var s = text
        if let space = s.firstIndex(of: " ") { s.replaceSubrange(space...space, with: "T") }
        guard let dot = s.lastIndex(of: "."),
            s[s.index(after: dot)...].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return s }
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func pad(_ v: Int64, _ width: Int) -> String { CivilDate.pad(v, width) }
}

/// Number text from an API as a JSON number, when it is one.
enum APINumber {
    /// `1.50` stays `1.50`; `.5` becomes `0.5`; nil for `NaN`, `inf` and other non-numbers.
    static func exact(_ text: String) -> JSONValue? {
        guard NumberSyntax.isDecimalNumber(Substring(text)) else { return nil }
        return .number(NumberSyntax.jsonNumber(normalizing: text))
    }

    /// A float as its shortest round-trip text; NaN and ±Infinity (in any spelling) are null.
    static func float(_ text: String) -> JSONValue {
        guard let d = Double(text.trimmingSpaces) else {
            return .null
        }
        return .double(d)
    }
}
