import CMariaDB
import Foundation
import VisivoSupport

/// Query parameters for MySQL and MariaDB. A text query has no placeholders, so the values
/// (and the statement) go to the server by a prepared `SET @visivo_p1 = ?, ...` (bound in
/// the binary protocol, never in SQL text); the statement, its `@visivo_pN` turned into
/// `?`, is then `PREPARE`d from its variable and run as `EXECUTE ... USING @visivo_p1, ...`,
/// whose rows stream like any text query's. (Read as `?` parameters, the values take the
/// collation of what they are compared with, as literals do; a variable read directly
/// would clash with a column of another collation.)
enum MySQLParameters {
    /// The statement to send in place of `sql`, once `prepare` has run.
    static func prepare(_ sql: String, _ values: [JSONValue], on mysql: UnsafeMutablePointer<MYSQL>, source: String) throws -> String {
        var order: [Int] = []
        var text = ""
        var rest = Substring(sql)
        while let r = rest.range(of: "@visivo_p") {
            let digits = rest[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
            guard let n = Int(digits), (1...values.count).contains(n) else {
                text += rest[..<r.upperBound]
                rest = rest[r.upperBound...]
                continue
            }
            text += rest[..<r.lowerBound] + "?"
            order.append(n)
            rest = rest[digits.endIndex...]
        }
        text += rest
        try set(values + [.string(text)], on: mysql, source: source, last: "visivo_sql")
        let prepare = "PREPARE visivo_statement FROM @visivo_sql"
        guard mysql_real_query(mysql, prepare, UInt(prepare.utf8.count)) == 0 else {
            let message = mysql_error(mysql).map { String(cString: $0) } ?? "could not prepare the statement"
            let code = mysql_errno(mysql)
            throw ConnectorError(source: source, message: message, code: code == 0 ? nil : String(code))
        }
        return "EXECUTE visivo_statement" + (order.isEmpty ? "" : " USING " + order.map { "@visivo_p\($0)" }.joined(separator: ", "))
    }

    /// `SET @visivo_p1 = ?, ...` (the last value into `@<last>` when named), bound.
    static func set(_ values: [JSONValue], on mysql: UnsafeMutablePointer<MYSQL>, source: String, last: String? = nil) throws {
        guard let stmt = mysql_stmt_init(mysql) else { throw ConnectorError(source: source, message: "could not prepare the query's parameters") }
        defer { mysql_stmt_close(stmt) }
        let names = (1...values.count).map { i in i == values.count && last != nil ? "@\(last!)" : "@visivo_p\(i)" }
        let text = "SET " + names.map { "\($0) = ?" }.joined(separator: ", ")
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
