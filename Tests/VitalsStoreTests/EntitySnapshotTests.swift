import Foundation
import GRDB
import Testing
import VitalsColumnar
@testable import VitalsStore

/// The packed entity tables a score keeps for the next loads: the same
/// tables as the rows, and gone as soon as anything writes an entity row.
@Suite struct EntitySnapshotTests {
    static func store() throws -> (store: Store, path: String, rows: Dataset) { try storeOfTwoIngests(seed: 5) }

    static func snapshotRows(_ store: Store) throws -> Int {
        try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM entity_snapshot") } ?? 0
    }

    static func expectSameEntities(_ a: Dataset, _ b: Dataset) {
        #expect(a.agencies == b.agencies)
        #expect(a.accounts == b.accounts)
        #expect(a.users == b.users)
        #expect(a.workflows == b.workflows)
        #expect(a.features == b.features)
    }

    @Test func theSnapshotLoadsWhatTheRowsLoad() throws {
        let (store, _, rows) = try Self.store()
        #expect(rows.entitiesReadAt != nil && rows.accounts.contains { $0.seats == nil } && rows.users.contains { $0.createdAt == nil })
        #expect(try store.keepEntities(of: rows))
        let packed = try store.loadDataset()
        #expect(packed.entitiesReadAt == nil, "the second load reads the snapshot")
        Self.expectSameEntities(packed, rows)
        #expect(try store.keepEntities(of: packed) == false, "a load of the snapshot keeps nothing")
        // An ingest of events reads the blob's head alone: the magic and the first frame.
        let (head, whole) = try store.read { db in (EntitySnapshot.keysOnlyPart(db), try Data.fetchOne(db, sql: "SELECT state FROM entity_snapshot")) }
        let part = try #require(head), blob = try #require(whole)
        #expect(part.count > 8 && part.count < blob.count && Array(blob.prefix(part.count)) == part)
        // A load's read (the users packed) and an ingest's (the users' ids and
        // accounts alone, or with their records and dictionary).
        for read in [StoreEntities.UserRead.records, .keysOnly, .recordsAndDictionary] {
            let fromSnapshot = try #require(try store.read { try EntitySnapshot.read($0, users: read) })
            let fromRows = try store.write { try Self.rowsOnly($0, users: read) }
            #expect(fromSnapshot.userCount == fromRows.userCount && fromSnapshot.userAccounts == fromRows.userAccounts)
            #expect(fromSnapshot.userTable == fromRows.userTable && (fromSnapshot.userTable != nil) == (read == .records))
            guard read != .records else { continue }
            for (key, user) in rows.users.enumerated() {
                #expect(fromSnapshot.userKeys.code(of: user.userID) == UInt32(key))
                #expect(fromSnapshot.accountKeys.code(of: rows.accounts[user.accountKey].accountID) == UInt32(user.accountKey))
            }
            #expect(fromSnapshot.userKeys.code(of: "no such user") == nil)
            #expect(fromSnapshot.featureKeys.code(of: rows.features.last!) == UInt32(rows.features.count - 1))
            #expect(fromSnapshot.users == fromRows.users && fromSnapshot.accounts == fromRows.accounts)
        }
    }

    /// The tables read row by row, the snapshot set aside (inside a write:
    /// a savepoint rolled back).
    static func rowsOnly(_ db: Database, users: StoreEntities.UserRead) throws -> StoreEntities {
        var entities: StoreEntities?
        try db.inSavepoint {
            try db.execute(sql: "DELETE FROM entity_snapshot")
            entities = try StoreEntities(db, users: users)
            return .rollback
        }
        #expect(entities?.fromSnapshot == false)
        return entities!
    }

