import Foundation

/// What the last build did for each node: the fingerprint it was built from, how it went,
/// and the hash of what it produced (for early cutoff). Saved as JSON between runs.
public struct BuildState: Codable, Sendable, Equatable {
    /// Keyed by node name.
    public var nodes: [String: NodeRecord]

    public init(nodes: [String: NodeRecord] = [:]) {
        self.nodes = nodes
    }

    public struct NodeRecord: Codable, Sendable, Equatable {
        public static let built = "built"
        public static let reused = "reused"
        public static let failed = "failed"

        /// Hex fingerprint of the node's inputs.
        public var fingerprint: String
        /// "built", "reused" or "failed".
        public var status: String
        public var durationMs: Int
        public var rows: Int?
        /// When the node's data was queried (ISO-8601 in the JSON).
        public var queriedAt: Date?
        /// Hash of what the node produced, for early cutoff.
        public var outputHash: String?

        public init(
            fingerprint: String,
            status: String,
            durationMs: Int,
            rows: Int? = nil,
            queriedAt: Date? = nil,
            outputHash: String? = nil
        ) {
            self.fingerprint = fingerprint
            self.status = status
            self.durationMs = durationMs
            self.rows = rows
            self.queriedAt = queriedAt
            self.outputHash = outputHash
        }
    }

    /// Reads the state file. A missing, unreadable or garbled file gives an empty state:
    /// the worst outcome is a full rebuild.
    public static func load(from path: String) -> BuildState {
        guard let data = FileManager.default.contents(atPath: path) else { return BuildState() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(BuildState.self, from: data)) ?? BuildState()
    }

    /// Writes the state as JSON (sorted keys) to a temporary file beside `path`, then renames
    /// it into place, so a crash never leaves a half-written state file.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        var data = try encoder.encode(self)
        data.append(0x0A)

        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try data.write(to: temp)
            guard rename(temp.path, url.path) == 0 else {
                throw BuildStateError.cannotReplace(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }
}

public enum BuildStateError: Error, CustomStringConvertible, Equatable {
    case cannotReplace(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotReplace(path, reason): return "cannot write build state \(path): \(reason)"
        }
    }
}
