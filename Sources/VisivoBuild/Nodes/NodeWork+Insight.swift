import Foundation
import VisivoConnectors
import VisivoProject
import VisivoQuery
import VisivoSupport

extension NodeWork {
    /// A trace's query as it runs: an insight's input markers bound to the inputs' default
    /// states (parameters, never SQL text); with what it reads, the values included.
    func bound(_ t: Trace, _ q: TraceQuery, modelOutput: Fingerprint) throws -> (TraceQuery, Fingerprint) {
        guard let uses = t.insight?.inputs, !uses.isEmpty else { return (q, modelOutput) }
        let states = InputBinding.defaults(usedInputs(t), options: try builtOptions(of: t))
        let b = InputBinding.bind(q, uses: uses, states: states)
        return (b, NodeKeys.bound(modelOutput: modelOutput, parameters: b.parameters))
    }

    /// The inputs an insight uses.
    func usedInputs(_ t: Trace) -> [Input] {
        var names: [String] = []
        for u in t.insight?.inputs ?? [] where !names.contains(u.input) { names.append(u.input) }
        return names.compactMap { compiled.project.input(named: $0) }
    }

    /// The options built for the query inputs `t` uses (`target/<input>/options.json`).
    func builtOptions(of t: Trace) throws -> [String: [JSONValue]] {
        var out: [String: [JSONValue]] = [:]
        for input in usedInputs(t) {
            guard case .query = input.options else { continue }
            out[input.name] = try Self.readOptions(outputs.optionsPath(input: input.name), input: input.name)
        }
        return out
    }

    static func readOptions(_ path: String, input: String) throws -> [JSONValue] {
        guard let options = BuiltOptions.read(path) else { throw NodeFailure(message: "the options of input '\(input)' are not built (\(path))") }
        return options
    }

    /// An input whose options come from a query: the query run on its model's source,
    /// the first column's distinct values (NULL left out), in the order they came.
    func processInput(_ i: Int, _ input: Input, _ step: CachedStep, mode: Mode) throws -> NodeResult? {
        guard case .query(let sql, _) = input.options, let source = compiled.inputTargets[input.name] else {
            throw NodeFailure(message: "internal error: input '\(input.name)' has no options query")
        }
        let path = outputs.optionsPath(input: input.name)
        func write(_ bytes: ArraySlice<UInt8>) throws -> Fingerprint {
            let out = NodeKeys.hash(bytes)
            try outputs.write(bytes, to: path, hash: out.hex, record: record)
            return out
        }
        return try settle(
            step, mode: mode,
            restore: { try write($0.body) },
            run: {
                var sink = OptionsSink()
                let queriedAt = Date()
                let started = ContinuousClock.now
                defer { addQueryTime(ContinuousClock.now - started) }
                do {
                    try pool.with(source) { try $0.run(sql, parameters: [], into: &sink) }
                } catch let e as ConnectorError {
                    throw NodeFailure(message: "the options query of input '\(input.name)' failed on source '\(source)': \(e)", cancelled: e.cancelled)
                }
                let header = CachedResult.header(queriedAt: queriedAt, rows: sink.values.count)
                var bytes = header
                JSONValue.object([("options", .array(sink.values))]).write(into: &bytes)
                let result = CachedResult(queriedAt: queriedAt, rows: sink.values.count, storage: bytes, bodyStart: header.count)
                return (result, try write(result.body))
            })
    }
}

/// The distinct values of a result's first column, in order.
struct OptionsSink: RowSink {
    var values: [JSONValue] = []
    private var seen: Set<String> = []
    mutating func columns(_ names: [String]) throws {}
    mutating func row(_ values: [JSONValue]) throws {
        guard let v = values.first, v != .null, seen.insert(v.serialized).inserted else { return }
        self.values.append(v)
    }
}

/// The options a build wrote for inputs whose options come from a query
/// (`target/<input>/options.json`), as the build, `serve` and `dist` read them.
public enum BuiltOptions {
    static func read(_ path: String) -> [JSONValue]? {
        guard let data = FileManager.default.contents(atPath: path), let doc = try? JSONParser.parse(Array(data)), case .array(let options)? = doc["options"]
        else { return nil }
        return options
    }

    /// Every query input's options that are built, by input name.
    public static func all(_ project: Project, outputDirectory: String) -> [String: [JSONValue]] {
        let outputs = NodeOutputs(directory: outputDirectory, projectDirectory: project.directory)
        var out: [String: [JSONValue]] = [:]
        for i in project.inputs {
            guard case .query = i.options, let options = read(outputs.optionsPath(input: i.name)) else { continue }
            out[i.name] = options
        }
        return out
    }
}
