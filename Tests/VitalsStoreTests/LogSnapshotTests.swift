import Foundation
import GRDB
import Testing
import VitalsColumnar
@testable import VitalsStore

/// The packed logs a night's score keeps for the next loads: a load that
/// starts from them and reads the newer rows after them has the same logs,
/// in the same order, as one that reads every row; any update or delete of
/// a log row drops them.
@Suite struct LogSnapshotTests {
    static func store() throws -> (store: Store, path: String, rows: Dataset) { try storeOfTwoIngests(seed: 7) }

    static func snapshotRows(_ store: Store) throws -> Int {
        try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM log_snapshot") } ?? 0
    }

    /// The logs read row by row: the snapshot deleted, then a load.
    static func rowsOnly(_ store: Store) throws -> Dataset {
        try store.write { try $0.execute(sql: "DELETE FROM log_snapshot") }
        return try store.loadDataset()
    }

    static func expectSameLogs(_ a: Dataset, _ b: Dataset, _ comment: Comment) {
        #expect(a.mrrChanges == b.mrrChanges, comment)
        #expect(a.payments == b.payments, comment)
        #expect(a.feedback == b.feedback, comment)
    }

    @Test func theSnapshotAndTheNewerRowsLoadWhatTheRowsLoad() throws {
        let (store, path, rows) = try Self.store()
        #expect(!rows.logsFromSnapshot && rows.logRowsReadAsRows == rows.mrrChanges.count + rows.payments.count + rows.feedback.count)
        #expect(rows.payments.count > 10 && rows.mrrChanges.count > 10 && rows.feedback.contains { $0.userKey != nil })
        #expect(try store.keepLogs(of: rows))
        let packed = try store.loadDataset()
        #expect(packed.logsFromSnapshot && packed.logRowsReadAsRows == 0)
        Self.expectSameLogs(packed, rows, "the snapshot alone")
        #expect(try store.keepLogs(of: packed) == false, "a load of the snapshot and no newer row keeps nothing")

        // A night: rows of an account dated before, between and at the same time as the rows it has
        // (a tie on (account, time) goes to the older row), and an anonymous NPS answer.
        let account = rows.accounts[rows.payments[0].accountKey].accountID
        let first = CivilTime.formatTimestamp(seconds: rows.payments[0].ts)
        _ = try Ingestor.ingest(directory: writeDataset([
            "payments.csv": """
                ts,account_id,invoice_id,amount_cents,status
                2020-01-01T00:00:00Z,\(account),inv_early,100,failed
                \(first),\(account),inv_tie,200,refunded
                2026-11-21T00:00:00Z,\(account),inv_late,300,succeeded

                """,
            "mrr.csv": "date,account_id,mrr_cents\n2020-01-01,\(account),500\n",
            "feedback.csv": "ts,account_id,user_id,score,comment\n2026-11-21T09:00:00Z,\(account),,3,\"late, and anonymous\"\n",
        ]), into: path)
        #expect(try Self.snapshotRows(store) == 1, "an ingest of log rows keeps the snapshot")
        let night = try store.loadDataset()
        #expect(night.logsFromSnapshot && night.logRowsReadAsRows == 5)
        let expected = try Self.rowsOnly(store)
        #expect(!expected.logsFromSnapshot)
        Self.expectSameLogs(night, expected, "the snapshot and five newer rows")
        let invoices = night.payments.filter { $0.accountKey == rows.payments[0].accountKey }.map(\.invoiceID)
        #expect(invoices.first == "inv_early" && invoices.last == "inv_late")
        #expect(invoices.firstIndex(of: "inv_tie")! == invoices.firstIndex(of: rows.payments[0].invoiceID)! + 1)
        // Five newer rows are too few to pack the logs again.
        #expect(night.logsToKeep == nil)
    }

