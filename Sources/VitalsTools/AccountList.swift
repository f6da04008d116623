import Foundation
import VitalsAnalytics
import VitalsJSON

/// What an account list can be ordered by (`sort_by`).
public enum AccountSort: String, CaseIterable, Sendable {
    case mrr
    case health
    case churnRisk = "churn_risk"
    case healthChange = "health_change"
    case renewalDate = "renewal_date"
    case name

    /// Biggest first for money and risk; lowest, soonest or A first for the others.
    var descendingByDefault: Bool { self == .mrr || self == .churnRisk }
}

/// The sort and filters every account list takes, declared once so that
/// `list_tracked_accounts`, `search_accounts`, `list_accounts_at_risk`,
/// `list_upcoming_renewals`, `list_upsell_candidates` and
/// `list_health_movers` read them the same way.
struct AccountFilters {
    /// The parameters, given the list's own `bands` and churned-account rule.
    static func parameters(bands: ToolParameter = .bands(), churned: ToolParameter = .includeChurned) -> [ToolParameter] {
        [.sortBy, .sortOrder, .ownerEmail, .plan, .priorityFilter, bands, .minMRRCents, .maxMRRCents, churned]
    }

    var sort: AccountSort?
    var descending: Bool
    var ownerEmail: String?
    var plan: String?
    var priority: String?
    var bands: Set<HealthBand>?
    var minMRRCents: Int64?
    var maxMRRCents: Int64?
    /// nil: any; true: churned only; false: paying only.
    var churned: Bool?

    init(_ arguments: ToolArguments) {
        sort = arguments.string("sort_by").flatMap(AccountSort.init(rawValue:))
        descending = arguments.string("sort_order").map { $0 == "desc" } ?? sort?.descendingByDefault ?? false
        ownerEmail = arguments.string("owner_email")?.lowercased()
        plan = arguments.string("plan")?.lowercased()
        priority = arguments.string("priority")
        bands = arguments.bands()
        minMRRCents = arguments.int("min_mrr_cents").map(Int64.init)
        maxMRRCents = arguments.int("max_mrr_cents").map(Int64.init)
        if arguments.declares("include_churned") {
            churned = arguments.bool("include_churned") == true ? nil : false
        } else {
            churned = arguments.bool("churned")
        }
    }

    func keeps(_ account: AccountSummary) -> Bool {
        if let ownerEmail, account.ownerEmail.lowercased() != ownerEmail { return false }
        if let plan, account.plan.lowercased() != plan { return false }
        if let priority, account.priority != priority { return false }
        if let bands, !bands.contains(account.band) { return false }
        if let minMRRCents, account.mrrCents < minMRRCents { return false }
        if let maxMRRCents, account.mrrCents > maxMRRCents { return false }
        if let churned, account.churned != churned { return false }
        return true
    }

    /// `rows` filtered, then in `sort_by` order when given (ties by
    /// account_id; absent values last), else in the list's own order. The
    /// sort key is read once per row and positions are sorted, so a list of
    /// thousands of accounts sorts without copying rows in every comparison.
    func apply<Row>(_ rows: [Row], _ summary: (Row) -> AccountSummary, ownOrder: (Row, Row) -> Bool) -> [Row] {
        let kept = rows.filter { keeps(summary($0)) }
        guard let sort else { return kept.sorted(by: ownOrder) }
        let keys = kept.map { SortKey(summary($0), sort) }
        let descending = self.descending
        let order = keys.indices.sorted { i, j in
            let x = keys[i], y = keys[j]
            switch (x.value, y.value) {
            case let (a?, b?) where a != b: return descending ? a > b : a < b
            case (nil, _?): return false  // absent values go last
            case (_?, nil): return true
            default: return x.accountID < y.accountID
            }
        }
        return order.map { kept[$0] }
    }

    /// What a row is sorted by: a number or a text (lowercased names, dates), and the tie-break.
    struct SortKey {
        enum Value: Comparable {
            case number(Double)
            case text(String)
        }
        var value: Value?
        var accountID: String

        init(_ account: AccountSummary, _ sort: AccountSort) {
            accountID = account.accountID
            switch sort {
            case .mrr: value = .number(Double(account.mrrCents))
            case .health: value = .number(account.health)
            case .churnRisk: value = .number(account.churnRisk)
            case .healthChange: value = account.healthChange.map(Value.number)
            case .renewalDate: value = account.renewalDate.map(Value.text)
            case .name: value = .text(account.name.lowercased())
            }
        }
    }
}

extension ReadTools {
    /// A list of account rows (the summary's fields and the list's own),
    /// only the page's rows encoded.
    static func accountRows<Row>(_ rows: [Row], _ extra: [String: JSONValue] = [:], for call: ToolCall,
                                 row: (Row) -> (AccountSummary, [String: JSONValue])) -> JSONValue {
        let page = rows[pageRange(rows.count, call)].map { item in
            let (summary, own) = row(item)
            return summary.row(own)
        }
        return listPage(.array(page), total: rows.count, extra, for: call)
    }
}

extension ReadTools {
    /// Each account's position in an agency's summaries, by account id.
    static func summaryPositions(_ summaries: [(AccountSummary, AccountRisk)]) -> [String: Int] {
        var positions: [String: Int] = [:]
        positions.reserveCapacity(summaries.count)
        for i in summaries.indices { positions[summaries[i].0.accountID] = i }
        return positions
    }
}

extension AccountSummary {
    /// The summary as a JSON object with the list's own fields added.
    func row(_ extra: [String: JSONValue]) -> JSONValue {
        JSONValue.encodedText(self, adding: extra)
    }
}

/// Text search that forgives what people type: case, accents and
/// punctuation are ignored, and each word of the query matches the start
/// of a word of the text ("charlotte ortho llc" finds "Charlotte
/// Orthodontics, LLC"; "acc 42" does not find "acc_00042", "acc_0004" does).
struct SearchQuery {
    let words: [String]

    init(_ query: String) { words = Self.words(query) }

    static func words(_ text: String) -> [String] {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        return folded.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// Whether every query word starts a word of one of `texts`.
    func matches(_ texts: [String]) -> Bool {
        guard !words.isEmpty else { return false }
        let candidates = texts.flatMap(Self.words)
        return words.allSatisfy { word in candidates.contains { $0.hasPrefix(word) } }
    }
}
