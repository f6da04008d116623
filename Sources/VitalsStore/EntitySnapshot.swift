import Foundation
import GRDB
import GRDBSQLite
import VitalsColumnar

/// The entity tables (agencies, accounts, users, workflows, features) packed
/// in one blob, as the store keeps them for the next load (`entity_snapshot`,
/// one row). At 100 M events a night's score read 321,000 users and 38,000
/// accounts row by row through SQLite, 0.4 s of CPU of a two-core load, and
/// its ingest read the users' ids the same way before it could parse a row;
/// the packed tables are a few MB that decode in a fraction of that.
///
/// `vitals score` keeps it when its load read the tables as rows, unless the
/// store was written since that load (``Store/keepEntities(of:)``). Triggers
/// on the five tables delete it on any insert, update or delete, whoever
/// writes (an ingest, a priority or key-user change, an older Vitals, a
/// hand-written `UPDATE` in the sqlite3 shell): a snapshot present is the
/// tables as they are. A load also checks each table's row count, and a
/// blob it cannot read whole is ignored (the tables are read as rows).
///
/// Blob: `"VEN2"`, the byte count of the first zstd frame (UInt32), then
/// two zstd frames. Little endian, each table as a UInt32 row count and
/// its rows in key order (keys are dense: a row's position is its key). A
/// string is a UInt32 byte count and its UTF-8 bytes; an integer an Int64;
/// an optional one a flag bit and an Int64 (0 when absent). The first
/// frame holds what an ingest of events reads: agencies (id, name),
/// accounts (id, agency key, name, plan, flags: 1 seats, 2 created_at,
/// 4 renewal day, 8 tracked; seats, created_at, renewal day, owner email,
/// priority as a UInt8, `AccountPriority.allCases`' position), workflows
/// (id, agency key, name, flags: 1 webhook; webhook URL), features
/// (name), and the users' ids and account keys. The second holds the rest
/// of each user: email, name, role, flags (1 created_at, 2 key user),
/// created_at, with no row count: a load keeps it, decompressed, as its
/// ``UserTable``'s details.
enum EntitySnapshot {
    static let magic: [UInt8] = Array("VEN2".utf8)

    static func encoded(agencies: [AgencyRecord], accounts: [AccountRecord], users: UserTable, workflows: [WorkflowRecord],
                        features: [String]) throws(StoreError) -> [UInt8] {
        var raw: [UInt8] = []
        func string(_ text: String) { appendCounted(text, to: &raw) }
        func int(_ value: some BinaryInteger) { appendLittleEndian(Int64(value), to: &raw) }
        raw.reserveCapacity(32 + 96 * accounts.count + 24 * users.count + 32 * features.count)
        appendLittleEndian(UInt32(agencies.count), to: &raw)
        for agency in agencies {
            string(agency.agencyID)
            string(agency.name)
        }
        appendLittleEndian(UInt32(accounts.count), to: &raw)
        for account in accounts {
            string(account.accountID)
            int(account.agencyKey)
            string(account.name)
            string(account.plan)
            raw.append((account.seats == nil ? 0 : 1) | (account.createdAt == nil ? 0 : 2) | (account.renewalDay == nil ? 0 : 4)
                | (account.tracked ? 8 : 0))
            int(account.seats ?? 0)
            int(account.createdAt ?? 0)
            int(account.renewalDay ?? 0)
            string(account.ownerEmail)
            raw.append(UInt8(AccountPriority.allCases.firstIndex(of: account.priority)!))
        }
        appendLittleEndian(UInt32(workflows.count), to: &raw)
        for workflow in workflows {
            string(workflow.workflowID)
            int(workflow.agencyKey)
            string(workflow.name)
            raw.append(workflow.webhookURL == nil ? 0 : 1)
            string(workflow.webhookURL ?? "")
        }
        appendLittleEndian(UInt32(features.count), to: &raw)
        for feature in features { string(feature) }
        appendLittleEndian(UInt32(users.count), to: &raw)
        for key in users.indices {
            users.ids.withKeyBytes(UInt32(key)) { appendCounted($0, to: &raw) }
            int(users.accountKeys[key])
        }
        do {
            // The second frame is the table's details as they are.
            let first = try ZstdCodec.compress(raw, level: 1), second = try ZstdCodec.compress(users.details, level: 1)
            var blob = magic
            appendLittleEndian(UInt32(first.count), to: &blob)
            return blob + first + second
        } catch {
            throw .unexpected("could not compress the entity snapshot: \(error)")
        }
    }

