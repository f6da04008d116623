import Foundation
import GRDB
import Testing
@testable import VitalsStore

/// The store's own failures, as an operator meets them: a user message
/// without SQL, `file:line` when a row is the cause, and a store left
/// byte-for-byte as it was (no file at all after a failed first ingest).
@Suite struct StoreFailureTests {
    /// `acc_1\0x` on line 4: the same id as acc_1 to SQLite, which keeps
    /// text up to the NUL.
    static let accountsWithNUL = Array("account_id,agency_id,name\nacc_1,ag_1,One\nacc_2,ag_1,Two\nacc_1".utf8) + [0]
        + Array("x,ag_1,Shadow\n".utf8)

    @Test func idsThatDifferOnlyAfterANULStopTheFirstIngestAtTheirRow() throws {
        let directory = makeTemporaryDirectory().path
        let store = directory + "/vitals.db"
        var files = smallDataset.mapValues { Array($0.utf8) }
        files["accounts.csv"] = Self.accountsWithNUL
        let error = #expect(throws: StoreError.self) { try Ingestor.ingest(directory: writeDataset(bytes: files), into: store) }
        guard case let .badInput(file, line, message)? = error else {
            Issue.record("expected a file:line error, got \(String(describing: error))")
            return
        }
        // The CSV reader may refuse the NUL byte itself; either way the row is named and no SQL is shown.
        #expect(file.hasSuffix("/accounts.csv") && line == 4, "\(file):\(line)")
        #expect(message.lowercased().contains("nul"), "\(message)")
        #expect(!message.contains("SQL") && !message.contains("INSERT"))
        #expect(directoryListing(directory).isEmpty, "left behind: \(directoryListing(directory))")
    }

