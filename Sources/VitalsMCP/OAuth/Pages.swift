import Foundation
import Mustache
import VitalsAuth
import VitalsStore

/// The server-rendered HTML pages of the authorization server: the consent
/// page, the connected-apps page and error pages. Plain HTML forms (they
/// work without JavaScript), inline styles, nothing loaded from elsewhere;
/// every value is HTML-escaped by Mustache's `{{ }}`.
enum Pages {
    /// What each scope lets an app do, in plain language.
    static func describe(_ scope: Scope) -> String {
        switch scope {
        case .readAccounts: "See your client accounts: health scores, churn risk, renewals, feature adoption and login activity."
        case .readUsers: "See the users of your client accounts and when they last logged in."
        case .readRevenue: "See revenue: MRR, NRR and GRR, failed payments and upsell candidates."
        case .readFeedback: "See NPS responses and their comments."
        case .readActivities: "See your team's work on each account: calls to action and their tasks, success plans, and timeline notes."
        case .writeWorkflows: "Trigger your agency's workflows (they may call webhooks and reach your clients)."
        case .writeFeedback: "Send feedback requests to your client accounts' owners."
        case .writeMetadata: "Change account priorities and which users are key users."
        case .writeActivities: "Open, update and close calls to action and their tasks, write success plans, and log notes, calls and meetings."
        }
    }

    /// One scope as the consent page lists it.
    struct ScopeRow {
        let scope: String
        let id: String
        let description: String
        let write: Bool
        let checked: Bool

        init(_ scope: Scope, checked: Bool) {
            self.scope = scope.rawValue
            id = "scope-" + scope.rawValue.replacingOccurrences(of: ":", with: "-")
            description = Pages.describe(scope)
            write = scope.rawValue.hasPrefix("write:")
            self.checked = checked
        }
    }

    /// The consent page: who asks (and who vouches for the name), where
    /// the answer goes, and what it may do.
    struct Consent {
        let clientName: String
        /// The redirect's host (and port on loopback), or the whole URI of a private-use scheme.
        let redirectHost: String
        let redirectURI: String
        /// One of the three is true: an https site, a program on this computer (loopback), an app (private-use scheme).
        let toWebsite: Bool
        let toThisComputer: Bool
        let toApp: Bool
        let appScheme: String
        /// A client known by its metadata document: the document's URL and host.
        let metadataURL: String?
        let metadataHost: String?
        /// A client that named itself at registration (nobody vouches for the name).
        let selfNamed: Bool
        let requestID: String
        let csrfToken: String
        let scopes: [ScopeRow]
        let error: String?
        /// Stored, not computed: Mustache sees stored properties (Mirror).
        let asksToWrite: Bool

        init(clientName: String, redirect: RedirectURI, metadataURL: String?, requestID: String, csrfToken: String, scopes: [ScopeRow],
             error: String?) {
            self.clientName = clientName
            redirectHost = redirect.destination
            redirectURI = redirect.text
            toWebsite = redirect.kind == .https
            toThisComputer = redirect.kind == .loopback
            toApp = redirect.kind == .privateUse
            appScheme = redirect.scheme
            self.metadataURL = metadataURL
            metadataHost = metadataURL.flatMap { URLComponents(string: $0)?.host }
            selfNamed = metadataURL == nil
            self.requestID = requestID
            self.csrfToken = csrfToken
            self.scopes = scopes
            self.error = error
            asksToWrite = scopes.contains { $0.write && $0.checked }
        }
    }

    struct AppRow {
        let clientID: String
        let clientName: String
        let scopes: String
        let granted: String
        let lastUsed: String
        let active: Bool
    }

    struct ConnectedApps {
        let agencyID: String
        let apps: [AppRow]
        let csrfToken: String
        let notice: String?
        let hasApps: Bool

        init(agencyID: String, apps: [AppRow], csrfToken: String, notice: String?) {
            self.agencyID = agencyID
            self.apps = apps
            self.csrfToken = csrfToken
            self.notice = notice
            hasApps = !apps.isEmpty
        }
    }

    static func consent(_ page: Consent) -> String {
        render("consent", page, title: "Connect \(page.clientName) to Vitals")
    }

