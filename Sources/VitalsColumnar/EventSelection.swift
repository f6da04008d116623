/// Some rows of each partition of one or more tables, named by where they
/// lie instead of copied: one epoch of an ingest's events, whose columns are
/// encoded straight from the parts the ingest parsed.
///
/// A partition's selected rows are runs of rows of the tables, in table
/// order, so the selection reads as the table that merging the tables
/// (``EventColumns/merge(_:partitionCount:hasItems:)``) and then slicing
/// an epoch (``EventColumns/slice(from:to:)``) would copy (a partition
/// whose rows interleave in time across the tables is merged apart first:
/// ``epochs(of:seconds:)``). At 100 M events those two copies were a third
/// of the ingest's encoding and most of its merge, in fresh pages.
public struct EventSelection: Sendable {
    /// The tables the rows are read from.
    public let tables: [EventColumns]
    /// The selection's own partition offsets (`partitionCount + 1`).
    public let offsets: [Int]
    /// Partition `p`'s rows are the runs `runStarts[p] ..< runStarts[p + 1]`;
    /// run `r` is rows `runRows[r] ..< runRows[r] + runCounts[r]` of table `runTables[r]`.
    @usableFromInline let runStarts: [Int]
    @usableFromInline let runTables: [UInt32]
    @usableFromInline let runRows: [Int]
    @usableFromInline let runCounts: [UInt32]

    /// Every row of `table`.
    public init(all table: EventColumns) {
        var runs = RunList()
        for p in 0 ..< table.partitionCount where table.offsets[p + 1] > table.offsets[p] {
            runs.append(table: 0, partition: p, rows: table.offsets[p] ..< table.offsets[p + 1])
        }
        self = runs.selection(of: [table], partitionCount: table.partitionCount)
    }

    init(tables: [EventColumns], offsets: [Int], runStarts: [Int], runTables: [UInt32], runRows: [Int], runCounts: [UInt32]) {
        self.tables = tables
        self.offsets = offsets
        self.runStarts = runStarts
        self.runTables = runTables
        self.runRows = runRows
        self.runCounts = runCounts
    }

    /// Number of rows selected.
    public var count: Int { offsets.last ?? 0 }
    public var partitionCount: Int { offsets.count - 1 }
    public var hasItems: Bool { tables.first?.hasItems ?? false }
    /// The bytes of the selected rows as a table (``EventColumns/rawByteCount``).
    public var rawByteCount: Int { EventColumns.rawByteCount(partitionCount: partitionCount, rows: count, hasItems: hasItems) }

    /// Calls `body` with each run of partition `p`'s rows, in order: a table and its rows.
    @inlinable
    public func forEachRun(of p: Int, _ body: (_ table: Int, _ rows: Range<Int>) -> Void) {
        for r in runStarts[p] ..< runStarts[p + 1] {
            body(Int(runTables[r]), runRows[r] ..< runRows[r] + Int(runCounts[r]))
        }
    }

