import Foundation
import VisivoProject
import VisivoSupport

/// One assertion's result.
public struct TestOutcome: Sendable {
    public enum Status: String, Sendable { case passed, failed, skipped }
    /// `revenue-total` (2.x), `my trace.tests[0]` (1.x).
    public var name: String
    public var assertion: String
    public var location: SourceLocation
    public var status: Status
    /// Why it failed or was skipped, with the values it saw.
    public var message: String?
}

/// `visivo test`: 1.x trace `tests` (`assert_that(...)` over the trace's cohorts) and 2.x
/// top-level `tests` (`>{ ... }` assertions over insights' data, gated by `if`, stopping
/// at a failure unless `on_failure: continue`), over the data a build left in `target/`.
public enum ProjectTestRunner {
    public static func run(_ project: Project, outputDirectory: String) -> [TestOutcome] {
        let data = DataReader(project: project, outputDirectory: outputDirectory)
        var out: [TestOutcome] = []
        for t in project.traces {
            for (i, logic) in t.tests.enumerated() {
                out.append(runOneX(t, logic, name: "\(t.name).tests[\(i)]", data: data))
            }
        }
        tests: for test in project.tests {
            if let condition = test.condition {
                let gate = evaluate(condition.value, data: data)
                if gate.error != nil || gate.value?.truthy != true {
                    let why = gate.error.map { "its if failed: \($0)" } ?? "its if is false: \(condition.value)"
                    for a in test.assertions {
                        out.append(TestOutcome(name: test.name, assertion: a.value, location: a.location, status: .skipped, message: why))
                    }
                    continue
                }
            }
            for a in test.assertions {
                let r = evaluate(a.value, data: data)
                let passed = r.error == nil && r.value?.truthy == true
                let message = passed ? nil : r.error ?? "it is \(r.value?.literal ?? "null")" + r.seenText
                out.append(TestOutcome(name: test.name, assertion: a.value, location: a.location, status: passed ? .passed : .failed, message: message))
                if !passed && test.onFailure == .exit {
                    // What did not run is reported as skipped, so a report shows everything.
                    let ran = Set(out.map { "\($0.location)" })
                    for rest in project.tests {
                        for b in rest.assertions where !ran.contains("\(b.location)") {
                            out.append(
                                TestOutcome(
                                    name: rest.name, assertion: b.value, location: b.location, status: .skipped,
                                    message: "not run: test '\(test.name)' failed and stops the run (on_failure: exit)"))
                        }
                    }
                    break tests
                }
            }
        }
        return out
    }

    /// A 2.x eval string (`>{ ... }`, the wrapper optional).
    static func evaluate(_ written: String, data: DataReader) -> (value: TestValue?, error: String?, seenText: String) {
        var text = String(written.trimmingSpaces)
        if text.hasPrefix(">{"), text.hasSuffix("}") { text = String(text.dropFirst(2).dropLast()) }
        do throws(ExpressionError) {
            let e = try ExpressionParser.parse(text)
            var evaluator = Evaluator(resolve: data.resolve)
            do throws(ExpressionError) {
                let v = try evaluator.evaluate(e)
                return (v, nil, Self.seen(evaluator.seen))
            } catch {
                return (nil, error.message + Self.seen(evaluator.seen), "")
            }
        } catch {
            return (nil, "cannot read it: \(error.message)", "")
        }
    }

    static func seen(_ values: [(String, TestValue)]) -> String {
        values.isEmpty ? "" : " (" + values.map { "\($0.0) = \($0.1.literal)" }.joined(separator: ", ") + ")"
    }

    /// A 1.x test: `Cohort.props.x` names a cohort's column of the trace's data.json.
    static func runOneX(_ t: Trace, _ logic: Located<String>, name: String, data: DataReader) -> TestOutcome {
        func outcome(_ status: TestOutcome.Status, _ message: String?) -> TestOutcome {
            TestOutcome(name: name, assertion: logic.value, location: logic.location, status: status, message: message)
        }
        guard let doc = data.document(t.name), case .object(let cohorts) = doc else {
            return outcome(.failed, "trace '\(t.name)' has no data (target/\(t.name)/data.json); build it first")
        }
        var text = logic.value
        var written: [(token: String, text: String)] = []
        for (i, cohort) in cohorts.enumerated().sorted(by: { $0.element.key.count > $1.element.key.count }) {
            guard text.contains(cohort.key + "."), case .object(let columns) = cohort.value else { continue }
            for key in columns.map(\.key).sorted(by: { $0.count > $1.count }) where text.contains("\(cohort.key).\(key)") {
                let token = "${cohort:\(i):\(key)}"
                text = text.replacingOccurrences(of: "\(cohort.key).\(key)", with: token)
                written.append((token, "\(cohort.key).\(key)"))
            }
        }
        let found = !written.isEmpty
        /// A message with each reference shown as the test wrote it.
        func shown(_ message: String) -> String { written.reduce(message) { $0.replacingOccurrences(of: $1.token, with: $1.text) } }
        guard found else {
            return outcome(.failed, "the test names no cohort of trace '\(t.name)' (its cohorts: \(cohorts.map(\.key).joined(separator: ", ")))")
        }
        data.cohortOwner = t.name
        defer { data.cohortOwner = nil }
        let r = evaluate(text, data: data)
        if let error = r.error { return outcome(.failed, shown(error)) }
        return r.value?.truthy == true ? outcome(.passed, nil) : outcome(.failed, shown("it is \(r.value?.literal ?? "null")" + r.seenText))
    }