    /// The tables of a blob, read as `users` asks (see
    /// ``StoreEntities/UserRead``; keys only: the second frame is not
    /// read). Nil for a blob that is not a whole VEN2 snapshot (a snapshot
    /// is rebuilt, not trusted).
    static func decode(_ bytes: UnsafeRawBufferPointer, users userRead: StoreEntities.UserRead) -> StoreEntities? {
        var frames = LittleEndianReader(bytes)
        guard frames.take(4).map(Array.init) == magic, let first = frames.counted(), let second = frames.take(frames.remaining),
              let keys = try? ZstdFrameReader(first)
        else { return nil }
        let details: [UInt8]
        if userRead == .keysOnly {
            details = []
        } else {
            guard let decompressed = try? ZstdCodec.decompress(second) else { return nil }
            details = decompressed
        }
        return decode(keys: keys, details: details, users: userRead)
    }

    /// The tables of the two frames (the first read as it is decompressed,
    /// its 10 MB never whole at 100 M events; the second's bytes become the
    /// ``UserTable``'s details).
    private static func decode(keys: consuming ZstdFrameReader, details: [UInt8],
                               users userRead: StoreEntities.UserRead) -> StoreEntities? {
        // Each row of a table is 4 bytes or more.
        var reader = StreamedRowReader(keys, minimumRowBytes: 4)

        var entities = StoreEntities()
        guard let agencyCount = reader.rowCount() else { return nil }
        for key in 0 ..< agencyCount {
            entities.agencies.append(AgencyRecord(key: key, agencyID: reader.string(), name: reader.string()))
        }
        guard !reader.failed, let accountCount = reader.rowCount() else { return nil }
        entities.accounts.reserveCapacity(accountCount)
        for key in 0 ..< accountCount {
            let accountID = reader.string(), agencyKey = reader.int(), name = reader.string(), plan = reader.string()
            let flags = reader.byte(), seats = reader.int(), createdAt = reader.int(), renewalDay = reader.int()
            let ownerEmail = reader.string(), priority = Int(reader.byte())
            guard !reader.failed, priority < AccountPriority.allCases.count else { return nil }
            entities.accounts.append(AccountRecord(
                key: key, accountID: accountID, agencyKey: Int(agencyKey), name: name, plan: plan,
                seats: flags & 1 == 0 ? nil : Int(seats), createdAt: flags & 2 == 0 ? nil : createdAt,
                renewalDay: flags & 4 == 0 ? nil : Int(renewalDay), ownerEmail: ownerEmail, tracked: flags & 8 != 0,
                priority: AccountPriority.allCases[priority]))
        }
        guard let workflowCount = reader.rowCount() else { return nil }
        for key in 0 ..< workflowCount {
            let workflowID = reader.string(), agencyKey = reader.int(), name = reader.string()
            let flags = reader.byte(), webhook = reader.string()
            entities.workflows.append(WorkflowRecord(key: key, workflowID: workflowID, agencyKey: Int(agencyKey), name: name,
                                                     webhookURL: flags & 1 == 0 ? nil : webhook))
        }
        guard !reader.failed, let featureCount = reader.rowCount() else { return nil }
        for _ in 0 ..< featureCount { entities.features.append(reader.string()) }
        guard !reader.failed, let userCount = reader.rowCount() else { return nil }
        var ids = ByteStringDictionary()
        var accounts: [Int] = []
        // A load's ids are indexed on their first look-up, if there is one.
        ids.reserveCapacity(userCount, keyBytes: userCount * 16, slots: userRead == .keysOnly)
        accounts.reserveCapacity(userCount)
        for _ in 0 ..< userCount {
            guard let id = reader.counted() else { return nil }
            ids.append(unindexed: id)
            accounts.append(Int(reader.int()))
        }
        guard !reader.failed, reader.remaining == 0 else { return nil }
        switch userRead {
        case .keysOnly:
            guard ids.indexAppended() == nil else { return nil }
            entities.userKeys = ids
            entities.keyedUserAccounts = accounts
        case .records, .recordsAndDictionary:
            guard let table = UserTable(ids: ids, accountKeys: accounts, details: details) else { return nil }
            if userRead == .records { entities.userTable = table } else { entities.users = Array(table) }
        }
        return try? entities.withDictionaries(users: userRead)
    }

