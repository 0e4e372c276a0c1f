import Foundation
import VisivoProject
import VisivoQuery
import VisivoSupport

/// The documents the viewer draws from: what it needs of a project, and nothing else. The
/// project page's `project.js` holds the dashboards; each dashboard's `dashboard.js` holds
/// them too, and the charts, tables, selectors and traces that dashboard shows, so a page
/// of a large project loads its own part only. Refs stay names (each object appears
/// once), and no source, model, SQL text or credential is in them, so a published dist
/// shows dashboards, not connection details. The shape is the viewer's contract
/// (docs/viewing-dashboards.md).
public enum SiteDocument {
    /// What one document holds, in the project's order.
    struct Scope {
        var charts: [Chart] = []
        var tables: [Table] = []
        var selectors: [Selector] = []
        var traces: [Trace] = []
        /// 2.x inputs: placed on the dashboard, or read by its insights.
        var inputs: [Input] = []
    }

    /// What the documents need beyond the project: built options of query inputs, the
    /// inputs' default states, and (in a dist) each insight's precomputed combinations.
    struct Extras {
        var inputOptions: [String: [JSONValue]] = [:]
        var defaults: [String: JSONValue] = [:]
        /// Insight -> combination key (JSON text) -> data script path.
        var variants: [String: [String: String]] = [:]
    }

    /// The objects a dashboard shows: its charts and tables with their traces, and the
    /// selectors of its items and of those charts and tables (with the traces they name).
    static func scope(of d: Dashboard, in index: ProjectIndex) -> Scope {
        var charts: Set<Int> = [], tables: Set<Int> = [], selectors: Set<Int> = [], traces: Set<Int> = [], inputs: Set<Int> = []
        let p = index.project
        func add(_ refs: [Ref]) {
            for r in refs {
                guard let i = index.traces[r.name] else { continue }
                traces.insert(i)
                for u in p.traces[i].insight?.inputs ?? [] { if let j = index.inputs[u.input] { inputs.insert(j) } }
            }
        }
        func select(_ ref: Ref?) {
            guard let ref, let i = index.selectors[ref.name] else { return }
            selectors.insert(i)
            add(p.selectors[i].options)
        }
        for item in d.allItems {
            switch item.content {
            case .chart(let r):
                guard let i = index.charts[r.name] else { continue }
                charts.insert(i)
                add(p.charts[i].traces)
                select(p.charts[i].selector)
            case .table(let r):
                guard let i = index.tables[r.name] else { continue }
                tables.insert(i)
                add(p.tables[i].traces)
                select(p.tables[i].selector)
            case .selector(let r): select(r)
            case .input(let r): if let i = index.inputs[r.name] { inputs.insert(i) }
            case .markdown, .markdownObject, .rows, .empty: break
            }
        }
        return Scope(
            charts: charts.sorted().map { p.charts[$0] }, tables: tables.sorted().map { p.tables[$0] },
            selectors: selectors.sorted().map { p.selectors[$0] }, traces: traces.sorted().map { p.traces[$0] },
            inputs: inputs.sorted().map { p.inputs[$0] })
    }

