import Foundation
import Testing
import VitalsCrypto
@testable import VitalsStore

/// The OAuth state in the store, persistence only (the rules are
/// VitalsMCPTests' `OAuthGrantTests`): clients with their type, metadata
/// document clients upserted, a grant with its code, and rulings applied in
/// the transaction that read the row — a spent code is seen spent, a revoked
/// grant takes its tokens along, new tokens are found by id with their
/// digest, a revoked approving key shows on its tokens, audit entries land.
@Suite struct OAuthStoreTests {
    static let resource = "http://127.0.0.1:8080/api/mcp"
    static let redirect = "http://127.0.0.1:9000/callback"

    struct Setup {
        let store: Store
        let credential: Credential
        let client: OAuthClient
    }

    /// A store with agency ag_1, a read+metadata key of it, and a registered client.
    func setUp() throws -> Setup {
        let data = writeDataset(smallDataset)
        let path = makeTemporaryDirectory().appendingPathComponent("oauth.db").path
        _ = try Ingestor.ingest(directory: data, into: path)
        let store = try Store.open(at: path)
        let (key, _) = try store.createAPIKey(agencyID: "ag_1", scopes: Scope.reads + [.writeMetadata], now: 100)
        let credential = try store.authenticate(key: key, now: 100)
        let client = OAuthClient(clientID: "vc_claude", name: "Claude", redirectURIs: [Self.redirect], scope: nil, createdAt: 100)
        try store.registerOAuthClient(client)
        return Setup(store: store, credential: credential, client: client)
    }

    /// Records a grant of read:accounts and read:revenue with a code whose digest is `hash`.
    func grant(_ s: Setup, id: String = "g1", hash: [UInt8] = Crypto.sha256("code-1")) throws {
        try s.store.recordGrant(OAuthGrantRecord(grantID: id, clientID: s.client.clientID, agencyKey: s.credential.agencyKey,
                                                 approvedByKey: s.credential.keyID, scopes: [.readRevenue, .readAccounts],
                                                 resource: Self.resource, createdAt: 1000),
                                codeHash: hash, redirectURI: Self.redirect, codeChallenge: "challenge", codeExpiresAt: 1060,
                                audit: [AuditEntry(atMilliseconds: 1_000_000, agencyKey: s.credential.agencyKey, client: s.client.clientID,
                                                   action: "oauth.grant", outcome: "ok")])
    }

    func token(_ id: String, _ kind: OAuthTokenKind = .access) -> NewOAuthToken {
        NewOAuthToken(tokenID: id, kind: kind, hash: Crypto.sha256("secret-" + id), scopes: [.readAccounts], expiresAt: 5000)
    }

