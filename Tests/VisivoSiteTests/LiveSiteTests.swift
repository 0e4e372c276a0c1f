import Foundation
import Synchronization
import Testing
import VisivoCore
import VisivoServe
import VisivoSite

/// Waits up to `seconds` for `condition`, polling.
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

@Suite(.serialized) struct LiveSiteTests {
    @Test func theWatcherSeesWritesAndRenamesOverAWatchedFile() throws {
        try withTemporaryFolder { dir in
            try put(["a.csv": "1", "other.txt": "x"], in: dir)
            let watcher = try FileWatcher()
            let seen = Mutex<[Set<String>]>([])
            watcher.watch([dir + "/a.csv"])
            watcher.start { paths in seen.withLock { $0.append(paths) } }
            defer { watcher.stop() }
            try "not watched".write(toFile: dir + "/other.txt", atomically: false, encoding: .utf8)
            try saveByRename("2", to: dir + "/a.csv")
            #expect(eventually { seen.withLock { $0.contains { $0.contains(dir + "/a.csv") } } })
            #expect(!seen.withLock { $0.contains { $0.contains(dir + "/other.txt") } })
            let count = seen.withLock { $0.count }
            try "3".write(toFile: dir + "/a.csv", atomically: false, encoding: .utf8)
            #expect(eventually { seen.withLock { $0.count > count } })
        }
    }

    @Test func aSaveRebuildsAndABrokenFileKeepsTheLastGoodSite() throws {
        try withTemporaryFolder { dir in
            try sampleProject(in: dir)
            let build = ProjectBuild(loader: ProjectLoader(workingDirectory: dir, environment: [:]), options: BuildOptions(projectDirectory: dir))
            let live = LiveSite(.init(build: build, page: .init(live: true), plotly: nil), watcher: try FileWatcher(), reporter: nil)
            live.start()
            defer { live.stop() }
            let first = try #require(live.site)
            #expect(text(first.contents(of: "project.js")).contains("\"text\":\"Revenue\""))

            try saveByRename(sampleYAML(title: "Revenue, edited"), to: dir + "/project.visivo.yml")
            #expect(eventually { live.site?.version != first.version })
            let edited = text(live.site?.contents(of: "project.js"))
            #expect(edited.contains("Revenue, edited"))

            let good = try #require(live.site)
            try saveByRename(sampleYAML(title: "x") + "extra_key: 1\n", to: dir + "/project.visivo.yml")
            #expect(eventually { !live.errors.isEmpty })
            #expect(live.errors.first?.hasPrefix("project.visivo.yml:") == true)
            #expect(live.site?.version == good.version)
            #expect(live.stateJSON().contains("unknown key"))

            try saveByRename(sampleYAML(title: "fixed"), to: dir + "/project.visivo.yml")
            #expect(eventually { live.errors.isEmpty && live.site?.version != good.version })
        }
    }

    @Test func theHubGivesANewPageTheLatestStateAndEndsStreamsOnClose() async throws {
        let hub = EventHub()
        hub.publish(name: "state", data: "{\"version\":\"1\"}")
        let stream = hub.subscribe()
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == "event: state\ndata: {\"version\":\"1\"}\n\n")
        hub.close()
        #expect(await iterator.next() == nil)
    }
}
