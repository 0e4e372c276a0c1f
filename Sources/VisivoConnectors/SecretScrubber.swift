/// Takes secrets (passwords, passphrases, tokens) out of a message before it is shown.
///
/// A secret of 8 characters or more is replaced wherever it appears. A shorter one is
/// replaced only where it stands as a value of its own, with no letter or digit right
/// before or after it: where a server echoes a credential or a connection string. A one-letter password must not turn
/// `snowflakecomputing.com` into `snowflakecom**********uting.com`.
public enum SecretScrubber {
    static let mask = "**********"
    static let longEnough = 8

    public static func scrub(_ text: String, secrets: [String]) -> String {
        var s = text
        for secret in secrets where !secret.isEmpty && s.contains(secret) {
            s = secret.count >= longEnough ? s.replacingOccurrences(of: secret, with: mask) : replaceStandalone(secret, in: s)
        }
        return s
    }

    static func isDelimiter(_ c: Character) -> Bool {
        !c.isLetter && !c.isNumber
    }

    static func replaceStandalone(_ secret: String, in text: String) -> String {
        var out = ""
        var rest = Substring(text)
        var previous: Character? = nil
        while let r = rest.range(of: secret) {
            let before = rest[..<r.lowerBound]
            let left = before.last ?? previous
            let right = rest[r.upperBound...].first
            out += before
            if left.map(isDelimiter) ?? true, right.map(isDelimiter) ?? true {
                out += mask
            } else {
                out += rest[r]
            }
            previous = rest[r].last
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
