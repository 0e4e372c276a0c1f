import CDuckDB
import Foundation
import Synchronization

/// DuckDB's C API, loaded at run time with `dlopen` (the visivo binary does not link
/// libduckdb). Loaded once per process and per library path, and never unloaded.
///
/// Where it comes from (docs/sources/duckdb.md):
/// 1. `VISIVO_DUCKDB_LIBRARY` (or the `path` argument): that file only.
/// 2. Otherwise `libduckdb.so` through the dynamic linker's search (`LD_LIBRARY_PATH`,
///    the ld.so cache), then the usual folders (`/usr/local/lib`, `/usr/lib`, ...).
///
/// DuckDB's Python wheel works too: its `_duckdb.cpython-3XY-....so` exports the whole C
/// API but needs libpython's symbols, so the matching `libpython3.X` is loaded first
/// (globally); Python itself is never started.
///
/// `@unchecked Sendable`: the function table is immutable once loaded.
public final class DuckDBLibrary: @unchecked Sendable {
    /// The function table (lives as long as the process).
    let api: UnsafePointer<visivo_duckdb_api>
    /// The file that was loaded (or the bare name the dynamic linker resolved).
    public let path: String
    /// `duckdb_library_version()`, e.g. `v1.2.0`.
    public let version: String
    /// The libpython preloaded for a Python-wheel library, if any.
    public let pythonLibrary: String?

    private init(api: UnsafePointer<visivo_duckdb_api>, path: String, pythonLibrary: String?) {
        self.api = api
        self.path = path
        self.pythonLibrary = pythonLibrary
        self.version = api.pointee.library_version().map { String(cString: $0) } ?? "unknown"
    }

