import VisivoProject
import VisivoSupport

/// An insight over several models: one generated SQL model that joins them.
extension InsightResolver {
    /// A generated SQL model joining the models `reads` names by the project's relations
    /// (default relations first), projecting each column read as `"model.column"`.
    mutating func join(_ reads: Reads, owner: String, at location: SourceLocation, name: String) -> Model? {
        var sources: [String] = []
        var sqls: [String: String] = [:]
        for m in reads.models {
            guard case .sql(let sql, let source)? = models[m]?.kind else {
                diagnostics.append(Diagnostic(.error, "\(owner) joins model '\(m)', which is not a SQL model; only SQL models join", at: location))
                return nil
            }
            sqls[m] = sql
            let s = source?.name ?? project.defaults.sourceName?.name ?? ""
            if !sources.contains(s) { sources.append(s) }
        }
        guard sources.count == 1 else {
            diagnostics.append(
                Diagnostic(
                    .error, "\(owner) reads models on different sources (\(sources.joined(separator: ", "))); a join runs on one source", at: location))
            return nil
        }
        // Which models each relation links, default relations first.
        var links: [(relation: Relation, models: [String])] = []
        for r in project.relations.sorted(by: { $0.isDefault && !$1.isDefault }) {
            let ms = RefText.mentions(in: r.condition).map(\.name).filter { models[$0] != nil }
            let distinct = ms.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            if distinct.count == 2 { links.append((r, distinct)) }
        }
        var joined = [reads.models[0]]
        var steps: [(model: String, relation: Relation)] = []
        for target in reads.models.dropFirst() where !joined.contains(target) {
            // Breadth first from what is joined so far to `target`.
            var previous: [String: (String, Relation)] = [:]
            var frontier = joined
            var seen = Set(joined)
            while !frontier.isEmpty, previous[target] == nil {
                var next: [String] = []
                for m in frontier {
                    for link in links where link.models.contains(m) {
                        let other = link.models[0] == m ? link.models[1] : link.models[0]
                        if seen.insert(other).inserted {
                            previous[other] = (m, link.relation)
                            next.append(other)
                        }
                    }
                }
                frontier = next
            }
            guard previous[target] != nil else {
                diagnostics.append(
                    Diagnostic(
                        .error,
                        "\(owner) reads models \(joined.map { "'\($0)'" }.joined(separator: ", ")) and '\(target)', and no relation joins them (add one: relations: [{name: ..., condition: \"${ref(\(joined[0])).id} = ${ref(\(target)).\(joined[0])_id}\"}])",
                        at: location))
                return nil
            }
            var path: [(String, Relation)] = []
            var at = target
            while let (from, relation) = previous[at] {
                path.insert((at, relation), at: 0)
                at = from
            }
            for (m, relation) in path where !joined.contains(m) {
                joined.append(m)
                steps.append((m, relation))
            }
        }
        let q = reads.quote
        var select: [String] = []
        for m in joined {
            for c in reads.columns[m] ?? [] { select.append("\(Self.quoted(m, q)).\(Self.columnName(c, quote: q)) AS \(Self.quoted("\(m).\(c)", q))") }
        }
        for m in joined where sqls[m] == nil {
            guard case .sql(let sql, _)? = models[m]?.kind else { return nil }
            sqls[m] = sql
        }
        var sql = "SELECT \(select.joined(separator: ", "))\nFROM (\(sqls[joined[0]]!)) AS \(Self.quoted(joined[0], q))"
        for (m, relation) in steps {
            let condition = RefText.replacing(in: relation.condition) { r in
                r.path.first.map { "\(Self.quoted(r.name, q)).\(Self.columnName($0, quote: q))" } ?? Self.quoted(r.name, q)
            }
            // `left` keeps every row of the condition's first model: when that model is the
            // one joined here (on the right of the JOIN), the direction turns around.
            var joinType = relation.joinType
            if RefText.mentions(in: relation.condition).first(where: { models[$0.name] != nil })?.name == m {
                joinType = ["left": "right", "right": "left"][joinType] ?? joinType
            }
            let kind = ["inner": "INNER JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "full": "FULL OUTER JOIN"][joinType] ?? "INNER JOIN"
            sql += "\n\(kind) (\(sqls[m]!)) AS \(Self.quoted(m, q)) ON \(condition)"
        }
        var generated = "\(name) joined"
        var n = 2
        while models[generated] != nil || project.models.contains(where: { $0.name == generated }) {
            generated = "\(name) joined \(n)"
            n += 1
        }
        return Model(name: generated, kind: .sql(sql: sql, source: Ref(sources[0], at: location)), location: location)
    }
}
