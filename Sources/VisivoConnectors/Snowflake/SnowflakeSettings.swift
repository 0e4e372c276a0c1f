import Foundation
import VisivoProject
import VisivoSupport
import _CryptoExtras

/// A Snowflake source's connection settings, resolved once per connection.
struct SnowflakeSettings {
    enum Auth {
        case password(String)
        /// Key-pair authentication: JWTs signed with this key.
        case keyPair(_RSA.Signing.PrivateKey)
    }

    /// The environment variable whose value replaces `https://<account>.snowflakecomputing.com`.
    static let urlVariable = "VISIVO_SNOWFLAKE_URL"

    /// Where the REST API is, without a trailing slash.
    var baseURL: String
    /// The account name sent at login (`ACCOUNT_NAME`; see `accountName(_:)`).
    var accountName: String
    var user: String
    var auth: Auth
    var warehouse: String?
    var database: String?
    var schema: String?
    var role: String?
    /// Texts that must never reach an error message.
    var secrets: [String] = []

    init(source: Source, projectDirectory: String, environment: [String: String]) throws(ConnectorError) {
        func fail(_ message: String) -> ConnectorError { ConnectorError(source: source.name, message: message) }
        func nonEmpty(_ s: String?) -> String? {
            guard let s = s?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
            return s
        }

        // The account, also accepted as a pasted host or URL.
        var account = nonEmpty(source.account) ?? ""
        for prefix in ["https://", "http://"] where account.lowercased().hasPrefix(prefix) { account.removeFirst(prefix.count) }
        while account.hasSuffix("/") { account.removeLast() }
        if account.lowercased().hasSuffix(".snowflakecomputing.com") { account.removeLast(".snowflakecomputing.com".count) }
        guard !account.isEmpty else { throw fail("a snowflake source needs 'account' (the account identifier, e.g. myorg-myaccount)") }
        guard let user = nonEmpty(source.username) else { throw fail("a snowflake source needs 'username'") }
        self.user = user
        accountName = Self.accountName(account)

        // Endpoint: the environment override, else `host` (with its port), else the account's host.
        if let override = nonEmpty(environment[Self.urlVariable]) {
            baseURL = override
        } else if let host = nonEmpty(source.host) {
            baseURL = host.contains("://") ? host : "https://" + host + (source.port.map { ":\($0)" } ?? "")
        } else {
            baseURL = "https://" + account.lowercased() + ".snowflakecomputing.com"
        }
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        guard URL(string: baseURL + "/session/v1/login-request") != nil else {
            throw fail("the Snowflake endpoint '\(baseURL)' is not a valid URL")
        }

        if let keyPath = nonEmpty(source.privateKeyPath) {
            let path = ConnectionPool.resolve(keyPath, in: projectDirectory)
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw fail("cannot read the private key file '\(path)'")
            }
            do {
                auth = .keyPair(try JWTPrivateKey.load(pem: pem, passphrase: source.privateKeyPassphrase))
            } catch {
                throw fail("private key '\(path)': \(error)")
            }
        } else if let password = source.password, !password.isEmpty {
            auth = .password(password)
        } else {
            throw fail("a snowflake source needs 'password' or 'private_key_path'")
        }
        for s in [source.password, source.privateKeyPassphrase] {
            if let s, !s.isEmpty { secrets.append(s) }
        }

        warehouse = nonEmpty(source.warehouse)
        database = nonEmpty(source.database)
        schema = nonEmpty(source.dbSchema)
        role = nonEmpty(source.role)
    }

    /// The account identifier up to its first dot; for a global URL
    /// (`<account>-<external id>.global`), without the external id, as the drivers do.
    static func accountName(_ account: String) -> String {
        let parts = account.split(separator: ".")
        let first = String(parts.first ?? Substring(account))
        if parts.count > 1, parts[1].lowercased() == "global", let dash = first.lastIndex(of: "-") { return String(first[..<dash]) }
        return first
    }

    /// The key-pair login token: iss `ACCOUNT.USER.SHA256:<fingerprint>`, sub `ACCOUNT.USER`,
    /// valid for one hour.
    static func loginJWT(account: String, user: String, key: _RSA.Signing.PrivateKey, now: Date = Date()) throws -> String {
        let qualified = account.uppercased() + "." + user.uppercased()
        let claims: JSONValue = .object([
            ("iss", .string(qualified + "." + JWT.publicKeyFingerprint(key))),
            ("sub", .string(qualified)),
            ("iat", JWT.seconds(now)),
            ("exp", JWT.seconds(now.addingTimeInterval(3600))),
        ])
        return try JWT.rs256(header: JWT.header(), claims: claims, key: key)
    }
}
