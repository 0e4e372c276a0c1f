import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoLoading
@testable import VisivoProject
@testable import VisivoQuery

/// What real 1.x projects do that the reference accepts: accepted here too.
@Suite struct RealProjectTests {
    /// The reference records an object's place in a `path` key; it is read past.
    @Test func pathKeysAreAcceptedOnEveryObject() throws {
        let d = try diagnostics([
            "project.visivo.yml": """
            path: project
            sources:
              - {name: s, type: sqlite, database: a.db, path: "project.sources[0]"}
            models:
              - {name: m, sql: select 1 as x, source: ref(s), path: "project.models[0]"}
            traces:
              - {name: "Trace Props Examples: Bar", model: ref(m), path: "project.traces[0]", props: {type: bar, x: query(x)}}

            """
        ])
        #expect(d == [])
    }

    /// `query(...)` with commas in a {...} flow is split by YAML itself: said at load,
    /// with the fix, rather than as an SQL error later.
    @Test func anUnquotedQueryCutByAFlowIsDiagnosed() throws {
        let d = try diagnostics([
            "project.visivo.yml": """
            sources:
              - {name: s, type: sqlite, database: a.db}
            models:
              - {name: m, sql: select 'x' as day, source: ref(s)}
            traces:
              - {name: t, model: ref(m), props: {type: bar, x: query(substr(day, 1, 7)), y: "query(count(*))"}}

            """
        ])
        #expect(
            d == [
                #"project.visivo.yml:6:52: error: 'query(substr(day' in trace 't' opens query( and never closes it: in a {...} or [...] flow, YAML splits a value at its commas; quote the whole value ("query(...)")"#
            ])
        #expect(ProjectValidator.unbalancedCall("query(a, ')'") == "query")
        #expect(ProjectValidator.unbalancedCall("query(f(a), b)") == nil)
        #expect(ProjectValidator.unbalancedCall("column(x)[0]") == nil)
        #expect(ProjectValidator.unbalancedCall("plain (text") == nil)
    }

    /// A source whose credentials are not set fails alone, with the place of the variable;
    /// the traces on other sources build, and compile still works.
    @Test func anUnsetVariableFailsOnlyWhatUsesIt() throws {
        try withTemporaryDirectory { dir in
            try makeSQLite(dir + "/a.db", "create table t(x integer); insert into t values (1), (2);")
            try write(
                [
                    "project.visivo.yml": """
                    sources:
                      - {name: local, type: sqlite, database: a.db}
                      - name: warehouse
                        type: snowflake
                        account: acct
                        database: d
                        username: "{{ env_var('VISIVO_TEST_UNSET_USER') }}"
                        password: secret
                    # a commented-out source names {{ env_var('VISIVO_TEST_UNSET_OTHER') }}
                    models:
                      - {name: here, sql: select x from t, source: ref(local)}
                      - {name: there, sql: select 1 as x, source: ref(warehouse)}
                    traces:
                      - {name: near, model: ref(here), props: {type: bar, x: query(x)}}
                      - {name: far, model: ref(there), props: {type: bar, x: query(x)}}

                    """
                ], in: dir)
            let project = try load(dir)
            #expect(project.unresolved.keys.sorted() == ["warehouse"])
            let compiled = CompiledProject(project)
            #expect(
                compiled.warnings.contains(
                    "project.visivo.yml:7:16: environment variable 'VISIVO_TEST_UNSET_USER' is not set (set it, add it to .env, or give a default: env_var('VISIVO_TEST_UNSET_USER', 'value')); 'warehouse' and what needs it will fail"
                ))
            let (summary, r) = try build(dir)
            #expect(r.status(of: "near") == .built)
            #expect(readText(dir + "/target/near/data.json") == #"{"near":{"props.x":[1,2]}}"#)
            #expect(r.status(of: "warehouse") == .failed)
            #expect(r.message(of: "warehouse")?.hasSuffix("at project.visivo.yml:7:16") == true)
            #expect(r.status(of: "far") == .skipped)
            #expect(summary.failed == 1)
        }
    }

    /// Where an unset variable leaves a value that must be a number, or the project's own
    /// name, there is no node to fail alone: a load error that shows the template.
    @Test func anUnsetVariableWhereNoNodeCanFailAloneIsALoadError() throws {
        let d = try diagnostics([
            "project.visivo.yml":
                "name: \"{{ env_var('VISIVO_TEST_PNAME') }}\"\nsources:\n  - {name: s, type: postgresql, host: h, database: d, port: {{ env_var('VISIVO_TEST_PORT') }}}\n"
        ])
        #expect(
            d == [
                "project.visivo.yml:1:8: error: environment variable 'VISIVO_TEST_PNAME' is not set (set it, add it to .env, or give a default: env_var('VISIVO_TEST_PNAME', 'value'))",
                "project.visivo.yml:3:61: error: 'port' of source 's' must be an integer, not '{{ env_var('VISIVO_TEST_PORT') }}' (environment variable 'VISIVO_TEST_PORT' is not set: set it, add it to .env, or give a default)",
            ])
    }
}
