// viewer-embed FOLDER OUTPUT.swift
//
// Reads the viewer's ES modules (FOLDER/*.js) and stylesheet (FOLDER/viewer.css) and writes
// a Swift file with two string constants: `EmbeddedViewer.script`, the modules joined into
// one classic script, and `EmbeddedViewer.stylesheet`. Browsers refuse module scripts on
// file:// pages, and a dist must open from disk, so the modules are joined here, under
// rules the viewer's files keep (docs/viewing-dashboards.md):
// imports only as `import { a, b } from './x.js';` (on one line or several), exports only as
// `export function|const|class`, top-level names unique across files, `main.js` the entry.
import Foundation

struct Module {
    var name: String
    var imports: [String]
    var body: String
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("viewer-embed: error: \(message)\n".utf8))
    exit(1)
}

/// One module's imports and its text with import lines and `export ` keywords removed.
func parse(name: String, text: String) -> Module {
    var imports: [String] = []
    var lines: [String] = []
    let all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var n = 0
    while n < all.count {
        let line = all[n]
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("import ") || trimmed.hasPrefix("import{") {
            // An import may span lines: `import {\n  a,\n  b,\n} from './x.js';`.
            var statement = trimmed
            let first = n
            while !statement.contains(" from '"), n + 1 < all.count {
                n += 1
                statement += " " + all[n].trimmingCharacters(in: .whitespaces)
            }
            guard let from = statement.range(of: " from '"), statement.hasPrefix("import {"),
                statement.hasSuffix("';") || statement.hasSuffix("'")
            else { fail("\(name):\(first + 1): imports must read `import { a, b } from './x.js';`") }
            let names = statement[statement.index(statement.startIndex, offsetBy: "import {".count)..<from.lowerBound]
            if names.split(separator: ",").contains(where: { $0.trimmingCharacters(in: CharacterSet(charactersIn: " }")).contains(" ") }) {
                fail("\(name):\(first + 1): `import { a as b }` cannot be joined (all modules share one scope): import names as they are")
            }
            let path = statement[from.upperBound...].prefix { $0 != "'" }
            guard path.hasPrefix("./"), path.hasSuffix(".js"), !path.dropFirst(2).contains("/") else {
                fail("\(name):\(first + 1): import from '\(path)': only ./<file>.js in the same folder")
            }
            imports.append(String(path.dropFirst(2)))
            // Blank lines keep the joined script's line numbers close to the file's.
            lines.append(contentsOf: Array(repeating: "", count: n - first + 1))
            n += 1
            continue
        }
        if trimmed.hasPrefix("export ") {
            let rest = trimmed.dropFirst("export ".count)
            guard ["function ", "async function ", "const ", "class "].contains(where: { rest.hasPrefix($0) }) else {
                fail("\(name):\(n + 1): only `export function|const|class` declarations can be joined")
            }
            lines.append(line.replacingOccurrences(of: "export ", with: "", options: [], range: line.range(of: "export ")))
            n += 1
            continue
        }
        if trimmed.hasPrefix("import(") || line.contains(" import(") {
            fail("\(name):\(n + 1): dynamic import() cannot be joined")
        }
        lines.append(line)
        n += 1
    }
    return Module(name: name, imports: imports, body: lines.joined(separator: "\n"))
}

/// Modules in an order where every module comes after those it imports; `main.js` last.
func ordered(_ modules: [String: Module]) -> [Module] {
    var done: Set<String> = []
    var visiting: Set<String> = []
    var out: [Module] = []
    func visit(_ name: String, from: String) {
        guard !done.contains(name) else { return }
        guard let m = modules[name] else { fail("\(from) imports ./\(name), which does not exist") }
        guard visiting.insert(name).inserted else { fail("import cycle through \(name)") }
        for i in m.imports { visit(i, from: name) }
        visiting.remove(name)
        done.insert(name)
        out.append(m)
    }
    guard modules["main.js"] != nil else { fail("no main.js") }
    for name in modules.keys.sorted() where name != "main.js" { visit(name, from: name) }
    visit("main.js", from: "main.js")
    return out
}

/// A raw string literal that no content can end early: more `#` than any run in the text.
func literal(_ text: String) -> String {
    var longest = 0
    var run = 0
    for c in text.unicodeScalars {
        run = c == "#" ? run + 1 : 0
        longest = max(longest, run)
    }
    let hashes = String(repeating: "#", count: longest + 1)
    return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else { fail("usage: viewer-embed FOLDER OUTPUT.swift") }
let folder = URL(fileURLWithPath: arguments[1])
let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
var modules: [String: Module] = [:]
for name in names where name.hasSuffix(".js") {
    guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else {
        fail("cannot read \(name)")
    }
    modules[name] = parse(name: name, text: text)
}
let script =
    "(function () {\n\"use strict\";\n"
    + ordered(modules).map { "// ---- \($0.name)\n\($0.body)" }.joined(separator: "\n") + "\n})();"
let css = (try? String(contentsOf: folder.appendingPathComponent("viewer.css"), encoding: .utf8)) ?? ""
let swift = """
    // Generated by viewer-embed from Sources/VisivoSite/Viewer at build time; not in the repository.

    enum EmbeddedViewer {
        /// The viewer's modules joined into one classic script (assets/viewer.js).
        static let script = \(literal(script))

        /// The viewer's stylesheet (assets/viewer.css).
        static let stylesheet = \(literal(css))
    }

    """
do {
    let output = URL(fileURLWithPath: arguments[2])
    if (try? String(contentsOf: output, encoding: .utf8)) != swift {
        try swift.write(to: output, atomically: true, encoding: .utf8)
    }
} catch {
    fail("cannot write \(arguments[2]): \(error)")
}
