import VisivoProject
import VisivoSupport

/// Inputs' option queries and 2.x tables.
extension InsightResolver {
    mutating func resolveInput(_ index: Int) {
        let input = project.inputs[index]
        guard case .query(let sql, let at) = input.options else { return }
        let owner = "the options query of input '\(input.name)'"
        let tables = RefText.mentions(in: sql).filter { $0.path.isEmpty }
        let named = tables.map(\.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        guard named.count == 1, let model = models[named[0]], case .sql(let modelSQL, _) = model.kind else {
            diagnostics.append(
                Diagnostic(
                    .error, "\(owner) must read exactly one SQL model as ${ref(model)} (it reads \(named.isEmpty ? "none" : named.joined(separator: ", ")))",
                    at: at.location))
            return
        }
        if let other = RefText.mentions(in: sql).first(where: { !$0.path.isEmpty && models[$0.name] == nil }) {
            diagnostics.append(Diagnostic(.error, "\(owner) may name only its model and the model's columns, not ${ref(\(other.name))...}", at: at.location))
        }
        let q = quote(forModel: model.name)
        let expanded = RefText.replacing(in: sql) { m in
            if m.path.isEmpty { return "(\(modelSQL)) AS \(Self.quoted(m.name, q))" }
            return Self.columnName(m.path.joined(separator: "."), quote: q)
        }
        project.inputs[index].options = .query(sql: expanded, model: Ref(model.name, at: at.location))
    }

    mutating func resolveTable(_ index: Int) {
        var table = project.tables[index]
        let owner = "table '\(table.name)'"
        if let data = table.data {
            if models[data.name] != nil {
                var t = Trace(
                    name: generatedName(table.name), model: Ref(data.name, at: data.location), props: .object([JSONMember]()), location: table.location)
                t.synthetic = true
                project.traces.append(t)
                table.traces.append(Ref(t.name, at: data.location))
            } else if project.traces.contains(where: { $0.name == data.name }) {
                table.traces.append(data)
            } else {
                var message = "ref(\(data.name)) in \(owner) names nothing: there is no model or insight named '\(data.name)'"
                let candidates = project.models.map(\.name) + project.traces.filter { $0.insight != nil }.map(\.name)
                if let near = Suggest.nearest(to: data.name, in: candidates) { message += " (did you mean '\(near)'?)" }
                diagnostics.append(Diagnostic(.error, message, at: data.location))
            }
        }
        if var pivot = table.pivot {
            var reads = Reads()
            let all = pivot.rows + pivot.columns + pivot.values
            reads.quote = quote(forModel: modelsMentioned(in: all.map(\.value)).first ?? "")
            var columns: [Located<Trace.ColumnDef>] = []
            func add(_ e: Located<String>) -> String {
                let sql = expand(RefText.querySlot(e.value)?.sql ?? e.value, at: e.location, owner: owner, reads: &reads)
                var label = RefText.replacing(in: e.value) { $0.path.last ?? $0.name }
                if let slot = RefText.querySlot(label) { label = slot.sql }
                var unique = label
                var n = 2
                while columns.contains(where: { $0.value.name == unique }) {
                    unique = "\(label) \(n)"
                    n += 1
                }
                columns.append(Located(Trace.ColumnDef(name: unique, expression: sql), at: e.location))
                return "columns." + unique
            }
            pivot.rowKeys = pivot.rows.map(add)
            pivot.columnKeys = pivot.columns.map(add)
            pivot.valueKeys = pivot.values.map(add)
            if pivot.values.isEmpty != pivot.rows.isEmpty && !pivot.values.isEmpty {
                diagnostics.append(Diagnostic(.error, "\(owner) has 'values' but no 'rows'; a pivot needs both", at: table.location))
            }
            if !reads.inputs.isEmpty {
                diagnostics.append(
                    Diagnostic(
                        .error,
                        "\(owner) reads input '\(reads.inputs[0].input)'; a table's columns, rows and values cannot use inputs (filter an insight and show it with data: ${ref(insight)})",
                        at: table.location))
            }
            guard reads.models.count == 1 else {
                diagnostics.append(
                    Diagnostic(
                        .error, "the columns, rows and values of \(owner) must read one model as ${ref(model).column} (they read \(reads.models.count))",
                        at: table.location))
                project.tables[index] = table
                return
            }
            var t = Trace(
                name: generatedName(table.name), model: Ref(reads.models[0], at: table.location), props: .object([JSONMember]()), location: table.location)
            t.columns = columns
            t.synthetic = true
            project.traces.append(t)
            table.traces.append(Ref(t.name, at: table.location))
            table.pivot = pivot
        }
        project.tables[index] = table
    }

    /// The name of a table's generated data trace (made unique).
    func generatedName(_ table: String) -> String {
        var name = "\(table) data"
        var n = 2
        while project.traces.contains(where: { $0.name == name }) || models[name] != nil {
            name = "\(table) data \(n)"
            n += 1
        }
        return name
    }
}
