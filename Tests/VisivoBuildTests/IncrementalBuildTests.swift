import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoConnectors
@testable import VisivoLoading
@testable import VisivoQuery

/// The build's promises, on real SQLite files and real script processes.
@Suite struct IncrementalBuildTests {
    func runs(_ dir: String) -> Int { (readText(dir + "/runs.log") ?? "").split(separator: "\n").count }

    @Test func secondBuildRunsNoQueryAndNoScript() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let (first, r1) = try build(dir)
            #expect(first.built == 5)  // 4 traces and the script model
            #expect(r1.names(with: .built) == ["by region", "by day", "thing labels", "scripted", "script"])
            #expect(readText(dir + "/target/by region/data.json") == #"{"by region":{"props.x":["n","s"],"props.y":[5.5,2.0]}}"#)
            let (second, r2) = try build(dir)
            #expect(second.built == 0)
            #expect(second.reused == 5)
            #expect(r2.names(with: .built).isEmpty)
            #expect(runs(dir) == 1)
        }
    }

    @Test func editingOneTraceRerunsExactlyIt() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            try write(["project.visivo.yml": ShopProject.files(traceY: "query(max(amount))")["project.visivo.yml"]!], in: dir)
            let (s, r) = try build(dir)
            #expect(r.names(with: .built) == ["by region"])
            #expect(s.reused == 4)
            #expect(readText(dir + "/target/by region/data.json") == #"{"by region":{"props.x":["n","s"],"props.y":[4.0,2.0]}}"#)
        }
    }

    @Test func touchingTheDatabaseWithoutChangingBytesRerunsNothing() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            let future = Date().addingTimeInterval(60)
            try FileManager.default.setAttributes([.modificationDate: future], ofItemAtPath: dir + "/shop.db")
            let (s, _) = try build(dir)
            #expect(s.built == 0)
        }
    }

    @Test func changingTheDatabaseRerunsOnlyWhatReadsIt() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            let db = try SQLiteDatabase(path: dir + "/shop.db", label: "t", writable: true)
            try db.execute("insert into orders values ('e','d3',9)")
            let (_, r) = try build(dir)
            #expect(r.names(with: .built) == ["by region", "by day"])
            #expect(readText(dir + "/target/by day/data.json")?.contains("d3") == true)
        }
    }

    @Test func scriptPrintingTheSameOutputRerunsNoTrace() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            // A change to the script file makes the model rerun; its output is the same.
            try write(["make.sh": ShopProject.files()["make.sh"]! + "# a comment\n"], in: dir)
            let (_, r) = try build(dir)
            #expect(r.names(with: .built) == ["script"])
            #expect(runs(dir) == 2)
        }
    }

    @Test func deletedOutputIsRestoredFromCacheWithoutAQuery() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            let before = readText(dir + "/target/thing labels/data.json")
            try FileManager.default.removeItem(atPath: dir + "/target/thing labels/data.json")
            try FileManager.default.removeItem(atPath: dir + "/other.db")  // a query would now fail
            try makeSQLite(dir + "/other.db", "create table things(label text); insert into things values ('x'),('y');")
            let (s, r) = try build(dir)
            #expect(s.built == 0)
            #expect(r.status(of: "thing labels") == .reused)
            #expect(readText(dir + "/target/thing labels/data.json") == before)
        }
    }

    @Test func sharedCacheDirectoryServesAFreshCheckout() throws {
        try withTemporaryDirectory { cache in
            try withTemporaryDirectory { a in
                try ShopProject.setUp(a)
                try build(a, cacheDirectory: cache)
            }
            try withTemporaryDirectory { b in
                try ShopProject.setUp(b)
                let (s, _) = try build(b, cacheDirectory: cache)
                // Nothing runs: the script model's CSV and every trace come from the shared cache.
                #expect(s.built == 0)
                #expect(s.reused == 5)
                #expect(readText(b + "/target/thing labels/data.json") == #"{"thing labels":{"props.x":["x","y"]}}"#)
            }
        }
    }

    @Test func manyResultsGoIntoOnePackThatServesAFreshCheckoutAndARefresh() throws {
        func setUp(_ dir: String) throws {
            let traces = (0..<40).map { "  - {name: t\($0), model: ref(orders), props: {type: bar, x: query(region), y: query(sum(amount) + \($0))}}" }
            try write(
                [
                    "project.visivo.yml": """
                    sources:
                      - {name: shop, type: sqlite, database: shop.db}
                    models:
                      - {name: orders, source: ref(shop), sql: select * from orders}
                    traces:
                    \(traces.joined(separator: "\n"))

                    """
                ], in: dir)
            try makeSQLite(dir + "/shop.db", "create table orders(region text, amount real); insert into orders values ('n',1.5),('s',2),('n',4);")
        }
        func files(_ dir: String, _ suffix: String) -> [String] {
            (FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(suffix) }
        }
        try withTemporaryDirectory { cache in
            try withTemporaryDirectory { a in
                try setUp(a)
                let (s, _) = try build(a, cacheDirectory: cache)
                #expect(s.built == 40)
                // The first 16 results are loose objects, the other 24 share one pack.
                #expect(files(cache + "/objects", "").filter { $0.count == 65 }.count == 16)
                #expect(files(cache + "/packs", ".idx").count == 1)
                #expect(FileCache(root: cache).size().objects == 40)
                // --refresh stores all 40 again; a fresh reader finds each result once.
                let (r, _) = try build(a, refresh: true, cacheDirectory: cache)
                #expect(r.built == 40)
                #expect(files(cache + "/packs", ".idx").count == 2)
                #expect(FileCache(root: cache).size().objects == 40)
            }
            try withTemporaryDirectory { b in
                try setUp(b)
                let (s, _) = try build(b, cacheDirectory: cache)
                #expect(s.built == 0)
                #expect(s.reused == 40)
                #expect(readText(b + "/target/t39/data.json") == #"{"t39":{"props.x":["n","s"],"props.y":[44.5,41.0]}}"#)
            }
        }
    }

    @Test func corruptCacheObjectIsAMissNotACrash() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            try FileManager.default.removeItem(atPath: dir + "/.visivo/state")
            try FileManager.default.removeItem(atPath: dir + "/target")
            let objects = dir + "/.visivo/cache/objects"
            for shard in try FileManager.default.contentsOfDirectory(atPath: objects) {
                for f in try FileManager.default.contentsOfDirectory(atPath: objects + "/" + shard) {
                    try Data("garbage".utf8).write(to: URL(fileURLWithPath: objects + "/" + shard + "/" + f))
                }
            }
            let (s, _) = try build(dir)
            #expect(s.failed == 0)
            #expect(s.built == 5)
        }
    }

    @Test func failureSkipsOnlyDependentsAndIsNotCached() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try write(
                [
                    "project.visivo.yml": ShopProject.files()["project.visivo.yml"]! + """
                          - {name: broken, model: ref(orders), props: {x: query(no_such_column)}}
                        charts:
                          - {name: broken chart, traces: [ref(broken)]}
                          - {name: good chart, traces: [ref(thing labels)]}

                        """
                ], in: dir)
            let (s, r) = try build(dir)
            #expect(s.failed == 1)
            #expect(s.skipped == 1)
            #expect(r.status(of: "broken chart") == .skipped)
            #expect(r.status(of: "good chart") == .checked)
            #expect(r.message(of: "broken")?.contains("no such column: no_such_column") == true)
            #expect(r.message(of: "broken")?.contains("target/broken/query.sql") == true)
            let (again, r2) = try build(dir)
            #expect(again.failed == 1)
            #expect(r2.names(with: .built) == [])
        }
    }

    @Test func scriptFailureNamesTheModelWithStderr() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try write(["make.sh": "echo 'k,v'\necho 'it broke' >&2\nexit 3\n"], in: dir)
            let (s, r) = try build(dir)
            #expect(s.failed == 1)
            let m = r.message(of: "script") ?? ""
            #expect(m.contains("CSV-script model 'script': 'sh' exited with status 3"))
            #expect(m.contains("it broke"))
            #expect(r.status(of: "scripted") == .skipped)
        }
    }

    @Test func refreshRerunsEverything() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            let (s, _) = try build(dir, refresh: true)
            #expect(s.built == 5)
            #expect(runs(dir) == 2)
        }
    }

    @Test func maxAgeExpiresResults() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try write(
                [
                    "project.visivo.yml": ShopProject.files()["project.visivo.yml"]!.replacingOccurrences(
                        of: "{name: shop, type: sqlite, database: shop.db}", with: "{name: shop, type: sqlite, database: shop.db, max_age: 0s}")
                ], in: dir)
            try build(dir)
            Thread.sleep(forTimeInterval: 1.1)
            let (_, r) = try build(dir)
            #expect(r.names(with: .built) == ["by region", "by day"])
        }
    }
}

