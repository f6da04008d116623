import Foundation
import GRDB
import VitalsCrypto

/// A client registered through dynamic client registration (RFC 7591).
/// Every client is public (no secret): PKCE protects its codes.
public struct OAuthClient: Sendable, Equatable {
    public var clientID: String
    public var name: String
    public var redirectURIs: [String]
    /// The scope it asked for at registration (informational).
    public var scope: String?
    public var createdAt: Int64
}

/// An OAuth refusal, with the RFC 6749 error code the client is sent.
public struct OAuthError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `invalid_scope`,
    /// `invalid_target`, `unsupported_grant_type`, `invalid_redirect_uri`,
    /// `invalid_client_metadata`.
    public var code: String
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// What the token endpoint returns.
public struct OAuthTokens: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String
    public var expiresIn: Int64
    public var scopes: [Scope]
    public var grantID: String
}

/// What a grant transaction decided: tokens, or a refusal that must still
/// commit (a reuse revokes the grant before the error is returned).
private enum GrantOutcome {
    case issued(OAuthTokens)
    case refused(OAuthError)

    func tokens() throws(OAuthError) -> OAuthTokens {
        switch self {
        case let .issued(tokens): tokens
        case let .refused(error): throw error
        }
    }
}

/// How long codes and tokens live.
public struct OAuthLifetimes: Sendable, Equatable {
    public var code: Int64 = 60
    public var accessToken: Int64 = 3600
    public var refreshToken: Int64 = 30 * 86_400

    public init() {}
}

/// One client connected to an agency (`vitals clients list`, the connected-apps page).
public struct ConnectedApp: Sendable, Equatable {
    public var clientID: String
    public var clientName: String
    /// The union of the scopes of its grants.
    public var scopes: [Scope]
    public var grantedAt: Int64
    /// The last tool call it made for the agency (from the audit log), in milliseconds.
    public var lastUsedMilliseconds: Int64?
    /// Whether any of its grants is still in force.
    public var active: Bool
}

extension Store {
    // MARK: - Clients

    /// Registers a public client. Redirect URIs must be https, or http on a
    /// loopback host (RFC 8252 §7.3), without a fragment.
    public func registerOAuthClient(name: String, redirectURIs: [String], scope: String?,
                                    now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> OAuthClient {
        guard !redirectURIs.isEmpty else { throw OAuthError("invalid_client_metadata", "redirect_uris is required and must not be empty") }
        for uri in redirectURIs {
            if let why = Self.redirectURIProblem(uri) { throw OAuthError("invalid_redirect_uri", "\(uri): \(why)") }
        }
        if let scope { _ = try Self.parseOAuthScope(scope) }
        let client = OAuthClient(clientID: "vc_" + Crypto.hex(Crypto.randomBytes(12)), name: name.isEmpty ? "Unnamed app" : name,
                                 redirectURIs: redirectURIs, scope: scope, createdAt: now)
        try write { db in
            try db.execute(sql: "INSERT INTO oauth_clients (client_id, client_name, redirect_uris, scope, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [client.clientID, client.name, redirectURIs.joined(separator: "\n"), scope, now])
        }
        return client
    }

    /// Why a redirect URI is refused, or nil when it is acceptable.
    static func redirectURIProblem(_ uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            return "not an absolute URL"
        }
        if components.fragment != nil { return "a redirect URI must not have a fragment" }
        switch scheme {
        case "https": return nil
        case "http":
            return isLoopback(host) ? nil : "http is allowed only on a loopback host (127.0.0.1, [::1], localhost); use https"
        default:
            return "the scheme must be https (or http on loopback)"
        }
    }

    /// `localhost`, `::1`, or an IPv4 literal in 127.0.0.0/8 (not a name that merely starts with `127.`).
    static func isLoopback(_ host: String) -> Bool {
        if ["localhost", "::1", "[::1]"].contains(host.lowercased()) { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    public func oauthClient(_ clientID: String) throws(StoreError) -> OAuthClient? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT client_id, client_name, redirect_uris, scope, created_at FROM oauth_clients WHERE client_id = ?",
                             arguments: [clientID]).map { row in
                let uris: String = row[2]
                return OAuthClient(clientID: row[0], name: row[1], redirectURIs: uris.split(separator: "\n").map(String.init),
                                   scope: row[3], createdAt: row[4])
            }
        }
    }

