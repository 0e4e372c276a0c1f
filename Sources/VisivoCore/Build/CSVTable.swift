import Foundation

/// A CSV document (RFC 4180) typed per column the way the reference CLI's pandas types it.
public struct CSVTable: Sendable, Equatable {
    public enum ColumnType: String, Sendable, Equatable { case integer = "INTEGER", real = "REAL", boolean = "INTEGER_BOOL", text = "TEXT" }

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        public static func == (a: ParseError, b: ParseError) -> Bool { a.description == b.description }

        case empty
        case unterminatedQuote(line: Int)
        case badQuote(line: Int)
        case ragged(line: Int, expected: Int, found: Int)
        /// An error of the code handed the rows (`forEachRow`), carried through the scan.
        case rowHandler(any Error)

        public var description: String {
            switch self {
            case .empty: return "the script printed no CSV header"
            case .unterminatedQuote(let l): return "malformed CSV: a quoted field starting on line \(l) never ends"
            case .badQuote(let l): return "malformed CSV: unexpected character after a closing quote on line \(l)"
            case .ragged(let l, let e, let f): return "malformed CSV: line \(l) has \(f) fields, the header has \(e)"
            case .rowHandler(let error): return "\(error)"
            }
        }
    }

    /// Changes whenever the typing rules change (it is part of a CSV model's output).
    public static let typingVersion = 2

    public var header: [String]
    public var types: [ColumnType]
    /// How many data rows the document has.
    public private(set) var rowCount = 0
    /// The document itself: rows are read from it as they are needed, one at a time, so a
    /// large CSV costs its own size in memory and little more.
    let bytes: ArraySlice<UInt8>

    /// Parses and types `bytes` (a UTF-8 BOM and CRLF line ends are accepted): the header,
    /// every row's shape and each column's type, keeping no rows.
    public init(parsing bytes: some Collection<UInt8>) throws(ParseError) {
        self.bytes = (bytes as? ArraySlice<UInt8>) ?? (bytes as? [UInt8])?[...] ?? ArraySlice(bytes)
        var header: [String]? = nil
        var inference: [Inference] = []
        var rows = 0
        try Self.scan(self.bytes) { (fields: [[UInt8]], count: Int, line: Int) throws(ParseError) in
            guard let width = header?.count else {
                header = fields[..<count].map { String(decoding: $0, as: UTF8.self) }
                inference = Array(repeating: Inference(), count: count)
                return
            }
            guard count == width else { throw .ragged(line: line, expected: width, found: count) }
            for c in 0..<count { inference[c].see(fields[c]) }
            rows += 1
        }
        guard let header else { throw .empty }
        self.header = header
        types = inference.map(\.type)
        rowCount = rows
    }

    /// Every data row, typed, in order (the header excluded).
    public func forEachRow(_ body: ([JSONValue]) throws -> Void) throws {
        let types = self.types
        var first = true
        var row: [JSONValue] = []
        row.reserveCapacity(types.count)
        do {
            try Self.scan(bytes) { (fields: [[UInt8]], count: Int, _: Int) throws(ParseError) in
                if first {
                    first = false
                    return
                }
                row.removeAll(keepingCapacity: true)
                for c in 0..<count { row.append(Self.typedValue(fields[c], types[c])) }
                do { try body(row) } catch { throw .rowHandler(error) }
            }
        } catch .rowHandler(let error) {
            throw error
        }
    }

    /// The typed rows, all at once (for small tables and tests).
    public var rows: [[JSONValue]] {
        var out: [[JSONValue]] = []
        try? forEachRow { out.append($0) }
        return out
    }

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

    /// Calls `record` for each record: its fields (the first `count` entries of a buffer
    /// reused between records) and the line it starts on. A final empty line does not count.
    static func scan(_ input: ArraySlice<UInt8>, _ record: ([[UInt8]], Int, Int) throws(ParseError) -> Void) throws(ParseError) {
        var bytes = input
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var fields: [[UInt8]] = []
        var count = 0
        var i = bytes.startIndex
        var line = 1
        var recordLine = 1
        var fieldStarted = false
        var fieldOpen = false
        func startField() {
            if count == fields.count { fields.append([]) } else { fields[count].removeAll(keepingCapacity: true) }
            count += 1
            fieldOpen = true
        }
        func endField() {
            if !fieldOpen { startField() }
            fieldOpen = false
        }
        func endRecord() throws(ParseError) {
            endField()
            fieldStarted = false
            if !(count == 1 && fields[0].isEmpty) { try record(fields, count, recordLine) }
            count = 0
        }
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") && !fieldStarted && (!fieldOpen || fields[count - 1].isEmpty) {
                let startLine = line
                if !fieldOpen { startField() }
                i += 1
                var closed = false
                while i < bytes.endIndex {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\"") {
                        if i + 1 < bytes.endIndex && bytes[i + 1] == UInt8(ascii: "\"") {
                            fields[count - 1].append(c)
                            i += 2
                            continue
                        }
                        i += 1
                        closed = true
                        break
                    }
                    if c == UInt8(ascii: "\n") { line += 1 }
                    fields[count - 1].append(c)
                    i += 1
                }
                if !closed { throw .unterminatedQuote(line: startLine) }
                fieldStarted = true
                if i < bytes.endIndex {
                    let n = bytes[i]
                    if n != UInt8(ascii: ",") && n != UInt8(ascii: "\n") && n != UInt8(ascii: "\r") { throw .badQuote(line: line) }
                }
                continue
            }
            switch b {
            case UInt8(ascii: ","):
                endField()
                fieldStarted = false
            case UInt8(ascii: "\r"):
                if i + 1 < bytes.endIndex && bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                fallthrough
            case UInt8(ascii: "\n"):
                try endRecord()
                line += 1
                recordLine = line
            default:
                // A run of plain bytes goes in at once.
                var end = i + 1
                while end < bytes.endIndex, bytes[end] != UInt8(ascii: ","), bytes[end] != UInt8(ascii: "\n"), bytes[end] != UInt8(ascii: "\r") { end += 1 }
                if !fieldOpen { startField() }
                fields[count - 1].append(contentsOf: bytes[i..<end])
                fieldStarted = true
                i = end
                continue
            }
            i += 1
        }
        if fieldStarted || fieldOpen || count > 0 { try endRecord() }
    }

    /// Binds a cell as its column's type (an empty cell is NULL).
    static func bind(_ cell: [UInt8], _ type: ColumnType, at i: Int32, to insert: SQLiteStatement) throws {
        if isMissing(cell) { return try insert.bindNull(i) }
        switch type {
        case .integer: try insert.bind(i, integerValue(trimmed(cell)))
        case .real: try insert.bind(i, realValue(trimmed(cell)))
        case .boolean: try insert.bind(i, Int64(cell.first.map { $0 | 0x20 == UInt8(ascii: "t") } == true ? 1 : 0))
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
        case .boolean: return .number(cell.first.map { $0 | 0x20 == UInt8(ascii: "t") } == true ? "1" : "0")
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

    /// The SQLite column type a column gets.
    static func sqliteType(_ t: ColumnType) -> String {
        switch t {
        case .integer, .boolean: return "INTEGER"
        case .real: return "REAL"
        case .text: return "TEXT"
        }
    }

    /// Writes the table into a new SQLite file at `path` (replacing it atomically), a row
    /// at a time.
    public func write(toSQLite path: String, table: String, label: String, scratch: String? = nil) throws {
        let types = self.types
        try SQLiteDatabase.writeTable(columns: zip(header, types).map { ($0, Self.sqliteType($1)) }, table: table, to: path, label: label, scratch: scratch) {
            (insert: SQLiteStatement) in
            // Cells go from the document's bytes to SQLite without a JSON value between.
            var first = true
            var failure: (any Error)?
            do {
                try Self.scan(bytes) { (fields: [[UInt8]], count: Int, _: Int) throws(ParseError) in
                    if first {
                        first = false
                        return
                    }
                    do {
                        insert.reset()
                        for c in 0..<count { try Self.bind(fields[c], types[c], at: Int32(c + 1), to: insert) }
                        _ = try insert.step()
                    } catch {
                        failure = error
                        throw .rowHandler(error)
                    }
                }
            } catch {
                throw failure ?? error
            }
        }
    }
}
