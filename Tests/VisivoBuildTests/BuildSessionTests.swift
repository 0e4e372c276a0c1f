import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoConnectors
@testable import VisivoLoading
@testable import VisivoQuery

/// `serve`'s builds remember what did not change (`LoadMemo`, `BuildSession`); each must
/// still end exactly where a fresh build of the same files ends.
@Suite struct BuildSessionTests {
    /// One process's builds: the same loader memo and session every time.
    final class Session {
        let dir: String
        var loader: ProjectLoader
        let session = BuildSession()

        init(_ dir: String) {
            self.dir = dir
            loader = ProjectLoader(workingDirectory: dir, environment: [:])
            loader.memo = LoadMemo()
        }

        @discardableResult
        func build() throws -> (BuildSummary, RecordingReporter) {
            let project = try loader.load()
            let reporter = RecordingReporter()
            let engine = BuildEngine(CompiledProject(project, session: session), options: BuildOptions(projectDirectory: project.directory), session: session)
            return (try engine.run(reporter: reporter), reporter)
        }
    }

    /// Every trace's data.json and the project.json, as a fresh build leaves them.
    func outputs(_ dir: String) -> [String: String] {
        var out: [String: String] = [:]
        for t in ["by region", "by day", "thing labels", "scripted"] { out[t] = readText(dir + "/target/\(t)/data.json") }
        out["project.json"] = readText(dir + "/target/project.json")
        return out
    }

    /// The outputs a fresh build (no memo, no session) makes of the same files, in a copy.
    func freshOutputs(_ dir: String) throws -> [String: String] {
        try withTemporaryDirectory { copy in
            let files = ["project.visivo.yml", "make.sh", "shop.db", "other.db"]
            for f in files { try FileManager.default.copyItem(atPath: dir + "/" + f, toPath: copy + "/" + f) }
            try build(copy)
            // project.json names the folder it was built in.
            return outputs(copy).mapValues { $0.replacingOccurrences(of: copy, with: dir) }
        }
    }

    @Test func rebuildsAfterEditsEqualFreshBuilds() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let serve = Session(dir)
            let (first, _) = try serve.build()
            #expect(first.built == 5)
            #expect(outputs(dir) == (try freshOutputs(dir)))

            let (same, r0) = try serve.build()
            #expect(same.built == 0 && same.reused == 5 && r0.names(with: .built).isEmpty)

            // A static prop: nothing runs, project.json changes.
            let yml = dir + "/project.visivo.yml"
            var text = readText(yml)!
            text = text.replacingOccurrences(of: "props: {type: bar, x: query(day)", with: "props: {type: bar, opacity: 0.5, x: query(day)")
            try text.write(toFile: yml, atomically: true, encoding: .utf8)
            let (props, r1) = try serve.build()
            #expect(props.built == 0 && r1.names(with: .built).isEmpty)
            #expect(readText(dir + "/target/project.json")?.contains("0.5") == true)
            #expect(outputs(dir) == (try freshOutputs(dir)))

            // A query edit: that trace runs, the others are settled.
            text = text.replacingOccurrences(of: "y: query(sum(amount))", with: "y: query(max(amount))")
            try text.write(toFile: yml, atomically: true, encoding: .utf8)
            let (query, r2) = try serve.build()
            #expect(r2.names(with: .built) == ["by region"])
            #expect(query.reused == 4)
            #expect(readText(dir + "/target/by region/data.json") == #"{"by region":{"props.x":["n","s"],"props.y":[4.0,2.0]}}"#)
            #expect(outputs(dir) == (try freshOutputs(dir)))

            // New rows: every trace on that source runs again.
            let db = try SQLiteDatabase(path: dir + "/shop.db", label: "test", writable: true)
            try db.execute("insert into orders values ('e','d3',7)")
            let (data, r3) = try serve.build()
            #expect(r3.names(with: .built) == ["by region", "by day"])
            #expect(data.reused == 3)
            #expect(outputs(dir) == (try freshOutputs(dir)))
        }
    }

    /// Outputs and state removed under a running session (`visivo clean`): the state's files
    /// are not those the session saved, so it trusts nothing and puts every output back.
    @Test func aCleanUnderTheSessionIsNoticed() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let serve = Session(dir)
            try serve.build()
            try FileManager.default.removeItem(atPath: dir + "/target")
            for f in ["state", "filestat"] { try FileManager.default.removeItem(atPath: dir + "/.visivo/" + f) }
            let (again, r) = try serve.build()
            #expect(again.failed == 0)
            #expect(r.names(with: .built).isEmpty)  // restored from the cache
            #expect(outputs(dir) == (try freshOutputs(dir)))
        }
    }

    /// After a session's build, the command line's no-op check holds, and notices a
    /// deleted output: the session's snapshot vouches for every output, settled ones too.
    @Test func theSnapshotAfterASessionBuildCoversEveryOutput() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let serve = Session(dir)
            try serve.build()
            try serve.build()
            let loader = ProjectLoader(workingDirectory: dir, environment: [:])
            let options = BuildOptions(projectDirectory: dir)
            #expect(BuildEngine.upToDate(loader: loader, options: options) != nil)
            try FileManager.default.removeItem(atPath: dir + "/target/by day/data.json")
            #expect(BuildEngine.upToDate(loader: loader, options: options) == nil)
        }
    }

    /// A trace removed and added back with the same SQL: the build state records it again
    /// (`visivo cache prune` keeps what the state lists).
    @Test func aTraceRemovedAndAddedBackIsRecordedAgain() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let serve = Session(dir)
            try serve.build()
            let yml = dir + "/project.visivo.yml"
            let text = readText(yml)!
            let byDay = "  - name: by day\n    model: ref(orders)\n    props: {type: bar, x: query(day), y: query(count(*))}\n"
            #expect(text.contains(byDay))
            try text.replacingOccurrences(of: byDay, with: "").write(toFile: yml, atomically: true, encoding: .utf8)
            try serve.build()
            #expect(BuildState.load(from: dir + "/.visivo/state").nodes["by day"] == nil)
            try text.write(toFile: yml, atomically: true, encoding: .utf8)
            let (back, _) = try serve.build()
            #expect(back.failed == 0)
            #expect(BuildState.load(from: dir + "/.visivo/state").nodes["by day"] != nil)
            #expect(outputs(dir) == (try freshOutputs(dir)))
        }
    }

    /// project.json cannot be written (a folder is in its place): the build fails after its
    /// data is in place, its state is saved all the same, and an edit taken back later
    /// restores the earlier data.
    @Test func aFailedProjectJSONWriteLeavesTheSessionTrue() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let serve = Session(dir)
            try serve.build()
            let before = readText(dir + "/target/by region/data.json")
            let yml = dir + "/project.visivo.yml"
            let text = readText(yml)!
            try text.replacingOccurrences(of: "y: query(sum(amount))", with: "y: query(max(amount))").write(toFile: yml, atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: dir + "/target/project.json")
            try FileManager.default.createDirectory(atPath: dir + "/target/project.json/in-the-way", withIntermediateDirectories: true)
            #expect(throws: (any Error).self) { try serve.build() }
            #expect(readText(dir + "/target/by region/data.json") != before)
            try FileManager.default.removeItem(atPath: dir + "/target/project.json")
            try text.write(toFile: yml, atomically: true, encoding: .utf8)
            try serve.build()
            #expect(readText(dir + "/target/by region/data.json") == before)
            #expect(outputs(dir) == (try freshOutputs(dir)))
        }
    }
}