    /// `read:accounts write:metadata` → scopes; an unknown name is `invalid_scope`.
    public static func parseOAuthScope(_ text: String) throws(OAuthError) -> [Scope] {
        do {
            return try Scope.parseList(text)
        } catch {
            throw OAuthError("invalid_scope", error.description)
        }
    }

    // MARK: - Codes and tokens

    /// Consent was given with `credential` (a verified API key): records a
    /// grant of `scopes` to the client for `resource` and returns its
    /// single-use authorization code.
    public func issueAuthorizationCode(clientID: String, credential: Credential, scopes: [Scope], resource: String, redirectURI: String,
                                       codeChallenge: String, lifetimes: OAuthLifetimes = OAuthLifetimes(),
                                       now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> String {
        let code = Crypto.base64URL(Crypto.randomBytes(32))
        let grantID = Crypto.hex(Crypto.randomBytes(10))
        try write { db in
            try db.execute(sql: """
                INSERT INTO oauth_grants (grant_id, client_id, agency_key, approved_by_key, scopes, resource, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [grantID, clientID, credential.agencyKey, credential.keyID, Scope.storedText(scopes), resource, now])
            try db.execute(sql: "INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Data(Crypto.sha256(code)), grantID, redirectURI, codeChallenge, now + lifetimes.code])
            try Self.insert(AuditEntry(atMilliseconds: now * 1000, agencyKey: credential.agencyKey, client: clientID, action: "oauth.grant",
                                       outcome: "ok: \(Scope.storedText(scopes)) approved with key \(credential.keyID)"), db)
        }
        return code
    }

    /// The authorization-code grant: the code must be unused, unexpired, the
    /// client's, for the same redirect URI, and the verifier must hash to its
    /// challenge (PKCE S256). A code presented twice revokes every token
    /// issued from it (RFC 6749 §4.1.2).
    public func exchangeAuthorizationCode(_ code: String, clientID: String, redirectURI: String, codeVerifier: String, resource: String?,
                                          lifetimes: OAuthLifetimes = OAuthLifetimes(),
                                          now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> OAuthTokens {
        let outcome: GrantOutcome = try write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT c.grant_id, c.redirect_uri, c.code_challenge, c.expires_at, c.used_at, g.client_id, g.agency_key, g.scopes,
                       g.resource, g.revoked_at
                FROM oauth_codes c JOIN oauth_grants g USING (grant_id) WHERE c.code_hash = ?
                """, arguments: [Data(Crypto.sha256(code))]) else {
                return .refused(OAuthError("invalid_grant", "unknown authorization code"))
            }
            let grantID: String = row[0]
            let grantClient: String = row[5]
            let agencyKey: Int = row[6]
            guard grantClient == clientID else { return .refused(OAuthError("invalid_grant", "the code was issued to another client")) }
            if (row[4] as Int64?) != nil {
                try Self.revokeGrant(grantID, reason: "authorization code reused", now: now, db)
                try Self.insert(AuditEntry(atMilliseconds: now * 1000, agencyKey: agencyKey, client: clientID, action: "oauth.code_reuse",
                                           outcome: "refused: code presented twice; grant \(grantID) revoked"), db)
                return .refused(OAuthError("invalid_grant", "the authorization code was already used; every token issued from it is revoked"))
            }
            try db.execute(sql: "UPDATE oauth_codes SET used_at = ? WHERE code_hash = ?", arguments: [now, Data(Crypto.sha256(code))])
            if (row[9] as Int64?) != nil { return .refused(OAuthError("invalid_grant", "the grant was revoked")) }
            if (row[3] as Int64) <= now { return .refused(OAuthError("invalid_grant", "the authorization code has expired; authorize again")) }
            guard (row[1] as String) == redirectURI else {
                return .refused(OAuthError("invalid_grant", "redirect_uri differs from the one of the authorization request"))
            }
            let challenge: String = row[2]
            guard Crypto.constantTimeEqual(Array(Crypto.pkceS256(codeVerifier).utf8), Array(challenge.utf8)) else {
                return .refused(OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)"))
            }
            let grantResource: String = row[8]
            if let resource, resource != grantResource {
                return .refused(OAuthError("invalid_target", "resource \(resource) differs from the authorized resource \(grantResource)"))
            }
            let scopes: String = row[7]
            let tokens = try Self.issueTokens(grantID: grantID, scopes: scopes, lifetimes: lifetimes, now: now, db)
            try Self.insert(AuditEntry(atMilliseconds: now * 1000, agencyKey: agencyKey, client: clientID, action: "oauth.token",
                                       outcome: "ok: \(scopes)"), db)
            return .issued(tokens)
        }
        return try outcome.tokens()
    }

    /// The refresh-token grant, with rotation: the presented token is spent
    /// and a new pair is issued. A spent token presented again means it
    /// leaked: the whole grant (every access and refresh token) is revoked.
    /// `scope` may narrow, never widen, the grant.
    public func refreshOAuthTokens(_ refreshToken: String, clientID: String, scope: String?, resource: String?,
                                   lifetimes: OAuthLifetimes = OAuthLifetimes(),
                                   now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> OAuthTokens {
        let requested = try scope.map(Self.parseOAuthScope)
        let outcome: GrantOutcome = try write { db in
            guard let (tokenID, row) = try Self.lookUpToken(refreshToken, prefix: "vrt", db) else {
                return .refused(OAuthError("invalid_grant", "unknown refresh token"))
            }
            let grantID: String = row["grant_id"]
            let agencyKey: Int = row["agency_key"]
            guard (row["client_id"] as String) == clientID else {
                return .refused(OAuthError("invalid_grant", "the refresh token was issued to another client"))
            }
            if (row["used_at"] as Int64?) != nil {
                try Self.revokeGrant(grantID, reason: "refresh token reused", now: now, db)
                try Self.insert(AuditEntry(atMilliseconds: now * 1000, agencyKey: agencyKey, client: clientID, action: "oauth.refresh_reuse",
                                           outcome: "refused: spent refresh token presented again; grant \(grantID) revoked"), db)
                return .refused(OAuthError("invalid_grant", "the refresh token was already used; every token of this grant is revoked"))
            }
            if let why = Self.revocation(row) { return .refused(OAuthError("invalid_grant", why)) }
            if (row["expires_at"] as Int64) <= now { return .refused(OAuthError("invalid_grant", "the refresh token has expired; authorize again")) }
            let grantResource: String = row["resource"]
            if let resource, resource != grantResource {
                return .refused(OAuthError("invalid_target", "resource \(resource) differs from the authorized resource \(grantResource)"))
            }
            let held = Set(Scope.parseStored(row["scopes"]))
            if let requested, let extra = requested.first(where: { !held.contains($0) }) {
                return .refused(OAuthError("invalid_scope", "\(extra.rawValue) was not granted; a refresh can only narrow the scopes"))
            }
            try db.execute(sql: "UPDATE oauth_tokens SET used_at = ? WHERE token_id = ?", arguments: [now, tokenID])
            let scopes = requested.map(Scope.storedText) ?? (row["scopes"] as String)
            let tokens = try Self.issueTokens(grantID: grantID, scopes: scopes, lifetimes: lifetimes, now: now, db)
            try Self.insert(AuditEntry(atMilliseconds: now * 1000, agencyKey: agencyKey, client: clientID, action: "oauth.refresh",
                                       outcome: "ok: \(scopes)"), db)
            return .issued(tokens)
        }
        return try outcome.tokens()
    }

    /// Token revocation (RFC 7009): a refresh token revokes its whole grant,
    /// an access token only itself. Unknown tokens, and tokens of another
    /// client, are ignored (the endpoint answers 200 either way).
    /// Returns whether anything was revoked.
    @discardableResult
    public func revokeOAuthToken(_ token: String, clientID: String?, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> Bool {
        let prefix = token.hasPrefix("vrt_") ? "vrt" : "vat"
        return try write { db in
            guard let (tokenID, row) = try Self.lookUpToken(token, prefix: prefix, db) else { return false }
            let owner: String = row["client_id"]
            if let clientID, clientID != owner { return false }
            let grantID: String = row["grant_id"]
            if prefix == "vrt" {
                try Self.revokeGrant(grantID, reason: "refresh token revoked by the client", now: now, db)
            } else {
                try db.execute(sql: "UPDATE oauth_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", arguments: [now, tokenID])
            }
            try Self.insert(AuditEntry(atMilliseconds: now * 1000, agencyKey: row["agency_key"], client: owner, action: "oauth.revoke",
                                       outcome: prefix == "vrt" ? "ok: grant \(grantID) revoked" : "ok: access token revoked"), db)
            return true
        }
    }

    /// Verifies a bearer token for `resource`: known, hash equal (constant
    /// time), not revoked (nor its grant, nor the API key that approved it),
    /// not expired, and issued for this resource.
    public func authenticateAccessToken(_ token: String, resource: String,
                                        now: Int64 = Int64(Date().timeIntervalSince1970)) throws(CredentialError) -> Credential {
        let found: (String, Row)?
        do {
            found = try read { db in try Self.lookUpToken(token, prefix: "vat", db) }
        } catch {
            throw .invalidAccessToken
        }
        guard let (_, row) = found else { throw .invalidAccessToken }
        if Self.revocation(row) != nil { throw .accessTokenRevoked }
        if (row["expires_at"] as Int64) <= now { throw .accessTokenExpired }
        let audience: String = row["resource"]
        guard audience == resource else { throw .accessTokenForAnotherResource(audience) }
        return Credential(keyID: "grant:" + (row["grant_id"] as String), agencyKey: row["agency_key"], agencyID: row["agency_id"],
                          scopes: Set(Scope.parseStored(row["scopes"])), client: row["client_id"])
    }

    // MARK: - Connected apps

    /// The clients that hold or held a grant of the agency, most recent first.
    public func connectedApps(agencyKey: Int) throws(StoreError) -> [ConnectedApp] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT g.client_id, c.client_name, group_concat(g.scopes, ' '), MIN(g.created_at),
                       MAX(g.revoked_at IS NULL),
                       (SELECT MAX(at_ms) FROM audit_log l
                         WHERE l.agency_key = g.agency_key AND l.client = g.client_id AND l.action NOT LIKE 'oauth.%')
                FROM oauth_grants g JOIN oauth_clients c USING (client_id)
                WHERE g.agency_key = ?
                GROUP BY g.client_id
                ORDER BY MAX(g.created_at) DESC, g.client_id
                """, arguments: [agencyKey])
            return rows.map { row in
                ConnectedApp(clientID: row[0], clientName: row[1], scopes: Array(Set(Scope.parseStored(row[2]))).sorted(), grantedAt: row[3],
                             lastUsedMilliseconds: row[5], active: (row[4] as Int) == 1)
            }
        }
    }

    /// Revokes every grant of a client (of one agency, or of all); returns how many.
    @discardableResult
    public func revokeOAuthClient(_ clientID: String, agencyKey: Int? = nil, by actor: String = "cli",
                                  now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> Int {
        guard try oauthClient(clientID) != nil else { throw OAuthError("invalid_client", "no OAuth client \(clientID)") }
        return try write { db in
            var sql = "SELECT grant_id, agency_key FROM oauth_grants WHERE client_id = ? AND revoked_at IS NULL"
            var arguments: StatementArguments = [clientID]
            if let agencyKey {
                sql += " AND agency_key = ?"
                arguments += [agencyKey]
            }
            let grants = try Row.fetchAll(db, sql: sql, arguments: arguments)
            for grant in grants {
                try Self.revokeGrant(grant[0], reason: "client revoked by \(actor)", now: now, db)
                try Self.insert(AuditEntry(atMilliseconds: now * 1000, agencyKey: grant[1], client: clientID, action: "oauth.revoke",
                                           outcome: "ok: grant \(grant[0] as String) revoked by \(actor)"), db)
            }
            return grants.count
        }
    }

    // MARK: - Helpers

    /// Mints an access and a refresh token for a grant (only hashes stored).
    static func issueTokens(grantID: String, scopes: String, lifetimes: OAuthLifetimes, now: Int64, _ db: Database) throws -> OAuthTokens {
        func mint(_ prefix: String, kind: String, lifetime: Int64) throws -> String {
            let tokenID = Crypto.hex(Crypto.randomBytes(10))
            let token = "\(prefix)_\(tokenID)_\(Crypto.base64URL(Crypto.randomBytes(32)))"
            try db.execute(sql: """
                INSERT INTO oauth_tokens (token_id, grant_id, kind, token_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [tokenID, grantID, kind, Data(Crypto.sha256(token)), scopes, now, now + lifetime])
            return token
        }
        return OAuthTokens(accessToken: try mint("vat", kind: "access", lifetime: lifetimes.accessToken),
                           refreshToken: try mint("vrt", kind: "refresh", lifetime: lifetimes.refreshToken),
                           expiresIn: lifetimes.accessToken, scopes: Scope.parseStored(scopes), grantID: grantID)
    }

    /// A token's row (with its grant, client, agency and approving key) when
    /// the token is well-formed, known and its hash matches in constant time.
    static func lookUpToken(_ token: String, prefix: String, _ db: Database) throws -> (String, Row)? {
        guard let tokenID = credentialID(token, prefix: prefix, idLength: 20) else { return nil }
        guard let row = try Row.fetchOne(db, sql: """
            SELECT t.token_hash, t.grant_id, t.scopes, t.expires_at, t.used_at, t.revoked_at AS token_revoked_at,
                   g.client_id, g.agency_key, g.resource, g.revoked_at AS grant_revoked_at, k.revoked_at AS key_revoked_at, a.agency_id
            FROM oauth_tokens t JOIN oauth_grants g USING (grant_id) JOIN agencies a ON a.agency_key = g.agency_key
            LEFT JOIN api_keys k ON k.key_id = g.approved_by_key
            WHERE t.token_id = ? AND t.kind = ?
            """, arguments: [tokenID, prefix == "vrt" ? "refresh" : "access"]) else { return nil }
        let stored: Data = row["token_hash"]
        guard Crypto.constantTimeEqual([UInt8](stored), Crypto.sha256(token)) else { return nil }
        return (tokenID, row)
    }

    /// Why a looked-up token no longer counts, or nil.
    static func revocation(_ row: Row) -> String? {
        if (row["grant_revoked_at"] as Int64?) != nil { return "the grant was revoked" }
        if (row["key_revoked_at"] as Int64?) != nil { return "the API key that approved this grant was revoked" }
        if (row["token_revoked_at"] as Int64?) != nil { return "the token was revoked" }
        return nil
    }

    static func revokeGrant(_ grantID: String, reason: String, now: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE oauth_grants SET revoked_at = ?, revoked_reason = ? WHERE grant_id = ? AND revoked_at IS NULL",
                       arguments: [now, reason, grantID])
        try db.execute(sql: "UPDATE oauth_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL", arguments: [now, grantID])
    }

}
