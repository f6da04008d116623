import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VitalsJSON
import VitalsStore
import VitalsTools
import VitalsViews
@testable import VitalsMCP

/// The dashboard, in process: signing in, what a page shows for the
/// token's scopes, the CSV downloads, and the refusals (no sign-in, a
/// forged form, an unknown account). The browser-level test (forms without
/// JavaScript, screenshots) is tests/mcp/test_dashboard.py.
@Suite struct DashboardRoutesTests {
    let served = ServedStore.shared

    /// Signs in with `key`; returns the `Cookie` header the browser would send.
    func signIn(_ client: some TestClientProtocol, key: String) async throws -> HTTPFields {
        try await client.execute(uri: "/dashboard", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: "token=" + key)) { response in
            #expect(response.status == .seeOther && response.headers[.location] == "/dashboard")
            let cookie = response.headers[.setCookie] ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/dashboard"))
            return [.cookie: String(cookie.split(separator: ";")[0])]
        }
    }

    func page(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .get, headers: headers) { ($0.status, String(buffer: $0.body)) }
    }

    /// The text of `<b data-k="key">…</b>` (or a span).
    func shown(_ html: String, _ key: String) -> String? {
        guard let start = html.range(of: "data-k=\"\(key)\">") else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "<" })
    }

    @Test func aSignedInPageShowsTheToolsNumbersWithinTheTokensScopes() async throws {
        let context = try ToolContext(store: served.store)
        let overview = try ReadTools.call("get_agency_overview", agencyID: "ag_001", arguments: nil, context: context)
        let revenue = try ReadTools.call("get_revenue_summary", agencyID: "ag_001", arguments: nil, context: context)
        try await served.server().makeApplication().test(.router) { client in
            let (status, signInPage) = try await page(client, "/dashboard", [:])
            #expect(status == .ok && signInPage.contains("name=\"token\""))

            let cookie = try await signIn(client, key: served.readKey)
            let (ok, html) = try await page(client, "/dashboard", cookie)
            #expect(ok == .ok)
            #expect(shown(html, "mrr") == formatMoney(cents: revenue["mrr_cents"]?.intValue ?? -1))
            #expect(shown(html, "healthy") == overview["accounts_by_band"]?["Healthy"]?.intValue.map(String.init))
            #expect(html.contains("href=\"/dashboard/csv/at_risk\""))
            #expect(!html.contains("Close CTA"))  // a read key sees no forms that write

            // A key without read:revenue gets the page without its revenue sections.
            let narrow = try await signIn(client, key: served.otherKey)
            let (_, narrowHTML) = try await page(client, "/dashboard", narrow)
            #expect(shown(narrowHTML, "healthy") != nil && shown(narrowHTML, "mrr") == nil && !narrowHTML.contains("data-t=\"months\""))
        }
    }

    @Test func theCSVHasEveryRowOfTheList() async throws {
        let context = try ToolContext(store: served.store)
        let total = try ReadTools.call("list_accounts_at_risk", agencyID: "ag_001", arguments: nil, context: context)["total"]?.intValue ?? -1
        try await served.server().makeApplication().test(.router) { client in
            let cookie = try await signIn(client, key: served.readKey)
            try await client.execute(uri: "/dashboard/csv/at_risk", method: .get, headers: cookie) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(response.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"ag_001-at_risk-") == true)
                let lines = String(buffer: response.body).split(separator: "\r\n")
                #expect(lines.first?.hasPrefix("account_id,name,") == true)
                #expect(lines.count - 1 == total)
            }
        }
    }

    @Test func refusalsSayWhatIsWrongAndChangeNothing() async throws {
        try await served.server().makeApplication().test(.router) { client in
            var (status, html) = try await page(client, "/dashboard/accounts/acc_00001", [:])
            #expect(status == .unauthorized && html.contains("name=\"token\""))
            try await client.execute(uri: "/dashboard", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "token=vk_nope_nope")) { response in
                #expect(response.status == .unauthorized && String(buffer: response.body).contains("That token is not valid"))
            }
            let cookie = try await signIn(client, key: served.readKey)
            (status, html) = try await page(client, "/dashboard/accounts/acc_nope", cookie)
            #expect(status == .notFound && html.contains("acc_nope is not tracked by this agency"))
            (status, html) = try await page(client, "/dashboard?as_of=20261120", cookie)
            #expect(status == .badRequest && html.contains("as_of must be a day"))
            (status, _) = try await page(client, "/dashboard/csv/nope", cookie)
            #expect(status == .notFound)
            var fields = cookie
            fields[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(uri: "/dashboard/tasks/tsk_x/done", method: .post, headers: fields,
                                     body: ByteBuffer(string: "csrf_token=forged")) { response in
                #expect(response.status == .forbidden && String(buffer: response.body).contains("CSRF check failed"))
            }
        }
    }
}
