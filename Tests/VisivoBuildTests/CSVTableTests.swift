import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoConnectors
@testable import VisivoQuery
@testable import VisivoSupport

@Suite struct CSVTableTests {
    func table(_ text: String) throws -> CSVTable { try CSVTable(parsing: Array(text.utf8)) }

    @Test func rfc4180QuotingCRLFAndBOM() throws {
        let t = try table("\u{FEFF}name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\nthen left\"\r\nplain,\r\n")
        #expect(t.header == ["name", "note"])
        #expect(t.rows == [[.string("Smith, J"), .string("said \"hi\"\nthen left")], [.string("plain"), .null]])
    }

    @Test func typesLikeTheReference() throws {
        let t = try table("i,r,b,d,t,e,n\n007,1.5,TRUE,2024-01-03,x,,1\n-2,3,false,2024-02-01,5,,2\n,,,,,,3\n")
        // An integer column with a missing value is a float one, as in pandas.
        #expect(t.types == [.real, .real, .boolean, .text, .text, .text, .integer])
        #expect(t.rows[0] == [.double(7), .double(1.5), .number("1"), .string("2024-01-03"), .string("x"), .null, .number("1")])
        #expect(t.rows[1] == [.double(-2), .double(3), .number("0"), .string("2024-02-01"), .string("5"), .null, .number("2")])
        #expect(t.rows[2] == Array(repeating: .null, count: 6) + [.number("3")])
    }

    /// pandas' rules for untidy cells: numbers through surrounding spaces and with a `+`,
    /// its missing-value words in any column, infinities, booleans in three spellings only.
    @Test func untidyCellsTypeAsPandasTypesThem() throws {
        let t = try table("a,b,c,d,e,f,g\n38 , +5,1e3, 7 ,inf,NA,true\n 4,-2,2.5,8,nan,N/A,False\n5 ,3,1,null,-Infinity,x,TRUE\n")
        #expect(t.types == [.integer, .integer, .real, .real, .real, .text, .boolean])
        #expect(t.rows[0] == [.number("38"), .number("5"), .double(1000), .double(7), .null, .null, .number("1")])
        #expect(t.rows[1] == [.number("4"), .number("-2"), .double(2.5), .double(8), .null, .null, .number("0")])
        #expect(t.rows[2] == [.number("5"), .number("3"), .double(1), .null, .null, .string("x"), .number("1")])
        // Text keeps its spaces; a boolean in another spelling is text.
        let u = try table("s,b\n x ,tRUE\ny,false\n")
        #expect(u.types == [.text, .text])
        #expect(u.rows[0] == [.string(" x "), .string("tRUE")])
    }

    @Test func malformedInput() {
        #expect(throws: CSVTable.ParseError.unterminatedQuote(line: 2)) { try table("a\n\"open\n") }
        #expect(throws: CSVTable.ParseError.ragged(line: 3, expected: 2, found: 3)) { try table("a,b\n1,2\n1,2,3\n") }
        #expect(throws: CSVTable.ParseError.badQuote(line: 2)) { try table("a\n\"x\"y\n") }
        #expect(throws: CSVTable.ParseError.empty) { try table("") }
    }

    /// The byte-level number checks give NumberSyntax's answers.
    @Test func byteChecksAgreeWithNumberSyntax() {
        let cases = [
            "1", "-1", "+1", "", "-", "+", "1.", ".5", "1.5", "1e3", "1E-3", "1e", "e3", "1.5e+2", " 1", "1 ", "0x1", "١", "12a", "--1", "1.2.3",
            String(repeating: "9", count: 18), String(repeating: "9", count: 19), "true", "TRUE", "False", "yes", "tru",
        ]
        for c in cases {
            let bytes = Array(c.utf8)
            #expect(CSVTable.isDecimalNumber(bytes) == NumberSyntax.isDecimalNumber(Substring(c)), "\(c)")
            let sign = c.first == "-" || c.first == "+" ? 1 : 0
            let integer = c.count > sign && c.count - sign <= 18 && c.dropFirst(sign).allSatisfy { $0.isASCII && $0.isNumber }
            #expect(CSVTable.isInteger(bytes) == integer, "\(c)")
            #expect(CSVTable.isBoolean(bytes) == ["true", "false"].contains(c.lowercased()), "\(c)")
        }
    }

    @Test func writesATypedSQLiteTable() throws {
        try withTemporaryDirectory { dir in
            let t = try table("id,score,name\n1,2.5,a\n2,,b\n")
            try t.write(toSQLite: dir + "/m.sqlite", table: "people", label: "m")
            let db = try SQLiteDatabase(path: dir + "/m.sqlite", label: "m")
            var sink = TraceData(dialect: Dialect(.sqlite))
            try db.run("select typeof(id) as \"props.a\", typeof(score) as \"props.b\", name as \"props.c\", 'x' as cohort_on from people", into: &sink)
            #expect(sink.json() == #"{"x":{"props.a":["integer","integer"],"props.b":["real","null"],"props.c":["a","b"]}}"#)
        }
    }
}

@Suite struct SchedulerTests {
    /// db(0) -> m(1) -> t1(2), t2(3), t3(4) -> chart(5); t1..t3 hold source "db".
    func scheduler(limit: Int, threads: Int) -> Scheduler {
        let needs: [[Int]] = [[], [0], [1], [1], [1], [2, 3, 4]]
        var dependents: [[Int]] = Array(repeating: [], count: 6)
        for (i, n) in needs.enumerated() { for j in n { dependents[j].append(i) } }
        return Scheduler(
            needs: needs, dependents: dependents, resource: [nil, nil, "db", "db", "db", nil], limits: ["db": limit], threads: threads, nodes: Set(0..<6))
    }

    @Test func respectsDependenciesAndSourceLimit() {
        var s = scheduler(limit: 2, threads: 8)
        #expect(s.next() == 0)
        #expect(s.next() == nil)
        s.finish(0, .succeeded)
        #expect(s.next() == 1)
        s.finish(1, .succeeded)
        #expect(s.next() == 2)
        #expect(s.next() == 3)
        #expect(s.next() == nil)  // the source's limit, not the thread budget
        s.finish(2, .succeeded)
        #expect(s.next() == 4)
        s.finish(3, .succeeded)
        s.finish(4, .succeeded)
        #expect(s.next() == 5)
        s.finish(5, .succeeded)
        #expect(s.isDone)
    }

    @Test func threadBudget() {
        var s = scheduler(limit: 8, threads: 1)
        #expect(s.next() == 0)
        s.finish(0, .succeeded)
        #expect(s.next() == 1)
        s.finish(1, .succeeded)
        #expect(s.next() == 2)
        #expect(s.next() == nil)
    }

    @Test func failureSkipsDependentsOnly() {
        var s = scheduler(limit: 8, threads: 8)
        s.finish(s.next()!, .succeeded)
        s.finish(s.next()!, .succeeded)
        let a = s.next()!, b = s.next()!, c = s.next()!
        #expect(s.finish(a, .failed) == [5])
        s.finish(b, .succeeded)
        s.finish(c, .succeeded)
        #expect(s.next() == nil)
        #expect(s.isDone)
        #expect(s.skipped == [5])
    }

    @Test func stopLetsRunningNodesFinish() {
        var s = scheduler(limit: 8, threads: 8)
        let first = s.next()!
        s.stop()
        #expect(!s.isDone)
        s.finish(first, .cancelled)
        #expect(s.isDone)
        #expect(s.next() == nil)
    }
}
