import Foundation
import HTTPTypes
import Hummingbird
import VitalsColumnar
import VitalsCrypto
import VitalsStore

/// `/settings/connected-apps`: sign in with the agency's Private
/// Integration Token, see the apps connected to the agency (scopes, last
/// use) and revoke them. The sign-in lives in an HttpOnly, SameSite=Strict
/// cookie; every form carries a CSRF token bound to it.
struct ConnectedAppsPage: Sendable {
    let server: AuthorizationServer

    static let path = "/settings/connected-apps"
    static let cookie = "vitals_settings"

    func addRoutes(to router: Router<VitalsRequestContext>) {
        router.get(RouterPath(stringLiteral: Self.path)) { request, _ in self.show(request) }
        router.post(RouterPath(stringLiteral: Self.path)) { request, context in
            await server.limited(context) { await self.signIn(request) }
        }
        router.post(RouterPath(stringLiteral: Self.path + "/revoke")) { request, context in
            await server.limited(context) { await self.revoke(request) }
        }
        router.post(RouterPath(stringLiteral: Self.path + "/sign-out")) { request, _ in await self.signOut(request) }
    }

    func session(_ request: Request) -> (id: String, session: SettingsSessions.Session)? {
        guard let id = request.cookies[Self.cookie]?.value, let session = server.settingsSessions.get(id) else { return nil }
        return (id, session)
    }

    func show(_ request: Request) -> Response {
        guard let (id, session) = session(request) else { return HTTPReply.html(Pages.signIn(error: nil)) }
        let notice = FormFields(query: request)["revoked"].map { "Disconnected \($0): its tokens no longer work." }
        do {
            let apps = try server.store.connectedApps(agencyKey: session.agencyKey).map { app in
                Pages.AppRow(clientID: app.clientID, clientName: app.clientName, scopes: app.scopes.map(\.rawValue).joined(separator: ", "),
                             granted: CivilTime.formatTimestamp(seconds: app.grantedAt),
                             lastUsed: app.lastUsedMilliseconds.map { CivilTime.formatTimestamp(seconds: $0 / 1000) } ?? "never",
                             active: app.active)
            }
            return HTTPReply.html(Pages.connectedApps(Pages.ConnectedApps(
                agencyID: session.agencyID, apps: apps, csrfToken: server.csrfToken(nonce: id, for: "settings"), notice: notice)))
        } catch {
            return HTTPReply.html(Pages.message("Something went wrong", String(describing: error)), status: .internalServerError)
        }
    }

    func signIn(_ request: Request) async -> Response {
        let form = try? await FormFields.body(of: request)
        let token = form?["token"] ?? ""
        let credential: Credential
        do {
            credential = try server.store.authenticate(key: token)
        } catch {
            server.auditFailedLogin(token: token, client: "settings", error: error)
            return HTTPReply.html(Pages.signIn(error: "That token is not valid: \(error.description)."), status: .unauthorized)
        }
        let id = Crypto.base64URL(Crypto.randomBytes(24))
        server.settingsSessions.insert(id, .init(agencyKey: credential.agencyKey, agencyID: credential.agencyID, keyID: credential.keyID,
                                                 expires: Date().addingTimeInterval(SettingsSessions.lifetime)))
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: Self.cookie, value: id, maxAge: Int(SettingsSessions.lifetime), path: "/settings",
                                     secure: server.urls.isHTTPS, httpOnly: true, sameSite: .strict).description
        return HTTPReply.redirect(Self.path, status: .seeOther, headers: headers)
    }

    func revoke(_ request: Request) async -> Response {
        guard let (id, session) = session(request) else {
            return HTTPReply.html(Pages.signIn(error: "Your sign-in has expired; sign in again."), status: .unauthorized)
        }
        let form = try? await FormFields.body(of: request)
        guard server.csrfValid(form?["csrf_token"], nonce: id, for: "settings") else {
            return HTTPReply.html(Pages.message("Form check failed", "The form did not come from this page (CSRF check failed)."),
                                  status: .forbidden)
        }
        guard let clientID = form?["client_id"] else { return HTTPReply.redirect(Self.path, status: .seeOther) }
        do {
            guard try server.store.revokeOAuthClient(clientID, agencyKey: session.agencyKey,
                                                     by: "key \(session.keyID) on the connected-apps page") != nil else {
                return HTTPReply.html(Pages.message("Could not revoke", "There is no app \(clientID)."), status: .badRequest)
            }
        } catch {
            return HTTPReply.html(Pages.message("Could not revoke", String(describing: error)), status: .badRequest)
        }
        return HTTPReply.redirect(HTTPReply.url(Self.path, adding: [("revoked", clientID)]), status: .seeOther)
    }

    func signOut(_ request: Request) async -> Response {
        if let (id, _) = session(request) {
            let form = try? await FormFields.body(of: request)
            if server.csrfValid(form?["csrf_token"], nonce: id, for: "settings") { server.settingsSessions.remove(id) }
        }
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: Self.cookie, value: "", maxAge: 0, path: "/settings").description
        return HTTPReply.redirect(Self.path, status: .seeOther, headers: headers)
    }
}
