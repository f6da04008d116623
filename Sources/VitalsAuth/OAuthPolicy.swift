import Foundation
import VitalsCrypto
import VitalsStore

/// How long codes and tokens live.
public struct OAuthLifetimes: Sendable, Equatable {
    public var code: Int64 = 60
    public var accessToken: Int64 = 3600
    public var refreshToken: Int64 = 30 * 86_400

    public init() {}
}

/// What the token endpoint returns.
public struct OAuthTokens: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String
    public var expiresIn: Int64
    public var scopes: [Scope]
    public var grantID: String
}

/// The authorization server's rules, apart from where their state is kept:
/// scope lists, identifiers and secrets (and their digests), PKCE, and the
/// rulings on a code, a refresh token, a revocation or a bearer token, each
/// given the row the store found and returning what the store is to write.
/// The store (`Store+OAuth.swift`) applies a ruling in the transaction that
/// read the row, so a code is spent and a reuse revokes its grant exactly once.
public enum OAuthPolicy {
    // MARK: - Scopes

    /// `read:accounts write:metadata` (RFC 6749 §3.3, space-delimited; commas
    /// are accepted too) → scopes; an unknown name is `invalid_scope`.
    public static func scopes(_ text: String) throws(OAuthError) -> [Scope] {
        do {
            return try Scope.parseList(text)
        } catch {
            throw OAuthError("invalid_scope", error.description)
        }
    }

    // MARK: - Identifiers and secrets

    /// A new client id: `vc_` and 96 random bits in hex.
    public static func newClientID() -> String { "vc_" + Crypto.hex(Crypto.randomBytes(12)) }

    public static func newGrantID() -> String { Crypto.hex(Crypto.randomBytes(10)) }

    /// A new authorization code — 256 random bits (RFC 6749 §10.10) — and the digest the store keeps.
    public static func newCode() -> (code: String, hash: [UInt8]) {
        let code = Crypto.base64URL(Crypto.randomBytes(32))
        return (code, digest(code))
    }

    /// A new token `vat_<id>_<secret>` or `vrt_<id>_<secret>` (80-bit id to
    /// look it up by, 256-bit secret) and the record the store keeps.
    public static func newToken(_ kind: OAuthTokenKind, scopes: [Scope], expiresAt: Int64) -> (token: String, record: NewOAuthToken) {
        let tokenID = Crypto.hex(Crypto.randomBytes(10))
        let token = "\(prefix(kind))_\(tokenID)_\(Crypto.base64URL(Crypto.randomBytes(32)))"
        return (token, NewOAuthToken(tokenID: tokenID, kind: kind, hash: digest(token), scopes: scopes, expiresAt: expiresAt))
    }

    public static func prefix(_ kind: OAuthTokenKind) -> String { kind == .access ? "vat" : "vrt" }

    /// The id of a well-formed token of `kind`, or nil.
    public static func tokenID(_ token: String, kind: OAuthTokenKind) -> String? {
        let parts = token.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == prefix(kind), parts[1].count == 20 else { return nil }
        return String(parts[1])
    }

    /// What the store keeps of a code or token: its SHA-256.
    public static func digest(_ secret: String) -> [UInt8] { Crypto.sha256(secret) }

    /// Whether a presented token is the stored one (digests compared in constant time).
    public static func matches(_ presented: String, _ stored: StoredOAuthToken) -> Bool {
        Crypto.constantTimeEqual(stored.hash, digest(presented))
    }

    // MARK: - PKCE

    /// RFC 7636 §4.6: BASE64URL(SHA256(verifier)) equals the challenge (S256
    /// only; compared in constant time).
    public static func verifierMatches(_ verifier: String, challenge: String) -> Bool {
        Crypto.constantTimeEqual(Array(Crypto.pkceS256(verifier).utf8), Array(challenge.utf8))
    }

    // MARK: - Rulings

