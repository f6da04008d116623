import Foundation
import VitalsAuth
import VitalsCrypto
import VitalsStore

/// The OAuth 2.1 authorization server built into `vitals serve --http`: the
/// state its routes share. The routes are three route collections —
/// ``DiscoveryRoutes`` (RFC 8414, RFC 9728, `/.well-known/mcp.json`),
/// ``OAuthRoutes`` (dynamic registration per RFC 7591 and RFC 8252, Client
/// ID Metadata Documents, the authorization-code flow with PKCE S256 and a
/// consent page where the user pastes the agency's Private Integration
/// Token, `iss` on every authorization response per RFC 9207, the token
/// endpoint with rotating refresh tokens, revocation per RFC 7009) and
/// ``ConnectedAppsPage``. Codes and tokens live in the store, as hashes;
/// pending consent requests and page sign-ins live here, in memory, which
/// is why one instance outlives every router built on it.
final class AuthorizationServer: Sendable {
    let store: Store
    let urls: ServerURLs
    /// Codes and tokens (living `lifetimes`): the policy's rulings applied to the store.
    let grants: OAuthGrants
    /// Per client IP, behind ``ClientIPRateLimitMiddleware`` on the OAuth routes and the pages' form posts.
    let ipLimiter: RateLimiter<String>?
    let pending = PendingAuthorizations()
    let settingsSessions = SignInSessions<SettingsSession>(lifetime: 1800)
    /// Signs CSRF tokens (HMAC-SHA-256); new at every start, like the pending requests it protects.
    let csrfKey = Crypto.randomBytes(32)
    /// Client ID Metadata Documents of URL `client_id`s.
    let metadataDocuments: ClientMetadataFetcher

    static let consentLifetime: TimeInterval = 600

    init(store: Store, urls: ServerURLs, lifetimes: OAuthLifetimes, ipLimit: RateLimit?,
         metadataDocuments: ClientMetadataFetcher = .fromEnvironment()) {
        self.store = store
        self.urls = urls
        grants = OAuthGrants(store: store, lifetimes: lifetimes)
        ipLimiter = ipLimit.map { RateLimiter($0) }
        self.metadataDocuments = metadataDocuments
    }

    /// A CSRF token: HMAC of the browser's cookie nonce and what the form is for.
    func csrfToken(nonce: String, for purpose: String) -> String {
        Crypto.base64URL(Crypto.hmacSHA256(key: csrfKey, nonce + "|" + purpose))
    }

    func csrfValid(_ token: String?, nonce: String?, for purpose: String) -> Bool {
        guard let token, let nonce else { return false }
        return Crypto.constantTimeEqual(Array(token.utf8), Array(csrfToken(nonce: nonce, for: purpose).utf8))
    }

    /// Records a wrong token on a page, under the agency of the key id it named when that is known.
    func auditFailedLogin(token: String, client: String, error: CredentialError) {
        let agency = try? store.agencyKeyOfAPIKey(token)
        try? store.appendAudit([AuditEntry(agencyKey: agency.flatMap { $0 }, client: client, action: "oauth.failed_login",
                                           outcome: "refused: \(error.description)")])
    }
}