    /// JUnit XML: one suite, a test case per assertion (what CI systems read).
    public static func junit(_ outcomes: [TestOutcome], seconds: Double) -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for c in s.unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&apos;"
                default: out += c.value < 0x20 && c != "\n" && c != "\t" ? " " : String(c)
                }
            }
            return out
        }
        let failures = outcomes.filter { $0.status == .failed }.count, skipped = outcomes.filter { $0.status == .skipped }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites tests=\"\(outcomes.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", seconds))\">\n"
        xml += "  <testsuite name=\"visivo\" tests=\"\(outcomes.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        for o in outcomes {
            xml +=
                "    <testcase classname=\"\(escape(o.name))\" name=\"\(escape(o.assertion))\" file=\"\(escape(o.location.file))\" line=\"\(o.location.line)\""
            switch o.status {
            case .passed: xml += "/>\n"
            case .failed:
                xml += ">\n      <failure message=\"\(escape(o.message ?? "failed"))\">\(escape("\(o.location): \(o.assertion)"))</failure>\n    </testcase>\n"
            case .skipped: xml += ">\n      <skipped message=\"\(escape(o.message ?? "skipped"))\"/>\n    </testcase>\n"
            }
        }
        return xml + "  </testsuite>\n</testsuites>\n"
    }
}

/// The built data tests read: each trace's or insight's data.json (read once).
final class DataReader: @unchecked Sendable {
    // @unchecked: used by one thread (the test run).
    let project: Project
    let outputDirectory: String
    private var documents: [String: JSONValue?] = [:]

    init(project: Project, outputDirectory: String) {
        self.project = project
        self.outputDirectory = outputDirectory
    }

    func document(_ trace: String) -> JSONValue? {
        if let known = documents[trace] { return known }
        let doc = FileManager.default.contents(atPath: "\(outputDirectory)/\(trace)/data.json").flatMap { try? JSONParser.parse(Array($0)) }
        documents[trace] = doc
        return doc
    }

    /// `ref(name).props.x[0]`: the values of `props.x` over all the insight's splits, in
    /// order (a prop the data does not hold is the insight's static prop); `cohort:i:key`:
    /// one cohort's column (1.x).
    func resolve(_ reference: String) throws(ExpressionError) -> TestValue {
        if reference.hasPrefix("cohort:") {
            let parts = reference.split(separator: ":", maxSplits: 2).map(String.init)
            guard parts.count == 3, let i = Int(parts[1]), let doc = document(cohortOwner ?? ""), case .object(let cohorts) = doc, cohorts.indices.contains(i),
                case .array(let values)? = cohorts[i].value[parts[2]]
            else { throw ExpressionError(message: "no data for \(parts.last ?? reference)") }
            return .list(values.map(TestValue.init))
        }
        guard let match = reference.firstMatch(of: #/^ref\(\s*['"]?(?<name>[^)'"]+?)['"]?\s*\)(?<path>(\.[A-Za-z0-9_-]+)*)(?<index>(\[[^\]]*\])*)$/#) else {
            throw ExpressionError(message: "${\(reference)} is not a reference such as ${ref(insight).props.x}")
        }
        let name = String(match.output.name), path = String(match.output.path.dropFirst())
        guard let trace = project.trace(named: name) else {
            let near = Suggest.nearest(to: name, in: project.traces.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
            throw ExpressionError(message: "ref(\(name)) names no insight or trace\(near)")
        }
        var value: TestValue
        if let doc = document(name), case .object(let cohorts) = doc, cohorts.contains(where: { $0.value[path] != nil }) {
            var all: [TestValue] = []
            for c in cohorts { if case .array(let values)? = c.value[path] { all += values.map(TestValue.init) } }
            value = .list(all)
        } else if path.hasPrefix("props."), let v = Self.staticProp(trace.props, path: path.dropFirst(6).split(separator: ".").map(String.init)) {
            value = TestValue(v)
        } else if document(name) == nil {
            throw ExpressionError(message: "'\(name)' has no data (target/\(name)/data.json); build it first")
        } else {
            throw ExpressionError(message: "'\(name)' has no \(path)")
        }
        for part in match.output.index.split(separator: "]").map({ $0.dropFirst() }) {
            guard case .list(let items) = value else { throw ExpressionError(message: "\(path) is not a list") }
            let bounds = part.split(separator: ":", omittingEmptySubsequences: false)
            if bounds.count == 1, let i = Int(bounds[0]) {
                let n = i < 0 ? items.count + i : i
                guard items.indices.contains(n) else { throw ExpressionError(message: "\(path)[\(i)]: index outside the \(items.count) values") }
                value = items[n]
            } else if bounds.count == 2 {
                func at(_ s: Substring, _ fallback: Int) -> Int {
                    guard let i = Int(s) else { return fallback }
                    return max(0, min(items.count, i < 0 ? items.count + i : i))
                }
                let lo = at(bounds[0], 0), hi = at(bounds[1], items.count)
                value = .list(lo < hi ? Array(items[lo..<hi]) : [])
            } else {
                throw ExpressionError(message: "[\(part)] is not an index")
            }
        }
        return value
    }

    /// The trace a 1.x test's cohort references belong to (set while it runs).
    var cohortOwner: String?

    static func staticProp(_ props: JSONValue, path: [String]) -> JSONValue? {
        var v = props
        for p in path {
            guard let next = v[p] else { return nil }
            v = next
        }
        return v
    }
}
