import Foundation
import VisivoSupport

/// Text forms of DuckDB's date/time, interval, bit string, bignum and UUID values.
enum DuckDBText {
    /// `150`, scale 2 -> `1.50`; `-5`, scale 2 -> `-0.05`.
    static func decimal(_ v: Int128, scale: Int) -> String {
        var digits = String(v.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return v < 0 ? "-" + digits : digits
    }

    private static func pad(_ v: Int64, _ width: Int) -> String { CivilDate.pad(v, width) }

    /// `2024-01-03`. Years outside 1...9999 use ISO 8601's expanded form with astronomical
    /// numbering (year 0 is 1 BC): `-0043-03-15`, `12000-01-01`.
    static func date(year: Int64, month: Int, day: Int) -> String {
        let y = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return y + "-" + pad(Int64(month), 2) + "-" + pad(Int64(day), 2)
    }

    static func date(days: Int32) -> String {
        if days == Int32.max { return "infinity" }
        if days == -Int32.max { return "-infinity" }
        let c = CivilDate.fromDays(Int64(days))
        return date(year: c.year, month: c.month, day: c.day)
    }

    /// `08:15:00`, `08:15:00.5` (fraction only when non-zero, trailing zeros dropped).
    static func timeOfDay(_ units: Int64, unit: DuckDBType.TimeUnit) -> String {
        let perSecond = unit.perSecond
        let seconds = units / perSecond
        let fraction = units % perSecond
        var s = pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if fraction != 0 {
            var f = pad(fraction, unit.fractionDigits)
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s
    }

    static func time(_ units: Int64, unit: DuckDBType.TimeUnit) -> String {
        units < 0 ? "-" + timeOfDay(-units, unit: unit) : timeOfDay(units, unit: unit)
    }

    /// TIME WITH TIME ZONE: `08:15:00+05:30` (the offset as stored, always as ±HH:MM).
    /// DuckDB packs it in 64 bits: microseconds in the top 40, then 24 bits holding
    /// 57599 - (offset in seconds).
    static func timeTZ(_ bits: UInt64) -> String {
        let micros = Int64(bits >> 24)
        let offset = 57_599 - Int64(bits & 0xFF_FFFF)
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        var s = timeOfDay(micros, unit: .micros) + sign + pad(a / 3600, 2) + ":" + pad(a / 60 % 60, 2)
        if a % 60 != 0 { s += ":" + pad(a % 60, 2) }
        return s
    }

    /// `2024-01-03T08:15:00` (+ fraction when non-zero, + `Z` when `zoned`: DuckDB stores
    /// TIMESTAMP WITH TIME ZONE as UTC). ±infinity as `infinity` / `-infinity`.
    static func timestamp(_ value: Int64, unit: DuckDBType.TimeUnit, zoned: Bool) -> String {
        if value == Int64.max { return "infinity" }
        if value == -Int64.max { return "-infinity" }
        let perDay = unit.perSecond * 86_400
        var days = value / perDay
        var rest = value % perDay
        if rest < 0 {
            days -= 1
            rest += perDay
        }
        let c = CivilDate.fromDays(days)
        return date(year: c.year, month: c.month, day: c.day) + "T" + timeOfDay(rest, unit: unit) + (zoned ? "Z" : "")
    }

    /// DuckDB's own interval text (what `CAST(i AS VARCHAR)` prints):
    /// `1 year 2 months 3 days 04:05:06.789`, `-1 day -00:00:01`, `00:00:00`.
    static func interval(months: Int32, days: Int32, micros: Int64) -> String {
        var parts: [String] = []
        func unit(_ n: Int64, _ name: String) {
            parts.append("\(n) \(name)" + (n == 1 || n == -1 ? "" : "s"))
        }
        let years = Int64(months) / 12
        let restMonths = Int64(months) % 12
        if years != 0 { unit(years, "year") }
        if restMonths != 0 { unit(restMonths, "month") }
        if days != 0 { unit(Int64(days), "day") }
        if micros != 0 {
            let negative = micros < 0
            let m = micros.magnitude
            let hours = m / 3_600_000_000
            let minutes = m / 60_000_000 % 60
            let seconds = m / 1_000_000 % 60
            let fraction = m % 1_000_000
            var s = (negative ? "-" : "") + pad(Int64(hours), 2) + ":" + pad(Int64(minutes), 2) + ":" + pad(Int64(seconds), 2)
            if fraction != 0 {
                var f = pad(Int64(fraction), 6)
                while f.hasSuffix("0") { f.removeLast() }
                s += "." + f
            }
            parts.append(s)
        }
        return parts.isEmpty ? "00:00:00" : parts.joined(separator: " ")
    }

    /// A BIT string: the first byte counts the padding bits at the start of the second.
    static func bits(_ bytes: UnsafeRawBufferPointer) -> String {
        guard let padding = bytes.first else { return "" }
        var out = ""
        out.reserveCapacity((bytes.count - 1) * 8)
        var index = 0
        for byte in bytes.dropFirst() {
            for bit in (0..<8).reversed() {
                if index >= Int(padding) { out.append(byte & (1 << bit) != 0 ? "1" : "0") }
                index += 1
            }
        }
        return out
    }

    /// BIGNUM (VARINT) as decimal text. Its blob is a 3-byte header (top bit set for a
    /// non-negative value; the rest is the byte count) and the big-endian magnitude; a
    /// negative value has every byte, header included, inverted.
    static func bignum(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= 3 else { return nil }
        let negative = bytes[0] & 0x80 == 0
        // The magnitude as base-1e9 limbs, most significant first.
        var limbs: [UInt32] = [0]
        for byte in bytes.dropFirst(3) {
            var carry = UInt64(negative ? ~byte : byte)
            for i in stride(from: limbs.count - 1, through: 0, by: -1) {
                let v = UInt64(limbs[i]) * 256 + carry
                limbs[i] = UInt32(v % 1_000_000_000)
                carry = v / 1_000_000_000
            }
            while carry > 0 {
                limbs.insert(UInt32(carry % 1_000_000_000), at: 0)
                carry /= 1_000_000_000
            }
        }
        var s = String(limbs[0])
        for limb in limbs.dropFirst() { s += pad(Int64(limb), 9) }
        return negative && s != "0" ? "-" + s : s
    }

    /// The canonical text of a UUID, which DuckDB stores as a HUGEINT with the top bit
    /// flipped (so that UUIDs sort as their text does).
    static func uuid(_ v: Int128) -> String {
        let bits = UInt128(bitPattern: v) ^ (UInt128(1) << 127)
        var hex = String(bits, radix: 16)
        if hex.count < 32 { hex = String(repeating: "0", count: 32 - hex.count) + hex }
        let u = Array(hex)
        return String(u[0..<8]) + "-" + String(u[8..<12]) + "-" + String(u[12..<16]) + "-" + String(u[16..<20]) + "-" + String(u[20..<32])
    }
}
