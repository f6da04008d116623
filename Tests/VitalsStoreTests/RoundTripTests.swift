import DataGenKit
import Foundation
import GRDB
import Testing
import VitalsColumnar
@testable import VitalsStore

/// Counts data rows with the RFC 4180 reader (for files with quoted fields).
enum CSVRowCounter {
    static func count(_ path: String) throws -> Int {
        let reader = try CSVReader(path: path)
        while try reader.next() {}
        return reader.rowsRead
    }
}

/// Generated CSVs → ingest → load must give back exactly the rows of the files.
@Suite struct RoundTripTests {
    /// A small generated dataset in a new directory.
    static func generate(seed: UInt64 = 11) throws -> String {
        let directory = makeTemporaryDirectory().appendingPathComponent("data").path
        _ = try generateDataset(DataGenConfig(agencies: 2, accountsPerAgency: 15, usersPerAccount: 6, days: 60,
                                              events: 40_000, seed: seed, asOf: DataGenConfig.date(fromDay: "2026-11-20")!,
                                              outputDirectory: directory))
        return directory
    }

    /// The data rows of a CSV without quoted fields, split on commas.
    static func rows(_ directory: String, _ file: String) throws -> (header: [String], rows: [[String]]) {
        let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        #expect(!text.contains("\""), "\(file) is expected to have no quoted fields")
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (lines[0], Array(lines.dropFirst()))
    }

    struct Event: Hashable, Comparable {
        var ts: Int64, user: String, feature: String, count: Int
        static func < (a: Event, b: Event) -> Bool { (a.ts, a.user, a.feature, a.count) < (b.ts, b.user, b.feature, b.count) }
    }

    /// Events per account id, read straight from the CSV text.
    static func csvEvents(_ directory: String, _ file: String) throws -> [String: [Event]] {
        let (header, rows) = try rows(directory, file)
        let ts = header.firstIndex(of: "ts")!, account = header.firstIndex(of: "account_id")!, user = header.firstIndex(of: "user_id")!
        let feature = header.firstIndex(of: "feature"), count = header.firstIndex(of: "count")
        var events: [String: [Event]] = [:]
        for row in rows {
            var text = row[ts]
            let seconds = text.withUTF8 { CivilTime.parseTimestamp(UnsafeRawBufferPointer($0))! }
            events[row[account], default: []].append(Event(ts: seconds, user: row[user], feature: feature.map { row[$0] } ?? "",
                                                            count: count.map { Int(row[$0])! } ?? 0))
        }
        return events
    }

    /// Events per account id, read from the loaded columns.
    static func loadedEvents(_ dataset: Dataset, _ columns: EventColumns) -> [String: [Event]] {
        var events: [String: [Event]] = [:]
        for account in 0 ..< dataset.accounts.count {
            for row in columns.rows(of: account) {
                events[dataset.accounts[account].accountID, default: []].append(Event(
                    ts: Int64(columns.timestamps[row]), user: dataset.users[Int(columns.actors[row])].userID,
                    feature: columns.hasItems ? dataset.features[Int(columns.items[row])] : "",
                    count: columns.hasItems ? Int(columns.quantities[row]) : 0))
            }
        }
        return events
    }

    @Test func ingestThenLoadGivesBackTheCSVRows() throws {
        let data = try Self.generate()
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: data, into: store)
        let dataset = try Store.open(at: store, readOnly: true).loadDataset()

        for (file, columns) in [("logins.csv", dataset.logins), ("feature_usage.csv", dataset.featureUsage)] {
            let expected = try Self.csvEvents(data, file)
            let loaded = Self.loadedEvents(dataset, columns)
            #expect(columns.count == expected.values.reduce(0) { $0 + $1.count }, "\(file) row count")
            #expect(Set(loaded.keys) == Set(expected.keys), "\(file) accounts with events")
            for (account, events) in expected {
                let got = loaded[account] ?? []
                #expect(got.sorted() == events.sorted(), "\(file) rows of \(account)")
                // Stored order: by time within the account.
                #expect(zip(got, got.dropFirst()).allSatisfy { $0.ts <= $1.ts }, "\(file) time order of \(account)")
                #expect(got.reduce(0) { $0 + $1.count } == events.reduce(0) { $0 + $1.count }, "\(file) use sum of \(account)")
            }
        }
        // Distinct users per day, the shape wau/mau/dau build on.
        func usersPerDay(_ events: [String: [Event]]) -> [Int: Int] {
            var sets: [Int: Set<String>] = [:]
            for event in events.values.joined() { sets[CivilTime.day(ofSeconds: event.ts), default: []].insert(event.user) }
            return sets.mapValues(\.count)
        }
        #expect(usersPerDay(Self.loadedEvents(dataset, dataset.logins)) == usersPerDay(try Self.csvEvents(data, "logins.csv")))

