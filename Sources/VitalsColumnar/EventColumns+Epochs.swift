/// Cutting a table by time, so that a store can keep each run of days
/// (an epoch) in its own batches and a reader can skip the epochs before the
/// window it needs, reading only their ``EventDigest``.
extension EventColumns {
    /// The epoch of a timestamp: `floor(timestamp / seconds)`.
    @inlinable
    public static func epoch(of timestamp: Int64, seconds: Int64) -> Int64 {
        timestamp >= 0 ? timestamp / seconds : -((-timestamp + seconds - 1) / seconds)
    }

    /// The earliest and latest timestamp (nil: no rows), from each
    /// partition's first and last row (a partition's rows are in time order).
    public var timestampSpan: (first: Int64, last: Int64)? {
        var first = Int64.max, last = Int64.min
        timestamps.withUnsafeBufferPointer { ts in
            offsets.withUnsafeBufferPointer { offsets in
                for p in 0 ..< partitionCount where offsets[p + 1] > offsets[p] {
                    first = Swift.min(first, Int64(ts[offsets[p]]))
                    last = Swift.max(last, Int64(ts[offsets[p + 1] - 1]))
                }
            }
        }
        return first <= last ? (first, last) : nil
    }

    /// The rows with `lower <= timestamp < upper` of every partition, as a
    /// table with the same partitions (each partition's rows keep their order).
    public func slice(from lower: Int64, to upper: Int64) -> EventColumns {
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(partitionCount)
        var newOffsets = [0]
        newOffsets.reserveCapacity(partitionCount + 1)
        for p in 0 ..< partitionCount {
            let range = rows(of: p, from: lower, to: upper)
            ranges.append(range)
            newOffsets.append(newOffsets.last! + range.count)
        }
        func gather<T>(_ column: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(newOffsets.last!)
            for range in ranges where !range.isEmpty { out.append(contentsOf: column[range]) }
            return out
        }
        return EventColumns(offsets: newOffsets, timestamps: gather(timestamps), actors: gather(actors),
                            items: hasItems ? gather(items) : [], quantities: hasItems ? gather(quantities) : [],
                            hasItems: hasItems)
    }
}

/// What a reader needs to know of rows it does not decode: the latest
/// timestamp of each actor and of each partition, and which items each
/// partition used. Small (one entry per actor, partition, or pair seen), it
/// is stored beside a batch's columns.
public struct EventDigest: Sendable, Equatable {
    /// Actors seen, ascending, and each one's latest timestamp.
    public var actors: [UInt32] = []
    public var actorLast: [Int64] = []
    /// Partitions with rows, ascending, and each one's latest timestamp.
    public var partitions: [UInt32] = []
    public var partitionLast: [Int64] = []
    /// Distinct (partition, item) pairs, ordered by partition then item.
    public var pairPartitions: [UInt32] = []
    public var pairItems: [UInt32] = []

    public init(actors: [UInt32] = [], actorLast: [Int64] = [], partitions: [UInt32] = [], partitionLast: [Int64] = [],
                pairPartitions: [UInt32] = [], pairItems: [UInt32] = []) {
        self.actors = actors
        self.actorLast = actorLast
        self.partitions = partitions
        self.partitionLast = partitionLast
        self.pairPartitions = pairPartitions
        self.pairItems = pairItems
    }

    /// The digest of `columns`, with the parts asked for.
    public init(_ columns: EventColumns, lastByActor: Bool, lastByPartition: Bool, itemPairs: Bool) {
        self.init(EventSelection(all: columns), lastByActor: lastByActor, lastByPartition: lastByPartition, itemPairs: itemPairs)
    }

    /// The digest of the selected rows, as of a table of just those rows.
    public init(_ selection: EventSelection, lastByActor: Bool, lastByPartition: Bool, itemPairs: Bool) {
        let tables = selection.tables
        func largest(_ column: KeyPath<EventColumns, [UInt32]>) -> UInt32? {
            var top: UInt32?
            for p in 0 ..< selection.partitionCount {
                selection.forEachRun(of: p) { t, rows in
                    tables[t][keyPath: column].withUnsafeBufferPointer { values in
                        for i in rows { top = Swift.max(top ?? 0, values[i]) }
                    }
                }
            }
            return top
        }
        if lastByActor, let maxActor = largest(\.actors) {
            var last = [Int64](repeating: .min, count: Int(maxActor) + 1)
            last.withUnsafeMutableBufferPointer { last in
                for p in 0 ..< selection.partitionCount {
                    selection.forEachRun(of: p) { t, rows in
                        tables[t].timestamps.withUnsafeBufferPointer { ts in
                            tables[t].actors.withUnsafeBufferPointer { actorColumn in
                                for i in rows where Int64(ts[i]) > last[Int(actorColumn[i])] { last[Int(actorColumn[i])] = Int64(ts[i]) }
                            }
                        }
                    }
                }
            }
            for (actor, ts) in last.enumerated() where ts != .min {
                actors.append(UInt32(actor))
                actorLast.append(ts)
            }
        }
        if lastByPartition {
            for p in 0 ..< selection.partitionCount {
                // Runs are in time order: the last row of the last run is the latest.
                var latest: Int64?
                selection.forEachRun(of: p) { t, rows in latest = Int64(tables[t].timestamps[rows.upperBound - 1]) }
                guard let latest else { continue }
                partitions.append(UInt32(p))
                partitionLast.append(latest)
            }
        }
        if itemPairs, selection.hasItems, let maxItem = largest(\.items) {
            var counter = DistinctCounter(keyCount: Int(maxItem) + 1)
            for p in 0 ..< selection.partitionCount {
                var items: [UInt32] = []
                counter.startCount()
                selection.forEachRun(of: p) { t, rows in items += counter.newValues(tables[t].items, rows: rows) }
                for item in items.sorted() {
                    pairPartitions.append(UInt32(p))
                    pairItems.append(item)
                }
            }
        }
    }

}
