import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VitalsAnalytics
import VitalsCrypto
import VitalsJSON
import VitalsProtocol
import VitalsStore
import VitalsTools
import VitalsViews

/// `/dashboard` on `vitals serve --http`: the agency page (the report's
/// sections, linked, with CSV downloads of its tables) and an account page
/// on which a person closes a CTA, ticks a task or logs a note. Pages are
/// rendered on the server (``DashboardPages``); every action is a form post
/// (no script), answered by a redirect back to the page (post/redirect/get).
///
/// Signing in takes the agency's token, as the connected-apps page does.
/// The browser gets only a random session id in an HttpOnly cookie; the
/// token stays in the server's memory and is checked again on every
/// request, so a revoked or expired key stops working at once. Reads run
/// with the token's scopes, writes through the MCP tools' own handler
/// (``VitalsMCPServer/answer(_:arguments:)``: scopes, `--read-only`,
/// idempotency and the audit log), and every form carries a CSRF token
/// bound to the session.
struct DashboardRoutes: Sendable {
    let server: AuthorizationServer
    let mcp: MCPRoutes
    let sessions: SignInSessions<String>

    static let path = "/dashboard"
    static let cookie = "vitals_dashboard"
    /// A working day; signing out ends it sooner.
    static let lifetime: TimeInterval = 8 * 3600
    static let csrfPurpose = "dashboard"

    init(server: AuthorizationServer, mcp: MCPRoutes) {
        self.server = server
        self.mcp = mcp
        sessions = SignInSessions(lifetime: Self.lifetime)
    }

    /// The fields the dashboard's forms post; an empty one counts as absent.
    struct Form: Decodable {
        let token: String?
        let csrfToken: String?
        let outcome: String?
        let kind: String?
        let subject: String?
        let body: String?
        let idempotencyKey: String?

        enum CodingKeys: String, CodingKey {
            case token, csrfToken = "csrf_token", outcome, kind, subject, body, idempotencyKey = "idempotency_key"
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            token = try fields.formValue(.token)
            csrfToken = try fields.formValue(.csrfToken)
            outcome = try fields.formValue(.outcome)
            kind = try fields.formValue(.kind)
            subject = try fields.formValue(.subject)
            body = try fields.formValue(.body)
            idempotencyKey = try fields.formValue(.idempotencyKey)
        }
    }

    /// The routes, relative to ``path``. Signing in and the forms that
    /// change data check a token or a CSRF pair, so they are behind the
    /// per-IP limit; pages, CSV and signing out are not.
    func collection(rateLimit: ClientIPRateLimitMiddleware?) -> RouteCollection<VitalsRequestContext> {
        let routes = RouteCollection(context: VitalsRequestContext.self)
        routes.get { request, _ in try agencyPage(request) }
        routes.get("accounts/:account") { request, context in try accountPage(request, accountID: context.parameters.get("account") ?? "") }
        routes.get("csv/:table") { request, context in try csv(request, table: context.parameters.get("table") ?? "") }
        routes.post("sign-out") { request, _ in try await signOut(request) }
        let limited = routes.group()
        if let rateLimit { limited.add(middleware: rateLimit) }
        limited.post { request, _ in try await signIn(request) }
        limited.post("ctas/:cta/close") { request, context in try await closeCTA(request, id: context.parameters.get("cta") ?? "") }
        limited.post("tasks/:task/done") { request, context in try await completeTask(request, id: context.parameters.get("task") ?? "") }
        limited.post("accounts/:account/activities") { request, context in
            try await logNote(request, accountID: context.parameters.get("account") ?? "")
        }
        return routes
    }

    // MARK: - Sign-in

    /// The signed-in browser: its session id and its token's credential,
    /// checked now (nil: not signed in, or the key was revoked or expired).
    func signedIn(_ request: Request) -> (id: String, credential: Credential)? {
        guard let id = request.cookies[Self.cookie]?.value, let token = sessions.get(id) else { return nil }
        guard let credential = try? server.store.authenticate(key: token) else {
            sessions.remove(id)
            return nil
        }
        return (id, credential)
    }

    /// The signed-in credential, or the sign-in page (401).
    func requireSignIn(_ request: Request) throws(PageHTTPError) -> (id: String, credential: Credential) {
        guard let signedIn = signedIn(request) else {
            throw PageHTTPError(status: .unauthorized, page: DashboardPages.signIn(base: Self.path, error: ended(request)))
        }
        return signedIn
    }

    /// Why a browser with a cookie is not signed in.
    func ended(_ request: Request) -> String? {
        request.cookies[Self.cookie] == nil ? nil : "Your sign-in has ended (it lasts 8 hours, and ends when the token is revoked or expires); sign in again."
    }

