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
/// The payments are split in time: those before a cutoff (``Split``) are
/// a zstd frame of their own, which a night's load leaves packed. A night
/// reads the payments of its last 90 days or so, and a store holds years of
/// them (the many-accounts world: 376,878 over three years, 14 % in the 90
/// days), so without the split a night's load grew with the years of
/// history, not with the night.
///
/// The rows are kept as the load left them, in (account, time, seq) order.
/// The load puts the newer rows after them and sorts again by account and
/// time, stably: rows of one account and time stay in snapshot order, and
/// the newer ones, of larger `seq`, come after, which is (account, time,
/// seq) order again.
///
/// Blob: `"VLG2"`; the split (Int64 cutoff, `Int64.min` for none; UInt32
/// count of the older payments; UInt64 byte count of their frame, 0 for
/// none); the older payments' frame (their rows, no count); then one zstd
/// frame of the logs: each as a UInt32 row count and its rows, MRR
/// (account key, day, cents), payments of the cutoff and after (account
/// key, ts, invoice id, amount, status as a UInt8, `PaymentStatus.allCases`'
/// position), feedback (account key, flags: 1 user; user key, ts, score,
/// comment). A string is a UInt32 byte count and its UTF-8 bytes; an
/// integer an Int64. A `"VLG1"` blob (before the split) is the last frame
/// alone; it is read whole, and packed again split.
enum LogSnapshot {
    static let magic: [UInt8] = Array("VLG2".utf8)
    static let unsplitMagic: [UInt8] = Array("VLG1".utf8)

    /// The largest `seq` of each log a snapshot holds the rows up to.
    struct Through: Equatable, Sendable {
        var mrr: Int64
        var payments: Int64
        var feedback: Int64
    }

    /// The payments before `cutoff`, packed apart: what a load that needs
    /// no payment before the cutoff leaves packed, and the next snapshot
    /// carries over as it is.
    struct OlderPayments: Sendable {
        var cutoff: Int64
        var count: Int
        /// Their zstd frame, as the blob holds it.
        var frame: [UInt8]
    }

    /// How far before the earliest payment a night reads a snapshot's
    /// cutoff lies: the nights of the next two months or so leave the older
    /// payments packed, and the first one that cannot packs them again
    /// with a later cutoff.
    static let cutoffMarginDays = 60

    /// Whether a load that needs the payments from `from` on leaves those
    /// before `cutoff` packed: when the cutoff is not later, and not more
    /// than two margins earlier. A snapshot's recent payments are carried
    /// from night to night and grow; four months after its cutoff a night
    /// reads every payment instead, and packs them again with a later one.
    static func leavesOlderPacked(cutoff: Int64, from: Int64) -> Bool {
        from >= cutoff && from - cutoff <= 2 * Int64(cutoffMarginDays) * 86_400
    }

    /// - Parameters:
    ///   - cutoff: the payments before it are packed apart (nil: none).
    ///   - older: the older payments a windowed load left packed: carried
    ///     over, and `logs.payments` are the rest. Its cutoff is the blob's.
    static func encoded(_ logs: Store.Logs, cutoff: Int64?, older: OlderPayments? = nil) throws(StoreError) -> [UInt8] {
        let cutoff = older?.cutoff ?? cutoff ?? .min
        var olderRaw: [UInt8] = [], raw: [UInt8] = []
        raw.reserveCapacity(24 * logs.mrr.count + 48 * logs.payments.count + 96 * logs.feedback.count + 16)
        func int(_ value: some BinaryInteger, _ raw: inout [UInt8]) { appendLittleEndian(Int64(value), to: &raw) }
        func payment(_ payment: Payment, _ raw: inout [UInt8]) {
            int(payment.accountKey, &raw)
            int(payment.ts, &raw)
            appendCounted(payment.invoiceID, to: &raw)
            int(payment.amountCents, &raw)
            raw.append(UInt8(PaymentStatus.allCases.firstIndex(of: payment.status)!))
        }
        appendLittleEndian(UInt32(logs.mrr.count), to: &raw)
        for change in logs.mrr {
            int(change.accountKey, &raw)
            int(change.day, &raw)
            int(change.mrrCents, &raw)
        }
        // Carried over, every payment here is the main frame's (a late row before the cutoff too: a load
        // merges the two by account and time). Else the split is made here.
        let recent = older != nil ? logs.payments.count : logs.payments.lazy.filter { $0.ts >= cutoff }.count
        appendLittleEndian(UInt32(recent), to: &raw)
        var olderCount = older?.count ?? 0
        for row in logs.payments {
            if older == nil && row.ts < cutoff {
                payment(row, &olderRaw)
                olderCount += 1
            } else {
                payment(row, &raw)
            }
        }
        appendLittleEndian(UInt32(logs.feedback.count), to: &raw)
        for response in logs.feedback {
            int(response.accountKey, &raw)
            raw.append(response.userKey == nil ? 0 : 1)
            int(response.userKey ?? 0, &raw)
            int(response.ts, &raw)
            int(response.score, &raw)
            appendCounted(response.comment, to: &raw)
        }
        do {
            let olderFrame = try older?.frame ?? (olderRaw.isEmpty ? [] : ZstdCodec.compress(olderRaw, level: 1))
            var blob = magic
            appendLittleEndian(cutoff, to: &blob)
            appendLittleEndian(UInt32(olderCount), to: &blob)
            appendLittleEndian(UInt64(olderFrame.count), to: &blob)
            blob += olderFrame
            blob += try ZstdCodec.compress(raw, level: 1)
            return blob
        } catch {
            throw .unexpected("could not compress the log snapshot: \(error)")
        }
    }