    @Test func pkceAndHMACMatchTheRFCVectors() {
        // RFC 7636 Appendix B: this verifier's S256 challenge (the secrets of codes and tokens use the same primitives).
        #expect(Crypto.pkceS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        // RFC 4231 test case 2 (the consent form's CSRF tokens).
        let mac = Crypto.hmacSHA256(key: Array("Jefe".utf8), "what do ya want for nothing?")
        #expect(Crypto.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func clientsKeepTheirTypeAndMetadataDocumentClientsAreUpserted() throws {
        let s = try setUp()
        #expect(try s.store.oauthClient("vc_claude") == s.client)
        #expect(try s.store.oauthClient("vc_nope") == nil)
        let native = OAuthClient(clientID: "vc_cursor", name: "Cursor", redirectURIs: ["cursor://anysphere.cursor-mcp/oauth/callback"],
                                 scope: nil, createdAt: 200, applicationType: .native)
        try s.store.registerOAuthClient(native)
        #expect(try s.store.oauthClient("vc_cursor") == native)

        let url = "https://app.example.com/oauth/client.json"
        let first = try s.store.saveMetadataDocumentClient(OAuthClient(clientID: url, name: "Example", redirectURIs: [Self.redirect],
                                                                       scope: nil, createdAt: 300))
        #expect(first.name == "Example" && first.createdAt == 300)
        // The document changed: name, redirect URIs and type follow it; the first sighting stays.
        let again = try s.store.saveMetadataDocumentClient(OAuthClient(clientID: url, name: "Example 2", redirectURIs: ["https://app.example.com/cb"],
                                                                       scope: "read:accounts", createdAt: 400, applicationType: .native))
        #expect(again == OAuthClient(clientID: url, name: "Example 2", redirectURIs: ["https://app.example.com/cb"], scope: "read:accounts",
                                     createdAt: 300, applicationType: .native))
    }

    @Test func aCodeIsReadWithItsGrantAndARulingIsWrittenWithIt() throws {
        let s = try setUp()
        try grant(s)
        let seen = try s.store.redeemAuthorizationCode(hash: Crypto.sha256("code-1"), now: 1010) { code in
            (OAuthChanges(spendCode: true, newTokens: [token("t_access"), token("t_refresh", .refresh)],
                          audit: [AuditEntry(atMilliseconds: 1_010_000, agencyKey: code?.agencyKey, client: "vc_claude", action: "oauth.token",
                                             outcome: "ok")]), code)
        }
        #expect(seen == StoredAuthorizationCode(grantID: "g1", redirectURI: Self.redirect, codeChallenge: "challenge", expiresAt: 1060,
                                                usedAt: nil, clientID: "vc_claude", agencyKey: s.credential.agencyKey,
                                                scopes: [.readAccounts, .readRevenue], resource: Self.resource, grantRevokedAt: nil))
        // Spent: the next look sees when.
        let again = try s.store.redeemAuthorizationCode(hash: Crypto.sha256("code-1"), now: 1020) { (OAuthChanges(), $0) }
        #expect(again?.usedAt == 1010)
        let access = try #require(try s.store.oauthToken(id: "t_access", kind: .access))
        #expect(access.hash == Crypto.sha256("secret-t_access") && access.grantID == "g1" && access.agencyID == "ag_1")
        #expect(access.resource == Self.resource && access.clientID == "vc_claude" && access.expiresAt == 5000 && access.scopes == [.readAccounts])
        #expect(try s.store.oauthToken(id: "t_access", kind: .refresh) == nil)  // looked up by kind too
        #expect(try s.store.oauthToken(id: "t_refresh", kind: .refresh) != nil)
        #expect(try s.store.auditEntries().map(\.action) == ["oauth.grant", "oauth.token"])
        // An unknown code: the rule sees nothing, and its audit entry is still written.
        let unknown = try s.store.redeemAuthorizationCode(hash: Crypto.sha256("nope"), now: 1030) { code in
            (OAuthChanges(audit: [AuditEntry(agencyKey: nil, client: "vc_claude", action: "oauth.probe", outcome: "refused")]), code)
        }
        #expect(unknown == nil)
        #expect(try s.store.auditEntries().map(\.action).last == "oauth.probe")
    }

    @Test func revokingAGrantRevokesItsTokensAndSpendingATokenIsSeen() throws {
        let s = try setUp()
        try grant(s)
        _ = try s.store.redeemAuthorizationCode(hash: Crypto.sha256("code-1"), now: 1010) { _ in
            (OAuthChanges(spendCode: true, newTokens: [token("a1"), token("r1", .refresh)]), ())
        }
        _ = try s.store.redeemOAuthToken(id: "r1", kind: .refresh, now: 1100) { _ in
            (OAuthChanges(spendToken: true, newTokens: [token("a2"), token("r2", .refresh)]), ())
        }
        #expect(try s.store.oauthToken(id: "r1", kind: .refresh)?.usedAt == 1100)
        #expect(try s.store.oauthToken(id: "a2", kind: .access)?.grantID == "g1")
        _ = try s.store.redeemOAuthToken(id: "a2", kind: .access, now: 1200) { _ in (OAuthChanges(revokeToken: true), ()) }
        #expect(try s.store.oauthToken(id: "a2", kind: .access)?.revokedAt == 1200)
        #expect(try s.store.oauthToken(id: "a1", kind: .access)?.revokedAt == nil)
        _ = try s.store.redeemOAuthToken(id: "r2", kind: .refresh, now: 1300) { _ in (OAuthChanges(revokeGrant: "leaked"), ()) }
        for id in ["a1", "r2"] {
            let kind: OAuthTokenKind = id.hasPrefix("a") ? .access : .refresh
            let stored = try #require(try s.store.oauthToken(id: id, kind: kind))
            #expect(stored.grantRevokedAt == 1300 && stored.revokedAt == 1300, "\(id)")
        }
        #expect(try s.store.connectedApps(agencyKey: s.credential.agencyKey).map(\.active) == [false])
    }

    @Test func aRevokedApprovingKeyShowsOnItsTokens() throws {
        let s = try setUp()
        try grant(s)
        _ = try s.store.redeemAuthorizationCode(hash: Crypto.sha256("code-1"), now: 1010) { _ in (OAuthChanges(newTokens: [token("a1")]), ()) }
        #expect(try s.store.oauthToken(id: "a1", kind: .access)?.approvingKeyRevokedAt == nil)
        try s.store.revokeAPIKey(keyID: s.credential.keyID, now: 2000)
        #expect(try s.store.oauthToken(id: "a1", kind: .access)?.approvingKeyRevokedAt == 2000)
    }

    @Test func connectedAppsAndRevokingAClient() throws {
        let s = try setUp()
        try grant(s)
        let apps = try s.store.connectedApps(agencyKey: s.credential.agencyKey)
        #expect(apps.map(\.clientID) == ["vc_claude"] && apps[0].active && apps[0].scopes == [.readAccounts, .readRevenue])
        #expect(apps[0].clientName == "Claude" && apps[0].grantedAt == 1000 && apps[0].lastUsedMilliseconds == nil)
        #expect(try s.store.revokeOAuthClient("vc_claude", now: 1030) == 1)
        #expect(try s.store.revokeOAuthClient("vc_claude", now: 1031) == 0)  // nothing left in force
        #expect(try s.store.connectedApps(agencyKey: s.credential.agencyKey).map(\.active) == [false])
        #expect(try s.store.revokeOAuthClient("vc_nope") == nil)
        #expect(try s.store.auditEntries().map(\.action) == ["oauth.grant", "oauth.revoke"])
    }
}
