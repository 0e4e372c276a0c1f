import VisivoProject

/// What is shown: charts, tables, selectors and dashboards.
extension ProjectDecoder {
    // MARK: - Charts, tables, selectors

    mutating func chart(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "chart '\($0)'" } ?? "chart"
        guard let f = Fields(node, what: label, known: ["name", "traces", "insights", "layout", "selector"], diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .chart, parent: parent)
        else { return nil }
        let traces =
            f.list("traces", &diagnostics).compactMap { refOrInline($0, kind: .trace, parent: name, field: "traces") }
            + f.list("insights", &diagnostics).compactMap { refOrInline($0, kind: .insight, parent: name, field: "insights") }
        let selector = f["selector"].flatMap { refOrInline($0, kind: .selector, parent: name, field: "selector") }
        project.charts.append(Chart(name: name, traces: traces, layout: f["layout"]?.json, selector: selector, location: node.location))
        return Ref(name, at: node.location)
    }

    mutating func table(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "table '\($0)'" } ?? "table"
        guard
            let f = Fields(
                node, what: label, known: ["name", "traces", "column_defs", "rows_per_page", "selector", "data", "columns", "rows", "values", "format_cells"],
                diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .table, parent: parent)
        else { return nil }
        let traces = f.list("traces", &diagnostics).compactMap { refOrInline($0, kind: .trace, parent: name, field: "traces") }
        var defs: [Table.ColumnDefs] = []
        for item in f.list("column_defs", &diagnostics) {
            guard let d = Fields(item, what: "a column_defs entry of \(label)", known: ["trace_name", "columns"], diagnostics: &diagnostics),
                let traceName = d.located("trace_name", &diagnostics)
            else { continue }
            defs.append(.init(traceName: traceName, columns: d.list("columns", &diagnostics).map(\.json)))
        }
        let selector = f["selector"].flatMap { refOrInline($0, kind: .selector, parent: name, field: "selector") }
        var table = Table(
            name: name, traces: traces, columnDefs: defs, rowsPerPage: f.int("rows_per_page", &diagnostics), selector: selector, location: node.location)
        if let d = f["data"] {
            if let text = d.scalar, let ref = Self.parseRef(text) {
                table.data = Ref(ref, at: d.location)
            } else {
                diagnostics.append(Diagnostic(.error, "'data' of \(label) must be ${ref(model or insight)}", at: d.location))
            }
            if let key = ["columns", "rows", "values"].first(where: { f[$0] != nil }) {
                diagnostics.append(
                    Diagnostic(
                        .error, "\(label) has 'data' and '\(key)'; 'data' shows a model or insight as it is, 'columns'/'rows'/'values' pick or pivot columns",
                        at: f.keyLocation(key)!))
            }
        }
        if let r = table.rowsPerPage, f["data"] != nil || f["values"] != nil || f["columns"] != nil, ![3, 5, 10, 25, 50, 100, 500, 1000].contains(r) {
            project.warnings.append(
                Diagnostic(
                    .warning, "rows_per_page \(r) of \(label) is not one of 3, 5, 10, 25, 50, 100, 500, 1000 (the reference refuses it)",
                    at: f["rows_per_page"]!.location))
        }
        // A pivot's expressions become the columns of a generated trace (`InsightResolver`).
        let rows = f.stringList("rows", &diagnostics), columns = f.stringList("columns", &diagnostics), values = f.stringList("values", &diagnostics)
        if !(rows.isEmpty && columns.isEmpty && values.isEmpty) { table.pivot = Pivot(rows: rows, columns: columns, values: values) }
        if let fc = f["format_cells"] {
            if let c = Fields(fc, what: "'format_cells' of \(label)", known: ["scope", "min_color", "max_color"], diagnostics: &diagnostics) {
                _ = oneOf("scope", of: c, label: "'format_cells' of \(label)", in: ["table", "row", "column"])
                for key in ["scope", "min_color", "max_color"] where c[key] == nil {
                    diagnostics.append(Diagnostic(.error, "'format_cells' of \(label) is missing required key '\(key)'", at: fc.location))
                }
            }
            table.formatCells = fc.json
        }
        project.tables.append(table)
        return Ref(name, at: node.location)
    }

    mutating func selector(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "selector '\($0)'" } ?? "selector"
        guard let f = Fields(node, what: label, known: ["name", "type", "options"], diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .selector, parent: parent)
        else { return nil }
        let type = f.string("type", &diagnostics) ?? "multiple"
        if type != "single" && type != "multiple" {
            diagnostics.append(Diagnostic(.error, "'type' of \(label) must be 'single' or 'multiple', not '\(type)'", at: f["type"]!.location))
        }
        var options: [Ref] = []
        for item in f.list("options", &diagnostics) {
            guard let text = item.scalar, let refName = Self.parseRef(text) else {
                diagnostics.append(Diagnostic(.error, "each option of \(label) must be ref(name)", at: item.location))
                continue
            }
            options.append(Ref(refName, at: item.location))
        }
        project.selectors.append(Selector(name: name, type: type, options: options, location: node.location))
        return Ref(name, at: node.location)
    }

    // MARK: - Dashboards

    static let heights = ["compact", "xsmall", "small", "medium", "large", "xlarge", "xxlarge"]

    mutating func dashboard(_ node: YAMLNode) {
        let label = node["name"]?.scalar.map { "dashboard '\($0)'" } ?? "dashboard"
        guard
            let f = Fields(node, what: label, known: ["name", "rows", "description", "tags", "level", "type", "href"], diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .dashboard, parent: nil)
        else { return }
        let type = oneOf("type", of: f, label: label, in: ["internal", "external"]) ?? (f["href"] != nil ? "external" : "internal")
        var d = Dashboard(name: name, rows: decodeRows(f.list("rows", &diagnostics), label: label, parent: name), location: node.location)
        d.description = f.string("description", &diagnostics)
        d.tags = f.stringList("tags", &diagnostics).map(\.value)
        d.level = f["level"]?.json
        d.href = f.string("href", &diagnostics)
        if type == "external" && d.href == nil {
            diagnostics.append(Diagnostic(.error, "\(label) is external and needs 'href' (the address it links to)", at: node.location))
        }
        project.dashboards.append(d)
    }

    mutating func decodeRows(_ nodes: [YAMLNode], label: String, parent: String) -> [Dashboard.Row] {
        var rows: [Dashboard.Row] = []
        for rowNode in nodes {
            guard let r = Fields(rowNode, what: "a row of \(label)", known: ["height", "items", "name"], diagnostics: &diagnostics) else { continue }
            let height = r.string("height", &diagnostics) ?? "medium"
            if !Self.heights.contains(height) && !(Int(height).map { $0 > 0 } ?? false) {
                diagnostics.append(
                    Diagnostic(
                        .error, "row height '\(height)' of \(label) must be one of \(Self.heights.joined(separator: ", ")) or a number of pixels",
                        at: r["height"]!.location))
            }
            var items: [Dashboard.Item] = []
            for itemNode in r.list("items", &diagnostics) {
                guard
                    let i = Fields(
                        itemNode, what: "an item of \(label)",
                        known: ["width", "markdown", "chart", "table", "selector", "input", "rows", "name", "align", "justify"],
                        diagnostics: &diagnostics)
                else { continue }
                let kinds = ["markdown", "chart", "table", "selector", "input", "rows"].filter { i[$0] != nil }
                if kinds.count > 1 {
                    diagnostics.append(
                        Diagnostic(
                            .error,
                            "an item of \(label) has \(kinds.joined(separator: " and ")); an item holds only one of markdown, chart, table, selector, input, rows",
                            at: itemNode.location))
                }
                var content = Dashboard.Content.empty
                switch kinds.first {
                case "markdown":
                    let m = i["markdown"]!
                    if m.mapping != nil {
                        if let ref = markdown(m, parent: parent) { content = .markdownObject(ref) }
                    } else if let text = m.scalar, let ref = Self.parseRef(text) {
                        content = .markdownObject(Ref(ref, at: m.location))
                    } else {
                        content = .markdown(i.string("markdown", &diagnostics) ?? "")
                    }
                case "chart": if let ref = refOrInline(i["chart"]!, kind: .chart, parent: parent, field: "chart") { content = .chart(ref) }
                case "table": if let ref = refOrInline(i["table"]!, kind: .table, parent: parent, field: "table") { content = .table(ref) }
                case "selector": if let ref = refOrInline(i["selector"]!, kind: .selector, parent: parent, field: "selector") { content = .selector(ref) }
                case "input": if let ref = refOrInline(i["input"]!, kind: .input, parent: parent, field: "input") { content = .input(ref) }
                case "rows": content = .rows(decodeRows(i.list("rows", &diagnostics), label: label, parent: parent))
                default: break
                }
                items.append(Dashboard.Item(width: i.int("width", &diagnostics) ?? 1, content: content, name: i.string("name", &diagnostics)))
            }
            rows.append(Dashboard.Row(height: height, items: items, name: r.string("name", &diagnostics)))
        }
        return rows
    }
}