    /// The start of every document of a site: `{"name":…,"version":…,"builtAt":…,"dashboards":[…]`
    /// (every page lists every dashboard).
    static func head(_ project: Project, paths: SitePaths, version: String, builtAt: String) -> [UInt8] {
        var out = Array("window.VISIVO_PROJECT = ".utf8)
        let markdowns = Dictionary(project.markdowns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        JSONValue.object([
            ("name", project.name.map(JSONValue.string) ?? .null),
            ("version", .string(version)),
            ("builtAt", .string(builtAt)),
            ("levels", .array(project.defaults.levels.map { .object([("title", .string($0.title)), ("description", .string($0.description))]) })),
            ("dashboards", .array(project.dashboards.map { dashboard($0, paths: paths, markdowns: markdowns) })),
        ]).write(into: &out)
        out.removeLast()
        return out
    }

    /// A document's charts, tables and selectors (`script` adds the rest).
    static func render(_ scope: Scope, extras: Extras) -> JSONValue {
        .object([
            (
                "charts",
                .object(
                    scope.charts.map { c in
                        (
                            c.name,
                            .object([
                                ("traces", .array(c.traces.map { .string($0.name) })),
                                ("layout", c.layout ?? .null),
                                ("selector", c.selector.map { .string($0.name) } ?? .null),
                            ])
                        )
                    })
            ),
            (
                "tables",
                .object(
                    scope.tables.map { t in
                        (
                            t.name,
                            .object([
                                ("traces", .array(t.traces.map { .string($0.name) })),
                                (
                                    "column_defs",
                                    .array(
                                        t.columnDefs.map { d in
                                            .object([("trace_name", .string(d.traceName.value)), ("columns", .array(d.columns))])
                                        })
                                ),
                                ("rows_per_page", t.rowsPerPage.map { .int(Int64($0)) } ?? .null),
                                ("selector", t.selector.map { .string($0.name) } ?? .null),
                                ("pivot", t.pivot.map(pivot) ?? .null),
                                ("format_cells", t.formatCells ?? .null),
                            ])
                        )
                    })
            ),
            (
                "selectors",
                .object(
                    scope.selectors.map { s in
                        (s.name, .object([("type", .string(s.type)), ("options", .array(s.options.map { .string($0.name) }))]))
                    })
            ),
            ("inputs", .object(scope.inputs.map { ($0.name, input($0, extras: extras)) })),
        ])
    }

    static func pivot(_ p: Pivot) -> JSONValue {
        .object([
            ("rows", .array(p.rowKeys.map(JSONValue.string))), ("columns", .array(p.columnKeys.map(JSONValue.string))),
            ("values", .array(p.valueKeys.map(JSONValue.string))),
        ])
    }

    /// An input as the viewer draws it: its options (a query's as built), its range, and
    /// the state it starts in (what the build computed its insights' data.json for).
    static func input(_ i: Input, extras: Extras) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string(i.kind.rawValue)), ("label", i.label.map(JSONValue.string) ?? .null), ("display", .string(i.display)),
        ]
        switch i.options {
        case .list(let items): members.append(("options", .array(items)))
        case .query: members.append(("options", .array(extras.inputOptions[i.name] ?? [])))
        case .range(let start, let end, let step):
            members.append(("range", .object([("start", start), ("end", end), ("step", step)])))
            members.append(("options", .array(InputBinding.listed(i))))
        }
        members.append(("default", extras.defaults[i.name] ?? .null))
        return .object(members)
    }

    /// A trace's props as the viewer needs them: every `query(...)` string (SQL, whose
    /// values arrive in the data) becomes null; `column(...)` and static values stay.
    static func staticProps(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s) where s.hasPrefix("query(") && s.hasSuffix(")"): return .null
        case .array(let items): return .array(items.map(staticProps))
        case .object(let members): return .object(members.map { JSONMember(key: $0.key, value: staticProps($0.value)) })
        default: return value
        }
    }

    static func dashboard(_ d: Dashboard, paths: SitePaths, markdowns: [String: Markdown]) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(d.name)),
            ("path", .string(paths.dashboards[d.name] ?? "")),
            ("rows", rows(d.rows, markdowns: markdowns)),
        ]
        if let level = d.level { members.append(("level", level)) }
        if let description = d.description { members.append(("description", .string(description))) }
        if !d.tags.isEmpty { members.append(("tags", .array(d.tags.map(JSONValue.string)))) }
        if let href = d.href { members.append(("href", .string(href))) }
        return .object(members)
    }

    static func rows(_ rows: [Dashboard.Row], markdowns: [String: Markdown]) -> JSONValue {
        .array(
            rows.map { row in
                .object([
                    ("height", .string(row.height)),
                    ("name", row.name.map(JSONValue.string) ?? .null),
                    ("items", .array(row.items.map { item($0, markdowns: markdowns) })),
                ])
            })
    }

    static func item(_ item: Dashboard.Item, markdowns: [String: Markdown]) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("width", .int(Int64(item.width))), ("name", item.name.map(JSONValue.string) ?? .null),
        ]
        switch item.content {
        case .markdown(let m): members.append(("markdown", .string(m)))
        case .markdownObject(let r):
            let m = markdowns[r.name]
            members.append(("markdown", .string(m?.content ?? "")))
            members.append(("align", .string(m?.align ?? "left")))
            members.append(("justify", .string(m?.justify ?? "start")))
        case .chart(let r): members.append(("chart", .string(r.name)))
        case .table(let r): members.append(("table", .string(r.name)))
        case .selector(let r): members.append(("selector", .string(r.name)))
        case .input(let r): members.append(("input", .string(r.name)))
        case .rows(let inner): members.append(("rows", rows(inner, markdowns: markdowns)))
        case .empty: break
        }
        return .object(members)
    }

    /// One trace as the viewer needs it: static props, data script and its version, outcome.
    static func trace(_ t: Trace, data: String, outcome: TraceOutcome, extras: Extras) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("props", staticProps(t.props)),
            ("data", .string(data)),
            ("version", outcome.version.map(JSONValue.string) ?? .null),
            ("status", .string(outcome.status)),
            ("message", outcome.message.map(JSONValue.string) ?? .null),
        ]
        if let info = t.insight {
            var names: [String] = []
            for u in info.inputs where !names.contains(u.input) { names.append(u.input) }
            members.append(("insight", .bool(true)))
            if !names.isEmpty { members.append(("inputs", .array(names.map(JSONValue.string)))) }
            if !info.slices.isEmpty { members.append(("slices", .object(info.slices.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }))) }
            if let v = extras.variants[t.name] {
                members.append(("variants", .object(v.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })))
            }
        }
        return .object(members)
    }

    /// `window.VISIVO_PROJECT = {...};`, the document's last member being `traces`. Each
    /// trace's text comes from `known` when the trace and its outcome are those it was made
    /// from, and goes into `made`.
    static func script(
        head: [UInt8], scope: Scope, paths: SitePaths, outcomes: [String: TraceOutcome], extras: Extras,
        known: [String: SiteMemo.Trace], made: inout [String: SiteMemo.Trace]
    ) -> [UInt8] {
        var out = head
        var rest: [UInt8] = []
        render(scope, extras: extras).write(into: &rest)
        // `{"charts":…}` joins the head's object; then the last member, `traces`.
        out.append(0x2C)
        out.append(contentsOf: rest.dropFirst().dropLast())
        out.append(contentsOf: ",\"traces\":{".utf8)
        for (i, t) in scope.traces.enumerated() {
            if i > 0 { out.append(0x2C) }
            JSONValue.writeString(t.name, into: &out)
            out.append(0x3A)
            let data = paths.traces[t.name] ?? ""
            let outcome = outcomes[t.name] ?? .missing
            // An insight's entry depends on its inputs too: made anew each time.
            if t.insight == nil, let k = made[t.name] ?? known[t.name], k.props == t.props, k.data == data, k.outcome == outcome {
                out.append(contentsOf: k.text)
                made[t.name] = k
            } else {
                var text: [UInt8] = []
                trace(t, data: data, outcome: outcome, extras: extras).write(into: &text)
                out.append(contentsOf: text)
                made[t.name] = SiteMemo.Trace(props: t.props, data: data, outcome: outcome, text: text)
            }
        }
        out.append(contentsOf: "}};\n".utf8)
        return out
    }
}

