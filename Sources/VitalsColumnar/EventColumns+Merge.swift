extension EventColumns {
    /// Merges batches stored by separate ingests into one table, as if their
    /// rows had arrived in one ingest in batch order: within a partition, by
    /// time, ties in batch order, then row order.
    ///
    /// Each batch is already sorted, so a partition's rows are its batches'
    /// slices one after another — copied as blocks — and only a partition
    /// whose batches overlap in time (a backfill) is sorted again. The work is
    /// a copy of the rows, not a sort of them, and the columns are merged one
    /// at a time with each batch's column released once copied, so the peak
    /// is the batches plus one merged column, not twice the table.
    /// - Complexity: O(n) when batches do not interleave in time within a
    ///   partition; O(k log k) more for each partition of k rows that does.
    public static func merge(_ batches: consuming [EventColumns], partitionCount: Int, hasItems: Bool) -> EventColumns {
        if batches.isEmpty { return .empty(partitionCount: partitionCount, hasItems: hasItems) }
        if batches.count == 1 {
            var single = batches[0]
            single.extendPartitions(to: partitionCount)
            return single
        }
        let plan = MergePlan(batches, partitionCount: partitionCount)
        // Each column moves out of its batch, so that merging it can free it.
        var timestampColumns = batches.indices.map { b in defer { batches[b].timestamps = [] }; return batches[b].timestamps }
        let timestamps = plan.gather(&timestampColumns)
        var actorColumns = batches.indices.map { b in defer { batches[b].actors = [] }; return batches[b].actors }
        let actors = plan.gather(&actorColumns)
        var items: [UInt32] = [], quantities: [UInt32] = []
        if hasItems {
            var itemColumns = batches.indices.map { b in defer { batches[b].items = [] }; return batches[b].items }
            items = plan.gather(&itemColumns)
            var quantityColumns = batches.indices.map { b in defer { batches[b].quantities = [] }; return batches[b].quantities }
            quantities = plan.gather(&quantityColumns)
        }
        return EventColumns(offsets: plan.offsets, timestamps: timestamps, actors: actors, items: items, quantities: quantities,
                            hasItems: hasItems)
    }
}

/// Where each batch's slice of each partition goes in the merged table, and
/// the order within the partitions whose batches overlap in time.
struct MergePlan {
    /// The merged table's partition offsets.
    let offsets: [Int]
    /// Per batch, its partition offsets (extended to the merged partition count).
    let sources: [[Int]]
    /// For each partition that needs it: the merged rows' order, as indices
    /// into the partition's concatenated slices (a stable sort by time).
    let reordered: [Int: [Int32]]

    init(_ batches: borrowing [EventColumns], partitionCount: Int) {
        var offsets = [Int](repeating: 0, count: partitionCount + 1)
        var sources: [[Int]] = []
        for b in batches.indices {
            precondition(batches[b].partitionCount <= partitionCount, "a batch has more partitions than the merged table")
            var extended = batches[b]  // shares the columns; only its offsets are copied, to grow
            extended.extendPartitions(to: partitionCount)
            let own = extended.offsets
            for p in 0 ..< partitionCount { offsets[p + 1] += own[p + 1] - own[p] }
            sources.append(own)
        }
        for p in 0 ..< partitionCount { offsets[p + 1] += offsets[p] }
        var reordered: [Int: [Int32]] = [:]
        for p in 0 ..< partitionCount {
            // In order when each batch's first row is not earlier than the previous batch's last.
            var lastTs = Int64.min, inOrder = true, batchesHere = 0
            for b in batches.indices where sources[b][p + 1] > sources[b][p] {
                batchesHere += 1
                if batches[b].timestamps[sources[b][p]] < lastTs { inOrder = false }
                lastTs = batches[b].timestamps[sources[b][p + 1] - 1]
            }
            guard !inOrder, batchesHere > 1 else { continue }
            var keyed: [(ts: Int64, position: Int32)] = []
            keyed.reserveCapacity(offsets[p + 1] - offsets[p])
            for b in batches.indices {
                for row in sources[b][p] ..< sources[b][p + 1] {
                    keyed.append((batches[b].timestamps[row], Int32(keyed.count)))
                }
            }
            keyed.sort { $0.ts != $1.ts ? $0.ts < $1.ts : $0.position < $1.position }
            reordered[p] = keyed.map(\.position)
        }
        self.offsets = offsets
        self.sources = sources
        self.reordered = reordered
    }

    /// One merged column from the batches' columns, each emptied once copied.
    func gather<T: FixedWidthInteger>(_ columns: inout [[T]]) -> [T] {
        let total = offsets.last ?? 0
        let partitionCount = offsets.count - 1
        var merged = [T](unsafeUninitializedCapacity: total) { out, initialized in
            // Where the next rows of each partition go: after the earlier batches' rows.
            var cursor = Array(offsets.dropLast())
            for b in columns.indices {
                let own = sources[b]
                columns[b].withUnsafeBufferPointer { source in
                    for p in 0 ..< partitionCount {
                        let count = own[p + 1] - own[p]
                        guard count > 0 else { continue }
                        (out.baseAddress! + cursor[p]).initialize(from: source.baseAddress! + own[p], count: count)
                        cursor[p] += count
                    }
                }
                columns[b] = []
            }
            initialized = total
        }
        guard !reordered.isEmpty else { return merged }
        merged.withUnsafeMutableBufferPointer { out in
            var scratch: [T] = []
            for (p, order) in reordered {
                let base = offsets[p]
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: out[base ..< offsets[p + 1]])
                for (i, position) in order.enumerated() { out[base + i] = scratch[Int(position)] }
            }
        }
        return merged
    }
}
