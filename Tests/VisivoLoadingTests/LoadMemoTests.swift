import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoLoading
@testable import VisivoProject

/// Files decode one by one and are combined (in parallel, and from `serve`'s memo when
/// unchanged); the result must be exactly what one decoder reading them in sequence makes.
@Suite struct LoadMemoTests {
    static let project = """
        name: p
        sources:
          - {name: db, type: sqlite, database: db.sqlite}
        defaults: {source_name: db}
        includes:
          - path: a.visivo.yml
          - path: b.visivo.yml
        models:
          - {name: m, sql: select 1 as x}

        """

    /// A name used once in an earlier file and twice in a later one: both later uses are
    /// reported against the first, as in sequence.
    @Test func duplicatesAcrossFilesNameTheFirst() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.project,
            "a.visivo.yml": "traces:\n  - {name: t, model: ref(m), props: {type: bar, x: query(x)}}\n",
            "b.visivo.yml":
                "traces:\n  - {name: t, model: ref(m), props: {type: bar, x: query(x)}}\n  - {name: t, model: ref(m), props: {type: bar, x: query(x)}}\n",
        ])
        #expect(
            d == [
                "b.visivo.yml:2:12: error: duplicate name 't': another trace already has this name at a.visivo.yml:2:12",
                "b.visivo.yml:3:12: error: duplicate name 't': another trace already has this name at a.visivo.yml:2:12",
            ])
    }

    /// An inline trace's made-up name ("c trace") taken by an earlier file: in sequence the
    /// decoder makes up "c trace 2", and so must the combined load.
    @Test func madeUpNameTakenInAnEarlierFile() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    "project.visivo.yml": Self.project,
                    "a.visivo.yml": "traces:\n  - {name: c trace, model: ref(m), props: {type: bar, x: query(x)}}\n",
                    "b.visivo.yml": "charts:\n  - name: c\n    traces:\n      - {model: ref(m), props: {type: bar, x: query(x)}}\n",
                ], in: dir)
            let p = try load(dir)
            #expect(p.traces.map(\.name) == ["c trace", "c trace 2"])
            #expect(p.charts.first?.traces.map(\.name) == ["c trace 2"])
        }
    }

    /// Loads with a memo across edits equal fresh loads: the project, and the diagnostics
    /// of a file that does not render (which repeat on every load).
    @Test func memoizedLoadsEqualFreshLoads() throws {
        try withTemporaryDirectory { dir in
            let a = "traces:\n  - {name: ta, model: ref(m), props: {type: bar, x: query(x)}}\n"
            var files = [
                "project.visivo.yml": Self.project,
                "a.visivo.yml": a,
                "b.visivo.yml": "charts:\n  - name: c\n    traces:\n      - {model: ref(m), props: {type: bar, x: query(x)}}\n",
            ]
            try write(files, in: dir)
            var memoized = ProjectLoader(workingDirectory: dir, environment: ["K": "1"])
            memoized.memo = LoadMemo()
            let fresh = ProjectLoader(workingDirectory: dir, environment: ["K": "1"])
            func same() throws {
                func outcome(_ loader: ProjectLoader) -> Result<Project, DiagnosticsError> {
                    do { return .success(try loader.load()) } catch { return .failure(error) }
                }
                let x = outcome(memoized), y = outcome(fresh)
                switch (x, y) {
                case (.success(let p), .success(let q)):
                    #expect(ProjectJSON.render(p).serialized == ProjectJSON.render(q).serialized)
                    #expect(p.contentHash == q.contentHash)
                case (.failure(let e), .failure(let f)):
                    #expect(e.diagnostics.map(\.description) == f.diagnostics.map(\.description))
                default:
                    Issue.record("memoized \(x), fresh \(y)")
                }
            }
            try same()
            try same()
            // An edit of one file: a renamed trace and a new one.
            files["a.visivo.yml"] = a.replacingOccurrences(of: "ta", with: "ta2") + "  - {name: tb, model: ref(m), props: {type: bar, y: query(x)}}\n"
            try write(files, in: dir)
            try same()
            // The edit moves a.visivo.yml's trace to b, where it now clashes.
            try write(["b.visivo.yml": files["b.visivo.yml"]! + "traces:\n  - {name: tb, model: ref(m), props: {type: bar, x: query(x)}}\n"], in: dir)
            try same()
            #expect(throws: DiagnosticsError.self) { try memoized.load() }
            // A template error in one file; then fixed.
            try write(["b.visivo.yml": "charts:\n  - name: c\n    layout: {title: {text: \"{{ env_var('MISSING') }}\"}}\n    traces: [ref(ta2)]\n"], in: dir)
            try same()
            try same()
            try write(["b.visivo.yml": "charts:\n  - name: c\n    layout: {title: {text: \"{{ env_var('K') }}\"}}\n    traces: [ref(ta2)]\n"], in: dir)
            try same()
            #expect(try memoized.load().charts.first?.layout?.serialized.contains("\"1\"") == true)
            // Other template variables: files render anew.
            memoized.environment["K"] = "2"
            #expect(try memoized.load().charts.first?.layout?.serialized.contains("\"2\"") == true)
        }
    }
}