    /// A snapshot's logs, read.
    struct Decoded {
        var logs: Store.Logs
        /// The older payments, left packed (nil: read, or none).
        var older: OlderPayments?
        /// The cutoff of the blob's split (nil: a blob without one).
        var cutoff: Int64?
        /// Whether the split suits the payments the load asked for
        /// (``leavesOlderPacked(cutoff:from:)``; false when it asked for all).
        var splitSuits = false
    }

    /// The logs of a blob, nil for a blob that is not a whole VLG2 or VLG1
    /// snapshot (a snapshot is rebuilt, not trusted).
    /// - Parameters:
    ///   - capacity: how many rows each log's array is made room for (at
    ///     least its snapshot's), so that rows read after the snapshot are
    ///     appended in place. The payments' less the older ones left packed.
    ///   - paymentsFrom: when no payment before it is needed, the older
    ///     payments are left packed if the blob's cutoff suits it
    ///     (``leavesOlderPacked(cutoff:from:)``).
    static func decode(_ bytes: UnsafeRawBufferPointer, capacity: Through? = nil, paymentsFrom: Int64? = nil) -> Decoded? {
        var blob = LittleEndianReader(bytes)
        guard let head = blob.take(4).map(Array.init) else { return nil }
        var split: (cutoff: Int64, count: Int, frame: UnsafeRawBufferPointer)?
        if head == magic {
            guard let cutoff = blob.read(Int64.self), let count = blob.read(UInt32.self), let length = blob.read(UInt64.self),
                  length <= UInt64(blob.remaining), let frame = blob.take(Int(length)), (count == 0) == frame.isEmpty
            else { return nil }
            split = (cutoff, Int(count), frame)
        } else if head != unsplitMagic {
            return nil
        }
        guard let compressed = blob.take(blob.remaining), var decoded = decodeMain(compressed, capacity: capacity, leaving: split?.count ?? 0)
        else { return nil }
        guard let split else { return decoded }
        decoded.cutoff = split.cutoff == .min ? nil : split.cutoff
        decoded.splitSuits = split.cutoff != .min && paymentsFrom.map { leavesOlderPacked(cutoff: split.cutoff, from: $0) } == true
        guard split.count > 0 else { return decoded }
        if decoded.splitSuits {
            decoded.older = OlderPayments(cutoff: split.cutoff, count: split.count, frame: Array(split.frame))
            return decoded
        }
        guard let older = decodePayments(split.frame, count: split.count) else { return nil }
        decoded.logs.payments = merged(older, decoded.logs.payments, capacity: Int(capacity?.payments ?? 0))
        return decoded
    }

