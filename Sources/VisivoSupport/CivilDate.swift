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
}
