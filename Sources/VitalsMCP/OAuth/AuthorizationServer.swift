import Foundation
import HTTPTypes
import Hummingbird
import VitalsCrypto
import VitalsJSON
import VitalsStore
import VitalsTools

/// The OAuth 2.1 authorization server built into `vitals serve --http`:
/// discovery (RFC 8414, RFC 9728, `/.well-known/mcp.json`), clients by
/// dynamic registration (RFC 7591; native apps per RFC 8252) or by Client
/// ID Metadata Document (an https `client_id`), the authorization-code flow
/// with PKCE S256 and a consent page where the user pastes the agency's
/// Private Integration Token, `iss` on every authorization response
/// (RFC 9207), the token endpoint (code and refresh grants, rotating
/// refresh tokens) and revocation (RFC 7009). Codes and tokens live in the
/// store, as hashes; pending consent requests live in memory for 10 minutes.
final class AuthorizationServer: Sendable {
    let store: Store
    let urls: ServerURLs
    /// Codes and tokens (living `lifetimes`): the policy's rulings applied to the store.
    let grants: OAuthGrants
    /// Per client IP: registration, authorization, token, revocation and every form post (token guessing).
    let ipLimiter: RateLimiter<String>?
    let pending = PendingAuthorizations()
    let settingsSessions = SettingsSessions()
    /// Signs CSRF tokens (HMAC-SHA-256); new at every start, like the pending requests it protects.
    let csrfKey = Crypto.randomBytes(32)
    /// Client ID Metadata Documents of URL `client_id`s.
    let metadataDocuments: ClientMetadataFetcher

    static let consentLifetime: TimeInterval = 600

    init(store: Store, urls: ServerURLs, lifetimes: OAuthLifetimes, ipLimit: RateLimit?,
         metadataDocuments: ClientMetadataFetcher = .fromEnvironment()) {
        self.store = store
        self.urls = urls
        grants = OAuthGrants(store: store, lifetimes: lifetimes)
        ipLimiter = ipLimit.map { RateLimiter($0) }
        self.metadataDocuments = metadataDocuments
    }

    func addRoutes(to router: Router<VitalsRequestContext>) {
        router.get("/.well-known/oauth-protected-resource") { _, _ in self.protectedResourceMetadata() }
        router.get(RouterPath(stringLiteral: "/.well-known/oauth-protected-resource" + urls.endpoint)) { _, _ in self.protectedResourceMetadata() }
        router.get("/.well-known/oauth-authorization-server") { _, _ in self.authorizationServerMetadata() }
        router.get("/.well-known/mcp.json") { _, _ in self.serverDescriptor() }
        router.post("/register") { request, context in
            await self.limited(context) { await self.register(request) }
        }
        router.get("/authorize") { request, context in
            // Limited too: each request holds a pending consent in memory for 10 minutes.
            await self.limited(context) { await self.authorize(request) }
        }
        router.post("/authorize") { request, context in
            await self.limited(context) { await self.consent(request) }
        }
        router.post("/token") { request, context in
            await self.limited(context) { await self.token(request) }
        }
        router.post("/revoke") { request, context in
            await self.limited(context) { await self.revoke(request) }
        }
        ConnectedAppsPage(server: self).addRoutes(to: router)
    }

    /// Runs `handler` unless the client IP is over its limit (429).
    func limited(_ context: VitalsRequestContext, _ handler: () async -> Response) async -> Response {
        if let retry = ipLimiter?.take(context.clientIP) {
            return HTTPReply.tooManyRequests(retryAfter: retry, "this client address")
        }
        return await handler()
    }

    // MARK: - Discovery

    static let scopeNames = JSONValue.array(Scope.allCases.map { .string($0.rawValue) })

    func protectedResourceMetadata() -> Response {
        HTTPReply.json(.object([
            "resource": .string(urls.resource),
            "authorization_servers": .array([.string(urls.issuer)]),
            "scopes_supported": Self.scopeNames,
            "bearer_methods_supported": .array([.string("header")]),
            "resource_name": .string("Vitals"),
        ]))
    }