    /// An update or a delete of any log row drops the snapshot, whoever
    /// writes; the next load reads every row.
    @Test(arguments: ["UPDATE payments SET status = 'refunded' WHERE seq = 1", "DELETE FROM mrr_changes WHERE seq = 2",
                      "UPDATE feedback SET comment = 'edited' WHERE seq = 1"])
    func anUpdateOrDeleteOfALogRowDropsTheSnapshot(statement: String) throws {
        let (store, _, rows) = try Self.store()
        #expect(try store.keepLogs(of: rows))
        try store.write { try $0.execute(sql: statement) }
        #expect(try Self.snapshotRows(store) == 0)
        let after = try store.loadDataset()
        #expect(!after.logsFromSnapshot)
        #expect(after.mrrChanges != rows.mrrChanges || after.payments != rows.payments || after.feedback != rows.feedback)
    }

    /// A load's logs are not kept once the store was written after it, and
    /// a damaged blob is set aside: the load reads the rows.
    @Test func staleOrDamagedLogsAreNotRead() throws {
        let (store, path, rows) = try Self.store()
        _ = try Ingestor.ingest(directory: writeDataset([
            "mrr.csv": "date,account_id,mrr_cents\n2026-11-21,\(rows.accounts[0].accountID),0\n",
        ]), into: path)
        #expect(try store.keepLogs(of: rows) == false)
        #expect(try Self.snapshotRows(store) == 0)
        let fresh = try store.loadDataset()
        #expect(fresh.mrrChanges.count == rows.mrrChanges.count + 1)
        #expect(try store.keepLogs(of: fresh))
        try store.write { try $0.execute(sql: "UPDATE log_snapshot SET state = substr(state, 1, length(state) - 9)") }
        let damaged = try store.loadDataset()
        #expect(!damaged.logsFromSnapshot)
        Self.expectSameLogs(damaged, fresh, "a damaged snapshot is read as rows")
    }

    /// A night needs the payments of its last 90 days or so: a load asked
    /// for the payments from a time leaves the snapshot's older ones
    /// packed, when its cutoff is not later, and loads every one when it
    /// is (then the logs are packed again, with a cutoff that serves it).
    @Test func aLoadOfTheRecentPaymentsLeavesTheOlderOnesPacked() throws {
        let (store, _, rows) = try Self.store()
        let times = rows.payments.map(\.ts).sorted()
        let margin = Int64(LogSnapshot.cutoffMarginDays) * 86_400
        // The night asks for the payments from a time whose cutoff (60 days before) halves them.
        let asked = times[times.count / 2] + margin, cutoff = asked - margin
        let first = try store.loadDataset(paymentsFrom: asked)
        #expect(first.paymentsFrom == nil && first.payments == rows.payments, "no snapshot yet: every payment, as rows")
        #expect(try store.keepLogs(of: first))

        let night = try store.loadDataset(paymentsFrom: asked)
        let older = rows.payments.filter { $0.ts < cutoff }
        #expect(night.paymentsFrom == cutoff && night.paymentsLeftPacked == older.count && older.count > 5)
        #expect(night.payments == rows.payments.filter { $0.ts >= cutoff }, "the recent payments, in (account, time, seq) order")
        #expect(night.mrrChanges == rows.mrrChanges && night.feedback == rows.feedback)
        #expect(night.logsToKeep == nil, "served by the split, nothing newer: nothing to pack")

        let all = try store.loadDataset()
        #expect(all.paymentsFrom == nil)
        Self.expectSameLogs(all, rows, "both frames, merged")
        #expect(all.logsToKeep == nil, "a load of every payment asks nothing of the split")

        // A backfill further back than the cutoff reads every payment, and packs the logs again for itself.
        let earlier = try store.loadDataset(paymentsFrom: cutoff - 1)
        #expect(earlier.paymentsFrom == nil)
        Self.expectSameLogs(earlier, rows, "asked before the cutoff")
        #expect(earlier.logsToKeep != nil)
        #expect(try store.keepLogs(of: earlier))
        let again = try store.loadDataset(paymentsFrom: cutoff - 1)
        #expect(again.logsToKeep == nil && (again.paymentsFrom ?? .min) <= cutoff - 1 - margin)
        #expect(again.payments.count + again.paymentsLeftPacked == rows.payments.count)

        // Four months after its cutoff a snapshot's recent payments have grown: a night then reads every
        // payment and packs them again, split later.
        let late = cutoff - 1 - margin + 2 * margin + 1
        let stale = try store.loadDataset(paymentsFrom: late)
        #expect(stale.paymentsFrom == nil && stale.logsToKeep != nil)
        Self.expectSameLogs(stale, rows, "a stale split")
        #expect(try store.keepLogs(of: stale))
        let repacked = try store.loadDataset(paymentsFrom: late)
        #expect(repacked.logsToKeep == nil && repacked.payments.count + repacked.paymentsLeftPacked == rows.payments.count)
        #expect(repacked.payments.allSatisfy { $0.ts >= late - margin } && repacked.paymentsLeftPacked > 0)
    }

