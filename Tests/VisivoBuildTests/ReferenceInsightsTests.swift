import Foundation
import Testing
import VisivoBuild
import VisivoLoading
import VisivoProject
import VisivoQuery
import VisivoSupport
import VisivoTestSupport

/// Tests/Fixtures/format2x, built by `visivo build`, gives the insight data the reference
/// CLI (Python Visivo 2.2.1) computed for it: the same values per props key and split, in
/// the same order where the insight sorts. The reference's results are captured in
/// expected/<insight>.json by capture.py (for the inputs' defaults and for other input
/// values, one with a quote in it); the defaults are compared with target/<insight>/data.json,
/// the other values with what `serve` and `dist` compute for them.
@Suite struct ReferenceInsightsTests {
    static let fixture = repositoryRoot + "/Tests/Fixtures/format2x"

    @Test func insightsMatchTheReference() throws {
        try withTemporaryDirectory { dir in
            for f in ["project.visivo.yml", "data.sql"] {
                try FileManager.default.copyItem(atPath: "\(Self.fixture)/\(f)", toPath: "\(dir)/\(f)")
            }
            try makeSQLite(dir + "/shop.db", try String(contentsOfFile: dir + "/data.sql", encoding: .utf8))
            let (summary, _) = try build(dir)
            #expect(summary.failed == 0 && summary.skipped == 0)
            let project = try load(dir)
            let engine = BuildEngine(CompiledProject(project), options: BuildOptions(projectDirectory: project.directory))
            let expectedFiles = try FileManager.default.contentsOfDirectory(atPath: Self.fixture + "/expected").filter { $0.hasSuffix(".json") }.sorted()
            #expect(expectedFiles.count == project.traces.filter { $0.insight != nil }.count, "every insight has a captured result")
            var compared = 0
            for file in expectedFiles {
                let record = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixture)/expected/\(file)"))))
                guard case .string(let insight)? = record["insight"], case .array(let results)? = record["results"] else {
                    Issue.record("\(file) is not a captured result")
                    continue
                }
                let ordered = record["ordered"] == .bool(true)
                for result in results {
                    guard case .object(let inputs)? = result["inputs"], let want = result["data"] else { continue }
                    let got: JSONValue
                    if inputs.isEmpty {
                        got = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/target/\(insight)/data.json"))))
                    } else {
                        var values: [String: JSONValue] = [:]
                        for m in inputs { values[m.key] = try stateKey(m.value, for: #require(project.input(named: m.key))) }
                        got = try JSONParser.parse(try engine.variant(insight, values: values))
                    }
                    let problems = Self.differences(want: want, got: got, ordered: ordered)
                    #expect(problems.isEmpty, "\(insight) for \(JSONValue.object(inputs).serialized): \(problems.joined(separator: "; "))")
                    compared += 1
                }
            }
            #expect(compared == 12)
        }
    }

    /// A captured input value as our state key: a range's `[start, end]` becomes `{start, end}`.
    func stateKey(_ value: JSONValue, for input: Input) -> JSONValue {
        if case .range = input.options, case .array(let ends) = value, ends.count == 2 { return .object([("start", ends[0]), ("end", ends[1])]) }
        return value
    }

    /// What differs between two insight data objects (split value -> props key -> values):
    /// the same splits, the same keys, the same rows (in order when the insight sorts).
    static func differences(want: JSONValue, got: JSONValue, ordered: Bool) -> [String] {
        guard case .object(let wantSplits) = want, case .object(let gotSplits) = got else { return ["not a data object"] }
        var problems: [String] = []
        let wantNames = Set(wantSplits.map(\.key)), gotNames = Set(gotSplits.map(\.key))
        if wantNames != gotNames { problems.append("splits \(gotNames.sorted()) instead of \(wantNames.sorted())") }
        for split in wantSplits {
            guard let ours = got[split.key], case .object(let wantColumns) = split.value, case .object(let gotColumns) = ours else { continue }
            let keys = wantColumns.map(\.key).sorted()
            if gotColumns.map(\.key).sorted() != keys { problems.append("'\(split.key)' has keys \(gotColumns.map(\.key).sorted()) instead of \(keys)") }
            func rows(_ columns: [JSONMember]) -> [[String]] {
                let arrays = keys.map { key -> [JSONValue] in
                    if case .array(let values)? = columns.first(where: { $0.key == key })?.value { return values }
                    return []
                }
                let count = arrays.map(\.count).max() ?? 0
                return (0..<count).map { i in arrays.map { i < $0.count ? canonical($0[i]) : "missing" } }
            }
            var w = rows(wantColumns), g = rows(gotColumns)
            if !ordered {
                w.sort { $0.lexicographicallyPrecedes($1) }
                g.sort { $0.lexicographicallyPrecedes($1) }
            }
            if w != g { problems.append("'\(split.key)' rows \(g) instead of \(w)") }
        }
        return problems
    }

    /// A value's text for comparing: numbers by value (`2` and `2.0` alike, rounded to 9
    /// places against float noise), strings as they are.
    static func canonical(_ v: JSONValue) -> String {
        if case .number(let n) = v, let d = Double(n) { return "n:" + String(format: "%.9f", d) }
        return v.serialized
    }
}
