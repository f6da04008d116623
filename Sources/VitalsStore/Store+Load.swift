import Foundation
import GRDB
import VitalsColumnar

extension Store {
    /// Loads the whole store into memory, from one consistent read snapshot.
    /// Event batches of several ingests are merged into one time-sorted table
    /// per kind.
    public func loadDataset() throws(StoreError) -> Dataset {
        let (entities, batches, mrr, payments, feedback) = try read { db in
            let entities = try StoreEntities(db)
            var batches: [EventKind: [EventColumns]] = [:]
            let batchRows = try Row.fetchAll(db, sql: "SELECT batch_id, kind, row_count, partition_count FROM event_batches ORDER BY batch_id")
            for row in batchRows {
                let kindName: String = row["kind"]
                guard let kind = EventKind(rawValue: kindName) else { throw StoreError.corrupt("unknown event kind \(kindName)") }
                let columns = try Self.decodeBatch(db, id: row["batch_id"], kind: kind, rowCount: row["row_count"],
                                                   partitionCount: row["partition_count"])
                batches[kind, default: []].append(columns)
            }
            var mrr: [MRRChange] = []
            let mrrCursor = try Row.fetchCursor(db, sql: "SELECT account_key, day, mrr_cents FROM mrr_changes ORDER BY account_key, day, seq")
            while let row = try mrrCursor.next() {
                mrr.append(MRRChange(accountKey: row[0], day: row[1], mrrCents: row[2]))
            }
            var payments: [Payment] = []
            let paymentCursor = try Row.fetchCursor(db, sql: "SELECT account_key, ts, invoice_id, amount_cents, status FROM payments ORDER BY account_key, ts, seq")
            while let row = try paymentCursor.next() {
                let statusName: String = row[4]
                guard let status = PaymentStatus(rawValue: statusName) else { throw StoreError.corrupt("unknown payment status \(statusName)") }
                payments.append(Payment(accountKey: row[0], ts: row[1], invoiceID: row[2], amountCents: row[3], status: status))
            }
            var feedback: [FeedbackResponse] = []
            let feedbackCursor = try Row.fetchCursor(db, sql: "SELECT account_key, user_key, ts, score, comment FROM feedback ORDER BY account_key, ts, seq")
            while let row = try feedbackCursor.next() {
                feedback.append(FeedbackResponse(accountKey: row[0], userKey: row[1], ts: row[2], score: row[3], comment: row[4]))
            }
            return (entities, batches, mrr, payments, feedback)
        }
        let accountCount = entities.accounts.count
        var byKind = batches
        // Taken out of the dictionary, so that merging frees each batch's columns as it copies them.
        let logins = EventColumns.merge(byKind.removeValue(forKey: .login) ?? [], partitionCount: accountCount, hasItems: false)
        let featureUsage = EventColumns.merge(byKind.removeValue(forKey: .featureUsage) ?? [], partitionCount: accountCount, hasItems: true)
        return Dataset(
            entities: entities,
            logins: logins,
            featureUsage: featureUsage,
            mrrChanges: mrr, payments: payments, feedback: feedback)
    }

    /// One stored batch's columns, one column's compressed pieces at a time
    /// (each dropped once decoded).
    static func decodeBatch(_ db: Database, id batchID: Int64, kind: EventKind, rowCount: Int,
                            partitionCount: Int) throws(StoreError) -> EventColumns {
        try EventBatchCodec.decode(kind: kind, rowCount: rowCount, partitionCount: partitionCount) {
            (name: String) throws(StoreError) -> [EncodedSegment] in
            do {
                return try Row.fetchAll(db, sql: "SELECT piece, bytes FROM event_segments WHERE batch_id = ? AND column_name = ? ORDER BY piece",
                                        arguments: [batchID, name]).map {
                    EncodedSegment(column: name, piece: $0["piece"], bytes: [UInt8]($0["bytes"] as Data))
                }
            } catch {
                throw StoreError.wrap(error)
            }
        }
    }
}
