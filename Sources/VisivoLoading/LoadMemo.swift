import Foundation
import Synchronization

/// What a long-running process (`serve`) keeps of a project's files between loads: each
/// file's text as read, as rendered and as parsed, and what it decoded to. Every load still
/// reads every file, but renders, parses and decodes only those whose bytes (or the
/// template variables) changed since the last load, so an edit of one file of a large
/// project costs about that file.
public final class LoadMemo: Sendable {
    struct Entry: Sendable {
        var bytes: Data
        var rendered: String
        var root: YAMLNode
        /// The file decoded on its own, once decoded (as the project file, or included).
        var fragments: [Bool: ProjectDecoder] = [:]
    }

    private struct State {
        var environment: [String: String]?
        var entries: [String: Entry] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Starts a load: what was rendered with other template variables is forgotten.
    func begin(environment: [String: String]) {
        state.withLock { s in
            if s.environment != environment {
                s.environment = environment
                s.entries = [:]
            }
        }
    }

    /// Ends a load: files it did not read are forgotten.
    func end(read: Set<String>) {
        state.withLock { s in s.entries = s.entries.filter { read.contains($0.key) } }
    }

    /// The file's rendering and parse, when its bytes are those seen last time.
    func parsed(_ path: String, bytes: Data) -> (rendered: String, root: YAMLNode)? {
        state.withLock { s in s.entries[path].flatMap { $0.bytes == bytes ? ($0.rendered, $0.root) : nil } }
    }

    /// Remembers a file that rendered and parsed without any diagnostic.
    func remember(_ path: String, bytes: Data, rendered: String, root: YAMLNode) {
        state.withLock { s in s.entries[path] = Entry(bytes: bytes, rendered: rendered, root: root) }
    }

    func forget(_ path: String) {
        _ = state.withLock { s in s.entries.removeValue(forKey: path) }
    }

    func fragment(_ path: String, isProjectFile: Bool) -> ProjectDecoder? {
        state.withLock { $0.entries[path]?.fragments[isProjectFile] }
    }

    func remember(_ path: String, isProjectFile: Bool, fragment: ProjectDecoder) {
        state.withLock { s in s.entries[path]?.fragments[isProjectFile] = fragment }
    }
}
