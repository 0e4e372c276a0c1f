import Foundation
import VisivoProject

/// The template step's small parsers: `env_var(...)` calls, `${env.NAME}` and `.env` files.
extension Template {
    /// `{env.NAME}` at the start of `s` (after a `$`): the name and the length of the
    /// reference; NAME is `[A-Za-z_][A-Za-z0-9_]*`, spaces allowed inside the braces.
    static func parseEnvReference(_ s: Substring) -> (String, Int)? {
        guard s.hasPrefix("{") else { return nil }
        var body = s.dropFirst()
        let leading = body.prefix { $0 == " " }.count
        body = body.dropFirst(leading)
        guard body.hasPrefix("env.") else { return nil }
        body = body.dropFirst(4)
        let name = body.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard let first = name.first, !first.isNumber else { return nil }
        let after = body.dropFirst(name.count)
        let trailing = after.prefix { $0 == " " }.count
        guard after.dropFirst(trailing).first == "}" else { return nil }
        return (String(name), 1 + leading + 4 + name.count + trailing + 1)
    }

    /// Parses `env_var('NAME')` / `env_var("NAME", 'default')`.
    static func parseEnvVarCall(_ expr: Substring) -> (name: String, fallback: String?)? {
        var s = expr.trimmingSpaces
        guard s.hasPrefix("env_var") else { return nil }
        s = s.dropFirst("env_var".count).trimmingSpaces
        guard s.first == "(", s.last == ")" else { return nil }
        s = s.dropFirst().dropLast()
        var args: [String] = []
        while true {
            s = s.trimmingSpaces
            guard let quote = s.first, quote == "'" || quote == "\"" else { return nil }
            s = s.dropFirst()
            guard let end = s.firstIndex(of: quote) else { return nil }
            args.append(String(s[..<end]))
            s = s[s.index(after: end)...].trimmingSpaces
            if s.isEmpty { break }
            guard s.first == "," else { return nil }
            s = s.dropFirst()
        }
        guard args.count == 1 || args.count == 2 else { return nil }
        return (args[0], args.count == 2 ? args[1] : nil)
    }

    /// Reads a `.env` file: `NAME=value` lines, optional `export`, optional quotes, `#` comments.
    public static func parseDotEnv(_ text: String) -> [String: String] {
        var vars: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).trimmingSpaces }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<eq].trimmingSpaces)
            var value = line[line.index(after: eq)...].trimmingSpaces
            if let q = value.first, q == "\"" || q == "'", let close = value.dropFirst().firstIndex(of: q) {
                value = value[value.index(after: value.startIndex)..<close]
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingSpaces
            }
            vars[name] = String(value)
        }
        return vars
    }
}