    /// The selection of each epoch (``EventColumns/epoch(of:seconds:)``)
    /// that has rows, in epoch order, over `tables` taken in order (an
    /// ingest's parts, in file order): as the table merging them gives.
    /// Each table is cut only at the epoch starts within its own time
    /// span. A partition whose rows interleave in time across the tables
    /// (an account cut between two parts of a file) is merged into a small
    /// table of its own, sorted as the merge sorts it.
    ///
    /// - Parameter within: only the epochs in this range (``EpochStream``
    ///   gives out a file's epochs a few at a time).
    public static func epochs(of tables: [EventColumns], seconds: Int64,
                              within: Range<Int64> = .min ..< .max) -> [(epoch: Int64, rows: EventSelection)] {
        guard let partitionCount = tables.first?.partitionCount else { return [] }
        precondition(tables.allSatisfy { $0.partitionCount == partitionCount }, "tables of one partition count")
        var tables = tables
        let parts = tables.count
        let interleaved = interleavedPartitions(tables, partitionCount: partitionCount)
        if !interleaved.isEmpty { tables.append(merged(interleaved, of: tables)) }
        let spans = tables.map(\.timestampSpan)
        guard let first = spans.compactMap({ $0?.first }).min(), let last = spans.compactMap({ $0?.last }).max() else { return [] }
        let firstEpoch = EventColumns.epoch(of: first, seconds: seconds), lastEpoch = EventColumns.epoch(of: last, seconds: seconds)
        guard firstEpoch < within.upperBound && lastEpoch >= within.lowerBound else { return [] }
        if tables.count == 1 && firstEpoch == lastEpoch { return [(firstEpoch, EventSelection(all: tables[0]))] }
        // The epochs given out: those of the range the rows reach.
        let low = Swift.max(firstEpoch, within.lowerBound), high = Swift.min(lastEpoch, within.upperBound - 1)
        var epochs = [RunList](repeating: RunList(), count: Int(high - low) + 1)
        // A table whose rows all lie in one epoch, or in none of the range, is not searched.
        let tableEpochs: [(first: Int64, last: Int64)] = spans.map { span in
            span.map { (EventColumns.epoch(of: $0.first, seconds: seconds), EventColumns.epoch(of: $0.last, seconds: seconds)) } ?? (1, 0)
        }
        for t in tables.indices {
            let (a, b) = tableEpochs[t]
            guard a <= b, a <= high, b >= low else { continue }
            let table = tables[t], sources = t < parts ? (0 ..< partitionCount).filter { !interleaved.contains($0) } : interleaved.sorted()
            table.timestamps.withUnsafeBufferPointer { ts in
                table.offsets.withUnsafeBufferPointer { offsets in
                    for p in sources where offsets[p + 1] > offsets[p] {
                        let end = offsets[p + 1]
                        var start = offsets[p]
                        // A partition's rows are in time order: each epoch's are the run up to the next epoch's start.
                        let e0 = a == b ? a : EventColumns.epoch(of: Int64(ts[start]), seconds: seconds)
                        let e1 = a == b ? a : EventColumns.epoch(of: Int64(ts[end - 1]), seconds: seconds)
                        for e in e0 ... e1 where start < end {
                            let next = e == e1 ? end : EventColumns.firstIndex(ts, in: start ..< end, notBelow: (e + 1) * seconds)
                            if next > start && e >= low && e <= high { epochs[Int(e - low)].append(table: t, partition: p, rows: start ..< next) }
                            start = next
                        }
                    }
                }
            }
        }
        let all = tables
        return epochs.enumerated().compactMap { e, runs in
            runs.rowCount == 0 ? nil : (low + Int64(e), runs.selection(of: all, partitionCount: partitionCount))
        }
    }

    /// The partitions in which some table's first row is earlier than the
    /// last row of a table before it.
    static func interleavedPartitions(_ tables: [EventColumns], partitionCount: Int) -> Set<Int> {
        guard tables.count > 1 else { return [] }
        var latest = [Int64](repeating: .min, count: partitionCount)
        var interleaved: Set<Int> = []
        for table in tables {
            table.timestamps.withUnsafeBufferPointer { ts in
                table.offsets.withUnsafeBufferPointer { offsets in
                    for p in 0 ..< partitionCount where offsets[p + 1] > offsets[p] {
                        if Int64(ts[offsets[p]]) < latest[p] { interleaved.insert(p) }
                        latest[p] = Swift.max(latest[p], Int64(ts[offsets[p + 1] - 1]))
                    }
                }
            }
        }
        return interleaved
    }

    /// The rows of `partitions` from every table, in one table sorted by
    /// (partition, time, then table and row order): the order
    /// ``EventColumns/merge(_:partitionCount:hasItems:)`` gives them.
    static func merged(_ partitions: Set<Int>, of tables: [EventColumns]) -> EventColumns {
        let hasItems = tables[0].hasItems
        var builder = EventColumnsBuilder(hasItems: hasItems)
        for p in partitions.sorted() {
            for table in tables {
                for i in table.rows(of: p) {
                    builder.append(partition: UInt32(p), timestamp: table.timestamps[i], actor: table.actors[i],
                                   item: hasItems ? table.items[i] : 0, quantity: hasItems ? table.quantities[i] : 0)
                }
            }
        }
        return builder.build(partitionCount: tables[0].partitionCount)
    }

    /// An epoch's runs as they are found, table by table (each table's
    /// partitions in order); the selection orders them by partition, then
    /// table.
    struct RunList {
        var partitions: [UInt32] = [], runTables: [UInt32] = [], runRows: [Int] = [], runCounts: [UInt32] = []
        var rowCount = 0

        mutating func append(table: Int, partition: Int, rows: Range<Int>) {
            partitions.append(UInt32(partition))
            runTables.append(UInt32(table))
            runRows.append(rows.lowerBound)
            runCounts.append(UInt32(rows.count))
            rowCount += rows.count
        }

