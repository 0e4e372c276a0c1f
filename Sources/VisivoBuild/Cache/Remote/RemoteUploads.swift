import Crypto
import Foundation
import Synchronization
import VisivoSupport

/// Uploads of this build's results, in the background: a bounded queue (in bytes) served
/// by a few threads, each putting the content object, then the record naming it. The end
/// of the build waits for them up to a limit; what is left is dropped (and counted).
final class RemoteUploads: @unchecked Sendable {
    // @unchecked: `queue` is only touched with `condition` locked.
    struct Job: Sendable {
        var key: Fingerprint
        var object: Data
        var output: Fingerprint?
    }

    private struct Queue {
        var jobs: [Job] = []
        var pendingBytes = 0
        var inFlight = 0
        var threads = 0
        var dropped = 0
        var reason = ""
        /// Set when the remote failed: what is queued is dropped, nothing new is taken.
        var stopped = false
    }

    let client: HTTPCacheClient
    let settings: RemoteCacheSettings
    /// Told when an upload fails (the remote is then left alone for the build).
    let onFailure = Mutex<(@Sendable (any Error) -> Void)?>(nil)
    private let condition = NSCondition()
    private var queue = Queue()

    init(client: HTTPCacheClient, settings: RemoteCacheSettings) {
        self.client = client
        self.settings = settings
    }

    /// Queues an upload; drops it when the queue already holds `maxPendingBytes`.
    func enqueue(key: Fingerprint, object: Data, output: Fingerprint?) {
        condition.lock()
        defer { condition.unlock() }
        if queue.stopped { return }
        guard queue.pendingBytes + object.count <= settings.maxPendingBytes || queue.pendingBytes == 0 else {
            queue.dropped += 1
            queue.reason = "more than \(settings.maxPendingBytes >> 20) MiB waited to be uploaded"
            return
        }
        queue.jobs.append(Job(key: key, object: object, output: output))
        queue.pendingBytes += object.count
        if queue.threads < settings.uploadConcurrency {
            queue.threads += 1
            let thread = Thread { [self] in work() }
            thread.name = "visivo-upload"
            thread.start()
        }
    }

    /// One upload thread: takes jobs until the queue is empty, then ends (a later
    /// `enqueue` starts another), so no thread outlives the uploads.
    private func work() {
        condition.lock()
        while !queue.jobs.isEmpty && !queue.stopped {
            let job = queue.jobs.removeFirst()
            queue.pendingBytes -= job.object.count
            queue.inFlight += 1
            condition.unlock()
            let outcome = Result { try upload(job) }
            condition.lock()
            queue.inFlight -= 1
            if case .failure(let error) = outcome {
                queue.dropped += 1
                condition.unlock()
                // The remote cache stops the uploads (`stop`) as it warns.
                onFailure.withLock { $0 }?(error)
                condition.lock()
            }
            condition.broadcast()
        }
        queue.threads -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The content first: a record is never there before what it names.
    private func upload(_ job: Job) throws {
        let digest = Fingerprint(digest: SHA256.hash(data: job.object)).hex
        try client.put(RemoteCache.contentPath(digest), job.object)
        try client.put(RemoteCache.actionPath(job.key), Data(ActionRecord(digest: digest, size: job.object.count, output: job.output?.hex).bytes))
    }

    /// Upload threads alive now (none once the queue is empty and the last upload is done).
    var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.threads
    }

    /// The remote failed: what is queued is dropped and nothing new is taken this build.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        guard !queue.stopped else { return }
        queue.stopped = true
        queue.dropped += queue.jobs.count
        queue.reason = "the remote failed"
        queue.jobs.removeAll()
        queue.pendingBytes = 0
        condition.broadcast()
    }

    /// Waits until every queued upload is done or `limit` has passed; what is still queued
    /// then is dropped (an upload under way still ends within the request timeout). Returns what was dropped this build (and why), and resets.
    func finish(within limit: Duration) -> (dropped: Int, reason: String) {
        let deadline = Date().addingTimeInterval(Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while !queue.jobs.isEmpty || queue.inFlight > 0 {
            if !condition.wait(until: deadline) {
                queue.dropped += queue.jobs.count
                queue.reason = "the uploads took longer than \(limit.components.seconds) s"
                queue.jobs.removeAll()
                queue.pendingBytes = 0
                break
            }
        }
        let result = (queue.dropped, queue.reason)
        queue.dropped = 0
        queue.reason = ""
        return result
    }
}
