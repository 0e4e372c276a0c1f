import Foundation
import VisivoProject
import VisivoSupport

extension NodeWork {
    /// A CSV-script model: the script's output typed (pandas' rules) into a SQLite table.
    func processCSVModel(_ m: Model, _ step: CachedStep, args: [String], table: String, mode: Mode) throws -> NodeResult? {
        let path = outputs.csvDatabasePath(m.name)
        func load(_ bytes: ArraySlice<UInt8>) throws -> Fingerprint {
            let out = step.output(bytes)
            let parsed: CSVTable
            do { parsed = try CSVTable(parsing: bytes) } catch {
                throw NodeFailure(message: "CSV-script model '\(m.name)': \(error)")
            }
            try FileManager.default.createDirectory(atPath: outputs.directory, withIntermediateDirectories: true)
            record.distrust(path)
            try parsed.write(toSQLite: path, table: table, label: m.name, scratch: outputs.scratchDirectory)
            record.recordWrite(path, hash: out.hex)
            return out
        }
        return try settle(
            step, mode: mode,
            restore: { try load($0.body) },
            run: {
                // The output lands after the cached result's header: held once, never copied.
                let queriedAt = Date()
                var storage = CachedResult.header(queriedAt: queriedAt, rows: nil)
                let bodyStart = storage.count
                do { try scripts.run(args, in: project.directory, appendingTo: &storage) } catch let f as ScriptRunner.Failure {
                    throw NodeFailure(message: "CSV-script model '\(m.name)': \(f)")
                }
                let result = CachedResult(queriedAt: queriedAt, rows: nil, storage: storage, bodyStart: bodyStart)
                storage = []
                return (result, try load(result.body))
            })
    }
}
