import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VitalsJSON
import VitalsTools
@testable import VitalsAuth
@testable import VitalsMCP

extension ServedStore {
    /// The server with `authRateLimit` per client IP on the OAuth routes and the pages' posts.
    func server(authRateLimit: RateLimit?) -> MCPHTTPServer {
        var configuration = MCPHTTPConfiguration(host: "127.0.0.1", port: 0)
        configuration.publicURL = "http://localhost"
        configuration.authRateLimit = authRateLimit
        return MCPHTTPServer(store: store, live: try! LiveContext(store: store), configuration: configuration)
    }
}

/// The refusals of discovery, the OAuth endpoints and the pages, in process
/// (`app.test(.router)`): RFC 6749 JSON where a client reads the answer, a
/// page (never a redirect) where a person does, 429 over the per-IP limit.
/// The whole flows, with real clients and a browser, are in `tests/oauth`.
@Suite struct OAuthRoutesTests {
    let served = ServedStore.shared

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func json(_ response: TestResponse) -> JSONValue {
        (try? JSONValue.parse(bytes: Array(response.body.readableBytesView))) ?? .null
    }

    /// Registers a web client with one loopback redirect URI; returns its client_id.
    func register(_ client: some TestClientProtocol, redirect: String = "http://127.0.0.1:9/cb") async throws -> String {
        let metadata: JSONValue = ["client_name": "routes test", "redirect_uris": [.string(redirect)]]
        return try await client.execute(uri: "/register", method: .post, headers: [.contentType: "application/json"],
                                        body: ByteBuffer(string: metadata.text())) { response in
            #expect(response.status == .created)
            return try #require(json(response)["client_id"]?.stringValue)
        }
    }

    /// An RFC 6749 §5.2 refusal: its status, `no-store`, and the error code (nil when the body is not one).
    func oauthError(_ response: TestResponse) -> String? {
        #expect(response.headers[.contentType] == "application/json")
        #expect(response.headers[.cacheControl] == "no-store")
        guard let description = json(response)["error_description"]?.stringValue, !description.isEmpty else { return nil }
        return json(response)["error"]?.stringValue
    }

