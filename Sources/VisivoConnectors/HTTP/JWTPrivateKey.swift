import Crypto
import Foundation
import VisivoSupport
import _CryptoExtras

/// Reads the RSA private key a JWT is signed with, from PEM text:
/// - PKCS#8 `BEGIN PRIVATE KEY` and PKCS#1 `BEGIN RSA PRIVATE KEY`;
/// - encrypted PKCS#8 `BEGIN ENCRYPTED PRIVATE KEY` protected with PBES2: PBKDF2
///   (HMAC-SHA1/224/256/384/512) and AES-128/192/256-CBC, what `openssl pkcs8 -topk8 -v2 aes-256-cbc`
///   and `openssl genpkey -aes-256-cbc` write. Other schemes (`-v2 des3`, PKCS#12 PBE,
///   legacy `Proc-Type: 4,ENCRYPTED` PEM) are refused with an explanation.
enum JWTPrivateKey {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case notPEM
        case needsPassphrase
        case wrongPassphrase
        case unsupported(String)
        case invalid(String)
        /// Snowflake registers RSA public keys only (`RSA_PUBLIC_KEY`) and its drivers sign
        /// with RS256; Google's service-account keys are RSA too.
        case ellipticCurve

        var description: String {
            switch self {
            case .notPEM:
                return
                    "the private key file is not a PEM private key (expected '-----BEGIN PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----' or '-----BEGIN ENCRYPTED PRIVATE KEY-----')"
            case .needsPassphrase:
                return "the private key is encrypted: set 'private_key_passphrase'"
            case .wrongPassphrase:
                return "could not decrypt the private key: wrong 'private_key_passphrase'?"
            case .ellipticCurve:
                return "the private key is an EC key; key-pair authentication takes an RSA key of 2048 bits or more "
                    + "(`openssl genrsa 2048 | openssl pkcs8 -topk8 -nocrypt -out key.p8`)"
            case .unsupported(let what):
                return "the private key is encrypted with \(what), which visivo cannot decrypt; re-encrypt it with "
                    + "`openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.p8 -out new.p8` (or store it unencrypted in a protected file)"
            case .invalid(let why):
                return "the private key cannot be read: \(why)"
            }
        }
    }

    /// The key in `pem`; `passphrase` is needed for (and only used by) encrypted keys.
    static func load(pem: String, passphrase: String?) throws(Failure) -> _RSA.Signing.PrivateKey {
        if pem.contains("-----BEGIN EC PRIVATE KEY-----") { throw .ellipticCurve }
        if pem.contains("Proc-Type: 4,ENCRYPTED") {
            throw .unsupported("legacy PEM encryption (Proc-Type: 4,ENCRYPTED)")
        }
        if let der = body(of: pem, label: "ENCRYPTED PRIVATE KEY") {
            guard let passphrase, !passphrase.isEmpty else { throw .needsPassphrase }
            let plain = try decrypt(der, passphrase: passphrase)
            if isEC(plain) { throw .ellipticCurve }
            do {
                return try _RSA.Signing.PrivateKey(derRepresentation: plain)
            } catch {
                throw .wrongPassphrase
            }
        }
        guard pem.contains("-----BEGIN PRIVATE KEY-----") || pem.contains("-----BEGIN RSA PRIVATE KEY-----") else {
            throw .notPEM
        }
        if let der = body(of: pem, label: "PRIVATE KEY"), isEC(der) { throw .ellipticCurve }
        do {
            return try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw .invalid("not an RSA key of at least 2048 bits (\(error))")
        }
    }

    /// Whether a PKCS#8 key names the algorithm id-ecPublicKey (1.2.840.10045.2.1).
    static func isEC(_ der: [UInt8]) -> Bool {
        let oid: [UInt8] = [0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
        return der.count >= oid.count && (0...(der.count - oid.count)).contains { der[$0..<($0 + oid.count)].elementsEqual(oid) }
    }

    /// The DER bytes between `-----BEGIN <label>-----` and `-----END <label>-----`.
    static func body(of pem: String, label: String) -> [UInt8]? {
        guard let begin = pem.range(of: "-----BEGIN \(label)-----"),
            let end = pem.range(of: "-----END \(label)-----", range: begin.upperBound..<pem.endIndex)
        else { return nil }
        let base64 = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(base64)).map { [UInt8]($0) }
    }

    // MARK: - PBES2

    /// Object identifiers, as their DER content bytes.
    enum OID {
        static let pbes2: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D]
        static let pbkdf2: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0C]
        static let hmacSHA1: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x07]
        static let hmacSHA224: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x08]
        static let hmacSHA256: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x09]
        static let hmacSHA384: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x0A]
        static let hmacSHA512: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x0B]
        static let aes128CBC: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02]
        static let aes192CBC: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x16]
        static let aes256CBC: [UInt8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A]
        static let desEDE3CBC: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x03, 0x07]

        /// Dotted text, for messages.
        static func text(_ bytes: [UInt8]) -> String {
            guard let first = bytes.first else { return "" }
            var parts = [String(first / 40), String(first % 40)]
            var value = 0
            for b in bytes.dropFirst() {
                value = value << 7 | Int(b & 0x7F)
                if b & 0x80 == 0 {
                    parts.append(String(value))
                    value = 0
                }
            }
            return parts.joined(separator: ".")
        }
    }

    /// EncryptedPrivateKeyInfo (RFC 5958) with PBES2 (RFC 8018) -> the PKCS#8 DER inside.
    static func decrypt(_ der: [UInt8], passphrase: String) throws(Failure) -> [UInt8] {
        do {
            let info = try DER.sequence(DER.single(der[...]))
            guard info.count == 2, info[1].tag == DER.octetString else { throw DER.Malformed() }
            let algorithm = try DER.sequence(info[0])
            guard algorithm.count >= 1, algorithm[0].tag == DER.oid else { throw DER.Malformed() }
            let scheme = Array(algorithm[0].content)
            guard scheme == OID.pbes2 else {
                throw Failure.unsupported("the scheme \(OID.text(scheme)) (only PBES2 is supported)")
            }
            guard algorithm.count == 2 else { throw DER.Malformed() }
            let params = try DER.sequence(algorithm[1])
            guard params.count == 2 else { throw DER.Malformed() }

            // Key derivation: PBKDF2 { salt, iterationCount, keyLength?, prf? }.
            let kdf = try DER.sequence(params[0])
            guard kdf.count == 2, kdf[0].tag == DER.oid else { throw DER.Malformed() }
            guard Array(kdf[0].content) == OID.pbkdf2 else {
                throw Failure.unsupported("the key derivation \(OID.text(Array(kdf[0].content))) (only PBKDF2 is supported)")
            }
            let kdfParams = try DER.sequence(kdf[1])
            guard kdfParams.count >= 2, kdfParams[0].tag == DER.octetString, kdfParams[1].tag == DER.integer,
                let rounds = DER.integerValue(kdfParams[1].content), rounds > 0
            else { throw DER.Malformed() }
            let salt = Array(kdfParams[0].content)
            var hash = KDF.Insecure.PBKDF2.HashFunction.insecureSHA1
            for extra in kdfParams.dropFirst(2) where extra.tag == DER.sequenceTag {
                let prf = try DER.sequence(extra)
                guard let id = prf.first, id.tag == DER.oid else { throw DER.Malformed() }
                switch Array(id.content) {
                case OID.hmacSHA1: hash = .insecureSHA1
                case OID.hmacSHA224: hash = .insecureSHA224
                case OID.hmacSHA256: hash = .sha256
                case OID.hmacSHA384: hash = .sha384
                case OID.hmacSHA512: hash = .sha512
                default: throw Failure.unsupported("the PBKDF2 hash \(OID.text(Array(id.content)))")
                }
            }

            // Encryption: AES-CBC with its IV.
            let cipher = try DER.sequence(params[1])
            guard cipher.count == 2, cipher[0].tag == DER.oid else { throw DER.Malformed() }
            let keyBytes: Int
            switch Array(cipher[0].content) {
            case OID.aes128CBC: keyBytes = 16
            case OID.aes192CBC: keyBytes = 24
            case OID.aes256CBC: keyBytes = 32
            case OID.desEDE3CBC: throw Failure.unsupported("DES-EDE3-CBC (`openssl pkcs8 -v2 des3`)")
            case let other: throw Failure.unsupported("the cipher \(OID.text(other))")
            }
            guard cipher[1].tag == DER.octetString, cipher[1].content.count == 16 else { throw DER.Malformed() }

            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: Array(passphrase.utf8), salt: salt, using: hash, outputByteCount: keyBytes, unsafeUncheckedRounds: rounds)
            let iv = try AES._CBC.IV(ivBytes: Array(cipher[1].content))
            let plain: Data
            do {
                plain = try AES._CBC.decrypt(Array(info[1].content), using: key, iv: iv)
            } catch {
                throw Failure.wrongPassphrase
            }
            return [UInt8](plain)
        } catch let failure as Failure {
            throw failure
        } catch is DER.Malformed {
            throw .invalid("malformed encrypted key")
        } catch {
            throw .invalid("\(error)")
        }
    }
}

