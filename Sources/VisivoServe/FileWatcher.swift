import Foundation
import Synchronization

/// Watches files through inotify on their folders, so a save that writes a new file and
/// renames it over the old one (as many editors do) is seen like an in-place write.
/// Changes arriving close together are reported once, after a short quiet time.
public final class FileWatcher: Sendable {
    private let fd: Int32
    /// A pipe whose write end wakes the reading thread to stop.
    private let wake: (read: Int32, write: Int32)
    private let state = Mutex<State>(State())

    struct State {
        /// Watch descriptor -> folder.
        var folders: [Int32: String] = [:]
        var files: Set<String> = []
        var stopped = false
        var warned = false
    }

    /// How long a burst of events must be quiet before it is reported, and the most a
    /// report waits while events keep coming.
    let quiet: Duration
    let longest: Duration

    public init(quiet: Duration = .milliseconds(25), longest: Duration = .milliseconds(300)) throws {
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw WatchError("inotify_init1: \(String(cString: strerror(errno)))") }
        var p: [Int32] = [0, 0]
        guard pipe(&p) == 0 else {
            close(inotify)
            throw WatchError("pipe: \(String(cString: strerror(errno)))")
        }
        for end in p {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        fd = inotify
        wake = (p[0], p[1])
        self.quiet = quiet
        self.longest = longest
    }

    deinit {
        close(fd)
        close(wake.read)
        close(wake.write)
    }

    public struct WatchError: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// Watches exactly `files` from now on (their folders; folders that do not exist yet
    /// are skipped and tried again at the next call).
    public func watch(_ files: Set<String>) {
        state.withLock { s in
            s.files = files
            let wanted = Set(files.map { ($0 as NSString).deletingLastPathComponent })
            for (wd, folder) in s.folders where !wanted.contains(folder) {
                inotify_rm_watch(fd, wd)
                s.folders[wd] = nil
            }
            let have = Set(s.folders.values)
            let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF)
            for folder in wanted.subtracting(have) {
                let wd = inotify_add_watch(fd, folder, mask)
                if wd >= 0 {
                    s.folders[wd] = folder
                } else if errno != ENOENT, !s.warned {
                    // Out of watches (ENOSPC: fs.inotify.max_user_watches) or no access.
                    s.warned = true
                    FileHandle.standardError.write(
                        Data("warning: cannot watch \(folder): \(String(cString: strerror(errno))); changes there are not seen\n".utf8))
                }
            }
        }
    }

    /// Reads events on a thread of its own until `stop()`, calling `changed` with the
    /// paths that changed (watched files, and project files in watched folders).
    public func start(_ changed: @escaping @Sendable (Set<String>) -> Void) {
        let thread = Thread { [self] in run(changed) }
        thread.name = "visivo-watcher"
        thread.start()
    }

    public func stop() {
        state.withLock { $0.stopped = true }
        var one: UInt8 = 1
        _ = write(wake.write, &one, 1)
    }

    private func run(_ changed: @Sendable (Set<String>) -> Void) {
        var pending: Set<String> = []
        var firstAt: ContinuousClock.Instant? = nil
        var lastAt = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !state.withLock({ $0.stopped }) {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            var timeout: Int32 = -1
            if let first = firstAt {
                let now = ContinuousClock.now
                let due = min(lastAt + quiet, first + longest)
                timeout = due <= now ? 0 : Int32(max(1, (due - now).components.attoseconds / 1_000_000_000_000_000 + (due - now).components.seconds * 1000))
            }
            let n = poll(&fds, 2, timeout)
            if n < 0 && errno != EINTR { return }
            if fds[1].revents != 0 { return }
            if fds[0].revents != 0 {
                let got = read(fd, &buffer, buffer.count)
                if got > 0 {
                    let paths = parse(buffer[0..<got])
                    if !paths.isEmpty {
                        pending.formUnion(paths)
                        lastAt = .now
                        if firstAt == nil { firstAt = lastAt }
                    }
                }
            }
            if let first = firstAt, ContinuousClock.now >= min(lastAt + quiet, first + longest) {
                let report = pending
                pending = []
                firstAt = nil
                changed(report)
            }
        }
    }

    /// The relevant paths among a read's events. A watched folder that went away (deleted,
    /// moved: `IN_IGNORED`) is forgotten, so the next `watch` adds it again, and counts as a
    /// change; so does a queue overflow, where events were lost.
    private func parse(_ bytes: ArraySlice<UInt8>) -> Set<String> {
        var out: Set<String> = []
        state.withLock { s in
            var i = bytes.startIndex
            let header = MemoryLayout<inotify_event>.size
            while i + header <= bytes.endIndex {
                let (wd, mask, len) = bytes[i..<(i + header)].withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                    let e = raw.loadUnaligned(as: inotify_event.self)
                    return (e.wd, e.mask, Int(e.len))
                }
                let nameBytes = bytes[(i + header)..<min(bytes.endIndex, i + header + len)].prefix { $0 != 0 }
                i += header + len
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    out.formUnion(s.files)
                    continue
                }
                guard let folder = s.folders[wd] else { continue }
                if mask & UInt32(IN_IGNORED | IN_MOVE_SELF | IN_DELETE_SELF) != 0 {
                    if mask & UInt32(IN_IGNORED) == 0 { inotify_rm_watch(fd, wd) }
                    s.folders[wd] = nil
                    out.insert(folder)
                    continue
                }
                guard !nameBytes.isEmpty else { continue }
                let name = String(decoding: nameBytes, as: UTF8.self)
                let path = folder + "/" + name
                // A project file counts when it is complete (closed or renamed into place),
                // not at each write of a save in progress.
                let projectFile = WatchedInputs.isProjectFileName(name)
                if projectFile && mask & UInt32(IN_MODIFY) != 0 && mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) == 0 { continue }
                if s.files.contains(path) || projectFile { out.insert(path) }
            }
        }
        return out
    }
}
