import CSpawn
import Foundation
import Synchronization
import VisivoSupport

/// Runs a CSV-script model's argv without a shell, in the project folder, and returns
/// what it printed. Blocking: call it on a thread you own.
public final class ScriptRunner: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var stderrTail: String
        public var description: String {
            stderrTail.isEmpty ? message : message + "\n--- last lines of its stderr:\n" + stderrTail
        }
    }

    private let running = Mutex<[Int32: Bool]>([:])
    private let cancelled = Atomic<Bool>(false)

    public init() {}

    /// Runs `args` in `directory`; a non-zero exit or a missing program is a `Failure`.
    public func run(_ args: [String], in directory: String, environment: [String: String]? = nil) throws -> [UInt8] {
        var output: [UInt8] = []
        try run(args, in: directory, environment: environment, appendingTo: &output)
        return output
    }

    /// The same, appending what the script prints to `output` (a large output is then
    /// never copied to be put after a header).
    public func run(_ args: [String], in directory: String, environment: [String: String]? = nil, appendingTo output: inout [UInt8]) throws {
        guard let program = args.first else { throw Failure(message: "no program to run", stderrTail: "") }
        guard let path = Self.resolve(program, in: directory) else {
            let looked = program.contains("/") ? "relative to the project folder" : "on PATH; name a file in the project as ./\(program)"
            throw Failure(message: "cannot run '\(program)': no such executable program (looked \(looked))", stderrTail: "")
        }
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-stderr-\(UUID().uuidString)").path
        defer { unlink(errPath) }
        var pipe: [Int32] = [0, 0]
        // Close-on-exec, so that a script started at the same moment by another worker
        // does not inherit this one's write end (and keep its reader waiting).
        guard visivo_pipe_cloexec(&pipe) == 0 else {
            throw Failure(message: "cannot run '\(program)': no pipe: \(String(cString: strerror(errno)))", stderrTail: "")
        }
        let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let nullFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard errFD >= 0, nullFD >= 0 else {
            let reason = String(cString: strerror(errno))
            for fd in [errFD, nullFD, pipe[0], pipe[1]] where fd >= 0 { close(fd) }
            throw Failure(message: "cannot run '\(program)': \(reason)", stderrTail: "")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, nullFD, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errFD, 2)
        // Nothing else of visivo's reaches the script, whoever opened it and how.
        visivo_spawn_addclosefrom(&actions, 3)
        visivo_spawn_addchdir(&actions, directory)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Its own process group, so a cancel stops the script and everything it started.
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let argv = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in env { free(e) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, argv, env)
        close(pipe[1])
        close(errFD)
        close(nullFD)
        guard rc == 0 else {
            close(pipe[0])
            throw Failure(message: "cannot run '\(program)': \(String(cString: strerror(rc)))", stderrTail: "")
        }
        running.withLock { $0[pid] = true }
        Self.everyRunning.withLock { _ = $0.insert(pid) }
        if cancelled.load(ordering: .relaxed) { terminate([pid], grace: .milliseconds(300)) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
            if n > 0 {
                output.append(contentsOf: buffer[0..<n])
                continue
            }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(pipe[0])
        // Wait for the exit without reaping, so that the pid cannot be reused while a
        // cancel may still signal it; forget it, then reap.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        running.withLock { _ = $0.removeValue(forKey: pid) }
        Self.everyRunning.withLock { _ = $0.remove(pid) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signaled = (status & 0x7F) != 0 && (status & 0x7F) != 0x7F
        if signaled {
            throw Failure(message: "'\(program)' was killed by signal \(status & 0x7F)", stderrTail: Self.tail(errPath))
        }
        let exitCode = (status >> 8) & 0xFF
        if exitCode != 0 {
            throw Failure(message: "'\(program)' exited with status \(exitCode)", stderrTail: Self.tail(errPath))
        }
    }

    /// Stops every running script (Ctrl-C).
    /// A script that ignores SIGTERM gets SIGKILL after `grace`.
    public func cancelAll(grace: Duration = .milliseconds(300)) {
        cancelled.store(true, ordering: .relaxed)
        terminate(running.withLock { Array($0.keys) }, grace: grace)
    }

    /// Every script running in this process, whichever runner started it.
    private static let everyRunning = Mutex<Set<Int32>>([])

    /// SIGKILL to every script still running and what it started: for a process about to
    /// exit without waiting (a second Ctrl-C), so that no script outlives it.
    public static func killAll() {
        everyRunning.withLock { for pid in $0 { kill(-pid, SIGKILL) } }
    }

    /// SIGTERM to each script's process group now, SIGKILL after `grace` to those left.
    private func terminate(_ pids: [Int32], grace: Duration) {
        guard !pids.isEmpty else { return }
        running.withLock { r in for pid in pids where r[pid] != nil { kill(-pid, SIGTERM) } }
        let nanoseconds = grace.components.seconds * 1_000_000_000 + grace.components.attoseconds / 1_000_000_000
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
            self.running.withLock { r in for pid in pids where r[pid] != nil { kill(-pid, SIGKILL) } }
        }
    }

    /// The last 20 lines of a file.
    static func tail(_ path: String) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(21).joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A program path: as given when it has a slash (relative to the project), else from PATH.
    static func resolve(_ program: String, in directory: String) -> String? {
        if program.contains("/") {
            let p = program.hasPrefix("/") ? program : directory + "/" + program
            return FileManager.default.isExecutableFile(atPath: p) ? p : nil
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}
