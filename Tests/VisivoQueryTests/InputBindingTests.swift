import Testing
import VisivoProject
import VisivoSupport

@testable import VisivoQuery

/// Binding input markers: placeholders per dialect, one set per `input.accessor` (reused
/// where it appears again), lists, NULLs, and range steps.
@Suite struct InputBindingTests {
    func query(_ sql: String, _ kind: Source.Kind) -> TraceQuery {
        TraceQuery(trace: "t", sql: sql, keys: [], ordered: false, dialect: Dialect(kind), warnings: [])
    }

    @Test func samePlaceholdersWhereTheSameValueAppearsAgain() {
        let m = InputUse(input: "min", accessor: "value").marker, v = InputUse(input: "cats", accessor: "values").marker
        let sql = "SELECT CASE WHEN a >= \(m) THEN 1 END AS x FROM t WHERE c IN (\(v)) GROUP BY CASE WHEN a >= \(m) THEN 1 END"
        let uses = [InputUse(input: "min", accessor: "value"), InputUse(input: "cats", accessor: "values")]
        let states: [String: InputState] = ["min": .single(.number("50")), "cats": .multi([.string("a"), .string("b")])]
        let pg = InputBinding.bind(query(sql, .postgresql), uses: uses, states: states)
        #expect(pg.sql == "SELECT CASE WHEN a >= $1 THEN 1 END AS x FROM t WHERE c IN ($2, $3) GROUP BY CASE WHEN a >= $1 THEN 1 END")
        #expect(pg.parameters == [.number("50"), .string("a"), .string("b")])
        #expect(InputBinding.bind(query(sql, .sqlite), uses: uses, states: states).sql.contains("a >= ?1 THEN 1 END AS x FROM t WHERE c IN (?2, ?3)"))
        #expect(
            InputBinding.bind(query(sql, .mysql), uses: uses, states: states).sql.contains("IN (@visivo_p2, @visivo_p3) GROUP BY CASE WHEN a >= @visivo_p1"))
        // No values picked: one NULL, so IN (...) matches nothing.
        let none = InputBinding.bind(query("x IN (\(v))", .bigquery), uses: uses, states: ["cats": .multi([])])
        #expect(none.sql == "x IN (@p1)" && none.parameters == [.null])
    }

    @Test func accessorsOfMultiSelectsAndRanges() {
        let s = InputState.multi([.number("5"), .number("20"), .number("3")])
        #expect(s.read("min") == [.number("3")] && s.read("max") == [.number("20")])
        #expect(s.read("first") == [.number("5")] && s.read("last") == [.number("3")])
        #expect(InputState.range(.number("1"), .number("9")).read("max") == [.number("9")])
        #expect(InputState.single(.string("a")).read("values") == nil)
    }

    @Test func rangeSteps() {
        #expect(RangeSteps.values(start: .number("0"), end: .number("1"), step: .number("0.25"))?.map(\.serialized) == ["0", "0.25", "0.5", "0.75", "1"])
        #expect(
            RangeSteps.values(start: .string("2024-01-31"), end: .string("2024-05-31"), step: .string("1 month"))?.compactMap(\.stringValue) == [
                "2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31",
            ])
        #expect(RangeSteps.values(start: .string("2024-01-01"), end: .string("2024-01-15"), step: .string("1 week"))?.count == 3)
        #expect(RangeSteps.values(start: .string("2024-01-01"), end: .string("2024-02-01"), step: .string("1 fortnight")) == nil)
    }
}
