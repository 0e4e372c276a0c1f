import Testing
import VisivoTestSupport

@testable import VisivoProject

/// The exact text of every diagnostic is product: users read it.
@Suite struct DiagnosticsTests {
    static let base = """
        name: p
        sources:
          - name: db
            type: sqlite
            database: db.sqlite
        defaults:
          source_name: db

        """

    @Test func unknownKeySuggestsNearest() throws {
        let d = try diagnostics(["project.visivo.yml": Self.base + "models:\n  - name: m\n    sql: select 1\n    sorce: ref(db)\n"])
        #expect(d == ["project.visivo.yml:11:5: error: unknown key 'sorce' in model 'm' (did you mean 'source'?)"])
    }

    @Test func wrongType() throws {
        let d = try diagnostics(["project.visivo.yml": "sources:\n  - name: pg\n    type: postgresql\n    database: x\n    port: [1, 2]\n"])
        #expect(d == ["project.visivo.yml:5:11: error: 'port' of source 'pg' must be an integer, not a list"])
    }

    @Test func connectionSettingsCheckedAtLoad() throws {
        let d = try diagnostics([
            "project.visivo.yml": """
            sources:
              - {name: pg, type: postgresql, database: x, sslmode: requires}
              - {name: my, type: mysql, database: x, sslmode: VERIFY_IDENTITY}
              - {name: my2, type: mysql, database: x, sslmode: sometimes}
              - name: sf
                type: snowflake
                database: x
              - {name: sf2, type: snowflake, database: x, account: a, username: u, private_key_path: k.p8}
            """
        ])
        #expect(
            d == [
                "project.visivo.yml:2:56: error: unknown sslmode 'requires' in source 'pg'; use disable, allow, prefer, require, verify-ca or verify-full (did you mean 'require'?)",
                "project.visivo.yml:4:52: error: unknown sslmode 'sometimes' in source 'my2'; use disable, prefer, require, verify-ca or verify-full",
                "project.visivo.yml:5:5: error: source 'sf' is missing required key 'account' (the Snowflake account identifier, e.g. myorg-myaccount)",
                "project.visivo.yml:5:5: error: source 'sf' is missing required key 'username' (the Snowflake login name)",
                "project.visivo.yml:5:5: error: source 'sf' needs 'password' or 'private_key_path' (key-pair authentication) to log in to Snowflake",
            ])
    }

    @Test func badName() throws {
        let d = try diagnostics(["project.visivo.yml": Self.base + "models:\n  - name: a/b\n    sql: select 1\n"])
        #expect(
            d == [
                "project.visivo.yml:9:11: error: invalid model name 'a/b': a name becomes a folder under target/, so it cannot be empty, '.' or '..', hold '/' or control characters, or be longer than 200 bytes"
            ])
    }

    /// The reference restricts no name: punctuation is fine, and selectors may name rows
    /// and items to show or hide them.
    @Test func punctuatedNamesAndSelectorsOverRowsLoad() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base + """
                selectors:
                  - name: "Show: which rows?"
                    options: [ref(detail row), ref(notes item)]
                dashboards:
                  - name: "Trace Props Examples: Bar (2024)"
                    rows:
                      - name: detail row
                        items:
                          - name: notes item
                            markdown: "# hi"
                          - selector: "ref(Show: which rows?)"
                  - name: "x"
                    rows:
                      - items:
                          - selector:
                              name: other
                              options: [ref(no such row)]

                """
        ])
        #expect(
            d == [
                "project.visivo.yml:24:25: error: ref(no such row) in selector 'other' names nothing: there is no trace or chart or table named 'no such row'"
            ])
    }

    @Test func duplicateNameNamesBothPlaces() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base + "models:\n  - name: m\n    sql: select 1\ntraces:\n  - name: m\n    model: ref(m)\n"
        ])
        #expect(d == ["project.visivo.yml:12:11: error: duplicate name 'm': a model already has this name at project.visivo.yml:9:11"])
    }

    @Test func refToNothing() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base + "models:\n  - name: orders\n    sql: select 1\ntraces:\n  - name: t\n    model: ref(order)\n"
        ])
        #expect(d == ["project.visivo.yml:13:12: error: ref(order) in trace 't' names nothing: there is no model named 'order' (did you mean 'orders'?)"])
    }

    @Test func mergeCycle() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base + """
                models:
                  - name: a
                    models: [ref(b)]
                    sql: select 1
                  - name: b
                    models: [ref(a)]
                    sql: select 1

                """
        ])
        #expect(d == ["project.visivo.yml:9:5: error: dependency cycle: a -> b -> a"])
    }

    @Test func sqlModelWithoutSource() throws {
        let d = try diagnostics(["project.visivo.yml": "models:\n  - name: m\n    sql: select 1\n"])
        #expect(
            d == ["project.visivo.yml:2:5: error: model 'm' names no source and the project has no defaults.source_name (add 'source: ref(NAME)' or a default)"]
        )
    }

    @Test func columnWithoutColumn() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base
                + "models:\n  - name: m\n    sql: select 1\ntraces:\n  - name: t\n    model: ref(m)\n    columns:\n      a: x\n    props:\n      type: bar\n      x: column(b)\n"
        ])
        #expect(d == ["project.visivo.yml:18:10: error: column(b) in trace 't' names no entry of its 'columns' (it has: a)"])
    }

    @Test func dashboardItemWithTwoKinds() throws {
        let d = try diagnostics([
            "project.visivo.yml": Self.base
                + "dashboards:\n  - name: d\n    rows:\n      - items:\n          - markdown: hi\n            chart: ref(c)\ncharts:\n  - name: c\n"
        ])
        #expect(
            d == [
                "project.visivo.yml:12:13: error: an item of dashboard 'd' has markdown and chart; an item holds only one of markdown, chart, table, selector, input, rows"
            ])
    }

    @Test func defaultNamingMissingSource() throws {
        let d = try diagnostics(["project.visivo.yml": "defaults:\n  source_name: nowhere\n"])
        #expect(d == ["project.visivo.yml:2:16: error: defaults.source_name 'nowhere' names no source in the project"])
    }

    /// An unset variable fails only the object whose value uses it, said with its place.
    @Test func missingEnvironmentVariable() throws {
        try withTemporaryDirectory { dir in
            try write(
                ["project.visivo.yml": "sources:\n  - name: pg\n    type: postgresql\n    database: x\n    password: \"{{ env_var('PG_PASSWORD') }}\"\n"],
                in: dir)
            let project = try load(dir)
            #expect(
                project.unresolved["pg"]?.map(\.description) == [
                    "project.visivo.yml:5:16: error: environment variable 'PG_PASSWORD' is not set (set it, add it to .env, or give a default: env_var('PG_PASSWORD', 'value'))"
                ])
            #expect(project.unresolved.count == 1)
        }
    }

    @Test func yamlSyntaxError() throws {
        let d = try diagnostics(["project.visivo.yml": "models:\n  - name: m\n   sql: [\n"])
        #expect(d.count == 1)
        #expect(d[0].hasPrefix("project.visivo.yml:3:"))
        #expect(d[0].contains("error: invalid YAML"))
    }

    @Test func includeCycleAndMissingInclude() throws {
        let d = try diagnostics([
            "project.visivo.yml": "includes:\n  - path: a.visivo.yml\n  - path: missing.yml\n",
            "a.visivo.yml": "includes:\n  - path: project.visivo.yml\n",
        ])
        #expect(
            d == [
                "a.visivo.yml:2:11: error: include cycle: project.visivo.yml -> a.visivo.yml -> project.visivo.yml",
                "project.visivo.yml:3:11: error: included file missing.yml does not exist",
            ])
    }

    @Test func gitIncludeSaysUnsupported() throws {
        let d = try diagnostics(["project.visivo.yml": "includes:\n  - path: visivo-io/visivo.git@main -- test.yml\n"])
        #expect(
            d == [
                "project.visivo.yml:2:11: error: git includes ('visivo-io/visivo.git@main -- test.yml') are not supported yet; clone the repository and include the file by its path"
            ])
    }

    /// Five mistakes over three files: five diagnostics, each in its file, at its place.
    @Test func fiveMistakesInThreeFiles() throws {
        let d = try diagnostics([
            "project.visivo.yml": """
            name: p
            includes:
              - path: models/models.visivo.yml
              - path: traces.visivo.yml
            sources:
              - name: db
                type: sqlite
                databse: x.db
            defaults:
              source_name: db

            """,
            "models/models.visivo.yml": """
            models:
              - name: orders
                sql: select * from orders
              - name: bad/name
                sql: select 1

            """,
            "traces.visivo.yml": """
            traces:
              - name: t1
                model: ref(ordres)
                props:
                  type: bar
              - name: t2
                model: ref(orders)
                props:
                  x: column(nope)

            """,
        ])
        #expect(
            d == [
                "models/models.visivo.yml:4:11: error: invalid model name 'bad/name': a name becomes a folder under target/, so it cannot be empty, '.' or '..', hold '/' or control characters, or be longer than 200 bytes",
                "project.visivo.yml:6:5: error: source 'db' is missing required key 'database'",
                "project.visivo.yml:8:5: error: unknown key 'databse' in source 'db' (did you mean 'database'?)",
                "traces.visivo.yml:3:12: error: ref(ordres) in trace 't1' names nothing: there is no model named 'ordres' (did you mean 'orders'?)",
                "traces.visivo.yml:9:10: error: column(nope) in trace 't2' names no entry of its 'columns' (the trace has no columns)",
            ])
    }
}
