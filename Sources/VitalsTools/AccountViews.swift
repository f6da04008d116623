import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsStore

/// An account in a list: who it is, and its score in one line.
struct AccountSummary: Encodable {
    var accountID: String
    var name: String
    var plan: String
    var priority: String
    var ownerEmail: String
    var renewalDate: String?
    var mrrCents: Int64
    var health: Double
    var band: HealthBand
    var churnRisk: Double
    /// MRR is 0: a win-back, not a save.
    var churned: Bool
    /// The day MRR went to 0.
    var churnedSince: String?
    /// Health now minus health 7 days before as_of; nil when that day precedes the data.
    var healthChange: Double?
    /// Fired signals, heaviest (in the churn model) first.
    var signals: [String]
    /// The heaviest fired signal.
    var topSignal: String?

    init(_ risk: AccountRisk, _ record: AccountRecord, healthChange: Double? = nil) {
        accountID = record.accountID
        name = record.name
        plan = record.plan
        priority = record.priority.rawValue
        ownerEmail = record.ownerEmail
        renewalDate = record.renewalDay.map(CivilTime.formatDate(days:))
        mrrCents = risk.mrrCents
        health = risk.health
        band = risk.band
        churnRisk = risk.churnRisk
        churned = risk.churned
        churnedSince = risk.churnedSince
        self.healthChange = healthChange
        signals = risk.signals.map(\.signal.rawValue)
        topSignal = signals.first
    }
}

/// A user in a list.
struct UserSummary: Encodable {
    var userID: String
    var accountID: String
    var email: String
    var name: String
    var role: String
    var keyUser: Bool
    var lastLogin: String?
    var daysSinceLogin: Int?

    init(_ user: Int, _ analytics: Analytics) {
        let record = analytics.dataset.users[user]
        userID = record.userID
        accountID = analytics.dataset.accounts[record.accountKey].accountID
        email = record.email
        name = record.name
        role = record.role
        keyUser = record.keyUser
        lastLogin = analytics.lastLoginDay(user: user).map(CivilTime.formatDate(days:))
        daysSinceLogin = analytics.daysSinceLogin(user: user)
    }
}

extension ToolContext {
    /// An account's risk as of `day`: materialized when allowed and present.
    func risk(of account: Int, agency: Int, asOf day: AsOf) -> (AccountRisk, materialized: Bool)? {
        if isMaterialized(day, agency: agency), let stored = try? store.materializedScore(asOfDay: day.day, accountKey: account),
           let risk = AccountRisk(stored: stored.detail) {
            return (risk, true)
        }
        return scored(agency: agency, asOf: day).risk(of: account).map { ($0, false) }
    }

    /// Every tracked account of the agency with its risk and its health
    /// change over the 7 days before `day`, by account key.
    /// Built once per agency and day, then served from memory (sorting and
    /// filtering a list of thousands of accounts costs a sort, not a rebuild).
    func summaries(agency: Int, asOf day: AsOf) -> [(AccountSummary, AccountRisk)] {
        cachedSummaries(agency: agency, day: day) {
            let changes = healthChanges(agency: agency, asOf: day)
            return scored(agency: agency, asOf: day).risks.map {
                (AccountSummary($0, dataset.accounts[$0.accountKey], healthChange: changes[$0.accountKey]), $0)
            }
        }
    }
}
