import Foundation
import VisivoConnectors
import VisivoSupport

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
    /// The document itself: rows are read from it as they are needed, one at a time, so a
    /// large CSV costs its own size in memory and little more.
    let bytes: ArraySlice<UInt8>

    /// Parses and types `bytes` (a UTF-8 BOM and CRLF line ends are accepted): the header,
    /// every row's shape and each column's type, keeping no rows.
    public init(parsing bytes: some Collection<UInt8>) throws(ParseError) {
        self.bytes = (bytes as? ArraySlice<UInt8>) ?? (bytes as? [UInt8])?[...] ?? ArraySlice(bytes)
        var header: [String]? = nil
        var inference: [Inference] = []
        try Self.scan(self.bytes) { (fields: [[UInt8]], count: Int, line: Int) throws(ParseError) in
            guard let width = header?.count else {
                header = fields[..<count].map { String(decoding: $0, as: UTF8.self) }
                inference = Array(repeating: Inference(), count: count)
                return
            }
            guard count == width else { throw .ragged(line: line, expected: width, found: count) }
            for c in 0..<count { inference[c].see(fields[c]) }
        }
        guard let header else { throw .empty }
        self.header = header
        types = inference.map(\.type)
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
