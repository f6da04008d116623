import Foundation
import GRDB
import VitalsColumnar

/// What a compaction merged: per event kind, how many stored batches
/// became one and how many rows they hold.
public struct CompactionSummary: Sendable, Equatable {
    public struct Merge: Sendable, Equatable {
        public var kind: String
        public var batches: Int
        public var rows: Int
    }

    public var merges: [Merge] = []
    public var seconds: Double = 0
}

extension Store {
    /// Stored batches per kind beyond which an ingest compacts the newest.
    public static let batchLimit = 8

    /// Which batches of a kind to merge, given their row counts in batch
    /// order: a range that always ends at the newest, so the merged batch
    /// takes its place in the order (the load merges batches in that order).
    ///
    /// Each ingest adds one batch per kind; a load decodes every batch's
    /// per-account offsets and copies their slices. Past ``batchLimit``
    /// batches, the ones after the oldest (a store's first, big ingest) are
    /// merged into one — work in proportion to the recent nights, not to
    /// the store — and once they hold half as many rows as the oldest, the
    /// oldest joins them. `all` merges everything into one.
    static func batchesToMerge(rowCounts: [Int], all: Bool) -> Range<Int>? {
        guard rowCounts.count > 1 else { return nil }
        if all { return 0 ..< rowCounts.count }
        guard rowCounts.count > batchLimit else { return nil }
        let recent = rowCounts.dropFirst().reduce(0, +)
        return recent * 2 >= rowCounts[0] ? 0 ..< rowCounts.count : 1 ..< rowCounts.count
    }

    /// Merges stored event batches (see ``batchesToMerge(rowCounts:all:)``)
    /// in one transaction: the batches are read, merged and re-encoded while
    /// the store's write lock is held, so no ingest slips a batch in between
    /// and every reader sees either the old batches or the merged one. No
    /// answer changes: the merged batch loads as the batches did.
    public func compact(all: Bool = false) throws(StoreError) -> CompactionSummary {
        let started = Date()
        var summary = try write { db -> CompactionSummary in
            var summary = CompactionSummary()
            for kind in EventKind.allCases {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT batch_id, ingest_id, row_count, partition_count FROM event_batches WHERE kind = ? ORDER BY batch_id
                    """, arguments: [kind.rawValue])
                guard let range = Self.batchesToMerge(rowCounts: rows.map { $0["row_count"] }, all: all) else { continue }
                let chosen = Array(rows[range])
                let partitionCount = chosen.map { $0["partition_count"] as Int }.max() ?? 0
                var columns: [EventColumns] = []
                for row in chosen {
                    columns.append(try Self.decodeBatch(db, id: row["batch_id"], kind: kind, rowCount: row["row_count"],
                                                        partitionCount: row["partition_count"]))
                }
                let merged = EventColumns.merge(columns, partitionCount: partitionCount, hasItems: kind.hasItems)
                let encoded = try EventBatchCodec.encode(merged, kind: kind)
                let ids = chosen.map { $0["batch_id"] as Int64 }
                let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
                try db.execute(sql: "DELETE FROM event_segments WHERE batch_id IN (\(placeholders))", arguments: StatementArguments(ids))
                try db.execute(sql: "DELETE FROM event_batches WHERE batch_id IN (\(placeholders))", arguments: StatementArguments(ids))
                // The merged batch belongs to the newest ingest it holds.
                try IngestWriter.writeBatches([encoded], ingestID: chosen.last!["ingest_id"], db)
                summary.merges.append(.init(kind: kind.rawValue, batches: chosen.count, rows: merged.count))
            }
            return summary
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}
