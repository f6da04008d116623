import Foundation
import GRDB
import VitalsCrypto

/// The permissions a credential can carry (DESIGN.md's scopes).
public enum Scope: String, Sendable, CaseIterable, Codable, Comparable {
    case readAccounts = "read:accounts"
    case readUsers = "read:users"
    case readRevenue = "read:revenue"
    case readFeedback = "read:feedback"
    /// The CS team's work: CTAs and their tasks, success plans, timeline activities.
    case readActivities = "read:activities"
    case writeWorkflows = "write:workflows"
    case writeFeedback = "write:feedback"
    case writeMetadata = "write:metadata"
    case writeActivities = "write:activities"

    /// The read scopes: what a key gets when none are named.
    public static let reads: [Scope] = [.readAccounts, .readUsers, .readRevenue, .readFeedback, .readActivities]

    public static func < (a: Scope, b: Scope) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// The stored form of a scope list: sorted names, space-separated.
    static func storedText(_ scopes: [Scope]) -> String { scopes.sorted().map(\.rawValue).joined(separator: " ") }

    /// Reads the stored form back.
    static func parseStored(_ text: String) -> [Scope] { text.split(separator: " ").compactMap { Scope(rawValue: String($0)) } }

    /// Parses `read:accounts,read:users` (commas or spaces).
    public static func parseList(_ text: String) throws(CredentialError) -> [Scope] {
        var scopes: [Scope] = []
        for name in text.split(whereSeparator: { $0 == "," || $0 == " " }) {
            guard let scope = Scope(rawValue: String(name)) else {
                throw .badScope(String(name))
            }
            if !scopes.contains(scope) { scopes.append(scope) }
        }
        return scopes.sorted()
    }
}

/// Why a credential was refused or could not be made.
public enum CredentialError: Error, Equatable, Sendable, CustomStringConvertible {
    case badScope(String)
    case unknownAgency(String)
    case invalidKey
    case revoked(keyID: String)
    case expired(keyID: String)
    case unknownKeyID(String)
    /// An OAuth access token that is malformed or unknown.
    case invalidAccessToken
    case accessTokenExpired
    /// The token, its grant, or the API key that approved the grant was revoked.
    case accessTokenRevoked
    /// The token's audience is another resource (RFC 8707).
    case accessTokenForAnotherResource(String)

    public var description: String {
        switch self {
        case let .badScope(name): "unknown scope \(name); scopes are \(Scope.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .unknownAgency(id): "unknown agency \(id)"
        case .invalidKey: "invalid API key"
        case let .revoked(keyID): "API key \(keyID) was revoked"
        case let .expired(keyID): "API key \(keyID) has expired"
        case let .unknownKeyID(keyID): "no API key \(keyID)"
        case .invalidAccessToken: "invalid access token"
        case .accessTokenExpired: "access token has expired; refresh it"
        case .accessTokenRevoked: "access token was revoked; connect the app again"
        case let .accessTokenForAnotherResource(resource): "access token is for another resource (\(resource))"
        }
    }
}

/// An API key as stored (never the key itself).
public struct APIKeyRecord: Sendable, Equatable {
    public var keyID: String
    public var agencyID: String
    public var scopes: [Scope]
    public var label: String
    public var createdAt: Int64
    public var expiresAt: Int64?
    public var revokedAt: Int64?
}

/// Who is calling: the agency and scopes a verified API key or OAuth
/// access token carries.
public struct Credential: Sendable, Equatable {
    /// What an MCP session is bound to: the API key id, or `grant:<id>` for
    /// OAuth (so a session outlives the refresh of its access token).
    public var keyID: String
    public var agencyKey: Int
    public var agencyID: String
    public var scopes: Set<Scope>
    /// Who the audit log names: the API key id, or the OAuth client id.
    public var client: String

    /// What a legacy MCP session is bound to: the API key id; for OAuth, the
    /// client and the agency — so a session outlives the refresh of its
    /// access token and a second authorization by the same app for the same
    /// agency (mcp 2.3.0's provider can authorize twice when two of its
    /// requests race at the start). Every request's scopes still come from
    /// the token it carries.
    public var sessionOwner: String { keyID.hasPrefix("grant:") ? "oauth:\(client)@\(agencyKey)" : keyID }

    public init(keyID: String, agencyKey: Int, agencyID: String, scopes: Set<Scope>, client: String? = nil) {
        self.keyID = keyID
        self.agencyKey = agencyKey
        self.agencyID = agencyID
        self.scopes = scopes
        self.client = client ?? keyID
    }
}

