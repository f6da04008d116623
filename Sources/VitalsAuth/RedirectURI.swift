import Foundation
import VitalsStore

/// A redirect URI as the authorization server accepts it, by kind:
///
/// - `https` on any host (web apps, and claimed https URLs of native apps,
///   RFC 8252 §7.2);
/// - `http` on a loopback host (RFC 8252 §7.3), for apps that listen on
///   this computer; matched in any port (§7.3);
/// - a private-use scheme (RFC 8252 §7.1), for native apps only: the
///   browser hands the answer to whatever app the device registered for
///   that scheme. The scheme must be a reverse domain name
///   (`com.example.app:/callback`), or one of ``knownAppSchemes``.
///
/// Never `javascript:`, `data:`, `file:` and the like, never a fragment
/// (RFC 6749 §3.1.2), never plain http on a remote host.
public struct RedirectURI: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An https URL: the answer goes to that website.
        case https
        /// http on 127.0.0.0/8, [::1] or localhost: the answer goes to a program on this computer.
        case loopback
        /// A private-use scheme: the answer goes to the app registered for it on this device.
        case privateUse
    }

    /// The URI as registered or requested, unchanged.
    public let text: String
    public let kind: Kind
    /// Lowercased.
    public let scheme: String
    /// The host (for a private-use URI, its authority when it has one), lowercased.
    public let host: String?
    public let port: Int?
    public let path: String
    public let query: String?

    /// Private-use schemes accepted although they are not reverse domain
    /// names (RFC 8252 §7.1 asks apps for one): those of real MCP clients
    /// that predate the rule. Cursor registers
    /// `cursor://anysphere.cursor-mcp/oauth/callback`.
    public static let knownAppSchemes: Set<String> = ["cursor"]

    /// Schemes that run code or read local data in the browser: never a redirect target.
    public static let forbiddenSchemes: Set<String> = ["javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "view-source"]

    /// Parses `text` and checks it for a client of `type`.
    /// - Throws: `invalid_redirect_uri` (RFC 7591 §3.2.2) naming what is wrong.
    public init(_ text: String, for type: OAuthApplicationType) throws(OAuthError) {
        func refuse(_ why: String) -> OAuthError { OAuthError("invalid_redirect_uri", "\(text): \(why)") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), !scheme.isEmpty else {
            throw refuse("not an absolute URI (it needs a scheme, such as https://app.example.com/callback)")
        }
        if Self.forbiddenSchemes.contains(scheme) {
            throw refuse("\(scheme): URIs run code or read local data in the browser; they are never redirect URIs")
        }
        if components.fragment != nil { throw refuse("a redirect URI must not have a fragment (RFC 6749 §3.1.2)") }
        if components.user != nil || components.password != nil { throw refuse("a redirect URI must not carry a user name or password") }
        let host = components.host.map { $0.lowercased() }
        self.text = text
        self.scheme = scheme
        self.host = host
        port = components.port
        path = components.percentEncodedPath
        query = components.percentEncodedQuery
        switch scheme {
        case "https":
            guard let host, !host.isEmpty else { throw refuse("not an absolute URL (no host)") }
            kind = .https
        case "http":
            guard let host, !host.isEmpty else { throw refuse("not an absolute URL (no host)") }
            guard Self.isLoopback(host) else {
                throw refuse("http is allowed only on a loopback host (127.0.0.1, [::1], localhost); use https")
            }
            kind = .loopback
        default:
            guard type == .native else {
                throw refuse("a private-use scheme such as \(scheme): is for native apps only; register with \"application_type\": \"native\" "
                    + "(RFC 8252 §7.1), or use https")
            }
            guard scheme.contains(".") || Self.knownAppSchemes.contains(scheme) else {
                throw refuse("the scheme \(scheme) is not a reverse domain name the app controls, such as com.example.app (RFC 8252 §7.1)")
            }
            guard !(path.isEmpty && (host ?? "").isEmpty) else { throw refuse("nothing follows the scheme; add a path, such as \(scheme):/callback") }
            kind = .privateUse
        }
    }

    /// `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (not a name that merely starts with `127.`).
    public static func isLoopback(_ host: String) -> Bool {
        if ["localhost", "::1", "[::1]"].contains(host.lowercased()) { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// The redirect URI of an authorization request when this registered
    /// one allows it: the very same string, or, for a loopback URI, the same
    /// one in another port — "the authorization server MUST allow any port
    /// to be specified at the time of the request for loopback IP redirect
    /// URIs" (RFC 8252 §7.3). Nil when it does not match.
    public func match(_ requested: String) -> RedirectURI? {
        guard let candidate = try? RedirectURI(requested, for: .native) else { return nil }
        if requested == text { return candidate }
        guard kind == .loopback, candidate.kind == .loopback, candidate.host == host, candidate.path == path,
              candidate.query == query else { return nil }
        return candidate
    }

    /// What the consent page names as the destination: the host (and port
    /// on loopback) for URLs, the whole URI for a private-use scheme.
    public var destination: String {
        switch kind {
        case .https: host ?? text
        case .loopback: (host.map { $0.contains(":") && !$0.hasPrefix("[") ? "[\($0)]" : $0 } ?? "") + (port.map { ":\($0)" } ?? "")
        case .privateUse: text
        }
    }

    /// A CSP source that lets the consent form's answer reach this URI
    /// (browsers check `form-action` on the redirect that follows the post).
    public var formActionSource: String {
        switch kind {
        case .privateUse: return scheme + ":"
        case .https, .loopback:
            // CSP host sources cannot name an IPv6 literal: the scheme alone then.
            guard let host, !host.contains(":") else { return scheme + ":" }
            return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
        }
    }
}
