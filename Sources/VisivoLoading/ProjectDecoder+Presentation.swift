import VisivoProject

/// What is shown: charts, tables, selectors and dashboards.
extension ProjectDecoder {
    // MARK: - Charts, tables, selectors

    mutating func chart(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "chart '\($0)'" } ?? "chart"
        guard let f = Fields(node, what: label, known: ["name", "traces", "layout", "selector"], diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .chart, parent: parent)
        else { return nil }
        let traces = f.list("traces", &diagnostics).compactMap { refOrInline($0, kind: .trace, parent: name, field: "traces") }
        let selector = f["selector"].flatMap { refOrInline($0, kind: .selector, parent: name, field: "selector") }
        project.charts.append(Chart(name: name, traces: traces, layout: f["layout"]?.json, selector: selector, location: node.location))
        return Ref(name, at: node.location)
    }

    mutating func table(_ node: YAMLNode, parent: String?) -> Ref? {
        let label = node["name"]?.scalar.map { "table '\($0)'" } ?? "table"
        guard let f = Fields(node, what: label, known: ["name", "traces", "column_defs", "rows_per_page", "selector"], diagnostics: &diagnostics),
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
        project.tables.append(
            Table(name: name, traces: traces, columnDefs: defs, rowsPerPage: f.int("rows_per_page", &diagnostics), selector: selector, location: node.location))
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
        guard let f = Fields(node, what: label, known: ["name", "rows", "description", "tags", "level"], diagnostics: &diagnostics),
            let (name, _) = name(of: f, kind: .dashboard, parent: nil)
        else { return }
        var rows: [Dashboard.Row] = []
        for rowNode in f.list("rows", &diagnostics) {
            guard let r = Fields(rowNode, what: "a row of \(label)", known: ["height", "items", "name"], diagnostics: &diagnostics) else { continue }
            let height = r.string("height", &diagnostics) ?? "medium"
            if !Self.heights.contains(height) {
                diagnostics.append(
                    Diagnostic(.error, "row height '\(height)' of \(label) must be one of \(Self.heights.joined(separator: ", "))", at: r["height"]!.location))
            }
            var items: [Dashboard.Item] = []
            for itemNode in r.list("items", &diagnostics) {
                guard
                    let i = Fields(
                        itemNode, what: "an item of \(label)", known: ["width", "markdown", "chart", "table", "selector", "name", "align", "justify"],
                        diagnostics: &diagnostics)
                else { continue }
                let kinds = ["markdown", "chart", "table", "selector"].filter { i[$0] != nil }
                if kinds.count > 1 {
                    diagnostics.append(
                        Diagnostic(
                            .error, "an item of \(label) has \(kinds.joined(separator: " and ")); an item holds only one of markdown, chart, table, selector",
                            at: itemNode.location))
                }
                var content = Dashboard.Content.empty
                switch kinds.first {
                case "markdown": content = .markdown(i.string("markdown", &diagnostics) ?? "")
                case "chart": if let ref = refOrInline(i["chart"]!, kind: .chart, parent: name, field: "chart") { content = .chart(ref) }
                case "table": if let ref = refOrInline(i["table"]!, kind: .table, parent: name, field: "table") { content = .table(ref) }
                case "selector": if let ref = refOrInline(i["selector"]!, kind: .selector, parent: name, field: "selector") { content = .selector(ref) }
                default: break
                }
                items.append(Dashboard.Item(width: i.int("width", &diagnostics) ?? 1, content: content, name: i.string("name", &diagnostics)))
            }
            rows.append(Dashboard.Row(height: height, items: items, name: r.string("name", &diagnostics)))
        }
        project.dashboards.append(Dashboard(name: name, rows: rows, location: node.location))
    }
}
