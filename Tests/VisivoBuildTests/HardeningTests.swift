import CSQLite
import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoLoading
@testable import VisivoProject
@testable import VisivoQuery
@testable import VisivoSupport

/// Regressions for what a hostile or unlucky user found: each test reproduces one defect.
@Suite struct HardeningTests {
    /// A source attaching itself, or two attaching each other, is a cycle like any other:
    /// a load error, not a build that waits forever.
    @Test func attachCyclesAreLoadErrors() throws {
        let own = try diagnostics([
            "project.visivo.yml": """
            sources:
              - {name: a, type: sqlite, database: a.db, attach: [{schema_name: me, source: ref(a)}]}

            """
        ])
        #expect(own == ["project.visivo.yml:2:5: error: dependency cycle: a -> a"])
        let mutual = try diagnostics([
            "project.visivo.yml": """
            sources:
              - {name: a, type: sqlite, database: a.db, attach: [{schema_name: b, source: ref(b)}]}
              - {name: b, type: sqlite, database: b.db, attach: [{schema_name: a, source: ref(a)}]}
              - {name: c, type: sqlite, database: c.db, attach: [{schema_name: a, source: ref(a)}]}

            """
        ])
        #expect(mutual == ["project.visivo.yml:2:5: error: dependency cycle: a -> b -> a"])
    }

    /// The engine itself never waits on nodes that cannot become ready: a graph whose
    /// nodes wait on each other fails them instead of hanging.
    @Test func schedulerNoticesNodesWaitingOnEachOther() {
        var s = Scheduler(
            needs: [[], [2], [1], [0]], dependents: [[3], [2], [1], []], resource: [nil, nil, nil, nil], limits: [:], threads: 2, nodes: [0, 1, 2, 3])
        #expect(s.next() == 0)
        #expect(!s.isStuck)
        s.finish(0, .succeeded)
        #expect(s.next() == 3)
        s.finish(3, .succeeded)
        #expect(s.next() == nil)
        #expect(s.isStuck)
        #expect(s.abandonWaiting() == [1, 2])
        #expect(s.isDone)
    }

