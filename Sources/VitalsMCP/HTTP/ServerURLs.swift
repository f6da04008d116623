import Foundation

/// Where the server is reached: the port it is bound to, and from it (or
/// from `--public-url`) the issuer, the MCP resource and the metadata addresses.
final class ServerURLs: @unchecked Sendable {
    private let lock = NSLock()
    private var boundPort: Int
    private let host: String
    private let publicBase: String?
    let endpoint: String

    init(publicURL: String?, host: String, port: Int, endpoint: String) {
        publicBase = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.host = host
        boundPort = port
        self.endpoint = endpoint
    }

    /// Called once the server listens (the port differs from the configured one when that was 0).
    func bound(port: Int) { lock.withLock { boundPort = port } }

    /// The port the server listens on.
    var port: Int { lock.withLock { boundPort } }

    /// The authorization server's issuer identifier (no trailing slash).
    var issuer: String {
        if let publicBase { return publicBase }
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(name):\(port)"
    }

    /// The MCP endpoint: the audience of every access token.
    var resource: String { issuer + endpoint }
    var protectedResourceMetadata: String { issuer + "/.well-known/oauth-protected-resource" + endpoint }
    var isHTTPS: Bool { issuer.hasPrefix("https://") }
}