    /// The older payments a windowed load left packed are carried over as
    /// they are by the next snapshot, with the recent ones and the newer
    /// rows, one of them dated long before the cutoff (a late invoice):
    /// read whole, the logs are every row in (account, time, seq) order;
    /// a blob from before the split (VLG1) reads whole.
    @Test func olderPaymentsLeftPackedAreCarriedOver() throws {
        func payment(_ account: Int, _ day: Int64, _ invoice: String, _ status: PaymentStatus = .succeeded) -> Payment {
            Payment(accountKey: account, ts: day * 86_400, invoiceID: invoice, amountCents: 100 * day, status: status)
        }
        // (account, time) order, as a load leaves them.
        let payments = [payment(0, 10, "a"), payment(0, 40, "b", .failed), payment(0, 90, "c"), payment(1, 5, "d"),
                        payment(1, 100, "e"), payment(2, 20, "f", .refunded)]
        let logs = Store.Logs(mrr: [MRRChange(accountKey: 1, day: 3, mrrCents: 900)], payments: payments,
                              feedback: [FeedbackResponse(accountKey: 2, userKey: nil, ts: 50, score: 9, comment: "ok")])
        let blob = try LogSnapshot.encoded(logs, cutoff: 50 * 86_400)
        let whole = try #require(blob.withUnsafeBytes { LogSnapshot.decode($0) })
        #expect(whole.older == nil && whole.cutoff == 50 * 86_400 && whole.logs.payments == payments)
        let recent = try #require(blob.withUnsafeBytes { LogSnapshot.decode($0, paymentsFrom: 60 * 86_400) })
        let kept = try #require(recent.older)
        #expect(kept.count == 4 && recent.logs.payments.map(\.invoiceID) == ["c", "e"])
        #expect(recent.logs.mrr == logs.mrr && recent.logs.feedback == logs.feedback)

        // The next night's logs: the recent payments and two newer rows (account 0 at day 30, late; account 2 at day 120).
        var next = recent.logs
        next.payments = [payment(0, 30, "late"), payment(0, 90, "c"), payment(1, 100, "e"), payment(2, 120, "g")]
        let carried = try LogSnapshot.encoded(next, cutoff: 999 * 86_400, older: kept)
        let read = try #require(carried.withUnsafeBytes { LogSnapshot.decode($0) })
        #expect(read.cutoff == Int64(50 * 86_400), "the carried cutoff, not the one asked")
        #expect(read.logs.payments.map(\.invoiceID) == ["a", "late", "b", "c", "d", "e", "f", "g"])

        var unsplit = LogSnapshot.unsplitMagic
        let main = Array(try LogSnapshot.encoded(logs, cutoff: nil).dropFirst(4 + 8 + 4 + 8))
        unsplit += main
        let old = try #require(unsplit.withUnsafeBytes { LogSnapshot.decode($0, paymentsFrom: 60 * 86_400) })
        #expect(old.cutoff == nil && old.older == nil && old.logs.payments == payments)
    }
}
