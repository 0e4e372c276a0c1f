import Foundation
import Synchronization
import VisivoProject
import VisivoSupport
import _CryptoExtras

/// A Google service-account key (the JSON file the Cloud console downloads).
struct GoogleServiceAccount: Sendable {
    var clientEmail: String
    var privateKey: _RSA.Signing.PrivateKey
    var privateKeyID: String?
    /// Where tokens are requested, and the `aud` of the assertion.
    var tokenURI: String
    var projectID: String?

    static let defaultTokenURI = "https://oauth2.googleapis.com/token"
    static let credentialsVariable = "GOOGLE_APPLICATION_CREDENTIALS"

    /// Parses the key file's JSON; the error is a sentence for the user.
    static func parse(_ bytes: [UInt8]) throws(ConnectorErrorText) -> GoogleServiceAccount {
        guard let json = try? JSONParser.parse(bytes), case .object = json else {
            throw ConnectorErrorText("the credentials are not JSON")
        }
        let type = json["type"]?.stringValue ?? ""
        guard type == "service_account" else {
            throw ConnectorErrorText("the credentials are of type '\(type)'; visivo needs a service-account key (\"type\": \"service_account\")")
        }
        guard let email = json["client_email"]?.stringValue, !email.isEmpty,
            let pem = json["private_key"]?.stringValue, !pem.isEmpty
        else {
            throw ConnectorErrorText("the service-account key has no 'client_email' or 'private_key'")
        }
        let key: _RSA.Signing.PrivateKey
        do {
            key = try JWTPrivateKey.load(pem: pem, passphrase: nil)
        } catch {
            throw ConnectorErrorText("the service-account key's 'private_key': \(error)")
        }
        let uri = json["token_uri"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? defaultTokenURI
        return GoogleServiceAccount(
            clientEmail: email, privateKey: key, privateKeyID: json["private_key_id"]?.stringValue,
            tokenURI: uri, projectID: json["project_id"]?.stringValue)
    }

    /// The key from `credentials_base64` (base64 of the JSON file; the JSON itself is
    /// accepted too), else from the file named by GOOGLE_APPLICATION_CREDENTIALS.
    static func load(source: Source, environment: [String: String]) throws(ConnectorError) -> GoogleServiceAccount {
        func fail(_ m: String) -> ConnectorError { ConnectorError(source: source.name, message: m) }
        do {
            if let inline = source.credentialsBase64?.trimmingCharacters(in: .whitespacesAndNewlines), !inline.isEmpty {
                if inline.hasPrefix("{") { return try parse(Array(inline.utf8)) }
                let compact = inline.filter { !$0.isWhitespace }
                guard let data = Data(base64Encoded: compact + String(repeating: "=", count: (4 - compact.count % 4) % 4)) else {
                    throw ConnectorErrorText("'credentials_base64' is not base64")
                }
                return try parse([UInt8](data))
            }
            if let path = environment[credentialsVariable], !path.isEmpty {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ConnectorErrorText("cannot read the credentials file '\(path)' (from \(credentialsVariable))")
                }
                return try parse([UInt8](data))
            }
        } catch let e as ConnectorErrorText {
            throw fail("BigQuery credentials: \(e.text)")
        } catch {
            throw fail("BigQuery credentials: \(error)")
        }
        throw fail("a bigquery source needs 'credentials_base64' or the environment variable \(credentialsVariable) (a service-account key file)")
    }
}

/// A message without a source yet.
struct ConnectorErrorText: Error, CustomStringConvertible {
    var text: String
    init(_ text: String) { self.text = text }
    var description: String { text }
}

/// OAuth2 access tokens for one service account (the JWT-bearer grant, RFC 7523), shared
/// by every connection in the process and reused until a minute before they expire.
final class GoogleTokenSource: Sendable {
    static let scope = "https://www.googleapis.com/auth/bigquery"
    static let tokenURLVariable = "VISIVO_GOOGLE_TOKEN_URL"

