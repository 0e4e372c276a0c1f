import Foundation
import VisivoBuild

/// Something a signal cancels that may not exist yet when the signal comes (a build's
/// engine, the server's task): a cancel before `set` cancels it as it arrives.
final class CancelLater: @unchecked Sendable {
    // @unchecked: both fields are only touched with `lock` held.
    private let lock = NSLock()
    private var action: (@Sendable () -> Void)?
    private var cancelled = false

    func set(_ cancel: @escaping @Sendable () -> Void) {
        if lock.withLock({
            action = cancel
            return cancelled
        }) {
            cancel()
        }
    }

    func cancel() {
        lock.withLock {
            cancelled = true
            return action
        }?()
    }
}

/// How many times a signal arrived.
final class SignalCount: @unchecked Sendable {
    // @unchecked: `n` is only touched with `lock` held.
    private let lock = NSLock()
    private var n = 0
    func next() -> Int {
        lock.withLock {
            n += 1
            return n
        }
    }
}

/// Ctrl-C or SIGTERM: the first cancels the work cleanly, a second Ctrl-C exits at once;
/// the handlers are removed by `disarm`.
final class Interrupt {
    private let source: DispatchSourceSignal

    init(_ action: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = SignalCount()
        s.setEventHandler {
            // A second Ctrl-C does not wait for what the first is cancelling.
            guard count.next() == 1 else {
                FileHandle.standardError.write(Data("interrupted again: exiting now\n".utf8))
                ScriptRunner.killAll()
                _exit(130)
            }
            FileHandle.standardError.write(Data("\ninterrupted: cancelling running queries...\n".utf8))
            Self.exitIfStillRunning()
            action()
        }
        s.resume()
        source = s
        let t = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        t.setEventHandler {
            guard count.next() == 1 else { return }
            Self.exitIfStillRunning()
            action()
        }
        t.resume()
        termination = t
    }
    private let termination: DispatchSourceSignal

    /// A cancel normally ends the run in milliseconds; whatever it waits on, the process
    /// exits 130 within a second of the signal. Every file visivo writes is written
    /// whole or not at all, so leaving now loses only unfinished work.
    private static func exitIfStillRunning() {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(900)) {
            FileHandle.standardError.write(Data("cancelling takes too long: exiting now\n".utf8))
            ScriptRunner.killAll()
            _exit(130)
        }
    }

    func disarm() {
        source.cancel()
        termination.cancel()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
