import Foundation
import GRDB
import VitalsColumnar

/// What a compaction merged: per event kind, how many stored batches
/// became how many, and how many rows they hold.
public struct CompactionSummary: Sendable, Equatable {
    public struct Merge: Sendable, Equatable {
        public var kind: String
        public var batches: Int
        public var rows: Int
        /// Batches written in their place: one, or one per epoch when
        /// batches spanning several epochs (written before epochs) were cut.
        public var into: Int = 1
    }

    public var merges: [Merge] = []
    public var seconds: Double = 0
}

extension Store {
    /// Batches one epoch may hold before the ingest merges them, even while
    /// it is the newest (a store fed many times a day).
    public static let batchLimit = 8

    /// A stored batch as compaction sees it: its time span.
    struct StoredSpan: Equatable {
        var minTs: Int64
        var maxTs: Int64
        var epoch: Int64? {
            let seconds = EventBatchCodec.epochSeconds
            let first = EventColumns.epoch(of: minTs, seconds: seconds)
            return first == EventColumns.epoch(of: maxTs, seconds: seconds) ? first : nil
        }
    }

    /// Which batches of a kind to merge (positions in batch order), and
    /// whether the merged rows are cut into epochs again.
    ///
    /// Each ingest writes one batch per kind and epoch (7 days); a load
    /// decodes each batch's offsets and copies its slices, and a nightly
    /// score skips whole epochs before its window. So the batches of an
    /// epoch are merged into one once a newer epoch exists (a week of nights
    /// becomes one batch: work in proportion to that week), or once it holds
    /// more than ``batchLimit``. `all` merges every epoch's batches, and
    /// cuts batches that span several epochs (stores written before epochs)
    /// into one batch per epoch.
    static func compactionPlan(_ spans: [StoredSpan], all: Bool) -> [(positions: [Int], resplit: Bool)] {
        if all && spans.contains(where: { $0.epoch == nil }) {
            return spans.count > 1 || spans.first?.epoch == nil ? [(Array(spans.indices), true)] : []
        }
        var byEpoch: [Int64: [Int]] = [:]
        for (position, span) in spans.enumerated() {
            if let epoch = span.epoch { byEpoch[epoch, default: []].append(position) }
        }
        guard let newest = byEpoch.keys.max() else { return [] }
        return byEpoch.sorted { $0.key < $1.key }.compactMap { epoch, positions in
            positions.count > 1 && (all || epoch < newest || positions.count > batchLimit) ? (positions, false) : nil
        }
    }

    /// Merges stored event batches (see ``compactionPlan(_:all:)``) in one
    /// transaction: the batches are read, merged and re-encoded while the
    /// store's write lock is held, so no ingest slips a batch in between and
    /// every reader sees either the old batches or the merged ones. No
    /// answer changes: the merged batches load as the batches did.
    public func compact(all: Bool = false) throws(StoreError) -> CompactionSummary {
        let started = Date()
        var summary = try writeReplacingDerivedData { db -> CompactionSummary in
            var summary = CompactionSummary()
            for kind in EventKind.allCases {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT batch_id, ingest_id, row_count, partition_count, min_ts, max_ts FROM event_batches
                    WHERE kind = ? AND row_count > 0 ORDER BY batch_id
                    """, arguments: [kind.rawValue])
                let spans = rows.map { StoredSpan(minTs: $0["min_ts"], maxTs: $0["max_ts"]) }
                for (positions, resplit) in Self.compactionPlan(spans, all: all) {
                    let chosen = positions.map { rows[$0] }
                    let partitionCount = chosen.map { $0["partition_count"] as Int }.max() ?? 0
                    let merged = try Self.decodeTable(db, kind: kind, batches: chosen.map {
                        StoredBatch(id: $0["batch_id"], rowCount: $0["row_count"], partitionCount: $0["partition_count"],
                                    minTs: $0["min_ts"], maxTs: $0["max_ts"])
                    }, partitionCount: partitionCount)
                    let encoded = resplit ? try EventBatchCodec.encodeByEpoch(merged, kind: kind) : [try EventBatchCodec.encode(merged, kind: kind)]
                    let ids = chosen.map { $0["batch_id"] as Int64 }
                    let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
                    try db.execute(sql: "DELETE FROM event_segments WHERE batch_id IN (\(placeholders))", arguments: StatementArguments(ids))
                    try db.execute(sql: "DELETE FROM event_batches WHERE batch_id IN (\(placeholders))", arguments: StatementArguments(ids))
                    // The merged batch belongs to the newest ingest it holds.
                    try IngestWriter.writeBatches(encoded, ingestID: chosen.map { $0["ingest_id"] as Int64 }.max()!, db)
                    summary.merges.append(.init(kind: kind.rawValue, batches: chosen.count, rows: merged.count, into: encoded.count))
                    try DigestCache.forget(ifItHolds: ids, db)
                }
            }
            return summary
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}
