import Foundation
import Synchronization
import VisivoBuild
import VisivoProject
import VisivoQuery
import VisivoSupport

/// What a static dist precomputes for insights that read inputs: their data for every
/// combination of input values (a dist has no server to ask), up to a limit per insight.
public enum DistVariants {
    public static let defaultLimit = 64

    /// Every combination of every built insight that reads inputs; refuses (naming the
    /// insight and its count) when one has more than `limit`.
    public static func compute(
        project: Project, outcomes: [String: TraceOutcome], options: BuildOptions, limit: Int
    ) throws(DistWriter.Failure) -> [InsightVariant] {
        let insights = project.traces.filter { !($0.insight?.inputs.isEmpty ?? true) && outcomes[$0.name]?.isOK == true }
        guard !insights.isEmpty else { return [] }
        let built = BuiltOptions.all(project, outputDirectory: options.outputDirectory)
        var jobs: [(insight: String, states: [String: InputState])] = []
        for t in insights {
            var names: [String] = []
            for u in t.insight!.inputs where !names.contains(u.input) { names.append(u.input) }
            let inputs = names.compactMap(project.input(named:))
            let count = InputCombinations.count(inputs, options: built)
            if count > limit {
                let parts = inputs.map { "\($0.name): \(InputCombinations.count($0, options: built[$0.name] ?? InputBinding.listed($0)))" }
                let shown = count == .max ? "more than \(Int.max)" : String(count)
                throw DistWriter.Failure(
                    description:
                        "insight '\(t.name)' has \(shown) combinations of input values (\(parts.joined(separator: " × "))), more than --max-input-combinations \(limit): a static dist holds the data of every combination; raise the limit, narrow the inputs' options, or use `visivo serve`, which computes a combination when a viewer picks it"
                )
            }
            for states in InputCombinations.all(inputs, options: built) { jobs.append((t.name, states)) }
        }
        let engine = BuildEngine.forVariants(CompiledProject(project), options: options)
        let work = jobs
        let results = Mutex([InsightVariant?](repeating: nil, count: jobs.count))
        let failures = Mutex([String]())
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let job = work[i]
            do {
                let data = try engine.variant(job.insight, values: job.states.mapValues(\.key))
                results.withLock { $0[i] = InsightVariant(insight: job.insight, key: InputCombinations.key(job.states), data: data) }
            } catch {
                failures.withLock { $0.append("insight '\(job.insight)' for \(InputCombinations.key(job.states)): \(error)") }
            }
        }
        engine.finishVariants()
        if let first = failures.withLock({ $0.sorted().first }) { throw DistWriter.Failure(description: first) }
        return results.withLock { $0.compactMap { $0 } }
    }
}
