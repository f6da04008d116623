import Testing
@testable import VitalsColumnar

/// Cutting a table by time and the digest a reader keeps of the rows it skips.
@Suite struct EpochTests {
    func build(_ rows: [(partition: UInt32, ts: Int64, actor: UInt32, item: UInt32)], partitions: Int) -> EventColumns {
        var builder = EventColumnsBuilder(hasItems: true)
        for r in rows { builder.append(partition: r.partition, timestamp: r.ts, actor: r.actor, item: r.item, quantity: 1) }
        return builder.build(partitionCount: partitions)
    }

    @Test func epochsFloorNegativeTimestampsToo() {
        #expect(EventColumns.epoch(of: 0, seconds: 10) == 0)
        #expect(EventColumns.epoch(of: 9, seconds: 10) == 0)
        #expect(EventColumns.epoch(of: 10, seconds: 10) == 1)
        #expect(EventColumns.epoch(of: -1, seconds: 10) == -1)
        #expect(EventColumns.epoch(of: -10, seconds: 10) == -1)
        #expect(EventColumns.epoch(of: -11, seconds: 10) == -2)
    }

    @Test func slicesOfEveryEpochMergeBackIntoTheTable() {
        var state: UInt64 = 7
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let rows = (0 ..< 2_000).map { _ in (UInt32(next() % 11), Int64(next() % 500) - 100, UInt32(next() % 30), UInt32(next() % 6)) }
        let table = build(rows.map { ($0.0, $0.1, $0.2, $0.3) }, partitions: 12)
        var pieces: [EventColumns] = []
        for epoch in Int64(-2) ... 8 {
            let piece = table.slice(from: epoch * 50, to: (epoch + 1) * 50)
            #expect(piece.partitionCount == 12)
            #expect(piece.timestamps.allSatisfy { EventColumns.epoch(of: $0, seconds: 50) == epoch })
            pieces.append(piece)
        }
        #expect(pieces.reduce(0) { $0 + $1.count } == table.count)
        #expect(EventColumns.merge(pieces, partitionCount: 12, hasItems: true) == table)
    }

    @Test func theDigestHoldsLatestTimesAndItemPairs() {
        // Partition 0: user 4 at 10 and 30 (features 2, 1), user 5 at 20 (feature 2).
        // Partition 2: user 4 at 25 (feature 7). Partition 1 has no rows.
        let table = build([(0, 30, 4, 1), (0, 10, 4, 2), (2, 25, 4, 7), (0, 20, 5, 2)], partitions: 3)
        let digest = EventDigest(table, lastByActor: true, lastByPartition: true, itemPairs: true)
        #expect(digest.actors == [4, 5] && digest.actorLast == [30, 20])
        #expect(digest.partitions == [0, 2] && digest.partitionLast == [30, 25])
        #expect(digest.pairPartitions == [0, 0, 2] && digest.pairItems == [1, 2, 7])
        let loginsOnly = EventDigest(table, lastByActor: true, lastByPartition: false, itemPairs: false)
        #expect(loginsOnly.partitions.isEmpty && loginsOnly.pairItems.isEmpty && loginsOnly.actors == [4, 5])
        #expect(EventDigest(.empty(partitionCount: 3, hasItems: true), lastByActor: true, lastByPartition: true, itemPairs: true) == EventDigest())
    }
}
