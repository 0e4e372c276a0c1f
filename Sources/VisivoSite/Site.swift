import Foundation
import Synchronization
import VisivoBuild
import VisivoProject
import VisivoQuery
import VisivoSupport

/// Every file of a site by its relative path: pages, their documents (project.js and each
/// dashboard's dashboard.js), the viewer's assets,
/// plotly.js and each trace's data script. `dist` writes them all; `serve` answers
/// requests from the same map, so what a test sees in one it sees in the other.
public struct Site: Sendable {
    public enum Content: Sendable, Equatable {
        case bytes([UInt8])
        /// A file on disk, copied as it is (plotly.js).
        case file(String)
        /// A trace's data.json in `target/`, wrapped as a data script registered under `key`.
        case traceData(path: String, key: String)
    }

    public private(set) var files: [String: Content] = [:]
    public let paths: SitePaths
    public let version: String
    public let projectName: String?
    /// Each dashboard's name and folder, in the project's order.
    public let dashboardPaths: [(name: String, path: String)]

    /// - Parameters:
    ///   - plotly: the plotly.min.js to ship, or nil when the pages load it from
    ///     `page.plotlyURL`.
    ///   - memo: what a process that makes site after site (`serve`) keeps between them.
    public init(
        project: Project, outcomes: [String: TraceOutcome], outputDirectory: String, plotly: String?,
        page: SitePage.Options, version: String, builtAt: Date = Date(), memo: SiteMemo? = nil, variants: [InsightVariant] = []
    ) {
        let paths = memo?.paths(of: project) ?? SitePaths(project)
        self.paths = paths
        self.version = version
        projectName = project.name
        dashboardPaths = project.dashboards.compactMap { d in paths.dashboards[d.name].map { (d.name, $0) } }
        let index = ProjectIndex(project)
        let head = SiteDocument.head(project, paths: paths, version: version, builtAt: ISO8601DateFormatter().string(from: builtAt))
        let known = memo?.traces ?? [:]
        var extras = SiteDocument.Extras()
        extras.inputOptions = BuiltOptions.all(project, outputDirectory: outputDirectory)
        for (name, state) in InputBinding.defaults(project.inputs, options: extras.inputOptions) { extras.defaults[name] = state.key }
        var variantFiles: [String: [UInt8]] = [:]
        for v in variants {
            guard let base = paths.traces[v.insight] else { continue }
            // Named by the combination and its data: a republished dist never serves an
            // earlier one's file from a browser's or a CDN's cache.
            var hasher = FingerprintHasher()
            hasher.add("combination", v.key)
            hasher.add("data", bytes: v.data)
            let path = String(base.dropLast(3)) + "-" + String(hasher.finalize().hex.prefix(12)) + ".js"
            extras.variants[v.insight, default: [:]][v.key] = path
            variantFiles[path] = SiteData.script(key: path, json: v.data)
        }
        let documentExtras = extras
        // The pages' documents, made in parallel: each dashboard's is independent of the others.
        let documents = project.dashboards.compactMap { d in paths.dashboards[d.name].map { (dashboard: d, folder: $0) } }
        let made = Mutex([String: SiteMemo.Trace]())
        let texts = Mutex([String: Content]())
        DispatchQueue.concurrentPerform(iterations: documents.count + 1) { i in
            let (path, scope) =
                i == documents.count
                ? (SitePage.projectDocument, SiteDocument.Scope())
                : (documents[i].folder + SitePage.dashboardDocument, SiteDocument.scope(of: documents[i].dashboard, in: index))
            var mine: [String: SiteMemo.Trace] = [:]
            let text = SiteDocument.script(head: head, scope: scope, paths: paths, outcomes: outcomes, extras: documentExtras, known: known, made: &mine)
            texts.withLock { $0[path] = .bytes(text) }
            made.withLock { all in all.merge(mine) { a, _ in a } }
        }
        files.merge(texts.withLock { $0 }) { a, _ in a }
        memo?.traces = made.withLock { $0 }
        files["index.html"] = .bytes(Array(SitePage.html(projectName: project.name, dashboard: nil, options: page).utf8))
        for (d, folder) in documents {
            files[folder + "index.html"] = .bytes(Array(SitePage.html(projectName: project.name, dashboard: d.name, options: page).utf8))
        }
        files["assets/viewer.js"] = .bytes(Array(ViewerAssets.script.utf8))
        files["assets/viewer.css"] = .bytes(Array(ViewerAssets.stylesheet.utf8))
        if let plotly { files["assets/plotly.min.js"] = .file(plotly) }
        for (path, bytes) in variantFiles { files[path] = .bytes(bytes) }
        for t in project.traces where outcomes[t.name]?.isOK == true {
            guard let key = paths.traces[t.name] else { continue }
            files[key] = .traceData(path: SiteData.dataPath(trace: t.name, outputDirectory: outputDirectory), key: key)
        }
    }

    /// The bytes of the file at `path` (relative, no leading slash; a folder's address
    /// means its index.html), or nil when the site has no such file or it cannot be read.
    public func contents(of path: String) -> [UInt8]? {
        var path = path
        if path.isEmpty || path.hasSuffix("/") { path += "index.html" }
        guard let content = files[path] else { return nil }
        return Self.read(content)
    }

    static func read(_ content: Content) -> [UInt8]? {
        switch content {
        case .bytes(let b): return b
        case .file(let p): return FileManager.default.contents(atPath: p).map { Array($0) }
        case .traceData(let p, let key):
            guard let json = FileManager.default.contents(atPath: p) else { return nil }
            return SiteData.script(key: key, json: json)
        }
    }

    /// The media type for a site path.
    public static func contentType(of path: String) -> String {
        if path.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if path.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if path.hasSuffix(".png") { return "image/png" }
        return "text/html; charset=utf-8"
    }
}

/// One insight's data for one combination of input values (a dist precomputes them):
/// `key` is the combination as the viewer names it (`InputCombinations.key`).
public struct InsightVariant: Sendable {
    public var insight: String
    public var key: String
    public var data: [UInt8]

    public init(insight: String, key: String, data: [UInt8]) {
        self.insight = insight
        self.key = key
        self.data = data
    }
}

/// The viewer's script and stylesheet, embedded in the binary at build time.
public enum ViewerAssets {
    public static var script: String { EmbeddedViewer.script }
    public static var stylesheet: String { EmbeddedViewer.stylesheet }
}