    /// A grant refused with `message` (RFC 6749 §5.2 `code`), after `changes` are written.
    private static func refuse(_ message: String, _ changes: OAuthChanges = OAuthChanges(), code: String = "invalid_grant")
        -> (OAuthChanges, Result<OAuthTokens, OAuthError>) { (changes, .failure(OAuthError(code, message))) }

    /// The authorization-code grant (RFC 6749 §4.1.3, OAuth 2.1 §4.1.3): the
    /// code must be known, the client's, unused — a code presented twice
    /// revokes every token issued from it (RFC 6749 §4.1.2) — unexpired, for
    /// the same redirect URI and resource, and the verifier must match its
    /// challenge. A code is spent by any exchange that gets that far.
    public static func exchange(_ code: StoredAuthorizationCode?, clientID: String, redirectURI: String, verifier: String, resource: String?,
                         lifetimes: OAuthLifetimes, now: Int64) -> (OAuthChanges, Result<OAuthTokens, OAuthError>) {
        guard let code else { return refuse("unknown authorization code") }
        guard code.clientID == clientID else { return refuse("the code was issued to another client") }
        if code.usedAt != nil {
            let audit = AuditEntry(atMilliseconds: now * 1000, agencyKey: code.agencyKey, client: clientID, action: "oauth.code_reuse",
                                   outcome: "refused: code presented twice; grant \(code.grantID) revoked")
            return refuse("the authorization code was already used; every token issued from it is revoked",
                          OAuthChanges(revokeGrant: "authorization code reused", audit: [audit]))
        }
        var changes = OAuthChanges(spendCode: true)
        if code.grantRevokedAt != nil { return refuse("the grant was revoked", changes) }
        if code.expiresAt <= now { return refuse("the authorization code has expired; authorize again", changes) }
        guard code.redirectURI == redirectURI else {
            return refuse("redirect_uri differs from the one of the authorization request", changes)
        }
        guard verifierMatches(verifier, challenge: code.codeChallenge) else {
            return refuse("code_verifier does not match the code_challenge (PKCE S256)", changes)
        }
        if let resource, resource != code.resource {
            return refuse("resource \(resource) differs from the authorized resource \(code.resource)", changes, code: "invalid_target")
        }
        let (tokens, records) = issue(grantID: code.grantID, scopes: code.scopes, lifetimes: lifetimes, now: now)
        changes.newTokens = records
        changes.audit = [AuditEntry(atMilliseconds: now * 1000, agencyKey: code.agencyKey, client: clientID, action: "oauth.token",
                                    outcome: "ok: \(scopeText(code.scopes))")]
        return (changes, .success(tokens))
    }

    /// The refresh-token grant with rotation (OAuth 2.1 §4.3.1, §6.1): the
    /// presented token is spent and a new pair issued; a spent one presented
    /// again means it leaked, and the whole grant is revoked. `requested`
    /// may narrow the scopes, never widen them (RFC 6749 §6).
    public static func refresh(_ token: StoredOAuthToken?, presented: String, clientID: String, requested: [Scope]?, resource: String?,
                        lifetimes: OAuthLifetimes, now: Int64) -> (OAuthChanges, Result<OAuthTokens, OAuthError>) {
        guard let token, matches(presented, token) else { return refuse("unknown refresh token") }
        guard token.clientID == clientID else { return refuse("the refresh token was issued to another client") }
        if token.usedAt != nil {
            let audit = AuditEntry(atMilliseconds: now * 1000, agencyKey: token.agencyKey, client: clientID, action: "oauth.refresh_reuse",
                                   outcome: "refused: spent refresh token presented again; grant \(token.grantID) revoked")
            return refuse("the refresh token was already used; every token of this grant is revoked",
                          OAuthChanges(revokeGrant: "refresh token reused", audit: [audit]))
        }
        if let why = whyNotInForce(token) { return refuse(why) }
        if token.expiresAt <= now { return refuse("the refresh token has expired; authorize again") }
        if let resource, resource != token.resource {
            return refuse("resource \(resource) differs from the authorized resource \(token.resource)", code: "invalid_target")
        }
        if let requested, let extra = requested.first(where: { !token.scopes.contains($0) }) {
            return refuse("\(extra.rawValue) was not granted; a refresh can only narrow the scopes", code: "invalid_scope")
        }
        let scopes = requested ?? token.scopes
        let (tokens, records) = issue(grantID: token.grantID, scopes: scopes, lifetimes: lifetimes, now: now)
        let audit = AuditEntry(atMilliseconds: now * 1000, agencyKey: token.agencyKey, client: clientID, action: "oauth.refresh",
                               outcome: "ok: \(scopeText(scopes))")
        return (OAuthChanges(spendToken: true, newTokens: records, audit: [audit]), .success(tokens))
    }

