import Foundation
import VisivoConnectors

/// The files a CSV script reads, as far as its arguments say: every argument naming an
/// existing file, the data a script reads and the script itself when it is named by a
/// path (`./make.sh`, `python make.py`). They count in the model's key by their content,
/// and `serve` watches them. Only regular files count: a FIFO, a device or `/dev/stdin`
/// has no content to hash (reading one would wait forever).
public enum ScriptInputs {
    public static func files(args: [String], directory: String) -> [String] {
        var out: [String] = []
        for (n, a) in args.enumerated() where !a.contains("\n") && (n > 0 || a.contains("/")) {
            let path = ConnectionPool.resolve(a, in: directory)
            var st = stat()
            if stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG { out.append(path) }
        }
        return out
    }
}