    /// Scripts started at the same moment hold none of each other's pipes: the fast one
    /// is done long before the slow one.
    @Test func aFastScriptDoesNotWaitForASlowOne() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "slow.sh": "sleep 2; printf 'k,v\\n1,2\\n'\n",
                    "fast.sh": "printf 'k,v\\n1,2\\n'\n",
                    "project.visivo.yml": """
                    models:
                      - {name: slow, args: [sh, slow.sh]}
                      - {name: fast1, args: [sh, fast.sh]}
                      - {name: fast2, args: [sh, fast.sh]}
                      - {name: fast3, args: [sh, fast.sh]}
                    traces:
                      - {name: s, model: ref(slow), props: {x: query(k)}}
                      - {name: f1, model: ref(fast1), props: {x: query(k)}}
                      - {name: f2, model: ref(fast2), props: {x: query(k)}}
                      - {name: f3, model: ref(fast3), props: {x: query(k)}}

                    """,
                ], in: dir)
            let (summary, r) = try build(dir, threads: 4)
            #expect(summary.succeeded)
            let durations = r.events.withLock { events in Dictionary(events.map { ($0.name, $0.duration) }, uniquingKeysWith: { a, _ in a }) }
            #expect(durations["slow"].map { $0 >= .seconds(2) } == true)
            for name in ["fast1", "fast2", "fast3"] {
                #expect(durations[name].map { $0 < .seconds(1) } == true, "\(name): \(String(describing: durations[name]))")
            }
        }
    }

    /// A script holds no descriptor of visivo's beyond stdin, stdout and stderr.
    @Test func scriptsInheritOnlyTheirThreeDescriptors() throws {
        try withTemporaryDirectory { dir in
            // A descriptor open in this process without close-on-exec.
            let leaked = open(dir + "/leak", O_WRONLY | O_CREAT, 0o600)
            defer { close(leaked) }
            let out = try ScriptRunner().run(["sh", "-c", "echo fd; ls /proc/self/fd | sort -n | tr '\\n' ' '"], in: dir)
            let listed = String(decoding: out, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            // 0, 1, 2 and the descriptor `ls` opens to list the folder.
            #expect(listed.split(separator: " ").compactMap { Int($0) }.filter { $0 > 3 } == [], "\(listed)")
        }
    }

    /// Every data.json under `dir/target`, by trace folder.
    static func outputs(_ dir: String) -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/target")) ?? []
        return Dictionary(uniqueKeysWithValues: names.compactMap { n in readText(dir + "/target/\(n)/data.json").map { (n, $0) } })
    }

    /// Cache objects moved to one another's places are corrupt there, not another trace's data.
    @Test func aCacheObjectServesOnlyItsOwnKey() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            let before = Self.outputs(dir)
            #expect(before.count == 4)
            let objects = dir + "/.visivo/cache/objects"
            let files = (FileManager.default.subpaths(atPath: objects) ?? []).filter { $0.count > 3 && !$0.contains(".tmp") }.sorted()
            #expect(files.count >= 4)
            // Each object file gets the next one's bytes.
            let contents = try files.map { try Data(contentsOf: URL(fileURLWithPath: objects + "/" + $0)) }
            for (k, f) in files.enumerated() { try contents[(k + 1) % files.count].write(to: URL(fileURLWithPath: objects + "/" + f)) }
            try FileManager.default.removeItem(atPath: dir + "/target")
            let project = try load(dir)
            let reporter = RecordingReporter()
            let summary = try BuildEngine(CompiledProject(project), options: BuildOptions(projectDirectory: dir)).run(reporter: reporter)
            #expect(summary.succeeded)
            #expect(Self.outputs(dir) == before)
        }
    }

    /// A no-op snapshot cut anywhere, or altered, is no snapshot: the build looks again.
    @Test func aDamagedSnapshotIsNoSnapshot() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            let path = NoOpSnapshot.path(stateDirectory: dir + "/.visivo")
            let whole = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(NoOpSnapshot.load(from: path) != nil)
            try FileManager.default.removeItem(atPath: dir + "/target/by day/data.json")
            var cuts = whole.indices.filter { whole[$0] == 0x0A }.map { $0 + 1 }
            cuts += [whole.count / 2, whole.count - 1]
            for cut in cuts where cut < whole.count {
                try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
                #expect(NoOpSnapshot.load(from: path) == nil, "cut at \(cut) of \(whole.count)")
                #expect(
                    BuildEngine.upToDate(loader: ProjectLoader(workingDirectory: dir, environment: [:]), options: BuildOptions(projectDirectory: dir)) == nil)
            }
            var altered = whole
            altered[altered.count / 3] ^= 0x01
            try altered.write(to: URL(fileURLWithPath: path))
            #expect(NoOpSnapshot.load(from: path) == nil)
        }
    }

    /// The build state and the stat cache are sealed the same way: damaged, they are absent.
    @Test func damagedRecordsReadAsAbsent() throws {
        try withTemporaryDirectory { dir in
            var state = BuildState()
            state.nodes["t"] = BuildState.NodeRecord(fingerprint: "k", status: .built, durationMs: 3)
            try state.save(to: dir + "/state.json")
            #expect(BuildState.load(from: dir + "/state.json").nodes.count == 1)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/state.json"))
            try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: dir + "/state.json"))
            #expect(BuildState.load(from: dir + "/state.json").nodes.isEmpty)
            #expect(SealedFile.unseal(Array("a\n".utf8)) == nil)
        }
    }

    /// What visivo stores of the rendered project (which holds secrets) is keyed by the
    /// checkout: the same files in two folders give unrelated hashes, neither of them the
    /// plain SHA-256 that a password guess could be checked against.
    @Test func theStoredContentHashIsKeyed() throws {
        let files = ["project.visivo.yml": "name: p\nsources:\n  - {name: s, type: postgresql, host: h, database: d, password: \"{{ env_var('PW') }}\"}\n"]
        let hashes = try (0..<2).map { _ in
            try withTemporaryDirectory { dir in
                try write(files, in: dir)
                return try load(dir, environment: ["PW": "hunter2"]).contentHash
            }
        }
        #expect(hashes[0] != hashes[1])
        try withTemporaryDirectory { dir in
            try write(files, in: dir)
            let first = try load(dir, environment: ["PW": "hunter2"]).contentHash
            #expect(try load(dir, environment: ["PW": "hunter2"]).contentHash == first)
            #expect(try load(dir, environment: ["PW": "hunter3"]).contentHash != first)
            let key = try Data(contentsOf: URL(fileURLWithPath: dir + "/.visivo/content-key"))
            #expect(key.count == 32)
            let mode = try FileManager.default.attributesOfItem(atPath: dir + "/.visivo/content-key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    /// Numbers that overflow, nesting that would exhaust the stack, aliases that expand
    /// without end: each a diagnostic where it is written.
    @Test func limitsAreDiagnostics() throws {
        let overflow = try diagnostics([
            "project.visivo.yml": "sources:\n  - {name: s, type: sqlite, database: a.db, max_age: 106751991167301d}\n"
        ])
        #expect(overflow == ["project.visivo.yml:2:54: error: 'max_age' of source 's' must be a duration such as 30s, 15m, 1h or 2d"])
        let deep = try diagnostics(["project.visivo.yml": "x: " + String(repeating: "[", count: 7000) + String(repeating: "]", count: 7000) + "\n"])
        #expect(deep == ["project.visivo.yml:1:259: error: lists and mappings nest more than 256 levels deep here"])
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in 1..<9 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]") }
        lines.append("models: *a8")
        // Aliases nest what they stand for: a chain of deep anchors is as deep as written out.
        var chain = ["a0: &a0 " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200)]
        for i in 1..<4 { chain.append("a\(i): &a\(i) " + String(repeating: "[", count: 100) + "*a\(i - 1)" + String(repeating: "]", count: 100)) }
        let nested = try diagnostics(["project.visivo.yml": chain.joined(separator: "\n") + "\n"])
        #expect(nested == ["project.visivo.yml:2:109: error: lists and mappings nest more than 256 levels deep here (with aliases expanded)"])
        let laughs = try diagnostics(["project.visivo.yml": lines.joined(separator: "\n") + "\n"])
        #expect(laughs.count == 1)
        #expect(laughs.first?.contains("with its aliases expanded, this file holds more than 1000000 values") == true)
    }

    /// Files that are not regular files, names too long for a file, bytes that are not
    /// UTF-8: each said where it is, never "does not exist" and never a hang.
    @Test func unreadableFilesAreSaidForWhatTheyAre() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "project.visivo.yml": "includes:\n  - path: fifo\n  - path: folder\n  - path: /dev/null\n  - path: bad.yml\n",
                    "folder/x": "",
                ], in: dir)
            #expect(mkfifo(dir + "/fifo", 0o600) == 0)
            try Data([0x74, 0x3A, 0x20, 0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: dir + "/bad.yml"))
            #expect(
                try diagnosticsIn(dir) == [
                    "bad.yml:1:7: error: bad.yml is not valid UTF-8 here (project files are UTF-8 text)",
                    "project.visivo.yml:2:11: error: included file fifo is a FIFO, not a file",
                    "project.visivo.yml:3:11: error: included file folder is a folder, not a file",
                    "project.visivo.yml:4:11: error: included file /dev/null is a device, not a file",
                ])
        }
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/project.visivo.yml", withIntermediateDirectories: true)
            #expect(try diagnosticsIn(dir) == ["error: project file project.visivo.yml is a folder, not a file"])
        }
        let long = String(repeating: "n", count: 256)
        let named = try diagnostics(["project.visivo.yml": "models:\n  - {name: \(long), args: [echo]}\n"])
        #expect(named.count == 1, "\(named)")
        #expect(named.first?.hasPrefix("project.visivo.yml:2:12: error: invalid model name '\(String(repeating: "n", count: 60))...'") == true)
        #expect(named.first?.hasSuffix("or be longer than 200 bytes") == true)
    }

    /// A FIFO or /dev/stdin among a script's arguments is no input to hash (it would never
    /// end): `--dry-run` and the build finish.
    @Test func specialFilesAmongScriptArgumentsDoNotHang() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "s.sh": "printf 'k,v\\n1,2\\n'\n",
                    "project.visivo.yml": """
                    models:
                      - {name: m, args: [sh, s.sh, fifo, /dev/stdin]}
                    traces:
                      - {name: t, model: ref(m), props: {x: query(k)}}

                    """,
                ], in: dir)
            #expect(mkfifo(dir + "/fifo", 0o600) == 0)
            #expect(ScriptInputs.files(args: ["sh", "s.sh", "fifo", "/dev/stdin"], directory: dir) == [dir + "/s.sh"])
            let (summary, _) = try build(dir)
            #expect(summary.succeeded)
            #expect(throws: FingerprintError.cannotOpen(path: dir + "/fifo", reason: "not a regular file")) {
                try FingerprintHasher.hashFile(at: dir + "/fifo")
            }
        }
    }

    /// A `table_name` that is no plain identifier (a space, a quote, a keyword) still
    /// names its table: it is quoted where the trace query reads it.
    @Test func tableNamesAreQuotedWhereNeeded() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "project.visivo.yml": """
                    models:
                      - {name: spaced, table_name: my "odd" table, args: [printf, 'k,v\\n1,2\\n']}
                      - {name: keyword, table_name: order, args: [printf, 'k,v\\n3,4\\n']}
                      - {name: plain, table_name: people, args: [printf, 'k,v\\n5,6\\n']}
                    traces:
                      - {name: a, model: ref(spaced), props: {x: query(k)}}
                      - {name: b, model: ref(keyword), props: {x: query(k)}}
                      - {name: c, model: ref(plain), props: {x: query(k)}}

                    """
                ], in: dir)
            let (summary, r) = try build(dir)
            #expect(summary.succeeded, "\(r.events.withLock { $0.compactMap(\.message) })")
            #expect(readText(dir + "/target/a/data.json") == #"{"a":{"props.x":[1]}}"#)
            #expect(readText(dir + "/target/b/data.json") == #"{"b":{"props.x":[3]}}"#)
            // A plain name is written as the reference writes it.
            #expect(readText(dir + "/target/c/query.sql")?.contains("select * from people\n") == true)
        }
        var fromLibrary: Set<String> = []
        for i in 0..<sqlite3_keyword_count() {
            var name: UnsafePointer<CChar>?
            var length: Int32 = 0
            sqlite3_keyword_name(i, &name, &length)
            if let name { fromLibrary.insert(String(decoding: UnsafeRawBufferPointer(start: name, count: Int(length)), as: UTF8.self)) }
        }
        #expect(SQLiteName.keywords == fromLibrary)
        #expect(SQLiteName.tableReference("model") == "model")
        #expect(SQLiteName.tableReference("Order") == #""Order""#)
        #expect(SQLiteName.tableReference("1st") == #""1st""#)
    }

    /// A trace's folder made a link to elsewhere is not written through: the trace fails
    /// and says why, the linked folder is untouched, the other traces build.
    @Test func outputsAreNotWrittenThroughALinkedFolder() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            try FileManager.default.createDirectory(atPath: dir + "/elsewhere", withIntermediateDirectories: true)
            try FileManager.default.removeItem(atPath: dir + "/target/by day")
            #expect(symlink(dir + "/elsewhere", dir + "/target/by day") == 0)
            let (summary, r) = try build(dir)
            #expect(r.status(of: "by day") == .failed)
            #expect(r.message(of: "by day")?.contains("target/by day is a symbolic link") == true)
            #expect(summary.failed == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/elsewhere").isEmpty)
        }
    }
}

/// The diagnostics of loading the project in `dir`, as printed.
func diagnosticsIn(_ dir: String) throws -> [String] {
    let loader = ProjectLoader(workingDirectory: dir, environment: [:])
    do throws(DiagnosticsError) {
        _ = try loader.load()
        return []
    } catch {
        return error.diagnostics.map { $0.description }
    }
}
