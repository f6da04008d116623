import Foundation
import GRDB
import Testing
import VitalsColumnar
@testable import VitalsStore

/// The event batches handed from the parse to the writer as they are
/// encoded (``BatchFeed``).
@Suite struct BatchFeedTests {
    /// The writer takes the batches in the order they were put, waiting for
    /// the parse, and stops once the feed is closed.
    @Test func theWriterTakesTheBatchesInOrderAsTheyCome() throws {
        let feed = BatchFeed()
        let batches = (1 ... 5).map { EncodedBatch(kind: .login, rowCount: $0, partitionCount: 1, minTs: nil, maxTs: nil,
                                                   rawBytes: 0, storedBytes: 0, segments: []) }
        let producer = Beside { () throws(StoreError) -> Void in
            for batch in batches {
                Thread.sleep(forTimeInterval: 0.002)
                feed.put(.batch(file: 0, batch))
            }
            feed.close()
        }
        var taken: [Int] = []
        while let item = feed.next() {
            guard case let .batch(_, batch) = item else { Issue.record("a take-back nobody put"); continue }
            taken.append(batch.rowCount)
        }
        try producer.result()
        #expect(taken == [1, 2, 3, 4, 5])
        #expect(feed.next() == nil)
    }

    /// A part that fails after some batches were stored (a cut inside a
    /// quoted field) makes the parse start again on the whole files: the
    /// writer deletes what it stored of this ingest and stores the whole
    /// parse's batches, so the store holds each event once.
    @Test func batchesTakenBackAreDeletedAndTheWholeParseStored() throws {
        let store = makeTemporaryDirectory().appendingPathComponent("vitals.db").path
        _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: store)
        let opened = try Store.open(at: store)
        let entities = try opened.read { try StoreEntities($0) }
        let plan = IngestPlan(entities: entities)
        let logins = writeDataset(["logins.csv": manyLogins(3000)]) + "/logins.csv"
        let ids = EventIDs(accounts: entities.accountKeys, users: entities.userKeys, userAccounts: entities.userAccounts)
        let whole = try EventParsing.parse(logins, kind: .login, ids: ids, features: entities.featureKeys)
        let batches = try EventBatchCodec.encodeByEpoch(whole.columns, kind: .login)
        try #require(batches.count > 3)

        let feed = BatchFeed()
        for batch in batches.prefix(2) { feed.put(.batch(file: 0, batch)) }
        feed.put(.takeBack)
        for batch in batches { feed.put(.batch(file: 0, batch)) }
        feed.close()
        let stored = try opened.write { db in
            try IngestWriter.write(plan, source: "night", to: db, feed: feed) {
                var events = IngestEvents(features: entities.featureKeys)
                events.rowsByFile = [("logins.csv", 3000)]
                return events
            }.batches
        }
        #expect(stored.count == batches.count && stored.reduce(0) { $0 + $1.rowCount } == 3000)
        let (rows, segments, orphans, ingest) = try opened.read { db in
            let ingest = try Row.fetchOne(db, sql: "SELECT ingest_id, finished_at, rows_json FROM ingests ORDER BY ingest_id DESC LIMIT 1")!
            let id: Int64 = ingest["ingest_id"]
            return (try Int.fetchOne(db, sql: "SELECT SUM(row_count) FROM event_batches WHERE ingest_id = ?", arguments: [id])!,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_segments JOIN event_batches USING (batch_id) WHERE ingest_id = ?",
                                     arguments: [id])!,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM event_segments WHERE batch_id NOT IN (SELECT batch_id FROM event_batches)")!,
                    ingest)
        }
        #expect(rows == 3000)
        #expect(segments == batches.reduce(0) { $0 + $1.segments.count })
        #expect(orphans == 0)
        #expect((ingest["rows_json"] as String).contains("\"logins.csv\":3000"))
        #expect((ingest["finished_at"] as Int64) > 0)
        // Each event once: the three logins of the first ingest and the 3,000 of this one.
        #expect(try opened.loadDataset().logins.count == 3 + 3000)
    }
}
