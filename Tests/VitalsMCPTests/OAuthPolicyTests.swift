import Foundation
import Testing
import VitalsStore
@testable import VitalsAuth
@testable import VitalsMCP

/// The authorization server's rules, without a server: which redirect URIs
/// a web or native client may register (RFC 8252 §7.1–7.3), how a request's
/// redirect matches a registered one, what a Client ID Metadata Document
/// must hold, and which hosts the fetcher refuses to reach.
@Suite struct OAuthPolicyTests {
    // MARK: - Redirect URIs

    @Test(arguments: [
        ("https://claude.ai/api/mcp/auth_callback", OAuthApplicationType.web, RedirectURI.Kind.https),
        ("https://chatgpt.com/connector_platform_oauth_redirect", .web, .https),
        ("http://127.0.0.1:33418/callback", .web, .loopback),
        ("http://localhost:6274/oauth/callback", .web, .loopback),
        ("http://[::1]:8000/cb", .web, .loopback),
        ("cursor://anysphere.cursor-mcp/oauth/callback", .native, .privateUse),
        ("com.example.app:/oauth2redirect/example-provider", .native, .privateUse),
        ("https://vscode.dev/redirect", .native, .https),
    ])
    func acceptedRedirects(uri: String, type: OAuthApplicationType, kind: RedirectURI.Kind) throws {
        #expect(try RedirectURI(uri, for: type).kind == kind)
    }

