import Foundation
import Testing
@testable import VitalsStore

/// Each kind of bad input must stop the ingest with `file:line: what`, and the
/// store must stay byte-for-byte what it was.
@Suite struct IngestErrorTests {
    struct BadCase: CustomStringConvertible, Sendable {
        var name: String
        var file: String
        var contents: [UInt8]
        var line: Int
        var message: String
        var description: String { name }

        init(_ name: String, _ file: String, _ text: String, line: Int, message: String) {
            self.init(name, file, Array(text.utf8), line: line, message: message)
        }

        init(_ name: String, _ file: String, _ bytes: [UInt8], line: Int, message: String) {
            self.name = name
            self.file = file
            contents = bytes
            self.line = line
            self.message = message
        }
    }

    static let cases: [BadCase] = [
        BadCase("truncated row", "logins.csv", "ts,account_id,user_id\n2026-11-21T10:00:00Z,acc_1,u1\n2026-11-21T11:00:00Z,acc_1\n",
                line: 3, message: "expected 3 fields"),
        BadCase("quote left open", "feature_usage.csv", "ts,account_id,user_id,feature,count\n2026-11-21T10:00:00Z,acc_1,u1,\"email,3\n",
                line: 2, message: "never closed"),
        BadCase("bad date", "mrr.csv", "date,account_id,mrr_cents\n2026-11-01,acc_1,100\n2026-02-30,acc_1,200\n",
                line: 3, message: "bad date \"2026-02-30\""),
        BadCase("bad timestamp", "logins.csv", "ts,account_id,user_id\nlast tuesday,acc_1,u1\n",
                line: 2, message: "bad timestamp \"last tuesday\""),
        // The columns keep times in 32 bits: before 1970 or after 2106-02-07 is refused where it stands.
        BadCase("time before 1970", "logins.csv", "ts,account_id,user_id\n2026-11-21T10:00:00Z,acc_1,u1\n1969-12-31T23:59:59Z,acc_1,u1\n",
                line: 3, message: "timestamp \"1969-12-31T23:59:59Z\" in column ts is outside 1970-01-01T00:00:00Z .. 2106-02-07T06:28:15Z"),
        BadCase("time after 2106", "feature_usage.csv", "ts,account_id,user_id,feature,count\n4294967296,acc_1,u1,email,1\n",
                line: 2, message: "timestamp \"4294967296\" in column ts is outside"),
        BadCase("unknown user", "logins.csv", "ts,account_id,user_id\n2026-11-21T10:00:00Z,acc_1,u1\n2026-11-21T10:00:00Z,acc_1,u99\n",
                line: 3, message: "unknown user_id \"u99\""),
        BadCase("unknown account", "feature_usage.csv", "ts,account_id,user_id,feature,count\n2026-11-21T10:00:00Z,acc_9,u1,email,1\n",
                line: 2, message: "unknown account_id \"acc_9\""),
        BadCase("count zero", "feature_usage.csv", "ts,account_id,user_id,feature,count\n2026-11-21T10:00:00Z,acc_1,u1,email,0\n",
                line: 2, message: "count must be an integer ≥ 1, got \"0\""),
        BadCase("count negative", "feature_usage.csv", "ts,account_id,user_id,feature,count\n2026-11-21T10:00:00Z,acc_1,u1,email,1\n2026-11-21T10:00:00Z,acc_1,u1,email,-2\n",
                line: 3, message: "got \"-2\""),
        BadCase("missing required column", "logins.csv", "ts,account_id\n2026-11-21T10:00:00Z,acc_1\n",
                line: 1, message: "missing required column \"user_id\""),
        BadCase("empty file", "payments.csv", "", line: 1, message: "empty file"),
        BadCase("non-UTF-8 bytes", "feedback.csv",
                Array("ts,account_id,user_id,score,comment\n2026-11-21T10:00:00Z,acc_1,u1,7,ok\n2026-11-21T10:00:00Z,acc_1,u1,3,caf".utf8) + [0xE9, 0x0A],
                line: 3, message: "not valid UTF-8"),
        BadCase("NPS out of range", "feedback.csv", "ts,account_id,user_id,score,comment\n2026-11-21T10:00:00Z,acc_1,u1,11,wow\n",
                line: 2, message: "score must be an NPS score 0–10"),
        BadCase("bad payment status", "payments.csv", "ts,account_id,invoice_id,amount_cents,status\n2026-11-21T10:00:00Z,acc_1,inv_9,100,pending\n",
                line: 2, message: "status must be succeeded, failed or refunded"),
        BadCase("bad tracked flag", "accounts.csv", "account_id,agency_id,tracked\nacc_3,ag_1,maybe\n",
                line: 2, message: "tracked must be true or false"),
        BadCase("user of unknown account", "users.csv", "user_id,account_id\nu9,acc_404\n",
                line: 2, message: "unknown account_id \"acc_404\""),
    ]

