import Foundation
import Synchronization
import VisivoProject
import VisivoSupport

/// Finds the project file, renders and parses it and everything it includes, decodes the
/// objects and checks them. One call reports every problem of the project together.
public struct ProjectLoader: Sendable {
    public static let projectFileNames = ["project.visivo.yml", "visivo_project.yml"]

    public var workingDirectory: String
    /// `-e/--env-file`; by default `.env` in the working directory, if present.
    public var envFile: String?
    public var environment: [String: String]
    /// `-s/--source`: the source SQL models without one use, over `defaults.source_name`.
    public var sourceOverride: String?
    /// Set by a process that loads the project again and again (`serve`): unchanged files
    /// are not rendered, parsed or decoded again.
    public var memo: LoadMemo?

    public init(
        workingDirectory: String, envFile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment, sourceOverride: String? = nil
    ) {
        self.workingDirectory = workingDirectory
        self.envFile = envFile
        self.environment = environment
        self.sourceOverride = sourceOverride
    }

    /// Loads and validates; throws `DiagnosticsError` with every error found.
    public func load() throws(DiagnosticsError) -> Project {
        let dir = URL(fileURLWithPath: workingDirectory).standardizedFileURL.path
        guard let projectFile = Self.projectFileNames.first(where: { ProjectFiles.exists(dir + "/" + $0) }) else {
            throw DiagnosticsError([Diagnostic(.error, "no project file in \(dir) (expected \(Self.projectFileNames.joined(separator: " or ")))", at: nil)])
        }
        var diagnostics: [Diagnostic] = []
        guard let env = templateEnvironment(directory: dir) else {
            throw DiagnosticsError([Diagnostic(.error, "cannot read env file \(envPath(directory: dir))", at: nil)])
        }
        memo?.begin(environment: env)
        var reader = FileReader(directory: dir, template: Template(environment: env), memo: memo)
        reader.read(projectFile, includedFrom: nil, stack: [])
        diagnostics += reader.diagnostics
        memo?.end(read: Set(reader.documents.map(\.absolute)))

        let decoder = decode(reader.documents, directory: dir)
        diagnostics += decoder.diagnostics
        var project = decoder.project
        project.contentHash = contentHash(reader.contentHasher)
        if let name = sourceOverride {
            if let s = project.source(named: name) {
                project.defaults.sourceName = Ref(name, at: s.location)
            } else {
                let near = Suggest.nearest(to: name, in: project.sources.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                diagnostics.append(Diagnostic(.error, "--source '\(name)' names no source in the project\(near)", at: nil))
            }
        }
        diagnostics += InsightResolver.resolve(&project)
        diagnostics += ProjectValidator.validate(&project)
        if reader.usesUnsetVariables {
            project.unresolved = ProjectValidator.unresolvedVariables(project)
            // The project's own name belongs to no node that could fail alone.
            for u in Template.unsetVariables(in: project.name ?? "") {
                diagnostics.append(Diagnostic(.error, Template.unsetMessage(u.name), at: SourceLocation(file: projectFile, line: u.line, column: u.column)))
            }
        }
        let errors = diagnostics.filter { $0.severity == .error }.map(Template.explainingUnsetVariables)
        if !errors.isEmpty {
            throw DiagnosticsError(Self.sorted(errors))
        }
        return project
    }

    /// Each file decoded on its own (in parallel; from the memo when unchanged), then
    /// combined; in sequence when combining cannot give the sequential result.
    func decode(_ documents: [FileReader.Document], directory dir: String) -> ProjectDecoder {
        let files = documents.map(\.file)
        let fragments = Mutex([ProjectDecoder?](repeating: nil, count: documents.count))
        DispatchQueue.concurrentPerform(iterations: documents.count) { i in
            let doc = documents[i]
            let isProjectFile = i == 0
            if doc.memoized, let known = memo?.fragment(doc.absolute, isProjectFile: isProjectFile) {
                fragments.withLock { $0[i] = known }
                return
            }
            let fragment = ProjectDecoder.fragment(doc.root, isProjectFile: isProjectFile, directory: dir)
            if doc.memoized { memo?.remember(doc.absolute, isProjectFile: isProjectFile, fragment: fragment) }
            fragments.withLock { $0[i] = fragment }
        }
        if let merged = ProjectDecoder.merged(fragments.withLock { $0.compactMap { $0 } }, directory: dir, files: files) { return merged }
        var sequential = ProjectDecoder(directory: dir, files: [])
        for (i, doc) in documents.enumerated() { sequential.decodeFile(doc.root, isProjectFile: i == 0) }
        return ProjectDecoder.merged([sequential], directory: dir, files: files)!
    }

    func envPath(directory dir: String) -> String {
        envFile.map { $0.hasPrefix("/") ? $0 : dir + "/" + $0 } ?? dir + "/.env"
    }

    /// The variables templates see: the environment over the `.env` file. Nil when an
    /// env file named with `-e` cannot be read.
    func templateEnvironment(directory dir: String) -> [String: String]? {
        var env = environment
        if let text = try? String(contentsOfFile: envPath(directory: dir), encoding: .utf8) {
            for (k, v) in Template.parseDotEnv(text) where env[k] == nil { env[k] = v }
        } else if envFile != nil {
            return nil
        }
        return env
    }

    /// Keyed with the checkout's `ContentKey`: the rendered files hold secrets.
    func contentHash(_ files: FingerprintHasher) -> String {
        var hasher = files
        hasher.add("source-override", sourceOverride ?? "")
        let dir = URL(fileURLWithPath: workingDirectory).standardizedFileURL.path
        return ContentKey.keyed(hasher.finalize(), key: ContentKey.load(projectDirectory: dir))
    }

    /// The project's content hash, from `files` (in reading order) alone, without parsing
    /// YAML; nil when a file is missing or does not render. The no-op check uses it.
    public func contentHash(ofFiles files: [String]) -> String? {
        let dir = URL(fileURLWithPath: workingDirectory).standardizedFileURL.path
        guard let first = Self.projectFileNames.first(where: { ProjectFiles.exists(dir + "/" + $0) }),
            first == files.first, let env = templateEnvironment(directory: dir)
        else { return nil }
        let template = Template(environment: env)
        var hasher = FingerprintHasher()
        for name in files {
            let path = name.hasPrefix("/") ? name : dir + "/" + name
            guard case .success(let data) = ProjectFiles.read(path), ProjectFiles.invalidUTF8(in: data, file: name) == nil else { return nil }
            var diagnostics: [Diagnostic] = []
            let rendered = template.render(String(decoding: data, as: UTF8.self), file: name, diagnostics: &diagnostics)
            guard diagnostics.isEmpty else { return nil }
            FileReader.addToContentHash(&hasher, file: name, rendered: rendered)
        }
        return contentHash(hasher)
    }

    /// Diagnostics in file order, each once.
    static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen: Set<Diagnostic> = []
        let unique = diagnostics.filter { seen.insert($0).inserted }
        return unique.enumerated().sorted { a, b in
            switch (a.element.location, b.element.location) {
            case let (x?, y?): return x == y ? a.offset < b.offset : x < y
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
    }
}

/// Reads project files depth-first through `includes`, rendering each as a template.
struct FileReader {
    struct Document: Sendable {
        var file: String
        var absolute: String
        var root: YAMLNode
        /// The memo holds this very parse (so also what it decoded to, once decoded).
        var memoized: Bool
    }
    /// A hash of every file as rendered, in reading order: equal hashes, equal projects.
    var contentHasher = FingerprintHasher()
    let directory: String
    let template: Template
    let memo: LoadMemo?
    var documents: [Document] = []
    var diagnostics: [Diagnostic] = []
    /// Some file uses an environment variable that is not set (its value is a marker).
    var usesUnsetVariables = false
    private var loaded: Set<String> = []

    init(directory: String, template: Template, memo: LoadMemo? = nil) {
        self.directory = directory
        self.template = template
        self.memo = memo
    }

    static func addToContentHash(_ hasher: inout FingerprintHasher, file: String, rendered: String) {
        hasher.add("file", file)
        hasher.add("text", rendered)
    }

    /// A path for messages: relative to the project folder when inside it.
    func display(_ absolute: String) -> String {
        absolute.hasPrefix(directory + "/") ? String(absolute.dropFirst(directory.count + 1)) : absolute
    }

    mutating func read(_ path: String, includedFrom: SourceLocation?, stack: [String]) {
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory + "/")).standardizedFileURL.path
        let name = display(absolute)
        if let start = stack.firstIndex(of: absolute) {
            let cycle = (stack[start...] + [absolute]).map(display).joined(separator: " -> ")
            diagnostics.append(Diagnostic(.error, "include cycle: \(cycle)", at: includedFrom))
            return
        }
        guard !loaded.contains(absolute) else { return }
        loaded.insert(absolute)
        let data: Data
        switch ProjectFiles.read(absolute) {
        case .success(let bytes): data = bytes
        case .failure(let problem):
            diagnostics.append(Diagnostic(.error, "\(includedFrom == nil ? "project" : "included") file \(name) \(problem)", at: includedFrom))
            return
        }
        if let bad = ProjectFiles.invalidUTF8(in: data, file: name) {
            diagnostics.append(Diagnostic(.error, "\(name) is not valid UTF-8 here (project files are UTF-8 text)", at: bad))
            return
        }
        let rendered: String
        let root: YAMLNode
        let memoized: Bool
        if let known = memo?.parsed(absolute, bytes: data) {
            (rendered, root, memoized) = (known.rendered, known.root, true)
        } else {
            var problems: [Diagnostic] = []
            rendered = template.render(String(decoding: data, as: UTF8.self), file: name, diagnostics: &problems)
            do {
                root = try YAMLParser.parse(rendered, file: name)
            } catch {
                memo?.forget(absolute)
                diagnostics += problems + error.diagnostics
                return
            }
            diagnostics += problems
            // A file with a diagnostic is read anew each time, so its diagnostics repeat.
            memoized = problems.isEmpty && memo != nil
            if memoized { memo?.remember(absolute, bytes: data, rendered: rendered, root: root) } else { memo?.forget(absolute) }
        }
        if !usesUnsetVariables && Template.hasMarker(rendered) { usesUnsetVariables = true }
        documents.append(Document(file: name, absolute: absolute, root: root, memoized: memoized))
        Self.addToContentHash(&contentHasher, file: name, rendered: rendered)
        guard let includes = root["includes"] else { return }
        guard let items = includes.sequence else {
            if !includes.isNull {
                diagnostics.append(Diagnostic(.error, "'includes' must be a list of {path: FILE}", at: includes.location))
            }
            return
        }
        let base = (absolute as NSString).deletingLastPathComponent
        for item in items {
            guard let f = Fields(item, what: "an include", known: ["path", "depth", "exclusions"], diagnostics: &diagnostics) else { continue }
            guard let pathNode = f["path"], let includePath = pathNode.scalar else {
                diagnostics.append(Diagnostic(.error, "an include is missing required key 'path'", at: item.location))
                continue
            }
            if includePath.contains(".git@") || includePath.contains(" -- ") {
                diagnostics.append(
                    Diagnostic(
                        .error, "git includes ('\(includePath)') are not supported yet; clone the repository and include the file by its path",
                        at: pathNode.location))
                continue
            }
            let resolved = includePath.hasPrefix("/") ? includePath : base + "/" + includePath
            read(resolved, includedFrom: pathNode.location, stack: stack + [absolute])
        }
    }
}
