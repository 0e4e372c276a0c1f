import Foundation

/// The nginx WebDAV server `make test` starts (scripts/nginx-cache-server.sh): its address
/// and the folder it stores PUT bodies in.
package struct NginxTestServer: Sendable {
    package var url: String
    package var store: String
    package var token: String

    package static var current: NginxTestServer {
        let env = ProcessInfo.processInfo.environment
        return NginxTestServer(
            url: env["VISIVO_TEST_NGINX_URL"] ?? "http://127.0.0.1:58080", store: env["VISIVO_TEST_NGINX_STORE"] ?? "/tmp/visivo-nginx-test/store",
            token: env["VISIVO_TEST_NGINX_TOKEN"] ?? "visivo-test-token")
    }

    package struct Unavailable: Error, CustomStringConvertible {
        package var url: String
        package var description: String {
            "the nginx cache test server is not reachable at \(url)\nRun `scripts/nginx-cache-server.sh start` first (and `scripts/nginx-cache-server.sh stop` afterwards)."
        }
    }

    /// Fails (never skips) when the server is not there.
    package func check() throws {
        guard let port = URL(string: url)?.port, let fd = Optional(socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)), fd >= 0 else {
            throw Unavailable(url: url)
        }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Unavailable(url: url) }
    }

    /// A fresh location on the server for one test: `<url>/cache/<name>-<uuid>`.
    package func freshLocation(_ name: String, under area: String = "cache") -> (url: String, folder: String) {
        let leaf = "\(name)-\(UUID().uuidString.prefix(8))"
        return ("\(url)/\(area)/\(leaf)", "\(store)/\(area)/\(leaf)")
    }
}

/// A TCP server on loopback that accepts connections and never answers: what a hung
/// cache server looks like from the client.
package final class SilentServer: @unchecked Sendable {
    // @unchecked: `accepted` is only touched with `lock` held.
    package let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var accepted: [Int32] = []
    private var stopped = false

    package init() throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 64) == 0 else { throw CocoaError(.fileWriteUnknown) }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            while true {
                let fd = accept(listener, nil, nil)
                if fd < 0 { return }
                let keep = lock.withLock {
                    if stopped { return false }
                    accepted.append(fd)
                    return true
                }
                if !keep { close(fd); return }
            }
        }
        thread.start()
    }

    package var url: String { "http://127.0.0.1:\(port)/cache" }

    package func stop() {
        let fds = lock.withLock {
            stopped = true
            return accepted
        }
        for fd in fds { close(fd) }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// A loopback port nothing listens on (bound, then closed): connecting is refused.
package func refusedPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    return UInt16(bigEndian: address.sin_port)
}