    @Test func theDiscoveryDocumentsNameTheServerAndItsEndpoints() async throws {
        try await served.server().makeApplication().test(.router) { client in
            for path in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/api/mcp"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    let document = json(response)
                    #expect(document["resource"] == "http://localhost/api/mcp", "\(path)")
                    #expect(document["authorization_servers"] == ["http://localhost"], "\(path)")
                    #expect(document["bearer_methods_supported"] == ["header"], "\(path)")
                }
            }
            try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let metadata = json(response)
                #expect(metadata["issuer"] == "http://localhost")
                #expect(metadata["authorization_endpoint"] == "http://localhost/authorize")
                #expect(metadata["token_endpoint"] == "http://localhost/token")
                #expect(metadata["registration_endpoint"] == "http://localhost/register")
                #expect(metadata["revocation_endpoint"] == "http://localhost/revoke")
                #expect(metadata["code_challenge_methods_supported"] == ["S256"])
                #expect(metadata["token_endpoint_auth_methods_supported"] == ["none"])
                #expect(metadata["authorization_response_iss_parameter_supported"] == true)
                #expect(metadata["client_id_metadata_document_supported"] == true)
            }
            try await client.execute(uri: "/.well-known/mcp.json", method: .get) { response in
                #expect(response.status == .ok)
                let descriptor = json(response)
                #expect(descriptor["endpoint"] == "http://localhost/api/mcp")
                #expect(descriptor["transport"] == "streamable-http")
                #expect(descriptor["authentication"]?["oauth2"]?["protected_resource_metadata"]
                    == "http://localhost/.well-known/oauth-protected-resource/api/mcp")
                #expect(descriptor["authentication"]?["api_key"]?["header"] == "x-api-key")
            }
        }
    }

    @Test(arguments: [
        (["http://example.com/callback"], "invalid_redirect_uri"),
        (["https://app.example.com/cb#fragment"], "invalid_redirect_uri"),
        (["javascript:alert(1)"], "invalid_redirect_uri"),
        (["com.example.app:/cb"], "invalid_redirect_uri"),  // a private-use scheme needs application_type native
        ([], "invalid_client_metadata"),
    ] as [([String], String)])
    func registrationRefusesAnUnsafeRedirectURI(uris: [String], error: String) async throws {
        let metadata: JSONValue = ["client_name": "routes test", "redirect_uris": .array(uris.map { .string($0) })]
        try await served.server().makeApplication().test(.router) { client in
            try await client.execute(uri: "/register", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: metadata.text())) { response in
                #expect(response.status == .badRequest)
                #expect(oauthError(response) == error, "\(uris)")
            }
        }
    }

    @Test func theTokenEndpointRefusesWithRFC6749Errors() async throws {
        try await served.server().makeApplication().test(.router) { client in
            let clientID = try await register(client)
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("grant_type=authorization_code&client_id=\(clientID)&code=no-such-code&code_verifier=\(String(repeating: "v", count: 43))"
                    + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb", .badRequest, "invalid_grant"),
                ("grant_type=refresh_token&client_id=\(clientID)&refresh_token=no-such-token", .badRequest, "invalid_grant"),
                ("grant_type=password&client_id=\(clientID)", .badRequest, "unsupported_grant_type"),
                ("grant_type=authorization_code&client_id=\(clientID)&code=x", .badRequest, "invalid_request"),
                ("grant_type=refresh_token&refresh_token=x", .badRequest, "invalid_request"),
                ("grant_type=refresh_token&client_id=no-such-client&refresh_token=x", .unauthorized, "invalid_client"),
                // RFC 6749 §3.2: a parameter is never sent twice.
                ("grant_type=refresh_token&client_id=\(clientID)&client_id=\(clientID)&refresh_token=x", .badRequest, "invalid_request"),
            ]
            for (body, status, error) in cases {
                try await client.execute(uri: "/token", method: .post, headers: Self.form, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(body)")
                    #expect(oauthError(response) == error, "\(body)")
                }
            }
            try await client.execute(uri: "/revoke", method: .post, headers: Self.form, body: ByteBuffer(string: "client_id=\(clientID)")) { response in
                #expect(response.status == .badRequest)
                #expect(oauthError(response) == "invalid_request")
            }
        }
    }

    @Test func overThePerIPLimitIs429WithRetryAfterAndDiscoveryIsNotLimited() async throws {
        try await served.server(authRateLimit: RateLimit(rate: 0.05, burst: 2)).makeApplication().test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                try await client.execute(uri: "/token", method: .post, headers: Self.form,
                                         body: ByteBuffer(string: "grant_type=refresh_token&client_id=nobody&refresh_token=x")) { response in
                    statuses.append(response.status)
                    if response.status == .tooManyRequests {
                        #expect(response.headers[.retryAfter] == "20")
                        #expect(json(response)["error"]?.stringValue?.hasPrefix("rate limit exceeded for this client address") == true)
                    }
                }
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
            // The same bucket guards the pages' sign-in; reading the documents and the page takes nothing from it.
            try await client.execute(uri: "/settings/connected-apps", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "token=vk_wrong")) { response in
                #expect(response.status == .tooManyRequests)
            }
            try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/settings/connected-apps", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(arguments: [
        "response_type=code&client_id=no-such-client&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s",
        "response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s",
    ])
    func anUnknownClientGetsAPageNotARedirect(query: String) async throws {
        try await served.server().makeApplication().test(.router) { client in
            try await client.execute(uri: "/authorize?" + query, method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.location] == nil)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                let page = String(buffer: response.body)
                #expect(page.contains("<h1>Unknown app</h1>"))
                #expect(!page.contains("id=\"consent\""))
            }
        }
    }

    @Test func anUnregisteredRedirectURIGetsAPageAndABadRequestGoesBackWithIss() async throws {
        try await served.server().makeApplication().test(.router) { client in
            let clientID = try await register(client)
            try await client.execute(uri: "/authorize?response_type=code&client_id=\(clientID)&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
                                     method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.location] == nil)
                #expect(String(buffer: response.body).contains("Redirect address not registered"))
            }
            // Once the redirect URI is the client's, the refusal goes back to it (RFC 6749 §4.1.2.1), with `iss` (RFC 9207).
            try await client.execute(uri: "/authorize?response_type=code&client_id=\(clientID)&state=s1&code_challenge_method=plain",
                                     method: .get) { response in
                #expect(response.status == .found)
                let location = try #require(response.headers[.location])
                #expect(location.hasPrefix("http://127.0.0.1:9/cb?error=invalid_request&error_description="))
                #expect(location.hasSuffix("&state=s1&iss=http://localhost"))
            }
        }
    }

    @Test func thePagesRefuseWithPages() async throws {
        try await served.server().makeApplication().test(.router) { client in
            try await client.execute(uri: "/authorize", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "request_id=no-such-request&action=allow")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("Request expired"))
            }
            try await client.execute(uri: "/settings/connected-apps", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "token=vk_0123456789_wrong")) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("That token is not valid"))
            }
            try await client.execute(uri: "/settings/connected-apps/revoke", method: .post, headers: Self.form,
                                     body: ByteBuffer(string: "client_id=vc_x&csrf_token=x")) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("Your sign-in has expired"))
            }
            let oversized = ByteBuffer(string: "token=" + String(repeating: "x", count: Request.maxFormBody))
            try await client.execute(uri: "/settings/connected-apps", method: .post, headers: Self.form, body: oversized) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("The form could not be read."))
            }
        }
    }
}
