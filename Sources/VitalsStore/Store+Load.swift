import Foundation
import GRDB
import VitalsColumnar

extension Store {
    /// Loads the store into memory, from one consistent read snapshot.
    /// Event batches of several ingests are merged into one time-sorted table
    /// per kind.
    ///
    /// The entities and the logs are each read on a connection of their own
    /// while this one reads the events (each is one thread's SQLite reads
    /// for most of its time: at 100 M events 0.3 s, 0.3 s and 0.9 s in a
    /// row). Every connection reads the data version first; should a write
    /// have come between their snapshots, the versions differ and the load
    /// is done again in one transaction.
    ///
    /// - Parameter eventsFrom: when given, a stored batch whose events all
    ///   precede it is not decoded: its digest goes into
    ///   ``Dataset/earlier`` instead (a batch stored without a digest is
    ///   decoded all the same). The tables then hold every event from
    ///   `eventsFrom` on, and maybe some before it.
    /// - Parameter longerHistory: with `eventsFrom`, the accounts (by key)
    ///   whose events from an earlier `from` on are decoded too (a churn
    ///   fit's sampled accounts: its past days reach months further back
    ///   than the day scored). The batches between `from` and `eventsFrom`
    ///   are decoded whole, but only these accounts' rows go into the
    ///   tables (every account's when they overlap in time, a backfill's
    ///   merge); the others' are read from the batches' digests into
    ///   ``Dataset/earlier``, and ``Dataset/longerHistory`` digests what
    ///   comes before `from`.
    /// - Parameter paymentsFrom: when given, no payment before it is
    ///   needed: the snapshot's older payments are left packed when its
    ///   cutoff allows (``LogSnapshot/leavesOlderPacked(cutoff:from:)``,
    ///   ``Dataset/paymentsFrom``).
    public func loadDataset(eventsFrom: Int64? = nil, longerHistory: (from: Int64, accounts: [Bool])? = nil,
                            paymentsFrom: Int64? = nil) throws(StoreError) -> Dataset {
        try loadDataset(eventsFrom: eventsFrom, longerHistory: longerHistory, paymentsFrom: paymentsFrom, betweenSnapshots: {})
    }

    /// - Parameter betweenSnapshots: runs after this connection's snapshot
    ///   is taken and before the other connections start (a test's write).
    func loadDataset(eventsFrom: Int64?, longerHistory: (from: Int64, accounts: [Bool])? = nil, paymentsFrom: Int64? = nil,
                     betweenSnapshots: () throws -> Void) throws(StoreError) -> Dataset {
        // A longer history that starts no earlier than the window is the window.
        let longer = eventsFrom.flatMap { from in longerHistory.flatMap { $0.from < from ? $0 : nil } }
        let clock = TraceClock()
        let (version, counts, events, entities, logs) = try read { db in
            let version = try Self.dataVersion(db), counts = try Self.entityCounts(db)
            try betweenSnapshots()
            // Each side reads nothing more once its snapshot is not this one's (nil).
            let entities = Beside { () throws(StoreError) -> StoreEntities? in
                try self.read { db in try Self.dataVersion(db) == version ? try Self.entities(db, clock: clock) : nil }
            }
            let logs = Beside { () throws(StoreError) -> Logs? in
                try self.read { db in try Self.dataVersion(db) == version ? try Self.logs(db, accountCount: counts.accounts, paymentsFrom: paymentsFrom, clock: clock) : nil }
            }
            return (version, counts, try Self.events(db, from: eventsFrom, longer: longer, counts: counts, clock: clock), entities, logs)
        }
        if let loadedEntities = try entities.result(), let loadedLogs = try logs.result() {
            let loaded = EntitiesAndLogs(entities: loadedEntities, logs: loadedLogs)
            if loaded.counts == counts { return Self.dataset(loaded, events, version: version) }
        }
        clock.mark("load: a write came between the snapshots; loading again in one")
        return try read { db in
            let version = try Self.dataVersion(db)
            let entities = try Self.entities(db, clock: clock)
            let loaded = EntitiesAndLogs(entities: entities, logs: try Self.logs(db, accountCount: entities.accounts.count, paymentsFrom: paymentsFrom, clock: clock))
            return Self.dataset(loaded, try Self.events(db, from: eventsFrom, longer: longer, counts: loaded.counts, clock: clock),
                                version: version)
        }
    }

