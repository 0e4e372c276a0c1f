import CMariaDB
import Foundation
import VisivoProject
import VisivoSupport

/// How result values of MySQL and MariaDB columns become JSON.
extension MySQLConnection {
    /// One result column: its name and how its text-protocol values become JSON.
    struct Field {
        var name: String
        var kind: Kind

        enum Kind {
            case integer, float, decimal, bit, datetime, timestamp, binary, text
        }

        init(_ f: MYSQL_FIELD) {
            name = f.name.map { String(cString: $0) } ?? ""
            kind = Self.kind(type: f.type, charset: f.charsetnr)
        }

        /// 63 is the `binary` character set: BLOB, BINARY, VARBINARY (not TEXT).
        static func kind(type: enum_field_types, charset: UInt32) -> Kind {
            switch type {
            case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_INT24, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
                return .integer
            case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
                return .float
            case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL:
                return .decimal
            case MYSQL_TYPE_BIT:
                return .bit
            case MYSQL_TYPE_DATETIME, MYSQL_TYPE_DATETIME2:
                return .datetime
            case MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_TIMESTAMP2:
                return .timestamp
            case MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_MEDIUM_BLOB, MYSQL_TYPE_LONG_BLOB, MYSQL_TYPE_BLOB,
                MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_STRING, MYSQL_TYPE_VARCHAR, MYSQL_TYPE_GEOMETRY:
                return charset == 63 ? .binary : .text
            default:  // DATE, TIME, JSON, ENUM, SET, NULL
                return .text
            }
        }

        func encode(_ bytes: UnsafeRawBufferPointer) -> JSONValue {
            switch kind {
            case .integer, .decimal:
                // ZEROFILL columns and YEAR 0 come with leading zeros (`00042`, `0000`).
                let text = String(decoding: bytes, as: UTF8.self)
                return .number(
                    text.utf8.count > 1 && text.utf8.first == UInt8(ascii: "0") && !text.hasPrefix("0.")
                        ? NumberSyntax.jsonNumber(normalizing: text) : text)
            case .float:
                let text = String(decoding: bytes, as: UTF8.self)
                return Double(text).map(JSONValue.double) ?? .string(text)
            case .bit:
                // BIT(n) arrives as n/8 big-endian bytes: an unsigned integer.
                var v: UInt64 = 0
                for b in bytes { v = v << 8 | UInt64(b) }
                return .number(String(v))
            case .datetime:
                return .string(Self.isoDateTime(String(decoding: bytes, as: UTF8.self), zoned: false))
            case .timestamp:
                return .string(Self.isoDateTime(String(decoding: bytes, as: UTF8.self), zoned: true))
            case .binary:
                return .string(Data(bytes).base64EncodedString())
            case .text:
                return .string(String(decoding: bytes, as: UTF8.self))
            }
        }

        /// `2024-01-03 08:15:00[.120000]` -> `2024-01-03T08:15:00[.12]` (+ `Z` for TIMESTAMP,
        /// which the session shows in UTC). Zero dates (`0000-00-00 ...`) stay as they are.
        static func isoDateTime(_ text: String, zoned: Bool) -> String {
            guard !text.hasPrefix("0000-00-00"), let space = text.firstIndex(of: " ") else { return text }
            var s = text
            s.replaceSubrange(space...space, with: "T")
            if let dot = s.firstIndex(of: ".") {
                while s.last == "0" { s.removeLast() }
                if s.index(after: dot) == s.endIndex { s.remove(at: dot) }
            }
            return zoned ? s + "Z" : s
        }
    }
}
