import Foundation
import VisivoSupport

/// Writes to a file descriptor from a thread of its own. A caller appends text and goes
/// on; it never waits for a slow pipe or terminal. The build reporter is called by worker
/// threads with the scheduler's lock held, so a blocking write there would stall every
/// worker. Text keeps its order. The thread lets text gather for up to 10 ms before it
/// writes (unless someone is waiting in `flush`), so a burst of a thousand progress lines
/// costs a few writes and wake-ups, not a thousand.
final class BackgroundWriter: @unchecked Sendable {
    // @unchecked: the mutable fields are only touched with `condition` locked.
    private let fd: Int32
    private let condition = NSCondition()
    private var pending: [UInt8] = []
    private var writing = false
    private var started = false
    private var flushing = 0
    static let gathering: TimeInterval = 0.010

    init(fd: Int32) { self.fd = fd }

    func write(_ text: String) {
        condition.lock()
        defer { condition.unlock() }
        let wasEmpty = pending.isEmpty
        pending.append(contentsOf: text.utf8)
        if !started {
            started = true
            let thread = Thread { [self] in drain() }
            thread.name = "visivo-output"
            thread.start()
        }
        if wasEmpty { condition.broadcast() }
    }

    /// Returns once everything appended so far has been written.
    func flush() {
        condition.lock()
        defer { condition.unlock() }
        flushing += 1
        defer { flushing -= 1 }
        condition.broadcast()
        while !pending.isEmpty || writing { condition.wait() }
    }

    private func drain() {
        condition.lock()
        while true {
            while pending.isEmpty { condition.wait() }
            let deadline = Date(timeIntervalSinceNow: Self.gathering)
            while flushing == 0, condition.wait(until: deadline) {}
            var chunk: [UInt8] = []
            swap(&chunk, &pending)
            writing = true
            condition.unlock()
            // A closed pipe or a full disk: the text is dropped, the build goes on.
            _ = chunk.withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0) }
            condition.lock()
            writing = false
            condition.broadcast()
        }
    }
}