/// Just enough DER to walk an EncryptedPrivateKeyInfo.
enum DER {
    struct Malformed: Error {}
    struct Node {
        var tag: UInt8
        var content: ArraySlice<UInt8>
    }

    static let integer: UInt8 = 0x02
    static let octetString: UInt8 = 0x04
    static let oid: UInt8 = 0x06
    static let sequenceTag: UInt8 = 0x30

    /// The one element `bytes` holds.
    static func single(_ bytes: ArraySlice<UInt8>) throws -> Node {
        let (node, rest) = try read(bytes)
        guard rest.isEmpty else { throw Malformed() }
        return node
    }

    /// The elements of a SEQUENCE.
    static func sequence(_ node: Node) throws -> [Node] {
        guard node.tag == sequenceTag else { throw Malformed() }
        var items: [Node] = []
        var rest = node.content
        while !rest.isEmpty {
            let (item, after) = try read(rest)
            items.append(item)
            rest = after
        }
        return items
    }

    static func read(_ bytes: ArraySlice<UInt8>) throws -> (Node, ArraySlice<UInt8>) {
        var i = bytes.startIndex
        guard i < bytes.endIndex else { throw Malformed() }
        let tag = bytes[i]
        i += 1
        guard i < bytes.endIndex else { throw Malformed() }
        var length = Int(bytes[i])
        i += 1
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count >= 1, count <= 4, i + count <= bytes.endIndex else { throw Malformed() }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[i])
                i += 1
            }
        }
        guard length >= 0, i + length <= bytes.endIndex else { throw Malformed() }
        return (Node(tag: tag, content: bytes[i..<i + length]), bytes[(i + length)...])
    }

    /// A small non-negative INTEGER.
    static func integerValue(_ content: ArraySlice<UInt8>) -> Int? {
        guard !content.isEmpty, content.count <= 4, content.first! & 0x80 == 0 else { return nil }
        return content.reduce(0) { $0 << 8 | Int($1) }
    }
}
