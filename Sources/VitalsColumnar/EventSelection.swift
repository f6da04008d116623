/// Some rows of each partition of a table, in the table's order, named by
/// where they lie instead of copied: one epoch of an ingest's events, whose
/// columns are encoded straight from the ingest's table.
///
/// Rows `offsets[p] ..< offsets[p + 1]` of the selection are the table's
/// rows `starts[p] ..< starts[p] + (offsets[p + 1] - offsets[p])`, so the
/// selection reads as the table ``EventColumns/slice(from:to:)`` would
/// copy. At 100 M events that copy, epoch by epoch on one core, was a
/// third of the ingest's encoding.
public struct EventSelection: Sendable {
    /// The table the rows are read from.
    public let table: EventColumns
    /// Where each partition's selected rows start in the table.
    public let starts: [Int]
    /// The selection's own partition offsets (`partitionCount + 1`).
    public let offsets: [Int]

    /// Every row of `table`.
    public init(all table: EventColumns) {
        self.table = table
        starts = Array(table.offsets.dropLast())
        offsets = table.offsets
    }

    init(table: EventColumns, starts: [Int], offsets: [Int]) {
        self.table = table
        self.starts = starts
        self.offsets = offsets
    }

    /// Number of rows selected.
    public var count: Int { offsets.last ?? 0 }
    public var partitionCount: Int { offsets.count - 1 }
    /// The bytes of the selected rows as a table (``EventColumns/rawByteCount``).
    public var rawByteCount: Int { EventColumns.rawByteCount(partitionCount: partitionCount, rows: count, hasItems: table.hasItems) }

    /// The table's rows of partition `p` in the selection.
    @inlinable
    public func tableRows(of p: Int) -> Range<Int> { starts[p] ..< starts[p] + (offsets[p + 1] - offsets[p]) }

    /// The selection of each epoch (``EventColumns/epoch(of:seconds:)``)
    /// that has rows, in epoch order: each partition cut once at every
    /// epoch's start.
    public static func epochs(of table: EventColumns, seconds: Int64) -> [(epoch: Int64, rows: EventSelection)] {
        var first = Int64.max, last = Int64.min
        for p in 0 ..< table.partitionCount where !table.rows(of: p).isEmpty {
            first = Swift.min(first, table.timestamps[table.offsets[p]])
            last = Swift.max(last, table.timestamps[table.offsets[p + 1] - 1])
        }
        guard first <= last else { return [] }
        let firstEpoch = EventColumns.epoch(of: first, seconds: seconds), lastEpoch = EventColumns.epoch(of: last, seconds: seconds)
        if firstEpoch == lastEpoch { return [(firstEpoch, EventSelection(all: table))] }
        let bounds = (firstEpoch ... lastEpoch + 1).map { $0 * seconds }
        let epochCount = bounds.count - 1, partitionCount = table.partitionCount
        var starts = [[Int]](repeating: [Int](repeating: 0, count: partitionCount), count: epochCount)
        var offsets = [[Int]](repeating: [Int](repeating: 0, count: partitionCount + 1), count: epochCount)
        for p in 0 ..< partitionCount {
            let cuts = table.cuts(of: p, at: bounds)
            for e in 0 ..< epochCount {
                starts[e][p] = cuts[e]
                offsets[e][p + 1] = offsets[e][p] + (cuts[e + 1] - cuts[e])
            }
        }
        return (0 ..< epochCount).compactMap { e in
            offsets[e][partitionCount] == 0 ? nil
                : (firstEpoch + Int64(e), EventSelection(table: table, starts: starts[e], offsets: offsets[e]))
        }
    }

    /// Copies the selection's rows `rows` of `column` (one of the table's
    /// columns) into `out`, which holds `rows.count` values: each
    /// partition's run of rows as one block.
    public func gather<T>(_ column: [T], rows: Range<Int>, into out: UnsafeMutableBufferPointer<T>) {
        precondition(out.count == rows.count && rows.upperBound <= count, "gather bounds")
        guard !rows.isEmpty else { return }
        // The partition holding the first row: the last whose offset is at or before it.
        var low = 0, high = partitionCount
        while low < high {
            let mid = (low + high + 1) >> 1
            if offsets[mid] <= rows.lowerBound { low = mid } else { high = mid - 1 }
        }
        column.withUnsafeBufferPointer { source in
            var p = low, position = rows.lowerBound
            while position < rows.upperBound {
                let end = Swift.min(rows.upperBound, offsets[p + 1])
                if end > position {
                    (out.baseAddress! + (position - rows.lowerBound))
                        .initialize(from: source.baseAddress! + starts[p] + (position - offsets[p]), count: end - position)
                    position = end
                }
                p += 1
            }
        }
    }

    /// The earliest and latest timestamps selected (nil: no rows); each
    /// partition's rows are in time order.
    public var timestampBounds: (min: Int64, max: Int64)? {
        var first = Int64.max, last = Int64.min
        for p in 0 ..< partitionCount {
            let rows = tableRows(of: p)
            guard !rows.isEmpty else { continue }
            first = Swift.min(first, table.timestamps[rows.lowerBound])
            last = Swift.max(last, table.timestamps[rows.upperBound - 1])
        }
        return first <= last ? (first, last) : nil
    }
}
