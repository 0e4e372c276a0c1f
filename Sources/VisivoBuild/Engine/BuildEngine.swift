import Foundation
import Synchronization
import VisivoConnectors
import VisivoGraph
import VisivoLoading
import VisivoQuery
import VisivoSupport

/// Runs a compiled project as a build: stale nodes run on worker threads the engine owns
/// (never Swift's cooperative pool), at most `threads` at once and at most a source's
/// limit on one source; everything else is restored from the cache.
public final class BuildEngine: Sendable {
    /// The project, the options, the cache, the connections and the scripts, shared with
    /// the nodes' work.
    let work: NodeWork
    let limits: [String: Int]
    /// Per node: the source whose connection limit it counts against.
    let resource: [String?]
    var compiled: CompiledProject { work.compiled }
    var options: BuildOptions { work.options }
    private let cancelFlag = Atomic<Bool>(false)
    /// The build under way, so that Ctrl-C wakes its idle workers.
    private let current = Mutex<BuildRun?>(nil)

    /// - Parameter session: a long-running process's memory of its earlier builds.
    public init(_ compiled: CompiledProject, options: BuildOptions, cache: (any CacheStore)? = nil, session: BuildSession? = nil) {
        var limits: [String: Int] = [:]
        var sources = compiled.project.sources
        for (i, s) in sources.enumerated() {
            limits[s.name] = s.connectionPoolSize ?? ConnectionPool.defaultLimit(for: s.type, threads: options.threads)
            for (k, a) in s.attach.enumerated() {
                if let ref = a.sourceName, let other = compiled.source(named: ref) { sources[i].attach[k].database = other.database }
            }
        }
        self.limits = limits
        let pool = ConnectionPool(sources: sources, limits: limits, projectDirectory: compiled.project.directory)
        let graph = compiled.graph
        resource = graph.nodes.map { n in
            if n.kind == .trace || n.kind == .insight, case .source(let s)? = compiled.targets[n.name] { return s }
            if n.kind == .input { return compiled.inputTargets[n.name] }
            return nil
        }
        work = NodeWork(
            compiled: compiled, options: options, cache: cache ?? Self.cache(options), pool: pool, scripts: ScriptRunner(),
            session: session)
    }

    /// The cache folder, with the shared cache server in front of it when one is set.
    static func cache(_ options: BuildOptions) -> any CacheStore {
        let files = FileCache(root: options.cacheDirectory)
        return options.remoteCache.map { RemoteCache(local: files, settings: $0) } ?? files
    }

    /// The nodes a build of `selection` touches: the selection and all it needs.
    public func nodesToBuild() -> Set<Int> {
        let graph = compiled.graph
        guard let sel = options.selection else { return Set(graph.nodes.indices) }
        var all = sel
        for i in sel { all.formUnion(graph.ancestors(of: i)) }
        return all
    }

    /// Fresh or stale, and why, for every node, without running anything.
    /// - Parameter warn: told of trouble with the cache (a remote cache that is down).
    public func plan(warn: @escaping @Sendable (String) -> Void = { _ in }) -> [Int: NodePlan] {
        work.cache.beginBuild(warn: warn)
        let plans = work.plan(nodes: nodesToBuild())
        // What the plan took from a remote cache is kept (its pack finished).
        for problem in work.cache.finishBuild() { warn(problem) }
        return plans
    }

    /// Ctrl-C: stop handing out work, cancel running queries and scripts.
    public func cancel() {
        cancelFlag.store(true, ordering: .relaxed)
        work.pool.cancelAll()
        work.scripts.cancelAll()
        work.cache.abandon()
        // Last: it waits for the node the first pass is settling, if any.
        current.withLock { $0 }?.stop()
    }

