import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoSite

@Suite struct PlotlyJSTests {
    @Test func looksInTheEnvironmentThenTheInstallThenTheBuildFolder() {
        let tried = PlotlyJS.candidates(environment: ["VISIVO_PLOTLY_JS": "/x/plotly.js"], executable: "/repo/.build/x86_64-unknown-linux-gnu/debug/visivo")
        #expect(tried == ["/x/plotly.js", "/repo/.build/x86_64-unknown-linux-gnu/share/visivo/plotly.min.js", "/repo/.build/plotly/plotly.min.js"])
        #expect(PlotlyJS.candidates(environment: [:], executable: "/usr/local/bin/visivo") == ["/usr/local/share/visivo/plotly.min.js"])
    }

    @Test func findsTheFirstFileThatExistsAndSaysHowToGetOneOtherwise() throws {
        try withTemporaryDirectory { dir in
            try write(["plotly.min.js": "/* plotly */"], in: dir)
            #expect(try PlotlyJS.locate(environment: ["VISIVO_PLOTLY_JS": dir + "/plotly.min.js"], executable: "/nowhere/bin/visivo") == dir + "/plotly.min.js")
            do {
                _ = try PlotlyJS.locate(environment: ["VISIVO_PLOTLY_JS": dir + "/absent.js"], executable: "/nowhere/bin/visivo")
                Issue.record("found a plotly.js that does not exist")
            } catch let error as PlotlyJS.Missing {
                #expect(error.tried == [dir + "/absent.js", "/nowhere/share/visivo/plotly.min.js"])
                #expect(error.description.contains("scripts/plotly-js.sh"))
                #expect(error.description.contains("--plotly-url"))
            }
        }
    }
}
