import Foundation
import Synchronization
import Testing
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoProject
@testable import VisivoSupport

/// Shared by the DuckDB tests: the library comes from VISIVO_DUCKDB_LIBRARY, which
/// `make test` sets from scripts/duckdb-lib.sh. Without it the tests fail, never skip.
enum DuckDBTest {
    struct LibraryNotConfigured: Error, CustomStringConvertible {
        var description: String {
            "VISIVO_DUCKDB_LIBRARY is not set, so the DuckDB tests cannot load DuckDB. Run `make test` "
                + "(which sets it), or `export VISIVO_DUCKDB_LIBRARY=$(scripts/duckdb-lib.sh)` before `swift test`."
        }
    }

    static func libraryPath() throws -> String {
        guard let path = ProcessInfo.processInfo.environment[DuckDBLibrary.libraryVariable], !path.isEmpty else {
            throw LibraryNotConfigured()
        }
        return path
    }

    static func library() throws -> DuckDBLibrary {
        try DuckDBLibrary.load(path: libraryPath())
    }

    /// The environment a project build or a `Source` connection needs.
    static func environment() throws -> [String: String] {
        [DuckDBLibrary.libraryVariable: try libraryPath()]
    }

    /// A read-write connection to `path` (created when missing).
    static func open(_ path: String, readOnly: Bool = false, label: String = "duck") throws -> DuckDBConnection {
        try DuckDBConnection(path: path, readOnly: readOnly, label: label, library: library())
    }

    typealias Rows = PostgreSQLConnectionTests.CollectingSink

    static func query(_ connection: DuckDBConnection, _ sql: String) throws -> Rows {
        var sink = Rows()
        try connection.run(sql, into: &sink)
        return sink
    }

    /// Runs `body` with a fresh database file path in a temporary folder.
    static func withDatabaseFile<T>(_ body: (_ path: String, _ dir: String) throws -> T) throws -> T {
        try withTemporaryDirectory { dir in try body(dir + "/test.duckdb", dir) }
    }
}

@Suite struct DuckDBConnectionTests {
    typealias T = DuckDBTest

