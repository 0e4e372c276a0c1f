import Foundation

/// Where a shared cache server is and how a build uses it (`--remote-cache`,
/// `VISIVO_REMOTE_CACHE`). It speaks the HTTP layout bazel-remote serves: content at
/// `<url>/cas/<sha256 of the bytes>`, a node's result record at `<url>/ac/<key>`.
public struct RemoteCacheSettings: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Results come from the remote; nothing is uploaded (CI on pull requests).
        case read
        /// Results computed here are uploaded; nothing is read from the remote.
        case write
        case readwrite

        public var reads: Bool { self != .write }
        public var writes: Bool { self != .read }
    }

    /// The server's base address, without a trailing `/`.
    public var url: URL
    public var mode: Mode
    /// The value of an `Authorization` header sent with every request
    /// (`VISIVO_REMOTE_CACHE_HEADER`); never printed, never stored.
    public var authorization: String?
    /// The longest a request may take, from connecting to the last byte.
    public var timeout: Duration
    /// How long the end of a build waits for uploads still under way.
    public var uploadWait: Duration
    /// Uploads held in memory at once (bytes of encoded objects); past it, results are
    /// not uploaded, and the build says how many.
    public var maxPendingBytes: Int
    /// Uploads in flight at once.
    public var uploadConcurrency: Int

    public init(
        url: URL, mode: Mode = .readwrite, authorization: String? = nil, timeout: Duration = .seconds(5), uploadWait: Duration = .seconds(30),
        maxPendingBytes: Int = 256 << 20, uploadConcurrency: Int = 4
    ) {
        // A user name and password in the address become a Basic header (unless a header
        // is given), and leave the address: no message can show them.
        var parts = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var basic: String? = nil
        if let user = parts?.user {
            basic = "Basic " + Data("\(user):\(parts?.password ?? "")".utf8).base64EncodedString()
            parts?.user = nil
            parts?.password = nil
        }
        var text = parts?.url?.absoluteString ?? url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        self.url = URL(string: text) ?? url
        self.mode = mode
        self.authorization = authorization ?? basic
        self.timeout = timeout
        self.uploadWait = uploadWait
        self.maxPendingBytes = maxPendingBytes
        self.uploadConcurrency = uploadConcurrency
    }

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The settings the flags and the environment give, or nil when no remote cache is set.
    /// `option` wins over `VISIVO_REMOTE_CACHE`, `modeOption` over `VISIVO_REMOTE_CACHE_MODE`;
    /// the header comes only from `VISIVO_REMOTE_CACHE_HEADER`.
    public static func resolve(
        option: String?, modeOption: String?, timeoutSeconds: Double?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Invalid) -> RemoteCacheSettings? {
        guard let text = option ?? environment["VISIVO_REMOTE_CACHE"], !text.isEmpty else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            // Not echoed: a mistyped address may hold a password.
            throw Invalid(description: "the remote cache must be an http:// or https:// address with a host name")
        }
        let modeText = modeOption ?? environment["VISIVO_REMOTE_CACHE_MODE"] ?? "readwrite"
        guard let mode = Mode(rawValue: modeText.lowercased()) else {
            throw Invalid(description: "unknown remote cache mode '\(modeText)' (use read, write or readwrite)")
        }
        var settings = RemoteCacheSettings(url: url, mode: mode, authorization: environment["VISIVO_REMOTE_CACHE_HEADER"].flatMap { $0.isEmpty ? nil : $0 })
        if let timeoutSeconds {
            guard timeoutSeconds > 0, timeoutSeconds <= 3600 else { throw Invalid(description: "--remote-cache-timeout must be between 0 and 3600 seconds") }
            settings.timeout = .milliseconds(Int64(timeoutSeconds * 1000))
        }
        return settings
    }

    /// The address as messages show it (it holds no user name or password).
    public var displayURL: String { url.absoluteString }
}
