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
        accounts = try AccountRecord.order(Column("account_key")).fetchAll(db)
        users = try UserRecord.order(Column("user_key")).fetchAll(db)
        workflows = try WorkflowRecord.order(Column("workflow_key")).fetchAll(db)
        features = try String.fetchAll(db, sql: "SELECT name FROM features ORDER BY feature_key")
        agencyKeys = try Self.dictionary(agencies.map(\.agencyID), keys: agencies.map(\.key), table: "agencies")
        accountKeys = try Self.dictionary(accounts.map(\.accountID), keys: accounts.map(\.key), table: "accounts")
        userKeys = try Self.dictionary(users.map(\.userID), keys: users.map(\.key), table: "users")
        workflowKeys = try Self.dictionary(workflows.map(\.workflowID), keys: workflows.map(\.key), table: "workflows")
        featureKeys = ByteStringDictionary(keys: features)
    }

    /// Builds a dictionary whose codes equal the stored dense keys.
    private static func dictionary(_ ids: [String], keys: [Int], table: String) throws -> ByteStringDictionary {
        for (index, key) in keys.enumerated() where index != key {
            throw StoreError.corrupt("\(table) keys are not dense (row \(index) has key \(key))")
        }
        return ByteStringDictionary(keys: ids)
    }
}
