import GRDB

/// A tenant: one agency and its sub-accounts.
public struct AgencyRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "agencies"
    /// Dense key, also the agency's index in a loaded ``Dataset``.
    public var key: Int
    public var agencyID: String
    public var name: String

    enum CodingKeys: String, CodingKey {
        case key = "agency_key", agencyID = "agency_id", name
    }
}

/// Account priority, as set by CS teams or the `set_account_priority` tool.
public enum AccountPriority: String, Codable, Sendable, CaseIterable {
    case low, normal, high
}

/// A client sub-account.
public struct AccountRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "accounts"
    public var key: Int
    public var accountID: String
    public var agencyKey: Int
    public var name: String
    public var plan: String
    /// `nil` when the CSV left it empty.
    public var seats: Int?
    /// Epoch seconds.
    public var createdAt: Int64?
    /// Days since 1970-01-01; `nil` when empty.
    public var renewalDay: Int?
    public var ownerEmail: String
    public var tracked: Bool
    public var priority: AccountPriority

    enum CodingKeys: String, CodingKey {
        case key = "account_key", accountID = "account_id", agencyKey = "agency_key", name, plan, seats
        case createdAt = "created_at", renewalDay = "renewal_day", ownerEmail = "owner_email", tracked, priority
    }
}

/// A user of an account.
public struct UserRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "users"
    public var key: Int
    public var userID: String
    public var accountKey: Int
    public var email: String
    public var name: String
    public var role: String
    public var createdAt: Int64?
    public var keyUser: Bool

    enum CodingKeys: String, CodingKey {
        case key = "user_key", userID = "user_id", accountKey = "account_key", email, name, role
        case createdAt = "created_at", keyUser = "key_user"
    }
}

/// A workflow an agency can trigger.
public struct WorkflowRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "workflows"
    public var key: Int
    public var workflowID: String
    public var agencyKey: Int
    public var name: String
    public var webhookURL: String?

    enum CodingKeys: String, CodingKey {
        case key = "workflow_key", workflowID = "workflow_id", agencyKey = "agency_key", name, webhookURL = "webhook_url"
    }
}

/// One row of the MRR change log: the account's MRR from `day` on.
public struct MRRChange: Sendable, Equatable {
    public var accountKey: Int
    /// Days since 1970-01-01.
    public var day: Int
    public var mrrCents: Int64
}

/// Outcome of a payment attempt.
public enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    case succeeded, failed, refunded
}

/// One payment attempt of an invoice.
public struct Payment: Sendable, Equatable {
    public var accountKey: Int
    /// Epoch seconds.
    public var ts: Int64
    public var invoiceID: String
    public var amountCents: Int64
    public var status: PaymentStatus
}

/// One NPS response.
public struct FeedbackResponse: Sendable, Equatable {
    public var accountKey: Int
    /// `nil` for an anonymous response.
    public var userKey: Int?
    /// Epoch seconds.
    public var ts: Int64
    /// NPS score 0–10.
    public var score: Int
    public var comment: String
}
