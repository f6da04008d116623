import Foundation
import HTTPTypes
import Hummingbird

/// DNS-rebinding protection on every route (MCP `streamable-http.mdx`,
/// "Security"): the `Host` a request names must be one this server answers
/// to (its loopback names on the bound port, the `--public-url` host, the
/// hosts of `--allowed-origin`), and an `Origin`, when a browser sends one,
/// must be one of the allowed origins. Anything else is 403 before any
/// handler runs: a page on evil.example that resolves its name to
/// 127.0.0.1 reaches the socket but not the tools.
struct HostOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    let urls: ServerURLs
    let allowedOrigins: [String]
    /// The allowed hosts and origins, made once the port is known (it is 0 until the server listens).
    let cache = Cache()

    final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var port = -1
        private var sets: (hosts: Set<String>, origins: Set<String>) = ([], [])

        func sets(for port: Int, _ make: () -> (hosts: Set<String>, origins: Set<String>)) -> (hosts: Set<String>, origins: Set<String>) {
            lock.withLock {
                if port != self.port {
                    self.port = port
                    sets = make()
                }
                return sets
            }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let (allowed, origins) = cache.sets(for: urls.port) { (allowedHosts(), allowedOriginList()) }
        guard let host = request.head.authority?.lowercased(), allowed.contains(host) else {
            throw MCPHTTPError(status: .forbidden, message: "Host \(request.head.authority ?? "(none)") is not served here; this server answers to "
                + allowed.sorted().joined(separator: ", ") + " (start it with --public-url for another name)")
        }
        if let origin = request.headers[.origin] {
            guard origins.contains(origin.lowercased()) else {
                throw MCPHTTPError(status: .forbidden, message: "Origin \(origin) is not allowed; start the server with --allowed-origin \(origin) to allow it")
            }
        }
        return try await next(request, context)
    }

    /// `host:port` forms a request may name.
    func allowedHosts() -> Set<String> {
        let port = urls.port
        var hosts: Set<String> = ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
        for origin in allowedOrigins + [urls.issuer] {
            if let authority = Self.authority(of: origin) {
                hosts.insert(authority)
                // A default port may be left out of Host.
                if origin.hasPrefix("https://"), authority.hasSuffix(":443") { hosts.insert(String(authority.dropLast(4))) }
                if origin.hasPrefix("http://"), authority.hasSuffix(":80") { hosts.insert(String(authority.dropLast(3))) }
                if !authority.contains(":") || authority.hasSuffix("]") {
                    hosts.insert(authority + (origin.hasPrefix("https://") ? ":443" : ":80"))
                }
            }
        }
        return hosts
    }

    func allowedOriginList() -> Set<String> {
        let port = urls.port
        var origins: Set<String> = ["http://127.0.0.1:\(port)", "http://localhost:\(port)", "http://[::1]:\(port)", urls.issuer.lowercased()]
        for origin in allowedOrigins { origins.insert(origin.lowercased()) }
        return origins
    }

    /// `https://App.example.com:8443/x` → `app.example.com:8443`.
    static func authority(of origin: String) -> String? {
        guard let schemeEnd = origin.range(of: "://") else { return nil }
        let rest = origin[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        return authority.isEmpty ? nil : authority.lowercased()
    }
}
