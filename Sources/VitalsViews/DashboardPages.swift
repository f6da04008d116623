import Foundation
import VitalsAnalytics
import VitalsJSON
import VitalsStore
import VitalsTools

/// Where the dashboard's links and forms point, and what its forms carry:
/// the HTTP layer (`/dashboard` on `vitals serve --http`) makes one per
/// request; the pages only write the addresses down.
public struct DashboardLinks: Sendable {
    /// The dashboard's path, e.g. `/dashboard`.
    public let base: String
    /// The day the person chose (kept in every link), or nil for data_through.
    public let asOf: String?
    /// The CSRF token each form posts, bound to the sign-in.
    public let csrfToken: String
    /// Whether the forms that change data are shown (the token may write CTAs and notes, and the server is not read-only).
    public let canWrite: Bool

    public init(base: String, asOf: String?, csrfToken: String, canWrite: Bool) {
        self.base = base
        self.asOf = asOf
        self.csrfToken = csrfToken
        self.canWrite = canWrite
    }

    var query: String { asOf.map { "?as_of=" + Self.escape($0) } ?? "" }
    public var agency: String { base + query }
    public func account(_ id: String) -> String { base + "/accounts/" + Self.escape(id) + query }
    public func csv(_ table: String) -> String { base + "/csv/" + Self.escape(table) + query }
    /// Form targets: what they change is in the path; where to come back to is the account page.
    func closeCTA(_ id: String) -> String { base + "/ctas/" + Self.escape(id) + "/close" }
    func completeTask(_ id: String) -> String { base + "/tasks/" + Self.escape(id) + "/done" }
    func logNote(_ accountID: String) -> String { base + "/accounts/" + Self.escape(accountID) + "/activities" }

    /// A path segment or query value as it may appear in a URL.
    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}

/// The dashboard's pages (`/dashboard` on `vitals serve --http`): the
/// sign-in, the agency page (the report's sections, linked), an account's
/// page, and a message page. Server-rendered HTML with no script: every
/// action is a form post.
public enum DashboardPages {
    /// The sign-in form; `error` says why the last attempt failed.
    public static func signIn(base: String, error: String?) -> String {
        Templates.render(["base": base, "error": error ?? false], "dashboard-signin")
    }

    /// A page that says what went wrong and links back.
    public static func message(title: String, detail: String, back: String) -> String {
        Templates.render(["title": title, "detail": detail, "back": back], "dashboard-message")
    }

    /// The agency page: the report's sections, account names linked, each table with its CSV.
    public static func agency(_ reader: ViewReader, links: DashboardLinks, notice: String?) throws(ToolError) -> String {
        var page = try AgencyReport.page(reader, links: links)
        page["dashboard"] = chrome(reader, links: links, notice: notice)
        return Templates.render(page, "dashboard-agency")
    }

    /// An account's page: its health trend, components, signals and drivers, key users, open CTAs
    /// with their tasks, active success plan and timeline, with the forms that act on them.
    public static func account(_ reader: ViewReader, accountID: String, links: DashboardLinks, notice: String?) throws(ToolError) -> String {
        var page = try AccountPage.page(reader, accountID: accountID, links: links)
        page["dashboard"] = chrome(reader, links: links, notice: notice)
        return Templates.render(page, "dashboard-account")
    }

    /// The CSV of one of the agency page's tables, or nil for a name that is none.
    public static func csv(_ reader: ViewReader, table: String) throws(ToolError) -> String? {
        try ReportTable.named(table)?.csv(reader)
    }

    /// The names of the agency page's tables (`/dashboard/csv/{name}`).
    public static var tables: [String] { ReportTable.all.map(\.name) }

    /// The header every signed-in page shares: the agency, the day, the as-of form, sign-out.
    static func chrome(_ reader: ViewReader, links: DashboardLinks, notice: String?) -> [String: Any] {
        ["base": links.base, "home": links.agency, "csrf": links.csrfToken, "notice": notice ?? false,
         "agencyID": reader.agencyID, "chosenAsOf": links.asOf ?? "", "dataThrough": reader.context.defaultAsOf.description]
    }
}
