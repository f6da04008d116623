import GRDB
import VitalsColumnar

/// The entity tables of a store, with id ⇄ key dictionaries (a code equals
/// the row's dense key).
struct StoreEntities: Sendable {
    var agencies: [AgencyRecord] = []
    var accounts: [AccountRecord] = []
    /// The users as records, when read for an ingest (``UserRead/recordsAndDictionary``).
    var users: [UserRecord] = []
    /// The users packed, when read for a load (``UserRead/records``).
    var userTable: UserTable?
    var workflows: [WorkflowRecord] = []
    var features: [String] = []

    var agencyKeys = ByteStringDictionary()
    var accountKeys = ByteStringDictionary()
    /// Empty when read for a load (``Dataset`` builds it on first use).
    var userKeys = ByteStringDictionary()
    var workflowKeys = ByteStringDictionary()
    var featureKeys = ByteStringDictionary()
    /// Each user's account key by user key, when the users were read as
    /// keys only (`users` is then empty).
    var keyedUserAccounts: [Int]?
    /// Whether the tables came from the store's ``EntitySnapshot`` (not its rows).
    var fromSnapshot = false

    /// How the users are read.
    enum UserRead {
        /// Their records packed (``UserTable``), without the id dictionary
        /// (a load builds it on first use).
        case records
        /// Their records and the id dictionary (an ingest with users.csv upserts them).
        case recordsAndDictionary
        /// The id dictionary and each user's account, no record: an ingest
        /// of events and logs alone looks users up and touches no user row.
        /// At 100 M events (321,000 users) a night's ingest read them whole
        /// in 0.15–0.25 s, the most of its cost that grew with the store.
        case keysOnly
    }

    init() {}

    /// Reads every entity table: from the store's ``EntitySnapshot`` when
    /// it has one, else row by row.
    init(_ db: Database, users userRead: UserRead = .recordsAndDictionary) throws {
        if var snapshot = try EntitySnapshot.read(db, users: userRead) {
            snapshot.fromSnapshot = true
            self = snapshot
            return
        }
        agencies = try AgencyRecord.order(Column("agency_key")).fetchAll(db)
        accounts = try Self.accounts(db)
        workflows = try WorkflowRecord.order(Column("workflow_key")).fetchAll(db)
        features = try String.fetchAll(db, sql: "SELECT name FROM features ORDER BY feature_key")
        switch userRead {
        case .keysOnly: (userKeys, keyedUserAccounts) = try Self.userKeys(db)
        case .records:
            let records = try Self.users(db)
            try Self.checkDense(records.map(\.key), table: "users")
            userTable = UserTable(records)
        case .recordsAndDictionary: users = try Self.users(db)
        }
        self = try withDictionaries(users: userRead)
    }

    /// These tables with their id dictionaries built (the users' as
    /// `userRead` asks; keys only: already built).
    /// - Throws: ``StoreError/corrupt(_:)`` for keys that are not dense.
    func withDictionaries(users userRead: UserRead) throws -> StoreEntities {
        var entities = self
        entities.agencyKeys = try Self.dictionary(agencies.map(\.agencyID), keys: agencies.map(\.key), table: "agencies")
        entities.accountKeys = try Self.dictionary(accounts.map(\.accountID), keys: accounts.map(\.key), table: "accounts")
        // A load's users were checked dense before they were packed; an ingest's are checked here.
        if userRead == .recordsAndDictionary {
            try Self.checkDense(users.map(\.key), table: "users")
            entities.userKeys = ByteStringDictionary(keys: users.map(\.userID))
        }
        entities.workflowKeys = try Self.dictionary(workflows.map(\.workflowID), keys: workflows.map(\.key), table: "workflows")
        entities.featureKeys = ByteStringDictionary(keys: features)
        return entities
    }

    /// The number of users (the next user key).
    var userCount: Int { keyedUserAccounts?.count ?? userTable?.count ?? users.count }

    /// Each user's account key, by user key.
    var userAccounts: [Int] { keyedUserAccounts ?? userTable?.accountKeys ?? users.map(\.accountKey) }