    static func connectedApps(_ page: ConnectedApps) -> String {
        render("connected-apps", page, title: "Connected apps: \(page.agencyID)")
    }

    static func signIn(error: String?) -> String {
        render("sign-in", error.map { ["error": $0] } ?? [:], title: "Connected apps: sign in")
    }

    static func message(_ title: String, _ text: String) -> String {
        render("message", ["heading": title, "text": text], title: title)
    }

    private static func render(_ name: String, _ object: Any, title: String) -> String {
        let body = library.render(object, withTemplate: name) ?? ""
        return library.render(["title": title, "body": body], withTemplate: "layout") ?? body
    }

    private static let library: MustacheLibrary = {
        // The templates are literals of this file: a parse error is a programming error.
        let templates = try! [
            "layout": MustacheTemplate(string: layout),
            "consent": MustacheTemplate(string: consentTemplate),
            "connected-apps": MustacheTemplate(string: connectedAppsTemplate),
            "sign-in": MustacheTemplate(string: signInTemplate),
            "message": MustacheTemplate(string: messageTemplate),
        ]
        return MustacheLibrary(templates: templates)
    }()

    private static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title>
        <style>
          body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f4f6f9; margin: 0; }
          main { max-width: 34rem; margin: 3rem auto; background: #fff; border-radius: 10px; padding: 2rem 2.25rem;
                 box-shadow: 0 1px 3px rgba(0,0,0,.12); }
          h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
          p.lead { color: #4a5468; margin-top: 0; }
          p.about { color: #3d4656; font-size: .92rem; }
          p.about code { font-size: .85rem; background: #eef1f6; padding: 0 .3rem; border-radius: 4px; word-break: break-all; }
          label.token { display: block; font-weight: 600; margin: 1.25rem 0 .25rem; }
          input[type=password] { width: 100%; box-sizing: border-box; padding: .55rem .65rem; font: inherit; border: 1px solid #b8c0cc;
                                 border-radius: 6px; }
          .hint { font-size: .85rem; color: #5b6577; margin: .25rem 0 0; }
          fieldset { border: 1px solid #dde2ea; border-radius: 8px; margin: 1.25rem 0; padding: .5rem 1rem 1rem; }
          legend { font-weight: 600; padding: 0 .35rem; }
          .scope { display: flex; gap: .6rem; align-items: flex-start; margin-top: .7rem; }
          .scope input { margin-top: .3rem; }
          .scope code { font-size: .85rem; background: #eef1f6; padding: 0 .3rem; border-radius: 4px; }
          .scope .write { color: #9a3412; font-size: .8rem; font-weight: 600; margin-left: .3rem; }
          .scope span.what { display: block; color: #3d4656; font-size: .92rem; }
          .actions { display: flex; gap: .75rem; margin-top: 1.5rem; }
          button { font: inherit; padding: .55rem 1.3rem; border-radius: 6px; border: 1px solid #b8c0cc; background: #fff; cursor: pointer; }
          button.primary { background: #2457d6; border-color: #2457d6; color: #fff; font-weight: 600; }
          p.error { background: #fdecec; border: 1px solid #f3b4b4; color: #8f1d1d; padding: .6rem .8rem; border-radius: 6px; }
          p.notice { background: #eaf6ee; border: 1px solid #b3dcc0; color: #1d5a31; padding: .6rem .8rem; border-radius: 6px; }
          table { width: 100%; border-collapse: collapse; margin-top: 1rem; font-size: .92rem; }
          th, td { text-align: left; padding: .5rem .4rem; border-bottom: 1px solid #e3e7ee; vertical-align: top; }
          .muted { color: #6b7587; }
        </style>
        </head>
        <body><main>
        {{{body}}}
        </main></body>
        </html>
        """

    private static let consentTemplate = """
        <h1>Connect {{clientName}} to Vitals</h1>
        <p class="lead"><strong>{{clientName}}</strong> wants to read your agency's customer-success data in Vitals{{#asksToWrite}} and act on it{{/asksToWrite}}.</p>
        <p class="about" id="client-identity">{{#metadataURL}}{{clientName}} is identified by its metadata document at <code>{{metadataURL}}</code>,
        published by <strong>{{metadataHost}}</strong>.{{/metadataURL}}{{#selfNamed}}The app chose this name itself when it registered;
        Vitals has not verified it.{{/selfNamed}}</p>
        <p class="about" id="redirect">{{#toWebsite}}After you decide you will be sent back to <strong>{{redirectHost}}</strong>
        (<code>{{redirectURI}}</code>).{{/toWebsite}}{{#toThisComputer}}After you decide, the answer goes to a program on this computer,
        at <strong>{{redirectHost}}</strong> (<code>{{redirectURI}}</code>). Any program here could listen there: continue only if you
        started connecting {{clientName}} yourself just now.{{/toThisComputer}}{{#toApp}}After you decide, your browser hands the
        answer to the app registered on this device for <strong>{{appScheme}}:</strong> links, at <code>{{redirectURI}}</code>.
        Continue only if that app is {{clientName}} and you started connecting it yourself.{{/toApp}}</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/authorize" id="consent">
          <input type="hidden" name="request_id" value="{{requestID}}">
          <input type="hidden" name="csrf_token" value="{{csrfToken}}">
          <label class="token" for="token">Private Integration Token</label>
          <input type="password" name="token" id="token" autocomplete="off" placeholder="vk_…" required>
          <p class="hint">An API key of your agency (<code>vitals token create</code>). Vitals checks it once to know which agency
          you are; the app never sees it, and gets only the permissions below that the key also has.</p>
          <fieldset>
            <legend>{{clientName}} will be able to</legend>
            {{#scopes}}
            <div class="scope">
              <input type="checkbox" name="scope" value="{{scope}}" id="{{id}}"{{#checked}} checked{{/checked}}>
              <label for="{{id}}"><code>{{scope}}</code>{{#write}}<span class="write">changes data</span>{{/write}}
                <span class="what">{{description}}</span></label>
            </div>
            {{/scopes}}
            <p class="hint">Untick what you do not want to allow.</p>
          </fieldset>
          <div class="actions">
            <button type="submit" name="action" value="allow" id="allow" class="primary">Allow</button>
            <button type="submit" name="action" value="deny" id="deny" formnovalidate>Deny</button>
          </div>
        </form>
        """

    private static let signInTemplate = """
        <h1>Connected apps</h1>
        <p class="lead">Sign in with a Private Integration Token of your agency to see which apps can reach its data, and to
        disconnect them.</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/settings/connected-apps">
          <label class="token" for="token">Private Integration Token</label>
          <input type="password" name="token" id="token" autocomplete="off" placeholder="vk_…" required>
          <div class="actions"><button type="submit" id="sign-in" class="primary">Sign in</button></div>
        </form>
        """

    private static let connectedAppsTemplate = """
        <h1>Connected apps of {{agencyID}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{^apps}}<p class="lead">No app has been connected to this agency.</p>{{/apps}}
        {{#hasApps}}
        <table>
          <thead><tr><th>App</th><th>Scopes</th><th>Last used</th><th></th></tr></thead>
          <tbody>
        {{/hasApps}}
        {{#apps}}
            <tr data-client-id="{{clientID}}">
              <td>{{clientName}}<br><span class="muted">{{clientID}} · granted {{granted}}</span></td>
              <td>{{scopes}}</td>
              <td>{{lastUsed}}</td>
              <td>{{#active}}<form method="post" action="/settings/connected-apps/revoke">
                <input type="hidden" name="client_id" value="{{clientID}}">
                <input type="hidden" name="csrf_token" value="{{csrfToken}}">
                <button type="submit">Revoke</button></form>{{/active}}{{^active}}<span class="muted">revoked</span>{{/active}}</td>
            </tr>
        {{/apps}}
        {{#hasApps}}
          </tbody>
        </table>
        {{/hasApps}}
        <form method="post" action="/settings/connected-apps/sign-out" class="actions">
          <input type="hidden" name="csrf_token" value="{{csrfToken}}">
          <button type="submit" id="sign-out">Sign out</button>
        </form>
        """

    private static let messageTemplate = """
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{text}}</p>
        """
}
