import Foundation
import HTTPTypes
import Hummingbird
import VitalsAuth
import VitalsCrypto
import VitalsStore

extension OAuthRoutes {
    /// The client an authorization request names, as far as the consent page needs it.
    struct AuthorizingClient {
        let client: OAuthClient
        /// The redirect URIs it may use: registered, or listed in its metadata document.
        let redirectURIs: [RedirectURI]
        /// For a URL `client_id`, its metadata document's address.
        let metadataURL: String?
    }

    /// `GET /authorize`: validates the request and shows the consent page.
    /// An unknown client, a client whose metadata document is refused, or
    /// a redirect URI the client did not register is shown on a page (never
    /// redirected to); once the redirect URI is the client's, other errors
    /// go back to the client, with `iss`.
    func authorize(_ request: Request) async throws -> Response {
        let query = FormFields(query: request)
        let found = try await resolveClient(query["client_id"])
        let client = found.client
        let redirect: RedirectURI
        if let given = query["redirect_uri"] {
            guard let matched = found.redirectURIs.lazy.compactMap({ $0.match(given) }).first else {
                let source = found.metadataURL.map { "the redirect URIs of its metadata document at \($0)" } ?? "the redirect URIs it registered"
                throw PageHTTPError.message("Redirect address not registered",
                    "\(client.name) asked to be sent back to \(given), which is not one of \(source). Nothing was shared.")
            }
            redirect = matched
        } else if found.redirectURIs.count == 1 {
            redirect = found.redirectURIs[0]
        } else {
            throw PageHTTPError.message("Redirect address missing", "\(client.name) has several redirect URIs; "
                + "the request must name one (redirect_uri).")
        }
        let state = query["state"]
        func refusal(_ code: String, _ description: String) -> AuthorizationErrorRedirect {
            AuthorizationErrorRedirect(error: OAuthError(code, description), redirectURI: redirect.text, state: state, issuer: server.urls.issuer)
        }
        guard query["response_type"] == "code" else {
            throw refusal("unsupported_response_type", "response_type must be code")
        }
        guard let challenge = query["code_challenge"] else {
            throw refusal("invalid_request", "code_challenge is required (PKCE with S256)")
        }
        guard query["code_challenge_method"] == "S256" else {
            throw refusal("invalid_request", "code_challenge_method must be S256; plain is not accepted")
        }
        guard (43...128).contains(challenge.count) else {
            throw refusal("invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the verifier")
        }
        if let resource = query["resource"], resource != server.urls.resource {
            throw refusal("invalid_target", "resource must be \(server.urls.resource)")
        }
        let scopes: [Scope]
        do {
            scopes = try query["scope"].map(OAuthPolicy.scopes) ?? Scope.reads
        } catch {
            throw refusal("invalid_scope", error.message)
        }
        guard !scopes.isEmpty else { throw refusal("invalid_scope", "no scope requested") }
        let authorization = PendingAuthorization(id: Crypto.base64URL(Crypto.randomBytes(18)), client: client, redirect: redirect,
                                                 metadataURL: found.metadataURL, state: state, codeChallenge: challenge, scopes: scopes,
                                                 resource: server.urls.resource,
                                                 expires: Date().addingTimeInterval(AuthorizationServer.consentLifetime))
        server.pending.insert(authorization)
        let nonce = request.cookies["vitals_csrf"]?.value.nilIfMalformedNonce ?? Crypto.base64URL(Crypto.randomBytes(18))
        var (page, headers) = consentPage(authorization, nonce: nonce, ticked: Set(scopes), error: nil)
        headers[.setCookie] = Cookie(name: "vitals_csrf", value: nonce, maxAge: Int(AuthorizationServer.consentLifetime), path: "/authorize",
                                     secure: server.urls.isHTTPS, httpOnly: true, sameSite: .lax).description
        return HTTPReply.html(page, headers: headers)
    }

    /// The client a `client_id` names: a registered one, or one fetched as a
    /// Client ID Metadata Document and recorded (grants refer to it).
    /// - Throws: ``PageHTTPError`` saying why not.
    func resolveClient(_ clientID: String?) async throws(PageHTTPError) -> AuthorizingClient {
        guard let clientID, !clientID.isEmpty else {
            throw .message("Unknown app", "The request names no app (client_id is missing). Start again from the app.")
        }
        if ClientIDMetadataDocument.isURL(clientID) {
            do {
                let document = try await server.metadataDocuments.document(for: clientID)
                let client = try server.store.saveMetadataDocumentClient(document.client(now: Int64(Date().timeIntervalSince1970)))
                return AuthorizingClient(client: client, redirectURIs: document.redirectURIs, metadataURL: clientID)
            } catch let error as OAuthError {
                throw .message("App metadata refused", "This app identifies itself with the metadata document "
                    + "at \(clientID), which Vitals cannot accept: \(error.message) (\(error.code)). Nothing was shared.")
            } catch {
                throw .message("Something went wrong", "The app could not be recorded: \(error)", status: .internalServerError)
            }
        }
        let found: OAuthClient?
        do {
            found = try server.store.oauthClient(clientID)
        } catch {
            throw .message("Something went wrong", "The app could not be looked up: \(error)", status: .internalServerError)
        }
        guard let client = found else {
            throw .message("Unknown app", "This app is not registered with this Vitals server (unknown client_id). "
                + "Start again from the app, which registers itself first.")
        }
        // Each was checked at registration; one that today's rules refuse is no longer offered.
        let uris = client.redirectURIs.compactMap { try? RedirectURI($0, for: client.applicationType) }
        return AuthorizingClient(client: client, redirectURIs: uris, metadataURL: nil)
    }