    /// (column, type, SQL literal, the JSON visivo must write).
    static let typeCases: [(String, String, String, String)] = [
        ("b", "BOOLEAN", "true", "true"),
        ("b2", "BOOLEAN", "false", "false"),
        ("i8", "TINYINT", "-128", "-128"),
        ("i16", "SMALLINT", "-32768", "-32768"),
        ("i32", "INTEGER", "-2147483648", "-2147483648"),
        ("i64", "BIGINT", "'-9223372036854775808'", "-9223372036854775808"),
        ("u8", "UTINYINT", "255", "255"),
        ("u16", "USMALLINT", "65535", "65535"),
        ("u32", "UINTEGER", "4294967295", "4294967295"),
        ("u64", "UBIGINT", "'18446744073709551615'", "18446744073709551615"),
        ("i128", "HUGEINT", "'-170141183460469231731687303715884105727'", "-170141183460469231731687303715884105727"),
        ("i128b", "HUGEINT", "'170141183460469231731687303715884105727'", "170141183460469231731687303715884105727"),
        ("u128", "UHUGEINT", "'340282366920938463463374607431768211455'", "340282366920938463463374607431768211455"),
        ("f", "FLOAT", "0.1", "0.1"),
        ("f2", "FLOAT", "'-3.5e20'", "-3.5e+20"),
        ("d", "DOUBLE", "0.1", "0.1"),
        ("d2", "DOUBLE", "1e300", "1e+300"),
        ("d3", "DOUBLE", "120", "120.0"),
        ("dec1", "DECIMAL(4,2)", "1.5", "1.50"),
        ("dec2", "DECIMAL(9,3)", "-0.005", "-0.005"),
        ("dec3", "DECIMAL(18,6)", "'123456789012.345678'", "123456789012.345678"),
        ("dec4", "DECIMAL(38,10)", "'-1234567890123456789012345678.0123456789'", "-1234567890123456789012345678.0123456789"),
        ("dec5", "DECIMAL(10,0)", "42", "42"),
        ("dt", "DATE", "'2024-01-03'", #""2024-01-03""#),
        ("tm", "TIME", "'08:15:00'", #""08:15:00""#),
        ("tm2", "TIME", "'23:59:59.250'", #""23:59:59.25""#),
        ("tmns", "TIME_NS", "'12:00:00.123456789'", #""12:00:00.123456789""#),
        ("ttz", "TIMETZ", "'12:00:00+05:30'", #""12:00:00+05:30""#),
        ("ttz2", "TIMETZ", "'08:15:00.5-08'", #""08:15:00.5-08:00""#),
        ("ts", "TIMESTAMP", "'2024-01-03 08:15:00'", #""2024-01-03T08:15:00""#),
        ("ts2", "TIMESTAMP", "'1969-12-31 23:59:59.999999'", #""1969-12-31T23:59:59.999999""#),
        ("tss", "TIMESTAMP_S", "'2024-01-03 08:15:00'", #""2024-01-03T08:15:00""#),
        ("tsms", "TIMESTAMP_MS", "'2024-01-03 08:15:00.5'", #""2024-01-03T08:15:00.5""#),
        ("tsns", "TIMESTAMP_NS", "'2024-01-03 08:15:00.123456789'", #""2024-01-03T08:15:00.123456789""#),
        ("tstz", "TIMESTAMPTZ", "'2024-01-03 08:15:00+02'", #""2024-01-03T06:15:00Z""#),
        ("tstzns", "TIMESTAMPTZ_NS", "'2024-01-03 08:15:00.000000001+00'", #""2024-01-03T08:15:00.000000001Z""#),
        ("iv", "INTERVAL", "'1 year 2 months 3 days 04:05:06.789'", #""1 year 2 months 3 days 04:05:06.789""#),
        ("iv2", "INTERVAL", "'-1 day -1 second'", #""-1 day -00:00:01""#),
        ("s", "VARCHAR", "'hi'", #""hi""#),
        ("s2", "VARCHAR", "'exactly12byt'", #""exactly12byt""#),
        ("s3", "VARCHAR", "'a longer string, stored out of line'", #""a longer string, stored out of line""#),
        ("bl", "BLOB", #"'\x01\x02\xFF'::BLOB"#, #""AQL/""#),
        ("bl2", "BLOB", "''::BLOB", #""""#),
        ("bt", "BIT", "'10110'", #""10110""#),
        ("bt2", "BIT", "'0000000011'", #""0000000011""#),
        ("bn", "BIGNUM", "'123456789012345678901234567890123'", "123456789012345678901234567890123"),
        ("bn2", "BIGNUM", "'-98765432109876543210'", "-98765432109876543210"),
        ("u", "UUID", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", #""a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11""#),
        ("u2", "UUID", "'00000000-0000-0000-0000-000000000001'", #""00000000-0000-0000-0000-000000000001""#),
        ("e", "mood", "'happy'", #""happy""#),
        ("l", "INTEGER[]", "[1, NULL, 3]", "[1,null,3]"),
        ("l2", "VARCHAR[]", "[]", "[]"),
        ("a", "INTEGER[3]", "[1, 2, 3]", "[1,2,3]"),
        ("st", "STRUCT(a INTEGER, b VARCHAR)", "{'a': 1, 'b': 'x'}", #"{"a":1,"b":"x"}"#),
        ("m", "MAP(VARCHAR, INTEGER)", "MAP {'k1': 1, 'k2': NULL}", #"{"k1":1,"k2":null}"#),
        ("m2", "MAP(INTEGER, DOUBLE)", "MAP {1: 1.5, 2: 2.0}", #"{"1":1.5,"2":2.0}"#),
        ("un", "UNION(num INTEGER, str VARCHAR)", "union_value(str := 'hello')", #""hello""#),
        (
            "nest", "STRUCT(x INTEGER[], y MAP(VARCHAR, DATE))[]", "[{'x': [1, 2], 'y': MAP {'d': DATE '2024-01-03'}}, NULL]",
            #"[{"x":[1,2],"y":{"d":"2024-01-03"}},null]"#
        ),
    ]

    @Test func everyValueTypeAndItsNull() throws {
        try T.withDatabaseFile { path, _ in
            let db = try T.open(path)
            try db.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
            let columns = Self.typeCases.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            try db.execute("CREATE TABLE t (id INTEGER, \(columns))")
            try db.execute("INSERT INTO t VALUES (1, \(Self.typeCases.map(\.2).joined(separator: ", ")))")
            try db.execute("INSERT INTO t VALUES (2, \(Self.typeCases.map { _ in "NULL" }.joined(separator: ", ")))")
            let result = try T.query(db, "SELECT * FROM t ORDER BY id")
            #expect(result.columnCalls == 1)
            #expect(result.names == ["id"] + Self.typeCases.map(\.0))
            try #require(result.rows.count == 2)
            for (i, c) in Self.typeCases.enumerated() {
                #expect(result.rows[0][i + 1].serialized == c.3, "column \(c.0) \(c.1)")
                #expect(result.rows[1][i + 1] == .null, "NULL in column \(c.0) \(c.1)")
            }
            // An untyped NULL is DuckDB's "NULL" type.
            #expect(try T.query(db, "SELECT NULL AS n").rows == [[.null]])
        }
    }

    /// Values decoded from the vectors against DuckDB's own text for the same values, over
    /// ranges wide enough to cross every carry (negative epochs, leap years, limbs).
    @Test func decodingMatchesDuckDBsText() throws {
        let db = try T.open(":memory:", label: "decode-check")
        func check(_ sql: String, _ transform: (String) -> String = { $0 }) throws {
            let rows = try T.query(db, sql).rows
            #expect(rows.count > 100, "\(sql)")
            var mismatches = 0
            for r in rows {
                guard case .string(let text) = r[1] else { Issue.record("no text for \(r)"); continue }
                let expected = transform(text)
                let actual: String
                switch r[0] {
                case .string(let s): actual = s
                case .number(let n): actual = n
                default: actual = r[0].serialized
                }
                if actual != expected && mismatches < 5 {
                    mismatches += 1
                    Issue.record("\(sql): decoded \(actual), DuckDB says \(expected)")
                }
            }
        }
        // Dates in years 1...9999.
        try check("SELECT d, CAST(d AS VARCHAR) FROM (SELECT DATE '0001-01-01' + CAST(x * 997 AS INTEGER) AS d FROM range(0, 3663) t(x))")
        // Timestamps (microseconds), before and after 1970, text with a T.
        try check(
            "SELECT ts, CAST(ts AS VARCHAR) FROM (SELECT make_timestamp(CAST(-62135596800000000 + x * 86400000000123 + x * x AS BIGINT)) AS ts FROM range(0, 3000) t(x))",
            { $0.replacingOccurrences(of: " ", with: "T") })
        try check(
            "SELECT ts, CAST(ts AS VARCHAR) FROM (SELECT make_timestamp_ns(CAST(-9000000000000000000 + CAST(x AS HUGEINT) * 6000000000000001 AS BIGINT)) AS ts FROM range(0, 3000) t(x))",
            { $0.replacingOccurrences(of: " ", with: "T") })
        // Times.
        try check("SELECT t, CAST(t AS VARCHAR) FROM (SELECT TIME '00:00:00' + to_microseconds(x * 28800001) AS t FROM range(0, 3000) t(x))")
        // Intervals with every combination of signs.
        try check(
            """
            SELECT i, CAST(i AS VARCHAR) FROM (
              SELECT to_months(CAST(x % 31 - 15 AS INTEGER)) + to_days(CAST(x % 7 - 3 AS INTEGER))
                     + to_microseconds(CAST((x * 123456789012) % 400000000000 - 200000000000 AS BIGINT)) AS i
              FROM range(0, 2000) t(x))
            """)
        // Bit strings of every length and padding.
        try check(
            "SELECT b, CAST(b AS VARCHAR) FROM (SELECT CAST(substr(repeat('1011001110001', 4), 1 + CAST(x % 13 AS INTEGER), 1 + CAST(x % 40 AS INTEGER)) AS BIT) AS b FROM range(0, 500) t(x))"
        )
        // Big numbers, negative and positive, across byte and limb boundaries.
        try check(
            """
            SELECT n, CAST(n AS VARCHAR) FROM (
              SELECT CAST(CASE WHEN x % 2 = 0 THEN '-' ELSE '' END || CAST(x * 7 + 1 AS VARCHAR) || repeat('0', CAST(x % 45 AS INTEGER)) || CAST(x % 10 AS VARCHAR) AS BIGNUM) AS n
              FROM range(0, 400) t(x)
              UNION ALL SELECT CAST(v AS BIGNUM) FROM (VALUES ('0'), ('-1'), ('255'), ('256'), ('-256'), ('-255'), ('4294967296')) v(v))
            """)
        // Decimals at each storage width, and HUGEINT / UUID around their extremes.
        try check("SELECT v, CAST(v AS VARCHAR) FROM (SELECT CAST((x - 500) * 0.19 AS DECIMAL(4,2)) AS v FROM range(0, 1000) t(x))")
        try check("SELECT v, CAST(v AS VARCHAR) FROM (SELECT CAST((x - 500) * 123456.789 AS DECIMAL(18,3)) AS v FROM range(0, 1000) t(x))")
        try check("SELECT v, CAST(v AS VARCHAR) FROM (SELECT CAST((x - 500) * 1234567890123456789012.123456 AS DECIMAL(38,6)) AS v FROM range(0, 1000) t(x))")
        try check(
            "SELECT v, CAST(v AS VARCHAR) FROM (SELECT CAST(x - 500 AS HUGEINT) * CAST('340282366920938463463374607431768211' AS HUGEINT) AS v FROM range(0, 1000) t(x))"
        )
        try check("SELECT u, CAST(u AS VARCHAR) FROM (SELECT gen_random_uuid() AS u FROM range(0, 500) t(x))")
        try check(
            "SELECT u, CAST(u AS VARCHAR) FROM (SELECT CAST(lpad(to_hex(x), 32, CASE WHEN x % 2 = 0 THEN 'f' ELSE '0' END) AS UUID) AS u FROM range(0, 500) t(x))"
        )
    }

    @Test func datesAndTimestampsOutsideTheUsualRange() throws {
        let db = try T.open(":memory:", label: "ranges")
        let rows = try T.query(
            db,
            """
            SELECT DATE 'infinity', DATE '-infinity', TIMESTAMP 'infinity', TIMESTAMP '-infinity',
                   TIMESTAMPTZ 'infinity', DATE '0044-03-15 (BC)', DATE '0001-01-01', DATE '12000-06-30',
                   TIMESTAMP '0001-01-01 00:00:00', TIMESTAMP '0044-03-15 (BC) 12:30:00'
            """
        ).rows
        #expect(
            rows == [
                [
                    .string("infinity"), .string("-infinity"), .string("infinity"), .string("-infinity"),
                    .string("infinity"), .string("-0043-03-15"), .string("0001-01-01"), .string("12000-06-30"),
                    .string("0001-01-01T00:00:00"), .string("-0043-03-15T12:30:00"),
                ]
            ])
    }

    /// GEOMETRY and VARIANT (and types newer than this version) are read as DuckDB's text.
    @Test func undecodableTypesFallBackToText() throws {
        let db = try T.open(":memory:", label: "fallback")
        let expected = try T.query(db, "SELECT CAST(CAST('POINT(1 2)' AS GEOMETRY) AS VARCHAR), CAST(CAST(42 AS VARIANT) AS VARCHAR)").rows
        let result = try T.query(db, "SELECT 1 AS id, CAST('POINT(1 2)' AS GEOMETRY) AS \"the shape\", CAST(42 AS VARIANT) AS v, 'x' AS s; -- trailing comment")
        #expect(result.names == ["id", "the shape", "v", "s"])
        #expect(result.rows == [[.number("1"), expected[0][0], expected[0][1], .string("x")]])
        #expect(expected[0][0] == .string("POINT (1 2)"))
        // Inside a multi-statement query the cast cannot be added: a clear error instead.
        #expect {
            _ = try T.query(db, "SELECT 1; SELECT CAST('POINT(1 2)' AS GEOMETRY) AS g")
        } throws: { error in
            let e = error as? ConnectorError
            return e?.message.contains("column 'g' has DuckDB type GEOMETRY") == true && e?.hint?.contains("CAST(g AS VARCHAR)") == true
        }
    }

    @Test func unicodeText() throws {
        let db = try T.open(":memory:", label: "unicode")
        let texts = ["Zürich", "東京", "São Paulo – 10 units", "emoji 🚀 in a longer note", "quote ' and \"double\"", "line\nbreak\ttab", "Ærøskøbing", ""]
        try db.execute("CREATE TABLE u (i INTEGER, s VARCHAR)")
        for (i, s) in texts.enumerated() {
            try db.execute("INSERT INTO u VALUES (\(i), '\(s.replacingOccurrences(of: "'", with: "''"))')")
        }
        let rows = try T.query(db, "SELECT s, length(s) FROM u ORDER BY i").rows
        #expect(rows.map { $0[0] } == texts.map { .string($0) })
        #expect(rows.map { $0[1] } == texts.map { .number(String($0.count)) })
        #expect(try T.query(db, "SELECT 'Grüße' AS \"naïve column\"").names == ["naïve column"])
    }

    @Test func emptyResultsKeepTheirColumns() throws {
        let db = try T.open(":memory:", label: "empty")
        try db.execute("CREATE TABLE e (a INTEGER, b VARCHAR)")
        let result = try T.query(db, "SELECT a, b AS \"B b\" FROM e WHERE a > 0")
        #expect(result.columnCalls == 1)
        #expect(result.names == ["a", "B b"])
        #expect(result.rows.isEmpty)
        // A chunked result (more than one 2048-row vector) arrives whole and in order.
        let many = try T.query(db, "SELECT x FROM range(0, 10000) t(x) ORDER BY x").rows
        #expect(many.count == 10000)
        #expect(many.enumerated().allSatisfy { $0.element == [.number(String($0.offset))] })
        // Statements before the last run first; the last one's rows are returned.
        let last = try T.query(db, "INSERT INTO e VALUES (1, 'one'); SELECT b FROM e")
        #expect(last.rows == [[.string("one")]])
    }

    @Test func failingQueriesCarryDuckDBsMessage() throws {
        let db = try T.open(":memory:", label: "errors")
        #expect {
            _ = try T.query(db, "SELECT * FROM no_such_table")
        } throws: { error in
            guard let e = error as? ConnectorError else { return false }
            return e.source == "errors" && e.message.contains("Table with name no_such_table does not exist") && !e.cancelled
        }
        #expect {
            _ = try T.query(db, "SELEC 1")
        } throws: { error in
            (error as? ConnectorError)?.message.contains("syntax error") == true
        }
        #expect {
            _ = try T.query(db, "SELECT CAST('x' AS INTEGER)")
        } throws: { error in
            (error as? ConnectorError)?.message.contains("Conversion Error") == true
        }
        // An error while rows stream (after the first chunk) is reported too.
        #expect {
            _ = try T.query(db, "SELECT CASE WHEN x < 5000 THEN x ELSE error('boom at ' || x) END FROM range(0, 10000) t(x)")
        } throws: { error in
            (error as? ConnectorError)?.message.contains("boom at") == true
        }
        #expect(throws: ConnectorError.self) { _ = try T.query(db, "   ") }
        // The connection still works afterwards.
        #expect(try T.query(db, "SELECT 42").rows == [[.number("42")]])
        // A failing sink stops the query; the connection stays usable.
        struct Stop: Error {}
        struct StopAfterOne: RowSink {
            mutating func columns(_ names: [String]) throws {}
            mutating func row(_ values: [JSONValue]) throws { throw Stop() }
        }
        var sink = StopAfterOne()
        #expect(throws: Stop.self) { try db.run("SELECT x FROM range(0, 100000) t(x)", into: &sink) }
        #expect(try T.query(db, "SELECT 43").rows == [[.number("43")]])
    }

    @Test func readOnlyByDefault() throws {
        try T.withDatabaseFile { path, dir in
            do {
                let rw = try T.open(path)
                try rw.execute("CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (7)")
                // One file is never open in both modes in one process.
                #expect {
                    _ = try T.open(path, readOnly: true)
                } throws: { error in
                    (error as? ConnectorError)?.message == "DuckDB database \(path) is already open read-write in this process"
                }
            }
            var source = Source(
                name: "ro", type: .duckdb, database: "test.duckdb",
                location: SourceLocation(file: "project.visivo.yml", line: 1, column: 1))
            let ro = try DuckDBConnection(source: source, projectDirectory: dir, environment: T.environment())
            #expect(try T.query(ro, "SELECT i FROM t").rows == [[.number("7")]])
            #expect {
                try ro.execute("INSERT INTO t VALUES (8)")
            } throws: { error in
                (error as? ConnectorError)?.message.contains("read-only") == true
            }
            // A missing file is an error when read-only ...
            source.database = "missing.duckdb"
            #expect {
                _ = try DuckDBConnection(source: source, projectDirectory: dir, environment: T.environment())
            } throws: { error in
                guard let e = error as? ConnectorError else { return false }
                return e.message == "DuckDB database file \(dir)/missing.duckdb does not exist" && e.hint?.contains("read_only: false") == true
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/missing.duckdb"))
            // ... and created with read_only: false.
            source.readOnly = false
            let created = try DuckDBConnection(source: source, projectDirectory: dir, environment: T.environment())
            try created.execute("CREATE TABLE n (i INTEGER)")
            #expect(FileManager.default.fileExists(atPath: dir + "/missing.duckdb"))
        }
    }

    @Test func missingOrBrokenLibrary() throws {
        _ = try T.library()  // the real one must be configured for the suite
        try withTemporaryDirectory { dir in
            let missing = dir + "/nowhere/libduckdb.so"
            #expect {
                _ = try DuckDBLibrary.load(path: missing)
            } throws: { error in
                let text = "\(error)"
                return text.contains("VISIVO_DUCKDB_LIBRARY is set to \(missing), which does not exist")
                    && text.contains("https://github.com/duckdb/duckdb/releases") && text.contains("pip install duckdb")
            }
            // Through a source: a ConnectorError naming the variable, with the hint.
            let source = Source(
                name: "duck", type: .duckdb, database: "x.duckdb",
                location: SourceLocation(file: "project.visivo.yml", line: 1, column: 1))
            #expect {
                _ = try DuckDBConnection(source: source, projectDirectory: dir, environment: [DuckDBLibrary.libraryVariable: missing])
            } throws: { error in
                guard let e = error as? ConnectorError else { return false }
                return e.source == "duck" && e.message.contains(missing) && e.hint?.contains("VISIVO_DUCKDB_LIBRARY") == true
            }
            // A file that is not a shared library: the linker's reason.
            try write(["libduckdb.so": "not a library"], in: dir)
            #expect {
                _ = try DuckDBLibrary.load(path: dir + "/libduckdb.so")
            } throws: { error in
                let text = "\(error)"
                return text.contains("cannot load DuckDB from \(dir)/libduckdb.so") && text.contains("tried \(dir)/libduckdb.so:")
            }
            // A Python wheel whose libpython cannot be found: what was tried, and the variable.
            try write(["venv/lib/python3.11/site-packages/_duckdb.cpython-311-x86_64-linux-gnu.so": "fake"], in: dir)
            #expect {
                _ = try DuckDBLibrary.load(
                    path: dir + "/venv/lib/python3.11/site-packages/_duckdb.cpython-311-x86_64-linux-gnu.so",
                    pythonLibrary: dir + "/nope/libpython3.11.so.1.0")
            } throws: { error in
                let text = "\(error)"
                return text.contains("libpython \(dir)/nope/libpython3.11.so.1.0: no such file") && text.contains("VISIVO_DUCKDB_PYTHON_LIBRARY")
            }
        }
    }

    @Test func pythonWheelLookup() throws {
        #expect(DuckDBLibrary.pythonVersion(ofExtension: "/x/_duckdb.cpython-311-x86_64-linux-gnu.so").map { [$0.major, $0.minor] } == [3, 11])
        #expect(DuckDBLibrary.pythonVersion(ofExtension: "duckdb.cpython-39-darwin.so").map { [$0.major, $0.minor] } == [3, 9])
        #expect(DuckDBLibrary.pythonVersion(ofExtension: "/usr/lib/libduckdb.so") == nil)
        try withTemporaryDirectory { dir in
            // A virtualenv made from a Python whose home is dir/py/bin: its lib/ is searched.
            try write(
                [
                    "venv/pyvenv.cfg": "home = \(dir)/py/bin\ninclude-system-site-packages = false\n",
                    "venv/lib/python3.12/site-packages/_duckdb.cpython-312-x86_64-linux-gnu.so": "",
                    "py/lib/libpython3.12.so.1.0": "",
                ], in: dir)
            let candidates = DuckDBLibrary.pythonLibraryCandidates(
                for: dir + "/venv/lib/python3.12/site-packages/_duckdb.cpython-312-x86_64-linux-gnu.so", version: (3, 12), explicit: nil)
            #expect(candidates.first == "libpython3.12.so.1.0")
            #expect(candidates.contains(dir + "/py/lib/libpython3.12.so.1.0"))
            #expect(
                DuckDBLibrary.pythonLibraryCandidates(for: "/a/_duckdb.cpython-312-x.so", version: (3, 12), explicit: "/my/libpython.so") == [
                    "/my/libpython.so"
                ])
        }
        // The configured library loads; a Python wheel's libpython was found and preloaded.
        let library = try T.library()
        #expect(library.version.hasPrefix("v"))
        if library.path.contains(".cpython-") {
            #expect(library.pythonLibrary != nil)
        }
    }

    @Test func severalConnectionsShareOneDatabaseConcurrently() throws {
        try T.withDatabaseFile { path, _ in
            do {
                let rw = try T.open(path)
                try rw.execute("CREATE TABLE nums AS SELECT x FROM range(0, 200000) t(x)")
            }
            var connections = try (0..<4).map { _ in try T.open(path, readOnly: true, label: "shared") }
            let first = connections[0]
            #expect(connections.allSatisfy { $0.database === first.database })
            let key = first.database.key
            #expect(DuckDBDatabase.isOpen(key))

            let results = Mutex<[Int: [JSONValue]]>([:])
            let failures = Mutex<[String]>([])
            do {
                let running = connections
                DispatchQueue.concurrentPerform(iterations: running.count) { i in
                    do {
                        var got: [JSONValue] = []
                        for round in 0..<5 {
                            let rows = try T.query(running[i], "SELECT sum(x), count(*) FROM nums WHERE x % 4 = \(i) AND x >= \(round)").rows
                            got.append(rows[0][0])
                        }
                        results.withLock { $0[i] = got }
                    } catch {
                        failures.withLock { $0.append("\(i): \(error)") }
                    }
                }
            }
            #expect(failures.withLock { $0 } == [])
            for i in 0..<4 {
                // sum of x < 200000 with x % 4 == i (every round's bound only drops x < 5).
                let all = (0..<200000).filter { $0 % 4 == i }
                let expected = (0..<5).map { round in JSONValue.number(String(all.filter { $0 >= round }.reduce(0, +))) }
                #expect(results.withLock { $0[i] } == expected, "connection \(i)")
            }
            connections.removeAll()
            #expect(DuckDBDatabase.isOpen(key))  // `first` still holds it
            _ = consume first
            // The last connection closed the database.
            #expect(!DuckDBDatabase.isOpen(key))
        }
    }

    @Test func cancelStopsALongQueryFromAnotherThread() throws {
        // A cancel stays, even one that comes before the query starts (the pool may cancel
        // a connection it has just handed out): every later query on it is cancelled.
        let idle = try T.open(":memory:", label: "cancel-idle")
        idle.cancel()
        #expect { _ = try T.query(idle, "SELECT 1") } throws: { ($0 as? ConnectorError)?.cancelled == true }

        let db = try T.open(":memory:", label: "cancel")
        let started = ContinuousClock.now
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { db.cancel() }
        #expect {
            _ = try T.query(db, "SELECT count(*) FROM range(0, 1000000000000) t(x) WHERE x % 7 = 3")
        } throws: { error in
            guard let e = error as? ConnectorError else { return false }
            return e.cancelled && e.message == "query cancelled" && e.source == "cancel"
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect { _ = try T.query(db, "SELECT 2") } throws: { ($0 as? ConnectorError)?.cancelled == true }

        // A cancel while rows stream stops the stream too.
        struct Counting: RowSink {
            var count = 0
            mutating func columns(_ names: [String]) throws {}
            mutating func row(_ values: [JSONValue]) throws { count += 1 }
        }
        var sink = Counting()
        let streaming = try T.open(":memory:", label: "cancel-stream")
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { streaming.cancel() }
        #expect {
            try streaming.run("SELECT x FROM range(0, 1000000000000) t(x)", into: &sink)
        } throws: { error in
            (error as? ConnectorError)?.cancelled == true
        }
        #expect(sink.count > 0)
    }
}
