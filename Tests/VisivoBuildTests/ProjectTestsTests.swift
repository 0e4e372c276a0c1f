import Foundation
import Testing
import VisivoLoading
import VisivoProject
import VisivoTestSupport

@testable import VisivoBuild

/// `visivo test`'s language and runner: 2.x assertions over insights, 1.x assert_that
/// chains over trace cohorts, what a failure shows, and JUnit XML.
@Suite struct ProjectTestsTests {
    static let project = """
        name: tests
        sources:
          - {name: db, type: sqlite, database: shop.db}
        models:
          - {name: orders, sql: "select * from orders", source: "${ref(db)}"}
        insights:
          - name: by-region
            props:
              type: bar
              x: ?{ ${ref(orders).region} }
              y: ?{ sum(${ref(orders).amount}) }
            interactions:
              - sort: ?{ ${ref(orders).region} ASC }
        traces:
          - name: old
            model: ref(orders)
            cohort_on: region
            props: {type: bar, x: query(id), y: query(amount)}
            order_by: [query(id)]
            tests:
              - logic: assert_that(numpy.sum(east.props.y)).is_equal_to(15.5)
              - logic: assert_that(len(west.props.x)).is_greater_than(3)
              - logic: assert_that(sum(nowhere.props.y)).is_equal_to(1)

        """

    func run(_ tests: String) throws -> [TestOutcome] {
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": Self.project + tests], in: dir)
            try makeSQLite(
                dir + "/shop.db",
                "create table orders (id int, region text, amount real); insert into orders values (1,'east',10.5),(2,'west',20.25),(3,'east',5),(4,'north',7.75);"
            )
            let (summary, _) = try build(dir)
            #expect(summary.failed == 0)
            return ProjectTestRunner.run(try load(dir), outputDirectory: dir + "/target")
        }
    }

    @Test func assertionsOverInsightsAndCohorts() throws {
        let outcomes = try run(
            """
            tests:
              - name: totals
                on_failure: continue
                assertions:
                  - ">{ sum(${ref(by-region).props.y}) == 43.5 }"
                  - ">{ ${ ref(by-region).props.x[0] } == 'east' and ${ref(by-region).props.x[-1]} == 'west' }"
                  - ">{ ${ref(by-region).props.y[1:]} == [7.75, 20.25] }"
                  - ">{ ${ref(by-region).props.type} == 'bar' }"
                  - ">{ round(mean(${ref(by-region).props.y}), 2) == 14.5 and 'north' in ${ref(by-region).props.x} }"
                  - ">{ max(${ref(by-region).props.y}) < 20 }"
              - name: gated
                if: ">{ ${ref(by-region).props.type} == 'pie' }"
                assertions: [">{ 1 == 2 }"]
              - name: stops
                assertions:
                  - ">{ count(${ref(by-region).props.x}) == 4 }"
                  - ">{ 1 == 1 }"
              - name: never reached
                assertions: [">{ true }"]
            """)
        let shown = outcomes.map { "\($0.name) \($0.status.rawValue)" + ($0.message.map { ": \($0)" } ?? "") }
        #expect(
            shown == [
                "old.tests[0] passed",
                "old.tests[1] failed: assert_that(len(west.props.x)).is_greater_than(...): expected more than <3>, but was <1> (west.props.x = [2], len(west.props.x) = 1)",
                "old.tests[2] failed: the test names no cohort of trace 'old' (its cohorts: east, west, north)",
                "totals passed", "totals passed", "totals passed", "totals passed", "totals passed",
                "totals failed: it is false (${ref(by-region).props.y} = [15.5, 7.75, 20.25], max(${ref(by-region).props.y}) = 20.25)",
                "gated skipped: its if is false: >{ ${ref(by-region).props.type} == 'pie' }",
                "stops failed: it is false (${ref(by-region).props.x} = ['east', 'north', 'west'], count(${ref(by-region).props.x}) = 3)",
                "stops skipped: not run: test 'stops' failed and stops the run (on_failure: exit)",
                "never reached skipped: not run: test 'stops' failed and stops the run (on_failure: exit)",
            ])
        let failure = try #require(outcomes.first { $0.name == "totals" && $0.status == .failed })
        #expect(failure.location.description == "project.visivo.yml:33:9")
        let xml = ProjectTestRunner.junit(outcomes, seconds: 0.5)
        #expect(xml.contains("<testsuites tests=\"13\" failures=\"4\" skipped=\"3\" time=\"0.500\">"))
        #expect(xml.contains("<testcase classname=\"totals\" name=\"&gt;{ max(${ref(by-region).props.y}) &lt; 20 }\" file=\"project.visivo.yml\" line=\"33\">"))
        #expect(xml.contains("<failure message=\"it is false (${ref(by-region).props.y} = [15.5, 7.75, 20.25], max(${ref(by-region).props.y}) = 20.25)\">"))
    }

    @Test func expressionLanguage() throws {
        func value(_ text: String) throws -> TestValue {
            var e = Evaluator(resolve: { r throws(ExpressionError) in throw ExpressionError(message: "no \(r)") })
            return try e.evaluate(ExpressionParser.parse(text))
        }
        #expect(try value("1 + 2 * 3 == 7") == .bool(true))
        #expect(try value("(1 + 2) * 3") == .number(9))
        #expect(try value("not 1 > 2 and 'a' < 'b'") == .bool(true))
        #expect(try value("numpy.sum([1, 2, 3.5])") == .number(6.5))
        #expect(try value("len([1, 2, 3][1:])") == .number(2))
        #expect(try value("[3, 1, 2][-1]") == .number(2))
        #expect(try value("sorted(distinct([2, 1, 2]))") == .list([.number(1), .number(2)]))
        #expect(try value("median([5, 1, 3, 2])") == .number(2.5))
        #expect(try value("0.1 + 0.2 == 0.3") == .bool(true))
        #expect(try value("True and None == null") == .bool(true))
        #expect(throws: ExpressionError.self) { try value("1 +") }
        #expect(throws: ExpressionError.self) { try value("'a' < 1") }
        #expect(throws: ExpressionError.self) { try value("unknown(1)") }
        do {
            _ = try value("assert_that(sum([1, 2])).is_equal_to(4)")
            Issue.record("a failing matcher passed")
        } catch {
            #expect((error as? ExpressionError)?.message == "assert_that(sum([1, 2])).is_equal_to(...): expected <4>, but was <3>")
        }
    }
}
