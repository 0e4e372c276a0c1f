import Foundation
import VisivoConnectors
import VisivoProject
import VisivoQuery
import VisivoSupport

extension NodeWork {
    /// An insight's data.json for input values other than its defaults: the insight's
    /// statement bound to them, keyed and cached exactly as the build keys the default (so
    /// a combination computed once, by anyone, is read back from the cache).
    /// `values` maps input names to the states' keys (`InputState.key`); inputs left out
    /// keep their defaults. Its model must be built (the build just ran, or is fresh).
    func variant(_ name: String, values: [String: JSONValue]) throws -> [UInt8] {
        guard let i = graph.id(of: name), graph.nodes[i].kind == .insight, let t = compiled.trace(named: name), let compiledQuery = compiled.queries[name],
            let target = compiled.targets[name], let model = graph.needs[i].first
        else { throw NodeFailure(message: "there is no insight named '\(name)'") }
        let modelOutput = try upToDateOutput(of: model)
        let inputs = usedInputs(t)
        let built = try builtOptions(of: t)
        var states = InputBinding.defaults(inputs, options: built)
        for (inputName, key) in values {
            guard let input = inputs.first(where: { $0.name == inputName }) else {
                throw NodeFailure(message: "insight '\(name)' does not read input '\(inputName)'")
            }
            guard let state = InputState(key: key, for: input),
                InputCombinations.isValid(state, for: input, options: built[inputName] ?? InputBinding.listed(input))
            else {
                let shown = key.serialized.count > 80 ? String(key.serialized.prefix(80)) + "..." : key.serialized
                throw NodeFailure(message: "\(shown) is not a value of \(input.kind.rawValue) input '\(inputName)' (not among its options)")
            }
            states[inputName] = state
        }
        let q = InputBinding.bind(compiledQuery, uses: t.insight?.inputs ?? [], states: states)
        let key = NodeKeys.trace(q, upstream: NodeKeys.bound(modelOutput: modelOutput, parameters: q.parameters))
        if let (data, _) = cache.fetch(key), let cached = CachedResult(decoding: data), !record.expired(cached.queriedAt, maxAge(of: t)) {
            return Array(cached.body)
        }
        var sink = TraceData(dialect: q.dialect)
        let queriedAt = Date()
        do {
            switch target {
            case .source(let s): try pool.with(s) { try $0.run(q.sql, parameters: q.parameters, into: &sink) }
            case .model(let m): try modelDatabase(m).run(q.sql, parameters: q.parameters, into: &sink)
            }
        } catch let e as ConnectorError {
            throw NodeFailure(message: "query failed on source '\(target.displayName)': \(e)", cancelled: e.cancelled)
        }
        let header = CachedResult.header(queriedAt: queriedAt, rows: sink.rows)
        let result = CachedResult(queriedAt: queriedAt, rows: sink.rows, storage: sink.finish(prefix: header), bodyStart: header.count)
        let body = Array(result.body)
        try result.withEncoded { try cache.store(key, $0, output: NodeKeys.hash(body)) }
        return body
    }

    /// The output of node `i` as the last build left it: every node it needs settled or
    /// in place (nothing runs but a freshness probe).
    func upToDateOutput(of i: Int) throws -> Fingerprint {
        if let known = record.output(of: i) { return known }
        // No build ran in this engine: what the last one recorded is on disk.
        record.load()
        var known: [Int: Fingerprint] = [:]
        for j in graph.ancestors(of: i).union([i]).sorted() {
            switch try step(j, inputs: { known[$0] }) {
            case .settled(let out): known[j] = out
            case .probe(let s): known[j] = try sourceKey(s, probe: { try runProbe(s) })
            case .cached(let step):
                guard case .inPlace(let out, _) = decide(step, lookup: .skip, confirming: false) else {
                    throw NodeFailure(message: "'\(graph.nodes[j].name)' is not built; build the project first")
                }
                known[j] = out
            }
        }
        guard let out = known[i] else { throw NodeFailure(message: "'\(graph.nodes[i].name)' is not built") }
        record.setOutput(i, out)
        return out
    }
}

extension BuildEngine {
    /// An engine for insights' other input values (`serve`, `dist`): its results are
    /// stored as loose cache objects, so requests that come and go never share a pack.
    public static func forVariants(_ compiled: CompiledProject, options: BuildOptions) -> BuildEngine {
        let files = FileCache(root: options.cacheDirectory, packAfter: .max)
        let cache: any CacheStore = options.remoteCache.map { RemoteCache(local: files, settings: $0) } ?? files
        return BuildEngine(compiled, options: options, cache: cache)
    }

    /// An insight's data for other input values (`serve` on a viewer's request, `dist`
    /// for every combination): cached like the build's own results.
    public func variant(_ insight: String, values: [String: JSONValue]) throws -> [UInt8] {
        do {
            return try work.variant(insight, values: values)
        } catch let f as NodeFailure {
            throw VariantFailure(message: f.message)
        }
    }

    /// Call once the variants a build needs are computed: finishes the cache's writes.
    public func finishVariants() { _ = work.cache.finishBuild() }
}

/// Why an insight's data for some input values could not be computed.
public struct VariantFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}