    /// With the event files parsed while the store is written (a night's)
    /// or before (a backfill's: `writtenBeside` 0).
    @Test(arguments: cases, [Ingestor.eventBytesWrittenBeside, 0])
    func badInputStopsTheIngestAndLeavesTheStoreUnchanged(_ bad: BadCase, writtenBeside: Int) throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        let before = try #require(fileBytes(store))
        let infoBefore = try Store.open(at: store, readOnly: true).info()

        // A second ingest: valid files of its own plus the bad one, so valid
        // rows read before the error must not survive either.
        var files = [
            "accounts.csv": "account_id,agency_id,name\nacc_3,ag_1,Three\n",
            "logins.csv": "ts,account_id,user_id\n2026-11-21T09:00:00Z,acc_1,u1\n",
        ]
        files[bad.file] = ""
        let directory = writeDataset(files)
        _ = FileManager.default.createFile(atPath: directory + "/" + bad.file, contents: Data(bad.contents))

        let error = #expect(throws: StoreError.self) {
            try Ingestor.ingest(directory: directory, into: store, pageLimit: nil, writtenBeside: writtenBeside)
        }
        guard case let .badInput(file, line, message)? = error else {
            Issue.record("\(bad.name): expected a bad-input error, got \(String(describing: error))")
            return
        }
        #expect(file.hasSuffix("/" + bad.file), "\(bad.name): \(file)")
        #expect(line == bad.line, "\(bad.name): \(message)")
        #expect(message.contains(bad.message), "\(bad.name): \(message)")
        #expect(fileBytes(store) == before, "\(bad.name): the store file changed")
        #expect(try Store.open(at: store, readOnly: true).info() == infoBefore)
    }

    /// MRR changes and payments are read beside the users: with bad rows in
    /// both, the error is still the one a reading in file order meets first,
    /// and a bad payments file alone is reported for itself.
    @Test func theFirstBadFileInOrderIsReportedWhenLogsAreReadBesideTheUsers() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        let badPayments = "ts,account_id,invoice_id,amount_cents,status\n2026-11-21T10:00:00Z,acc_1,inv_9,100,pending\n"
        let both = writeDataset(["users.csv": "user_id,account_id\nu1,acc_1\nu9,acc_404\n", "payments.csv": badPayments])
        let first = #expect(throws: StoreError.self) { try Ingestor.ingest(directory: both, into: store) }
        #expect(first?.description.hasSuffix("users.csv:3: unknown account_id \"acc_404\" (not in accounts.csv nor in the store)") == true,
                "\(String(describing: first))")
        let alone = #expect(throws: StoreError.self) { try Ingestor.ingest(directory: writeDataset(["payments.csv": badPayments]), into: store) }
        #expect(alone?.description.contains("payments.csv:2: status must be succeeded, failed or refunded") == true,
                "\(String(describing: alone))")
    }

    @Test func aFailedFirstIngestCreatesNoStore() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        var files = smallDataset
        files["logins.csv"] = "ts,account_id,user_id\n2026-11-21T10:00:00Z,acc_1,nobody\n"
        #expect(throws: StoreError.self) { try Ingestor.ingest(directory: writeDataset(files), into: store) }
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func theFirstIngestNeedsAccountsAndUsers() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        var files = smallDataset
        files["users.csv"] = nil
        let error = #expect(throws: StoreError.self) { try Ingestor.ingest(directory: writeDataset(files), into: store) }
        #expect(error?.description.contains("users.csv is required for the first ingest") == true)
    }
}
