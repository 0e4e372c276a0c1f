import Crypto
import Foundation
import VisivoSupport

/// A secret of one checkout, `.visivo/content-key` (32 random bytes, readable by its
/// owner only), made on first use. The project's content hash is keyed with it: project
/// files render with their secrets, and what visivo stores of them (the no-op snapshot,
/// the compile record, a dist's version) must not let anyone test guesses of a password
/// offline. Where the folder cannot be written, a key for this process alone is used
/// (nothing stored then matches later, which costs a rebuild).
enum ContentKey {
    static func path(projectDirectory: String) -> String { projectDirectory + "/.visivo/content-key" }

    static func load(projectDirectory: String) -> SymmetricKey {
        let path = path(projectDirectory: projectDirectory)
        if let key = read(path) { return key }
        let fresh = SymmetricKey(size: .bits256)
        let tmp = AtomicFile.temporaryPath(for: path, in: nil)
        AtomicFile.makeDirectories((path as NSString).deletingLastPathComponent)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return fresh }
        let wrote = fresh.withUnsafeBytes { FileDescriptorIO.writeAll(fd, $0) } == nil && fsync(fd) == 0
        close(fd)
        defer { unlink(tmp) }
        guard wrote else { return fresh }
        // link() does not replace: when another process made a key first, both use its
        // key. Where the file system has no hard links, rename() does.
        if link(tmp, path) != 0 && errno != EEXIST {
            _ = rename(tmp, path)
            return fresh
        }
        if let key = read(path) { return key }
        // A damaged key file (cut short): replace it.
        guard rename(tmp, path) == 0 else { return fresh }
        return fresh
    }

    private static func read(_ path: String) -> SymmetricKey? {
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 else { return nil }
        return SymmetricKey(data: data)
    }

    /// `digest` keyed: HMAC-SHA-256 with the checkout's key, as hex.
    static func keyed(_ digest: Fingerprint, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(digest.hex.utf8), using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }
}
