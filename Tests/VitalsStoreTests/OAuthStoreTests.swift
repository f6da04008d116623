import Foundation
import Testing
import VitalsCrypto
@testable import VitalsStore

/// The OAuth state in the store: codes bound to PKCE, single use and short
/// lived; tokens bound to resource, agency and scopes, stored as hashes;
/// refresh tokens that rotate, with reuse revoking the whole grant.
@Suite struct OAuthStoreTests {
    static let resource = "http://127.0.0.1:8080/api/mcp"
    static let redirect = "http://127.0.0.1:9000/callback"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    /// A store with agency ag_1, a read+metadata key of it, and a registered client.
    func setUp() throws -> (store: Store, path: String, key: String, credential: Credential, client: OAuthClient) {
        let data = writeDataset(smallDataset)
        let path = makeTemporaryDirectory().appendingPathComponent("oauth.db").path
        _ = try Ingestor.ingest(directory: data, into: path)
        let store = try Store.open(at: path)
        let (key, _) = try store.createAPIKey(agencyID: "ag_1", scopes: Scope.reads + [.writeMetadata], now: 100)
        let credential = try store.authenticate(key: key, now: 100)
        let client = try store.registerOAuthClient(name: "Claude", redirectURIs: [Self.redirect], scope: nil, now: 100)
        return (store, path, key, credential, client)
    }

    func code(_ s: (store: Store, path: String, key: String, credential: Credential, client: OAuthClient),
              scopes: [Scope] = [.readAccounts, .readRevenue], now: Int64 = 1000) throws -> String {
        try s.store.issueAuthorizationCode(clientID: s.client.clientID, credential: s.credential, scopes: scopes, resource: Self.resource,
                                           redirectURI: Self.redirect, codeChallenge: Crypto.pkceS256(Self.verifier), now: now)
    }

    func exchange(_ s: (store: Store, path: String, key: String, credential: Credential, client: OAuthClient), _ code: String,
                  verifier: String = verifier, redirect: String = redirect, now: Int64 = 1010) throws -> OAuthTokens {
        try s.store.exchangeAuthorizationCode(code, clientID: s.client.clientID, redirectURI: redirect, codeVerifier: verifier,
                                              resource: Self.resource, now: now)
    }

    @Test func pkceMatchesRFC7636sExample() {
        // RFC 7636 Appendix B: this verifier's S256 challenge.
        #expect(Crypto.pkceS256(Self.verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func hmacMatchesRFC4231() {
        // RFC 4231 test case 2.
        let mac = Crypto.hmacSHA256(key: Array("Jefe".utf8), "what do ya want for nothing?")
        #expect(Crypto.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func aCodeWithTheRightVerifierGivesTokensForTheAgencyAndScopes() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(tokens.scopes == [.readAccounts, .readRevenue])
        #expect(tokens.expiresIn == 3600)
        let credential = try s.store.authenticateAccessToken(tokens.accessToken, resource: Self.resource, now: 1020)
        #expect(credential.agencyID == "ag_1")
        #expect(credential.scopes == [.readAccounts, .readRevenue])
        #expect(credential.client == s.client.clientID)
        #expect(credential.keyID == "grant:" + tokens.grantID)
        let actions = try s.store.auditEntries().map(\.action)
        #expect(actions == ["oauth.grant", "oauth.token"])
    }