    func signIn(_ request: Request) async throws(PageHTTPError) -> Response {
        let token = try await form(of: request).token ?? ""
        do {
            _ = try server.store.authenticate(key: token)
        } catch {
            server.auditFailedLogin(token: token, client: "dashboard", error: error)
            throw PageHTTPError(status: .unauthorized, page: DashboardPages.signIn(base: Self.path, error: "That token is not valid: \(error.description)."))
        }
        let id = Crypto.base64URL(Crypto.randomBytes(24))
        sessions.insert(id, token)
        var headers = HTTPFields()
        // Lax, not Strict: a link to an account page (in an alert, a chat) opens signed in; the forms carry CSRF tokens.
        headers[.setCookie] = Cookie(name: Self.cookie, value: id, maxAge: Int(Self.lifetime), path: Self.path,
                                     secure: server.urls.isHTTPS, httpOnly: true, sameSite: .lax).description
        return HTTPReply.redirect(Self.path, status: .seeOther, headers: headers)
    }

    /// Ends the sign-in (when the form is the dashboard's own) and clears the cookie either way.
    func signOut(_ request: Request) async throws(PageHTTPError) -> Response {
        if let (id, _) = signedIn(request) {
            let form = try await form(of: request)
            if server.csrfValid(form.csrfToken, nonce: id, for: Self.csrfPurpose) { sessions.remove(id) }
        }
        var headers = HTTPFields()
        headers[.setCookie] = Cookie(name: Self.cookie, value: "", maxAge: 0, path: Self.path).description
        return HTTPReply.redirect(Self.path, status: .seeOther, headers: headers)
    }

    // MARK: - Pages

    /// The agency page, or the sign-in form for a browser not signed in.
    func agencyPage(_ request: Request) throws(PageHTTPError) -> Response {
        guard let (id, credential) = signedIn(request) else { return HTTPReply.html(DashboardPages.signIn(base: Self.path, error: ended(request))) }
        let links = links(request, sessionID: id, credential: credential)
        return try page(request, credential, action: "dashboard.agency", accountID: nil) { reader throws(ToolError) in
            try DashboardPages.agency(reader, links: links, notice: notice(request))
        }
    }

    func accountPage(_ request: Request, accountID: String) throws(PageHTTPError) -> Response {
        let (id, credential) = try requireSignIn(request)
        let links = links(request, sessionID: id, credential: credential)
        return try page(request, credential, action: "dashboard.account", accountID: accountID) { reader throws(ToolError) in
            try DashboardPages.account(reader, accountID: accountID, links: links, notice: notice(request))
        }
    }

