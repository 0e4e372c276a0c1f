import Foundation

/// Lets another thread stop a blocking `HTTPClient` call: the request in flight is
/// cancelled, and a backoff wait wakes up at once.
final class HTTPCancellation: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var cancelled = false
    /// Cancels the request in flight.
    private var task: (@Sendable () -> Void)?

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Cancels the request in flight and every later one, until `reset()`.
    func cancel() {
        condition.lock()
        cancelled = true
        let running = task
        condition.broadcast()
        condition.unlock()
        running?()
    }

    /// Registers the task about to run (HTTPClient); false when already cancelled.
    func attach(_ t: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if cancelled { return false }
        task = t
        return true
    }

    func detach() {
        condition.lock()
        task = nil
        condition.unlock()
    }

    /// Waits `seconds`, or less when cancelled (then throws).
    func sleep(_ seconds: Double) throws(HTTPFailure) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !cancelled {
            if !condition.wait(until: deadline) { break }
        }
        if cancelled { throw .cancelled }
    }

    /// Throws when cancelled.
    func check() throws(HTTPFailure) {
        if isCancelled { throw .cancelled }
    }
}
