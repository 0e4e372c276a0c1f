import Testing
import VisivoTestSupport

@testable import VisivoLoading
@testable import VisivoProject

/// 2.x projects: every object and syntax of docs/project-format.md's 2.x part, read into
/// the same project as 1.x, with diagnostics as exact as 1.x's.
@Suite struct Format2xTests {
    static let base = """
        name: shop
        sources:
          - name: db
            type: sqlite
            database: db.sqlite
        models:
          - name: orders
            sql: select id, customer_id, region, amount from orders
            source: ${ref(db)}
            metrics:
              - name: revenue
                expression: sum(${ref(orders).amount})
            dimensions:
              - name: big
                expression: ${ref(orders).amount} > 100
                data_type: BOOLEAN
          - name: customers
            sql: select * from customers
            source: ${ref(db)}
        metrics:
          - name: order_count
            expression: count(${ref(orders).id})

        """

    func loaded(_ yaml: String, environment: [String: String] = [:]) throws -> Project {
        try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": Self.base + yaml], in: dir)
            return try load(dir, environment: environment)
        }
    }

    @Test func insightBecomesATraceOverItsModel() throws {
        let p = try loaded(
            """
            insights:
              - name: by-region
                description: Revenue per region
                props:
                  type: bar
                  x: ?{ ${ref(orders).region} }
                  y: ?{ ${ref(orders).revenue} }
                  text: ?{ ${ref(order_count)} }[0]
                  marker: {color: red}
                interactions:
                  - filter: ?{ ${ref(orders).big} }
                  - split: ?{ ${ref( orders ).region} }
                  - sort: ?{ ${ref(orders).region} DESC }
            """)
        let t = try #require(p.trace(named: "by-region"))
        #expect(t.model.name == "orders")
        #expect(t.insight?.description == "Revenue per region")
        #expect(t.props["x"] == .string("query(region)"))
        #expect(t.props["y"] == .string("query((sum(amount)))"))
        #expect(t.props["text"] == .string("query((count(id)))"))
        #expect(t.props["marker"]?["color"] == .string("red"))
        #expect(t.insight?.slices == ["props.text": "[0]"])
        #expect(t.filters.map(\.value) == ["(amount > 100)"])
        #expect(t.cohortOn?.value == "region")
        #expect(t.orderBy.map(\.value) == ["region DESC"])
        #expect(t.insight?.models == ["orders"])
    }

    @Test func inputAccessorsBecomeMarkers() throws {
        let p = try loaded(
            """
            inputs:
              - name: pick
                type: single-select
                options: ['north', 'south']
              - name: many
                type: multi-select
                options: ?{ select distinct region from ${ref(orders)} }
                display: {type: chips, default: {values: none}}
              - name: span
                type: multi-select
                range: {start: 0, end: 100, step: 25}
                display: {type: range-slider, default: {start: 25, end: 75}}
            insights:
              - name: filtered
                props:
                  type: bar
                  x: ?{ ${ref(orders).region} }
                  y: ?{ sum(${ref(orders).amount}) }
                interactions:
                  - filter: ?{ ${ref(orders).region} = ${ref(pick).value} }
                  - filter: ?{ ${ref(orders).region} IN (${ref(many).values}) }
                  - filter: ?{ ${ref(orders).amount} BETWEEN ${ref(span).min} AND ${ref(span).max} }
            """)
        let t = try #require(p.trace(named: "filtered"))
        #expect(
            t.filters.map(\.value) == [
                "region = \u{2}pick.value\u{3}", "region IN (\u{2}many.values\u{3})", "amount BETWEEN \u{2}span.min\u{3} AND \u{2}span.max\u{3}",
            ])
        #expect(t.insight?.inputs.map(\.marker) == ["\u{2}pick.value\u{3}", "\u{2}many.values\u{3}", "\u{2}span.min\u{3}", "\u{2}span.max\u{3}"])
        let many = try #require(p.input(named: "many"))
        guard case .query(let sql, let model) = many.options else { Issue.record("options are not a query"); return }
        #expect(sql == "select distinct region from (select id, customer_id, region, amount from orders) AS `orders`")
        #expect(model.name == "orders")
        #expect(many.defaultValue == .nothing)
        #expect(p.input(named: "span")?.defaultValue == .range(start: .number("25"), end: .number("75")))
        #expect(p.input(named: "pick")?.defaultValue == .first)
    }

    @Test func twoModelsJoinByTheirRelation() throws {
        let p = try loaded(
            """
            relations:
              - name: orders_customers
                join_type: left
                condition: ${ref(orders).customer_id} = ${ref(customers).id}
                is_default: true
            insights:
              - name: by-segment
                props:
                  type: pie
                  labels: ?{ ${ref(customers).segment} }
                  values: ?{ sum(${ref(orders).amount}) }
            """)
        let t = try #require(p.trace(named: "by-segment"))
        #expect(t.model.name == "by-segment joined")
        #expect(t.props["labels"] == .string("query(`customers.segment`)"))
        let m = try #require(p.model(named: "by-segment joined"))
        #expect(
            m.sql
                == "SELECT `customers`.segment AS `customers.segment`, `orders`.amount AS `orders.amount`\nFROM (select * from customers) AS `customers`\nRIGHT JOIN (select id, customer_id, region, amount from orders) AS `orders` ON `orders`.customer_id = `customers`.id"
        )
    }

    /// `left` keeps every row of the condition's first model, whichever the insight names first.
    @Test func leftJoinKeepsTheConditionsFirstModel() throws {
        let p = try loaded(
            """
            relations:
              - {name: r, join_type: left, condition: "${ref(orders).customer_id} = ${ref(customers).id}"}
            insights:
              - name: by-segment
                props: {type: pie, labels: '?{ ${ref(customers).segment} }', values: '?{ sum(${ref(orders).amount}) }'}
              - name: by-order
                props: {type: bar, x: '?{ ${ref(orders).id} }', y: '?{ ${ref(customers).segment} }'}
            """)
        #expect(p.model(named: "by-segment joined")?.sql.contains("FROM (select * from customers) AS `customers`\nRIGHT JOIN") == true)
        #expect(p.model(named: "by-order joined")?.sql.contains("FROM (select id, customer_id, region, amount from orders) AS `orders`\nLEFT JOIN") == true)
    }

    @Test func tablesFromDataAndPivots() throws {
        let p = try loaded(
            """
            tables:
              - name: raw
                data: ${ref(orders)}
                rows_per_page: 25
              - name: pivot
                rows: ['${ref(orders).region}']
                columns: ['${ref(orders).customer_id}']
                values: ['sum(${ref(orders).amount})']
                format_cells: {scope: table, min_color: '#fff', max_color: '#f00'}
            """)
        let raw = try #require(p.tables.first { $0.name == "raw" })
        #expect(raw.traces.map(\.name) == ["raw data"])
        #expect(p.trace(named: "raw data")?.synthetic == true)
        let pivot = try #require(p.tables.first { $0.name == "pivot" })
        #expect(pivot.pivot?.rowKeys == ["columns.region"])
        #expect(pivot.pivot?.columnKeys == ["columns.customer_id"])
        #expect(pivot.pivot?.valueKeys == ["columns.sum(amount)"])
        #expect(p.trace(named: "pivot data")?.columns.map(\.value.expression) == ["region", "customer_id", "sum(amount)"])
        #expect(pivot.formatCells?["scope"] == .string("table"))
    }

    @Test func markdownsDashboardsAndLevels() throws {
        let p = try loaded(
            """
            defaults:
              levels:
                - {title: Overview, description: Start here}
            markdowns:
              - name: intro
                content: "# Hello"
                align: center
                justify: between
            dashboards:
              - name: main
                level: Overview
                description: The shop
                tags: [a, b]
                rows:
                  - height: 320
                    items:
                      - markdown: ${ref(intro)}
                      - rows:
                          - items:
                              - markdown: "inline text"
              - name: elsewhere
                type: external
                href: https://example.com/board
            """)
        #expect(p.defaults.levels == [Level(title: "Overview", description: "Start here")])
        #expect(p.markdowns.first?.justify == "between")
        let d = try #require(p.dashboards.first)
        #expect(d.level == .string("Overview") && d.description == "The shop" && d.tags == ["a", "b"])
        #expect(d.rows[0].height == "320")
        #expect(d.allItems.count == 3)
        #expect(p.dashboards[1].href == "https://example.com/board")
    }

    @Test func environmentReferences() throws {
        let yaml = "sources:\n  - name: pg\n    type: postgresql\n    database: ${env.PG_DB}\n    password: \"${ env.PG_PASSWORD }\"\n"
        let p = try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": yaml], in: dir)
            return try load(dir, environment: ["PG_DB": "shop", "PG_PASSWORD": "se\"cret"])
        }
        #expect(p.sources.first?.database == "shop")
        #expect(p.sources.first?.password == "se\"cret")
        // Unset: the same diagnostic as env_var, and only the source fails.
        let unset = try withTemporaryDirectory { dir in
            try write(["project.visivo.yml": yaml], in: dir)
            return try load(dir, environment: ["PG_DB": "shop"])
        }
        #expect(
            unset.unresolved["pg"]?.map(\.description) == [
                "project.visivo.yml:5:16: error: environment variable 'PG_PASSWORD' is not set (set it, add it to .env, or give a default: env_var('PG_PASSWORD', 'value'))"
            ])
    }

    @Test func mixedWithOneX() throws {
        let p = try loaded(
            """
            traces:
              - name: old
                model: ref(orders)
                props: {type: bar, x: query(region), y: query(sum(amount))}
                tests:
                  - logic: assert_that(numpy.sum(old.props.y)).is_greater_than(0)
            insights:
              - name: new
                props: {type: bar, x: '?{ ${ref(orders).region} }'}
            charts:
              - name: both
                traces: [ref(old)]
                insights: ['${ref(new)}']
            """)
        #expect(p.charts.first?.traces.map(\.name) == ["old", "new"])
        #expect(p.trace(named: "old")?.tests.map(\.value) == ["assert_that(numpy.sum(old.props.y)).is_greater_than(0)"])
        #expect(p.trace(named: "new")?.insight != nil && p.trace(named: "old")?.insight == nil)
    }

    /// Every problem at once, each at its place, with the exact words users read.
    @Test func diagnosticsAllAtOnce() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base
                + """
                insights:
                  - name: by-region
                    props:
                      type: bar
                      x: ?{ ${ref(orders).regoin} }
                      y: ?{ ${ref(orders).revenue} }
                    interactions:
                      - filter: ?{ ${ref(pick).values} }
                      - split: ?{ ${ref(ordrs).region} }
                  - name: joined
                    props:
                      type: bar
                      x: ?{ ${ref(customers).name} }
                      y: ?{ sum(${ref(orders).amount}) }
                  - name: nomodel
                    props: {type: bar, x: '?{ 1 }'}
                    interaction: []
                  - name: badprop
                    props: {x: '?{ ${ref(orders).id} }'}
                inputs:
                  - name: pick
                    type: single-select
                    options: [a, b]
                    display:
                      type: checkbox
                      default:
                        value: c
                  - name: many
                    type: multi-select
                    options: ?{ select x from ${ref(orders)} join ${ref(customers)} }
                  - name: weird
                    type: triple-select
                    options: [a]
                markdowns:
                  - name: m
                    content: hi
                    align: middle
                dashboards:
                  - name: d
                    rows:
                      - height: 300px
                        items:
                          - input: ${ref(pick)}
                          - markdown: ${ref(m)}
                          - input: ${ref(nope)}
                  - name: ext
                    type: external
                tests:
                  - name: t
                    on_failure: stop
                """
        ])
        #expect(
            d == [
                "project.visivo.yml:27:10: error: ${ref(orders).regoin} in insight 'by-region': model 'orders' has no column 'regoin' (it has: id, customer_id, region, amount; metrics and dimensions: big, revenue) (did you mean 'region'?)",
                "project.visivo.yml:30:17: error: ${ref(pick).values} in insight 'by-region': input 'pick' is single-select; read it as ${ref(pick).value}",
                "project.visivo.yml:31:16: error: ref(ordrs) in insight 'by-region' names nothing: there is no model, metric, dimension or input named 'ordrs' (did you mean 'orders'?)",
                "project.visivo.yml:32:5: error: insight 'joined' reads models 'customers' and 'orders', and no relation joins them (add one: relations: [{name: ..., condition: \"${ref(customers).id} = ${ref(orders).customers_id}\"}])",
                "project.visivo.yml:37:5: error: insight 'nomodel' reads no model: name its columns as ${ref(model).column} in ?{ ... } props",
                "project.visivo.yml:39:5: error: unknown key 'interaction' in insight 'nomodel' (did you mean 'interactions'?)",
                "project.visivo.yml:41:12: error: 'props' of insight 'badprop' needs a plotly 'type' (bar, scatter, pie...)",
                "project.visivo.yml:47:7: error: default 'c' of input 'pick' is not one of its options (a, b)",
                "project.visivo.yml:47:13: error: display type 'checkbox' of input 'pick' must be one of dropdown, radio, toggle, tabs, autocomplete, slider for a single-select input",
                "project.visivo.yml:52:14: error: the options query of input 'many' must read exactly one SQL model as ${ref(model)} (it reads orders, customers)",
                "project.visivo.yml:54:11: error: 'type' of input 'weird' must be 'single-select' or 'multi-select', not 'triple-select'",
                "project.visivo.yml:59:12: error: 'align' of markdown 'm' must be one of left, center, right, not 'middle'",
                "project.visivo.yml:63:17: error: row height '300px' of dashboard 'd' must be one of compact, xsmall, small, medium, large, xlarge, xxlarge or a number of pixels",
                "project.visivo.yml:67:20: error: ref(nope) in dashboard 'd' names nothing: there is no input named 'nope'",
                "project.visivo.yml:68:5: error: dashboard 'ext' is external and needs 'href' (the address it links to)",
                "project.visivo.yml:71:5: error: test 't' has no assertions",
                "project.visivo.yml:72:17: error: 'on_failure' of test 't' must be one of exit, continue, not 'stop'",
            ])
    }

    /// Names outside the reference's pattern are read, with a warning (compile prints it).
    @Test func unusualNamesWarn() throws {
        let p = try loaded(
            """
            insights:
              - name: Revenue By Region
                props: {type: bar, x: '?{ ${ref(orders).region} }'}
            """)
        #expect(
            p.warnings.map(\.description) == [
                "project.visivo.yml:24:11: warning: insight name 'Revenue By Region' is not lower-case letters, digits, '_' and '-' (^[a-z0-9_][a-z0-9_-]*$), which the reference CLI expects"
            ])
    }

    @Test func queryRangesAreRefusedClearly() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base
                + "inputs:\n  - name: span\n    type: multi-select\n    range: {start: '?{ select min(amount) from ${ref(orders)} }', end: 10, step: 1}\n"
        ])
        let defaults = try diagnostics([
            "project.visivo.yml": Self.base
                + "inputs:\n  - name: pick\n    type: single-select\n    options: [a]\n    display: {default: {value: '?{ select 1 }'}}\n"
        ])
        #expect(
            defaults == [
                "project.visivo.yml:27:32: error: the default 'value' of input 'pick' is a query; this version takes a value (the first option is the default when none is given)"
            ])
        #expect(
            d == [
                "project.visivo.yml:26:20: error: 'start' of the range of input 'span' is a query; this version takes numbers or ISO dates (step: a number, or '1 day', '2 weeks', '1 month')"
            ])
    }

    @Test func modelColumnsKnownOnlyFromPlainSelects() {
        #expect(ModelColumns.known("select id, region as r, o.amount, count(*) total from orders o") == ["id", "r", "amount", "total"])
        #expect(ModelColumns.known("SELECT DISTINCT a, \"B c\" FROM t") == ["a", "B c"])
        #expect(ModelColumns.known("select * from t") == nil)
        #expect(ModelColumns.known("select a, sum(b) from t group by a") == nil)
        #expect(ModelColumns.known("with x as (select 1) select * from x") == nil)
        #expect(ModelColumns.known("select o.* from o") == nil)
    }
}
