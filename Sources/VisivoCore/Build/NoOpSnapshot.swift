import Foundation

/// What a complete, successful build leaves behind so that the next build can tell, without
/// parsing YAML or compiling SQL, that nothing changed (ninja's manifest check): the
/// project's content hash, the visivo binary, every input file and every output file with
/// its label, and when the first max_age runs out. Any difference, and the build runs the
/// ordinary way. A build deletes the snapshot before it starts, so a build that dies
/// halfway can never leave a snapshot that claims its half-written results are complete.
public struct NoOpSnapshot: Sendable, Equatable {
    static let header = "visivo-noop-snapshot 1"
    /// The label of an optional input that did not exist (a `-wal` file).
    static let absent = "absent"

    public var contentHash: String
    public var binary: String
    public var outputDirectory: String
    public var files: [String]
    public var expiry: Date?
    /// How many nodes had results, and how many only had inputs checked.
    public var reused: Int
    public var checked: Int
    public var oldest: Date?
    public var inputs: [String: String]
    public var outputs: [String: String]

    public static func path(stateDirectory: String) -> String { stateDirectory + "/noop-snapshot" }

    /// A label for the running executable: a new visivo may compile differently.
    public static func binaryLabel() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        guard let st = FileStatCache.fileStat(exe) else { return exe }
        return "\(exe)|\(st.size)|\(st.mtimeNs)|\(st.inode)"
    }

    // MARK: - The check

    /// True when nothing the last complete build depended on has changed since.
    public func stillHolds(loader: ProjectLoader, outputDirectory: String, now: Date = Date()) -> Bool {
        guard binary == Self.binaryLabel(), self.outputDirectory == outputDirectory else { return false }
        if let expiry, now >= expiry { return false }
        let stat = FileStatCache.load(from: (Self.stateDirectory(of: loader)) + "/filestat")
        for (path, label) in inputs {
            if label == Self.absent {
                if FileManager.default.fileExists(atPath: path) { return false }
            } else if !stat.isUnchanged(path, hash: label) {
                return false
            }
        }
        for (path, label) in outputs where !stat.isUnchanged(path, hash: label) { return false }
        return loader.contentHash(ofFiles: files) == contentHash
    }

    static func stateDirectory(of loader: ProjectLoader) -> String {
        BuildOptions(projectDirectory: URL(fileURLWithPath: loader.workingDirectory).standardizedFileURL.path).stateDirectory
    }

    // MARK: - File format (a line each: `key value`, then `in LABEL PATH` / `out LABEL PATH`)

    public func save(to path: String) throws {
        var t = Self.header + "\n"
        t += "content \(contentHash)\nbinary \(binary)\noutput-dir \(outputDirectory)\n"
        t += "expiry \(expiry.map { String($0.timeIntervalSince1970) } ?? "-")\n"
        t += "oldest \(oldest.map { String($0.timeIntervalSince1970) } ?? "-")\n"
        t += "reused \(reused)\nchecked \(checked)\n"
        for f in files { t += "file \(f)\n" }
        for (p, l) in inputs.sorted(by: { $0.key < $1.key }) { t += "in \(l) \(p)\n" }
        for (p, l) in outputs.sorted(by: { $0.key < $1.key }) { t += "out \(l) \(p)\n" }
        try AtomicFile.write(Array(t.utf8), to: path)
    }

    public static func load(from path: String) -> NoOpSnapshot? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        var s = NoOpSnapshot(contentHash: "", binary: "", outputDirectory: "", files: [], expiry: nil, reused: 0, checked: 0, oldest: nil, inputs: [:], outputs: [:])
        var lineNumber = 0
        var start = 0
        // Byte-level: the snapshot of a large project has tens of thousands of lines.
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            defer { start = end + 1; lineNumber += 1 }
            if lineNumber == 0 {
                guard String(decoding: bytes[start..<end], as: UTF8.self) == header else { return nil }
                continue
            }
            guard end > start, let space = bytes[start..<end].firstIndex(of: 0x20) else { continue }
            let key = String(decoding: bytes[start..<space], as: UTF8.self)
            if key == "in" || key == "out" {
                guard let sp = bytes[(space + 1)..<end].firstIndex(of: 0x20) else { return nil }
                let label = String(decoding: bytes[(space + 1)..<sp], as: UTF8.self)
                let p = String(decoding: bytes[(sp + 1)..<end], as: UTF8.self)
                if key == "in" { s.inputs[p] = label } else { s.outputs[p] = label }
                continue
            }
            let value = String(decoding: bytes[(space + 1)..<end], as: UTF8.self)
            switch key {
            case "content": s.contentHash = value
            case "binary": s.binary = value
            case "output-dir": s.outputDirectory = value
            case "expiry": s.expiry = Double(value).map { Date(timeIntervalSince1970: $0) }
            case "oldest": s.oldest = Double(value).map { Date(timeIntervalSince1970: $0) }
            case "reused": s.reused = Int(value) ?? 0
            case "checked": s.checked = Int(value) ?? 0
            case "file": s.files.append(value)
            default: return nil
            }
        }
        return s.contentHash.isEmpty || s.files.isEmpty ? nil : s
    }
}