    /// The last frame: the three logs, the payments from the cutoff on.
    private static func decodeMain(_ compressed: UnsafeRawBufferPointer, capacity: Through?, leaving olderCount: Int) -> Decoded? {
        guard let stream = try? ZstdFrameReader(compressed) else { return nil }
        // Decompressed as it is read: the rows are kept, not their 27 MB of bytes (100 M events).
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
        logs.payments.reserveCapacity(max(paymentCount, Int(capacity?.payments ?? 0) - olderCount))
        guard readPayments(&reader, count: paymentCount, into: &logs.payments) else { return nil }
        guard let feedbackCount = reader.rowCount() else { return nil }
        logs.feedback.reserveCapacity(max(feedbackCount, Int(capacity?.feedback ?? 0)))
        for _ in 0 ..< feedbackCount {
            let account = reader.int(), flags = reader.byte(), user = reader.int(), ts = reader.int()
            let score = reader.int(), comment = reader.string()
            logs.feedback.append(FeedbackResponse(accountKey: Int(account), userKey: flags & 1 == 0 ? nil : Int(user), ts: ts,
                                                  score: Int(score), comment: comment))
        }
        guard !reader.failed, reader.remaining == 0 else { return nil }
        return Decoded(logs: logs)
    }

    /// The older payments' frame: `count` rows.
    private static func decodePayments(_ compressed: UnsafeRawBufferPointer, count: Int) -> [Payment]? {
        guard let stream = try? ZstdFrameReader(compressed) else { return nil }
        var reader = StreamedRowReader(stream, minimumRowBytes: 8)
        guard count * reader.minimumRowBytes <= reader.remaining else { return nil }
        var payments: [Payment] = []
        payments.reserveCapacity(count)
        guard readPayments(&reader, count: count, into: &payments), reader.remaining == 0 else { return nil }
        return payments
    }

    private static func readPayments(_ reader: inout StreamedRowReader, count: Int, into payments: inout [Payment]) -> Bool {
        for _ in 0 ..< count {
            let account = reader.int(), ts = reader.int(), invoice = reader.string(), amount = reader.int(), status = Int(reader.byte())
            guard !reader.failed, status < PaymentStatus.allCases.count else { return false }
            payments.append(Payment(accountKey: Int(account), ts: ts, invoiceID: invoice, amountCents: amount,
                                    status: PaymentStatus.allCases[status]))
        }
        return !reader.failed
    }

    /// Two runs in (account, time, seq) order, every row of `older` of a
    /// smaller seq than any of `newer`'s, merged in that order: on a tie of
    /// account and time the older row first.
    static func merged(_ older: [Payment], _ newer: [Payment], capacity: Int) -> [Payment] {
        var rows: [Payment] = []
        rows.reserveCapacity(max(capacity, older.count + newer.count))
        var i = 0, j = 0
        while i < older.count && j < newer.count {
            let a = older[i], b = newer[j]
            if (b.accountKey, b.ts) < (a.accountKey, a.ts) {
                rows.append(b)
                j += 1
            } else {
                rows.append(a)
                i += 1
            }
        }
        rows += older[i...]
        rows += newer[j...]
        return rows
    }

    /// The stored snapshot's logs and the `seq` each holds the rows up to;
    /// nil when there is none or it cannot be read.
    static func read(_ db: Database, capacity: Through? = nil, paymentsFrom: Int64? = nil) throws -> (decoded: Decoded, through: Through)? {
        let sql = "SELECT through_mrr, through_payments, through_feedback, state FROM log_snapshot WHERE id = 1"
        return try db.withFirstRawRow(sql) { row in
            decode(row.blobBytes(3), capacity: capacity, paymentsFrom: paymentsFrom)
                .map { ($0, Through(mrr: row.int64(0), payments: row.int64(1), feedback: row.int64(2))) }
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
    /// ``LogSnapshot``) when its load read many of them as rows, or found
    /// no split of the payments that spared it the older ones, unless the
    /// store was written since its load. Returns whether it wrote.
    ///
    /// The older payments a windowed load left packed are carried over as
    /// they are; else the split is made ``LogSnapshot/cutoffMarginDays``
    /// before the payments the load was asked for (none for a load of
    /// every payment).
    @discardableResult
    public func keepLogs(of dataset: Dataset) throws(StoreError) -> Bool {
        guard let kept = dataset.logsToKeep else { return false }
        let cutoff = dataset.paymentsAskedFrom.map { $0 - Int64(LogSnapshot.cutoffMarginDays) * 86_400 }
        let blob = try LogSnapshot.encoded(Logs(mrr: dataset.mrrChanges, payments: dataset.payments, feedback: dataset.feedback),
                                           cutoff: cutoff, older: dataset.olderPayments)
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
