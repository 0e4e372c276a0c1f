import Foundation
import VisivoProject
import VisivoQuery
import VisivoSupport

/// `visivo compile`'s outputs: target/project.json and each chosen trace's query.sql,
/// each written only when its text changed (the build's stat cache says which files
/// already hold it, so a rerun reads no query.sql back).
public enum CompileOutputs {
    public struct Written: Sendable {
        /// Traces whose query.sql was considered, and how many of those were written.
        public var queries = 0
        public var written = 0
    }

    /// - Parameter chosen: the trace nodes to write (nil: all).
    public static func write(_ compiled: CompiledProject, chosen: Set<Int>?, options: BuildOptions) throws -> Written {
        var stat = FileStatCache.load(from: options.statCachePath)
        let projectJSON = options.outputDirectory + "/project.json", projectLabel = "project:" + compiled.project.contentHash
        if !stat.isUnchanged(projectJSON, hash: projectLabel) {
            try AtomicFile.writeIfDifferent(ProjectJSON.render(compiled.project).serialized, to: projectJSON)
            stat.record(projectJSON, hash: projectLabel)
        }
        var result = Written()
        for t in compiled.project.traces {
            if let chosen, let i = compiled.graph.id(of: t.name), !chosen.contains(i) { continue }
            guard let q = compiled.queries[t.name] else { continue }
            result.queries += 1
            let path = "\(options.outputDirectory)/\(t.name)/query.sql"
            let label = TraceQuery.label(q.fileText)
            if stat.isUnchanged(path, hash: label) { continue }
            if try AtomicFile.writeIfDifferent(q.fileText, to: path) { result.written += 1 }
            stat.record(path, hash: label)
        }
        if stat.changed { try? stat.save(to: options.statCachePath) }
        return result
    }
}