    @Test(arguments: [
        ("http://example.com/callback", OAuthApplicationType.native, "http is allowed only on a loopback host"),
        ("http://127.0.0.1.example.com/cb", .web, "http is allowed only on a loopback host"),
        ("https://app.example.com/cb#frag", .web, "must not have a fragment"),
        ("cursor://anysphere.cursor-mcp/oauth/callback", .web, "is for native apps only"),
        ("com.example.app:/cb", .web, "is for native apps only"),
        ("myapp:/callback", .native, "is not a reverse domain name"),
        ("javascript:alert(1)", .native, "never redirect URIs"),
        ("JavaScript:alert(1)", .native, "never redirect URIs"),
        ("data:text/html,hi", .native, "never redirect URIs"),
        ("file:///etc/passwd", .native, "never redirect URIs"),
        ("https://user:pw@app.example.com/cb", .web, "must not carry a user name or password"),
        ("not a url", .web, "not an absolute URI"),
        ("com.example.app:", .native, "nothing follows the scheme"),
    ])
    func refusedRedirects(uri: String, type: OAuthApplicationType, why: String) {
        #expect {
            try RedirectURI(uri, for: type)
        } throws: { error in
            guard let error = error as? OAuthError else { return false }
            return error.code == "invalid_redirect_uri" && error.message.hasPrefix(uri + ": ") && error.message.contains(why)
        }
    }

    @Test func aLoopbackRedirectMatchesInAnyPortOnly() throws {
        let registered = try RedirectURI("http://127.0.0.1/", for: .native)
        #expect(registered.match("http://127.0.0.1:51234/")?.port == 51234)                 // RFC 8252 §7.3
        #expect(registered.match("http://127.0.0.1/") != nil)
        #expect(registered.match("http://localhost:51234/") == nil)                         // another host
        #expect(registered.match("http://127.0.0.1:51234/other") == nil)                    // another path
        #expect(registered.match("http://127.0.0.1:51234/?next=x") == nil)                  // another query
        #expect(registered.match("https://127.0.0.1:51234/") == nil)                        // another scheme
        let site = try RedirectURI("https://claude.ai/api/mcp/auth_callback", for: .web)
        #expect(site.match("https://claude.ai:8443/api/mcp/auth_callback") == nil)          // ports are exact off loopback
        #expect(site.match("https://claude.ai/api/mcp/auth_callback") != nil)
        let app = try RedirectURI("cursor://anysphere.cursor-mcp/oauth/callback", for: .native)
        #expect(app.match("cursor://anysphere.cursor-mcp/oauth/callback/x") == nil)
    }

    @Test func theConsentPageNamesTheDestinationAndTheFormMayReachIt() throws {
        let loopback = try RedirectURI("http://127.0.0.1:4000/callback", for: .web)
        #expect(loopback.destination == "127.0.0.1:4000" && loopback.formActionSource == "http://127.0.0.1:4000")
        let site = try RedirectURI("https://claude.ai/api/mcp/auth_callback", for: .web)
        #expect(site.destination == "claude.ai" && site.formActionSource == "https://claude.ai")
        let app = try RedirectURI("cursor://anysphere.cursor-mcp/oauth/callback", for: .native)
        #expect(app.destination == "cursor://anysphere.cursor-mcp/oauth/callback" && app.formActionSource == "cursor:")
        let v6 = try RedirectURI("http://[::1]:8000/cb", for: .web)
        #expect(v6.formActionSource == "http:")  // CSP host sources cannot name an IPv6 literal
    }

    // MARK: - Client ID Metadata Documents

    static let url = "https://app.example.com/oauth/client.json"

    func document(_ fields: String) throws(OAuthError) -> ClientIDMetadataDocument {
        try ClientIDMetadataDocument(body: Array(fields.utf8), url: Self.url)
    }

    @Test func aGoodDocumentGivesItsClient() throws {
        let parsed = try document("""
            {"client_id": "\(Self.url)", "client_name": "Example MCP Client", "client_uri": "https://app.example.com",
             "redirect_uris": ["http://127.0.0.1:3000/callback", "http://localhost:3000/callback"],
             "grant_types": ["authorization_code"], "response_types": ["code"], "token_endpoint_auth_method": "none"}
            """)
        #expect(parsed.clientName == "Example MCP Client" && parsed.applicationType == .web)
        #expect(parsed.redirectURIs.map(\.text) == ["http://127.0.0.1:3000/callback", "http://localhost:3000/callback"])
        #expect(parsed.client(now: 5) == OAuthClient(clientID: Self.url, name: "Example MCP Client",
                                                     redirectURIs: ["http://127.0.0.1:3000/callback", "http://localhost:3000/callback"],
                                                     scope: nil, createdAt: 5))
        let native = try document("""
            {"client_id": "\(Self.url)", "client_name": "Cursor", "application_type": "native",
             "redirect_uris": ["cursor://anysphere.cursor-mcp/oauth/callback"]}
            """)
        #expect(native.redirectURIs.map(\.kind) == [.privateUse])
    }

    @Test(arguments: [
        (#"{"client_name": "x", "redirect_uris": ["https://a.example/cb"]}"#, "has no client_id"),
        (#"{"client_id": "https://app.example.com/oauth/client.json/", "client_name": "x", "redirect_uris": ["https://a.example/cb"]}"#,
         "names client_id https://app.example.com/oauth/client.json/; it must be the document's own URL, character for character"),
        (#"{"client_id": "https://APP.example.com/oauth/client.json", "client_name": "x", "redirect_uris": ["https://a.example/cb"]}"#,
         "it must be the document's own URL"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "redirect_uris": ["https://a.example/cb"]}"#, "has no client_name"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "  ", "redirect_uris": ["https://a.example/cb"]}"#,
         "has no client_name"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "x"}"#, "has no redirect_uris"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "x", "redirect_uris": []}"#, "has no redirect_uris"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "x", "redirect_uris": [7]}"#,
         "lists a redirect URI that is not a string: 7"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "x", "redirect_uris": ["http://evil.example/cb"]}"#,
         "lists an unacceptable redirect URI: http://evil.example/cb: http is allowed only on a loopback host"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "x", "redirect_uris": ["https://a.example/cb"], "client_secret": "s"}"#,
         "contains a client secret"),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "x", "redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}"#,
         #"asks for token_endpoint_auth_method "private_key_jwt"; this server serves public clients only: use none"#),
        (#"{"client_id": "https://app.example.com/oauth/client.json", "client_name": "x", "redirect_uris": ["https://a.example/cb"], "application_type": "tv"}"#,
         "has application_type tv; use web or native"),
        (#"["https://app.example.com/oauth/client.json"]"#, "is not a JSON object"),
        ("<html>", "is not JSON (invalid JSON at byte 0"),
    ])
    func badDocuments(body: String, why: String) {
        #expect {
            try document(body)
        } throws: { error in
            guard let error = error as? OAuthError else { return false }
            return error.code == "invalid_client" && error.message.hasPrefix("the client metadata document at \(Self.url) ")
                && error.message.contains(why)
        }
    }

    @Test(arguments: [
        ("https://app.example.com/oauth/client.json", false, nil),
        ("https://app.example.com/client?v=1", false, nil),
        ("http://127.0.0.1:8123/client.json", true, nil),
        ("http://127.0.0.1:8123/client.json", false, "must be an https URL"),
        ("http://app.example.com/client.json", true, "must be an https URL"),
        ("https://app.example.com", false, "must have a path"),
        ("https://app.example.com/", false, "must have a path"),
        ("https://app.example.com/a/../client.json", false, "must not have . or .. path segments"),
        ("https://app.example.com/client.json#x", false, "must not have a fragment"),
        ("https://me:pw@app.example.com/client.json", false, "must not carry a user name or password"),
        ("ftp://app.example.com/client.json", false, "must be an https URL"),
    ] as [(String, Bool, String?)])
    func clientIDURLs(clientID: String, allowHTTPLoopback: Bool, why: String?) {
        do {
            _ = try ClientIDMetadataDocument.url(of: clientID, allowHTTPLoopback: allowHTTPLoopback)
            #expect(why == nil, "accepted \(clientID)")
        } catch {
            #expect(error.code == "invalid_client")
            #expect(why.map { error.message.contains($0) } == true, "\(clientID): \(error.message)")
        }
    }

    @Test func addressesTheFetcherWillNotReach() {
        typealias F = ClientMetadataFetcher
        #expect(F.classify([93, 184, 216, 34]) == .public)
        #expect(F.classify([127, 0, 0, 1]) == .loopback)
        for literal: [UInt8] in [[10, 0, 0, 1], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254],
                                 [100, 64, 0, 1], [0, 0, 0, 0], [224, 0, 0, 1], [255, 255, 255, 255]] {
            #expect(F.classify(literal) == .nonPublic, "\(literal)")
        }
        #expect(F.classify([172, 32, 0, 1]) == .public && F.classify([100, 128, 0, 1]) == .public)
        #expect(F.classify(Array(repeating: 0, count: 15) + [1]) == .loopback)                          // ::1
        #expect(F.classify([0xFD] + Array(repeating: 0, count: 15)) == .nonPublic)                     // fd00::
        #expect(F.classify([0xFE, 0x80] + Array(repeating: 0, count: 14)) == .nonPublic)               // fe80::
        #expect(F.classify(Array(repeating: 0, count: 10) + [0xFF, 0xFF, 10, 0, 0, 1]) == .nonPublic)  // ::ffff:10.0.0.1
        #expect(F.classify([0x26, 0x06, 0x47, 0x00] + Array(repeating: 0, count: 12)) == .public)
        #expect(F.resolve("127.0.0.1") == [[127, 0, 0, 1]])
    }

    @Test func cacheLifetimesFollowCacheControlWithinLimits() {
        let fetcher = ClientMetadataFetcher(allowHTTPLoopback: false)
        #expect(fetcher.cacheLifetime(nil) == 60)
        #expect(fetcher.cacheLifetime("public, max-age=120") == 120)
        #expect(fetcher.cacheLifetime("max-age=86400") == 300)
        #expect(fetcher.cacheLifetime("no-store") == 0)
        #expect(fetcher.cacheLifetime("max-age=600, no-cache") == 0)
    }
}
