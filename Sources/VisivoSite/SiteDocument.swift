import Foundation
import VisivoCore

/// `project.js`: what the viewer needs of a project, and nothing else. Refs stay names
/// (each chart, table, selector and trace appears once), and no source, model, SQL text
/// or credential is in it, so a published dist shows dashboards, not connection details.
/// The shape is the viewer's contract (docs/viewing-dashboards.md).
public enum SiteDocument {
    /// The document as JSON, without its traces (`script` adds them).
    static func render(
        _ project: Project, paths: SitePaths, outcomes: [String: TraceOutcome], version: String, builtAt: Date
    ) -> JSONValue {
        .object([
            ("name", project.name.map(JSONValue.string) ?? .null),
            ("version", .string(version)),
            ("builtAt", .string(ISO8601DateFormatter().string(from: builtAt))),
            ("dashboards", .array(project.dashboards.map { dashboard($0, paths: paths) })),
            (
                "charts",
                .object(
                    project.charts.map { c in
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
                    project.tables.map { t in
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
                            ])
                        )
                    })
            ),
            (
                "selectors",
                .object(
                    project.selectors.map { s in
                        (s.name, .object([("type", .string(s.type)), ("options", .array(s.options.map { .string($0.name) }))]))
                    })
            ),
        ])
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

    static func dashboard(_ d: Dashboard, paths: SitePaths) -> JSONValue {
        .object([
            ("name", .string(d.name)),
            ("path", .string(paths.dashboards[d.name] ?? "")),
            (
                "rows",
                .array(
                    d.rows.map { row in
                        .object([
                            ("height", .string(row.height)),
                            ("name", row.name.map(JSONValue.string) ?? .null),
                            ("items", .array(row.items.map(item))),
                        ])
                    })
            ),
        ])
    }

    static func item(_ item: Dashboard.Item) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("width", .int(Int64(item.width))), ("name", item.name.map(JSONValue.string) ?? .null),
        ]
        switch item.content {
        case .markdown(let m): members.append(("markdown", .string(m)))
        case .chart(let r): members.append(("chart", .string(r.name)))
        case .table(let r): members.append(("table", .string(r.name)))
        case .selector(let r): members.append(("selector", .string(r.name)))
        case .empty: break
        }
        return .object(members)
    }

    /// One trace as the viewer needs it: static props, data script, outcome.
    static func trace(_ t: Trace, data: String, outcome: TraceOutcome) -> JSONValue {
        .object([
            ("props", staticProps(t.props)),
            ("data", .string(data)),
            ("status", .string(outcome.status)),
            ("message", outcome.message.map(JSONValue.string) ?? .null),
        ])
    }

    /// `window.VISIVO_PROJECT = {...};`, the document's last member being `traces`, each
    /// trace's text from `memo` when the trace and its outcome are those it was made from.
    public static func script(
        _ project: Project, paths: SitePaths, outcomes: [String: TraceOutcome], version: String, builtAt: Date, memo: SiteMemo? = nil
    ) -> [UInt8] {
        var out = Array("window.VISIVO_PROJECT = ".utf8)
        render(project, paths: paths, outcomes: outcomes, version: version, builtAt: builtAt).write(into: &out)
        // Reopen the object for its last member.
        out.removeLast()
        out.append(contentsOf: ",\"traces\":{".utf8)
        let known = memo?.traces ?? [:]
        var made: [String: SiteMemo.Trace] = [:]
        if memo != nil { made.reserveCapacity(project.traces.count) }
        for (i, t) in project.traces.enumerated() {
            if i > 0 { out.append(0x2C) }
            JSONValue.writeString(t.name, into: &out)
            out.append(0x3A)
            let data = paths.traces[t.name] ?? ""
            let outcome = outcomes[t.name] ?? .missing
            if let k = known[t.name], k.props == t.props, k.data == data, k.outcome == outcome {
                out.append(contentsOf: k.text)
                made[t.name] = k
            } else {
                var text: [UInt8] = []
                trace(t, data: data, outcome: outcome).write(into: &text)
                out.append(contentsOf: text)
                if memo != nil { made[t.name] = SiteMemo.Trace(props: t.props, data: data, outcome: outcome, text: text) }
            }
        }
        out.append(contentsOf: "}};\n".utf8)
        memo?.traces = made
        return out
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
