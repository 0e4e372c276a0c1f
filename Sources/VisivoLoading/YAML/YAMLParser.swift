import CYAML
import VisivoProject

/// Parses YAML text with libyaml into `YAMLNode`s that remember where each value stood.
public enum YAMLParser {
    /// The deepest nesting of lists and mappings read (hand-written projects nest some
    /// ten levels; the limit keeps every recursive walk of the tree well inside its stack).
    public static let maxDepth = 256
    /// The most values (scalars, lists, mappings) one file may hold, aliases counted as
    /// often as they are used: a few hundred MB of memory at most, never a swap storm.
    public static let maxValues = 1_000_000

    /// Parses one document (the first); an empty file is an empty mapping.
    public static func parse(_ text: String, file: String) throws(DiagnosticsError) -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw DiagnosticsError([Diagnostic(.error, "could not start the YAML parser", at: nil)])
        }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(DiagnosticsError) -> YAMLNode in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder(file: file)
            return try builder.run(&parser)
        }
    }

    private struct Builder {
        let file: String
        /// Each anchor's node, how many values it holds and how deep it nests.
        var anchors: [String: (node: YAMLNode, values: Int, height: Int)] = [:]
        /// Values made so far (an alias adds every value it stands for), the nesting here,
        /// and the deepest nesting reached in the node being built (aliases included).
        var values = 0
        var depth = 0
        var deepest = 0

        init(file: String) { self.file = file }

        func location(_ mark: yaml_mark_t) -> SourceLocation {
            SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        }

        mutating func next(_ parser: inout yaml_parser_t) throws(DiagnosticsError) -> yaml_event_t {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let problem = parser.problem.map { String(cString: $0) } ?? "syntax error"
                var message = "invalid YAML: \(problem)"
                if let context = parser.context.map({ String(cString: $0) }) {
                    message += " (\(context) at line \(parser.context_mark.line + 1))"
                }
                throw DiagnosticsError([Diagnostic(.error, message, at: location(parser.problem_mark))])
            }
            return event
        }

        mutating func run(_ parser: inout yaml_parser_t) throws(DiagnosticsError) -> YAMLNode {
            var root: YAMLNode? = nil
            while true {
                var event = try next(&parser)
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return root ?? YAMLNode(.mapping([]), at: SourceLocation(file: file, line: 1, column: 1))
                case YAML_DOCUMENT_START_EVENT where root == nil:
                    var inner = try next(&parser)
                    defer { yaml_event_delete(&inner) }
                    if inner.type == YAML_DOCUMENT_END_EVENT {
                        root = YAMLNode(.mapping([]), at: location(inner.start_mark))
                    } else {
                        root = try node(from: &inner, &parser)
                    }
                default:
                    continue
                }
            }
        }

        /// Counts `n` more values; past the limit, the file is refused where it got there.
        mutating func count(_ n: Int, at loc: SourceLocation, alias: Bool) throws(DiagnosticsError) {
            values += n
            guard values > YAMLParser.maxValues else { return }
            let why = alias ? "with its aliases expanded, this file holds" : "this file holds"
            throw DiagnosticsError([Diagnostic(.error, "\(why) more than \(YAMLParser.maxValues) values, the most a project file may hold", at: loc)])
        }

        mutating func node(from event: inout yaml_event_t, _ parser: inout yaml_parser_t) throws(DiagnosticsError) -> YAMLNode {
            let loc = location(event.start_mark)
            switch event.type {
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                guard let anchored = anchors[name] else {
                    throw DiagnosticsError([Diagnostic(.error, "unknown YAML alias '*\(name)'", at: loc)])
                }
                try count(anchored.values, at: loc, alias: true)
                // An alias nests what it stands for here: it counts against the depth too.
                guard depth + anchored.height <= YAMLParser.maxDepth else {
                    throw DiagnosticsError([
                        Diagnostic(.error, "lists and mappings nest more than \(YAMLParser.maxDepth) levels deep here (with aliases expanded)", at: loc)
                    ])
                }
                deepest = max(deepest, depth + anchored.height)
                var target = anchored.node
                target.location = loc
                return target
            case YAML_SCALAR_EVENT:
                try count(1, at: loc, alias: false)
                let s = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
                let quoted = s.style != YAML_PLAIN_SCALAR_STYLE
                let n = YAMLNode(.scalar(text, quoted: quoted), at: loc)
                if let anchor = s.anchor { anchors[String(cString: anchor)] = (n, 1, 0) }
                return n
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard depth < YAMLParser.maxDepth else {
                    throw DiagnosticsError([Diagnostic(.error, "lists and mappings nest more than \(YAMLParser.maxDepth) levels deep here", at: loc)])
                }
                try count(1, at: loc, alias: false)
                let before = values
                let outerDeepest = deepest
                depth += 1
                deepest = depth
                defer {
                    depth -= 1
                    deepest = max(outerDeepest, deepest)
                }
                let anchor = (event.type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor).map {
                    String(cString: $0)
                }
                let n = try event.type == YAML_SEQUENCE_START_EVENT ? sequence(at: loc, &parser) : mapping(at: loc, &parser)
                if let anchor { anchors[anchor] = (n, values - before + 1, deepest - depth + 1) }
                return n
            default:
                throw DiagnosticsError([Diagnostic(.error, "unexpected YAML event", at: loc)])
            }
        }

        mutating func sequence(at loc: SourceLocation, _ parser: inout yaml_parser_t) throws(DiagnosticsError) -> YAMLNode {
            var items: [YAMLNode] = []
            while true {
                var child = try next(&parser)
                defer { yaml_event_delete(&child) }
                if child.type == YAML_SEQUENCE_END_EVENT { break }
                items.append(try node(from: &child, &parser))
            }
            return YAMLNode(.sequence(items), at: loc)
        }

        mutating func mapping(at loc: SourceLocation, _ parser: inout yaml_parser_t) throws(DiagnosticsError) -> YAMLNode {
            var pairs: [YAMLPair] = []
            var merged = 0  // pairs[..<merged] came from `<<`; written keys replace them
            while true {
                var keyEvent = try next(&parser)
                defer { yaml_event_delete(&keyEvent) }
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                let key = try node(from: &keyEvent, &parser)
                var valueEvent = try next(&parser)
                defer { yaml_event_delete(&valueEvent) }
                let value = try node(from: &valueEvent, &parser)
                if key.scalar == "<<", case .scalar(_, false) = key.kind {
                    let before = pairs.count
                    merge(value, into: &pairs)
                    // Keep merged pairs at the front, so written keys can replace them.
                    let added = pairs[before...]
                    pairs.removeSubrange(before...)
                    pairs.insert(contentsOf: added, at: merged)
                    merged += added.count
                } else {
                    if let k = key.scalar, let j = pairs[..<merged].firstIndex(where: { $0.key.scalar == k }) {
                        pairs.remove(at: j)
                        merged -= 1
                    }
                    pairs.append(YAMLPair(key: key, value: value))
                }
            }
            return YAMLNode(.mapping(pairs), at: loc)
        }

        /// `<<: *base` merge keys: keys already present win.
        func merge(_ value: YAMLNode, into pairs: inout [YAMLPair]) {
            let sources = value.sequence ?? [value]
            for source in sources {
                for pair in source.mapping ?? [] where !pairs.contains(where: { $0.key.scalar == pair.key.scalar }) {
                    pairs.append(pair)
                }
            }
        }
    }
}
