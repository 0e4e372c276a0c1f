import Foundation

/// Projects several test targets build, and the `visivo` binary the end-to-end tests run.

/// A project whose graph is:
/// db -> orders -> t1, t2 -> c1 -> dash;  csv -> t3 -> c2 -> dash;  (orders, csv) -> merged -> t4
package let graphProject: [String: String] = [
    "project.visivo.yml": """
    sources:
      - {name: db, type: sqlite, database: db.sqlite}
    defaults: {source_name: db}
    includes:
      - path: more.visivo.yml
    models:
      - {name: orders, sql: select * from orders}
      - {name: csv, args: [cat, x.csv]}
      - name: merged
        models: [ref(orders), ref(csv)]
        sql: select 1
    traces:
      - {name: t1, model: ref(orders), props: {type: bar, x: query(a)}}
      - {name: t2, model: ref(orders), props: {type: scatter, x: query(b)}}
      - {name: t4, model: ref(merged), props: {type: bar, x: query(c)}}
    charts:
      - {name: c1, traces: [ref(t1), ref(t2)]}
    dashboards:
      - name: dash
        rows:
          - items:
              - chart: ref(c1)
              - chart: ref(c2)

    """,
    "more.visivo.yml": """
    traces:
      - {name: t3, model: ref(csv), props: {type: bar, x: query(d)}}
    charts:
      - {name: c2, traces: [ref(t3)]}

    """,
]

/// Two SQLite sources, a SQL model on each, a CSV script that logs each run to runs.log,
/// and four traces.
package enum ShopProject {
    package static func files(traceY: String = "query(sum(amount))", csvScript: String = "make.sh") -> [String: String] {
        [
            "project.visivo.yml": """
            sources:
              - {name: shop, type: sqlite, database: shop.db}
              - {name: other, type: sqlite, database: other.db}
            defaults: {source_name: shop}
            models:
              - {name: orders, sql: select * from orders}
              - {name: things, source: ref(other), sql: select * from things}
              - {name: script, args: [sh, \(csvScript)]}
            traces:
              - name: by region
                model: ref(orders)
                props: {type: bar, x: query(region), y: \(traceY)}
              - name: by day
                model: ref(orders)
                props: {type: bar, x: query(day), y: query(count(*))}
              - name: thing labels
                model: ref(things)
                props: {type: bar, x: query(label)}
              - name: scripted
                model: ref(script)
                props: {type: bar, x: query(k), y: query(v)}

            """,
            "make.sh": "echo 'k,v'\necho 'a,1'\necho 'b,2'\necho run >> runs.log\n",
        ]
    }

    package static func setUp(_ dir: String) throws {
        try write(files(), in: dir)
        try makeSQLite(
            dir + "/shop.db", "create table orders(region text, day text, amount real); insert into orders values ('n','d1',1.5),('s','d1',2),('n','d2',4);")
        try makeSQLite(dir + "/other.db", "create table things(label text); insert into things values ('x'),('y');")
    }
}

/// The binary under test: `VISIVO_BINARY` (set by `make test`), else `.build/debug/visivo`.
package struct MissingBinary: Error, CustomStringConvertible {
    package var description: String {
        "this test needs the visivo binary: set VISIVO_BINARY to its absolute path "
            + "(make test does), or run `swift build` so \(repositoryRoot)/.build/debug/visivo exists"
    }
}

package func visivoBinaryPath() throws -> String {
    if let path = ProcessInfo.processInfo.environment["VISIVO_BINARY"], !path.isEmpty {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw NotExecutable(path: path)
        }
        return path
    }
    let fallback = repositoryRoot + "/.build/debug/visivo"
    guard FileManager.default.isExecutableFile(atPath: fallback) else { throw MissingBinary() }
    return fallback
}

package struct NotExecutable: Error, CustomStringConvertible {
    package var path: String
    package var description: String { "VISIVO_BINARY=\(path) is not an executable file" }
}