    /// Token revocation (RFC 7009 §2.1): a refresh token revokes its whole
    /// grant, an access token only itself. Unknown tokens, and tokens of
    /// another client, change nothing (the endpoint answers 200 either way).
    /// The outcome says whether anything was revoked.
    public static func revocation(_ token: StoredOAuthToken?, presented: String, clientID: String?, now: Int64) -> (OAuthChanges, Bool) {
        guard let token, matches(presented, token) else { return (OAuthChanges(), false) }
        if let clientID, clientID != token.clientID { return (OAuthChanges(), false) }
        let refresh = token.kind == .refresh
        let audit = AuditEntry(atMilliseconds: now * 1000, agencyKey: token.agencyKey, client: token.clientID, action: "oauth.revoke",
                               outcome: refresh ? "ok: grant \(token.grantID) revoked" : "ok: access token revoked")
        let changes = refresh ? OAuthChanges(revokeGrant: "refresh token revoked by the client", audit: [audit])
            : OAuthChanges(revokeToken: true, audit: [audit])
        return (changes, true)
    }

    /// A bearer token on the MCP endpoint (RFC 6750; MCP `basic/authorization`
    /// "token audience validation"): known, digest equal, in force (nor its
    /// grant, nor the API key that approved it, revoked), not expired, and
    /// issued for this resource (RFC 8707).
    public static func access(_ token: StoredOAuthToken?, presented: String, resource: String, now: Int64) -> Result<Credential, CredentialError> {
        guard let token, matches(presented, token) else { return .failure(.invalidAccessToken) }
        if whyNotInForce(token) != nil { return .failure(.accessTokenRevoked) }
        if token.expiresAt <= now { return .failure(.accessTokenExpired) }
        guard token.resource == resource else { return .failure(.accessTokenForAnotherResource(token.resource)) }
        return .success(Credential(keyID: "grant:" + token.grantID, agencyKey: token.agencyKey, agencyID: token.agencyID,
                                   scopes: Set(token.scopes), client: token.clientID))
    }

    /// Why a token no longer counts, or nil.
    public static func whyNotInForce(_ token: StoredOAuthToken) -> String? {
        if token.grantRevokedAt != nil { return "the grant was revoked" }
        if token.approvingKeyRevokedAt != nil { return "the API key that approved this grant was revoked" }
        if token.revokedAt != nil { return "the token was revoked" }
        return nil
    }

    /// A new access and refresh token for a grant.
    public static func issue(grantID: String, scopes: [Scope], lifetimes: OAuthLifetimes, now: Int64) -> (OAuthTokens, [NewOAuthToken]) {
        let access = newToken(.access, scopes: scopes, expiresAt: now + lifetimes.accessToken)
        let refresh = newToken(.refresh, scopes: scopes, expiresAt: now + lifetimes.refreshToken)
        return (OAuthTokens(accessToken: access.token, refreshToken: refresh.token, expiresIn: lifetimes.accessToken, scopes: scopes.sorted(),
                            grantID: grantID), [access.record, refresh.record])
    }

    /// A scope list as the audit log and the token response spell it: sorted, space-separated.
    public static func scopeText(_ scopes: [Scope]) -> String { scopes.sorted().map(\.rawValue).joined(separator: " ") }
}
