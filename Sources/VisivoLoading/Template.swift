import Foundation
import VisivoProject

/// The template step that runs over each project file before YAML parsing:
/// `{{ env_var('NAME') }}`, `{{ env_var('NAME', 'default') }}` and `{% raw %}...{% endraw %}`.
public struct Template: Sendable {
    /// Variables visible to `env_var` (the process environment over the `.env` file).
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Renders `text`; every problem is collected (a missing variable, an unknown expression).
    public func render(_ text: String, file: String, diagnostics: inout [Diagnostic]) -> String {
        guard Template.hasTag(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        var line = 1
        var column = 1
        func advance(over s: Substring) {
            for c in s {
                if c == "\n" || c == "\r\n" { line += 1; column = 1 } else { column += 1 }
            }
        }
        while let open = rest.utf8.firstIndex(of: UInt8(ascii: "{")) {
            let before = rest[..<open]
            out += before
            advance(over: before)
            rest = rest[open...]
            let here = SourceLocation(file: file, line: line, column: column)
            if out.utf8.last == UInt8(ascii: "$"), let (name, length) = Template.parseEnvReference(rest) {
                // `${env.NAME}` (2.x): the same variable, the same diagnostic when unset.
                out.removeLast()
                let at = SourceLocation(file: file, line: line, column: column - 1)
                if let value = environment[name] {
                    out += Template.escape(value)
                } else if Template.inComment(lineSoFar: out) {
                    out += ""
                } else {
                    out += Template.unsetMarker(name, at: at)
                }
                let consumed = rest.prefix(length)
                advance(over: consumed)
                rest = rest.dropFirst(length)
            } else if rest.hasPrefix("{{") {
                guard let close = Template.find("}}", in: rest) else {
                    diagnostics.append(Diagnostic(.error, "unclosed '{{' in template", at: here))
                    out += rest
                    return out
                }
                let expr = rest[rest.index(rest.startIndex, offsetBy: 2)..<close.lowerBound]
                if Template.inComment(lineSoFar: out) {
                    // YAML drops a comment: what it names is no error (the reference renders
                    // comments too, and a commented-out source must not need its secrets).
                    var ignored: [Diagnostic] = []
                    let value = evaluate(expr.trimmingSpaces, at: here, diagnostics: &ignored)
                    out += Template.hasMarker(value) ? "" : value
                } else {
                    out += evaluate(expr.trimmingSpaces, at: here, diagnostics: &diagnostics)
                }
                advance(over: rest[..<close.upperBound])
                rest = rest[close.upperBound...]
            } else if rest.hasPrefix("{%"), let tagEnd = Template.find("%}", in: rest) {
                let tag = rest[rest.index(rest.startIndex, offsetBy: 2)..<tagEnd.lowerBound].trimmingSpaces
                let bare = tag.trimmingCharacters(in: CharacterSet(charactersIn: "- \t"))
                guard bare == "raw" else {
                    diagnostics.append(Diagnostic(.error, "unsupported template tag '{% \(tag) %}' (only {% raw %} is supported)", at: here))
                    advance(over: rest[..<tagEnd.upperBound])
                    rest = rest[tagEnd.upperBound...]
                    continue
                }
                advance(over: rest[..<tagEnd.upperBound])
                rest = rest[tagEnd.upperBound...]
                guard let end = rest.range(of: #"\{%-?\s*endraw\s*-?%\}"#, options: .regularExpression) else {
                    diagnostics.append(Diagnostic(.error, "'{% raw %}' has no matching '{% endraw %}'", at: here))
                    out += rest
                    return out
                }
                let body = rest[..<end.lowerBound]
                out += body
                advance(over: rest[..<end.upperBound])
                rest = rest[end.upperBound...]
            } else {
                out += "{"
                column += 1
                rest = rest.dropFirst()
            }
        }
        out += rest
        return out
    }

    /// True when the end of `text` lies inside a YAML comment: its last line has a `#` at
    /// its start or after a space or tab, outside quotes, and that line is not the content
    /// of a block scalar (`key: |` above it, less indented), where `#` is text.
    static func inComment(lineSoFar text: String) -> Bool {
        let u = text.utf8
        let lineStart = u.lastIndex(of: UInt8(ascii: "\n")).map { u.index(after: $0) } ?? u.startIndex
        var quote: UInt8? = nil
        var previous: UInt8 = UInt8(ascii: " ")
        var hash = false
        var i = lineStart
        while i < u.endIndex {
            let b = u[i]
            if let q = quote {
                if q == UInt8(ascii: "\""), b == UInt8(ascii: "\\") {
                    i = u.index(after: i)  // an escaped character in a double-quoted scalar
                } else if b == q {
                    let next = u.index(after: i)
                    if q == UInt8(ascii: "'"), next < u.endIndex, u[next] == q {
                        i = next  // '' is a quote inside a single-quoted scalar
                    } else {
                        quote = nil
                    }
                }
            } else if b == UInt8(ascii: "#"), previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") {
                hash = true
                break
            } else if b == UInt8(ascii: "'") || b == UInt8(ascii: "\""),
                [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: ","), UInt8(ascii: "-")].contains(previous)
            {
                quote = b
            }
            previous = b
            if i < u.endIndex { i = u.index(after: i) }
        }
        return hash && !inBlockScalar(text[..<lineStart], indent: indentation(text[lineStart...]))
    }

    /// True when a line of `indent` spaces after `before` is inside a block scalar.
    static func inBlockScalar(_ before: Substring, indent: Int) -> Bool {
        var within = indent
        for line in before.split(separator: "\n", omittingEmptySubsequences: true).reversed() {
            guard line.contains(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) else { continue }
            let n = indentation(line)
            guard n < within else { continue }
            if isBlockHeader(line) { return true }
            within = n
            if within == 0 { return false }
        }
        return false
    }

    static func indentation(_ line: Substring) -> Int { line.prefix { $0 == " " }.count }

    /// `key: |`, `- >-`, `key: |2+`: a line that opens a block scalar.
    static func isBlockHeader(_ line: Substring) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let token = trimmed.split(separator: " ").last, let first = token.first, first == "|" || first == ">", token.count <= 3,
            token.dropFirst().allSatisfy({ "+-0123456789".contains($0) })
        else { return false }
        return trimmed.count > token.count
    }

    /// True when `text` has `{{`, `{%` or `${e` (a byte scan; most project files have none).
    static func hasTag(_ text: String) -> Bool {
        var previous: UInt8 = 0
        var before: UInt8 = 0
        for b in text.utf8 {
            if previous == UInt8(ascii: "{") && (b == UInt8(ascii: "{") || b == UInt8(ascii: "%")) { return true }
            if before == UInt8(ascii: "$") && previous == UInt8(ascii: "{") && b == UInt8(ascii: "e") { return true }
            before = previous
            previous = b
        }
        return false
    }

    /// The range of a two-byte ASCII marker in `s`, by a byte scan.
    static func find(_ marker: StaticString, in s: Substring) -> Range<Substring.Index>? {
        let m0 = marker.utf8Start[0], m1 = marker.utf8Start[1]
        let u = s.utf8
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == m0 {
                let j = u.index(after: i)
                if j < u.endIndex, u[j] == m1 { return i..<u.index(after: j) }
            }
            i = u.index(after: i)
        }
        return nil
    }

    /// Evaluates the inside of `{{ ... }}`.
    func evaluate(_ expr: Substring, at location: SourceLocation, diagnostics: inout [Diagnostic]) -> String {
        guard let call = Template.parseEnvVarCall(expr) else {
            diagnostics.append(
                Diagnostic(
                    .error, "unsupported template expression '{{ \(expr) }}' (only env_var('NAME') and env_var('NAME', 'default') are supported)", at: location)
            )
            return ""
        }
        if let value = environment[call.name] {
            return Template.escape(value)
        }
        if let fallback = call.fallback {
            return Template.escape(fallback)
        }
        // Not an error of the whole project: the value carries a marker, and only the
        // objects holding one fail (`ProjectValidator.unresolvedVariables`).
        return Template.unsetMarker(call.name, at: location)
    }

    /// Stands for an unset variable in the rendered text: its name and where it is used.
    static func unsetMarker(_ name: String, at location: SourceLocation) -> String {
        "\(markerOpen)\(name)@\(location.line):\(location.column)\(markerClose)"
    }

    static let markerOpen = "\u{27E6}unset:"
    static let markerClose = "\u{27E7}"

    /// True when `s` holds a marker: a byte search (Foundation's `contains` on a large
    /// rendered file costs more than the rest of its loading).
    static func hasMarker(_ s: String) -> Bool {
        // U+27E6 in UTF-8: E2 9F A6.
        func search(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
            var i = 0
            while i + 2 < buf.count {
                if buf[i] == 0xE2 && buf[i + 1] == 0x9F && buf[i + 2] == 0xA6 { return true }
                i += 1
            }
            return false
        }
        return s.utf8.withContiguousStorageIfAvailable(search) ?? Array(s.utf8).withUnsafeBufferPointer(search)
    }

    /// The unset variables `text` holds markers of: name, line and column.
    static func unsetVariables(in text: String) -> [(name: String, line: Int, column: Int)] {
        var out: [(String, Int, Int)] = []
        var rest = Substring(text)
        while let open = rest.range(of: markerOpen) {
            guard let close = rest[open.upperBound...].range(of: markerClose) else { break }
            let body = rest[open.upperBound..<close.lowerBound]
            if let at = body.lastIndex(of: "@") {
                let place = body[body.index(after: at)...].split(separator: ":")
                if place.count == 2, let line = Int(place[0]), let column = Int(place[1]) { out.append((String(body[..<at]), line, column)) }
            }
            rest = rest[close.upperBound...]
        }
        return out
    }

    /// A diagnostic about a value that holds a marker (a number or a ref that an unset
    /// variable left unreadable): the marker shown as it was written, and why.
    static func explainingUnsetVariables(_ d: Diagnostic) -> Diagnostic {
        guard hasMarker(d.message) else { return d }
        var message = d.message
        var names: [String] = []
        for u in unsetVariables(in: d.message) {
            message = message.replacingOccurrences(
                of: unsetMarker(u.name, at: SourceLocation(file: "", line: u.line, column: u.column)), with: "{{ env_var('\(u.name)') }}")
            if !names.contains(u.name) { names.append(u.name) }
        }
        let vars = names.map { "'\($0)'" }.joined(separator: ", ")
        message +=
            " (environment variable\(names.count == 1 ? "" : "s") \(vars) \(names.count == 1 ? "is" : "are") not set: set \(names.count == 1 ? "it" : "them"), add \(names.count == 1 ? "it" : "them") to .env, or give a default)"
        return Diagnostic(d.severity, message, at: d.location)
    }

    /// The message for an unset variable.
    static func unsetMessage(_ name: String) -> String {
        "environment variable '\(name)' is not set (set it, add it to .env, or give a default: env_var('\(name)', 'value'))"
    }

    /// Escapes backslashes and double quotes, so a value is safe inside a double-quoted YAML string.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            if c == "\\" || c == "\"" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
