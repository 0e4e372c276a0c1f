import Foundation
import Testing
import VisivoTestSupport

@testable import VisivoConnectors
@testable import VisivoSupport

/// RS256 signing and private-key reading, checked against the openssl CLI.
@Suite struct JWTTests {
    static func decodeSegment(_ s: Substring) throws -> JSONValue {
        var b64 = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return try JSONParser.parse([UInt8](Data(base64Encoded: b64)!))
    }

    /// True when openssl verifies `token`'s RS256 signature with the public key at `publicPath`.
    static func opensslVerifies(_ token: String, publicPath: String) throws -> Bool {
        let parts = token.split(separator: ".")
        var sig = String(parts[2]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while sig.count % 4 != 0 { sig += "=" }
        let dir = TestKeys.directory + "/verify-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data((parts[0] + "." + parts[1]).utf8).write(to: URL(fileURLWithPath: dir + "/input"))
        try Data(base64Encoded: sig)!.write(to: URL(fileURLWithPath: dir + "/sig"))
        let out = try? runTool(["openssl", "dgst", "-sha256", "-verify", publicPath, "-signature", dir + "/sig", dir + "/input"])
        return out?.contains("Verified OK") == true
    }

    @Test func rs256VerifiesWithOpenSSL() throws {
        let pair = try TestKeys.pair("jwt")
        let key = try JWTPrivateKey.load(pem: pair.privatePEM, passphrase: nil)
        let token = try JWT.rs256(
            header: JWT.header(keyID: "kid-1"),
            claims: .object([("sub", .string("x")), ("n", .int(1))]), key: key)
        #expect(try Self.opensslVerifies(token, publicPath: pair.publicPath))
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        #expect(try Self.decodeSegment(parts[0]) == .object([("alg", .string("RS256")), ("typ", .string("JWT")), ("kid", .string("kid-1"))]))
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        // Another key's public half does not verify it.
        #expect(try !Self.opensslVerifies(token, publicPath: try TestKeys.pair("jwt-other").publicPath))
    }

    @Test func snowflakeLoginTokenClaims() throws {
        let pair = try TestKeys.pair("jwt")
        let key = try JWTPrivateKey.load(pem: pair.privatePEM, passphrase: nil)
        let fingerprint = try runTool(["sh", "-c", "openssl pkey -pubin -in '\(pair.publicPath)' -outform DER | openssl dgst -sha256 -binary | base64"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(JWT.publicKeyFingerprint(key) == "SHA256:" + fingerprint)

        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let token = try SnowflakeSettings.loginJWT(account: "myorg-acct", user: "jane.doe", key: key, now: now)
        let claims = try Self.decodeSegment(token.split(separator: ".")[1])
        #expect(
            claims
                == .object([
                    ("iss", .string("MYORG-ACCT.JANE.DOE.SHA256:" + fingerprint)), ("sub", .string("MYORG-ACCT.JANE.DOE")),
                    ("iat", .int(1_700_000_000)), ("exp", .int(1_700_003_600)),
                ]))
        #expect(try Self.opensslVerifies(token, publicPath: pair.publicPath))
    }

    @Test func pkcs1AndEncryptedPKCS8KeysLoad() throws {
        let pair = try TestKeys.pair("jwt")
        let plain = try JWTPrivateKey.load(pem: pair.privatePEM, passphrase: nil)
        let claims: JSONValue = .object([("a", .int(1))])
        let reference = try JWT.rs256(header: JWT.header(), claims: claims, key: plain)

        let pkcs1Path = TestKeys.directory + "/jwt-pkcs1.pem"
        try runTool(["openssl", "pkey", "-in", pair.privatePath, "-traditional", "-out", pkcs1Path])
        let pkcs1 = try String(contentsOfFile: pkcs1Path, encoding: .utf8)
        #expect(pkcs1.contains("BEGIN RSA PRIVATE KEY"))
        // PKCS#1 v1.5 signatures are deterministic: the same key signs the same bytes the same way.
        #expect(try JWT.rs256(header: JWT.header(), claims: claims, key: JWTPrivateKey.load(pem: pkcs1, passphrase: nil)) == reference)

        for (cipher, prf) in [("aes-256-cbc", nil), ("aes-128-cbc", "hmacWithSHA1"), ("aes-192-cbc", "hmacWithSHA512")] as [(String, String?)] {
            let path = TestKeys.directory + "/jwt-\(cipher).p8"
            var args = ["openssl", "pkcs8", "-topk8", "-v2", cipher, "-in", pair.privatePath, "-out", path, "-passout", "pass:s3cret phrase"]
            if let prf { args += ["-v2prf", prf] }
            try runTool(args)
            let pem = try String(contentsOfFile: path, encoding: .utf8)
            #expect(pem.contains("BEGIN ENCRYPTED PRIVATE KEY"))
            let key = try JWTPrivateKey.load(pem: pem, passphrase: "s3cret phrase")
            #expect(try JWT.rs256(header: JWT.header(), claims: claims, key: key) == reference, "\(cipher)")
            #expect(throws: JWTPrivateKey.Failure.wrongPassphrase) { _ = try JWTPrivateKey.load(pem: pem, passphrase: "wrong") }
            #expect(throws: JWTPrivateKey.Failure.needsPassphrase) { _ = try JWTPrivateKey.load(pem: pem, passphrase: nil) }
        }
    }

    @Test func unsupportedEncryptionIsExplained() throws {
        let pair = try TestKeys.pair("jwt")
        let path = try TestKeys.encrypted(pair, passphrase: "pw", cipher: "des3", name: "jwt-des3")
        let pem = try String(contentsOfFile: path, encoding: .utf8)
        let error = #expect(throws: JWTPrivateKey.Failure.self) { _ = try JWTPrivateKey.load(pem: pem, passphrase: "pw") }
        #expect(error == .unsupported("DES-EDE3-CBC (`openssl pkcs8 -v2 des3`)"))
        #expect(error?.description.contains("openssl pkcs8 -topk8 -v2 aes-256-cbc") == true)

        #expect(throws: JWTPrivateKey.Failure.notPEM) { _ = try JWTPrivateKey.load(pem: "hello", passphrase: nil) }
        #expect(throws: JWTPrivateKey.Failure.self) {
            _ = try JWTPrivateKey.load(pem: "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n-----END RSA PRIVATE KEY-----", passphrase: "x")
        }
    }

    /// An EC key is named for what it is, in each of its PEM forms.
    @Test func ellipticCurveKeysAreRefusedClearly() throws {
        try withTemporaryDirectory { dir in
            let sec1 = try runTool(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout"])
            try sec1.write(toFile: dir + "/ec.pem", atomically: true, encoding: .utf8)
            let pkcs8 = try runTool(["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", dir + "/ec.pem"])
            let encrypted = try runTool(["openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:pw", "-in", dir + "/ec.pem"])
            for (pem, passphrase) in [(sec1, nil), (pkcs8, nil), (encrypted, "pw")] {
                #expect(throws: JWTPrivateKey.Failure.ellipticCurve) { _ = try JWTPrivateKey.load(pem: pem, passphrase: passphrase) }
            }
            #expect("\(JWTPrivateKey.Failure.ellipticCurve)".contains("takes an RSA key of 2048 bits or more"))
        }
    }

    @Test func base64URLAndOIDText() {
        #expect(JWT.base64URL(Data([0xFB, 0xFF, 0xBF])) == "-_-_")
        #expect(JWT.base64URL(Data("a".utf8)) == "YQ")
        #expect(JWTPrivateKey.OID.text(JWTPrivateKey.OID.pbes2) == "1.2.840.113549.1.5.13")
    }

    @Test func epochTimeConversions() {
        typealias E = EpochTime
        #expect(E.parseSeconds("1.7043E9") == E.Instant(seconds: 1_704_300_000, nanos: 0))
        #expect(E.parseSeconds("1.70426970025E9") == E.Instant(seconds: 1_704_269_700, nanos: 250_000_000))
        #expect(E.parseSeconds("-1.5") == E.Instant(seconds: -2, nanos: 500_000_000))
        #expect(E.parseSeconds("1e-3") == E.Instant(seconds: 0, nanos: 1_000_000))
        #expect(E.parseSeconds("abc") == nil)
        #expect(E.timestamp(E.instant(microseconds: -1)) == "1969-12-31T23:59:59.999999")
        #expect(E.timestamp(E.instant(microseconds: 253_402_300_799_000_000)) == "9999-12-31T23:59:59")
        #expect(E.date(days: 0) == "1970-01-01")
        #expect(E.date(days: 11_016) == "2000-02-29")
        #expect(E.normalizeLocal("2024-01-03 08:15:00.250000") == "2024-01-03T08:15:00.25")
        #expect(E.normalizeLocal("2024-01-03T08:15:00.000000") == "2024-01-03T08:15:00")
        #expect(E.normalizeLocal("08:15:00") == "08:15:00")
    }
}