/// The position of the project's objects by name (the first of a name).
struct ProjectIndex {
    let project: Project
    let charts: [String: Int]
    let tables: [String: Int]
    let selectors: [String: Int]
    let traces: [String: Int]
    let inputs: [String: Int]

    init(_ project: Project) {
        self.project = project
        func byName<T>(_ items: [T], _ name: (T) -> String) -> [String: Int] {
            var out: [String: Int] = [:]
            out.reserveCapacity(items.count)
            for (i, x) in items.enumerated() where out[name(x)] == nil { out[name(x)] = i }
            return out
        }
        charts = byName(project.charts, \.name)
        tables = byName(project.tables, \.name)
        selectors = byName(project.selectors, \.name)
        traces = byName(project.traces, \.name)
        inputs = byName(project.inputs, \.name)
    }
}

/// Each trace's data as a classic script the viewer loads with a `<script>` element
/// (browsers refuse `fetch` on file:// pages).
public enum SiteData {
    /// `target/<trace>/data.json`.
    public static func dataPath(trace: String, outputDirectory: String) -> String {
        "\(outputDirectory)/\(trace)/data.json"
    }

    /// The script registering `json` (data.json's bytes) under `key` (the script's own path).
    public static func script(key: String, json: some Collection<UInt8>) -> [UInt8] {
        var out = Array("(window.VISIVO_DATA = window.VISIVO_DATA || {})[".utf8)
        JSONValue.writeString(key, into: &out)
        out.append(contentsOf: "] = ".utf8)
        out.append(contentsOf: json)
        out.append(contentsOf: ";\n".utf8)
        return out
    }
}
