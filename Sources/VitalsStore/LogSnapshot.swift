import Foundation
import GRDB
import VitalsColumnar

/// The three logs (MRR changes, payments, NPS answers) packed in one blob,
/// as the store keeps them for the next loads (`log_snapshot`, one row). A
/// 100 M-event store holds 947,000 log rows; a night's load read them row
/// by row through SQLite, 0.2–0.35 s of one of its three threads, beside
/// the entities and the events on two cores.
///
/// The logs only grow: an ingest appends rows with a larger `seq` than any
/// stored. So the snapshot holds each log's rows up to a `seq` (recorded
/// beside the blob), and a load reads it, then the rows after it (a night's
/// few thousand) as rows. Triggers on the three tables delete it on any
/// update or delete, whoever writes (an older Vitals, a hand-written
/// `UPDATE` in the sqlite3 shell); a blob a load cannot read whole is
/// ignored (the logs are read as rows).
///
/// The rows are kept as the load left them, in (account, time, seq) order.
/// The load puts the newer rows after them and sorts again by account and
/// time, stably: rows of one account and time stay in snapshot order, and
/// the newer ones, of larger `seq`, come after, which is (account, time,
/// seq) order again.
///
/// Blob: `"VLG1"`, then one zstd frame. Little endian, each log as a UInt32
/// row count and its rows: MRR (account key, day, cents), payments (account
/// key, ts, invoice id, amount, status as a UInt8, `PaymentStatus.allCases`'
/// position), feedback (account key, flags: 1 user; user key, ts, score,
/// comment). A string is a UInt32 byte count and its UTF-8 bytes; an
/// integer an Int64.
enum LogSnapshot {
    static let magic: [UInt8] = Array("VLG1".utf8)

    /// The largest `seq` of each log a snapshot holds the rows up to.
    struct Through: Equatable, Sendable {
        var mrr: Int64
        var payments: Int64
        var feedback: Int64
    }

