import Foundation
import VisivoSite
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoConnectors
@testable import VisivoLoading

/// Replaces `path` the way many editors save: a new file renamed over the old one.
func saveByRename(_ text: String, to path: String) throws {
    let temp = path + ".saving"
    try text.write(toFile: temp, atomically: false, encoding: .utf8)
    guard rename(temp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
}

/// A small SQLite project: two traces that work (one with cohorts) and one whose SQL fails.
func sampleProject(in dir: String, yaml: String = sampleYAML(title: "Revenue")) throws {
    let db = try SQLiteDatabase(path: dir + "/shop.db", label: "test", writable: true)
    try db.execute(
        """
        create table orders (day text, region text, amount real);
        insert into orders values ('2024-01-01', 'east', 10), ('2024-01-02', 'east', 20), ('2024-01-01', 'west', 5);
        """)
    try write(["project.visivo.yml": yaml], in: dir)
}

func sampleYAML(title: String) -> String {
    """
    name: sample
    sources:
      - name: shop
        type: sqlite
        database: shop.db
        password: "hunter2-secret"
    models:
      - name: orders
        sql: select * from orders
        source: ref(shop)
    traces:
      - name: by region
        model: ref(orders)
        cohort_on: region
        props:
          type: bar
          x: query(day)
          y: query(sum(amount))
        order_by:
          - query(day asc)
      - name: broken
        model: ref(orders)
        props:
          type: scatter
          x: query(no_such_column)
    charts:
      - name: revenue
        traces:
          - ref(by region)
          - ref(broken)
        layout:
          title:
            text: \(title)
    dashboards:
      - name: "Sales: Overview"
        rows:
          - items:
              - chart: ref(revenue)
              - markdown: "# Notes"

    """
}

/// Loads and builds `dir` as serve and dist do.
func buildSite(_ dir: String, version: String = "v1") throws -> (Site, ProjectBuild.Outcome) {
    let options = BuildOptions(projectDirectory: dir)
    let outcome = ProjectBuild(loader: ProjectLoader(workingDirectory: dir, environment: [:]), options: options).run()
    guard case .built(let project, let outcomes, _) = outcome else {
        throw CocoaError(.fileReadCorruptFile, userInfo: ["outcome": "\(outcome)"])
    }
    let site = Site(
        project: project, outcomes: outcomes, outputDirectory: options.outputDirectory, plotly: nil,
        page: SitePage.Options(plotlyURL: "https://cdn.example/plotly.js"), version: version)
    return (site, outcome)
}

func text(_ bytes: [UInt8]?) -> String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }
