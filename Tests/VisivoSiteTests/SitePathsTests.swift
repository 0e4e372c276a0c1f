import Testing
import VisivoTestSupport

@testable import VisivoProject
@testable import VisivoSite

@Suite struct SitePathsTests {
    @Test func slugs() {
        #expect(SitePaths.slug("Trace Props Examples: Bar", fallback: "d") == "trace-props-examples-bar")
        #expect(SitePaths.slug("  sales  overview ", fallback: "d") == "sales-overview")
        #expect(SitePaths.slug("日本", fallback: "dashboard") == "dashboard")
        #expect(SitePaths.slug(String(repeating: "ab ", count: 40), fallback: "d").count <= 60)
    }
}
