import Foundation
import Testing
import VisivoCore

@testable import VisivoSite

@Suite struct SiteTests {
    @Test func projectScriptNamesTracesAndOutcomesButNoConnectionDetails() throws {
        try withTemporaryFolder { dir in
            try sampleProject(in: dir)
            let (site, _) = try buildSite(dir)
            let script = text(site.contents(of: "project.js"))
            #expect(script.hasPrefix("window.VISIVO_PROJECT = {"))
            let json = try JSONParser.parse(Array(script.dropFirst("window.VISIVO_PROJECT = ".count).dropLast(2).utf8))
            let traces = try #require(json["traces"])
            #expect(traces["by region"]?["status"] == .string("ok"))
            #expect(traces["broken"]?["status"] == .string("failed"))
            let message = traces["broken"]?["message"]?.stringValue ?? ""
            #expect(message.contains("no_such_column"))
            #expect(json["dashboards"]?.arrayItems.first?["path"] == .string("sales-overview/"))
            // No source, model, SQL text or secret reaches the viewer.
            #expect(traces["by region"]?["props"]?["type"] == .string("bar"))
            #expect(traces["by region"]?["props"]?["x"] == .null)
            for absent in ["hunter2", "shop.db", "select * from orders", "query(", "sum(amount)", "\"sources\"", "\"models\""] {
                #expect(!script.contains(absent), "project.js contains \(absent)")
            }
        }
    }

    @Test func dataScriptsWrapDataJSONUnderTheirOwnPath() throws {
        try withTemporaryFolder { dir in
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
        try withTemporaryFolder { dir in
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
        try withTemporaryFolder { dir in
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
}
