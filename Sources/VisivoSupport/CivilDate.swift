/// Calendar arithmetic without Foundation: the build state's timestamps and the
/// connectors' date values (day counts and epoch offsets) share it.
package enum CivilDate {
    /// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian; Howard
    /// Hinnant's `civil_from_days`). Exact for any day count, negative ones included.
    package static func fromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `v` in at least `width` digits, zero-padded (`-7` -> `-0007` for width 4).
    package static func pad(_ v: Int64, _ width: Int) -> String {
        let negative = v < 0
        var s = String(negative ? -v : v)
        if s.count < width { s = String(repeating: "0", count: width - s.count) + s }
        return negative ? "-" + s : s
    }

    /// The day count since 1970-01-01 of a date (Howard Hinnant's `days_from_civil`).
    package static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD` as a day count; nil for any other text or an impossible date.
    package static func days(iso text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, let y = Int64(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m),
            (1...31).contains(d)
        else { return nil }
        let n = days(year: y, month: m, day: d)
        return fromDays(n) == (y, m, d) ? n : nil
    }

    /// A day count as `YYYY-MM-DD`.
    package static func iso(days: Int64) -> String {
        let (y, m, d) = fromDays(days)
        return "\(pad(y, 4))-\(pad(Int64(m), 2))-\(pad(Int64(d), 2))"
    }

    /// A day count `months` months later, the day kept within the month.
    package static func adding(months: Int, to days: Int64) -> Int64 {
        let (y, m, d) = fromDays(days)
        let total = y * 12 + Int64(m - 1) + Int64(months)
        let ny = total / 12, nm = Int(total % 12) + 1
        var day = d
        while day > 28, fromDays(Self.days(year: ny, month: nm, day: day)).1 != nm { day -= 1 }
        return Self.days(year: ny, month: nm, day: day)
    }
}