    /// Whether the users were read as keys only (no record to update).
    var usersAreKeysOnly: Bool { keyedUserAccounts != nil }

    // Accounts and users, the two big tables, are read straight from SQLite
    // (``RawRow``): GRDB's Codable decoding of the users was 6 % of a night's
    // CPU, and its `Row` cursor still 0.4 s at 100 M events.

    /// Every account, or one agency's (by the agency index), in key order.
    static func accounts(_ db: Database, agencyKey: Int? = nil) throws -> [AccountRecord] {
        var accounts: [AccountRecord] = []
        if agencyKey == nil { accounts.reserveCapacity(try db.reservation("SELECT MAX(account_key) + 1 FROM accounts")) }
        try db.forEachRawRow("""
            SELECT account_key, account_id, agency_key, name, plan, seats, created_at, renewal_day, owner_email, tracked, priority
            FROM accounts \(agencyKey == nil ? "" : "WHERE agency_key = ?") ORDER BY account_key
            """, arguments: agencyKey.map { StatementArguments([$0]) } ?? []) { row in
            guard let level = row.rawCase(10, of: AccountPriority.self) else {
                throw StoreError.corrupt("account \(row.string(1)) has an unknown priority \"\(row.string(10))\"")
            }
            accounts.append(AccountRecord(key: row.int(0), accountID: row.string(1), agencyKey: row.int(2), name: row.string(3),
                                          plan: row.string(4), seats: row.optionalInt(5), createdAt: row.optionalInt64(6),
                                          renewalDay: row.optionalInt(7), ownerEmail: row.string(8), tracked: row.bool(9), priority: level))
        }
        return accounts
    }

    private static func users(_ db: Database) throws -> [UserRecord] {
        var users: [UserRecord] = []
        // Keys are dense: the largest plus one is the count (one seek, not a count of the table).
        users.reserveCapacity(try db.reservation("SELECT MAX(user_key) + 1 FROM users"))
        try db.forEachRawRow("SELECT user_key, user_id, account_key, email, name, role, created_at, key_user FROM users ORDER BY user_key") { row in
            users.append(UserRecord(key: row.int(0), userID: row.string(1), accountKey: row.int(2), email: row.string(3), name: row.string(4),
                                    role: row.string(5), createdAt: row.optionalInt64(6), keyUser: row.bool(7)))
        }
        return users
    }

    /// The user id dictionary (codes equal the keys) and each user's
    /// account, straight from SQLite's bytes: no `String` per user.
    private static func userKeys(_ db: Database) throws -> (ByteStringDictionary, [Int]) {
        var keys = ByteStringDictionary()
        var accounts: [Int] = []
        // Keys are dense: one seek counts them. Ids are a dozen bytes or so
        // (a longer one grows the arena once); summing their lengths would
        // read the table twice.
        let count = try db.reservation("SELECT MAX(user_key) + 1 FROM users")
        keys.reserveCapacity(count, keyBytes: count * 16)
        accounts.reserveCapacity(count)
        try db.forEachRawRow("SELECT user_key, user_id, account_key FROM users ORDER BY user_key") { row in
            guard row.int(0) == accounts.count else {
                throw StoreError.corrupt("users keys are not dense (row \(accounts.count) has key \(row.int(0)))")
            }
            keys.append(unindexed: row.textBytes(1))
            accounts.append(row.int(2))
        }
        if let repeated = keys.indexAppended() { throw StoreError.corrupt("user \(keys.key(UInt32(repeated.code))) is stored twice") }
        return (keys, accounts)
    }

    /// Builds a dictionary whose codes equal the stored dense keys.
    private static func dictionary(_ ids: [String], keys: [Int], table: String) throws -> ByteStringDictionary {
        try checkDense(keys, table: table)
        return ByteStringDictionary(keys: ids)
    }

    private static func checkDense(_ keys: [Int], table: String) throws {
        for (index, key) in keys.enumerated() where index != key {
            throw StoreError.corrupt("\(table) keys are not dense (row \(index) has key \(key))")
        }
    }
}
