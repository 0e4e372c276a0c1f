import Foundation
import Testing
import VisivoTestSupport

/// The command-line front end, run as users run it: selection flags, formats, exit codes.
@Suite struct CommandLineTests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the visivo binary in `dir`; stdout and stderr go to files (no pipe deadlocks).
    func visivo(_ args: [String], in dir: String) throws -> Output {
        let binary = try visivoBinaryPath()
        let out = dir + "/.out", err = dir + "/.err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: readText(out) ?? "", stderr: readText(err) ?? "")
    }

    func names(_ list: String) -> Set<String> {
        Set(
            list.split(separator: "\n").map { line in
                let afterKind = line.dropFirst(10)
                return String(afterKind.components(separatedBy: "  ").first ?? "")
            })
    }

    /// An unset variable in `visivo clean -o "$OUT"`, or `-o .`, deletes nothing.
    @Test func cleanRefusesAnEmptyOrProjectOutputFolder() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            let empty = try visivo(["clean", "-o", ""], in: dir)
            #expect(empty.status == 64 && empty.stderr.contains("--output-dir is empty"))
            let here = try visivo(["clean", "-o", "."], in: dir)
            #expect(here.status == 1 && here.stderr.contains("refusing to clean \(dir)"))
            #expect(readText(dir + "/project.visivo.yml") != nil && readText(dir + "/make.sh") != nil)
        }
    }

    @Test func selectionFlags() throws {
        try withTemporaryDirectory { dir in
            try write(graphProject, in: dir)
            let exclude = try visivo(["dag", "--no-state", "--format", "list", "--select", "orders+", "--exclude", "type:chart", "dash"], in: dir)
            #expect(exclude.status == 0)
            #expect(names(exclude.stdout) == ["orders", "t1", "t2", "merged", "t4"])
            let nf = try visivo(["dag", "--no-state", "--format", "list", "-nf", "t3"], in: dir)
            #expect(names(nf.stdout) == ["csv", "t3", "c2", "dash"])
            let df = try visivo(["dag", "--no-state", "--format", "list", "-df", "type:trace,source:db"], in: dir)
            #expect(names(df.stdout) == ["t1", "t2", "t4"])
            let bad = try visivo(["dag", "--select", "t9"], in: dir)
            #expect(bad.status == 2)
            #expect(bad.stderr == "error: selector 't9' matches no node (did you mean 't1'?)\n")
        }
    }

    /// Progress lines are printed by a thread of their own: every line arrives, in the
    /// order the nodes finished, with problems and the summary after them.
    @Test func progressLinesArriveInOrderBeforeTheSummary() throws {
        try withTemporaryDirectory { dir in
            let traces = (0..<60).map { "  - {name: t\($0), model: ref(m), props: {type: bar, x: query(a + \($0))}}" }
            try write(
                [
                    "project.visivo.yml": """
                    sources: [{name: db, type: sqlite, database: db.sqlite}]
                    models:
                      - {name: m, source: ref(db), sql: select 1 as a}
                      - {name: broken, source: ref(db), sql: select * from no_such_table}
                    traces:
                    \(traces.joined(separator: "\n"))
                      - {name: bad, model: ref(broken), props: {type: bar, x: query(a)}}

                    """
                ], in: dir)
            try makeSQLite(dir + "/db.sqlite", "create table x(a);")
            let r = try visivo(["build", "--threads", "2"], in: dir)
            #expect(r.status == 1)
            let lines = r.stderr.split(separator: "\n").map(String.init)
            let built = lines.filter { $0.contains("] built trace '") }
            #expect(built.count == 60)
            let counters = built.compactMap { Int($0.dropFirst().prefix { $0 != "/" }) }
            #expect(counters == counters.sorted() && Set(counters).count == 60, "\(counters)")
            #expect(lines.filter { $0.hasPrefix("FAILED trace 'bad': query failed on source 'db'") }.count == 1)
            #expect(lines.last == lines.first { $0.hasPrefix("built 60, reused 0, failed 1, skipped 0 in ") })
        }
    }

    /// `--remote-cache`: one checkout uploads, another takes everything (and `--explain`
    /// says so); a bad address is a usage error.
    @Test func remoteCacheFlags() throws {
        let server = NginxTestServer.current
        try server.check()
        let remote = server.freshLocation("cli")
        try withTemporaryDirectory { a in
            try withTemporaryDirectory { b in
                try withTemporaryDirectory { c in
                    try ShopProject.setUp(a)
                    for dir in [b, c] {
                        for f in ["project.visivo.yml", "make.sh", "shop.db", "other.db"] {
                            try FileManager.default.copyItem(atPath: a + "/" + f, toPath: dir + "/" + f)
                        }
                    }
                    let first = try visivo(["build", "--remote-cache", remote.url], in: a)
                    #expect(first.status == 0, "\(first.stderr)")
                    let second = try visivo(["build", "-v", "--remote-cache", remote.url, "--remote-cache-mode", "read"], in: b)
                    #expect(second.status == 0)
                    #expect(second.stderr.contains("built 0, reused 5 (5 from the remote cache), failed 0"), "\(second.stderr)")
                    #expect(second.stderr.contains("reused trace 'by region' ("), "\(second.stderr)")
                    #expect(second.stderr.contains(", from the remote cache)"), "\(second.stderr)")
                    let explain = try visivo(["build", "--explain", "--dry-run", "--remote-cache", remote.url], in: c)
                    #expect(explain.stdout.contains("trace     by region  fresh (remote hit: restored from the remote cache)"), "\(explain.stdout)")
                    // dag takes the same flags (in a checkout of its own: nothing local at all).
                    try withTemporaryDirectory { d in
                        for f in ["project.visivo.yml", "make.sh", "shop.db", "other.db"] {
                            try FileManager.default.copyItem(atPath: a + "/" + f, toPath: d + "/" + f)
                        }
                        let dag = try visivo(["dag", "--format", "list", "--remote-cache", remote.url], in: d)
                        #expect(dag.status == 0 && dag.stdout.contains("by region  [fresh (remote hit: restored from the remote cache)]"), "\(dag.stdout)")
                    }
                    let bad = try visivo(["build", "--remote-cache", "ftp://example.com/x"], in: c)
                    #expect(bad.status == 64 && bad.stderr.contains("must be an http:// or https:// address"), "\(bad.stderr)")
                }
            }
        }
    }

    @Test func compileWritesQueriesAndMasksPasswords() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "project.visivo.yml": """
                    sources:
                      - {name: pg, type: postgresql, database: d, host: h, password: "{{ env_var('SECRET_PW', 'hunter2-secret') }}"}
                    models: [{name: m, sql: select 1 as a, source: ref(pg)}]
                    traces: [{name: t, model: ref(m), props: {x: query(a)}}]

                    """
                ], in: dir)
            let r = try visivo(["compile"], in: dir)
            #expect(r.status == 0)
            #expect(r.stderr.hasPrefix("compiled 3 nodes and 1 query (1 query.sql written) into "))
            let json = readText(dir + "/target/project.json") ?? ""
            #expect(json.contains("\"password\":\"**********\""))
            #expect(!json.contains("hunter2-secret"))
            #expect(readText(dir + "/target/t/query.sql")?.hasSuffix("-- source: pg") == true)
        }
    }

    @Test func projectErrorsExitOneAndNameEveryPlace() throws {
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": "models:\n  - name: m\n    sql: select 1\n    sorce: x\n"], in: dir)
            let r = try visivo(["build"], in: dir)
            #expect(r.status == 1)
            #expect(
                r.stderr == """
                    project.visivo.yml:2:5: error: model 'm' names no source and the project has no defaults.source_name (add 'source: ref(NAME)' or a default)
                    project.visivo.yml:4:5: error: unknown key 'sorce' in model 'm' (did you mean 'source'?)
                    2 errors; nothing was built

                    """)
        }
    }

    /// `visivo test` exits 1 on a failing assertion, names it with its place and values,
    /// and writes JUnit XML; `visivo dist` refuses an insight with more input combinations
    /// than --max-input-combinations, naming it and the count, and writes nothing.
    @Test func testCommandAndDistCombinationLimit() throws {
        try withTemporaryDirectory { dir in
            let fixture = repositoryRoot + "/Tests/Fixtures/format2x"
            for f in ["project.visivo.yml", "data.sql"] { try FileManager.default.copyItem(atPath: "\(fixture)/\(f)", toPath: "\(dir)/\(f)") }
            try makeSQLite(dir + "/shop.db", try String(contentsOfFile: dir + "/data.sql", encoding: .utf8))
            let passing = try visivo(["test", "--junit", "results.xml"], in: dir)
            #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
            #expect(passing.stdout.hasSuffix("2 passed, 0 failed\n"))
            #expect(readText(dir + "/results.xml")?.contains("<testsuites tests=\"2\" failures=\"0\" skipped=\"0\"") == true)

            let yml = dir + "/project.visivo.yml"
            let text = try #require(readText(yml))
            try text.replacingOccurrences(of: "== 851.99 }", with: "== 852 }").write(toFile: yml, atomically: true, encoding: .utf8)
            let failing = try visivo(["test"], in: dir)
            #expect(failing.status == 1)
            #expect(failing.stdout.contains("FAIL revenue-total: >{ sum( ${ ref(revenue-by-region).props.y } ) == 852 }\n    at project.visivo.yml:"))
            #expect(
                failing.stdout.contains(
                    "it is false (${ref(revenue-by-region).props.y} = [360, 184.25, 70, 95.75, 141.99], sum(${ref(revenue-by-region).props.y}) = 851.99)"))

            let refused = try visivo(["dist", "--max-input-combinations", "10"], in: dir)
            #expect(refused.status == 1)
            #expect(
                refused.stderr.contains(
                    "error: insight 'region-orders' has 15 combinations of input values (region-pick: 5 × min-amount: 3), more than --max-input-combinations 10"
                ))
            #expect(!FileManager.default.fileExists(atPath: dir + "/dist"))
            let written = try visivo(["dist"], in: dir)
            #expect(written.status == 0, "\(written.stderr)")
            let variants = try FileManager.default.contentsOfDirectory(atPath: dir + "/dist/data").filter { $0.hasPrefix("region-orders-") }
            #expect(variants.count == 16)  // its data.json and 15 combinations
        }
    }

    /// examples/insights (the 2.x example) builds, passes its test and makes a dist.
    @Test func insightsExample() throws {
        try withTemporaryDirectory { dir in
            let example = repositoryRoot + "/examples/insights"
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: example + "/project.visivo.yml", toPath: dir + "/project.visivo.yml")
            try makeSQLite(dir + "/data/shop.db", try String(contentsOfFile: example + "/data/shop.sql", encoding: .utf8))
            let tested = try visivo(["test"], in: dir)
            #expect(tested.status == 0, "\(tested.stdout)\(tested.stderr)")
            #expect(tested.stdout.hasSuffix("2 passed, 0 failed\n"))
            let dist = try visivo(["dist"], in: dir)
            #expect(dist.status == 0, "\(dist.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir + "/dist/shop-insights/index.html"))
        }
    }
}
