import Foundation
import VisivoSupport

/// The HTML of a page: the same small shell for the project page and every dashboard;
/// the viewer draws the rest from the page's document (project.js, or the dashboard's dashboard.js).
public enum SitePage {
    /// Where the page's scripts come from.
    public struct Options: Sendable, Equatable {
        /// plotly.js: nil for the site's own `assets/plotly.min.js`, or an address the user
        /// asked for (`--plotly-url`).
        public var plotlyURL: String?
        /// Under `visivo serve`: the page listens for rebuilds.
        public var live: Bool

        public init(plotlyURL: String? = nil, live: Bool = false) {
            self.plotlyURL = plotlyURL
            self.live = live
        }
    }

    /// The project page's document, at the site root, and each dashboard's, in its folder.
    public static let projectDocument = "project.js"
    public static let dashboardDocument = "dashboard.js"

    /// `dashboard` nil: the project page (at the site root); else that dashboard's page,
    /// one folder down.
    public static func html(projectName: String?, dashboard: String?, options: Options) -> String {
        let base = dashboard == nil ? "./" : "../"
        let document = dashboard == nil ? "./" + projectDocument : "./" + dashboardDocument
        let title = [dashboard, projectName ?? "visivo"].compactMap { $0 }.joined(separator: " · ")
        let page: JSONValue = .object([
            ("base", .string(base)), ("document", .string(document)), ("dashboard", dashboard.map(JSONValue.string) ?? .null),
            ("live", .bool(options.live)),
        ])
        let plotly = options.plotlyURL ?? base + "assets/plotly.min.js"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="\(base)assets/viewer.css">
            <script>window.VISIVO_PAGE = \(inlineJSON(page));</script>
            <script src="\(escape(plotly))"></script>
            <script src="\(document)"></script>
            <script src="\(base)assets/viewer.js"></script>
            </head>
            <body><div id="visivo"></div></body>
            </html>

            """
    }

    /// HTML text and attribute escaping.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// JSON safe inside an inline `<script>`: no `</script>` or `<!--` can end it early.
    static func inlineJSON(_ value: JSONValue) -> String {
        value.serialized.replacingOccurrences(of: "<", with: "\\u003c")
    }
}