    /// One of the agency page's tables as CSV, every row (`Content-Disposition: attachment`).
    func csv(_ request: Request, table: String) throws(PageHTTPError) -> Response {
        let (_, credential) = try requireSignIn(request)
        let reader = try reader(request, credential)
        let text: String?
        do {
            text = try DashboardPages.csv(reader, table: table)
        } catch {
            throw refusal(error, back: Self.path)
        }
        guard let text else {
            throw PageHTTPError(status: .notFound, page: DashboardPages.message(
                title: "No such table", detail: "There is no table \(table); the tables are: \(DashboardPages.tables.joined(separator: ", ")).",
                back: Self.path))
        }
        audit(credential, action: "dashboard.csv", accountID: nil, outcome: "ok", started: Date())
        let filename = "\(credential.agencyID)-\(table)-\(reader.day).csv"
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                               .contentDisposition: "attachment; filename=\"\(filename)\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Renders a page with the signed-in credential's reader, audited like a read tool call.
    func page(_ request: Request, _ credential: Credential, action: String, accountID: String?,
              _ render: (ViewReader) throws(ToolError) -> String) throws(PageHTTPError) -> Response {
        let started = Date()
        let reader = try reader(request, credential)
        do {
            let html = try render(reader)
            audit(credential, action: action, accountID: accountID, outcome: "ok", started: started)
            return HTTPReply.html(html)
        } catch {
            audit(credential, action: action, accountID: accountID, outcome: error.message, started: started)
            throw refusal(error, back: Self.path)
        }
    }

    /// The tools' reader for this request: the credential's agency and scopes, the `as_of` the person chose.
    func reader(_ request: Request, _ credential: Credential) throws(PageHTTPError) -> ViewReader {
        var asOf: AsOf?
        if let text = FormFields(query: request)["as_of"] {
            guard let day = AsOf(text) else {
                throw PageHTTPError(status: .badRequest, page: DashboardPages.message(
                    title: "Not a day", detail: "as_of must be a day such as 2026-11-20; got \(text).", back: Self.path))
            }
            asOf = day
        }
        do {
            return try ViewReader(context: mcp.live.current(), agencyID: credential.agencyID, asOf: asOf, scopes: credential.scopes)
        } catch {
            throw refusal(error, back: Self.path)
        }
    }

    func links(_ request: Request, sessionID: String, credential: Credential) -> DashboardLinks {
        DashboardLinks(base: Self.path, asOf: FormFields(query: request)["as_of"],
                       csrfToken: server.csrfToken(nonce: sessionID, for: Self.csrfPurpose),
                       canWrite: !mcp.readOnly && credential.scopes.contains(.writeActivities))
    }

    /// What the last action did, said by the page it came back to (a fixed sentence per action: nothing from the URL is shown).
    func notice(_ request: Request) -> String? {
        switch FormFields(query: request)["done"] {
        case "closed": "CTA closed."
        case "task": "Task marked done."
        case "logged": "Logged on the timeline."
        case "unchanged": "Nothing to change: it was already so."
        default: nil
        }
    }

    // MARK: - Actions

    func closeCTA(_ request: Request, id: String) async throws(PageHTTPError) -> Response {
        let (credential, form) = try await action(request)
        var arguments: [String: JSONValue] = ["cta_id": .string(id), "status": "closed"]
        if let outcome = form.outcome { arguments["outcome"] = .string(outcome) }
        return try write("update_cta", arguments, credential: credential, done: "closed")
    }

    func completeTask(_ request: Request, id: String) async throws(PageHTTPError) -> Response {
        let (credential, _) = try await action(request)
        return try write("update_cta_task", ["task_id": .string(id), "done": true], credential: credential, done: "task")
    }

    func logNote(_ request: Request, accountID: String) async throws(PageHTTPError) -> Response {
        let (credential, form) = try await action(request)
        var arguments: [String: JSONValue] = ["account_id": .string(accountID), "kind": .string(form.kind ?? "note"),
                                              "body": .string(form.body ?? "")]
        if let subject = form.subject { arguments["subject"] = .string(subject) }
        // The form's own key: a second click or a resubmitted page logs the note once.
        if let key = form.idempotencyKey { arguments["idempotency_key"] = .string(key) }
        return try write("log_activity", arguments, credential: credential, done: "logged")
    }

    /// A form post's credential and fields, once its CSRF token matches the session.
    func action(_ request: Request) async throws(PageHTTPError) -> (Credential, Form) {
        let (id, credential) = try requireSignIn(request)
        let form = try await form(of: request)
        guard server.csrfValid(form.csrfToken, nonce: id, for: Self.csrfPurpose) else {
            throw PageHTTPError(status: .forbidden, page: DashboardPages.message(
                title: "Form check failed", detail: "The form did not come from this dashboard (CSRF check failed); reload the page and try again.",
                back: Self.path))
        }
        return (credential, form)
    }

    /// Runs a write tool as the signed-in credential and goes back to the account's page;
    /// a refusal is a page with the tool's own message (what is wrong and what to do).
    func write(_ tool: String, _ arguments: [String: JSONValue], credential: Credential, done: String) throws(PageHTTPError) -> Response {
        let result = mcp.service(credential).answer(tool, arguments: .object(arguments))
        let back = arguments["account_id"]?.stringValue ?? result.structured?["account_id"]?.stringValue
        let backURL = back.map { Self.path + "/accounts/" + DashboardLinks.escape($0) } ?? Self.path
        guard !result.isError else {
            throw PageHTTPError(status: .badRequest, page: DashboardPages.message(title: "Not done", detail: result.text, back: backURL))
        }
        let changed = result.structured?["changed"]?.arrayValue
        return HTTPReply.redirect(HTTPReply.url(backURL, adding: [("done", changed?.isEmpty == true ? "unchanged" : done)]), status: .seeOther)
    }

    // MARK: - Helpers

    func form(of request: Request) async throws(PageHTTPError) -> Form {
        do {
            return try await request.decodeForm(as: Form.self)
        } catch {
            throw PageHTTPError(status: error.status, page: DashboardPages.message(title: "Bad request", detail: error.body ?? "The form could not be read.", back: Self.path))
        }
    }

    /// A tool's refusal (an unknown account, a day outside the data, a missing scope) as a page: 404 for what does not exist.
    func refusal(_ error: ToolError, back: String) -> PageHTTPError {
        let missing = error.message.contains("not tracked by this agency") || error.message.hasPrefix("unknown")
        return PageHTTPError(status: missing ? .notFound : .badRequest,
                             page: DashboardPages.message(title: missing ? "Not found" : "Cannot show this", detail: error.message, back: back))
    }

    func audit(_ credential: Credential, action: String, accountID: String?, outcome: String, started: Date) {
        mcp.audit.record(AuditEntry(agencyKey: credential.agencyKey, client: credential.client, action: action, accountID: accountID,
                                    outcome: outcome, durationMilliseconds: Date().timeIntervalSince(started) * 1000))
    }
}
