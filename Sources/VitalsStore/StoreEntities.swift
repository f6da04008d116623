import GRDB
import VitalsColumnar

/// The entity tables of a store, with id ⇄ key dictionaries (a code equals
/// the row's dense key).
struct StoreEntities: Sendable {
    var agencies: [AgencyRecord] = []
    var accounts: [AccountRecord] = []
    var users: [UserRecord] = []
    var workflows: [WorkflowRecord] = []
    var features: [String] = []

    var agencyKeys = ByteStringDictionary()
    var accountKeys = ByteStringDictionary()
    var userKeys = ByteStringDictionary()
    var workflowKeys = ByteStringDictionary()
    var featureKeys = ByteStringDictionary()

    init() {}

    /// Reads every entity table.
    init(_ db: Database) throws {
        agencies = try AgencyRecord.order(Column("agency_key")).fetchAll(db)
        accounts = try Self.accounts(db)
        users = try Self.users(db)
        workflows = try WorkflowRecord.order(Column("workflow_key")).fetchAll(db)
        features = try String.fetchAll(db, sql: "SELECT name FROM features ORDER BY feature_key")
        agencyKeys = try Self.dictionary(agencies.map(\.agencyID), keys: agencies.map(\.key), table: "agencies")
        accountKeys = try Self.dictionary(accounts.map(\.accountID), keys: accounts.map(\.key), table: "accounts")
        userKeys = try Self.dictionary(users.map(\.userID), keys: users.map(\.key), table: "users")
        workflowKeys = try Self.dictionary(workflows.map(\.workflowID), keys: workflows.map(\.key), table: "workflows")
        featureKeys = ByteStringDictionary(keys: features)
    }

    // Accounts and users, the two big tables, are read by column position:
    // GRDB's Codable decoding of the users was 6 % of a night's CPU.

    private static func accounts(_ db: Database) throws -> [AccountRecord] {
        var accounts: [AccountRecord] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT account_key, account_id, agency_key, name, plan, seats, created_at, renewal_day, owner_email, tracked, priority
            FROM accounts ORDER BY account_key
            """)
        while let row = try rows.next() {
            let priority: String = row[10]
            guard let level = AccountPriority(rawValue: priority) else {
                throw StoreError.corrupt("account \(row[1] as String) has an unknown priority \"\(priority)\"")
            }
            accounts.append(AccountRecord(key: row[0], accountID: row[1], agencyKey: row[2], name: row[3], plan: row[4], seats: row[5],
                                          createdAt: row[6], renewalDay: row[7], ownerEmail: row[8], tracked: row[9], priority: level))
        }
        return accounts
    }

    private static func users(_ db: Database) throws -> [UserRecord] {
        var users: [UserRecord] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT user_key, user_id, account_key, email, name, role, created_at, key_user FROM users ORDER BY user_key
            """)
        while let row = try rows.next() {
            users.append(UserRecord(key: row[0], userID: row[1], accountKey: row[2], email: row[3], name: row[4], role: row[5],
                                    createdAt: row[6], keyUser: row[7]))
        }
        return users
    }

    /// Builds a dictionary whose codes equal the stored dense keys.
    private static func dictionary(_ ids: [String], keys: [Int], table: String) throws -> ByteStringDictionary {
        for (index, key) in keys.enumerated() where index != key {
            throw StoreError.corrupt("\(table) keys are not dense (row \(index) has key \(key))")
        }
        return ByteStringDictionary(keys: ids)
    }
}
