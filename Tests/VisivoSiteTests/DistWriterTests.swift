import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild
@testable import VisivoConnectors
@testable import VisivoLoading
@testable import VisivoSite
@testable import VisivoSupport

@Suite struct DistWriterTests {
    @Test func writesEveryFileAndReplacesItsOwnFolder() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(in: dir)
            let (site, _) = try buildSite(dir)
            let out = dir + "/dist"
            let first = try DistWriter.write(site, to: out)
            #expect(first.files == site.files.count)
            #expect(FileManager.default.fileExists(atPath: out + "/sales-overview/index.html"))
            #expect(FileManager.default.fileExists(atPath: out + "/" + DistWriter.marker))
            // Its own files are replaced whole...
            try write(["dist/assets/viewer.css": "edited by hand"], in: dir)
            _ = try DistWriter.write(site, to: out)
            #expect(try String(contentsOfFile: out + "/assets/viewer.css", encoding: .utf8) == ViewerAssets.stylesheet)
            // ...but a file it did not write (a gh-pages CNAME, a .git folder) stops it.
            try write(["dist/CNAME": "dashboards.example.com", "dist/.git/HEAD": "ref: main"], in: dir)
            do {
                _ = try DistWriter.write(site, to: out)
                Issue.record("replaced a dist holding the user's files")
            } catch let error as DistWriter.Failure {
                #expect(error.description.contains("holds files an earlier dist did not write (.git/HEAD, CNAME)"))
            }
            #expect(FileManager.default.fileExists(atPath: out + "/CNAME") && FileManager.default.fileExists(atPath: out + "/.git/HEAD"))
            // No scratch or old folder is left beside it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".dist") }.isEmpty)
        }
    }

    @Test func neverReplacesAFolderItDidNotWrite() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(in: dir)
            let (site, _) = try buildSite(dir)
            for target in [dir, dir + "/.", dir + "/target"] {
                #expect(throws: DistWriter.Failure.self) { try DistWriter.write(site, to: target) }
            }
            #expect(FileManager.default.fileExists(atPath: dir + "/project.visivo.yml"))
            #expect(FileManager.default.fileExists(atPath: dir + "/target/project.json"))
            #expect(throws: DistWriter.Failure.self) { try DistWriter.write(site, to: "") }
        }
    }

    @Test func aFailedDistLeavesThePreviousOneWhole() throws {
        try withTemporaryDirectory { dir in
            try sampleProject(in: dir)
            let (site, _) = try buildSite(dir)
            let out = dir + "/dist"
            _ = try DistWriter.write(site, to: out)
            let before = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
            // A site whose plotly.js cannot be read fails while writing.
            let project = try ProjectLoader(workingDirectory: dir, environment: [:]).load()
            let broken = Site(
                project: project, outcomes: [:], outputDirectory: dir + "/target", plotly: dir + "/missing/plotly.min.js",
                page: .init(), version: "x")
            #expect(throws: DistWriter.Failure.self) { try DistWriter.write(broken, to: out) }
            #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == before)
        }
    }
}