        /// The runs by partition (a stable counting sort: each partition's in the order appended).
        func selection(of tables: [EventColumns], partitionCount: Int) -> EventSelection {
            var runStarts = [Int](repeating: 0, count: partitionCount + 1)
            var offsets = [Int](repeating: 0, count: partitionCount + 1)
            for (r, p) in partitions.enumerated() {
                runStarts[Int(p) + 1] += 1
                offsets[Int(p) + 1] += Int(runCounts[r])
            }
            for p in 0 ..< partitionCount {
                runStarts[p + 1] += runStarts[p]
                offsets[p + 1] += offsets[p]
            }
            var next = runStarts
            var tablesOut = [UInt32](repeating: 0, count: partitions.count), rowsOut = [Int](repeating: 0, count: partitions.count)
            var countsOut = [UInt32](repeating: 0, count: partitions.count)
            for (r, p) in partitions.enumerated() {
                let slot = next[Int(p)]
                next[Int(p)] += 1
                tablesOut[slot] = runTables[r]
                rowsOut[slot] = runRows[r]
                countsOut[slot] = runCounts[r]
            }
            return EventSelection(tables: tables, offsets: offsets, runStarts: runStarts, runTables: tablesOut, runRows: rowsOut, runCounts: countsOut)
        }
    }

    /// Copies the selection's rows `rows` of a column into `out`, which
    /// holds `rows.count` values; `columns` holds that column of each
    /// table, in table order. Each run is copied as one block. Inlinable,
    /// so the encoder's module specializes it (unspecialized, each call
    /// looked up its closure's generic metadata: 1 % of an ingest's CPU).
    @inlinable
    public func gather<T>(_ columns: [[T]], rows: Range<Int>, into out: UnsafeMutableBufferPointer<T>) {
        precondition(out.count == rows.count, "gather bounds")
        gather(columns, rows: rows) { source, at, take in (out.baseAddress! + at).initialize(from: source, count: take) }
    }

    /// The same for the timestamps, widened to the 64-bit seconds the
    /// store's segments keep.
    @inlinable
    public func gather(_ columns: [[UInt32]], rows: Range<Int>, into out: UnsafeMutableBufferPointer<Int64>) {
        precondition(out.count == rows.count, "gather bounds")
        gather(columns, rows: rows) { source, at, take in
            for i in 0 ..< take { out[at + i] = Int64(source[i]) }
        }
    }

    /// Hands each run's part inside `rows` to `copy`: where it starts in
    /// its table's column, where it goes in the output, and how many rows.
    @inlinable
    func gather<T>(_ columns: [[T]], rows: Range<Int>, copy: (UnsafePointer<T>, _ at: Int, _ take: Int) -> Void) {
        precondition(rows.upperBound <= count && columns.count == tables.count, "gather bounds")
        guard !rows.isEmpty else { return }
        // The partition holding the first row: the last whose offset is at or before it.
        var low = 0, high = partitionCount
        while low < high {
            let mid = (low + high + 1) >> 1
            if offsets[mid] <= rows.lowerBound { low = mid } else { high = mid - 1 }
        }
        // Each table's column base, used below while `columns` keeps every
        // array alive and unchanged (an array's storage does not move then).
        var sources: [UnsafePointer<T>] = []
        for column in columns { column.withUnsafeBufferPointer { sources.append($0.baseAddress ?? UnsafePointer(bitPattern: 1)!) } }
        withExtendedLifetime(columns) {
            var position = offsets[low], r = runStarts[low]
            var written = 0
            while written < rows.count {
                let runCount = Int(runCounts[r])
                // The part of this run inside `rows`.
                let skip = Swift.max(0, rows.lowerBound - position)
                let take = Swift.min(runCount - skip, rows.upperBound - (position + skip))
                if take > 0 {
                    copy(sources[Int(runTables[r])] + runRows[r] + skip, written, take)
                    written += take
                }
                position += runCount
                r += 1
            }
        }
    }

    /// The earliest and latest timestamps selected (nil: no rows); each
    /// partition's runs are in time order.
    public var timestampBounds: (min: Int64, max: Int64)? {
        var first = Int64.max, last = Int64.min
        for p in 0 ..< partitionCount where runStarts[p + 1] > runStarts[p] {
            let head = runStarts[p], tail = runStarts[p + 1] - 1
            first = Swift.min(first, Int64(tables[Int(runTables[head])].timestamps[runRows[head]]))
            last = Swift.max(last, Int64(tables[Int(runTables[tail])].timestamps[runRows[tail] + Int(runCounts[tail]) - 1]))
        }
        return first <= last ? (first, last) : nil
    }
}