    /// Runs the build; returns when every node has finished, failed or been skipped.
    /// - Parameter ready: called once every node has finished and its outputs are in
    ///   place, before the build's own records (project.json, the state, the no-op
    ///   snapshot) are written: `serve` shows the new data without waiting for those.
    public func run(reporter: any BuildReporter, ready: (BuildSummary) -> Void = { _ in }) throws -> BuildSummary {
        let started = ContinuousClock.now
        let lock = try BuildLock(path: options.stateDirectory + "/build.lock")
        defer { lock.release() }
        // Until this build completes, nothing may claim the project is up to date.
        let snapshotPath = NoOpSnapshot.path(stateDirectory: options.stateDirectory)
        unlink(snapshotPath)
        work.outputs.sweepScratch()
        work.record.load()
        for w in compiled.warnings { reporter.warning(w) }
        work.cache.beginBuild { reporter.warning($0) }

        let graph = compiled.graph
        let nodes = nodesToBuild()
        let total = nodes.count
        reporter.started(total: total)
        let run = BuildRun(
            scheduler: Scheduler(needs: graph.needs, dependents: graph.dependents, resource: resource, limits: limits, threads: options.threads, nodes: nodes),
            graph: graph, reporter: reporter, total: total)
        current.withLock { $0 = run }
        defer { current.withLock { $0 = nil } }
        if cancelFlag.load(ordering: .relaxed) { run.stop() }
        run.settleInPlace(order: graph.nodes.indices.filter(nodes.contains), cancelled: { self.cancelFlag.load(ordering: .relaxed) }) {
            self.work.processIfInPlace($0)
        }
        let workers = max(1, min(options.threads, total))
        let group = DispatchGroup()
        for n in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                run.work(cancelled: { self.cancelFlag.load(ordering: .relaxed) }, process: { self.work.process($0) })
            }
            thread.name = "visivo-worker-\(n)"
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()
        var summary = run.summary
        summary.cancelled = summary.cancelled || cancelFlag.load(ordering: .relaxed)
        summary.oldestReused = work.record.oldestReused()
        summary.queryTime = .nanoseconds(work.queryNanoseconds.load(ordering: .relaxed))
        // This build's pack becomes visible, and what went wrong with the cache is said once.
        for problem in work.cache.finishBuild() { reporter.warning(problem) }
        summary.wallTime = ContinuousClock.now - started
        ready(summary)
        // The state is saved even when project.json cannot be written: it records what
        // this build did to the outputs (and a session's memory must match it).
        var projectJSONError: (any Error)?
        do { try work.writeProjectJSON() } catch { projectJSONError = error }
        work.saveState()
        if let projectJSONError { throw projectJSONError }
        if summary.succeeded, options.selection == nil, !options.refreshAll, options.refreshSources.isEmpty,
            compiled.project.sources.allSatisfy({ $0.freshness == nil }), !compiled.project.contentHash.isEmpty
        {
            try? work.snapshot(reused: summary.built + summary.reused, checked: summary.checked)?.save(to: snapshotPath)
        }
        // Last: uploads to a remote cache may lag; everything above is saved already.
        for problem in work.cache.drain() { reporter.warning(problem) }
        summary.wallTime = ContinuousClock.now - started
        return summary
    }
}

extension BuildEngine {
    /// The ordinary build's shortcut: when the last complete build's snapshot still holds,
    /// nothing can have changed, and the build is done without loading the project.
    /// Nil when the snapshot is missing or anything differs.
    public static func upToDate(loader: ProjectLoader, options: BuildOptions) -> BuildSummary? {
        let started = ContinuousClock.now
        guard options.selection == nil, !options.refreshAll, options.refreshSources.isEmpty,
            let snapshot = NoOpSnapshot.load(from: NoOpSnapshot.path(stateDirectory: options.stateDirectory)),
            snapshot.stillHolds(loader: loader, outputDirectory: options.outputDirectory)
        else { return nil }
        var summary = BuildSummary()
        summary.reused = snapshot.reused
        summary.checked = snapshot.checked
        summary.oldestReused = snapshot.oldest
        summary.wallTime = ContinuousClock.now - started
        return summary
    }
}

/// The shared state of one build's worker threads.
final class BuildRun: @unchecked Sendable {
    // @unchecked: every field is read and written with `condition` locked.
    let condition = NSCondition()
    var scheduler: Scheduler
    var summary = BuildSummary()
    var done = 0
    let graph: ProjectGraph
    let reporter: any BuildReporter
    let total: Int

    init(scheduler: Scheduler, graph: ProjectGraph, reporter: any BuildReporter, total: Int) {
        self.scheduler = scheduler
        self.graph = graph
        self.reporter = reporter
        self.total = total
    }