    /// Every way an entity row changes deletes the snapshot, and the next
    /// load reads the new rows; an ingest of events and logs alone keeps it.
    @Test(arguments: ["priority", "key user", "sqlite3 shell", "ingest of accounts", "ingest of a new feature"])
    func aWriteToAnEntityRowDropsTheSnapshot(write: String) throws {
        let (store, path, rows) = try Self.store()
        #expect(try store.keepEntities(of: rows))
        // A night of logins and payments alone: no entity row changes.
        _ = try Ingestor.ingest(directory: writeDataset([
            "logins.csv": "ts,account_id,user_id\n2026-11-21T10:00:00Z,acc_1,u1\n",
            "payments.csv": "ts,account_id,invoice_id,amount_cents,status\n2026-11-21T00:00:00Z,acc_1,inv_9,29700,succeeded\n",
        ]), into: path)
        #expect(try Self.snapshotRows(store) == 1)
        let audit = AuditEntry(atMilliseconds: 1_700_000_000_000, agencyKey: 0, client: "test", action: "write",
                               accountID: nil, objectID: nil, outcome: "ok", durationMilliseconds: 1)
        switch write {
        case "priority":
            _ = try store.write(idempotency: nil) { try $0.setAccountPriority(accountKey: 1, to: .high, audit: audit).rawValue }
        case "key user":
            _ = try store.write(idempotency: nil) { String(try $0.setUserKeyStatus(userKey: 2, to: true, audit: audit)) }
        case "sqlite3 shell":
            try store.write { try $0.execute(sql: "UPDATE users SET name = 'Renamed' WHERE user_key = 1") }
        case "ingest of accounts":
            _ = try Ingestor.ingest(directory: writeDataset([
                "accounts.csv": """
                    account_id,agency_id,name,plan,seats,created_at,renewal_date,owner_email,tracked,priority
                    acc_1,ag_1,One,enterprise,9,2026-01-01T00:00:00Z,2026-12-01,o@x.com,true,high

                    """,
            ]), into: path)
        default:
            _ = try Ingestor.ingest(directory: writeDataset([
                "feature_usage.csv": "ts,account_id,user_id,feature,count\n2026-11-21T10:00:00Z,acc_1,u1,brand_new_feature,2\n",
            ]), into: path)
        }
        #expect(try Self.snapshotRows(store) == 0)
        let after = try store.loadDataset()
        #expect(after.entitiesReadAt != nil, "read as rows")
        let expected = try store.write { try Self.rowsOnly($0, users: .records) }
        #expect(after.accounts == expected.accounts && after.users == expected.userTable && after.features == expected.features)
        #expect(after.accounts != rows.accounts || after.users != rows.users || after.features != rows.features)
    }

    /// A load's tables are not kept once the store was written after it:
    /// they may be older than the rows.
    @Test func tablesLoadedBeforeAWriteAreNotKept() throws {
        let (store, path, rows) = try Self.store()
        _ = try Ingestor.ingest(directory: writeDataset([
            "users.csv": "user_id,account_id,email,name,role,created_at,key_user\nu9,acc_2,z@x,Z,user,,false\n",
        ]), into: path)
        #expect(try store.keepEntities(of: rows) == false)
        #expect(try Self.snapshotRows(store) == 0)
        #expect(try store.loadDataset().users.count == rows.users.count + 1)
    }

    /// A damaged blob, or one whose tables no longer match the rows' counts
    /// (triggers dropped by hand), is set aside: the load reads the rows.
    @Test(arguments: ["damaged", "stale counts"])
    func aSnapshotThatDoesNotFitIsReadAsRows(problem: String) throws {
        let (store, _, rows) = try Self.store()
        #expect(try store.keepEntities(of: rows))
        try store.write { db in
            if problem == "damaged" {
                try db.execute(sql: "UPDATE entity_snapshot SET state = substr(state, 1, length(state) - 9)")
            } else {
                try db.execute(sql: "DROP TRIGGER users_insert_drops_entity_snapshot")
                try db.execute(sql: "INSERT INTO users (user_key, user_id, account_key, email, name, role, key_user) VALUES (?, 'u_hand', 0, 'h@x', 'H', 'user', 0)",
                               arguments: [rows.users.count])
            }
        }
        #expect(try Self.snapshotRows(store) == 1)
        let loaded = try store.loadDataset()
        #expect(loaded.entitiesReadAt != nil)
        #expect(loaded.users.count == rows.users.count + (problem == "damaged" ? 0 : 1))
        #expect(loaded.accounts == rows.accounts)
    }

    /// A packed user reads back as the record it was made of, field by
    /// field, and details that do not hold one whole row per user are refused.
    @Test func aPackedUserReadsBackAsItsRecord() throws {
        let records = [
            UserRecord(key: 0, userID: "u0", accountKey: 3, email: "zoë.lópez@example.com", name: "Zoë \"Z\" López", role: "admin",
                       createdAt: 1_700_000_000, keyUser: true),
            UserRecord(key: 1, userID: "a-user-id-longer-than-sixteen-bytes", accountKey: 0, email: "", name: "", role: "user",
                       createdAt: nil, keyUser: false),
            UserRecord(key: 2, userID: "u2", accountKey: 3, email: "b@x", name: "B", role: "user", createdAt: 0, keyUser: false),
        ]
        let table = UserTable(records)
        #expect(Array(table) == records)
        #expect(table.accountKeys == [3, 0, 3])
        #expect(table.indices.filter(table.isKeyUser) == [0])
        for record in records {
            #expect(table.userID(record.key) == record.userID && table.email(record.key) == record.email && table.name(record.key) == record.name)
        }
        #expect(table == UserTable(records) && table != UserTable(Array(records.prefix(2))))
        #expect(table != UserTable(records.map { var changed = $0; if changed.key == 2 { changed.userID = "u3" }; return changed }))
        #expect(UserTable(ids: table.ids, accountKeys: table.accountKeys, details: Array(table.details.dropLast())) == nil)
        #expect(UserTable(ids: table.ids, accountKeys: table.accountKeys, details: table.details + [0]) == nil)
        #expect(UserTable(ids: table.ids, accountKeys: [3, 0], details: table.details) == nil)
    }
}
