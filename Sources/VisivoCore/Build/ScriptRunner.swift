import Foundation
import Synchronization

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
        guard let program = args.first else { throw Failure(message: "no program to run", stderrTail: "") }
        guard let path = Self.resolve(program, in: directory) else {
            throw Failure(message: "cannot run '\(program)': no such program (looked in the project folder and PATH)", stderrTail: "")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(args.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { process.environment = environment }
        let out = Pipe()
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("visivo-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        let errHandle = try FileHandle(forWritingTo: errFile)
        defer { try? errHandle.close() }
        process.standardOutput = out
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(message: "cannot run '\(program)': \(error.localizedDescription)", stderrTail: "")
        }
        let pid = process.processIdentifier
        running.withLock { $0[pid] = true }
        if cancelled.load(ordering: .relaxed) { kill(pid, SIGTERM) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        running.withLock { _ = $0.removeValue(forKey: pid) }
        if process.terminationReason == .uncaughtSignal {
            throw Failure(message: "'\(program)' was killed by signal \(process.terminationStatus)", stderrTail: Self.tail(errFile.path))
        }
        if process.terminationStatus != 0 {
            throw Failure(message: "'\(program)' exited with status \(process.terminationStatus)", stderrTail: Self.tail(errFile.path))
        }
        return [UInt8](data)
    }

    /// Stops every running script (Ctrl-C).
    public func cancelAll() {
        cancelled.store(true, ordering: .relaxed)
        running.withLock { for pid in $0.keys { kill(pid, SIGTERM) } }
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
