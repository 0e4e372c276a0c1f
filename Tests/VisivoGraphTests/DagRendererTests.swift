import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoGraph
@testable import VisivoSupport

@Suite struct DagRendererTests {
    func renderer(_ body: (DagRenderer, ProjectGraph) throws -> Void) throws {
        try withTemporaryDirectory { dir in
            try write(graphProject, in: dir)
            let g = ProjectGraph(try load(dir))
            try body(DagRenderer(graph: g), g)
        }
    }

    @Test func treeShowsRootsAndMarksRepeats() throws {
        try renderer { r, _ throws in
            #expect(
                r.render(.tree) == """
                    dash (dashboard)
                    ├── c1 (chart)
                    │   ├── t1 (trace bar)
                    │   │   └── orders (model sql)
                    │   │       └── db (source sqlite)
                    │   └── t2 (trace scatter)
                    │       └── orders (model sql) ↑
                    └── c2 (chart)
                        └── t3 (trace bar)
                            └── csv (model csv_script)
                    t4 (trace bar)
                    └── merged (model local_merge)
                        ├── orders (model sql) ↑
                        └── csv (model csv_script)
                    11 nodes; ↑ marks a node whose inputs are shown above

                    """)
        }
    }

    @Test func treeFitsTheWidth() throws {
        try withTemporaryDirectory { dir in
            var yml = "sources: [{name: db, type: sqlite, database: x}]\ndefaults: {source_name: db}\nmodels: [{name: m, sql: select 1}]\ntraces:\n"
            for i in 0..<200 { yml += "  - {name: a rather long trace name number \(i) for the width check, model: ref(m), props: {type: bar}}\n" }
            yml +=
                "charts:\n  - name: all\n    traces: ["
                + (0..<200).map { "ref(a rather long trace name number \($0) for the width check)" }.joined(separator: ", ") + "]\n"
            try write(["project.visivo.yml": yml], in: dir)
            let out = DagRenderer(graph: ProjectGraph(try load(dir)), width: 80).render(.tree)
            let lines = out.split(separator: "\n")
            #expect(lines.count == 1 + 200 * 2 + 1 + 1)  // chart, each trace and its model, db once, the legend
            #expect(lines.allSatisfy { $0.count <= 80 })
        }
    }

    @Test func listJSONAndMermaid() throws {
        try renderer { r, g throws in
            #expect(r.render(.list).split(separator: "\n").first == "source    db")
            #expect(r.render(.list).contains("model     merged  <- orders, csv\n"))
            let json = try JSONParser.parse(Array(r.render(.json).utf8))
            guard case .array(let nodes)? = json["nodes"], case .array(let edges)? = json["edges"] else {
                Issue.record("json has no nodes and edges")
                return
            }
            #expect(nodes.count == g.nodes.count)
            #expect(
                nodes.contains(
                    .object([
                        ("name", .string("t3")), ("kind", .string("trace")), ("type", .string("bar")), ("file", .string("more.visivo.yml")),
                        ("line", .number("2")),
                    ])))
            #expect(edges.count == 12)
            #expect(edges.contains(.object([("from", .string("orders")), ("to", .string("merged"))])))
            let mermaid = r.render(.mermaid)
            #expect(mermaid.hasPrefix("flowchart LR\n"))
            #expect(mermaid.split(separator: "\n").filter { $0.contains("-->") }.count == 12)
        }
    }

    /// Graphviz must accept what `--format dot` prints.
    @Test func dotRendersWithGraphviz() throws {
        try renderer { r, _ throws in
            let dot = r.render(.dot)
            #expect(dot.contains("\"orders\" -> \"merged\";"))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/dot")
            process.arguments = ["-Tsvg"]
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            input.fileHandleForWriting.write(Data(dot.utf8))
            try input.fileHandleForWriting.close()
            let svg = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(svg.contains("<svg"))
            #expect(svg.contains("merged"))
        }
    }
}
