import VisivoSupport

public struct Dashboard: Sendable, Hashable {
    public var name: String
    public var rows: [Row]
    /// 2.x: a level (a number, or a title of `defaults.levels`), a description, tags, and
    /// for an external dashboard the address it links to.
    public var level: JSONValue?
    public var description: String?
    public var tags: [String] = []
    public var href: String?
    public var location: SourceLocation

    package init(name: String, rows: [Row], location: SourceLocation) {
        self.name = name
        self.rows = rows
        self.location = location
    }

    public struct Row: Sendable, Hashable {
        /// A named height (`small`, `medium`...) or, in 2.x, pixels (`"400"`).
        public var height: String
        public var items: [Item]
        /// A row may be named so that a selector can show or hide it.
        public var name: String? = nil

        package init(height: String, items: [Item], name: String? = nil) {
            self.height = height
            self.items = items
            self.name = name
        }
    }
    public struct Item: Sendable, Hashable {
        public var width: Int
        public var content: Content
        /// An item may be named so that a selector can show or hide it.
        public var name: String? = nil

        package init(width: Int, content: Content, name: String? = nil) {
            self.width = width
            self.content = content
            self.name = name
        }
    }
    public indirect enum Content: Sendable, Hashable {
        case markdown(String)
        /// A 2.x markdown object.
        case markdownObject(Ref)
        case chart(Ref)
        case table(Ref)
        case selector(Ref)
        case input(Ref)
        /// 2.x: rows nested in an item.
        case rows([Row])
        case empty
    }

    /// Every item, nested rows' too, depth first.
    public var allItems: [Item] {
        func walk(_ rows: [Row]) -> [Item] {
            rows.flatMap { row in
                row.items.flatMap { item -> [Item] in
                    if case .rows(let inner) = item.content { return [item] + walk(inner) }
                    return [item]
                }
            }
        }
        return walk(rows)
    }

    /// Every row, nested ones too.
    public var allRows: [Row] {
        func walk(_ rows: [Row]) -> [Row] {
            rows.flatMap { row in
                [row]
                    + row.items.flatMap { item -> [Row] in
                        if case .rows(let inner) = item.content { return walk(inner) }
                        return []
                    }
            }
        }
        return walk(rows)
    }
}
