import Crypto
import Foundation
import VisivoSupport
import _CryptoExtras

/// RS256-signed JSON Web Tokens (RFC 7519), as Snowflake key-pair logins and Google
/// service-account token requests use them.
enum JWT {
    /// `base64url(header).base64url(claims).base64url(RSASSA-PKCS1-v1_5 SHA-256 signature)`.
    static func rs256(header: JSONValue, claims: JSONValue, key: _RSA.Signing.PrivateKey) throws -> String {
        let signingInput = base64URL(Data(header.serialized.utf8)) + "." + base64URL(Data(claims.serialized.utf8))
        let digest = SHA256.hash(data: Data(signingInput.utf8))
        let signature = try key.signature(for: digest, padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    /// The standard header of an RS256 token, with a key id when there is one.
    static func header(keyID: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("alg", .string("RS256")), ("typ", .string("JWT"))]
        if let keyID { members.append(("kid", .string(keyID))) }
        return .object(members)
    }

    /// Base64 with `-` and `_`, without padding (RFC 7515 §2).
    static func base64URL(_ data: Data) -> String {
        var s = data.base64EncodedString()
        s = s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while s.hasSuffix("=") { s.removeLast() }
        return s
    }

    /// `SHA256:` + base64 of the SHA-256 of the DER (SubjectPublicKeyInfo) public key:
    /// the fingerprint Snowflake shows as `RSA_PUBLIC_KEY_FP`.
    static func publicKeyFingerprint(_ key: _RSA.Signing.PrivateKey) -> String {
        "SHA256:" + Data(SHA256.hash(data: key.publicKey.derRepresentation)).base64EncodedString()
    }

    /// Seconds since 1970 as a JSON integer.
    static func seconds(_ date: Date) -> JSONValue { .int(Int64(date.timeIntervalSince1970.rounded(.down))) }
}
