import DataGenKit
import Foundation
import Testing
import VitalsStore
@testable import VitalsAuth
@testable import VitalsMCP

/// The grant rules over a real store (``OAuthGrants``: ``OAuthPolicy``'s
/// rulings written by the store): codes bound to PKCE, single use and short
/// lived; tokens bound to resource, agency and scopes, stored as digests;
/// refresh tokens that rotate, with reuse revoking the whole grant.
@Suite struct OAuthGrantTests {
    static let resource = "http://127.0.0.1:8080/api/mcp"
    static let redirect = "http://127.0.0.1:9000/callback"
    /// RFC 7636 Appendix B's verifier, whose S256 challenge is `E9Melhoa…`.
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    struct Setup {
        let path: String
        let store: Store
        let grants: OAuthGrants
        let credential: Credential
        let clientID: String
    }

    /// A generated store (agency ag_001), a read+metadata key of it, and a registered client.
    func setUp() throws -> Setup {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-grants-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data").path
        _ = try generateDataset(DataGenConfig(agencies: 1, accountsPerAgency: 3, usersPerAccount: 2, days: 10, events: 200, seed: 1,
                                              asOf: DataGenConfig.date(fromDay: "2026-11-20")!, outputDirectory: data))
        let path = root.appendingPathComponent("grants.db").path
        _ = try Ingestor.ingest(directory: data, into: path)
        let store = try Store.open(at: path)
        let (key, _) = try store.createAPIKey(agencyID: "ag_001", scopes: Scope.reads + [.writeMetadata], now: 100)
        let credential = try store.authenticate(key: key, now: 100)
        try store.registerOAuthClient(OAuthClient(clientID: "vc_claude", name: "Claude", redirectURIs: [Self.redirect], scope: nil, createdAt: 100))
        return Setup(path: path, store: store, grants: OAuthGrants(store: store, lifetimes: OAuthLifetimes()), credential: credential,
                     clientID: "vc_claude")
    }

    func code(_ s: Setup, scopes: [Scope] = [.readAccounts, .readRevenue], now: Int64 = 1000) throws -> String {
        try s.grants.issueCode(clientID: s.clientID, credential: s.credential, scopes: scopes, resource: Self.resource, redirectURI: Self.redirect,
                               codeChallenge: Self.challenge, now: now)
    }

    func exchange(_ s: Setup, _ code: String, verifier: String = verifier, redirect: String = redirect, clientID: String? = nil,
                  resource: String? = resource, now: Int64 = 1010) throws -> OAuthTokens {
        try s.grants.exchange(code: code, clientID: clientID ?? s.clientID, redirectURI: redirect, verifier: verifier, resource: resource, now: now)
    }

    func access(_ s: Setup, _ token: String, resource: String = resource, now: Int64) throws(CredentialError) -> Credential {
        try s.store.authenticateAccessToken(token, resource: resource, now: now)
    }