    /// The first and last timestamp of the stored events, from the batches'
    /// catalog (no event is decoded): the span a load of every event finds.
    /// Nil when no batch holds a row, or a batch does not record its span.
    public func eventSpan() throws(StoreError) -> (first: Int64, last: Int64)? {
        try read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT MIN(min_ts), MAX(max_ts), TOTAL(min_ts IS NULL OR max_ts IS NULL)
                FROM event_batches WHERE row_count > 0
                """)!
            guard let first: Int64 = row[0], let last: Int64 = row[1], row[2] as Double == 0 else { return nil }
            return (first, last)
        }
    }

    /// The three logs, each in (account, time, seq) order.
    struct Logs: Sendable {
        var mrr: [MRRChange]
        var payments: [Payment]
        var feedback: [FeedbackResponse]
        /// The largest seq of each log read (0: none).
        var through = LogSnapshot.Through(mrr: 0, payments: 0, feedback: 0)
        /// Whether the load started from the packed snapshot.
        var fromSnapshot = false
        /// Rows read as rows (after the snapshot, or all of them).
        var readAsRows = 0
        /// The payments the load was asked for (nil: all of them).
        var paymentsAskedFrom: Int64?
        /// The snapshot's older payments, left packed.
        var olderPayments: LogSnapshot.OlderPayments?
        /// Whether the snapshot's split suits the load that asked for the
        /// payments from a time (``LogSnapshot/leavesOlderPacked(cutoff:from:)``;
        /// false for every load that did not ask).
        var splitServed = false

        /// Rows, those left packed too.
        var count: Int { mrr.count + payments.count + feedback.count + (olderPayments?.count ?? 0) }
    }

    /// The entity tables and the logs.
    struct EntitiesAndLogs {
        var entities: StoreEntities
        var logs: Logs

        var counts: EntityCounts {
            EntityCounts(accounts: entities.accounts.count, users: entities.userCount, features: entities.features.count)
        }
    }

    /// How many accounts, users and features (their keys are dense).
    struct EntityCounts: Equatable {
        var accounts: Int
        var users: Int
        var features: Int
    }

    /// The event tables by kind, the older batches' digests, and the
    /// longer history of some accounts.
    typealias Events = (tables: [EventKind: EventColumns], earlier: EarlierEvents?, longer: LongerHistory?)

    /// - Parameter version: the data version the load read (what its
    ///   entity tables, when read as rows, may be kept packed for).
    private static func dataset(_ loaded: EntitiesAndLogs, _ events: Events, version: Int64) -> Dataset {
        var dataset = Dataset(entities: loaded.entities, logins: events.tables[.login]!, featureUsage: events.tables[.featureUsage]!,
                              mrrChanges: loaded.logs.mrr, payments: loaded.logs.payments, feedback: loaded.logs.feedback,
                              earlier: events.earlier)
        dataset.longerHistory = events.longer
        if !loaded.entities.fromSnapshot { dataset.entitiesReadAt = version }
        let logs = loaded.logs
        dataset.logsFromSnapshot = logs.fromSnapshot
        dataset.logRowsReadAsRows = logs.readAsRows
        dataset.paymentsAskedFrom = logs.paymentsAskedFrom
        dataset.olderPayments = logs.olderPayments
        // The first snapshot as soon as there are logs; a new one once many rows come after it, or when a
        // load asked for the recent payments alone and the snapshot's split did not spare it the older ones.
        let manyNewer = logs.readAsRows > 0 && (!logs.fromSnapshot || logs.readAsRows >= max(Store.logRowsBeforeRepacking, logs.count / 20))
        let splitMissed = logs.fromSnapshot && logs.paymentsAskedFrom != nil && !logs.splitServed
        if manyNewer || splitMissed {
            dataset.logsToKeep = (version, logs.through)
        }
        return dataset
    }

    private static func entityCounts(_ db: Database) throws -> EntityCounts {
        let row = try Row.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM features)")!
        return EntityCounts(accounts: row[0], users: row[1], features: row[2])
    }

    private static func entities(_ db: Database, clock: TraceClock) throws -> StoreEntities {
        let entities = try StoreEntities(db, users: .records)
        clock.mark(entities.fromSnapshot ? "load: entities (snapshot)" : "load: entities")
        return entities
    }

    /// The logs: the packed snapshot's rows (``LogSnapshot``), when there
    /// is one, then the rows after it, read as rows.
    /// - Parameter paymentsFrom: the snapshot's payments before its cutoff
    ///   are left packed when the cutoff suits it
    ///   (``LogSnapshot/leavesOlderPacked(cutoff:from:)``).
    private static func logs(_ db: Database, accountCount: Int, paymentsFrom: Int64?, clock: TraceClock) throws -> Logs {
        var mrr: [MRRChange] = [], payments: [Payment] = [], feedback: [FeedbackResponse] = []
        var through = LogSnapshot.Through(mrr: 0, payments: 0, feedback: 0)
        // Each log's largest seq bounds its row count (one seek each): the
        // snapshot's arrays are made that large, so that the rows read after
        // it are appended in place, not into a copy.
        func rows(_ table: String) throws -> Int { try db.reservation("SELECT MAX(seq) FROM \(table)") }
        let capacity = LogSnapshot.Through(mrr: Int64(try rows("mrr_changes")), payments: Int64(try rows("payments")),
                                           feedback: Int64(try rows("feedback")))
        // The snapshot's rows (in (account, time, seq) order), moved out of it.
        var snapshotRows: (mrr: Int, payments: Int, feedback: Int)?
        var olderPayments: LogSnapshot.OlderPayments?, splitServed = false
        if var snapshot = try LogSnapshot.read(db, capacity: capacity, paymentsFrom: paymentsFrom) {
            swap(&mrr, &snapshot.decoded.logs.mrr)
            swap(&payments, &snapshot.decoded.logs.payments)
            swap(&feedback, &snapshot.decoded.logs.feedback)
            through = snapshot.through
            snapshotRows = (mrr.count, payments.count, feedback.count)
            olderPayments = snapshot.decoded.older
            // Served: the older payments left packed, or none before a cutoff that would have left them.
            splitServed = snapshot.decoded.splitSuits
            clock.mark(olderPayments.map { "load: the logs' snapshot (\($0.count) older payments left packed)" } ?? "load: the logs' snapshot")
        }
        var last: Int64 = 0
        mrr.reserveCapacity(Int(capacity.mrr))
        try db.forEachRawRow("SELECT account_key, day, mrr_cents, seq FROM mrr_changes WHERE seq > ? ORDER BY seq",
                             arguments: [through.mrr]) { row in
            mrr.append(MRRChange(accountKey: row.int(0), day: row.int(1), mrrCents: row.int64(2)))
            last = row.int64(3)
        }
        let newMRR = mrr.count - (snapshotRows?.mrr ?? 0)
        if newMRR > 0 { through.mrr = last }
        payments.reserveCapacity(max(0, Int(capacity.payments) - (olderPayments?.count ?? 0)))
        try db.forEachRawRow("SELECT account_key, ts, invoice_id, amount_cents, status, seq FROM payments WHERE seq > ? ORDER BY seq",
                             arguments: [through.payments]) { row in
            guard let status = row.rawCase(4, of: PaymentStatus.self) else { throw StoreError.corrupt("unknown payment status \(row.string(4))") }
            payments.append(Payment(accountKey: row.int(0), ts: row.int64(1), invoiceID: row.string(2), amountCents: row.int64(3), status: status))
            last = row.int64(5)
        }
        let newPayments = payments.count - (snapshotRows?.payments ?? 0)
        if newPayments > 0 { through.payments = last }
        feedback.reserveCapacity(Int(capacity.feedback))
        try db.forEachRawRow("SELECT account_key, user_key, ts, score, comment, seq FROM feedback WHERE seq > ? ORDER BY seq",
                             arguments: [through.feedback]) { row in
            feedback.append(FeedbackResponse(accountKey: row.int(0), userKey: row.optionalInt(1), ts: row.int64(2), score: row.int(3),
                                             comment: row.string(4)))
            last = row.int64(5)
        }
        let newFeedback = feedback.count - (snapshotRows?.feedback ?? 0)
        if newFeedback > 0 { through.feedback = last }
        // In (account, time, seq) order: sorted here, since SQLite
        // sorting the 600,000 payments of a 100 M-event store took 0.4 s.
        // The snapshot's rows are in that order already, and each newer
        // row comes after them (see ``LogSnapshot``).
        try Self.sortByAccountThenTime(&mrr, sortedPrefix: mrr.count - newMRR, accountCount: accountCount,
                                       account: \.accountKey, time: { Int64($0.day) })
        try Self.sortByAccountThenTime(&payments, sortedPrefix: payments.count - newPayments, accountCount: accountCount,
                                       account: \.accountKey, time: \.ts)
        try Self.sortByAccountThenTime(&feedback, sortedPrefix: feedback.count - newFeedback, accountCount: accountCount,
                                       account: \.accountKey, time: \.ts)
        clock.mark("load: mrr, payments, feedback")
        return Logs(mrr: mrr, payments: payments, feedback: feedback, through: through, fromSnapshot: snapshotRows != nil,
                    readAsRows: newMRR + newPayments + newFeedback, paymentsAskedFrom: paymentsFrom, olderPayments: olderPayments,
                    splitServed: splitServed)
    }

    /// - Parameter longer: when given (and earlier than `eventsFrom`), the
    ///   batches that end between its `from` and `eventsFrom` are decoded
    ///   for its accounts alone and digested for every account; what ends
    ///   before `from` is digested for the longer history as well.
    private static func events(_ db: Database, from eventsFrom: Int64?, longer: (from: Int64, accounts: [Bool])?,
                               counts: EntityCounts, clock: TraceClock) throws -> Events {
        var toDecode: [EventKind: [StoredBatch]] = [:]
        // Digested: what ends before the longer history (or the window).
        let digestedBefore = longer?.from ?? eventsFrom
        var earlier = digestedBefore.map { EarlierEvents(before: $0, accountCount: counts.accounts, userCount: counts.users,
                                                         featureCount: counts.features) }
        // Epoch order, then ingest order: batches of different epochs do
        // not interleave in time, so the merge copies them as blocks.
        let seconds = EventBatchCodec.epochSeconds
        let fetched = try Row.fetchAll(db, sql: """
            SELECT batch_id, kind, row_count, partition_count, min_ts, max_ts, stored_bytes FROM event_batches ORDER BY batch_id
            """)
        let keyed: [(epoch: Int64, id: Int64, row: Row)] = fetched.map { (row: Row) in
            let minTs: Int64 = row["min_ts"] ?? 0
            let id: Int64 = row["batch_id"]
            return (EventColumns.epoch(of: minTs, seconds: seconds), id, row)
        }
        let batchRows: [Row] = keyed.sorted { $0.epoch != $1.epoch ? $0.epoch < $1.epoch : $0.id < $1.id }.map(\.row)
        var batches: [(batch: DigestedBatch, partitionCount: Int)] = []
        for row in batchRows {
            let kindName: String = row["kind"]
            guard let kind = EventKind(rawValue: kindName) else { throw StoreError.corrupt("unknown event kind \(kindName)") }
            batches.append((DigestedBatch(id: row["batch_id"], kind: kind, rowCount: row["row_count"], minTs: row["min_ts"], maxTs: row["max_ts"],
                                          storedBytes: row["stored_bytes"]), row["partition_count"]))
        }
        // The merged digests of an earlier load, when every batch they hold is still stored as it was and digested here.
        var merged: Set<Int64> = []
        if let before = digestedBefore, let cache = try DigestCache.read(db) {
            let older = Set(batches.map(\.batch).filter { ($0.maxTs ?? .max) < before })
            if cache.batches.allSatisfy(older.contains), earlier!.restore(cache) { merged = Set(cache.batches.map(\.id)) }
        }
        // The batches of the longer history alone: decoded for its accounts, digested for all.
        var between: [(EventDigest, DigestedBatch)] = []
        for (batch, partitionCount) in batches where !merged.contains(batch.id) {
            var keeping: [Bool]?
            if let before = digestedBefore, let maxTs = batch.maxTs, maxTs < before,
               let digest = try Self.decodeDigest(db, id: batch.id, kind: batch.kind) {
                earlier!.add(digest, batch: batch)
                continue
            }
            if let longer, let from = eventsFrom, let maxTs = batch.maxTs, maxTs < from,
               let digest = try Self.decodeDigest(db, id: batch.id, kind: batch.kind) {
                between.append((digest, batch))
                keeping = longer.accounts
            }
            toDecode[batch.kind, default: []].append(StoredBatch(id: batch.id, rowCount: batch.rowCount, partitionCount: partitionCount,
                                                                 minTs: batch.minTs, maxTs: batch.maxTs, keeping: keeping))
        }
        var history: LongerHistory?
        if let longer, let from = eventsFrom, var all = earlier?.extended(to: from) {
            for (digest, batch) in between { all.add(digest, batch: batch) }
            all.finish()
            earlier!.finish()
            history = LongerHistory(accounts: longer.accounts, earlier: earlier!)
            earlier = all
        } else {
            earlier?.finish()
        }
        clock.mark("load: the catalog and the older batches' digests")
        var tables: [EventKind: EventColumns] = [:]
        for kind in [EventKind.login, .featureUsage] {
            tables[kind] = try Self.decodeTable(db, kind: kind, batches: toDecode[kind] ?? [], partitionCount: counts.accounts)
        }
        clock.mark("load: event batches")
        return (tables, earlier, history)
    }

    /// `rows` put in (account, time, seq) order, where the first
    /// `sortedPrefix` (a snapshot's) are in that order already and the rest
    /// (read after it) come in seq order, each after all of them: the rest
    /// sorted and merged in from the back, in place. A night's 2,000 new
    /// rows moved rows of the 780,000 payments up instead of copying the
    /// whole log into fresh memory (38 MB at 100 M events). No prefix: a
    /// sort of every row (``byAccountThenTime(_:accountCount:account:time:)``).
    /// - Throws: ``StoreError/corrupt(_:)`` for a row of no known account.
    static func sortByAccountThenTime<Row>(_ rows: inout [Row], sortedPrefix: Int, accountCount: Int, account: (Row) -> Int,
                                           time: (Row) -> Int64) throws(StoreError) {
        guard sortedPrefix > 0 else {
            rows = try byAccountThenTime(rows, accountCount: accountCount, account: account, time: time)
            return
        }
        guard sortedPrefix < rows.count else { return }
        let newer = try byAccountThenTime(Array(rows[sortedPrefix...]), accountCount: accountCount, account: account, time: time)
        func before(_ a: Row, _ b: Row) -> Bool { (account(a), time(a)) < (account(b), time(b)) }
        // From the back: a newer row goes after the prefix's rows of the same account and time (a larger seq).
        var i = sortedPrefix - 1, j = newer.count - 1, k = rows.count - 1
        while j >= 0 {
            if i >= 0 && before(newer[j], rows[i]) {
                rows[k] = rows[i]
                i -= 1
            } else {
                rows[k] = newer[j]
                j -= 1
            }
            k -= 1
        }
    }

    /// `rows` (in seq order) stably sorted by account, then by time: a
    /// counting sort by account, then each account's rows sorted by time
    /// unless they already are (they come in file order, usually time order).
    /// - Throws: ``StoreError/corrupt(_:)`` for a row of no known account.
    static func byAccountThenTime<Row>(_ rows: [Row], accountCount: Int, account: (Row) -> Int,
                                       time: (Row) -> Int64) throws(StoreError) -> [Row] {
        var starts = [Int](repeating: 0, count: accountCount + 1)
        for row in rows {
            guard account(row) >= 0 && account(row) < accountCount else {
                throw StoreError.corrupt("a log row names account key \(account(row)), and the store has \(accountCount) accounts")
            }
            starts[account(row) + 1] += 1
        }
        for a in 0 ..< accountCount { starts[a + 1] += starts[a] }
        var next = starts
        var order = [Int](repeating: 0, count: rows.count)
        for (i, row) in rows.enumerated() {
            order[next[account(row)]] = i
            next[account(row)] += 1
        }
        for a in 0 ..< accountCount where starts[a + 1] - starts[a] > 1 {
            let slice = starts[a] ..< starts[a + 1]
            let sorted = zip(order[slice].dropFirst(), order[slice]).allSatisfy { time(rows[$0]) >= time(rows[$1]) }
            if !sorted {
                order[slice].sort { time(rows[$0]) != time(rows[$1]) ? time(rows[$0]) < time(rows[$1]) : $0 < $1 }
            }
        }
        return order.map { rows[$0] }
    }

    /// The tracked accounts' keys of each agency (by agency key), in key
    /// order, read from the accounts table alone: what a caller decides a
    /// load's ``loadDataset(eventsFrom:longerHistory:)`` accounts from.
    public func trackedAccountsByAgency() throws(StoreError) -> [[Int]] {
        try read { db in
            var tracked = [[Int]](repeating: [], count: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agencies") ?? 0)
            try db.forEachRawRow("SELECT account_key, agency_key FROM accounts WHERE tracked ORDER BY account_key") { row in
                let agency = row.int(1)
                guard agency >= 0 && agency < tracked.count else { throw StoreError.corrupt("account key \(row.int(0)) names agency key \(agency)") }
                tracked[agency].append(row.int(0))
            }
            return tracked
        }
    }

    /// The day of the newest stored event, from the batch catalog (nil: none).
    public func latestEventDay() throws(StoreError) -> Int? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT MAX(max_ts) FROM event_batches WHERE row_count > 0") }
            .map { CivilTime.day(ofSeconds: $0) }
    }

    /// A stored batch's digest, nil when it was stored without one.
    static func decodeDigest(_ db: Database, id batchID: Int64, kind: EventKind) throws(StoreError) -> EventDigest? {
        try EventBatchCodec.decodeDigest(kind: kind) { (name: String) throws(StoreError) -> [EncodedSegment] in
            try segments(db, batchID: batchID, column: name)
        }
    }

    /// A batch to decode, as the catalog describes it.
    struct StoredBatch {
        var id: Int64
        var rowCount: Int
        var partitionCount: Int
        var minTs: Int64?
        var maxTs: Int64?
        /// The accounts whose rows the table takes (nil: all).
        var keeping: [Bool]? = nil
    }

    /// One kind's table from its batches (in load order). Batches that do
    /// not interleave in time — an epoch's, nightly ones, compacted ones —
    /// are decoded column by column straight into the table
    /// (``EventColumns/assemble(batchOffsets:partitionCount:hasItems:read:decodeTimestamps:decodeValues:)``);
    /// otherwise (a backfill of older events) each batch is decoded whole
    /// and the batches merged.
    static func decodeTable(_ db: Database, kind: EventKind, batches: [StoredBatch], partitionCount: Int) throws(StoreError) -> EventColumns {
        var latest = Int64.min, disjoint = true
        for batch in batches {
            if let minTs = batch.minTs, minTs < latest { disjoint = false }
            latest = max(latest, batch.maxTs ?? latest)
        }
        guard batches.count > 1, disjoint else {
            var decoded: [EventColumns] = []
            for batch in batches {
                decoded.append(try decodeBatch(db, id: batch.id, kind: kind, rowCount: batch.rowCount, partitionCount: batch.partitionCount))
            }
            return EventColumns.merge(decoded, partitionCount: partitionCount, hasItems: kind.hasItems)
        }
        var offsets: [[Int]] = []
        for batch in batches {
            offsets.append(try EventBatchCodec.decodeOffsets(kind: kind, rowCount: batch.rowCount, partitionCount: batch.partitionCount) {
                (name: String) throws(StoreError) -> [EncodedSegment] in try segments(db, batchID: batch.id, column: name)
            })
        }
        // A column's stored pieces are read here (this connection's thread) and decoded on the cores.
        let keeping = batches.contains { $0.keeping != nil } ? batches.map(\.keeping) : nil
        return try EventColumns.assemble(batchOffsets: offsets, partitionCount: partitionCount, hasItems: kind.hasItems, keeping: keeping,
            read: { (column, b) throws(StoreError) -> StoredColumn in
                let name = EventBatchCodec.storedName(of: column)
                return StoredColumn(name: name, kind: kind, parts: try segments(db, batchID: batches[b].id, column: name))
            },
            decodeTimestamps: { (column, buffer) throws(StoreError) in
                try EventBatchCodec.decodeTimes(column.name, kind: column.kind, parts: column.parts, into: buffer)
            },
            decodeValues: { (column, buffer) throws(StoreError) in try column.decode(into: buffer) })
    }

    /// One column of one stored batch, read and not yet decoded.
    struct StoredColumn: Sendable {
        var name: String
        var kind: EventKind
        var parts: [EncodedSegment]

        func decode<T: FixedWidthInteger & Sendable>(into buffer: UnsafeMutableBufferPointer<T>) throws(StoreError) {
            try EventBatchCodec.decodeColumn(name, kind: kind, parts: parts, into: buffer)
        }
    }

    /// One stored batch's columns, one column's compressed pieces at a time
    /// (each dropped once decoded).
    static func decodeBatch(_ db: Database, id batchID: Int64, kind: EventKind, rowCount: Int,
                            partitionCount: Int) throws(StoreError) -> EventColumns {
        try EventBatchCodec.decode(kind: kind, rowCount: rowCount, partitionCount: partitionCount) {
            (name: String) throws(StoreError) -> [EncodedSegment] in
            try segments(db, batchID: batchID, column: name)
        }
    }

    /// The stored pieces of one column of one batch, in piece order (none
    /// when the batch has no such column).
    static func segments(_ db: Database, batchID: Int64, column name: String) throws(StoreError) -> [EncodedSegment] {
        do {
            var segments: [EncodedSegment] = []
            try db.forEachRawRow("SELECT piece, bytes FROM event_segments WHERE batch_id = ? AND column_name = ? ORDER BY piece",
                                 arguments: [batchID, name]) { row in
                segments.append(EncodedSegment(column: name, piece: row.int(0), bytes: row.blob(1)))
            }
            return segments
        } catch {
            throw StoreError.wrap(error)
        }
    }
}
