import Foundation

/// Finds plotly.js on this machine. It is never committed and never fetched at run time:
/// `make build` takes it from the PyPI `plotly` wheel, `make install` puts it in
/// `<prefix>/share/visivo/`.
public enum PlotlyJS {
    public struct Missing: Error, CustomStringConvertible {
        public var tried: [String]
        public var description: String {
            """
            plotly.js not found; looked in:
            \(tried.map { "  " + $0 }.joined(separator: "\n"))
            get it with `scripts/plotly-js.sh` in the visivo repository (it takes plotly.min.js \
            from the PyPI `plotly` wheel), or point VISIVO_PLOTLY_JS at a plotly.min.js, \
            or pass --plotly-url to load it from an address of your choice
            """
        }
    }

    /// The places looked at, in order: `$VISIVO_PLOTLY_JS`, the install location beside the
    /// binary (`<bin>/../share/visivo/plotly.min.js`), the build folder
    /// (`.build/plotly/plotly.min.js` above a `.build/<config>/visivo`).
    public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment, executable: String = executablePath()) -> [String] {
        var out: [String] = []
        if let env = environment["VISIVO_PLOTLY_JS"], !env.isEmpty { out.append(env) }
        let bin = URL(fileURLWithPath: executable).deletingLastPathComponent()
        out.append(bin.deletingLastPathComponent().appendingPathComponent("share/visivo/plotly.min.js").path)
        // .build/<triple>/<config>/visivo or .build/<config>/visivo: the first `.build` above.
        var dir = bin
        for _ in 0..<3 {
            if dir.lastPathComponent == ".build" {
                out.append(dir.appendingPathComponent("plotly/plotly.min.js").path)
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        return out
    }

    /// The first candidate that is a readable, non-empty file.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment, executable: String = executablePath()) throws(Missing)
        -> String
    {
        let tried = candidates(environment: environment, executable: executable)
        for path in tried {
            var st = stat()
            if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0, access(path, R_OK) == 0 {
                return path
            }
        }
        throw Missing(tried: tried)
    }

    /// The running binary, through /proc/self/exe (symbolic links resolved).
    public static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? "visivo"
    }
}
