import Foundation
import Testing
import VisivoConnectors
import VisivoLoading
import VisivoProject
import VisivoQuery

/// A throwaway database server the tests use, started by its script (see `make test`).
package protocol TestServerKind {
    static var name: String { get }
    /// `VISIVO_TEST_<X>`: the tests read `<prefix>_HOST`, `_PORT`, `_USER`, `_PASSWORD`, `_DB`.
    static var variablePrefix: String { get }
    static var defaultPort: Int { get }
    static var script: String { get }
}

package enum PostgreSQLTestServer: TestServerKind {
    package static let name = "PostgreSQL"
    package static let variablePrefix = "VISIVO_TEST_PG"
    package static let defaultPort = 55432
    package static let script = "scripts/pg-test-server.sh"
}

package enum MariaDBTestServer: TestServerKind {
    package static let name = "MariaDB"
    package static let variablePrefix = "VISIVO_TEST_MYSQL"
    package static let defaultPort = 53306
    package static let script = "scripts/mariadb-test-server.sh"
}

/// Where a test server listens and how to log in: from the environment, else the
/// defaults its script uses.
package struct TestServerSettings<Kind: TestServerKind> {
    package var host: String
    package var port: Int
    package var user: String
    package var password: String
    package var database: String

    package static var current: TestServerSettings {
        let env = ProcessInfo.processInfo.environment
        func value(_ suffix: String, _ fallback: String) -> String {
            if let v = env[Kind.variablePrefix + suffix], !v.isEmpty { return v }
            return fallback
        }
        return TestServerSettings(
            host: value("_HOST", "127.0.0.1"),
            port: Int(value("_PORT", String(Kind.defaultPort))) ?? Kind.defaultPort,
            user: value("_USER", "visivo"),
            password: value("_PASSWORD", "visivo-test-pw"),
            database: value("_DB", "visivo_test"))
    }
}

/// A failed first connection, as a "start the server" error: tests fail, never skip.
package struct TestServerUnavailable<Kind: TestServerKind>: Error, CustomStringConvertible {
    package var settings: TestServerSettings<Kind>
    package var underlying: ConnectorError
    package init(settings: TestServerSettings<Kind>, underlying: ConnectorError) {
        self.settings = settings
        self.underlying = underlying
    }
    package var description: String {
        "\(Kind.name) test server not reachable at \(settings.host):\(settings.port) "
            + "(db \(settings.database), user \(settings.user)): \(underlying)\n"
            + "Run `\(Kind.script) start` first (and `\(Kind.script) stop` afterwards)."
    }
}