    @Test func scopesAndPKCE() throws {
        #expect(try OAuthPolicy.scopes("read:accounts write:metadata read:accounts") == [.readAccounts, .writeMetadata])
        #expect(throws: OAuthError("invalid_scope", "unknown scope admin:all; scopes are read:accounts, read:users, read:revenue, "
            + "read:feedback, read:activities, write:workflows, write:feedback, write:metadata, write:activities")) { try OAuthPolicy.scopes("read:accounts admin:all") }
        #expect(OAuthPolicy.verifierMatches(Self.verifier, challenge: Self.challenge))
        #expect(!OAuthPolicy.verifierMatches(Self.verifier + "x", challenge: Self.challenge))
        #expect(!OAuthPolicy.verifierMatches(Self.challenge, challenge: Self.challenge))  // `plain` is not S256
    }

    @Test func tokensAreWellFormedAndTheirIDsParse() {
        let (token, record) = OAuthPolicy.newToken(.access, scopes: [.readAccounts], expiresAt: 10)
        #expect(token.hasPrefix("vat_") && OAuthPolicy.tokenID(token, kind: .access) == record.tokenID && record.tokenID.count == 20)
        #expect(OAuthPolicy.tokenID(token, kind: .refresh) == nil)
        #expect(record.hash == OAuthPolicy.digest(token))
        #expect(OAuthPolicy.tokenID("vat_short_x", kind: .access) == nil)
        #expect(OAuthPolicy.newCode().code.count == 43)  // 256 bits, base64url
    }

    @Test func aCodeWithTheRightVerifierGivesTokensForTheAgencyAndScopes() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(tokens.scopes == [.readAccounts, .readRevenue] && tokens.expiresIn == 3600)
        let credential = try access(s, tokens.accessToken, now: 1020)
        #expect(credential.agencyID == "ag_001" && credential.scopes == [.readAccounts, .readRevenue])
        #expect(credential.client == s.clientID && credential.keyID == "grant:" + tokens.grantID)
        #expect(try s.store.auditEntries().map(\.action) == ["oauth.grant", "oauth.token"])
    }

    @Test func wrongVerifierRedirectClientExpiryOrResourceIsRefused() throws {
        let s = try setUp()
        #expect(throws: OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)")) {
            try exchange(s, try code(s), verifier: String(Self.verifier.reversed()))
        }
        #expect(throws: OAuthError("invalid_grant", "redirect_uri differs from the one of the authorization request")) {
            try exchange(s, try code(s), redirect: "http://127.0.0.1:9000/other")
        }
        try s.store.registerOAuthClient(OAuthClient(clientID: "vc_other", name: "Other", redirectURIs: [Self.redirect], scope: nil, createdAt: 1))
        #expect(throws: OAuthError("invalid_grant", "the code was issued to another client")) {
            try exchange(s, try code(s), clientID: "vc_other")
        }
        #expect(throws: OAuthError("invalid_grant", "the authorization code has expired; authorize again")) {
            try exchange(s, try code(s, now: 1000), now: 1060)
        }
        #expect(throws: OAuthError("invalid_target", "resource http://elsewhere/api/mcp differs from the authorized resource \(Self.resource)")) {
            try exchange(s, try code(s), resource: "http://elsewhere/api/mcp")
        }
        #expect(throws: OAuthError("invalid_grant", "unknown authorization code")) { try exchange(s, "no-such-code") }
        // A failed exchange spends the code: the right verifier comes too late.
        let spent = try code(s)
        _ = try? exchange(s, spent, verifier: "wrong-verifier-wrong-verifier-wrong-verifier-wrong")
        #expect(throws: OAuthError("invalid_grant", "the authorization code was already used; every token issued from it is revoked")) {
            try exchange(s, spent)
        }
    }

    @Test func aCodeIsSingleUseAndReuseRevokesItsTokens() throws {
        let s = try setUp()
        let code = try code(s)
        let tokens = try exchange(s, code)
        #expect(throws: OAuthError("invalid_grant", "the authorization code was already used; every token issued from it is revoked")) {
            try exchange(s, code, now: 1011)
        }
        #expect(throws: CredentialError.accessTokenRevoked) { try access(s, tokens.accessToken, now: 1012) }
        #expect(throws: OAuthError("invalid_grant", "the grant was revoked")) {
            try s.grants.refresh(tokens.refreshToken, clientID: s.clientID, scope: nil, resource: nil, now: 1013)
        }
        #expect(try s.store.auditEntries().map(\.action) == ["oauth.grant", "oauth.token", "oauth.code_reuse"])
    }

    @Test func refreshRotatesAndAReusedRefreshTokenRevokesTheGrant() throws {
        let s = try setUp()
        let first = try exchange(s, try code(s))
        let second = try s.grants.refresh(first.refreshToken, clientID: s.clientID, scope: nil, resource: Self.resource, now: 2000)
        #expect(second.refreshToken != first.refreshToken && second.grantID == first.grantID)
        #expect(try access(s, second.accessToken, now: 2001).scopes == [.readAccounts, .readRevenue])
        // The spent refresh token comes back: it leaked. Everything of the grant dies.
        #expect(throws: OAuthError("invalid_grant", "the refresh token was already used; every token of this grant is revoked")) {
            try s.grants.refresh(first.refreshToken, clientID: s.clientID, scope: nil, resource: nil, now: 2002)
        }
        #expect(throws: CredentialError.accessTokenRevoked) { try access(s, second.accessToken, now: 2003) }
        #expect(throws: OAuthError("invalid_grant", "the grant was revoked")) {
            try s.grants.refresh(second.refreshToken, clientID: s.clientID, scope: nil, resource: nil, now: 2004)
        }
        #expect(throws: OAuthError("invalid_grant", "the refresh token was issued to another client")) {
            try s.grants.refresh(second.refreshToken, clientID: "vc_other", scope: nil, resource: nil, now: 2005)
        }
        #expect(throws: OAuthError("invalid_grant", "unknown refresh token")) {
            try s.grants.refresh(first.accessToken, clientID: s.clientID, scope: nil, resource: nil, now: 2006)  // an access token
        }
        #expect(try s.store.auditEntries().map(\.action) == ["oauth.grant", "oauth.token", "oauth.refresh", "oauth.refresh_reuse"])
    }

    @Test func aRefreshMayNarrowButNotWidenTheScopes() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(throws: OAuthError("invalid_scope", "write:metadata was not granted; a refresh can only narrow the scopes")) {
            try s.grants.refresh(tokens.refreshToken, clientID: s.clientID, scope: "read:accounts write:metadata", resource: nil, now: 2000)
        }
        let narrowed = try s.grants.refresh(tokens.refreshToken, clientID: s.clientID, scope: "read:accounts", resource: nil, now: 2001)
        #expect(try access(s, narrowed.accessToken, now: 2002).scopes == [.readAccounts])
    }

    @Test func accessTokensExpireAndBelongToOneResource() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(throws: CredentialError.accessTokenExpired) { try access(s, tokens.accessToken, now: 1010 + 3600) }
        #expect(throws: CredentialError.accessTokenForAnotherResource(Self.resource)) {
            try access(s, tokens.accessToken, resource: "http://127.0.0.1:9090/api/mcp", now: 1020)
        }
        var tampered = tokens.accessToken
        tampered.removeLast()
        tampered.append(tokens.accessToken.last == "A" ? "B" : "A")
        #expect(throws: CredentialError.invalidAccessToken) { try access(s, tampered, now: 1020) }
        #expect(throws: CredentialError.invalidAccessToken) { try access(s, tokens.refreshToken, now: 1020) }  // not an access token
        #expect(throws: CredentialError.invalidAccessToken) { try access(s, "vat_nope", now: 1020) }
    }

    @Test func revokingTheApprovingKeyOrTheClientRevokesTheTokens() throws {
        let s = try setUp()
        let viaKey = try exchange(s, try code(s))
        try s.store.revokeAPIKey(keyID: s.credential.keyID)
        #expect(throws: CredentialError.accessTokenRevoked) { try access(s, viaKey.accessToken, now: 1020) }
        #expect(throws: OAuthError("invalid_grant", "the API key that approved this grant was revoked")) {
            try s.grants.refresh(viaKey.refreshToken, clientID: s.clientID, scope: nil, resource: nil, now: 1021)
        }

        let t = try setUp()
        let tokens = try exchange(t, try code(t))
        #expect(try t.store.revokeOAuthClient(t.clientID, now: 1030) == 1)
        #expect(throws: CredentialError.accessTokenRevoked) { try access(t, tokens.accessToken, now: 1031) }
    }

    @Test func revokingAnAccessTokenLeavesTheGrantButARefreshTokenEndsIt() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(try s.grants.revoke(tokens.accessToken, clientID: "vc_someone_else") == false)
        #expect(try s.grants.revoke(tokens.accessToken, clientID: s.clientID))
        #expect(throws: CredentialError.accessTokenRevoked) { try access(s, tokens.accessToken, now: 1020) }
        let refreshed = try s.grants.refresh(tokens.refreshToken, clientID: s.clientID, scope: nil, resource: nil, now: 1030)
        #expect(try s.grants.revoke(refreshed.refreshToken, clientID: nil))
        #expect(throws: CredentialError.accessTokenRevoked) { try access(s, refreshed.accessToken, now: 1040) }
        #expect(try s.grants.revoke("vat_unknown", clientID: nil) == false)
        #expect(try s.grants.revoke(tokens.accessToken + "x", clientID: nil) == false)  // a wrong secret revokes nothing
    }

    @Test func onlyDigestsAreStored() throws {
        let s = try setUp()
        let code = try code(s)
        let tokens = try exchange(s, code)
        try s.store.checkpoint()
        let bytes = try #require(FileManager.default.contents(atPath: s.path))
        for secret in [code, tokens.accessToken, tokens.refreshToken] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
        }
    }
}
