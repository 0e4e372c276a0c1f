import Foundation
import VisivoProject
import VisivoSupport

/// The addresses of a site, the same in `serve` and in a dist: every dashboard in a folder
/// of its own (`<slug>/index.html`), each trace's data in `data/<slug>-<hash>.js`.
public struct SitePaths: Sendable, Equatable {
    /// Dashboard name -> its folder, with a trailing slash (`sales-overview/`).
    public private(set) var dashboards: [String: String] = [:]
    /// Trace name -> its data script, relative to the site root.
    public private(set) var traces: [String: String] = [:]

    /// Folders of the site's own that no dashboard may take.
    static let reserved: Set<String> = ["assets", "data", "_visivo", "index.html", "project.js"]

    public init(_ project: Project) {
        var taken = Self.reserved
        for d in project.dashboards {
            var slug = Self.slug(d.name, fallback: "dashboard")
            if taken.contains(slug) {
                var n = 2
                while taken.contains("\(slug)-\(n)") { n += 1 }
                slug = "\(slug)-\(n)"
            }
            taken.insert(slug)
            dashboards[d.name] = slug + "/"
        }
        for t in project.traces {
            // The hash keeps two names that slug alike ("a b", "a-b") apart, and the same
            // name always gets the same file.
            var hasher = FingerprintHasher()
            hasher.add("trace", t.name)
            let hash = hasher.finalize().hex.prefix(8)
            traces[t.name] = "data/\(Self.slug(t.name, fallback: "trace"))-\(hash).js"
        }
    }

    /// Lower-case ASCII letters and digits, other runs as one `-`, at most 60 characters.
    public static func slug(_ name: String, fallback: String) -> String {
        var out = ""
        var dash = false
        for c in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(c) || ("0"..."9").contains(c) {
                let separate = dash && !out.isEmpty
                if out.unicodeScalars.count + (separate ? 2 : 1) > 60 { break }
                if separate { out.append("-") }
                out.unicodeScalars.append(c)
                dash = false
            } else {
                dash = true
            }
        }
        return out.isEmpty ? fallback : out
    }
}