    /// The stored snapshot's tables, or nil when there is none, it cannot
    /// be read, or a table's row count differs from the snapshot's.
    static func read(_ db: Database, users: StoreEntities.UserRead) throws -> StoreEntities? {
        let read: StoreEntities?
        if users == .keysOnly {
            read = keysOnlyPart(db)?.withUnsafeBytes { decode($0, users: users) }
        } else {
            read = try db.withFirstRawRow("SELECT state FROM entity_snapshot WHERE id = 1", { decode($0.blobBytes(0), users: users) })
        }
        guard let entities = read else { return nil }
        // Keys are dense: the largest plus one is the count (a seek each, not a scan).
        let row = try Row.fetchOne(db, sql: """
            SELECT (SELECT COALESCE(MAX(agency_key) + 1, 0) FROM agencies), (SELECT COALESCE(MAX(account_key) + 1, 0) FROM accounts),
                   (SELECT COALESCE(MAX(user_key) + 1, 0) FROM users), (SELECT COALESCE(MAX(workflow_key) + 1, 0) FROM workflows),
                   (SELECT COALESCE(MAX(feature_key) + 1, 0) FROM features)
            """)!
        let counts = [entities.agencies.count, entities.accounts.count, entities.userCount, entities.workflows.count, entities.features.count]
        guard counts == (0 ..< 5).map({ row[$0] as Int }) else { return nil }
        return entities
    }
}

extension EntitySnapshot {
    /// The blob's magic, first frame's length and first frame, read with
    /// SQLite's incremental blob I/O: what an ingest of events reads (the
    /// ids), without the users' details after it, 9 of the blob's 14 MB at
    /// 100 M events. Nil when there is no snapshot or it is too short.
    static func keysOnlyPart(_ db: Database) -> [UInt8]? {
        var handle: OpaquePointer?
        guard sqlite3_blob_open(db.sqliteConnection, "main", "entity_snapshot", "state", 1, 0, &handle) == SQLITE_OK, let blob = handle else {
            sqlite3_blob_close(handle)
            return nil
        }
        defer { sqlite3_blob_close(blob) }
        let size = Int(sqlite3_blob_bytes(blob))
        var header = [UInt8](repeating: 0, count: 8)
        guard size >= 8, sqlite3_blob_read(blob, &header, 8, 0) == SQLITE_OK else { return nil }
        let firstFrame = Int(UInt32(littleEndian: header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self) }))
        guard firstFrame <= size - 8 else { return nil }
        var part = [UInt8](repeating: 0, count: 8 + firstFrame)
        guard sqlite3_blob_read(blob, &part, Int32(part.count), 0) == SQLITE_OK else { return nil }
        return part
    }
}

extension Store {
    /// Keeps the entity tables `dataset` read as rows for the next loads
    /// (see ``EntitySnapshot``), unless it read them from the snapshot or
    /// the store was written since its load (the tables may have changed).
    /// Returns whether it wrote.
    @discardableResult
    public func keepEntities(of dataset: Dataset) throws(StoreError) -> Bool {
        guard let version = dataset.entitiesReadAt else { return false }
        let blob = try EntitySnapshot.encoded(agencies: dataset.agencies, accounts: dataset.accounts, users: dataset.users,
                                              workflows: dataset.workflows, features: dataset.features)
        // A blob replaced is the store's own data: its freed pages need not be zeroed.
        return try writeReplacingDerivedData { db in
            guard try Self.dataVersion(db) == version else { return false }
            try db.execute(sql: "INSERT OR REPLACE INTO entity_snapshot (id, state) VALUES (1, ?)", arguments: [Data(blob)])
            return true
        }
    }
}
