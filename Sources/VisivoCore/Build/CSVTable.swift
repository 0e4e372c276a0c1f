import Foundation

/// A CSV document (RFC 4180) typed per column the way the reference CLI's pandas types it.
public struct CSVTable: Sendable, Equatable {
    public enum ColumnType: String, Sendable, Equatable { case integer = "INTEGER", real = "REAL", boolean = "INTEGER_BOOL", text = "TEXT" }

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case empty
        case unterminatedQuote(line: Int)
        case badQuote(line: Int)
        case ragged(line: Int, expected: Int, found: Int)

        public var description: String {
            switch self {
            case .empty: return "the script printed no CSV header"
            case .unterminatedQuote(let l): return "malformed CSV: a quoted field starting on line \(l) never ends"
            case .badQuote(let l): return "malformed CSV: unexpected character after a closing quote on line \(l)"
            case .ragged(let l, let e, let f): return "malformed CSV: line \(l) has \(f) fields, the header has \(e)"
            }
        }
    }

    public var header: [String]
    public var types: [ColumnType]
    /// Typed cells: `.null`, `.number`, `.string`.
    public var rows: [[JSONValue]]

    /// Parses and types `bytes` (a UTF-8 BOM and CRLF line ends are accepted).
    public init(parsing bytes: [UInt8]) throws(ParseError) {
        var records = try Self.records(bytes)
        guard !records.isEmpty else { throw .empty }
        header = records.removeFirst()
        let width = header.count
        for (i, r) in records.enumerated() where r.count != width {
            throw .ragged(line: i + 2, expected: width, found: r.count)
        }
        types = (0..<width).map { c in Self.inferType(records.lazy.map { $0[c] }) }
        let types = self.types
        rows = records.map { r in (0..<width).map { Self.typedValue(r[$0], types[$0]) } }
    }

    /// Splits into records of fields; a final empty line does not count.
    static func records(_ input: [UInt8]) throws(ParseError) -> [[String]] {
        var bytes = input[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var i = bytes.startIndex
        var line = 1
        var fieldStarted = false
        func endField() { record.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") && field.isEmpty && !fieldStarted {
                let startLine = line
                i += 1
                var closed = false
                while i < bytes.endIndex {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\"") {
                        if i + 1 < bytes.endIndex && bytes[i + 1] == UInt8(ascii: "\"") {
                            field.append(c); i += 2; continue
                        }
                        i += 1; closed = true; break
                    }
                    if c == UInt8(ascii: "\n") { line += 1 }
                    field.append(c); i += 1
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
                endField(); fieldStarted = false
            case UInt8(ascii: "\r"):
                if i + 1 < bytes.endIndex && bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                fallthrough
            case UInt8(ascii: "\n"):
                endField(); fieldStarted = false
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
                line += 1
            default:
                field.append(b); fieldStarted = true
            }
            i += 1
        }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            endField()
            if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
        }
        return records
    }

    /// Empty cells are NULL; then all integers -> INTEGER, all numbers -> REAL,
    /// all true/false -> boolean (stored 1/0), else TEXT.
    static func inferType<S: Sequence<String>>(_ cells: S) -> ColumnType {
        var allInt = true, allNum = true, allBool = true, any = false
        for c in cells where !c.isEmpty {
            any = true
            let t = Substring(c)
            if allInt && !isInteger(t) { allInt = false }
            if allNum && !NumberSyntax.isDecimalNumber(t) { allNum = false }
            if allBool { let l = c.lowercased(); if l != "true" && l != "false" { allBool = false } }
            if !allInt && !allNum && !allBool { return .text }
        }
        if !any { return .text }
        if allInt { return .integer }
        if allNum { return .real }
        if allBool { return .boolean }
        return .text
    }

    static func isInteger(_ s: Substring) -> Bool {
        var t = s
        if t.first == "-" || t.first == "+" { t = t.dropFirst() }
        return !t.isEmpty && t.count <= 18 && t.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func typedValue(_ cell: String, _ type: ColumnType) -> JSONValue {
        if cell.isEmpty { return .null }
        switch type {
        case .integer: return .number(String(Int64(cell.hasPrefix("+") ? String(cell.dropFirst()) : cell)!))
        case .real: return .double(Double(cell)!)
        case .boolean: return .number(cell.lowercased() == "true" ? "1" : "0")
        case .text: return .string(cell)
        }
    }

    /// The SQLite column type a column gets.
    static func sqliteType(_ t: ColumnType) -> String {
        switch t {
        case .integer, .boolean: return "INTEGER"
        case .real: return "REAL"
        case .text: return "TEXT"
        }
    }

    /// Writes the table into a new SQLite file at `path` (replacing it atomically).
    public func write(toSQLite path: String, table: String, label: String, scratch: String? = nil) throws {
        try SQLiteDatabase.writeTable(
            rows, columns: zip(header, types).map { ($0, Self.sqliteType($1)) }, table: table, to: path, label: label, scratch: scratch)
    }
}
