import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoSupport

private let sampleState = BuildState(nodes: [
    "orders_model": .init(
        fingerprint: String(repeating: "ab", count: 32), status: .built,
        durationMs: 1234, rows: 42, queriedAt: Date(timeIntervalSince1970: 1_700_000_000),
        outputHash: String(repeating: "0f", count: 32)),
    "revenue_trace": .init(
        fingerprint: String(repeating: "cd", count: 32), status: .reused, durationMs: 0),
    "broken_trace": .init(
        fingerprint: String(repeating: "ef", count: 32), status: .failed, durationMs: 17, rows: nil,
        queriedAt: nil, outputHash: nil),
])

@Suite struct BuildStateTests {
    @Test func roundTrips() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/.visivo/state.json"  // parent directory does not exist yet
            try sampleState.save(to: path)
            let loaded = BuildState.load(from: path)
            #expect(loaded == sampleState)
            #expect(loaded.nodes["orders_model"]?.queriedAt == Date(timeIntervalSince1970: 1_700_000_000))
            #expect(loaded.nodes["revenue_trace"]?.rows == nil)
            #expect(loaded.nodes["broken_trace"]?.status == .failed)
        }
    }

    @Test func emptyStateRoundTrips() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/state.json"
            try BuildState().save(to: path)
            #expect(BuildState.load(from: path) == BuildState())
        }
    }

    @Test func jsonHasSortedKeysAndISO8601Dates() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/state.json"
            try sampleState.save(to: path)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains(#""queriedAt" : "2023-11-14T22:13:20Z""#))
            // Sorted node names and sorted fields.
            let broken = try #require(text.range(of: "broken_trace"))
            let orders = try #require(text.range(of: "orders_model"))
            let revenue = try #require(text.range(of: "revenue_trace"))
            #expect(broken.lowerBound < orders.lowerBound && orders.lowerBound < revenue.lowerBound)
            let duration = try #require(text.range(of: "durationMs", range: orders.upperBound..<text.endIndex))
            let fingerprint = try #require(text.range(of: "fingerprint", range: orders.upperBound..<text.endIndex))
            let status = try #require(text.range(of: "status", range: orders.upperBound..<text.endIndex))
            #expect(duration.lowerBound < fingerprint.lowerBound && fingerprint.lowerBound < status.lowerBound)
            // Saving the same state twice gives the same bytes.
            let first = try Data(contentsOf: URL(fileURLWithPath: path))
            try sampleState.save(to: path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)
        }
    }

    @Test func saveReplacesTheFileAndLeavesNoTemporaryFiles() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/state.json"
            try sampleState.save(to: path)
            var next = sampleState
            next.nodes["orders_model"]?.status = .reused
            next.nodes["new_node"] = .init(fingerprint: "00", status: .built, durationMs: 5, rows: 0)
            try next.save(to: path)
            #expect(BuildState.load(from: path) == next)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["state.json"])
        }
    }

    @Test(arguments: [
        "", "{", "not json at all", "[]", #"{"nodes": 3}"#,
        #"{"nodes": {"a": {"status": "built"}}}"#,
        #"{"nodes": {"a": {"fingerprint": "x", "status": "built", "durationMs": 1, "queriedAt": "yesterday"}}}"#,
    ])
    func garbledStateLoadsAsEmpty(contents: String) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/state.json"
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
            #expect(BuildState.load(from: path) == BuildState())
        }
    }

    @Test func binaryGarbageLoadsAsEmpty() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/state.json"
            try Data([0xFF, 0xFE, 0x00, 0x7B, 0x80]).write(to: URL(fileURLWithPath: path))
            #expect(BuildState.load(from: path) == BuildState())
        }
    }

    @Test func missingOrUnreadableStateLoadsAsEmpty() throws {
        try withTemporaryDirectory { dir in
            #expect(BuildState.load(from: dir + "/nope.json") == BuildState())
            #expect(BuildState.load(from: dir) == BuildState())  // a directory
        }
    }

    @Test func optionalFieldsMayBeAbsent() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/state.json"
            let json = #"{"nodes": {"a": {"fingerprint": "x", "status": "built", "durationMs": 1}}}"# + "\n"
            try SealedFile.write(Array(json.utf8), to: path)
            let state = BuildState.load(from: path)
            #expect(state.nodes == ["a": .init(fingerprint: "x", status: .built, durationMs: 1)])
        }
    }
}
