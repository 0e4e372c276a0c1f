import VisivoProject

/// Typed access to one YAML mapping that reports every problem into `diagnostics`:
/// unknown keys (with the nearest known key), wrong types, missing required keys.
struct Fields {
    let node: YAMLNode
    /// How the object is named in messages: "model 'orders'", "source".
    let what: String
    let pairs: [YAMLPair]

    /// Keys every object of the reference CLI may carry and this loader reads past:
    /// `path` (where the reference records an object's place in the project).
    static let accepted: Set<String> = ["path"]

    /// Checks that `node` is a mapping whose keys are all in `known` (or `accepted`).
    init?(_ node: YAMLNode, what: String, known: [String], diagnostics: inout [Diagnostic]) {
        guard let pairs = node.mapping else {
            diagnostics.append(Diagnostic(.error, "\(what) must be a mapping, not \(node.kindName)", at: node.location))
            return nil
        }
        self.node = node
        self.what = what
        self.pairs = pairs
        var seen: Set<String> = []
        for pair in pairs {
            guard let key = pair.key.scalar else {
                diagnostics.append(Diagnostic(.error, "keys of \(what) must be plain names", at: pair.key.location))
                continue
            }
            if !seen.insert(key).inserted {
                diagnostics.append(Diagnostic(.error, "key '\(key)' appears twice in \(what)", at: pair.key.location))
            }
            if !known.contains(key) && !Self.accepted.contains(key) {
                var message = "unknown key '\(key)' in \(what)"
                if let near = Suggest.nearest(to: key, in: known) { message += " (did you mean '\(near)'?)" }
                diagnostics.append(Diagnostic(.error, message, at: pair.key.location))
            }
        }
    }

    subscript(key: String) -> YAMLNode? {
        guard let v = pairs.first(where: { $0.key.scalar == key })?.value, !v.isNull else { return nil }
        return v
    }

    func keyLocation(_ key: String) -> SourceLocation? {
        pairs.first(where: { $0.key.scalar == key })?.key.location
    }

    /// A scalar as text (numbers and booleans as written).
    func string(_ key: String, _ diagnostics: inout [Diagnostic]) -> String? {
        guard let v = self[key] else { return nil }
        guard let s = v.scalar else {
            diagnostics.append(Diagnostic(.error, "'\(key)' of \(what) must be a string, not \(v.kindName)", at: v.location))
            return nil
        }
        return s
    }

    func located(_ key: String, _ diagnostics: inout [Diagnostic]) -> Located<String>? {
        guard let v = self[key], let s = string(key, &diagnostics) else { return nil }
        return Located(s, at: v.location)
    }

    func requiredString(_ key: String, _ diagnostics: inout [Diagnostic]) -> String? {
        if self[key] == nil {
            diagnostics.append(Diagnostic(.error, "\(what) is missing required key '\(key)'", at: node.location))
            return nil
        }
        return string(key, &diagnostics)
    }

    func int(_ key: String, _ diagnostics: inout [Diagnostic]) -> Int? {
        guard let v = self[key] else { return nil }
        guard let s = v.scalar, let i = Int(s) else {
            diagnostics.append(Diagnostic(.error, "'\(key)' of \(what) must be an integer, not \(v.scalar.map { "'\($0)'" } ?? v.kindName)", at: v.location))
            return nil
        }
        return i
    }

    /// A YAML boolean: true/false, yes/no, on/off (any case).
    func bool(_ key: String, _ diagnostics: inout [Diagnostic]) -> Bool? {
        guard let v = self[key] else { return nil }
        switch v.scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            diagnostics.append(Diagnostic(.error, "'\(key)' of \(what) must be true or false, not \(v.scalar.map { "'\($0)'" } ?? v.kindName)", at: v.location))
            return nil
        }
    }

    func list(_ key: String, _ diagnostics: inout [Diagnostic]) -> [YAMLNode] {
        guard let v = self[key] else { return [] }
        guard let items = v.sequence else {
            diagnostics.append(Diagnostic(.error, "'\(key)' of \(what) must be a list, not \(v.kindName)", at: v.location))
            return []
        }
        return items
    }

    func stringList(_ key: String, _ diagnostics: inout [Diagnostic]) -> [Located<String>] {
        list(key, &diagnostics).compactMap { item in
            guard let s = item.scalar else {
                diagnostics.append(Diagnostic(.error, "each entry of '\(key)' of \(what) must be a string, not \(item.kindName)", at: item.location))
                return nil
            }
            return Located(s, at: item.location)
        }
    }

    func duration(_ key: String, _ diagnostics: inout [Diagnostic]) -> Duration? {
        guard let v = self[key] else { return nil }
        guard let s = v.scalar, let d = Fields.parseDuration(s) else {
            diagnostics.append(Diagnostic(.error, "'\(key)' of \(what) must be a duration such as 30s, 15m, 1h or 2d", at: v.location))
            return nil
        }
        return d
    }
}

extension Fields {
    /// `90`, `30s`, `15m`, `1h`, `2d`, `1w`.
    static func parseDuration(_ s: String) -> Duration? {
        let t = s.trimmingSpaces
        if let n = Int(t), n >= 0 { return .seconds(n) }
        guard let unit = t.last, let n = Int(t.dropLast()), n >= 0 else { return nil }
        let scale: Int
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86400
        case "w": scale = 604800
        default: return nil
        }
        // Past Int's range in seconds (some 292 billion years) is no duration.
        let (seconds, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : .seconds(seconds)
    }
}
