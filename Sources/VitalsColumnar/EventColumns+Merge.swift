import Dispatch

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

/// An event column, as ``EventColumns/assemble(batchOffsets:partitionCount:hasItems:read:decodeTimestamps:decodeValues:)`` asks for it.
public enum EventColumnName: Sendable, Equatable {
    case timestamps, actors, items, quantities
}

extension EventColumns {
    /// The merged table of batches that do not interleave in time (each
    /// batch's rows at or after every earlier batch's), built column by
    /// column without holding the batches: for each column, each batch's
    /// piece is read (`read`: on the calling thread, in batch order) and
    /// decoded (`decodeTimestamps` or `decodeValues`, which fill the buffer
    /// exactly: the batch's row count) into one of two reused buffers
    /// while the batch before it is copied into place. The same table as
    /// ``merge(_:partitionCount:hasItems:)`` of the decoded batches, in the
    /// memory of the table plus two of the largest batch's column instead
    /// of twice the table: fresh memory is what a load at 100 M events
    /// waited on.
    /// - Parameters:
    ///   - batchOffsets: each batch's partition offsets (fewer partitions
    ///     than `partitionCount` is fine: a batch written before the newer
    ///     accounts existed).
    ///   - keeping: per batch, the partitions whose rows go into the table
    ///     (true), nil: all of them. A batch is decoded whole all the same;
    ///     the rows of the others are neither copied nor given memory.
    public static func assemble<Piece: Sendable, E: Error>(
        batchOffsets: [[Int]], partitionCount: Int, hasItems: Bool, keeping: [[Bool]?]? = nil,
        read: (EventColumnName, _ batch: Int) throws(E) -> Piece,
        decodeTimestamps: @Sendable (Piece, UnsafeMutableBufferPointer<UInt32>) throws(E) -> Void,
        decodeValues: @Sendable (Piece, UnsafeMutableBufferPointer<UInt32>) throws(E) -> Void
    ) throws(E) -> EventColumns {
        let plan = MergePlan(blocks: batchOffsets, partitionCount: partitionCount, keeping: keeping)
        let rowCounts = batchOffsets.map { $0.last ?? 0 }
        var narrowScratch: [[UInt32]] = []
        let ts = try plan.gather(rowCounts: rowCounts, scratch: &narrowScratch,
                                 read: { (b) throws(E) in try read(.timestamps, b) }, decode: decodeTimestamps)
        func values(_ column: EventColumnName) throws(E) -> [UInt32] {
            try plan.gather(rowCounts: rowCounts, scratch: &narrowScratch,
                            read: { (b) throws(E) in try read(column, b) }, decode: decodeValues)
        }
        let actors = try values(.actors)
        let items = hasItems ? try values(.items) : [], quantities = hasItems ? try values(.quantities) : []
        return EventColumns(offsets: plan.offsets, timestamps: ts, actors: actors, items: items, quantities: quantities, hasItems: hasItems)
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
    /// Per batch, the partitions whose slices are copied (nil: all).
    let keeping: [[Bool]?]

    /// The plan of batches known not to interleave in time: their slices
    /// are copied in batch order, nothing is reordered.
    /// - Parameter keeping: per batch, the partitions whose rows the table
    ///   takes (nil, or nil for a batch: all); a missing one is not taken.
    init(blocks batchOffsets: [[Int]], partitionCount: Int, keeping: [[Bool]?]? = nil) {
        let keeping = keeping ?? Array(repeating: nil, count: batchOffsets.count)
        precondition(keeping.count == batchOffsets.count, "one partition filter per batch")
        (offsets, sources) = Self.layout(batchOffsets, partitionCount: partitionCount, keeping: keeping)
        reordered = [:]
        self.keeping = keeping
    }

    /// The merged table's offsets (each partition's rows of every batch, in
    /// batch order) and each batch's offsets grown to `partitionCount`.
    private static func layout(_ batchOffsets: [[Int]], partitionCount: Int,
                               keeping: [[Bool]?]) -> (offsets: [Int], sources: [[Int]]) {
        var offsets = [Int](repeating: 0, count: partitionCount + 1)
        var sources: [[Int]] = []
        for (b, own) in batchOffsets.enumerated() {
            precondition(own.count - 1 <= partitionCount, "a batch has more partitions than the merged table")
            let extended = EventColumns.extendedOffsets(own, to: partitionCount)
            if let kept = keeping[b] {
                for p in 0 ..< min(partitionCount, kept.count) where kept[p] { offsets[p + 1] += extended[p + 1] - extended[p] }
            } else {
                for p in 0 ..< partitionCount { offsets[p + 1] += extended[p + 1] - extended[p] }
            }
            sources.append(extended)
        }
        for p in 0 ..< partitionCount { offsets[p + 1] += offsets[p] }
        return (offsets, sources)
    }

    init(_ batches: borrowing [EventColumns], partitionCount: Int) {
        keeping = Array(repeating: nil, count: batches.count)
        let (offsets, sources) = Self.layout(batches.map(\.offsets), partitionCount: partitionCount, keeping: keeping)
        var reordered: [Int: [Int32]] = [:]
        for p in 0 ..< partitionCount {
            // In order when each batch's first row is not earlier than the previous batch's last.
            var lastTs: UInt32 = 0, inOrder = true, batchesHere = 0
            for b in batches.indices where sources[b][p + 1] > sources[b][p] {
                batchesHere += 1
                if batches[b].timestamps[sources[b][p]] < lastTs { inOrder = false }
                lastTs = batches[b].timestamps[sources[b][p + 1] - 1]
            }
            guard !inOrder, batchesHere > 1 else { continue }
            var keyed: [(ts: UInt32, position: Int32)] = []
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

    /// Copies batch `b`'s partitions' slices to where they go; `cursor`
    /// holds where each partition's next rows go. A big batch is copied by
    /// ranges of partitions on all cores: the first touch of the merged
    /// table's fresh pages is most of a load's cost on a VM, and it scales.
    func scatter<T>(batch b: Int, from source: UnsafeBufferPointer<T>, to out: UnsafeMutableBufferPointer<T>, cursor: inout [Int]) {
        let ranges = copyRanges(rows: source.count)
        sources[b].withUnsafeBufferPointer { own in
            cursor.withUnsafeMutableBufferPointer { next in
                let shared = ScatterPointers(source: source, out: out, own: own, next: next, kept: nil)
                if ranges == 1 { shared.copy(range: 0, of: 1) } else { _ = parallelMap(ranges) { shared.copy(range: $0, of: ranges) } }
            }
        }
    }

    /// How many ranges of partitions a batch of `rows` rows is copied by.
    private func copyRanges(rows: Int) -> Int {
        rows >= 1 << 16 && offsets.count - 1 >= 64 ? 8 : 1
    }

    /// One merged column, each batch's values read (`read`: on the calling
    /// thread, in batch order) and decoded (`decode`) into one of two
    /// buffers as large as the largest batch (`scratch`, kept for the next
    /// column). Batch b + 1 is decoded on one core while batch b's slices
    /// are copied into place on the others: a batch's column is one
    /// compressed piece, so a load that decoded, then copied, left a core
    /// idle while it decoded.
    func gather<T: FixedWidthInteger, Piece: Sendable, E: Error>(
        rowCounts: [Int], scratch: inout [[T]],
        read: (Int) throws(E) -> Piece,
        decode: @Sendable (Piece, UnsafeMutableBufferPointer<T>) throws(E) -> Void
    ) throws(E) -> [T] {
        precondition(reordered.isEmpty, "a plan that reorders needs the batches' columns")
        let total = offsets.last ?? 0
        let largest = rowCounts.max() ?? 0
        // The two buffers move out of `scratch` while in use, and back.
        var firstBuffer = scratch.popLast() ?? [], secondBuffer = scratch.popLast() ?? []
        defer { scratch = [firstBuffer, secondBuffer] }
        if firstBuffer.count < largest { firstBuffer = [T](unsafeUninitializedCapacity: largest) { _, n in n = largest } }
        if secondBuffer.count < largest { secondBuffer = [T](unsafeUninitializedCapacity: largest) { _, n in n = largest } }
        var failure: E?
        let merged = [T](unsafeUninitializedCapacity: total) { out, initialized in
            var cursor = Array(offsets.dropLast())
            firstBuffer.withUnsafeMutableBufferPointer { first in
                secondBuffer.withUnsafeMutableBufferPointer { second in
                    func values(_ b: Int) -> UnsafeMutableBufferPointer<T> {
                        UnsafeMutableBufferPointer(rebasing: (b % 2 == 0 ? first : second)[0 ..< rowCounts[b]])
                    }
                    for b in 0 ... rowCounts.count {
                        var piece: Piece?
                        if b < rowCounts.count {
                            do throws(E) { piece = try read(b) } catch {
                                failure = error
                                return
                            }
                        }
                        let copying = b > 0 ? (batch: b - 1, values: UnsafeBufferPointer(values(b - 1))) : nil
                        let decoding = piece.map { (piece: $0, into: values(b)) }
                        if let error = step(copying: copying, to: out, cursor: &cursor, decoding: decoding, decode) {
                            failure = error
                            return
                        }
                    }
                }
            }
            if failure != nil { out.initialize(repeating: 0) }
            initialized = total
        }
        if let failure { throw failure }
        return merged
    }

    /// One step of ``gather(rowCounts:scratch:read:decode:)``: batch
    /// `copying`'s slices copied into place by ranges of partitions while
    /// `decoding`'s piece is decoded, all as tasks for the cores. Returns
    /// the decode's error.
    private func step<T, Piece: Sendable, E: Error>(
        copying: (batch: Int, values: UnsafeBufferPointer<T>)?, to out: UnsafeMutableBufferPointer<T>, cursor: inout [Int],
        decoding: (piece: Piece, into: UnsafeMutableBufferPointer<T>)?,
        _ decode: @Sendable (Piece, UnsafeMutableBufferPointer<T>) throws(E) -> Void
    ) -> E? {
        let ranges = copying.map { copyRanges(rows: $0.values.count) } ?? 0
        let decodes = decoding == nil ? 0 : 1
        let outcome = DecodeOutcome<E>()
        let target = decoding.map { DecodeTarget(piece: $0.piece, into: $0.into) }
        let own = copying.map { sources[$0.batch] } ?? []
        let kept = copying.flatMap { keeping[$0.batch] }
        own.withUnsafeBufferPointer { own in
            cursor.withUnsafeMutableBufferPointer { next in
                withKept(kept) { kept in
                    let shared = ScatterPointers(source: copying?.values ?? UnsafeBufferPointer(start: nil, count: 0), out: out, own: own,
                                                 next: next, kept: kept)
                    DispatchQueue.concurrentPerform(iterations: decodes + ranges) { @Sendable task in
                        guard task >= decodes else {
                            do throws(E) { try decode(target!.piece, target!.into) } catch { outcome.error = error }
                            return
                        }
                        shared.copy(range: task - decodes, of: ranges)
                    }
                }
            }
        }
        return outcome.error
    }

    /// `body` with a batch's partition filter as a buffer (nil: all kept).
    private func withKept<R>(_ kept: [Bool]?, _ body: (UnsafeBufferPointer<Bool>?) -> R) -> R {
        guard let kept else { return body(nil) }
        return kept.withUnsafeBufferPointer { body($0) }
    }

    /// One merged column from the batches' columns, each emptied once copied.
    func gather<T: FixedWidthInteger>(_ columns: inout [[T]]) -> [T] {
        let total = offsets.last ?? 0
        var merged = [T](unsafeUninitializedCapacity: total) { out, initialized in
            // Where the next rows of each partition go: after the earlier batches' rows.
            var cursor = Array(offsets.dropLast())
            for b in columns.indices {
                columns[b].withUnsafeBufferPointer { source in
                    scatter(batch: b, from: source, to: out, cursor: &cursor)
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

/// The buffers one scatter shares with its workers; each worker touches
/// only its own partitions' slots and rows.
private struct ScatterPointers<T>: @unchecked Sendable {
    let source: UnsafeBufferPointer<T>
    let out: UnsafeMutableBufferPointer<T>
    let own: UnsafeBufferPointer<Int>
    let next: UnsafeMutableBufferPointer<Int>
    /// The partitions copied (nil: all; beyond its end: none).
    let kept: UnsafeBufferPointer<Bool>?

    /// Copies range `range` of `ranges` of the partitions' slices of
    /// `source` (at `own`'s offsets) to where each goes next in `out`.
    func copy(range: Int, of ranges: Int) {
        let partitionCount = own.count - 1
        for p in range * partitionCount / ranges ..< (range + 1) * partitionCount / ranges {
            let count = own[p + 1] - own[p]
            guard count > 0 else { continue }
            if let kept, p >= kept.count || !kept[p] { continue }
            (out.baseAddress! + next[p]).initialize(from: source.baseAddress! + own[p], count: count)
            next[p] += count
        }
    }
}

/// Where a step of a gather decodes a batch's piece; only its decode task reads it.
private struct DecodeTarget<T, Piece: Sendable>: @unchecked Sendable {
    let piece: Piece
    let into: UnsafeMutableBufferPointer<T>
}

/// A decode task's error, read once every task of its step has returned.
private final class DecodeOutcome<E: Error>: @unchecked Sendable {
    var error: E?
}
