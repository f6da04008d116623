import Foundation
import GRDB

// The OAuth state: clients, grants, their codes and tokens (only digests),
// read and written as the authorization server rules. The rules — scopes,
// PKCE, how secrets are made, which token still counts — live with the
// authorization server (VitalsMCP `OAuthPolicy`); this file is persistence.

/// The OAuth client type (RFC 8252 §8.4; OpenID Connect Registration's `application_type`).
public enum OAuthApplicationType: String, Sendable, Equatable {
    /// A browser-based app on a remote host: https redirects (and loopback ones).
    case web
    /// An app on the user's device: may also use a private-use URI scheme (RFC 8252 §7.1).
    case native
}

/// A client registered through dynamic client registration (RFC 7591), or
/// known by its Client ID Metadata Document (its `clientID` is then the
/// document's https URL). Every client is public (no secret): PKCE protects
/// its codes.
public struct OAuthClient: Sendable, Equatable {
    public var clientID: String
    public var name: String
    public var redirectURIs: [String]
    /// The scope it asked for at registration (informational).
    public var scope: String?
    public var createdAt: Int64
    public var applicationType: OAuthApplicationType

    public init(clientID: String, name: String, redirectURIs: [String], scope: String?, createdAt: Int64,
                applicationType: OAuthApplicationType = .web) {
        self.clientID = clientID
        self.name = name
        self.redirectURIs = redirectURIs
        self.scope = scope
        self.createdAt = createdAt
        self.applicationType = applicationType
    }
}

/// A grant as it is recorded: one agency's consent to one client, approved with one of its API keys.
public struct OAuthGrantRecord: Sendable, Equatable {
    public var grantID: String
    public var clientID: String
    public var agencyKey: Int
    public var approvedByKey: String
    public var scopes: [Scope]
    /// The resource (audience) its tokens are for (RFC 8707).
    public var resource: String
    public var createdAt: Int64

    public init(grantID: String, clientID: String, agencyKey: Int, approvedByKey: String, scopes: [Scope], resource: String, createdAt: Int64) {
        self.grantID = grantID
        self.clientID = clientID
        self.agencyKey = agencyKey
        self.approvedByKey = approvedByKey
        self.scopes = scopes
        self.resource = resource
        self.createdAt = createdAt
    }
}

/// An authorization code with its grant, as the token endpoint rules on it.
public struct StoredAuthorizationCode: Sendable, Equatable {
    public var grantID: String
    public var redirectURI: String
    public var codeChallenge: String
    public var expiresAt: Int64
    public var usedAt: Int64?
    public var clientID: String
    public var agencyKey: Int
    public var scopes: [Scope]
    public var resource: String
    public var grantRevokedAt: Int64?
}

public enum OAuthTokenKind: String, Sendable, Equatable {
    case access
    case refresh
}

/// An access or refresh token with its grant, client, agency and the state
/// of the API key that approved the grant.
public struct StoredOAuthToken: Sendable, Equatable {
    public var tokenID: String
    public var kind: OAuthTokenKind
    /// The SHA-256 of the token (the token itself is never stored).
    public var hash: [UInt8]
    public var grantID: String
    public var scopes: [Scope]
    public var expiresAt: Int64
    /// A refresh token: when it was spent (rotated).
    public var usedAt: Int64?
    public var revokedAt: Int64?
    public var clientID: String
    public var agencyKey: Int
    public var agencyID: String
    public var resource: String
    public var grantRevokedAt: Int64?
    public var approvingKeyRevokedAt: Int64?
}

/// A token to record: its id, digest, scopes and end of life.
public struct NewOAuthToken: Sendable, Equatable {
    public var tokenID: String
    public var kind: OAuthTokenKind
    public var hash: [UInt8]
    public var scopes: [Scope]
    public var expiresAt: Int64

    public init(tokenID: String, kind: OAuthTokenKind, hash: [UInt8], scopes: [Scope], expiresAt: Int64) {
        self.tokenID = tokenID
        self.kind = kind
        self.hash = hash
        self.scopes = scopes
        self.expiresAt = expiresAt
    }
}

/// What one transaction over a code or a token writes, as the
/// authorization server ruled: applied all together, or not at all.
public struct OAuthChanges: Sendable, Equatable {
    /// Marks the looked-up authorization code used.
    public var spendCode = false
    /// Marks the looked-up refresh token spent (rotation).
    public var spendToken = false
    /// Revokes the looked-up token alone.
    public var revokeToken = false
    /// Revokes the grant and every token of it, for this reason.
    public var revokeGrant: String?
    /// Tokens to add to the grant.
    public var newTokens: [NewOAuthToken] = []
    /// Written in the same transaction.
    public var audit: [AuditEntry] = []