    /// Why the library could not be loaded: every place tried, and how to get it.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var message: String
        /// `what was tried: why it failed`, in order.
        public var attempts: [String]
        public var hint: String { DuckDBLibrary.installHint }
        public var description: String {
            var s = message
            for a in attempts { s += "\n  tried " + a }
            return s + "\n" + hint
        }
    }

    static let installHint = """
        To get DuckDB: download libduckdb for your platform from \
        https://github.com/duckdb/duckdb/releases (e.g. libduckdb-linux-amd64.zip) and set \
        VISIVO_DUCKDB_LIBRARY to the path of libduckdb.so, or run `pip install duckdb` and set \
        VISIVO_DUCKDB_LIBRARY to the _duckdb.cpython-*.so file it installs in site-packages \
        (in a visivo checkout, scripts/duckdb-lib.sh sets that up and prints the path).
        """

    /// The environment variables the loader reads.
    public static let libraryVariable = "VISIVO_DUCKDB_LIBRARY"
    public static let pythonLibraryVariable = "VISIVO_DUCKDB_PYTHON_LIBRARY"

    private static let loaded = Mutex<[String: DuckDBLibrary]>([:])

    /// The library named by `VISIVO_DUCKDB_LIBRARY` / `VISIVO_DUCKDB_PYTHON_LIBRARY` in
    /// `environment`, else the default search.
    public static func load(environment: [String: String]) throws(LoadError) -> DuckDBLibrary {
        func value(_ name: String) -> String? {
            guard let v = environment[name], !v.isEmpty else { return nil }
            return v
        }
        return try load(path: value(libraryVariable), pythonLibrary: value(pythonLibraryVariable))
    }

    /// Loads `path` (nil: the default search). `pythonLibrary` names the libpython to
    /// preload for a Python-wheel library (nil: found next to it or by the linker).
    public static func load(path: String?, pythonLibrary: String? = nil) throws(LoadError) -> DuckDBLibrary {
        let key = (path ?? "") + "\u{0}" + (pythonLibrary ?? "")
        let result: Result<DuckDBLibrary, LoadError> = loaded.withLock { cache in
            if let hit = cache[key] { return .success(hit) }
            do throws(LoadError) {
                let library: DuckDBLibrary
                if let path {
                    library = try open(explicit: path, pythonLibrary: pythonLibrary)
                } else {
                    library = try search(pythonLibrary: pythonLibrary)
                }
                cache[key] = library
                return .success(library)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    // MARK: - Search

    private static func open(explicit path: String, pythonLibrary: String?) throws(LoadError) -> DuckDBLibrary {
        var attempts: [String] = []
        guard FileManager.default.fileExists(atPath: path) else {
            throw LoadError(
                message: "cannot load DuckDB: \(libraryVariable) is set to \(path), which does not exist",
                attempts: [])
        }
        if let library = tryOpen(path, pythonLibrary: pythonLibrary, attempts: &attempts) { return library }
        throw LoadError(message: "cannot load DuckDB from \(path) (\(libraryVariable))", attempts: attempts)
    }

    /// Places tried when `VISIVO_DUCKDB_LIBRARY` is not set.
    static var defaultCandidates: [String] {
        #if os(macOS)
        let name = "libduckdb.dylib"
        let folders = ["/opt/homebrew/lib", "/usr/local/lib", "/usr/lib"]
        #else
        let name = "libduckdb.so"
        #if arch(arm64)
        let multiarch = "/usr/lib/aarch64-linux-gnu"
        #else
        let multiarch = "/usr/lib/x86_64-linux-gnu"
        #endif
        let folders = ["/usr/local/lib", "/usr/lib", multiarch, "/usr/lib64"]
        #endif
        return [name] + folders.map { $0 + "/" + name }
    }

    private static func search(pythonLibrary: String?) throws(LoadError) -> DuckDBLibrary {
        var attempts: [String] = []
        for candidate in defaultCandidates {
            if candidate.hasPrefix("/") && !FileManager.default.fileExists(atPath: candidate) {
                attempts.append("\(candidate): no such file")
                continue
            }
            if let library = tryOpen(candidate, pythonLibrary: pythonLibrary, attempts: &attempts) { return library }
        }
        throw LoadError(
            message: "cannot load DuckDB: \(libraryVariable) is not set and no libduckdb was found", attempts: attempts)
    }

    /// dlopen()s one candidate (preloading libpython first when it is a CPython extension);
    /// nil after recording why it failed.
    private static func tryOpen(_ path: String, pythonLibrary: String?, attempts: inout [String]) -> DuckDBLibrary? {
        var preloaded: String?
        var preloadAttempts: [String] = []
        if let version = pythonVersion(ofExtension: path) {
            let candidates = pythonLibraryCandidates(for: path, version: version, explicit: pythonLibrary)
            for candidate in candidates {
                if candidate.hasPrefix("/") && !FileManager.default.fileExists(atPath: candidate) {
                    preloadAttempts.append("libpython \(candidate): no such file")
                    continue
                }
                if let error = preload(candidate) {
                    preloadAttempts.append("libpython \(candidate): \(error)")
                } else {
                    preloaded = candidate
                    break
                }
            }
        }
        var buffer = [CChar](repeating: 0, count: 2048)
        let api = visivo_duckdb_load(path, &buffer, buffer.count)
        guard let api else {
            let error = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            attempts.append("\(path): \(error)")
            // Say how libpython was looked for only when that is what failed.
            if preloaded == nil && !preloadAttempts.isEmpty {
                attempts.append(contentsOf: preloadAttempts)
                attempts.append("(a Python-wheel DuckDB needs its libpython: set \(pythonLibraryVariable) to libpython3.X.so.1.0)")
            }
            return nil
        }
        return DuckDBLibrary(api: api, path: path, pythonLibrary: preloaded)
    }

    private static func preload(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 2048)
        if visivo_dl_preload(path, &buffer, buffer.count) == 0 { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `(3, 11)` for `.../_duckdb.cpython-311-x86_64-linux-gnu.so`; nil when the file name
    /// is not a CPython extension module's.
    static func pythonVersion(ofExtension path: String) -> (major: Int, minor: Int)? {
        let name = (path as NSString).lastPathComponent
        guard let range = name.range(of: ".cpython-3") else { return nil }
        let digits = name[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let minor = Int(digits) else { return nil }
        return (3, minor)
    }

    /// Where libpython3.X may be, in the order tried: the explicit one alone when given;
    /// else the linker's search, the `home` of a virtualenv holding the extension
    /// (`pyvenv.cfg`, found walking up), and the `lib` folders above the extension (a
    /// plain Python installation's `<prefix>/lib`).
    static func pythonLibraryCandidates(for extensionPath: String, version: (major: Int, minor: Int), explicit: String?) -> [String] {
        if let explicit { return [explicit] }
        #if os(macOS)
        let names = ["libpython\(version.major).\(version.minor).dylib"]
        #else
        let names = ["libpython\(version.major).\(version.minor).so.1.0", "libpython\(version.major).\(version.minor).so"]
        #endif
        var candidates = names
        var folders: [String] = []
        var dir = ((extensionPath as NSString).standardizingPath as NSString).deletingLastPathComponent
        var ancestors: [String] = []
        for _ in 0..<8 {
            ancestors.append(dir)
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { break }
            dir = parent
        }
        for a in ancestors {
            if let home = venvHome(in: a) {
                folders.append(((home as NSString).deletingLastPathComponent as NSString).appendingPathComponent("lib"))
                break
            }
        }
        for a in ancestors {
            folders.append(a)
            folders.append((a as NSString).appendingPathComponent("lib"))
        }
        var seen = Set<String>()
        for folder in folders {
            for name in names {
                let p = (folder as NSString).appendingPathComponent(name)
                if seen.insert(p).inserted && FileManager.default.fileExists(atPath: p) { candidates.append(p) }
            }
        }
        return candidates
    }

    /// The `home = ...` of `dir/pyvenv.cfg` (the folder of the Python executable the
    /// virtualenv was made from).
    static func venvHome(in dir: String) -> String? {
        guard let text = try? String(contentsOfFile: (dir as NSString).appendingPathComponent("pyvenv.cfg"), encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "home" else { continue }
            let home = parts[1].trimmingCharacters(in: .whitespaces)
            return home.isEmpty ? nil : home
        }
        return nil
    }
}