    func authorizationServerMetadata() -> Response {
        let issuer = urls.issuer
        return HTTPReply.json(.object([
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/authorize"),
            "token_endpoint": .string(issuer + "/token"),
            "registration_endpoint": .string(issuer + "/register"),
            "revocation_endpoint": .string(issuer + "/revoke"),
            "response_types_supported": .array([.string("code")]),
            "grant_types_supported": .array([.string("authorization_code"), .string("refresh_token")]),
            "code_challenge_methods_supported": .array([.string("S256")]),
            "token_endpoint_auth_methods_supported": .array([.string("none")]),
            "revocation_endpoint_auth_methods_supported": .array([.string("none")]),
            "scopes_supported": Self.scopeNames,
            // RFC 9207 §3: every authorization response carries `iss`.
            "authorization_response_iss_parameter_supported": .bool(true),
            // MCP 2026-07-28 client-registration: an https client_id is fetched as its metadata document.
            "client_id_metadata_document_supported": .bool(true),
        ]))
    }

    func serverDescriptor() -> Response {
        HTTPReply.json(.object([
            "name": .string("vitals"),
            "title": .string("Vitals customer-success analytics"),
            "version": .string(VitalsMCPServer.version),
            "description": .string("Health scores, churn risk, adoption, revenue and renewals of an agency's client accounts, as MCP tools."),
            "endpoint": .string(urls.resource),
            "transport": .string("streamable-http"),
            "authentication": .object([
                "oauth2": .object([
                    "authorization_server": .string(urls.issuer),
                    "protected_resource_metadata": .string(urls.protectedResourceMetadata),
                    "scopes": Self.scopeNames,
                ]),
                "api_key": .object(["header": .string("x-api-key")]),
            ]),
        ]))
    }

    // MARK: - Registration (RFC 7591)

    func register(_ request: Request) async -> Response {
        guard let buffer = try? await request.body.collect(upTo: 64 << 10),
              let metadata = try? JSONValue.parse(String(buffer: buffer)), case let .object(fields) = metadata else {
            return HTTPReply.oauthError("invalid_client_metadata", "the body must be a JSON object of client metadata (RFC 7591)")
        }
        func strings(_ name: String) -> [String]? {
            guard case let .array(items)? = fields[name] else { return nil }
            return items.compactMap { if case let .string(text) = $0 { text } else { nil } }
        }
        let name: String = if case let .string(text)? = fields["client_name"] { text } else { "" }
        let scope: String? = if case let .string(text)? = fields["scope"] { text } else { nil }
        let applicationType: OAuthApplicationType
        switch fields["application_type"] {
        case nil: applicationType = .web
        case let .string(raw)?:
            guard let known = OAuthApplicationType(rawValue: raw) else {
                return HTTPReply.oauthError("invalid_client_metadata", "application_type \(raw) is not supported; use web or native")
            }
            applicationType = known
        case let other?:
            return HTTPReply.oauthError("invalid_client_metadata", "application_type must be the string web or native, got \(other.text())")
        }
        guard case let .array(uriValues)? = fields["redirect_uris"], !uriValues.isEmpty else {
            return HTTPReply.oauthError("invalid_client_metadata", "redirect_uris is required and must not be empty")
        }
        var redirectURIs: [String] = []
        for value in uriValues {
            guard case let .string(uri) = value else {
                return HTTPReply.oauthError("invalid_client_metadata", "redirect_uris must be strings, got \(value.text())")
            }
            do {
                redirectURIs.append(try RedirectURI(uri, for: applicationType).text)
            } catch {
                return HTTPReply.oauthError(error.code, error.message)
            }
        }
        if let grants = strings("grant_types"), let other = grants.first(where: { !["authorization_code", "refresh_token"].contains($0) }) {
            return HTTPReply.oauthError("invalid_client_metadata", "grant type \(other) is not supported; use authorization_code and refresh_token")
        }
        if let types = strings("response_types"), types.contains(where: { $0 != "code" }) {
            return HTTPReply.oauthError("invalid_client_metadata", "only the response type code is supported")
        }
        if let scope {
            do {
                _ = try OAuthPolicy.scopes(scope)
            } catch {
                return HTTPReply.oauthError("invalid_client_metadata", error.message)
            }
        }
        // Every client is public: whatever auth method was asked for, it is registered with "none" (RFC 7591 §3.2.1 allows replacing it).
        let client = OAuthClient(clientID: OAuthPolicy.newClientID(), name: name.isEmpty ? "Unnamed app" : String(name.prefix(100)),
                                 redirectURIs: redirectURIs, scope: scope, createdAt: Int64(Date().timeIntervalSince1970),
                                 applicationType: applicationType)
        do {
            try store.registerOAuthClient(client)
            var body: [String: JSONValue] = [
                "client_id": .string(client.clientID),
                "client_id_issued_at": .int(Int(client.createdAt)),
                "client_name": .string(client.name),
                "redirect_uris": .array(client.redirectURIs.map { .string($0) }),
                "grant_types": .array([.string("authorization_code"), .string("refresh_token")]),
                "response_types": .array([.string("code")]),
                "token_endpoint_auth_method": .string("none"),
                "application_type": .string(client.applicationType.rawValue),
            ]
            if let scope { body["scope"] = .string(scope) }
            return HTTPReply.json(.object(body), status: .created)
        } catch {
            return HTTPReply.oauthError("server_error", String(describing: error), status: .internalServerError)
        }
    }

