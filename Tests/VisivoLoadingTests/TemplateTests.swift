import Testing
import VisivoTestSupport

@testable import VisivoLoading
@testable import VisivoProject

@Suite struct TemplateTests {
    func render(_ text: String, _ env: [String: String] = [:]) -> (String, [String]) {
        var d: [Diagnostic] = []
        let out = Template(environment: env).render(text, file: "f.yml", diagnostics: &d)
        // An unset variable is no diagnostic of the file: it leaves a marker, which fails
        // only the object holding it. Said here as that object's diagnostic would say it.
        let unset = Template.unsetVariables(in: out).map { "f.yml:\($0.line):\($0.column): error: " + Template.unsetMessage($0.name) }
        return (out, d.map(\.description) + unset)
    }

    @Test func envVarWithEscapingAndDefault() {
        #expect(render("p: \"{{ env_var('PW') }}\"", ["PW": #"a"b\c"#]).0 == #"p: "a\"b\\c""#)
        #expect(render("p: {{env_var(\"X\", 'fallback')}}").0 == "p: fallback")
        #expect(render("p: {{ env_var('X', 'fallback') }}", ["X": "set"]).0 == "p: set")
    }

    @Test func missingVariableNamesFileLineColumn() {
        let (_, d) = render("a: 1\nb: x{{ env_var('NOPE') }}\n")
        #expect(d == ["f.yml:2:5: error: environment variable 'NOPE' is not set (set it, add it to .env, or give a default: env_var('NOPE', 'value'))"])
    }

    @Test func missingVariableInACommentIsNoError() {
        let (_, d) = render("# password: {{ env_var('NOPE') }}\n  #   user: \"{{ env_var('ALSO') }}\"\na: 1 # {{ env_var('NOR') }}\n")
        #expect(d.isEmpty)
        // A `#` inside quotes or a word starts no comment.
        let (_, quoted) = render("a: \"x # {{ env_var('Q') }}\"\nb: c#{{ env_var('W') }}\n")
        #expect(quoted.count == 2)
        // In a block scalar `#` is text: a missing variable there is an error.
        let (_, block) = render("md: |\n  Intro\n    # Sales for {{ env_var('REGION') }}\nnext: 1 # {{ env_var('NOT_AN_ERROR') }}\n")
        #expect(
            block == ["f.yml:3:17: error: environment variable 'REGION' is not set (set it, add it to .env, or give a default: env_var('REGION', 'value'))"])
        let (_, escaped) = render("a: 'it''s #1 {{ env_var('E1') }}'\nb: \"x \\\" #{{ env_var('E2') }}\"\n")
        #expect(escaped.count == 2)
    }

    @Test func rawPassesThrough() {
        #expect(render("a: {% raw %}{{ not_a_var }}{% endraw %}").0 == "a: {{ not_a_var }}")
        #expect(render("a: {%- raw -%}{{ x }}{%- endraw -%}").0 == "a: {{ x }}")
    }

    @Test func yamlMergeKeysLetWrittenKeysWin() throws {
        let root = try YAMLParser.parse("base: &b {type: sqlite, database: a.db}\nsrc:\n  <<: *b\n  database: b.db\n", file: "f.yml")
        #expect(root["src"]?.json == .object([("type", .string("sqlite")), ("database", .string("b.db"))]))
    }

    @Test func unknownExpressionIsAnError() {
        #expect(
            render("a: {{ foo }}").1 == [
                "f.yml:1:4: error: unsupported template expression '{{ foo }}' (only env_var('NAME') and env_var('NAME', 'default') are supported)"
            ])
    }

    @Test func dotEnvFile() throws {
        let vars = Template.parseDotEnv("# c\nA=1\nexport B=\"two words\"\nC='x' \nD=y # note\nE=\"e\" # note\n")
        #expect(vars == ["A": "1", "B": "two words", "C": "x", "D": "y", "E": "e"])
    }

    @Test func environmentWinsOverDotEnv() throws {
        try withTemporaryDirectory { dir in
            try write(
                [
                    ".env": "DB=from-dotenv\nONLY=dotenv\n",
                    "project.visivo.yml": "sources:\n  - {name: \"{{ env_var('ONLY') }}\", type: sqlite, database: \"{{ env_var('DB') }}\"}\n",
                ], in: dir)
            let p = try load(dir, environment: ["DB": "from-env"])
            #expect(p.sources.first?.database == "from-env")
            #expect(p.sources.first?.name == "dotenv")
        }
    }
}