    /// The consent page and the headers it needs: its CSP's `form-action`
    /// names the redirect's destination, as the answer to the form is a
    /// redirect there and browsers check it against `form-action`.
    func consentPage(_ authorization: PendingAuthorization, nonce: String, ticked: Set<Scope>,
                     error: String?) -> (page: String, headers: HTTPFields) {
        let redirect = authorization.redirect
        let page = Pages.consent(Pages.Consent(
            clientName: authorization.client.name,
            redirect: redirect,
            metadataURL: authorization.metadataURL,
            requestID: authorization.id,
            csrfToken: server.csrfToken(nonce: nonce, for: "authorize|" + authorization.id),
            scopes: authorization.scopes.map { Pages.ScopeRow($0, checked: ticked.contains($0)) },
            error: error))
        let policy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' \(redirect.formActionSource); frame-ancestors 'none'"
        return (page, [.contentSecurityPolicy: policy])
    }

    /// `POST /authorize`: the consent form. Deny goes back with
    /// `access_denied`; Allow with a valid token issues a code for the
    /// ticked scopes that the token also holds. A wrong token or nothing
    /// to grant shows the consent page again, with the reason.
    func consent(_ request: Request) async throws -> Response {
        let form: FormFields
        do {
            form = try await request.formFields()
        } catch {
            throw PageHTTPError.message("Bad request", "The form could not be read.")
        }
        guard let requestID = form["request_id"], let authorization = server.pending.get(requestID) else {
            throw PageHTTPError.message("Request expired", "This authorization request has expired or is unknown; "
                + "start again from your app.")
        }
        let nonce = request.cookies["vitals_csrf"]?.value
        guard server.csrfValid(form["csrf_token"], nonce: nonce, for: "authorize|" + requestID), let nonce else {
            throw PageHTTPError.message("Form check failed", "The form did not come from this consent page (CSRF check failed). "
                + "Start again from your app.", status: .forbidden)
        }
        let state = authorization.state
        if form["action"] != "allow" {
            server.pending.remove(requestID)
            throw AuthorizationErrorRedirect(error: OAuthError("access_denied", "the user denied the request"),
                                             redirectURI: authorization.redirectURI, state: state, issuer: server.urls.issuer)
        }
        let ticked = Set(form.all("scope").compactMap(Scope.init(rawValue:))).intersection(authorization.scopes)
        func again(_ why: String, status: HTTPResponse.Status) -> PageHTTPError {
            let (page, headers) = consentPage(authorization, nonce: nonce, ticked: ticked, error: why)
            return PageHTTPError(status: status, page: page, headers: headers)
        }
        let credential: Credential
        do {
            credential = try server.store.authenticate(key: form["token"] ?? "")
        } catch {
            server.auditFailedLogin(token: form["token"] ?? "", client: authorization.client.clientID, error: error)
            throw again(form["token"] == nil ? "Paste your agency's Private Integration Token to continue."
                : "That token is not valid: \(error.description). Paste a current API key of your agency (vitals token create).",
                status: .unauthorized)
        }
        let granted = ticked.intersection(credential.scopes).sorted()
        guard !granted.isEmpty else {
            throw again(ticked.isEmpty ? "Tick at least one permission, or click Deny."
                : "Your token does not hold any of the ticked permissions (it has \(credential.scopes.sorted().map(\.rawValue).joined(separator: ", "))).",
                status: .badRequest)
        }
        server.pending.remove(requestID)
        let code: String
        do {
            code = try server.grants.issueCode(clientID: authorization.client.clientID, credential: credential, scopes: granted,
                                               resource: authorization.resource, redirectURI: authorization.redirectURI,
                                               codeChallenge: authorization.codeChallenge)
        } catch {
            throw PageHTTPError.message("Something went wrong", "The grant could not be recorded: \(error)", status: .internalServerError)
        }
        // RFC 9207 §2: `iss` on the success response too.
        return HTTPReply.redirect(HTTPReply.url(authorization.redirectURI, adding: [("code", code), ("state", state), ("iss", server.urls.issuer)]))
    }
}

private extension String {
    /// A cookie nonce as this server sets it (24 base64url characters), or nil.
    var nilIfMalformedNonce: String? {
        count == 24 && allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? self : nil
    }
}
