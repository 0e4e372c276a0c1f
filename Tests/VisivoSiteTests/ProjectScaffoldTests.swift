import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoConnectors
@testable import VisivoLoading
@testable import VisivoSite
@testable import VisivoSupport

@Suite struct ProjectScaffoldTests {
    @Test func aNewProjectBuildsAtOnceWithNoEnvironment() throws {
        try withTemporaryDirectory { dir in
            let report = try ProjectScaffold.create(in: dir + "/demo", name: "demo", bare: false)
            #expect(Set(report.created) == ["project.visivo.yml", ".gitignore", ".env.example", "data/demo.sql", "data/demo.db"])
            let (site, outcome) = try buildSite(dir + "/demo")
            guard case .built(let project, let outcomes, let summary) = outcome else { return }
            #expect(summary.failed == 0 && summary.skipped == 0)
            #expect(project.traces.count == 4 && outcomes.values.allSatisfy(\.isOK))
            #expect(!project.charts.isEmpty && !project.tables.isEmpty && !project.selectors.isEmpty && project.dashboards.count == 1)
            #expect(site.files["overview/index.html"] != nil)
            let gitignore = try String(contentsOfFile: dir + "/demo/.gitignore", encoding: .utf8)
            for line in ["target/", ".visivo/", ".env"] { #expect(gitignore.contains(line + "\n")) }
        }
    }

    @Test func neverOverwritesAFile() throws {
        try withTemporaryDirectory { dir in
            try write([".gitignore": "mine\n"], in: dir)
            let report = try ProjectScaffold.create(in: dir, name: "x", bare: true)
            #expect(report.kept == [".gitignore"])
            #expect(Set(report.created) == ["project.visivo.yml", ".env.example"])
            #expect(try String(contentsOfFile: dir + "/.gitignore", encoding: .utf8) == "mine\n")
            let project = try String(contentsOfFile: dir + "/project.visivo.yml", encoding: .utf8)
            #expect(throws: ProjectScaffold.Failure.self) { try ProjectScaffold.create(in: dir, name: "x", bare: false) }
            #expect(try String(contentsOfFile: dir + "/project.visivo.yml", encoding: .utf8) == project)
            #expect(!FileManager.default.fileExists(atPath: dir + "/data/demo.db"))
        }
    }

    @Test func theBareSkeletonLoads() throws {
        try withTemporaryDirectory { dir in
            _ = try ProjectScaffold.create(in: dir, name: "skeleton", bare: true)
            let project = try ProjectLoader(workingDirectory: dir, environment: [:]).load()
            #expect(project.name == "skeleton" && project.traces.isEmpty)
        }
    }
}
