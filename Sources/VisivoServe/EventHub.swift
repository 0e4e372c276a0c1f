import Foundation
import Synchronization

/// Server-sent events to every open page. A new page hears the latest event at once, so
/// it learns the current state (an error overlay, a newer version) without waiting.
public final class EventHub: Sendable {
    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<String>.Continuation] = [:]
        var latest: String?
        var closed = false
    }
    private let state = Mutex<State>(State())

    public init() {}

    /// A stream of event texts, each already framed for `text/event-stream`.
    public func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let id: Int? = state.withLock { s in
            guard !s.closed else { return nil }
            let id = s.next
            s.next += 1
            s.subscribers[id] = continuation
            if let latest = s.latest { continuation.yield(latest) }
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends `data` as an event named `name` to every page, and keeps it for new ones.
    public func publish(name: String, data: String) {
        let framed = "event: \(name)\ndata: \(data.replacingOccurrences(of: "\n", with: "\ndata: "))\n\n"
        let targets = state.withLock { s -> [AsyncStream<String>.Continuation] in
            s.latest = framed
            return Array(s.subscribers.values)
        }
        for c in targets { c.yield(framed) }
    }

    /// Ends every stream (the server is stopping); later subscribers get an ended stream.
    public func close() {
        let all = state.withLock { s -> [AsyncStream<String>.Continuation] in
            s.closed = true
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for c in all { c.finish() }
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
