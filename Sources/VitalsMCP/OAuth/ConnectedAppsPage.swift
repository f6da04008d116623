import Foundation
import HTTPTypes
import Hummingbird
import VitalsColumnar
import VitalsCrypto
import VitalsStore

/// `/settings/connected-apps`: sign in with the agency's Private
/// Integration Token, see the apps connected to the agency (scopes, last
/// use) and revoke them. The sign-in lives in an HttpOnly, SameSite=Strict
/// cookie; every form carries a CSRF token bound to it. A refusal is a
/// ``PageHTTPError``: the sign-in form again, or a page that says why.
struct ConnectedAppsPage: Sendable {
    let server: AuthorizationServer

    static let path = "/settings/connected-apps"
    static let cookie = "vitals_settings"

    /// The page's forms. Each posts some of these fields; an empty one counts as absent.
    struct Form: Decodable {
        let token: String?
        let clientID: String?
        let csrfToken: String?

        enum CodingKeys: String, CodingKey {
            case token, clientID = "client_id", csrfToken = "csrf_token"
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            token = try fields.formValue(.token)
            clientID = try fields.formValue(.clientID)
            csrfToken = try fields.formValue(.csrfToken)
        }
    }

    /// The routes, relative to ``path``. Signing in and revoking check a
    /// token or a CSRF pair, so they are behind the per-IP limit; showing
    /// the page and signing out are not.
    func collection(rateLimit: ClientIPRateLimitMiddleware?) -> RouteCollection<VitalsRequestContext> {
        let routes = RouteCollection(context: VitalsRequestContext.self)
        routes.get { request, _ in try show(request) }
        routes.post("sign-out") { request, _ in try await signOut(request) }
        let limited = routes.group()
        if let rateLimit { limited.add(middleware: rateLimit) }
        limited.post { request, _ in try await signIn(request) }
        limited.post("revoke") { request, _ in try await revoke(request) }
        return routes
    }

    func session(_ request: Request) -> (id: String, session: SettingsSession)? {
        guard let id = request.cookies[Self.cookie]?.value, let session = server.settingsSessions.get(id) else { return nil }
        return (id, session)
    }

    /// The form of a post, or a page saying it could not be read.
    func form(of request: Request) async throws(PageHTTPError) -> Form {
        do {
            return try await request.decodeForm(as: Form.self)
        } catch {
            throw .message("Bad request", "The form could not be read.")
        }
    }

    /// The list of connected apps, or the sign-in form for a browser not signed in.
    func show(_ request: Request) throws(PageHTTPError) -> Response {
        guard let (id, session) = session(request) else { return HTTPReply.html(Pages.signIn(error: nil)) }
        let notice = FormFields(query: request)["revoked"].map { "Disconnected \($0): its tokens no longer work." }
        let apps: [Pages.AppRow]
        do {
            apps = try server.store.connectedApps(agencyKey: session.agencyKey).map { app in
                Pages.AppRow(clientID: app.clientID, clientName: app.clientName, scopes: app.scopes.map(\.rawValue).joined(separator: ", "),
                             granted: CivilTime.formatTimestamp(seconds: app.grantedAt),
                             lastUsed: app.lastUsedMilliseconds.map { CivilTime.formatTimestamp(seconds: $0 / 1000) } ?? "never",
                             active: app.active)
            }
        } catch {
            throw .message("Something went wrong", String(describing: error), status: .internalServerError)
        }
        return HTTPReply.html(Pages.connectedApps(Pages.ConnectedApps(
            agencyID: session.agencyID, apps: apps, csrfToken: server.csrfToken(nonce: id, for: "settings"), notice: notice)))
    }

    func signIn(_ request: Request) async throws(PageHTTPError) -> Response {
        let token = try await form(of: request).token ?? ""
        let credential: Credential
        do {
            credential = try server.store.authenticate(key: token)
        } catch {
            server.auditFailedLogin(token: token, client: "settings", error: error)
            throw PageHTTPError(status: .unauthorized, page: Pages.signIn(error: "That token is not valid: \(error.description)."))
        }
        let id = Crypto.base64URL(Crypto.randomBytes(24))
        server.settingsSessions.insert(id, .init(agencyKey: credential.agencyKey, agencyID: credential.agencyID, keyID: credential.keyID))
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: Self.cookie, value: id, maxAge: Int(server.settingsSessions.lifetime), path: "/settings",
                                     secure: server.urls.isHTTPS, httpOnly: true, sameSite: .strict).description
        return HTTPReply.redirect(Self.path, status: .seeOther, headers: headers)
    }

    func revoke(_ request: Request) async throws(PageHTTPError) -> Response {
        guard let (id, session) = session(request) else {
            throw PageHTTPError(status: .unauthorized, page: Pages.signIn(error: "Your sign-in has expired; sign in again."))
        }
        let form = try await form(of: request)
        guard server.csrfValid(form.csrfToken, nonce: id, for: "settings") else {
            throw .message("Form check failed", "The form did not come from this page (CSRF check failed).", status: .forbidden)
        }
        guard let clientID = form.clientID else { return HTTPReply.redirect(Self.path, status: .seeOther) }
        let revoked: Bool
        do {
            revoked = try server.store.revokeOAuthClient(clientID, agencyKey: session.agencyKey,
                                                         by: "key \(session.keyID) on the connected-apps page") != nil
        } catch {
            throw .message("Could not revoke", String(describing: error))
        }
        guard revoked else { throw .message("Could not revoke", "There is no app \(clientID).") }
        return HTTPReply.redirect(HTTPReply.url(Self.path, adding: [("revoked", clientID)]), status: .seeOther)
    }

    /// Ends the sign-in (when the form is this page's own) and clears the cookie either way.
    func signOut(_ request: Request) async throws(PageHTTPError) -> Response {
        if let (id, _) = session(request) {
            let form = try await form(of: request)
            if server.csrfValid(form.csrfToken, nonce: id, for: "settings") { server.settingsSessions.remove(id) }
        }
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: Self.cookie, value: "", maxAge: 0, path: "/settings").description
        return HTTPReply.redirect(Self.path, status: .seeOther, headers: headers)
    }
}