    @Test func wrongVerifierRedirectOrClientIsRefused() throws {
        let s = try setUp()
        #expect(throws: OAuthError("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)")) {
            try exchange(s, try code(s), verifier: String(Self.verifier.reversed()))
        }
        #expect(throws: OAuthError("invalid_grant", "redirect_uri differs from the one of the authorization request")) {
            try exchange(s, try code(s), redirect: "http://127.0.0.1:9000/other")
        }
        let other = try s.store.registerOAuthClient(name: "Other", redirectURIs: [Self.redirect], scope: nil)
        let stolen = try code(s)
        #expect(throws: OAuthError("invalid_grant", "the code was issued to another client")) {
            try s.store.exchangeAuthorizationCode(stolen, clientID: other.clientID, redirectURI: Self.redirect, codeVerifier: Self.verifier,
                                                  resource: nil, now: 1010)
        }
        #expect(throws: OAuthError("invalid_grant", "the authorization code has expired; authorize again")) {
            try exchange(s, try code(s, now: 1000), now: 1060)
        }
        #expect(throws: OAuthError("invalid_target", "resource http://elsewhere/api/mcp differs from the authorized resource \(Self.resource)")) {
            try s.store.exchangeAuthorizationCode(try code(s), clientID: s.client.clientID, redirectURI: Self.redirect,
                                                  codeVerifier: Self.verifier, resource: "http://elsewhere/api/mcp", now: 1010)
        }
    }

    @Test func aCodeIsSingleUseAndReuseRevokesItsTokens() throws {
        let s = try setUp()
        let code = try code(s)
        let tokens = try exchange(s, code)
        #expect(throws: OAuthError("invalid_grant", "the authorization code was already used; every token issued from it is revoked")) {
            try exchange(s, code, now: 1011)
        }
        #expect(throws: CredentialError.accessTokenRevoked) {
            try s.store.authenticateAccessToken(tokens.accessToken, resource: Self.resource, now: 1012)
        }
        #expect(throws: OAuthError("invalid_grant", "the grant was revoked")) {
            try s.store.refreshOAuthTokens(tokens.refreshToken, clientID: s.client.clientID, scope: nil, resource: nil, now: 1013)
        }
    }

    @Test func refreshRotatesAndAReusedRefreshTokenRevokesTheGrant() throws {
        let s = try setUp()
        let first = try exchange(s, try code(s))
        let second = try s.store.refreshOAuthTokens(first.refreshToken, clientID: s.client.clientID, scope: nil, resource: Self.resource, now: 2000)
        #expect(second.refreshToken != first.refreshToken && second.grantID == first.grantID)
        #expect(try s.store.authenticateAccessToken(second.accessToken, resource: Self.resource, now: 2001).scopes == [.readAccounts, .readRevenue])
        // The spent refresh token comes back: it leaked. Everything of the grant dies.
        #expect(throws: OAuthError("invalid_grant", "the refresh token was already used; every token of this grant is revoked")) {
            try s.store.refreshOAuthTokens(first.refreshToken, clientID: s.client.clientID, scope: nil, resource: nil, now: 2002)
        }
        #expect(throws: CredentialError.accessTokenRevoked) { try s.store.authenticateAccessToken(second.accessToken, resource: Self.resource, now: 2003) }
        #expect(throws: OAuthError("invalid_grant", "the grant was revoked")) {
            try s.store.refreshOAuthTokens(second.refreshToken, clientID: s.client.clientID, scope: nil, resource: nil, now: 2004)
        }
        #expect(try s.store.auditEntries().map(\.action) == ["oauth.grant", "oauth.token", "oauth.refresh", "oauth.refresh_reuse"])
    }

    @Test func aRefreshMayNarrowButNotWidenTheScopes() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(throws: OAuthError("invalid_scope", "write:metadata was not granted; a refresh can only narrow the scopes")) {
            try s.store.refreshOAuthTokens(tokens.refreshToken, clientID: s.client.clientID, scope: "read:accounts write:metadata",
                                           resource: nil, now: 2000)
        }
        let narrowed = try s.store.refreshOAuthTokens(tokens.refreshToken, clientID: s.client.clientID, scope: "read:accounts", resource: nil, now: 2001)
        #expect(try s.store.authenticateAccessToken(narrowed.accessToken, resource: Self.resource, now: 2002).scopes == [.readAccounts])
    }

    @Test func accessTokensExpireAndBelongToOneResource() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(throws: CredentialError.accessTokenExpired) {
            try s.store.authenticateAccessToken(tokens.accessToken, resource: Self.resource, now: 1010 + 3600)
        }
        #expect(throws: CredentialError.accessTokenForAnotherResource(Self.resource)) {
            try s.store.authenticateAccessToken(tokens.accessToken, resource: "http://127.0.0.1:9090/api/mcp", now: 1020)
        }
        var tampered = tokens.accessToken
        tampered.removeLast()
        tampered.append(tokens.accessToken.last == "A" ? "B" : "A")
        #expect(throws: CredentialError.invalidAccessToken) { try s.store.authenticateAccessToken(tampered, resource: Self.resource, now: 1020) }
        // A refresh token is not an access token.
        #expect(throws: CredentialError.invalidAccessToken) {
            try s.store.authenticateAccessToken(tokens.refreshToken, resource: Self.resource, now: 1020)
        }
    }

    @Test func revokingTheApprovingKeyOrTheClientRevokesTheTokens() throws {
        let s = try setUp()
        let viaKey = try exchange(s, try code(s))
        try s.store.revokeAPIKey(keyID: s.credential.keyID)
        #expect(throws: CredentialError.accessTokenRevoked) { try s.store.authenticateAccessToken(viaKey.accessToken, resource: Self.resource, now: 1020) }

        let t = try setUp()
        let tokens = try exchange(t, try code(t))
        let apps = try t.store.connectedApps(agencyKey: t.credential.agencyKey)
        #expect(apps.map(\.clientID) == [t.client.clientID] && apps[0].active && apps[0].scopes == [.readAccounts, .readRevenue])
        #expect(try t.store.revokeOAuthClient(t.client.clientID, now: 1030) == 1)
        #expect(throws: CredentialError.accessTokenRevoked) { try t.store.authenticateAccessToken(tokens.accessToken, resource: Self.resource, now: 1031) }
        #expect(try t.store.connectedApps(agencyKey: t.credential.agencyKey).map(\.active) == [false])
        #expect(throws: OAuthError("invalid_client", "no OAuth client vc_nope")) { try t.store.revokeOAuthClient("vc_nope") }
    }

    @Test func revokingAnAccessTokenLeavesTheGrantButARefreshTokenEndsIt() throws {
        let s = try setUp()
        let tokens = try exchange(s, try code(s))
        #expect(try s.store.revokeOAuthToken(tokens.accessToken, clientID: "vc_someone_else") == false)
        #expect(try s.store.revokeOAuthToken(tokens.accessToken, clientID: s.client.clientID))
        #expect(throws: CredentialError.accessTokenRevoked) { try s.store.authenticateAccessToken(tokens.accessToken, resource: Self.resource, now: 1020) }
        let refreshed = try s.store.refreshOAuthTokens(tokens.refreshToken, clientID: s.client.clientID, scope: nil, resource: nil, now: 1030)
        #expect(try s.store.revokeOAuthToken(refreshed.refreshToken, clientID: nil))
        #expect(throws: CredentialError.accessTokenRevoked) { try s.store.authenticateAccessToken(refreshed.accessToken, resource: Self.resource, now: 1040) }
        #expect(try s.store.revokeOAuthToken("vat_unknown", clientID: nil) == false)
    }

    @Test func onlyHashesAreStored() throws {
        let s = try setUp()
        let code = try code(s)
        let tokens = try exchange(s, code)
        try s.store.checkpoint()
        let bytes = try #require(FileManager.default.contents(atPath: s.path))
        for secret in [code, tokens.accessToken, tokens.refreshToken] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
        }
    }

    @Test func redirectURIsMustBeHTTPSOrLoopback() throws {
        let s = try setUp()
        for good in ["https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1:33418/callback", "http://localhost:6274/oauth/callback",
                     "http://[::1]:8000/cb"] {
            #expect(try s.store.registerOAuthClient(name: "ok", redirectURIs: [good], scope: nil).redirectURIs == [good])
        }
        for bad in ["http://example.com/callback", "http://127.0.0.1.example.com/cb", "https://app.example.com/cb#frag", "myapp:/callback",
                    "not a url"] {
            #expect(throws: OAuthError.self) { try s.store.registerOAuthClient(name: "bad", redirectURIs: [bad], scope: nil) }
        }
        #expect(throws: OAuthError("invalid_client_metadata", "redirect_uris is required and must not be empty")) {
            try s.store.registerOAuthClient(name: "none", redirectURIs: [], scope: nil)
        }
    }
}
