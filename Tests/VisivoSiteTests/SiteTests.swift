import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoSite
@testable import VisivoSupport

@Suite struct SiteTests {
    /// A page's document, parsed.
    func document(_ site: Site, _ path: String) throws -> JSONValue {
        let script = text(site.contents(of: path))
        #expect(script.hasPrefix("window.VISIVO_PROJECT = {") && script.hasSuffix("};\n"))
        return try JSONParser.parse(Array(script.dropFirst("window.VISIVO_PROJECT = ".count).dropLast(2).utf8))
    }

    @Test func documentsNameTracesAndOutcomesButNoConnectionDetails() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(in: dir)
            let (site, _) = try buildSite(dir)
            let script = text(site.contents(of: "sales-overview/dashboard.js"))
            let json = try document(site, "sales-overview/dashboard.js")
            let traces = try #require(json["traces"])
            #expect(traces["by region"]?["status"] == .string("ok"))
            #expect(traces["broken"]?["status"] == .string("failed"))
            let message = traces["broken"]?["message"]?.stringValue ?? ""
            #expect(message.contains("no_such_column"))
            #expect(json["dashboards"]?.arrayItems.first?["path"] == .string("sales-overview/"))
            // No source, model, SQL text or secret reaches the viewer.
            #expect(traces["by region"]?["props"]?["type"] == .string("bar"))
            #expect(traces["by region"]?["props"]?["x"] == .null)
            for page in [script, text(site.contents(of: "project.js"))] {
                for absent in ["hunter2", "shop.db", "select * from orders", "query(", "sum(amount)", "\"sources\"", "\"models\""] {
                    #expect(!page.contains(absent), "a document contains \(absent)")
                }
            }
        }
    }

    /// The project page's document lists the dashboards only; a dashboard's holds what it
    /// shows (its charts' and tables' traces, its selectors and the traces they name).
    @Test func eachPageLoadsItsOwnPart() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(
                in: dir,
                yaml: sampleYAML(title: "Revenue") + """
                      - name: other
                        rows:
                          - items:
                              - selector: ref(pick)
                    selectors:
                      - {name: pick, type: multiple, options: [ref(by region)]}
                    tables:
                      - {name: unused, traces: [ref(broken)]}

                    """)
            let (site, _) = try buildSite(dir)
            let project = try document(site, "project.js")
            #expect(project["dashboards"]?.arrayItems.map { $0["name"] } == [.string("Sales: Overview"), .string("other")])
            for key in ["charts", "tables", "selectors", "traces"] { #expect(project[key]?.objectKeys == []) }
            let sales = try document(site, "sales-overview/dashboard.js")
            #expect(sales["dashboards"]?.arrayItems.count == 2)
            #expect(sales["charts"]?.objectKeys == ["revenue"])
            #expect(sales["traces"]?.objectKeys == ["by region", "broken"])
            #expect(sales["selectors"]?.objectKeys == [] && sales["tables"]?.objectKeys == [])
            let other = try document(site, "other/dashboard.js")
            #expect(other["selectors"]?.objectKeys == ["pick"])
            #expect(other["traces"]?.objectKeys == ["by region"])
            #expect(other["charts"]?.objectKeys == [] && other["tables"]?.objectKeys == [])
            #expect(text(site.contents(of: "other/")).contains(#"<script src="./dashboard.js"></script>"#))
        }
    }

    @Test func dataScriptsWrapDataJSONUnderTheirOwnPath() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(in: dir)
            let (site, _) = try buildSite(dir)
            let key = try #require(site.paths.traces["by region"])
            let json = try String(contentsOfFile: dir + "/target/by region/data.json", encoding: .utf8)
            #expect(text(site.contents(of: key)) == "(window.VISIVO_DATA = window.VISIVO_DATA || {})[\"\(key)\"] = \(json);\n")
            // A failed trace ships no data script.
            #expect(site.paths.traces["broken"].flatMap { site.files[$0] } == nil)
        }
    }

    @Test func pagesUseRelativeAddressesOnly() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(in: dir)
            let (site, _) = try buildSite(dir)
            let root = text(site.contents(of: "index.html"))
            let dashboard = text(site.contents(of: "sales-overview/"))
            #expect(root.contains(#"<script src="./project.js"></script>"#))
            #expect(dashboard.contains(#"<script src="../assets/viewer.js"></script>"#))
            #expect(dashboard.contains(#""dashboard":"Sales: Overview""#))
            #expect(dashboard.contains("<title>Sales: Overview · sample</title>"))
            for page in [root, dashboard] {
                #expect(!page.contains(#"src="/"#) && !page.contains(#"href="/"#))
            }
        }
    }

    @Test func inlinePageStateCannotCloseItsScript() {
        let html = SitePage.html(projectName: "p", dashboard: "</script><script>alert(1)</script>", options: .init())
        #expect(!html.contains("</script><script>alert(1)"))
        #expect(html.contains(#"\u003c/script>"#))
    }

    @Test func embeddedViewerIsOneClassicScriptNodeCanParse() throws {
        let script = ViewerAssets.script
        #expect(script.hasPrefix("(function () {\n\"use strict\";"))
        #expect(!script.contains("\nimport ") && !script.contains("\nexport "))
        try withTemporaryDirectory { dir in
            let path = dir + "/viewer.js"
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["node", "--check", path]
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
    }
}

extension JSONValue {
    var arrayItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }

    /// An object's keys, in order.
    var objectKeys: [String] {
        if case .object(let members) = self { return members.map(\.key) }
        return []
    }
}