    public init(spendCode: Bool = false, spendToken: Bool = false, revokeToken: Bool = false, revokeGrant: String? = nil,
                newTokens: [NewOAuthToken] = [], audit: [AuditEntry] = []) {
        self.spendCode = spendCode
        self.spendToken = spendToken
        self.revokeToken = revokeToken
        self.revokeGrant = revokeGrant
        self.newTokens = newTokens
        self.audit = audit
    }
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

    /// Records a client of dynamic registration (RFC 7591), as the
    /// authorization server accepted it (id chosen, metadata checked).
    public func registerOAuthClient(_ client: OAuthClient) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO oauth_clients (client_id, client_name, redirect_uris, scope, created_at, application_type) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [client.clientID, client.name, client.redirectURIs.joined(separator: "\n"), client.scope, client.createdAt,
                                 client.applicationType.rawValue])
        }
    }

    /// Records (or refreshes) a client known by its Client ID Metadata
    /// Document, under its URL: its grants need a client row, and the
    /// connected-apps list shows the name the document gave last.
    /// - Returns: the client as stored (its first `createdAt` is kept).
    @discardableResult
    public func saveMetadataDocumentClient(_ client: OAuthClient) throws(StoreError) -> OAuthClient {
        try write { db in
            try db.execute(sql: """
                INSERT INTO oauth_clients (client_id, client_name, redirect_uris, scope, created_at, application_type) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (client_id) DO UPDATE SET client_name = excluded.client_name, redirect_uris = excluded.redirect_uris,
                    scope = excluded.scope, application_type = excluded.application_type
                """, arguments: [client.clientID, client.name, client.redirectURIs.joined(separator: "\n"), client.scope, client.createdAt,
                                 client.applicationType.rawValue])
        }
        return try oauthClient(client.clientID) ?? client
    }

    public func oauthClient(_ clientID: String) throws(StoreError) -> OAuthClient? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT client_id, client_name, redirect_uris, scope, created_at, application_type FROM oauth_clients WHERE client_id = ?
                """, arguments: [clientID]).map { row in
                let uris: String = row[2]
                return OAuthClient(clientID: row[0], name: row[1], redirectURIs: uris.split(separator: "\n").map(String.init),
                                   scope: row[3], createdAt: row[4], applicationType: OAuthApplicationType(rawValue: row[5]) ?? .web)
            }
        }
    }

    // MARK: - Grants, codes and tokens

    /// Records a grant with its single-use authorization code (only the
    /// code's digest) and `audit`, in one transaction.
    public func recordGrant(_ grant: OAuthGrantRecord, codeHash: [UInt8], redirectURI: String, codeChallenge: String, codeExpiresAt: Int64,
                            audit: [AuditEntry]) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO oauth_grants (grant_id, client_id, agency_key, approved_by_key, scopes, resource, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [grant.grantID, grant.clientID, grant.agencyKey, grant.approvedByKey, Scope.storedText(grant.scopes),
                                 grant.resource, grant.createdAt])
            try db.execute(sql: "INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Data(codeHash), grant.grantID, redirectURI, codeChallenge, codeExpiresAt])
            for entry in audit { try Self.insert(entry, db) }
        }
    }

    /// Looks up an authorization code by digest, lets `rule` decide, and
    /// writes what it decided in the same transaction (so that a code is
    /// spent, or its grant revoked, exactly once however many requests race).
    /// - Returns: what `rule` returned besides the changes.
    public func redeemAuthorizationCode<Outcome: Sendable>(
        hash: [UInt8], now: Int64, _ rule: (StoredAuthorizationCode?) -> (OAuthChanges, Outcome)
    ) throws(StoreError) -> Outcome {
        try write { db in
            let code = try Row.fetchOne(db, sql: """
                SELECT c.grant_id, c.redirect_uri, c.code_challenge, c.expires_at, c.used_at, g.client_id, g.agency_key, g.scopes,
                       g.resource, g.revoked_at
                FROM oauth_codes c JOIN oauth_grants g USING (grant_id) WHERE c.code_hash = ?
                """, arguments: [Data(hash)]).map { row in
                StoredAuthorizationCode(grantID: row[0], redirectURI: row[1], codeChallenge: row[2], expiresAt: row[3], usedAt: row[4],
                                        clientID: row[5], agencyKey: row[6], scopes: Scope.parseStored(row[7]), resource: row[8],
                                        grantRevokedAt: row[9])
            }
            let (changes, outcome) = rule(code)
            if let code {
                if changes.spendCode {
                    try db.execute(sql: "UPDATE oauth_codes SET used_at = ? WHERE code_hash = ?", arguments: [now, Data(hash)])
                }
                try Self.apply(changes, grantID: code.grantID, tokenID: nil, now: now, db)
            } else {
                for entry in changes.audit { try Self.insert(entry, db) }
            }
            return outcome
        }
    }

    /// Looks up a token by id and kind, lets `rule` decide (it compares the
    /// digest), and writes what it decided in the same transaction.
    public func redeemOAuthToken<Outcome: Sendable>(
        id: String, kind: OAuthTokenKind, now: Int64, _ rule: (StoredOAuthToken?) -> (OAuthChanges, Outcome)
    ) throws(StoreError) -> Outcome {
        try write { db in
            let token = try Self.fetchToken(id: id, kind: kind, db)
            let (changes, outcome) = rule(token)
            if let token {
                try Self.apply(changes, grantID: token.grantID, tokenID: token.tokenID, now: now, db)
            } else {
                for entry in changes.audit { try Self.insert(entry, db) }
            }
            return outcome
        }
    }

    /// A token with its grant, client, agency and approving key, by id and kind.
    public func oauthToken(id: String, kind: OAuthTokenKind) throws(StoreError) -> StoredOAuthToken? {
        try read { db in try Self.fetchToken(id: id, kind: kind, db) }
    }

    static func fetchToken(id: String, kind: OAuthTokenKind, _ db: Database) throws -> StoredOAuthToken? {
        try Row.fetchOne(db, sql: """
            SELECT t.token_id, t.token_hash, t.grant_id, t.scopes, t.expires_at, t.used_at, t.revoked_at,
                   g.client_id, g.agency_key, a.agency_id, g.resource, g.revoked_at, k.revoked_at
            FROM oauth_tokens t JOIN oauth_grants g USING (grant_id) JOIN agencies a ON a.agency_key = g.agency_key
            LEFT JOIN api_keys k ON k.key_id = g.approved_by_key
            WHERE t.token_id = ? AND t.kind = ?
            """, arguments: [id, kind.rawValue]).map { row in
            let hash: Data = row[1]
            return StoredOAuthToken(tokenID: row[0], kind: kind, hash: [UInt8](hash), grantID: row[2], scopes: Scope.parseStored(row[3]),
                                    expiresAt: row[4], usedAt: row[5], revokedAt: row[6], clientID: row[7], agencyKey: row[8],
                                    agencyID: row[9], resource: row[10], grantRevokedAt: row[11], approvingKeyRevokedAt: row[12])
        }
    }

    /// Writes a ruling about a code or token of `grantID` (`tokenID`: the one looked up).
    static func apply(_ changes: OAuthChanges, grantID: String, tokenID: String?, now: Int64, _ db: Database) throws {
        if let tokenID, changes.spendToken {
            try db.execute(sql: "UPDATE oauth_tokens SET used_at = ? WHERE token_id = ?", arguments: [now, tokenID])
        }
        if let tokenID, changes.revokeToken {
            try db.execute(sql: "UPDATE oauth_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", arguments: [now, tokenID])
        }
        if let reason = changes.revokeGrant { try revokeGrant(grantID, reason: reason, now: now, db) }
        for token in changes.newTokens {
            try db.execute(sql: """
                INSERT INTO oauth_tokens (token_id, grant_id, kind, token_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [token.tokenID, grantID, token.kind.rawValue, Data(token.hash), Scope.storedText(token.scopes), now,
                                 token.expiresAt])
        }
        for entry in changes.audit { try insert(entry, db) }
    }

    static func revokeGrant(_ grantID: String, reason: String, now: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE oauth_grants SET revoked_at = ?, revoked_reason = ? WHERE grant_id = ? AND revoked_at IS NULL",
                       arguments: [now, reason, grantID])
        try db.execute(sql: "UPDATE oauth_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL", arguments: [now, grantID])
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

    /// Revokes every grant of a client (of one agency, or of all), each with
    /// an `oauth.revoke` audit entry naming `actor`.
    /// - Returns: how many grants were revoked; nil when there is no such client.
    @discardableResult
    public func revokeOAuthClient(_ clientID: String, agencyKey: Int? = nil, by actor: String = "cli",
                                  now: Int64 = Int64(Date().timeIntervalSince1970)) throws(StoreError) -> Int? {
        guard try oauthClient(clientID) != nil else { return nil }
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
}
