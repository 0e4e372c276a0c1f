import CMariaDB
import Foundation
import VisivoSupport

/// Query parameters for MySQL and MariaDB: a text query has no placeholders, so the values
/// go to the server by a prepared `SET @visivo_p1 = ?, ...` (bound in the binary protocol,
/// never in SQL text), and the query reads the variables.
enum MySQLParameters {
    static func set(_ values: [JSONValue], on mysql: UnsafeMutablePointer<MYSQL>, source: String) throws {
        guard let stmt = mysql_stmt_init(mysql) else { throw ConnectorError(source: source, message: "could not prepare the query's parameters") }
        defer { mysql_stmt_close(stmt) }
        let text = "SET " + (1...values.count).map { "@visivo_p\($0) = ?" }.joined(separator: ", ")
        guard mysql_stmt_prepare(stmt, text, UInt(text.utf8.count)) == 0 else { throw error(stmt, source: source) }
        let n = values.count
        let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: n)
        let nulls = UnsafeMutablePointer<my_bool>.allocate(capacity: n)
        let integers = UnsafeMutablePointer<Int64>.allocate(capacity: n)
        let doubles = UnsafeMutablePointer<Double>.allocate(capacity: n)
        var texts: [UnsafeMutablePointer<CChar>?] = Array(repeating: nil, count: n)
        defer {
            lengths.deallocate()
            nulls.deallocate()
            integers.deallocate()
            doubles.deallocate()
            for t in texts { free(t) }
        }
        var binds = [MYSQL_BIND](repeating: MYSQL_BIND(), count: n)
        for (i, v) in values.enumerated() {
            nulls[i] = 0
            lengths[i] = 0
            switch v {
            case .null:
                nulls[i] = 1
                binds[i].buffer_type = MYSQL_TYPE_NULL
            case .number(let t) where Int64(t) != nil:
                integers[i] = Int64(t)!
                binds[i].buffer_type = MYSQL_TYPE_LONGLONG
                binds[i].buffer = UnsafeMutableRawPointer(integers + i)
            case .number(let t) where Double(t) != nil:
                doubles[i] = Double(t)!
                binds[i].buffer_type = MYSQL_TYPE_DOUBLE
                binds[i].buffer = UnsafeMutableRawPointer(doubles + i)
            default:
                let s = v.text ?? ""
                texts[i] = strdup(s)
                lengths[i] = UInt(s.utf8.count)
                binds[i].buffer_type = MYSQL_TYPE_STRING
                binds[i].buffer = UnsafeMutableRawPointer(texts[i])
                binds[i].buffer_length = UInt(s.utf8.count)
            }
            binds[i].length = lengths + i
            binds[i].is_null = nulls + i
        }
        let bound = binds.withUnsafeMutableBufferPointer { mysql_stmt_bind_param(stmt, $0.baseAddress) }
        guard bound == 0, mysql_stmt_execute(stmt) == 0 else { throw error(stmt, source: source) }
    }

    static func error(_ stmt: UnsafeMutablePointer<MYSQL_STMT>, source: String) -> ConnectorError {
        let code = mysql_stmt_errno(stmt)
        let message = mysql_stmt_error(stmt).map { String(cString: $0) } ?? "the query's parameters could not be set"
        return ConnectorError(source: source, message: message, code: code == 0 ? nil : String(code))
    }
}
