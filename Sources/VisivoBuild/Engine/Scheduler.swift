import VisivoConnectors

/// The build's scheduling state, as a pure value: which nodes may start now, given what
/// is done, the overall thread budget and each source's connection limit. The driver
/// asks it for work and reports results; it does no I/O, so it is tested without any.
public struct Scheduler: Sendable {
    public enum Outcome: Sendable, Equatable { case succeeded, failed, cancelled }

    let needs: [[Int]]
    let dependents: [[Int]]
    /// The limited resource (a source name) a node holds while it runs, if any.
    let resource: [String?]
    let limits: [String: Int]
    let threads: Int

    /// Nodes taking part in this build.
    private var included: [Bool]
    private var waitingOn: [Int]
    /// Ready nodes in the order they became ready (FIFO keeps the build predictable).
    private var ready: [Int] = []
    private var readyHead = 0
    private var inUse: [String: Int] = [:]
    public private(set) var running = 0
    public private(set) var finished: [Int: Outcome] = [:]
    public private(set) var skipped: Set<Int> = []
    private var remaining: Int
    private var stopping = false
    /// Nodes started by `start(_:)`; `next()` passes over them in the ready list.
    private var startedOutOfOrder: Set<Int> = []

    /// `nodes`: the nodes to build; nodes outside it count as done.
    public init(needs: [[Int]], dependents: [[Int]], resource: [String?], limits: [String: Int], threads: Int, nodes: Set<Int>) {
        self.needs = needs
        self.dependents = dependents
        self.resource = resource
        self.limits = limits
        self.threads = max(1, threads)
        included = needs.indices.map { nodes.contains($0) }
        waitingOn = needs.indices.map { i in nodes.contains(i) ? needs[i].filter { nodes.contains($0) }.count : 0 }
        remaining = nodes.count
        for i in needs.indices where included[i] && waitingOn[i] == 0 { ready.append(i) }
    }

    /// True when every node has finished or been skipped (and nothing runs).
    public var isDone: Bool { remaining == 0 || (stopping && running == 0) }

    /// True when some node is ready to start (it may still wait for its source's limit).
    public var hasReady: Bool { ready[readyHead...].contains { !startedOutOfOrder.contains($0) } }

    /// The next node to start, or nil when none may start now. Marks it running.
    public mutating func next() -> Int? {
        guard !stopping, running < threads else { return nil }
        var i = readyHead
        while i < ready.count {
            let node = ready[i]
            if startedOutOfOrder.contains(node) {
                if i == readyHead { readyHead += 1 } else { ready.remove(at: i) }
                continue
            }
            if let r = resource[node], inUse[r, default: 0] >= limits[r, default: threads] {
                i += 1
                continue
            }
            if i == readyHead { readyHead += 1 } else { ready.remove(at: i) }
            if let r = resource[node] { inUse[r, default: 0] += 1 }
            running += 1
            return node
        }
        return nil
    }

    /// Records a result; a failure skips every node that needs it, directly or not.
    /// Returns the nodes skipped by this call.
    @discardableResult
    public mutating func finish(_ node: Int, _ outcome: Outcome) -> [Int] {
        running -= 1
        remaining -= 1
        if let r = resource[node] { inUse[r, default: 1] -= 1 }
        finished[node] = outcome
        var newlySkipped: [Int] = []
        if outcome == .succeeded {
            for d in dependents[node] where included[d] && !skipped.contains(d) {
                waitingOn[d] -= 1
                if waitingOn[d] == 0 { ready.append(d) }
            }
        } else {
            var stack = dependents[node]
            while let d = stack.popLast() {
                guard included[d], !skipped.contains(d), finished[d] == nil else { continue }
                skipped.insert(d)
                remaining -= 1
                newlySkipped.append(d)
                stack += dependents[d]
            }
        }
        return newlySkipped
    }

    /// Starts a specific ready node (the build's first pass settles nodes in order).
    /// False when the node is not ready or its source is at its limit.
    public mutating func start(_ node: Int) -> Bool {
        guard !stopping, included[node], finished[node] == nil, !skipped.contains(node), waitingOn[node] == 0,
            !startedOutOfOrder.contains(node), running < threads
        else { return false }
        if let r = resource[node], inUse[r, default: 0] >= limits[r, default: threads] { return false }
        if let r = resource[node] { inUse[r, default: 0] += 1 }
        startedOutOfOrder.insert(node)
        running += 1
        return true
    }

    /// Drops from the ready list what the first pass already finished; call when
    /// nothing is running.
    public mutating func compact() {
        ready = ready[readyHead...].filter { !startedOutOfOrder.contains($0) && finished[$0] == nil && !skipped.contains($0) }
        readyHead = 0
        startedOutOfOrder.removeAll()
    }

    /// Undoes `start(_:)` for a node that turned out to have work: it goes back to the ready list.
    public mutating func unstart(_ node: Int) {
        startedOutOfOrder.remove(node)
        running -= 1
        if let r = resource[node] { inUse[r, default: 1] -= 1 }
    }

    /// Stops handing out work (Ctrl-C); running nodes still report.
    public mutating func stop() { stopping = true }

    /// True when nodes remain but none runs and none can ever become ready: they wait on
    /// each other. Loading refuses cycles, so this guards the engine against hanging.
    public var isStuck: Bool { !stopping && remaining > 0 && running == 0 && !hasReady }

    /// Fails every node still waiting (after `isStuck`); returns them.
    public mutating func abandonWaiting() -> [Int] {
        let left = needs.indices.filter { included[$0] && finished[$0] == nil && !skipped.contains($0) }
        for i in left { finished[i] = .failed }
        remaining = 0
        return left
    }
}