    let account: GoogleServiceAccount
    /// Where the assertion is posted (the override, or the key's `token_uri`).
    let tokenURL: String
    private let cached = Mutex<(token: String, expiry: Date)?>(nil)
    /// Held while fetching, so concurrent connections wait for one request.
    private let fetching = NSLock()

    private init(account: GoogleServiceAccount, tokenURL: String) {
        self.account = account
        self.tokenURL = tokenURL
    }

    private static let registry = Mutex<[String: GoogleTokenSource]>([:])

    /// The process-wide source for this key and token endpoint.
    static func shared(for account: GoogleServiceAccount, environment: [String: String]) -> GoogleTokenSource {
        var url = account.tokenURI
        if let override = environment[tokenURLVariable], !override.isEmpty { url = override }
        let key = [account.clientEmail, account.privateKeyID ?? "", JWT.publicKeyFingerprint(account.privateKey), url].joined(separator: "\n")
        return registry.withLock { sources in
            if let s = sources[key] { return s }
            let s = GoogleTokenSource(account: account, tokenURL: url)
            sources[key] = s
            return s
        }
    }

    /// A valid access token. `rejected` is one the API refused (HTTP 401): never returned again.
    func token(source: String, rejected: String? = nil, retry: RetryPolicy, cancellation: HTTPCancellation?) throws(ConnectorError) -> String {
        if let c = cached.withLock({ $0 }), c.token != rejected, c.expiry > Date().addingTimeInterval(60) { return c.token }
        // Another connection may be fetching: wait for it, but give up on a cancel.
        while !fetching.lock(before: Date().addingTimeInterval(0.1)) {
            if cancellation?.isCancelled == true { throw ConnectorError(source: source, message: "query cancelled", cancelled: true) }
        }
        defer { fetching.unlock() }
        if let c = cached.withLock({ $0 }), c.token != rejected, c.expiry > Date().addingTimeInterval(60) { return c.token }
        let (token, lifetime) = try fetch(source: source, retry: retry, cancellation: cancellation)
        cached.withLock { $0 = (token, Date().addingTimeInterval(lifetime)) }
        return token
    }

    /// Posts a signed assertion to the token endpoint.
    private func fetch(source: String, retry: RetryPolicy, cancellation: HTTPCancellation?) throws(ConnectorError) -> (String, Double) {
        func fail(_ m: String, code: String? = nil) -> ConnectorError {
            ConnectorError(source: source, message: "could not get a Google access token: " + m, code: code)
        }
        let now = Date()
        let claims: JSONValue = .object([
            ("iss", .string(account.clientEmail)), ("scope", .string(Self.scope)), ("aud", .string(account.tokenURI)),
            ("iat", JWT.seconds(now)), ("exp", JWT.seconds(now.addingTimeInterval(3600))),
        ])
        let assertion: String
        do {
            assertion = try JWT.rs256(header: JWT.header(keyID: account.privateKeyID), claims: claims, key: account.privateKey)
        } catch {
            throw fail("signing the assertion failed: \(error)")
        }
        guard let url = URL(string: tokenURL) else { throw fail("the token URL '\(tokenURL)' is not valid") }
        let form = HTTPClient.query([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)])
        let request = HTTPRequest(
            "POST", url, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Data(form.utf8), timeout: 60)
        let response: HTTPResponse
        do {
            response = try HTTPClient.shared.send(request, retry: retry, cancellation: cancellation)
        } catch {
            if error == .cancelled { throw ConnectorError(source: source, message: "query cancelled", cancelled: true) }
            throw fail("\(error)")
        }
        let json = try? response.json()
        guard response.status == 200, let token = json?["access_token"]?.stringValue, !token.isEmpty else {
            // OAuth errors: {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            let code = json?["error"]?.stringValue
            let text = json?["error_description"]?.stringValue ?? code ?? "HTTP \(response.status)"
            throw fail(text, code: code)
        }
        var lifetime = 3600.0
        if case .number(let n)? = json?["expires_in"], let v = Double(n) { lifetime = v }
        return (token, lifetime)
    }
}