    /// The first pass, on the calling thread: every node whose result is already in place
    /// (and every node with nothing to run) finishes here, so a no-op build starts no worker.
    func settleInPlace(order: [Int], cancelled: () -> Bool, _ attempt: (Int) -> Result<NodeResult, NodeFailure>?) {
        condition.lock()
        defer { condition.unlock() }
        for i in order {
            if cancelled() { break }
            guard scheduler.start(i) else { continue }
            let t0 = ContinuousClock.now
            switch attempt(i) {
            case .success(let r)?:
                scheduler.finish(i, .succeeded)
                record(i, r.status, ContinuousClock.now - t0, rows: r.rows, message: r.note, output: r.output, remote: r.remote)
            case .failure(let e)?:
                let skipped = scheduler.finish(i, .failed)
                record(i, .failed, ContinuousClock.now - t0, rows: nil, message: e.message)
                for s in skipped { record(s, .skipped, .zero, rows: nil, message: "needs \(graph.nodes[i].kind) '\(graph.nodes[i].name)', which failed") }
            case nil:
                scheduler.unstart(i)
            }
        }
        scheduler.compact()
    }

    /// Ctrl-C: no more work starts, and workers waiting for some wake up to leave.
    func stop() {
        condition.lock()
        scheduler.stop()
        condition.broadcast()
        condition.unlock()
    }

    /// One worker's loop: take a ready node, process it unlocked, report, repeat.
    func work(cancelled: () -> Bool, process: (Int) -> Result<NodeResult, NodeFailure>) {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if cancelled() { scheduler.stop() }
            if scheduler.isStuck {
                for s in scheduler.abandonWaiting() {
                    record(s, .failed, .zero, rows: nil, message: "waits on itself through a cycle of dependencies")
                }
            }
            if scheduler.isDone { condition.broadcast(); return }
            guard let i = scheduler.next() else { condition.wait(); continue }
            // Wake one more worker only when more work is waiting (no thundering herd).
            if scheduler.hasReady { condition.signal() }
            condition.unlock()
            let t0 = ContinuousClock.now
            let outcome = process(i)
            let elapsed = ContinuousClock.now - t0
            condition.lock()
            switch outcome {
            case .success(let r):
                scheduler.finish(i, .succeeded)
                record(i, r.status, elapsed, rows: r.rows, message: r.note, output: r.output, remote: r.remote)
            case .failure(let e):
                let isCancel = cancelled() || e.cancelled
                let skipped = scheduler.finish(i, isCancel ? .cancelled : .failed)
                record(i, isCancel ? .cancelled : .failed, elapsed, rows: nil, message: e.message)
                for s in skipped where !isCancel {
                    record(s, .skipped, .zero, rows: nil, message: "needs \(graph.nodes[i].kind) '\(graph.nodes[i].name)', which failed")
                }
            }
            if scheduler.isDone { condition.broadcast() }
        }
    }

    /// Counts and reports a finished node; called with `condition` locked.
    func record(_ i: Int, _ status: NodeStatus, _ duration: Duration, rows: Int?, message: String?, output: Fingerprint? = nil, remote: Bool = false) {
        done += 1
        switch status {
        case .built: summary.built += 1
        case .reused:
            summary.reused += 1
            if remote { summary.remoteHits += 1 }
        case .checked: summary.checked += 1
        case .failed: summary.failed += 1
        case .skipped: summary.skipped += 1
        case .cancelled: summary.cancelled = true
        }
        if status == .failed, let message { summary.failures.append("\(graph.nodes[i].kind) '\(graph.nodes[i].name)': \(message)") }
        reporter.finished(
            NodeEvent(
                name: graph.nodes[i].name, kind: graph.nodes[i].kind, status: status, duration: duration, rows: rows, message: message, done: done,
                total: total,
                output: output))
    }
}

/// An exclusive lock on the project's state folder, so two builds never interleave.
struct BuildLock {
    let fd: Int32

    init(path: String) throws {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BuildError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            FileHandle.standardError.write(Data("waiting for another build of this project to finish...\n".utf8))
            guard flock(fd, LOCK_EX) == 0 else {
                close(fd)
                throw BuildError.locked(path)
            }
        }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
