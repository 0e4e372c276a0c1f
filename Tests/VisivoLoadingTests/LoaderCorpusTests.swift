import Foundation
import Testing
import VisivoQuery
import VisivoTestSupport

@testable import VisivoLoading
@testable import VisivoProject

/// Every input of the loader's fuzzing corpus (Tests/Fixtures/fuzz: hostile inputs written
/// by hand in `corpus/`, what `make fuzz` found in `found/`) loads or is refused with
/// diagnostics, each placed in a file, and quickly: never a crash, never a hang.
@Suite struct LoaderCorpusTests {
    static let folders = ["corpus", "found"].map { repositoryRoot + "/Tests/Fixtures/fuzz/" + $0 }

    static var inputs: [String] {
        folders.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
        }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.inputs.count >= 20)
    }

    @Test(arguments: inputs.map { ($0 as NSString).lastPathComponent })
    func loadsOrIsRefusedWithLocations(_ name: String) throws {
        let path = Self.inputs.first { ($0 as NSString).lastPathComponent == name }!
        try withTemporaryDirectory { dir in
            try FileManager.default.copyItem(atPath: path, toPath: dir + "/project.visivo.yml")
            let started = ContinuousClock.now
            let loader = ProjectLoader(workingDirectory: dir, environment: [:])
            do throws(DiagnosticsError) {
                let project = try loader.load()
                _ = CompiledProject(project)
            } catch {
                #expect(!error.diagnostics.isEmpty)
                for d in error.diagnostics where d.location == nil {
                    // Only what concerns the project as a whole has no place in a file.
                    #expect(d.message.hasPrefix("no project file") || d.message.hasPrefix("cannot read env file"), "\(d)")
                }
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}