        // Entities and logs.
        let accounts = try CSVReader(path: data + "/accounts.csv")
        var tracked: [String: Bool] = [:]
        while try accounts.next() { tracked[accounts.string(0)] = accounts.string(accounts.columnIndex("tracked")!) == "true" }
        #expect(dataset.accounts.count == tracked.count)
        #expect(dataset.accounts.allSatisfy { tracked[$0.accountID] == $0.tracked })
        let users = try Self.rows(data, "users.csv")
        #expect(dataset.users.count == users.rows.count)
        #expect(dataset.users.filter(\.keyUser).count == users.rows.filter { $0[users.header.firstIndex(of: "key_user")!] == "true" }.count)
        let mrr = try Self.rows(data, "mrr.csv")
        #expect(dataset.mrrChanges.count == mrr.rows.count)
        #expect(dataset.mrrChanges.reduce(0) { $0 + $1.mrrCents } == mrr.rows.reduce(0) { $0 + Int64($1[2])! })
        let payments = try Self.rows(data, "payments.csv")
        #expect(dataset.payments.count == payments.rows.count)
        #expect(dataset.payments.filter { $0.status == .failed }.count == payments.rows.filter { $0[4] == "failed" }.count)
        #expect(dataset.feedback.count == (try CSVRowCounter.count(data + "/feedback.csv")))
        #expect(dataset.workflows.count == (try CSVRowCounter.count(data + "/workflows.csv")))
    }

    /// Writes the header and the rows `range` of each file in `files` into `directory`.
    static func writeSlice(from data: String, to directory: String, files: [String], half: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in files {
            let lines = try String(contentsOfFile: data + "/" + file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let body = lines.dropFirst().filter { !$0.isEmpty }
            let cut = body.count / 2
            let part = half == 0 ? body.prefix(cut) : body.dropFirst(cut)
            try ([lines[0]] + part).joined(separator: "\n").appending("\n").write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
        }
    }

    /// Whether the event files parse while an existing store is written
    /// (a night's) or before (a backfill's: `writtenBeside` 0), the store
    /// ends the same.
    @Test(arguments: [Ingestor.eventBytesWrittenBeside, 0])
    func twoIncrementalHalvesEqualOneIngestOfTheWhole(writtenBeside: Int) throws {
        let data = try Self.generate(seed: 5)
        let whole = makeTemporaryDirectory().appendingPathComponent("whole.db").path
        _ = try Ingestor.ingest(directory: data, into: whole)

        let logs = ["logins.csv", "feature_usage.csv", "mrr.csv", "payments.csv", "feedback.csv"]
        let first = makeTemporaryDirectory().path, second = makeTemporaryDirectory().path
        for file in ["agencies.csv", "accounts.csv", "users.csv", "workflows.csv"] {
            try FileManager.default.copyItem(atPath: data + "/" + file, toPath: first + "/" + file)
        }
        try Self.writeSlice(from: data, to: first, files: logs, half: 0)
        try Self.writeSlice(from: data, to: second, files: logs, half: 1)
        let halves = makeTemporaryDirectory().appendingPathComponent("halves.db").path
        _ = try Ingestor.ingest(directory: first, into: halves)
        let secondIngest = try Ingestor.ingest(directory: second, into: halves, pageLimit: nil, writtenBeside: writtenBeside)

        let a = try Store.open(at: whole, readOnly: true).loadDataset()
        let b = try Store.open(at: halves, readOnly: true).loadDataset()
        // The second ingest merged each closed epoch's two batches into one; only the newest epoch (still
        // being fed) may keep two.
        #expect(secondIngest.compaction?.merges.isEmpty == false)
        let wholeBatches = try Store.open(at: whole, readOnly: true).info().logins.batches
        #expect(wholeBatches > 1)
        #expect((wholeBatches ... wholeBatches + 1).contains(try Store.open(at: halves, readOnly: true).info().logins.batches))
        #expect(a.logins == b.logins)
        #expect(a.featureUsage == b.featureUsage)
        #expect(a.features == b.features)
        #expect(a.accounts == b.accounts && a.users == b.users && a.agencies == b.agencies && a.workflows == b.workflows)
        #expect(a.mrrChanges == b.mrrChanges && a.payments == b.payments && a.feedback == b.feedback)
    }

    /// An ingest without users.csv reads the users as their ids and
    /// accounts alone: every id finds the key its record has.
    @Test func usersReadAsKeysLookUpAsTheirRecordsDo() throws {
        let path = makeTemporaryDirectory().appendingPathComponent("keys.db").path
        _ = try Ingestor.ingest(directory: try Self.generate(seed: 3), into: path)
        let store = try Store.open(at: path, readOnly: true)
        let (full, keys) = try store.read { db in (try StoreEntities(db), try StoreEntities(db, users: .keysOnly)) }
        #expect(keys.users.isEmpty && keys.usersAreKeysOnly)
        #expect(full.users.count > 100 && keys.userCount == full.users.count)
        #expect(keys.userAccounts == full.users.map(\.accountKey))
        #expect(keys.userKeys.count == full.userKeys.count)
        #expect(full.users.allSatisfy { keys.userKeys.code(of: $0.userID) == UInt32($0.key) })
        #expect(keys.userKeys.code(of: "no such user") == nil)
    }

    /// A store written before column segments were keyed by rowid
    /// (`v14-segments-by-rowid`) keeps every segment through the migration
    /// and loads what it loaded before.
    @Test func theSegmentTableMigrationKeepsEverySegment() throws {
        let current = makeTemporaryDirectory().appendingPathComponent("current.db").path
        _ = try Ingestor.ingest(directory: try Self.generate(seed: 9), into: current)
        // The same rows in a store of the schema before the migration.
        let older = makeTemporaryDirectory().appendingPathComponent("older.db").path
        let queue = try DatabaseQueue(path: older)
        try StoreSchema.migrator.migrate(queue, upTo: "v13-digest-cache")
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS current", arguments: [current])
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            // The tables the older schema has (the later migrations' caches it has not).
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM current.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                AND name IN (SELECT name FROM main.sqlite_master WHERE type = 'table')
                """)
            for table in tables {
                let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?, 'current') WHERE name != 'segment_id'", arguments: [table])
                let list = columns.joined(separator: ", ")
                try db.execute(sql: "INSERT OR REPLACE INTO main.\(table) (\(list)) SELECT \(list) FROM current.\(table)")
            }
            try db.execute(sql: "DETACH DATABASE current")
        }
        #expect(try queue.read { try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE name = 'event_segments'") }?.contains("WITHOUT ROWID") == true)
        let segmentCount = try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM event_segments") }
        try queue.close()

        let migrated = try Store.open(at: older)
        let table = try migrated.read { try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE name = 'event_segments'") }
        #expect(table?.contains("WITHOUT ROWID") == false)
        #expect(try migrated.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM event_segments") } == segmentCount)
        let a = try Store.open(at: current, readOnly: true).loadDataset()
        let b = try migrated.loadDataset()
        #expect(a.logins == b.logins && a.featureUsage == b.featureUsage)
        #expect(a.accounts == b.accounts && a.users == b.users && a.payments == b.payments)
    }

    /// The ingest inserts entities with its own statement: GRDB's records
    /// must read them back as written (nil, Bool and enum columns included),
    /// stored with the types GRDB's own encoding gives them.
    @Test func insertedEntitiesReadBackAsGRDBRecords() throws {
        let path = makeTemporaryDirectory().appendingPathComponent("s.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: path)
        let store = try Store.open(at: path)
        try store.read { db in
            #expect(try AgencyRecord.fetchAll(db) == [AgencyRecord(key: 0, agencyID: "ag_1", name: "Acme, Inc")])
            let accounts = try AccountRecord.order(Column("account_key")).fetchAll(db)
            #expect(accounts == [
                AccountRecord(key: 0, accountID: "acc_1", agencyKey: 0, name: "One", plan: "pro", seats: 5, createdAt: 1_767_225_600,
                              renewalDay: CivilTime.days(year: 2026, month: 12, day: 1), ownerEmail: "o@x.com", tracked: true, priority: .high),
                AccountRecord(key: 1, accountID: "acc_2", agencyKey: 0, name: "Two \"quoted\"", plan: "starter", seats: nil,
                              createdAt: 1_769_904_000, renewalDay: nil, ownerEmail: "o@x.com", tracked: false, priority: .normal),
            ])
            let users = try UserRecord.order(Column("user_key")).fetchAll(db)
            #expect(users.map(\.userID) == ["u1", "u2", "u3"])
            #expect(users[0] == UserRecord(key: 0, userID: "u1", accountKey: 0, email: "a@x", name: "A", role: "admin",
                                           createdAt: 1_767_225_600, keyUser: true))
            #expect(users[1].createdAt == nil && users[1].keyUser == false)
            #expect(try WorkflowRecord.fetchAll(db) == [WorkflowRecord(key: 0, workflowID: "wf_1", agencyKey: 0, name: "Win-back", webhookURL: nil)])
            let types = try Row.fetchOne(db, sql: "SELECT typeof(tracked), typeof(priority), typeof(seats), typeof(created_at) FROM accounts WHERE account_key = 0")!
            #expect(types[0] as String == "integer" && types[1] as String == "text" && types[2] as String == "integer" && types[3] as String == "integer")
        }
    }

    @Test func reingestingEntitiesUpdatesThemInPlace() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        let update = writeDataset([
            "accounts.csv": "account_id,agency_id,priority,seats\nacc_1,ag_1,low,9\nacc_3,ag_1,,\n",
            "users.csv": "user_id,account_id,key_user\nu2,acc_1,true\nu4,acc_3,false\n",
        ])
        _ = try Ingestor.ingest(directory: update, into: store)
        let dataset = try Store.open(at: store, readOnly: true).loadDataset()
        let one = try #require(dataset.accountKey("acc_1").map { dataset.accounts[$0] })
        #expect(one.priority == .low && one.seats == 9)
        #expect(one.name == "One" && one.plan == "pro" && one.renewalDay == CivilTime.parseDate("2026-12-01"))  // columns not given keep their values
        #expect(dataset.accounts.count == 3 && dataset.accounts[2].accountID == "acc_3" && dataset.accounts[2].tracked)
        #expect(dataset.users.first { $0.userID == "u2" }?.keyUser == true)
        #expect(dataset.logins.count == 3 && dataset.logins.partitionCount == 3)
        // A load builds the user dictionary on the first lookup, from every user (the new one included).
        #expect(dataset.userKey("u4").map { dataset.users[$0].accountKey } == dataset.accountKey("acc_3"))
        #expect(dataset.userKey("u2").map { dataset.users[$0].userID } == "u2")
        #expect(dataset.userKey("nobody") == nil)
    }

    /// A payment status or an account priority the store does not know (a
    /// file edited by hand, a newer release's value) fails the load with
    /// what and where, not a crash.
    @Test func anUnknownStatusOrPriorityFailsTheLoadSayingWhich() throws {
        let path = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: path)
        let store = try Store.open(at: path)
        try store.write { db in try db.execute(sql: "UPDATE payments SET status = 'charged back' WHERE seq = (SELECT MIN(seq) FROM payments)") }
        #expect(throws: StoreError.self) { try store.loadDataset() }
        do { _ = try store.loadDataset() } catch { #expect("\(error)".contains("unknown payment status charged back")) }
        try store.write { db in
            try db.execute(sql: "UPDATE payments SET status = 'failed'")
            try db.execute(sql: "UPDATE accounts SET priority = 'urgent' WHERE account_id = 'acc_1'")
        }
        do { _ = try store.loadDataset() } catch { #expect("\(error)".contains("account acc_1 has an unknown priority \"urgent\"")) }
        #expect(throws: StoreError.self) { try store.loadDataset() }
        // A user key far out of its dense range (the read reserves by the largest key) fails as not dense, not as an allocation.
        try store.write { db in
            try db.execute(sql: "UPDATE accounts SET priority = 'normal'")
            try db.execute(sql: "INSERT INTO users (user_key, user_id, account_key, email, name, role, key_user) VALUES (1000000000000, 'u_far', 0, 'f@example.com', 'Far', 'admin', 0)")
        }
        do { _ = try store.loadDataset() } catch { #expect("\(error)".contains("users keys are not dense")) }
        #expect(throws: StoreError.self) { try store.loadDataset() }
    }

    /// The entities and logs are read on a second connection beside the
    /// events: a write that lands between the two snapshots (here an
    /// account and its payment) must not give a dataset half before and half after it.
    @Test func aWriteBetweenTheLoadsTwoSnapshotsLoadsAgainInOne() throws {
        let path = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: path)
        let store = try Store.open(at: path, readOnly: true)
        #expect(try store.loadDataset().accounts.count == 2)
        // What an ingest of a new account and its payment writes, in one transaction.
        let writer = try Store.open(at: path)
        let dataset = try store.loadDataset(eventsFrom: nil) {
            try writer.write { db in
                try db.execute(sql: """
                    INSERT INTO accounts (account_key, account_id, agency_key, name, plan, owner_email, tracked, priority)
                    VALUES (2, 'acc_3', 0, 'Three', 'pro', 'o@x.com', 1, 'normal')
                    """)
                try db.execute(sql: "INSERT INTO payments (account_key, ts, invoice_id, amount_cents, status) VALUES (2, 1762077600, 'inv_9', 4900, 'succeeded')")
                try Store.bumpDataVersion(db)
            }
        }
        #expect(dataset.accounts.count == 3 && dataset.logins.partitionCount == 3 && dataset.featureUsage.partitionCount == 3)
        #expect(dataset.payments.last?.invoiceID == "inv_9" && dataset.payments.last?.accountKey == 2)
        // Its entity tables were read as rows, at the version after the write: a score may keep them packed.
        #expect(dataset.entitiesReadAt == (try writer.dataVersion()))
        // Nothing written in between: the same dataset as a load after the write.
        let again = try store.loadDataset()
        #expect(again.accounts == dataset.accounts && again.payments == dataset.payments && again.logins.count == dataset.logins.count)
    }
}

extension EventColumns {
    /// The timestamps as 64-bit epoch seconds, as the tests compare them.
    var seconds: [Int64] { timestamps.map { Int64($0) } }
}