@Suite struct MergeFreshnessTests {
    /// A local merge attaches CSV-script models as they are: when their data changes, the
    /// traces on the merge must run again, even though the copied SQL rows did not change.
    @Test func csvInputOfAMergeChangesItsTraces() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "project.visivo.yml": """
                    sources: [{name: db, type: sqlite, database: db.sqlite}]
                    defaults: {source_name: db}
                    models:
                      - {name: people, sql: select * from people}
                      - {name: teams, table_name: teams, args: [cat, teams.csv]}
                      - name: merged
                        models: [ref(people), ref(teams)]
                        sql: select p.name, t.label from people.model p join teams.teams t on t.id = p.team
                    traces:
                      - {name: roster, model: ref(merged), props: {x: query(name), y: query(label)}}

                    """,
                    "teams.csv": "id,label\n1,red\n",
                ], in: dir)
            try makeSQLite(dir + "/db.sqlite", "create table people(name text, team int); insert into people values ('ann', 1);")
            try build(dir)
            #expect(readText(dir + "/target/roster/data.json") == #"{"roster":{"props.x":["ann"],"props.y":["red"]}}"#)
            try write(["teams.csv": "id,label\n1,blue\n"], in: dir)
            let (_, r) = try build(dir)
            #expect(r.names(with: .built) == ["teams", "merged", "roster"])
            #expect(readText(dir + "/target/roster/data.json") == #"{"roster":{"props.x":["ann"],"props.y":["blue"]}}"#)
        }
    }
}