extension Store {
    /// Issues a key for `agencyID` with `scopes`. The key is returned once;
    /// the store keeps only its SHA-256. Format: `vk_<key id>_<secret>`.
    public func createAPIKey(agencyID: String, scopes: [Scope], label: String = "", expiresAt: Int64? = nil,
                             now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> (key: String, record: APIKeyRecord) {
        let keyID = Crypto.hex(Crypto.randomBytes(5))
        let key = "vk_\(keyID)_\(Crypto.base64URL(Crypto.randomBytes(32)))"
        let sorted = scopes.sorted()
        guard let agencyKey = try read({ try Int.fetchOne($0, sql: "SELECT agency_key FROM agencies WHERE agency_id = ?", arguments: [agencyID]) }) else {
            throw CredentialError.unknownAgency(agencyID)
        }
        try write { db in
            try db.execute(sql: """
                INSERT INTO api_keys (key_id, agency_key, scopes, key_hash, label, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [keyID, agencyKey, Scope.storedText(sorted), Data(Crypto.sha256(key)), label, now, expiresAt])
        }
        return (key, APIKeyRecord(keyID: keyID, agencyID: agencyID, scopes: sorted, label: label, createdAt: now, expiresAt: expiresAt, revokedAt: nil))
    }

    /// The keys of one agency (or all), newest first.
    public func apiKeys(agencyID: String? = nil) throws(StoreError) -> [APIKeyRecord] {
        try read { db in
            var sql = """
                SELECT k.key_id, a.agency_id, k.scopes, k.label, k.created_at, k.expires_at, k.revoked_at
                FROM api_keys k JOIN agencies a USING (agency_key)
                """
            var arguments: StatementArguments = []
            if let agencyID {
                sql += " WHERE a.agency_id = ?"
                arguments += [agencyID]
            }
            sql += " ORDER BY k.created_at DESC, k.key_id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let scopes: String = row[2]
                return APIKeyRecord(keyID: row[0], agencyID: row[1], scopes: Scope.parseStored(scopes),
                                    label: row[3], createdAt: row[4], expiresAt: row[5], revokedAt: row[6])
            }
        }
    }

    /// Revokes a key; revoking a revoked key changes nothing.
    public func revokeAPIKey(keyID: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws {
        guard try read({ try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM api_keys WHERE key_id = ?", arguments: [keyID]) }) == 1 else {
            throw CredentialError.unknownKeyID(keyID)
        }
        try write { db in
            try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", arguments: [now, keyID])
        }
    }

    /// Verifies a presented key: known, hash equal (constant time), not
    /// revoked, not expired. Unknown and malformed keys get the same answer.
    public func authenticate(key: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws(CredentialError) -> Credential {
        guard let keyID = Self.credentialID(key, prefix: "vk", idLength: 10) else { throw .invalidKey }
        let row: Row?
        do {
            // Every request checks its key: one cached statement, no transaction.
            row = try readStatement { db in
                try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT k.key_hash, k.agency_key, a.agency_id, k.scopes, k.expires_at, k.revoked_at
                    FROM api_keys k JOIN agencies a USING (agency_key) WHERE k.key_id = ?
                    """), arguments: [keyID])
            }
        } catch {
            throw .invalidKey
        }
        guard let row else { throw .invalidKey }
        let stored: Data = row[0]
        guard Crypto.constantTimeEqual([UInt8](stored), Crypto.sha256(key)) else { throw .invalidKey }
        if (row[5] as Int64?) != nil { throw .revoked(keyID: keyID) }
        if let expires: Int64 = row[4], expires <= now { throw .expired(keyID: keyID) }
        let scopes: String = row[3]
        return Credential(keyID: keyID, agencyKey: row[1], agencyID: row[2],
                          scopes: Set(Scope.parseStored(scopes)))
    }
}

extension Store {
    /// The id part of a well-formed `<prefix>_<id>_<secret>` credential
    /// (API keys, OAuth tokens), or nil.
    static func credentialID(_ credential: String, prefix: String, idLength: Int) -> String? {
        let parts = credential.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == prefix, parts[1].count == idLength else { return nil }
        return String(parts[1])
    }

    /// The agency of the key id a presented (possibly wrong) key names, for
    /// auditing a failed sign-in under that agency; nil when unknown.
    public func agencyKeyOfAPIKey(_ key: String) throws(StoreError) -> Int? {
        let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "vk" else { return nil }
        return try read { try Int.fetchOne($0, sql: "SELECT agency_key FROM api_keys WHERE key_id = ?", arguments: [String(parts[1])]) }
    }
}
