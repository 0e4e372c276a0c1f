import Foundation
import Testing
import VisivoProject
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoQuery
@testable import VisivoSupport

/// Query parameters on the connectors with a real database here (PostgreSQL's and the
/// cloud services' are in their build tests): each placeholder `InputBinding` writes is
/// bound by the database, a quote in a value is data, numbers compare as numbers and a
/// NULL is NULL.
@Suite(.serialized) struct ParameterTests {
    static let values: [JSONValue] = [.string("o'hara \"q\""), .number("41"), .number("2.5"), .null]

    /// `select <p1> as a, <p2> + 1 as b, <p3> * 2 as c, <p4> is null as d` in a dialect.
    static func statement(_ kind: Source.Kind) -> String {
        let p = (1...4).map { InputBinding.placeholder($0, Dialect(kind)) }
        return "select \(p[0]) as a, \(p[1]) + 1 as b, \(p[2]) * 2 as c, \(p[3]) is null as d"
    }

    @Test func sqlite() throws {
        let db = try SQLiteDatabase(path: ":memory:", label: "t", writable: true)
        var sink = PostgreSQLConnectionTests.CollectingSink()
        try db.run(Self.statement(.sqlite), parameters: Self.values, into: &sink)
        #expect(sink.rows == [[.string("o'hara \"q\""), .number("42"), .number("5.0"), .number("1")]])
    }

    @Test func duckdb() throws {
        try DuckDBTest.withDatabaseFile { path, _ in
            let c = try DuckDBTest.open(path)
            var sink = PostgreSQLConnectionTests.CollectingSink()
            try c.run("select $1::varchar as a, $2 + 1 as b, $3 * 2 as c, $4 is null as d", parameters: Self.values, into: &sink)
            #expect(sink.rows == [[.string("o'hara \"q\""), .number("42"), .number("5.0"), .bool(true)]])
            // A string compared with a number column is cast to the column's type.
            try c.run("create table t (amount double); insert into t values (10), (60)", into: &sink)
            var rows = PostgreSQLConnectionTests.CollectingSink()
            try c.run("select amount from t where amount >= $1", parameters: [.string("50")], into: &rows)
            #expect(rows.rows == [[.number("60.0")]])
        }
    }

    @Test func mysql() throws {
        let c = try MySQLConnectionTests.connect()
        var sink = PostgreSQLConnectionTests.CollectingSink()
        try c.run(Self.statement(.mysql), parameters: Self.values, into: &sink)
        #expect(sink.rows.count == 1)
        #expect(sink.rows.first?[0] == .string("o'hara \"q\""))
        #expect(sink.rows.first?[1] == .number("42"))
        #expect(sink.rows.first?[2] == .number("5") || sink.rows.first?[2] == .number("5.0"))
        #expect(sink.rows.first?[3] == .number("1"))
        // A value compared with a column of another collation than the connection's takes
        // the column's (a user variable read directly would not: "Illegal mix of collations").
        var rows = PostgreSQLConnectionTests.CollectingSink()
        try c.run("drop table if exists visivo_collation", into: &rows)
        try c.run("create table visivo_collation (name varchar(10) character set utf8mb4 collate utf8mb4_unicode_ci)", into: &rows)
        try c.run("insert into visivo_collation values ('a'), ('b'), ('a')", into: &rows)
        rows = PostgreSQLConnectionTests.CollectingSink()
        try c.run("select count(*) as n from visivo_collation where name = @visivo_p1 or name = @visivo_p1", parameters: [.string("a")], into: &rows)
        #expect(rows.rows == [[.number("2")]])
        try c.run("drop table visivo_collation", into: &rows)
    }

    @Test func postgresql() throws {
        let c = try PostgreSQLConnectionTests.connect()
        var sink = PostgreSQLConnectionTests.CollectingSink()
        try c.run("select $1::text as a, $2::int + 1 as b, $3::float8 * 2 as c, $4::text is null as d", parameters: Self.values, into: &sink)
        #expect(sink.rows == [[.string("o'hara \"q\""), .number("42"), .number("5.0"), .bool(true)]])
    }
}
