import Foundation
import VitalsStore

/// The life of a grant — consent, code exchange, refresh, revocation, a
/// bearer token checked — as ``OAuthPolicy`` rules and the store records:
/// each step reads its row, asks the policy, and writes the ruling in one
/// transaction.
public struct OAuthGrants: Sendable {
    public let store: Store
    public let lifetimes: OAuthLifetimes

    public init(store: Store, lifetimes: OAuthLifetimes) {
        self.store = store
        self.lifetimes = lifetimes
    }

    /// Consent was given with `credential` (a verified API key): records a
    /// grant of `scopes` to the client for `resource` and returns its
    /// single-use authorization code (it lives `lifetimes.code` seconds).
    public func issueCode(clientID: String, credential: Credential, scopes: [Scope], resource: String, redirectURI: String, codeChallenge: String,
                   now: Int64 = Int64(Date().timeIntervalSince1970)) throws(StoreError) -> String {
        let (code, hash) = OAuthPolicy.newCode()
        let grant = OAuthGrantRecord(grantID: OAuthPolicy.newGrantID(), clientID: clientID, agencyKey: credential.agencyKey,
                                     approvedByKey: credential.keyID, scopes: scopes, resource: resource, createdAt: now)
        let audit = AuditEntry(atMilliseconds: now * 1000, agencyKey: credential.agencyKey, client: clientID, action: "oauth.grant",
                               outcome: "ok: \(OAuthPolicy.scopeText(scopes)) approved with key \(credential.keyID)")
        try store.recordGrant(grant, codeHash: hash, redirectURI: redirectURI, codeChallenge: codeChallenge,
                              codeExpiresAt: now + lifetimes.code, audit: [audit])
        return code
    }

    /// The authorization-code grant (``OAuthPolicy/exchange(_:clientID:redirectURI:verifier:resource:lifetimes:now:)``).
    /// - Throws: ``OAuthError`` for a refusal (after its changes are written), `StoreError` when the store fails.
    public func exchange(code: String, clientID: String, redirectURI: String, verifier: String, resource: String?,
                  now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> OAuthTokens {
        let lifetimes = lifetimes
        let outcome = try store.redeemAuthorizationCode(hash: OAuthPolicy.digest(code), now: now) { stored in
            OAuthPolicy.exchange(stored, clientID: clientID, redirectURI: redirectURI, verifier: verifier, resource: resource,
                                 lifetimes: lifetimes, now: now)
        }
        return try outcome.get()
    }

    /// The refresh-token grant with rotation (``OAuthPolicy/refresh(_:presented:clientID:requested:resource:lifetimes:now:)``);
    /// `scope`, when given, narrows the new tokens.
    public func refresh(_ refreshToken: String, clientID: String, scope: String?, resource: String?,
                 now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> OAuthTokens {
        let requested = try scope.map(OAuthPolicy.scopes)
        guard let id = OAuthPolicy.tokenID(refreshToken, kind: .refresh) else { throw OAuthError("invalid_grant", "unknown refresh token") }
        let lifetimes = lifetimes
        let outcome = try store.redeemOAuthToken(id: id, kind: .refresh, now: now) { stored in
            OAuthPolicy.refresh(stored, presented: refreshToken, clientID: clientID, requested: requested, resource: resource,
                                lifetimes: lifetimes, now: now)
        }
        return try outcome.get()
    }

    /// Revocation (RFC 7009): returns whether anything was revoked.
    @discardableResult
    public func revoke(_ token: String, clientID: String?, now: Int64 = Int64(Date().timeIntervalSince1970)) throws(StoreError) -> Bool {
        let kind: OAuthTokenKind = token.hasPrefix(OAuthPolicy.prefix(.refresh) + "_") ? .refresh : .access
        guard let id = OAuthPolicy.tokenID(token, kind: kind) else { return false }
        return try store.redeemOAuthToken(id: id, kind: kind, now: now) { stored in
            OAuthPolicy.revocation(stored, presented: token, clientID: clientID, now: now)
        }
    }
}