@Suite struct CancellationTests {
    /// Ctrl-C stops a running script and everything it started, soon (a script that
    /// ignores SIGTERM gets SIGKILL after a short grace), and nothing is cached.
    @Test(arguments: ["sleep 30; echo a; echo 1", "trap '' TERM; sleep 30; echo a; echo 1"])
    func cancelStopsScriptsAndTheirChildren(_ script: String) throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "project.visivo.yml": """
                    models:
                      - name: slow
                        args: [sh, -c, "\(script)"]
                    traces:
                      - {name: t, model: ref(slow), props: {x: query(a)}}

                    """
                ], in: dir)
            let compiled = CompiledProject(try load(dir))
            let engine = BuildEngine(compiled, options: BuildOptions(projectDirectory: dir))
            let canceller = Thread {
                Thread.sleep(forTimeInterval: 0.5)
                engine.cancel()
            }
            canceller.start()
            let start = ContinuousClock.now
            let summary = try engine.run(reporter: RecordingReporter())
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(summary.cancelled)
            #expect(!FileManager.default.fileExists(atPath: dir + "/target/t/data.json"))
            let objects = (try? FileManager.default.subpathsOfDirectory(atPath: dir + "/.visivo/cache/objects")) ?? []
            #expect(objects.filter { $0.count > 3 }.isEmpty)
        }
    }
}

/// The shortcut a no-op build takes must never hide a change.
@Suite struct NoOpSnapshotTests {
    func upToDate(_ dir: String) -> Bool {
        BuildEngine.upToDate(loader: ProjectLoader(workingDirectory: dir, environment: [:]), options: BuildOptions(projectDirectory: dir)) != nil
    }

    @Test func holdsUntilSomethingChanges() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            #expect(!upToDate(dir))
            try build(dir)
            #expect(upToDate(dir))
            let summary = BuildEngine.upToDate(loader: ProjectLoader(workingDirectory: dir, environment: [:]), options: BuildOptions(projectDirectory: dir))
            #expect(summary?.reused == 5)