    // MARK: - Authorization (code flow + PKCE)

    /// GET /authorize: validates the request and shows the consent page.
    /// An unknown client, a client whose metadata document is refused, or
    /// a redirect URI the client did not register is shown on a page (never
    /// redirected to); other errors go back to the client, with `iss`.
    func authorize(_ request: Request) async -> Response {
        let query = FormFields(query: request)
        let client: OAuthClient
        let registered: [RedirectURI]
        var metadataURL: String?
        switch await resolveClient(query["client_id"]) {
        case let .found(known, uris, url):
            (client, registered, metadataURL) = (known, uris, url)
        case let .refused(page):
            return page
        }
        let redirect: RedirectURI
        if let given = query["redirect_uri"] {
            guard let matched = registered.lazy.compactMap({ $0.match(given) }).first else {
                let source = metadataURL.map { "the redirect URIs of its metadata document at \($0)" } ?? "the redirect URIs it registered"
                return HTTPReply.html(Pages.message("Redirect address not registered",
                    "\(client.name) asked to be sent back to \(given), which is not one of \(source). Nothing was shared."), status: .badRequest)
            }
            redirect = matched
        } else if registered.count == 1 {
            redirect = registered[0]
        } else {
            return HTTPReply.html(Pages.message("Redirect address missing", "\(client.name) has several redirect URIs; "
                + "the request must name one (redirect_uri)."), status: .badRequest)
        }
        let state = query["state"]
        func refuse(_ code: String, _ description: String) -> Response {
            HTTPReply.redirect(authorizationResponse(to: redirect.text, [("error", code), ("error_description", description), ("state", state)]))
        }
        guard query["response_type"] == "code" else {
            return refuse("unsupported_response_type", "response_type must be code")
        }
        guard let challenge = query["code_challenge"] else {
            return refuse("invalid_request", "code_challenge is required (PKCE with S256)")
        }
        guard query["code_challenge_method"] == "S256" else {
            return refuse("invalid_request", "code_challenge_method must be S256; plain is not accepted")
        }
        guard (43...128).contains(challenge.count) else {
            return refuse("invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the verifier")
        }
        if let resource = query["resource"], resource != urls.resource {
            return refuse("invalid_target", "resource must be \(urls.resource)")
        }
        let scopes: [Scope]
        do {
            scopes = try query["scope"].map(OAuthPolicy.scopes) ?? Scope.reads
        } catch {
            return refuse("invalid_scope", error.message)
        }
        guard !scopes.isEmpty else { return refuse("invalid_scope", "no scope requested") }
        let authorization = PendingAuthorization(id: Crypto.base64URL(Crypto.randomBytes(18)), client: client, redirect: redirect,
                                                 metadataURL: metadataURL, state: state, codeChallenge: challenge, scopes: scopes,
                                                 resource: urls.resource, expires: Date().addingTimeInterval(Self.consentLifetime))
        pending.insert(authorization)
        let nonce = request.cookies["vitals_csrf"]?.value.nilIfMalformedNonce ?? Crypto.base64URL(Crypto.randomBytes(18))
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: "vitals_csrf", value: nonce, maxAge: Int(Self.consentLifetime), path: "/authorize",
                                     secure: urls.isHTTPS, httpOnly: true, sameSite: .lax).description
        return consentPage(authorization, nonce: nonce, ticked: Set(scopes), error: nil, headers: headers)
    }

    /// What a `client_id` of an authorization request names.
    enum ClientLookup {
        /// The client, the redirect URIs it may use and, for a URL client id, its metadata document's address.
        case found(OAuthClient, [RedirectURI], metadataURL: String?)
        /// The page that explains why not.
        case refused(Response)
    }

    /// The client a `client_id` names: a registered one, or one fetched as a
    /// Client ID Metadata Document and recorded (grants refer to it).
    func resolveClient(_ clientID: String?) async -> ClientLookup {
        guard let clientID, !clientID.isEmpty else {
            return .refused(HTTPReply.html(Pages.message("Unknown app", "The request names no app (client_id is missing). "
                + "Start again from the app."), status: .badRequest))
        }
        if ClientIDMetadataDocument.isURL(clientID) {
            do {
                let document = try await metadataDocuments.document(for: clientID)
                let client = try store.saveMetadataDocumentClient(document.client(now: Int64(Date().timeIntervalSince1970)))
                return .found(client, document.redirectURIs, metadataURL: clientID)
            } catch let error as OAuthError {
                return .refused(HTTPReply.html(Pages.message("App metadata refused", "This app identifies itself with the metadata document "
                    + "at \(clientID), which Vitals cannot accept: \(error.message) (\(error.code)). Nothing was shared."), status: .badRequest))
            } catch {
                return .refused(HTTPReply.html(Pages.message("Something went wrong", "The app could not be recorded: \(error)"),
                                               status: .internalServerError))
            }
        }
        let found: OAuthClient?
        do {
            found = try store.oauthClient(clientID)
        } catch {
            return .refused(HTTPReply.html(Pages.message("Something went wrong", "The app could not be looked up: \(error)"),
                                           status: .internalServerError))
        }
        guard let client = found else {
            return .refused(HTTPReply.html(Pages.message("Unknown app", "This app is not registered with this Vitals server (unknown client_id). "
                + "Start again from the app, which registers itself first."), status: .badRequest))
        }
        // Each was checked at registration; one that today's rules refuse is no longer offered.
        let uris = client.redirectURIs.compactMap { try? RedirectURI($0, for: client.applicationType) }
        return .found(client, uris, metadataURL: nil)
    }

    /// An authorization response (success or error) to `redirectURI`, with
    /// the issuer as `iss` so the client can tell which server answered
    /// (RFC 9207 §2: "in authorization responses, including error responses").
    func authorizationResponse(to redirectURI: String, _ parameters: [(String, String?)]) -> String {
        HTTPReply.url(redirectURI, adding: parameters + [("iss", urls.issuer)])
    }

    func consentPage(_ authorization: PendingAuthorization, nonce: String, ticked: Set<Scope>, error: String?,
                     status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let redirect = authorization.redirect
        let page = Pages.consent(Pages.Consent(
            clientName: authorization.client.name,
            redirect: redirect,
            metadataURL: authorization.metadataURL,
            requestID: authorization.id,
            csrfToken: csrfToken(nonce: nonce, for: "authorize|" + authorization.id),
            scopes: authorization.scopes.map { Pages.ScopeRow($0, checked: ticked.contains($0)) },
            error: error))
        var response = HTTPReply.html(page, status: status, headers: headers)
        // The answer to the form is a redirect to the app: browsers check it against form-action.
        response.headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' \(redirect.formActionSource); frame-ancestors 'none'"
        return response
    }

    /// A CSRF token: HMAC of the browser's cookie nonce and what the form is for.
    func csrfToken(nonce: String, for purpose: String) -> String {
        Crypto.base64URL(Crypto.hmacSHA256(key: csrfKey, nonce + "|" + purpose))
    }

    func csrfValid(_ token: String?, nonce: String?, for purpose: String) -> Bool {
        guard let token, let nonce else { return false }
        return Crypto.constantTimeEqual(Array(token.utf8), Array(csrfToken(nonce: nonce, for: purpose).utf8))
    }

    /// POST /authorize: the consent form. Deny goes back with
    /// `access_denied`; Allow with a valid token issues a code for the
    /// ticked scopes that the token also holds.
    func consent(_ request: Request) async -> Response {
        guard let form = try? await FormFields.body(of: request) else {
            return HTTPReply.html(Pages.message("Bad request", "The form could not be read."), status: .badRequest)
        }
        guard let requestID = form["request_id"], let authorization = pending.get(requestID) else {
            return HTTPReply.html(Pages.message("Request expired", "This authorization request has expired or is unknown; "
                + "start again from your app."), status: .badRequest)
        }
        let nonce = request.cookies["vitals_csrf"]?.value
        guard csrfValid(form["csrf_token"], nonce: nonce, for: "authorize|" + requestID), let nonce else {
            return HTTPReply.html(Pages.message("Form check failed", "The form did not come from this consent page (CSRF check failed). "
                + "Start again from your app."), status: .forbidden)
        }
        let state = authorization.state
        if form["action"] != "allow" {
            pending.remove(requestID)
            return HTTPReply.redirect(authorizationResponse(to: authorization.redirectURI, [
                ("error", "access_denied"), ("error_description", "the user denied the request"), ("state", state)]))
        }
        let ticked = Set(form.all("scope").compactMap(Scope.init(rawValue:))).intersection(authorization.scopes)
        let credential: Credential
        do {
            credential = try store.authenticate(key: form["token"] ?? "")
        } catch {
            auditFailedLogin(token: form["token"] ?? "", client: authorization.client.clientID, error: error)
            let why = form["token"] == nil ? "Paste your agency's Private Integration Token to continue."
                : "That token is not valid: \(error.description). Paste a current API key of your agency (vitals token create)."
            return consentPage(authorization, nonce: nonce, ticked: ticked, error: why, status: .unauthorized)
        }
        let granted = ticked.intersection(credential.scopes).sorted()
        guard !granted.isEmpty else {
            let why = ticked.isEmpty ? "Tick at least one permission, or click Deny."
                : "Your token does not hold any of the ticked permissions (it has \(credential.scopes.sorted().map(\.rawValue).joined(separator: ", ")))."
            return consentPage(authorization, nonce: nonce, ticked: ticked, error: why, status: .badRequest)
        }
        pending.remove(requestID)
        do {
            let code = try grants.issueCode(clientID: authorization.client.clientID, credential: credential, scopes: granted,
                                            resource: authorization.resource, redirectURI: authorization.redirectURI,
                                            codeChallenge: authorization.codeChallenge)
            return HTTPReply.redirect(authorizationResponse(to: authorization.redirectURI, [("code", code), ("state", state)]))
        } catch {
            return HTTPReply.html(Pages.message("Something went wrong", "The grant could not be recorded: \(error)"), status: .internalServerError)
        }
    }

    /// Records a wrong token on a page, under the agency of the key id it named when that is known.
    func auditFailedLogin(token: String, client: String, error: CredentialError) {
        let agency = try? store.agencyKeyOfAPIKey(token)
        try? store.appendAudit([AuditEntry(agencyKey: agency.flatMap { $0 }, client: client, action: "oauth.failed_login",
                                           outcome: "refused: \(error.description)")])
    }

    // MARK: - Tokens

    func token(_ request: Request) async -> Response {
        guard let form = try? await FormFields.body(of: request) else {
            return HTTPReply.oauthError("invalid_request", "the body must be application/x-www-form-urlencoded")
        }
        guard let clientID = form["client_id"] else {
            return HTTPReply.oauthError("invalid_request", "client_id is required (public clients authenticate with it alone)")
        }
        guard (try? store.oauthClient(clientID)) != nil else {
            return HTTPReply.oauthError("invalid_client", "unknown client_id \(clientID); register at /register", status: .unauthorized)
        }
        do {
            let tokens: OAuthTokens
            switch form["grant_type"] {
            case "authorization_code":
                guard let code = form["code"], let verifier = form["code_verifier"], let redirectURI = form["redirect_uri"] else {
                    return HTTPReply.oauthError("invalid_request", "code, code_verifier and redirect_uri are required")
                }
                tokens = try grants.exchange(code: code, clientID: clientID, redirectURI: redirectURI, verifier: verifier,
                                             resource: form["resource"])
            case "refresh_token":
                guard let refresh = form["refresh_token"] else { return HTTPReply.oauthError("invalid_request", "refresh_token is required") }
                tokens = try grants.refresh(refresh, clientID: clientID, scope: form["scope"], resource: form["resource"])
            case let other:
                return HTTPReply.oauthError("unsupported_grant_type", "grant_type \(other ?? "(missing)") is not supported; "
                    + "use authorization_code or refresh_token")
            }
            return HTTPReply.json(.object([
                "access_token": .string(tokens.accessToken),
                "token_type": .string("Bearer"),
                "expires_in": .int(Int(tokens.expiresIn)),
                "refresh_token": .string(tokens.refreshToken),
                "scope": .string(tokens.scopes.map(\.rawValue).joined(separator: " ")),
            ]))
        } catch let error as OAuthError {
            return HTTPReply.oauthError(error.code, error.message)
        } catch {
            return HTTPReply.oauthError("server_error", String(describing: error), status: .internalServerError)
        }
    }

    /// POST /revoke (RFC 7009): 200 whether or not the token was known.
    func revoke(_ request: Request) async -> Response {
        guard let form = try? await FormFields.body(of: request), let token = form["token"] else {
            return HTTPReply.oauthError("invalid_request", "token is required")
        }
        do {
            try grants.revoke(token, clientID: form["client_id"])
        } catch {
            return HTTPReply.oauthError("server_error", String(describing: error), status: .internalServerError)
        }
        return HTTPReply.json(.object([:]))
    }
}

