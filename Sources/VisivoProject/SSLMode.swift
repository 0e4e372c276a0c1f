extension Source {
    /// A MySQL / MariaDB source's `sslmode`: whether TLS is used and what it verifies.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require, verifyCA = "verify-ca", verifyFull = "verify-full"

        /// Accepts PostgreSQL's spellings and MySQL's (`REQUIRED`, `VERIFY_IDENTITY`, ...).
        public init?(setting: String) {
            switch setting.lowercased().replacingOccurrences(of: "_", with: "-") {
            case "disable", "disabled": self = .disable
            case "prefer", "preferred": self = .prefer
            case "require", "required": self = .require
            case "verify-ca": self = .verifyCA
            case "verify-full", "verify-identity": self = .verifyFull
            default: return nil
            }
        }
    }
}