    static func encoded(_ logs: Store.Logs) throws(StoreError) -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity(24 * logs.mrr.count + 48 * logs.payments.count + 96 * logs.feedback.count + 16)
        func int(_ value: some BinaryInteger) { appendLittleEndian(Int64(value), to: &raw) }
        func string(_ text: String) { appendCounted(text, to: &raw) }
        appendLittleEndian(UInt32(logs.mrr.count), to: &raw)
        for change in logs.mrr {
            int(change.accountKey)
            int(change.day)
            int(change.mrrCents)
        }
        appendLittleEndian(UInt32(logs.payments.count), to: &raw)
        for payment in logs.payments {
            int(payment.accountKey)
            int(payment.ts)
            string(payment.invoiceID)
            int(payment.amountCents)
            raw.append(UInt8(PaymentStatus.allCases.firstIndex(of: payment.status)!))
        }
        appendLittleEndian(UInt32(logs.feedback.count), to: &raw)
        for response in logs.feedback {
            int(response.accountKey)
            raw.append(response.userKey == nil ? 0 : 1)
            int(response.userKey ?? 0)
            int(response.ts)
            int(response.score)
            string(response.comment)
        }
        do {
            return magic + (try ZstdCodec.compress(raw, level: 1))
        } catch {
            throw .unexpected("could not compress the log snapshot: \(error)")
        }
    }

    /// The logs of a blob, nil for a blob that is not a whole VLG1 snapshot
    /// (a snapshot is rebuilt, not trusted).
    /// - Parameter capacity: how many rows each log's array is made room
    ///   for (at least its snapshot's), so that rows read after the
    ///   snapshot are appended in place.
    static func decode(_ bytes: UnsafeRawBufferPointer, capacity: Through? = nil) -> Store.Logs? {
        var frame = LittleEndianReader(bytes)
        guard frame.take(4).map(Array.init) == magic, let compressed = frame.take(frame.remaining),
              let stream = try? ZstdFrameReader(compressed)
        else { return nil }
        // Decompressed as it is read: the rows are kept, not their 27 MB of bytes (100 M events).
        do {
            // Each row of a log is 8 bytes or more.
            var reader = StreamedRowReader(stream, minimumRowBytes: 8)
            var logs = Store.Logs(mrr: [], payments: [], feedback: [])
            guard let mrrCount = reader.rowCount() else { return nil }
            logs.mrr.reserveCapacity(max(mrrCount, Int(capacity?.mrr ?? 0)))
            for _ in 0 ..< mrrCount {
                let account = reader.int(), day = reader.int(), cents = reader.int()
                logs.mrr.append(MRRChange(accountKey: Int(account), day: Int(day), mrrCents: cents))
            }
            guard !reader.failed, let paymentCount = reader.rowCount() else { return nil }
            logs.payments.reserveCapacity(max(paymentCount, Int(capacity?.payments ?? 0)))
            for _ in 0 ..< paymentCount {
                let account = reader.int(), ts = reader.int(), invoice = reader.string(), amount = reader.int(), status = Int(reader.byte())
                guard !reader.failed, status < PaymentStatus.allCases.count else { return nil }
                logs.payments.append(Payment(accountKey: Int(account), ts: ts, invoiceID: invoice, amountCents: amount,
                                             status: PaymentStatus.allCases[status]))
            }
            guard !reader.failed, let feedbackCount = reader.rowCount() else { return nil }
            logs.feedback.reserveCapacity(max(feedbackCount, Int(capacity?.feedback ?? 0)))
            for _ in 0 ..< feedbackCount {
                let account = reader.int(), flags = reader.byte(), user = reader.int(), ts = reader.int()
                let score = reader.int(), comment = reader.string()
                logs.feedback.append(FeedbackResponse(accountKey: Int(account), userKey: flags & 1 == 0 ? nil : Int(user), ts: ts,
                                                      score: Int(score), comment: comment))
            }
            guard !reader.failed, reader.remaining == 0 else { return nil }
            return logs
        }
    }

    /// The stored snapshot's logs and the `seq` each holds the rows up to;
    /// nil when there is none or it cannot be read.
    static func read(_ db: Database, capacity: Through? = nil) throws -> (logs: Store.Logs, through: Through)? {
        let sql = "SELECT through_mrr, through_payments, through_feedback, state FROM log_snapshot WHERE id = 1"
        return try db.withFirstRawRow(sql) { row in
            decode(row.blobBytes(3), capacity: capacity).map { ($0, Through(mrr: row.int64(0), payments: row.int64(1), feedback: row.int64(2))) }
        }
    }
}

extension Store {
    /// Log rows a load may read as rows, past its snapshot, before a score
    /// keeps the logs packed again (``keepLogs(of:)``): at least this many,
    /// and a twentieth of the logs. A night adds a day's rows; the snapshot
    /// is rewritten every few weeks, not every night.
    static let logRowsBeforeRepacking = 10_000

    /// Keeps the logs `dataset` read for the next loads (see
    /// ``LogSnapshot``) when its load read many of them as rows, unless the
    /// store was written since its load. Returns whether it wrote.
    @discardableResult
    public func keepLogs(of dataset: Dataset) throws(StoreError) -> Bool {
        guard let kept = dataset.logsToKeep else { return false }
        let blob = try LogSnapshot.encoded(Logs(mrr: dataset.mrrChanges, payments: dataset.payments, feedback: dataset.feedback))
        // A blob replaced is the store's own data: its freed pages need not be zeroed.
        return try writeReplacingDerivedData { db in
            guard try Self.dataVersion(db) == kept.version else { return false }
            try db.execute(sql: """
                INSERT OR REPLACE INTO log_snapshot (id, through_mrr, through_payments, through_feedback, state) VALUES (1, ?, ?, ?, ?)
                """, arguments: [kept.through.mrr, kept.through.payments, kept.through.feedback, Data(blob)])
            return true
        }
    }
}
