import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoConnectors

/// examples/multi-source, built against the tests' MariaDB and PostgreSQL servers:
/// its seed data loaded through the connectors, the project file used as committed.
@Suite(.serialized) struct MultiSourceExampleTests {
    typealias My = MySQLConnectionTests
    typealias PG = PostgreSQLConnectionTests

    @Test func buildsFromThreeSourcesThroughALocalMerge() throws {
        let example = repositoryRoot + "/examples/multi-source"
        // Seed data, into databases of the example's own names.
        let admin = try My.connect()
        try My.exec(admin, "create database if not exists visivo_example_crm character set utf8mb4")
        let crm = try My.connect(database: "visivo_example_crm")
        for sql in try sqlStatements(inFile: example + "/data/crm.mysql.sql") { try My.exec(crm, sql) }
        let pgAdmin = try PG.connect()
        if try PG.query(pgAdmin, "select 1 from pg_database where datname = 'visivo_example_warehouse'").rows.isEmpty {
            try PG.exec(pgAdmin, "create database visivo_example_warehouse")
        }
        var pgSource = PG.source()
        pgSource.database = "visivo_example_warehouse"
        let warehouse = try PostgreSQLConnection(source: pgSource)
        try PG.exec(warehouse, "set client_min_messages = warning; " + (try String(contentsOfFile: example + "/data/warehouse.pg.sql", encoding: .utf8)))

        try withTemporaryDirectory { dir in
            // A copy, so the build writes nothing into the repository.
            for item in ["project.visivo.yml", "scripts"] {
                try FileManager.default.copyItem(atPath: example + "/" + item, toPath: dir + "/" + item)
            }
            let my = My.Settings.current, pg = PG.Settings.current
            let env = [
                "CRM_HOST": my.host, "CRM_PORT": String(my.port), "CRM_USER": my.user, "CRM_PASSWORD": my.password,
                "WAREHOUSE_HOST": pg.host, "WAREHOUSE_PORT": String(pg.port), "WAREHOUSE_USER": pg.user,
                "WAREHOUSE_PASSWORD": pg.password,
            ]
            let (summary, reporter) = try build(dir, environment: env)
            #expect(summary.failed == 0, "\(summary.failures)")
            // SQL models run inside their traces' queries; the CSV and merge models are built.
            #expect(
                reporter.names(with: .built) == [
                    "targets", "revenue by region", "actual vs target", "revenue by segment",
                    "orders per month", "customers per region",
                ])
            // north: 120 + 180.50 + 75.25; south: 60 + 140 + 210; east: 95 + 130; west: 40.
            #expect(
                readText(dir + "/target/actual vs target/data.json")
                    == #"{"actual vs target":{"columns.region":["east","north","south","west"],"columns.actual":[225.0,375.75,410.0,40.0],"columns.target":[300,500,400,250]}}"#
            )
            #expect(
                readText(dir + "/target/orders per month/data.json")
                    == #"{"orders per month":{"props.x":["2024-01","2024-02","2024-03"],"props.y":[3,3,3]}}"#)

            // Nothing changed: the second build queries nothing.
            let (again, _) = try build(dir, environment: env)
            #expect(again.built == 0 && again.failed == 0, "\(again)")
        }
    }
}
