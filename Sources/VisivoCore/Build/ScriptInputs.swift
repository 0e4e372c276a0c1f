import Foundation

/// The files a CSV script reads, as far as its arguments say: every argument naming an
/// existing file, the data a script reads and the script itself when it is named by a
/// path (`./make.sh`, `python make.py`). They count in the model's key by their content,
/// and `serve` watches them.
public enum ScriptInputs {
    public static func files(args: [String], directory: String) -> [String] {
        var out: [String] = []
        for (n, a) in args.enumerated() where !a.contains("\n") && (n > 0 || a.contains("/")) {
            let path = ConnectionPool.resolve(a, in: directory)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { out.append(path) }
        }
        return out
    }
}
