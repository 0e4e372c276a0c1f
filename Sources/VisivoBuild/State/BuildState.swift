import Foundation
import VisivoSupport

/// What the last build did for each node: the fingerprint it was built from, how it went,
/// and the hash of what it produced (for early cutoff). Saved as JSON between runs.
public struct BuildState: Sendable, Equatable {
    /// Keyed by node name.
    public var nodes: [String: NodeRecord]

    public init(nodes: [String: NodeRecord] = [:]) {
        self.nodes = nodes
    }

    public struct NodeRecord: Sendable, Equatable {
        /// Reads one record; nil when a field is missing or of the wrong type.
        init?(json: JSONValue) {
            guard case .string(let fp)? = json["fingerprint"], case .string(let text)? = json["status"], let status = Status(rawValue: text),
                case .number(let d)? = json["durationMs"], let duration = Int(d)
            else { return nil }
            self.init(fingerprint: fp, status: status, durationMs: duration)
            switch json["rows"] {
            case .number(let n)?: guard let r = Int(n) else { return nil }; rows = r
            case .null?, nil: break
            default: return nil
            }
            switch json["queriedAt"] {
            case .string(let t)?: guard let date = ISODate.parse(t) else { return nil }; queriedAt = date
            case .null?, nil: break
            default: return nil
            }
            switch json["outputHash"] {
            case .string(let h)?: outputHash = h
            case .null?, nil: break
            default: return nil
            }
        }

        func write(into out: inout [UInt8]) {
            out.append(contentsOf: "{\n      \"durationMs\" : \(durationMs),\n      \"fingerprint\" : ".utf8)
            JSONValue.writeString(fingerprint, into: &out)
            if let outputHash {
                out.append(contentsOf: ",\n      \"outputHash\" : ".utf8)
                JSONValue.writeString(outputHash, into: &out)
            }
            if let queriedAt { out.append(contentsOf: ",\n      \"queriedAt\" : \"\(ISODate.format(queriedAt))\"".utf8) }
            if let rows { out.append(contentsOf: ",\n      \"rows\" : \(rows)".utf8) }
            out.append(contentsOf: ",\n      \"status\" : ".utf8)
            JSONValue.writeString(status.rawValue, into: &out)
            out.append(contentsOf: "\n    }".utf8)
        }

        /// How the node's last build went.
        public enum Status: String, Sendable {
            case built, reused, failed
        }

        /// Hex fingerprint of the node's inputs.
        public var fingerprint: String
        public var status: Status
        public var durationMs: Int
        public var rows: Int?
        /// When the node's data was queried (ISO-8601 in the JSON).
        public var queriedAt: Date?
        /// Hash of what the node produced, for early cutoff.
        public var outputHash: String?

        public init(
            fingerprint: String,
            status: Status,
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

    /// Reads the state file. A missing, unreadable, garbled or unsealed file (see
    /// `SealedFile`) gives an empty state: the worst outcome is a full rebuild.
    public static func load(from path: String) -> BuildState {
        guard let bytes = SealedFile.read(path),
            let json = try? JSONParser.parse(bytes),
            case .object(let members)? = json["nodes"]
        else { return BuildState() }
        var nodes: [String: NodeRecord] = [:]
        nodes.reserveCapacity(members.count)
        for m in members {
            guard let r = NodeRecord(json: m.value) else { return BuildState() }
            nodes[m.key] = r
        }
        return BuildState(nodes: nodes)
    }

    /// Writes the state as JSON (sorted keys), sealed, to a temporary file beside `path`,
    /// then renames it into place, so a crash never leaves a half-written state file.
    public func save(to path: String) throws {
        // Written by hand (sorted keys, JSONEncoder's pretty layout): Codable is far too
        // slow for the 10,000-node projects a no-op build must get through in milliseconds.
        var out = Array("{\n  \"nodes\" : {".utf8)
        out.reserveCapacity(nodes.count * 300)
        for (i, name) in nodes.keys.sorted().enumerated() {
            out.append(contentsOf: (i == 0 ? "\n    " : ",\n    ").utf8)
            JSONValue.writeString(name, into: &out)
            out.append(contentsOf: " : ".utf8)
            nodes[name]!.write(into: &out)
        }
        out.append(contentsOf: (nodes.isEmpty ? "\n\n  }\n}\n" : "\n  }\n}\n").utf8)
        do {
            try SealedFile.write(out, to: path)
        } catch let e as AtomicFile.WriteError {
            throw BuildStateError.cannotReplace(path: path, reason: e.reason)
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

/// ISO-8601 UTC timestamps to whole seconds (`2023-11-14T22:13:20Z`), without Foundation's formatters.
enum ISODate {
    static func format(_ date: Date) -> String {
        let secs = Int64(date.timeIntervalSince1970.rounded(.down))
        var days = secs / 86400
        var rem = secs % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let (y, m, d) = CivilDate.fromDays(days)
        func two(_ v: Int64) -> String { CivilDate.pad(v, 2) }
        return "\(y)-\(two(Int64(m)))-\(two(Int64(d)))T\(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60))Z"
    }

    static func parse(_ s: String) -> Date? {
        let b = Array(s.utf8)
        guard b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 90 else { return nil }
        func num(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; v = v * 10 + Int64(b[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), let hh = num(11..<13), let mm = num(14..<16), let ss = num(17..<19),
            (1...12).contains(m), (1...31).contains(d), hh < 24, mm < 60, ss < 61
        else { return nil }
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hh * 3600 + mm * 60 + ss))
    }
}