    @Test func aNULShadowOfAStoredIdLeavesTheStoreUnchanged() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        let before = try #require(fileBytes(store))
        let update = Array("account_id,agency_id,name\nacc_3,ag_1,Three\nacc_2".utf8) + [0] + Array("old,ag_1,Shadow\n".utf8)
        let error = #expect(throws: StoreError.self) { try Ingestor.ingest(directory: writeDataset(bytes: ["accounts.csv": update]), into: store) }
        guard case let .badInput(file, line, _)? = error else {
            Issue.record("expected a file:line error, got \(String(describing: error))")
            return
        }
        #expect(file.hasSuffix("/accounts.csv") && line == 3)
        #expect(fileBytes(store) == before)
        #expect(!FileManager.default.fileExists(atPath: store + "-wal"))
    }

    /// The writer's own answer to a UNIQUE failure, whatever the CSV reader
    /// lets through: the row's file and line, the id as the store sees it.
    @Test func aDuplicateIdAtInsertIsReportedAtItsRow() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        let opened = try Store.open(at: store)
        var plan = IngestPlan(entities: try opened.read { try StoreEntities($0) })
        let shadow = AccountRecord(key: plan.base.accounts, accountID: "acc_1\0x", agencyKey: 0, name: "Shadow", plan: "", seats: nil,
                                   createdAt: nil, renewalDay: nil, ownerEmail: "", tracked: true, priority: .normal)
        plan.changedAccounts = [Upsert(record: shadow, source: SourceRow(file: "data/accounts.csv", line: 9))]
        let error = #expect(throws: StoreError.self) {
            let feed = BatchFeed()
            feed.close()
            try opened.write { db in
                _ = try IngestWriter.write(plan, source: "data", to: db, feed: feed) { IngestEvents(features: plan.entities.featureKeys) }
            }
        }
        #expect(error?.description == #"data/accounts.csv:9: account_id "acc_1\0x" holds a NUL byte; the store keeps text up to it, as "acc_1", "#
            + "which is already another account's id: remove the NUL byte and run the ingest again")
        #expect(IngestWriter.duplicateMessage(id: "wf_1", column: "workflow_id", entity: "workflow")
            == #"workflow_id "wf_1" is already another workflow's id in the store"#)
    }

    @Test func aDiskThatFillsDuringTheIngestLeavesTheStoreByteForByte() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        let before = try #require(fileBytes(store))
        // The page size from the file's header (opening the store could change its bytes).
        let pageSize = Int(before[16]) << 8 | Int(before[17])
        #expect(pageSize == Store.pageSize)
        let pages = before.count / pageSize
        let error = #expect(throws: StoreError.self) {
            try Ingestor.ingest(directory: writeDataset(["logins.csv": manyLogins(20_000)]), into: store, pageLimit: pages)
        }
        #expect(error?.isDiskFull == true, "\(String(describing: error))")
        #expect(error?.description == "the disk is full: the store could not be written, and nothing of this change was kept; "
            + "free some space and run it again")
        #expect(error?.debugDescription.contains("SQLite error 13") == true)
        #expect(fileBytes(store) == before)
        #expect(!FileManager.default.fileExists(atPath: store + "-wal"))
        // And the store still takes the same ingest where there is room.
        _ = try Ingestor.ingest(directory: writeDataset(["logins.csv": manyLogins(20_000)]), into: store)
    }

    @Test func aDiskThatFillsDuringAFirstIngestLeavesNoFile() throws {
        // Room for the schema and a page more: the migrations pass, the ingest's transaction does not.
        let probe = makeTemporaryDirectory().appendingPathComponent("empty.db").path
        let schemaPages = try Store.open(at: probe, create: true).read { try Int.fetchOne($0, sql: "PRAGMA page_count")! }
        let directory = makeTemporaryDirectory().path
        var files = smallDataset
        files["logins.csv"] = manyLogins(20_000)
        let error = #expect(throws: StoreError.self) {
            try Ingestor.ingest(directory: writeDataset(files), into: directory + "/vitals.db", pageLimit: schemaPages + 1)
        }
        #expect(error?.description == "the disk is full: the store could not be written, and nothing of this change was kept; "
            + "free some space and run it again")
        #expect(directoryListing(directory).isEmpty, "left behind: \(directoryListing(directory))")
    }

    @Test func aBadRowInAFirstIngestLeavesNoFileBesideTheStoreEither() throws {
        let directory = makeTemporaryDirectory().path
        var files = smallDataset
        files["feedback.csv"] = "ts,account_id,user_id,score,comment\n2026-11-21T10:00:00Z,acc_1,u1,11,wow\n"
        #expect(throws: StoreError.self) { try Ingestor.ingest(directory: writeDataset(files), into: directory + "/vitals.db") }
        #expect(directoryListing(directory).isEmpty)
    }

    @Test func aNewStoreAndItsWALAreReadableByTheOwnerOnly() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        #expect(permissions(store) == 0o600)
        let opened = try Store.open(at: store)
        _ = try opened.write { db in try Store.bumpDataVersion(db) }
        #expect(permissions(store + "-wal") == 0o600)
        #expect(permissions(store + "-shm") == 0o600)

        let created = makeTemporaryDirectory().appendingPathComponent("created.db").path
        _ = try Store.open(at: created, create: true)
        #expect(permissions(created) == 0o600)
    }

    @Test func aSQLiteErrorShowsNoSQLToTheUser() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        let opened = try Store.open(at: store, create: true)
        let error = #expect(throws: StoreError.self) { try opened.read { try $0.execute(sql: "SELECT * FROM no_such_table") } }
        #expect(error?.description == "the store could not be read or written: no such table: no_such_table")
        #expect(error?.debugDescription.contains("SELECT * FROM no_such_table") == true)
    }

    @Test func aFileThatIsNotAStoreIsSaidSoPlainly() throws {
        let path = makeTemporaryDirectory().appendingPathComponent("notes.db").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(String(repeating: "not a database\n", count: 400).utf8))
        let error = #expect(throws: StoreError.self) { try Store.open(at: path, readOnly: true) }
        #expect(error?.description == "store \(path): the store file is damaged or is not a vitals store")
    }
}
