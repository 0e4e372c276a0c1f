import VisivoConnectors
import VisivoSupport

/// How CSV cells are read, the way pandas reads them for the reference CLI: the column
/// types as cells are seen, pandas' missing-value words, numbers through spaces and signs,
/// and a cell's value for `data.json` and for SQLite.
extension CSVTable {
    /// A column's type as its cells are seen, one at a time.
    struct Inference {
        var allInt = true, allNum = true, allBool = true, any = false, anyMissing = false

        mutating func see(_ cell: [UInt8]) {
            if CSVTable.isMissing(cell) {
                anyMissing = true
                return
            }
            guard allInt || allNum || allBool else { return }
            any = true
            let number = CSVTable.trimmed(cell)
            if allInt && !CSVTable.isInteger(number) { allInt = false }
            if allNum && !CSVTable.isDecimalNumber(number) && !CSVTable.isInfinity(number) { allNum = false }
            if allBool && !CSVTable.isBoolean(cell) { allBool = false }
        }

        var type: ColumnType {
            if !any { return .text }
            // pandas has no integer with a missing value: such a column is a float one.
            if allInt { return anyMissing ? .real : .integer }
            if allNum { return .real }
            if allBool { return .boolean }
            return .text
        }
    }

    /// Binds a cell as its column's type (an empty cell is NULL).
    static func bind(_ cell: [UInt8], _ type: ColumnType, at i: Int32, to insert: SQLiteStatement) throws {
        if isMissing(cell) { return try insert.bindNull(i) }
        switch type {
        case .integer: try insert.bind(i, integerValue(trimmed(cell)))
        case .real: try insert.bind(i, realValue(trimmed(cell)))
        case .boolean: try insert.bind(i, booleanValue(cell))
        case .text:
            // ASCII goes as it is; anything else through String, which repairs invalid
            // UTF-8 (U+FFFD), as the header and `rows` do.
            if cell.allSatisfy({ $0 < 0x80 }) {
                try insert.bind(i, text: cell)
            } else {
                try insert.bind(i, text: Array(String(decoding: cell, as: UTF8.self).utf8))
            }
        }
    }

    /// `NumberSyntax`'s rules, on bytes: the same answers, without making a string per cell.
    static func isInteger(_ b: [UInt8]) -> Bool { isInteger(b[...]) }
    static func isDecimalNumber(_ b: [UInt8]) -> Bool { isDecimalNumber(b[...]) }

    static func isInteger(_ b: ArraySlice<UInt8>) -> Bool {
        var i = b.startIndex
        if i < b.endIndex, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
        let digits = b.endIndex - i
        guard digits > 0, digits <= 18 else { return false }
        while i < b.endIndex {
            guard b[i] &- 0x30 < 10 else { return false }
            i += 1
        }
        return true
    }

    static func isDecimalNumber(_ b: ArraySlice<UInt8>) -> Bool {
        var i = b.startIndex
        func digits() -> Int {
            let start = i
            while i < b.endIndex, b[i] &- 0x30 < 10 { i += 1 }
            return i - start
        }
        if i < b.endIndex, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
        var n = digits()
        if i < b.endIndex, b[i] == UInt8(ascii: ".") {
            i += 1
            n += digits()
        }
        guard n > 0 else { return false }
        if i < b.endIndex, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.endIndex, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == b.endIndex
    }

    /// What pandas reads as a boolean: `True`, `TRUE`, `true`, and the same for false.
    static func isBoolean(_ b: [UInt8]) -> Bool { booleanWords.contains(b) }

    static let booleanWords: Set<[UInt8]> = Set(["True", "TRUE", "true", "False", "FALSE", "false"].map { Array($0.utf8) })

    /// A boolean cell's value, 1 or 0 (checked by `isBoolean` first).
    static func booleanValue(_ cell: [UInt8]) -> Int64 { cell.first.map { $0 | 0x20 == UInt8(ascii: "t") } == true ? 1 : 0 }

    /// `inf` or `infinity` in any case, with an optional sign (pandas reads it as a float).
    static func isInfinity(_ b: ArraySlice<UInt8>) -> Bool {
        var s = b
        if s.first == UInt8(ascii: "-") || s.first == UInt8(ascii: "+") { s = s.dropFirst() }
        guard s.count == 3 || s.count == 8 else { return false }
        let lower = s.map { $0 | 0x20 }
        return lower.elementsEqual("inf".utf8) || lower.elementsEqual("infinity".utf8)
    }

    /// A cell as its column's type: NULL when empty or one of pandas' missing-value words.
    static func typedValue(_ cell: [UInt8], _ type: ColumnType) -> JSONValue {
        if isMissing(cell) { return .null }
        switch type {
        case .integer: return .int(integerValue(trimmed(cell)))
        case .real: return .double(realValue(trimmed(cell)))
        case .boolean: return .int(booleanValue(cell))
        case .text: return .string(String(decoding: cell, as: UTF8.self))
        }
    }

    /// The words pandas reads as a missing value by default (`na_values`), and the empty cell.
    static let missingWords: Set<[UInt8]> = Set(
        [
            "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None",
            "n/a", "nan", "null",
        ].map { Array($0.utf8) })

    static func isMissing(_ cell: [UInt8]) -> Bool { cell.isEmpty || (cell.count <= 8 && missingWords.contains(cell)) }

    /// The cell without the spaces and tabs around it (pandas reads numbers through them).
    static func trimmed(_ cell: [UInt8]) -> ArraySlice<UInt8> {
        var s = cell[...]
        while let f = s.first, f == 0x20 || f == 0x09 { s = s.dropFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 { s = s.dropLast() }
        return s
    }

    /// An integer cell's value (checked by `isInteger` first).
    static func integerValue(_ b: ArraySlice<UInt8>) -> Int64 {
        var v: Int64 = 0
        var digits = b
        let negative = b.first == UInt8(ascii: "-")
        if negative || b.first == UInt8(ascii: "+") { digits = b.dropFirst() }
        for d in digits { v = v * 10 + Int64(d &- 0x30) }
        return negative ? -v : v
    }

    /// A real cell's value (checked by `isDecimalNumber` or `isInfinity` first).
    static func realValue(_ b: ArraySlice<UInt8>) -> Double {
        if isInfinity(b) { return b.first == UInt8(ascii: "-") ? -.infinity : .infinity }
        return Double(String(decoding: b, as: UTF8.self)) ?? 0
    }
}
