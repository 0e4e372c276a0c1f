import VisivoProject

/// Decoding files one by one and combining them: each file's decode needs nothing of the
/// others except the names they registered, so files decode in parallel, and a file that
/// did not change need not be decoded again (`LoadMemo`).
extension ProjectDecoder {
    /// One file decoded on its own.
    static func fragment(_ root: YAMLNode, isProjectFile: Bool, directory: String) -> ProjectDecoder {
        var decoder = ProjectDecoder(directory: directory, files: [])
        decoder.decodeFile(root, isProjectFile: isProjectFile)
        return decoder
    }

    /// The fragments of the files in reading order, combined into what one decoder reading
    /// the files in sequence makes, with every duplicate name reported here, against the
    /// first object of that name. Nil when a name made up for an inline object is already
    /// taken by an earlier file: in sequence the decoder would have made up another, so the
    /// caller decodes in sequence (one fragment of all files) and merges that.
    static func merged(_ fragments: [ProjectDecoder], directory: String, files: [String]) -> ProjectDecoder? {
        var out = ProjectDecoder(directory: directory, files: files)
        for f in fragments {
            var duplicates: [Diagnostic] = []
            for r in f.registered {
                if let first = out.names[r.name] {
                    // A made-up name never repeats one its own file registered first.
                    if r.generated { return nil }
                    duplicates.append(duplicate(r.name, kind: r.kind, at: r.location, first: first))
                } else {
                    out.names[r.name] = (r.kind, r.location)
                    out.registered.append(r)
                }
            }
            out.diagnostics += f.diagnostics + duplicates
            let p = f.project
            if let name = p.name { out.project.name = name }
            if let s = p.defaults.sourceName { out.project.defaults.sourceName = s }
            if !p.defaults.levels.isEmpty { out.project.defaults.levels = p.defaults.levels }
            out.project.sources += p.sources
            out.project.models += p.models
            out.project.traces += p.traces
            out.project.charts += p.charts
            out.project.tables += p.tables
            out.project.selectors += p.selectors
            out.project.dashboards += p.dashboards
            out.project.inputs += p.inputs
            out.project.markdowns += p.markdowns
            out.project.expressions += p.expressions
            out.project.relations += p.relations
            out.project.tests += p.tests
            out.project.warnings += p.warnings
            for s in p.ignoredSections where !out.project.ignoredSections.contains(s) { out.project.ignoredSections.append(s) }
        }
        return out
    }
}