/// Where the server is reached: the port it is bound to, and from it (or
/// from `--public-url`) the issuer, the MCP resource and the metadata addresses.
final class ServerURLs: @unchecked Sendable {
    private let lock = NSLock()
    private var boundPort: Int
    private let host: String
    private let publicBase: String?
    let endpoint: String

    init(publicURL: String?, host: String, port: Int, endpoint: String) {
        publicBase = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.host = host
        boundPort = port
        self.endpoint = endpoint
    }

    /// Called once the server listens (the port differs from the configured one when that was 0).
    func bound(port: Int) { lock.withLock { boundPort = port } }

    /// The port the server listens on.
    var port: Int { lock.withLock { boundPort } }

    /// The authorization server's issuer identifier (no trailing slash).
    var issuer: String {
        if let publicBase { return publicBase }
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(name):\(port)"
    }

    /// The MCP endpoint: the audience of every access token.
    var resource: String { issuer + endpoint }
    var protectedResourceMetadata: String { issuer + "/.well-known/oauth-protected-resource" + endpoint }
    var isHTTPS: Bool { issuer.hasPrefix("https://") }
}

private extension String {
    /// A cookie nonce as this server sets it (24 base64url characters), or nil.
    var nilIfMalformedNonce: String? {
        count == 24 && allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? self : nil
    }
}