            // An output deleted by hand.
            try FileManager.default.removeItem(atPath: dir + "/target/by day/query.sql")
            #expect(!upToDate(dir))
            try build(dir)
            #expect(upToDate(dir))

            // A database's bytes.
            try SQLiteDatabase(path: dir + "/shop.db", label: "t", writable: true).execute("insert into orders values ('w','d9',1)")
            #expect(!upToDate(dir))
            try build(dir)
            #expect(upToDate(dir))

            // A file a script reads.
            try write(["make.sh": ShopProject.files()["make.sh"]! + "\n"], in: dir)
            #expect(!upToDate(dir))
            try build(dir)

            // The project itself, and an environment variable a template reads.
            try write(["project.visivo.yml": ShopProject.files(traceY: "query(sum(amount) * 2)")["project.visivo.yml"]!], in: dir)
            #expect(!upToDate(dir))
            try build(dir)
            #expect(upToDate(dir))
        }
    }

    @Test func watchedFilesByStatInTwoHalves() throws {
        try withTemporaryDirectory { dir in
            var watched: [NoOpSnapshot.Watched] = []
            for k in 0..<9 {
                let path = dir + "/f\(k)"
                try write(["f\(k)": "content \(k)"], in: dir)
                watched.append(.init(path: path, stat: FileStatCache.fileStat(path)))
            }
            watched.append(.init(path: dir + "/missing-wal", stat: nil))
            #expect(NoOpSnapshot.unchanged(watched, parallelFrom: 2))
            #expect(NoOpSnapshot.unchanged(watched, parallelFrom: 100))

            // Saved and read back, the list is the same.
            let snapshot = NoOpSnapshot(
                contentHash: "h", binary: "b", outputDirectory: dir + "/target", files: ["p.yml"], expiry: nil,
                reused: 3, checked: 1, oldest: nil, watched: watched)
            try snapshot.save(to: dir + "/snap")
            #expect(NoOpSnapshot.load(from: dir + "/snap") == snapshot)

            // The absent file appears: a change, whichever half it is in.
            try write(["missing-wal": ""], in: dir)
            #expect(!NoOpSnapshot.unchanged(watched, parallelFrom: 2))
            try FileManager.default.removeItem(atPath: dir + "/missing-wal")
            #expect(NoOpSnapshot.unchanged(watched, parallelFrom: 2))

            // A file rewritten with other bytes of the same length (new inode via rename).
            try write(["f0": "content X"], in: dir)
            #expect(!NoOpSnapshot.unchanged(watched, parallelFrom: 2))
            #expect(!NoOpSnapshot.unchanged(watched, parallelFrom: 100))
        }
    }

    @Test func aFailedOrSelectedBuildLeavesNoSnapshot() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir, select: ["'by day'"])
            #expect(!upToDate(dir))
            try write(["make.sh": "exit 1\n"], in: dir)
            try build(dir)
            #expect(!upToDate(dir))
        }
    }

    @Test func templatedValuesCount() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let yml = ShopProject.files()["project.visivo.yml"]!.replacingOccurrences(
                of: "database: other.db", with: "database: \"{{ env_var('OTHER_DB', 'other.db') }}\"")
            try write(["project.visivo.yml": yml], in: dir)
            try build(dir)
            #expect(upToDate(dir))
            let loader = ProjectLoader(workingDirectory: dir, environment: ["OTHER_DB": "shop.db"])
            #expect(BuildEngine.upToDate(loader: loader, options: BuildOptions(projectDirectory: dir)) == nil)
        }
    }

    @Test func maxAgeEndsIt() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try write(
                [
                    "project.visivo.yml": ShopProject.files()["project.visivo.yml"]!.replacingOccurrences(
                        of: "{name: shop, type: sqlite, database: shop.db}", with: "{name: shop, type: sqlite, database: shop.db, max_age: 1s}")
                ], in: dir)
            try build(dir)
            #expect(upToDate(dir))
            Thread.sleep(forTimeInterval: 1.2)
            #expect(!upToDate(dir))
        }
    }
}
