import VisivoProject
import VisivoSupport

/// A YAML value with the place it was written, so every later error can point at it.
public struct YAMLNode: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A scalar's text; `quoted` is true for '...', "...", | and > scalars,
        /// which are always strings.
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }
    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    /// The scalar text, or nil for a collection.
    public var scalar: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }
    public var isNull: Bool {
        if case .scalar(let s, let quoted) = kind, !quoted {
            return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
        }
        return false
    }
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }
    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }
    /// The value under `key` in a mapping.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// A word for error messages: "a string", "a list", "a mapping".
    public var kindName: String {
        switch kind {
        case .scalar: return isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The value as JSON, typed the way YAML 1.1's core schema types plain scalars.
    public var json: JSONValue {
        switch kind {
        case .scalar(let s, let quoted):
            if quoted { return .string(s) }
            return JSONValue.plainScalar(s)
        case .sequence(let items):
            return .array(items.map(\.json))
        case .mapping(let pairs):
            return .object(pairs.map { JSONMember(key: $0.key.scalar ?? "", value: $0.value.json) })
        }
    }
}

/// One entry of a YAML mapping, in written order.
public struct YAMLPair: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode
    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}
