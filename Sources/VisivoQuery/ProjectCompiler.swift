import Foundation
import Synchronization
import VisivoGraph
import VisivoProject

/// Where a trace's query runs: on a source, or on the SQLite file a model materialises.
public enum QueryTarget: Sendable, Hashable {
    case source(String)
    /// A CSV-script or local-merge model's own SQLite database.
    case model(String)

    /// The name printed after `-- source:` (the reference's spelling for generated sources).
    public var displayName: String {
        switch self {
        case .source(let s): return s
        case .model(let m): return "model_\(m)_generated_source"
        }
    }
}

/// What a long-running process keeps of earlier compiles, so that a trace equal to one
/// compiled before is not compiled again (`BuildSession`).
public protocol CompileMemory: Sendable {
    /// The last compile's queries, by trace name.
    var compiledQueries: [String: CompiledTrace] { get }
    /// Keeps this compile's queries (and only these).
    func remember(queries: [CompiledTrace])
}

/// One trace's compiled query with the inputs it was compiled from.
/// A reference, so that passing ten thousand of them around copies pointers.
public final class CompiledTrace: Sendable {
    package let trace: Trace
    package let model: Model
    package let target: QueryTarget
    package let dialect: Dialect
    package let query: TraceQuery

    package init(trace: Trace, model: Model, target: QueryTarget, dialect: Dialect, query: TraceQuery) {
        self.trace = trace
        self.model = model
        self.target = target
        self.dialect = dialect
        self.query = query
    }

    /// The query, when it was compiled from these very inputs.
    package func query(for trace: Trace, model: Model, target: QueryTarget, dialect: Dialect) -> TraceQuery? {
        self.trace == trace && self.model == model && self.target == target && self.dialect == dialect ? query : nil
    }
}

/// A validated project with its graph and every trace compiled to SQL.
public struct CompiledProject: Sendable {
    public var project: Project
    public var graph: ProjectGraph
    /// Per trace name.
    public var queries: [String: TraceQuery]
    public var targets: [String: QueryTarget]
    /// Per input whose options come from a query: the source it runs on, and its dialect.
    public var inputTargets: [String: String] = [:]
    public var inputDialects: [String: Dialect] = [:]
    public var warnings: [String]
    /// Position of each object in its list, by name (lookups in large projects are O(1)).
    private let sourceIndex: [String: Int]
    private let modelIndex: [String: Int]
    private let traceIndex: [String: Int]

    public func source(named name: String) -> Source? { sourceIndex[name].map { project.sources[$0] } }
    public func model(named name: String) -> Model? { modelIndex[name].map { project.models[$0] } }
    public func trace(named name: String) -> Trace? { traceIndex[name].map { project.traces[$0] } }

    /// - Parameter session: a long-running process's memory: traces equal to those it
    ///   compiled before are not compiled again.
    public init(_ project: Project, session: (any CompileMemory)? = nil) {
        self.project = project
        graph = ProjectGraph(project)
        var queries: [String: TraceQuery] = [:]
        var targets: [String: QueryTarget] = [:]
        var warnings: [String] = []
        func index<T>(_ items: [T], _ name: (T) -> String) -> [String: Int] {
            var out: [String: Int] = [:]
            out.reserveCapacity(items.count)
            for (i, x) in items.enumerated() where out[name(x)] == nil { out[name(x)] = i }
            return out
        }
        let sourceIndex = index(project.sources, \.name), modelIndex = index(project.models, \.name)
        self.sourceIndex = sourceIndex
        self.modelIndex = modelIndex
        traceIndex = index(project.traces, \.name)
        queries.reserveCapacity(project.traces.count)
        // Traces compile independently: spread them over the cores.
        let traces = project.traces
        let known = session?.compiledQueries ?? [:]
        let chunk = max(256, traces.count / (ProcessInfo.processInfo.activeProcessorCount * 4) + 1)
        let chunks = (traces.count + chunk - 1) / chunk
        let compiledChunks = Mutex([[CompiledTrace]](repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var local: [CompiledTrace] = []
            for i in (c * chunk)..<min(traces.count, (c + 1) * chunk) {
                let t = traces[i]
                guard let model = modelIndex[t.model.name].map({ project.models[$0] }) else { continue }
                let target = Self.target(of: model, defaults: project.defaults)
                let dialect: Dialect
                switch target {
                case .source(let name): dialect = Dialect(sourceIndex[name].map { project.sources[$0].type } ?? .sqlite)
                case .model: dialect = Dialect(.sqlite)
                }
                let query =
                    known[t.name]?.query(for: t, model: model, target: target, dialect: dialect)
                    ?? TraceQueryCompiler.compile(t, model: model, dialect: dialect, sourceName: target.displayName)
                local.append(CompiledTrace(trace: t, model: model, target: target, dialect: dialect, query: query))
            }
            compiledChunks.withLock { $0[c] = local }
        }
        let compiled = compiledChunks.withLock { $0.flatMap { $0 } }
        for c in compiled {
            warnings += c.query.warnings
            queries[c.query.trace] = c.query
            targets[c.query.trace] = c.target
        }
        session?.remember(queries: compiled)
        for input in project.inputs {
            guard case .query(_, let ref) = input.options, let model = modelIndex[ref.name].map({ project.models[$0] }),
                case .source(let name) = Self.target(of: model, defaults: project.defaults)
            else { continue }
            inputTargets[input.name] = name
            inputDialects[input.name] = Dialect(sourceIndex[name].map { project.sources[$0].type } ?? .sqlite)
        }
        for w in project.warnings { warnings.append(w.location.map { "\($0): \(w.message)" } ?? w.message) }
        for name in project.unresolved.keys.sorted() {
            for d in project.unresolved[name]! {
                warnings.append("\(d.location.map { "\($0): " } ?? "")\(d.message); '\(name)' and what needs it will fail")
            }
        }
        if !project.ignoredSections.isEmpty {
            warnings.append("\(project.ignoredSections.joined(separator: " and ")) are read but not run by this version")
        }
        self.queries = queries
        self.targets = targets
        self.warnings = warnings
    }

    static func target(of model: Model, defaults: Project.Defaults) -> QueryTarget {
        switch model.kind {
        case .sql(_, let source): return .source(source?.name ?? defaults.sourceName?.name ?? "")
        case .csvScript, .localMerge: return .model(model.name)
        }
    }
}
