import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoBuild

/// `visivo clean` and builds delete what builds write and nothing else.
@Suite struct OutputCleanerTests {
    @Test func deletesOutputsOnlyAndNeverThroughALink() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            // Things of the user's in the output folder, and a link to a folder elsewhere.
            let elsewhere = dir + "/elsewhere"
            try write(["elsewhere/precious.txt": "keep", "target/notes.txt": "mine", "target/by day/extra.csv": "mine"], in: dir)
            try FileManager.default.createSymbolicLink(atPath: dir + "/target/link", withDestinationPath: elsewhere)
            // The scratch folder replaced by a link: its files are elsewhere's, not ours.
            try? FileManager.default.removeItem(atPath: dir + "/target/.tmp")
            try FileManager.default.createSymbolicLink(atPath: dir + "/target/.tmp", withDestinationPath: elsewhere)
            let outcome = try OutputCleaner.clean(outputDirectory: dir + "/target", projectDirectory: dir)
            #expect(outcome.files >= 9)  // project.json, 4 × data.json and query.sql, script.sqlite
            #expect(!outcome.folderRemoved)
            #expect(outcome.kept.sorted() == [".tmp", "by day/extra.csv", "link", "notes.txt"])
            #expect(readText(elsewhere + "/precious.txt") == "keep")
            #expect(readText(dir + "/target/notes.txt") == "mine")
            #expect(!FileManager.default.fileExists(atPath: dir + "/target/project.json"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/target/by region"))
            #expect(FileManager.default.fileExists(atPath: dir + "/target/by day/extra.csv"))
            #expect(readText(dir + "/project.visivo.yml") != nil)
        }
    }

    @Test func anOutputFolderOfOutputsOnlyGoesWhole() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try build(dir)
            let outcome = try OutputCleaner.clean(outputDirectory: dir + "/target", projectDirectory: dir)
            #expect(outcome.folderRemoved && outcome.kept.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: dir + "/target"))
        }
    }

    @Test func refusesTheProjectFolderAndWhatHoldsIt() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            for folder in [dir, (dir as NSString).deletingLastPathComponent, "/"] {
                #expect(throws: OutputCleaner.Refusal.self) { try OutputCleaner.clean(outputDirectory: folder, projectDirectory: dir) }
            }
            #expect(readText(dir + "/project.visivo.yml") != nil)
        }
    }

    /// `target/.tmp` made a link to another folder: the build sweeps its scratch folder, but
    /// not through the link (it deleted every file there).
    @Test func aBuildNeverSweepsThroughAScratchLink() throws {
        try withTemporaryDirectory { dir in
            try ShopProject.setUp(dir)
            try write(["elsewhere/precious.txt": "keep"], in: dir)
            try FileManager.default.createDirectory(atPath: dir + "/target", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: dir + "/target/.tmp", withDestinationPath: dir + "/elsewhere")
            let (summary, _) = try build(dir)
            #expect(summary.failed == 0 && summary.built == 5)
            #expect(readText(dir + "/elsewhere/precious.txt") == "keep")
            // The link is gone; the scratch folder is a real one now (or none).
            var st = stat()
            #expect(lstat(dir + "/target/.tmp", &st) != 0 || st.st_mode & S_IFMT == S_IFDIR)
        }
    }
}
