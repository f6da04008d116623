import Testing
@testable import VitalsColumnar

/// Cutting a table by time and the digest a reader keeps of the rows it skips.
@Suite struct EpochTests {
    func build(_ rows: [(partition: UInt32, ts: Int64, actor: UInt32, item: UInt32)], partitions: Int) -> EventColumns {
        var builder = EventColumnsBuilder(hasItems: true)
        for r in rows { builder.append(partition: r.partition, timestamp: UInt32(r.ts), actor: r.actor, item: r.item, quantity: 1) }
        return builder.build(partitionCount: partitions)
    }

    /// `count` random rows (seeded): partitions below `partitions`, times in
    /// `times`, 30 actors, 6 items.
    func randomTable(seed: UInt64, count: Int, partitions: Int, times: Range<Int64>) -> EventColumns {
        var state = seed
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let span = UInt64(times.count)
        return build((0 ..< count).map { _ in
            (UInt32(next() % UInt64(partitions - 1)), times.lowerBound + Int64(next() % span), UInt32(next() % 30), UInt32(next() % 6))
        }, partitions: partitions)
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
        let table = randomTable(seed: 7, count: 2_000, partitions: 12, times: 0 ..< 500)
        var pieces: [EventColumns] = []
        for epoch in Int64(0) ... 10 {
            let piece = table.slice(from: epoch * 50, to: (epoch + 1) * 50)
            #expect(piece.partitionCount == 12)
            #expect(piece.timestamps.allSatisfy { EventColumns.epoch(of: Int64($0), seconds: 50) == epoch })
            pieces.append(piece)
        }
        #expect(pieces.reduce(0) { $0 + $1.count } == table.count)
        #expect(EventColumns.merge(pieces, partitionCount: 12, hasItems: true) == table)
    }

    /// Each epoch's selection reads as the slice of that epoch: its
    /// offsets, any run of its rows gathered from each column, its time
    /// bounds, its byte count and its digest; the epochs with no rows are
    /// left out.
    @Test func epochSelectionsReadAsTheSlicesTheyName() {
        let table = randomTable(seed: 5, count: 2_500, partitions: 14, times: 0 ..< 600)
        let selections = EventSelection.epochs(of: [table], seconds: 50)
        let withRows = (Int64(0) ... 12).filter { table.slice(from: $0 * 50, to: ($0 + 1) * 50).count > 0 }
        #expect(selections.map(\.epoch) == withRows)
        for (epoch, rows) in selections {
            let slice = table.slice(from: epoch * 50, to: (epoch + 1) * 50)
            #expect(rows.offsets == slice.offsets)
            #expect(rows.rawByteCount == slice.rawByteCount)
            #expect(rows.timestampBounds?.min == slice.timestamps.min().map(Int64.init) && rows.timestampBounds?.max == slice.timestamps.max().map(Int64.init))
            for range in [0 ..< slice.count, 0 ..< 0, 1 ..< slice.count, slice.count / 3 ..< slice.count / 2, slice.count - 1 ..< slice.count] {
                func gathered<T: FixedWidthInteger>(_ column: [T]) -> [T] {
                    [T](unsafeUninitializedCapacity: range.count) { out, n in
                        rows.gather([column], rows: range, into: out)
                        n = range.count
                    }
                }
                #expect(gathered(table.timestamps) == Array(slice.timestamps[range]), "epoch \(epoch) rows \(range)")
                #expect(gathered(table.actors) == Array(slice.actors[range]))
                #expect(gathered(table.items) == Array(slice.items[range]))
            }
            #expect(EventDigest(rows, lastByActor: true, lastByPartition: true, itemPairs: true)
                == EventDigest(slice, lastByActor: true, lastByPartition: true, itemPairs: true))
        }
        let whole = EventSelection(all: table)
        #expect(whole.offsets == table.offsets && whole.count == table.count)
        #expect(EventSelection.epochs(of: [.empty(partitionCount: 3, hasItems: false)], seconds: 50).isEmpty)
    }

    /// A file parsed in parts (each sorted on its own) reads, epoch by
    /// epoch, as the slices of the parts merged: whether the parts follow
    /// each other in time or an account's rows interleave across them
    /// (then those accounts are merged apart, in the merge's order).
    @Test(arguments: [false, true])
    func epochsOfPartsReadAsTheMergedTablesSlices(interleaved: Bool) {
        var state: UInt64 = interleaved ? 17 : 19
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        // Rows in file order: in time order by day when not interleaved, any time otherwise; many share a second.
        let rows = (0 ..< 3_000).map { i -> (partition: UInt32, ts: Int64, actor: UInt32, item: UInt32) in
            let ts = interleaved ? Int64(next() % 600) : Int64(i / 5)
            return (UInt32(next() % 11), ts, UInt32(next() % 30), UInt32(next() % 6))
        }
        let cuts = [0, 700, 1_900, 2_000, 3_000]
        let parts = (0 ..< 4).map { build(Array(rows[cuts[$0] ..< cuts[$0 + 1]]), partitions: 12) }
        let merged = EventColumns.merge(parts, partitionCount: 12, hasItems: true)
        #expect(merged == build(rows, partitions: 12))
        let selections = EventSelection.epochs(of: parts, seconds: 50)
        #expect(selections.map(\.epoch) == (Int64(0) ... 11).filter { merged.slice(from: $0 * 50, to: ($0 + 1) * 50).count > 0 })
        for (epoch, rows) in selections {
            let slice = merged.slice(from: epoch * 50, to: (epoch + 1) * 50)
            #expect(rows.offsets == slice.offsets)
            for range in [0 ..< slice.count, slice.count / 4 ..< slice.count - slice.count / 4] {
                func gathered<T: FixedWidthInteger>(_ column: KeyPath<EventColumns, [T]>) -> [T] {
                    [T](unsafeUninitializedCapacity: range.count) { out, n in
                        rows.gather(rows.tables.map { $0[keyPath: column] }, rows: range, into: out)
                        n = range.count
                    }
                }
                #expect(gathered(\.timestamps) == Array(slice.timestamps[range]), "epoch \(epoch) rows \(range)")
                #expect(gathered(\.actors) == Array(slice.actors[range]))
                #expect(gathered(\.quantities) == Array(slice.quantities[range]))
            }
            #expect(EventDigest(rows, lastByActor: true, lastByPartition: true, itemPairs: true)
                == EventDigest(slice, lastByActor: true, lastByPartition: true, itemPairs: true))
            #expect(rows.timestampBounds?.min == slice.timestamps.min().map(Int64.init) && rows.timestampBounds?.max == slice.timestamps.max().map(Int64.init))
        }
        #expect(EventSelection.interleavedPartitions(parts, partitionCount: 12).isEmpty == !interleaved)
    }

    /// The selected rows as a table of their own.
    func table(of rows: EventSelection) -> EventColumns {
        func gathered<T: FixedWidthInteger>(_ column: KeyPath<EventColumns, [T]>) -> [T] {
            [T](unsafeUninitializedCapacity: rows.count) { out, n in
                rows.gather(rows.tables.map { $0[keyPath: column] }, rows: 0 ..< rows.count, into: out)
                n = rows.count
            }
        }
        return EventColumns(offsets: rows.offsets, timestamps: gathered(\.timestamps), actors: gathered(\.actors), items: gathered(\.items),
                            quantities: gathered(\.quantities), hasItems: true)
    }

    /// A file parsed part by part and given out an epoch at a time gives
    /// every row once, each selection within one epoch and in the merge's
    /// order: in time order (one selection per epoch, as soon as complete,
    /// holding a few parts), a little out of order (late rows in
    /// selections of their own), or by account (everything at the end).
    @Test(arguments: ["time", "jitter", "account"])
    func anEpochStreamGivesEveryRowOnceAnEpochAtATime(order: String) {
        var state: UInt64 = 23
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        // 40 epochs of 50 s; rows in file order.
        var rows = (0 ..< 8_000).map { i -> (partition: UInt32, ts: Int64, actor: UInt32, item: UInt32) in
            (UInt32(next() % 11), Int64(i / 4), UInt32(next() % 30), UInt32(next() % 6))
        }
        if order == "jitter" {
            for i in stride(from: 0, to: rows.count - 1_000, by: 97) { rows.swapAt(i, i + Int(next() % 1_000)) }
        } else if order == "account" {
            rows.sort { ($0.partition, $0.ts) < ($1.partition, $1.ts) }
        }
        let parts = stride(from: 0, to: rows.count, by: 250).map { build(Array(rows[$0 ..< min($0 + 250, rows.count)]), partitions: 12) }
        var stream = EpochStream(seconds: 50)
        var given: [(afterPart: Int, rows: EventSelection)] = [], held = 0
        for (n, part) in parts.enumerated() {
            given += stream.add(part).map { (n, $0) }
            held = max(held, stream.heldParts)
        }
        given += stream.finish().map { (parts.count, $0) }
        let merged = EventColumns.merge(parts, partitionCount: 12, hasItems: true)
        #expect(given.reduce(0) { $0 + $1.rows.count } == merged.count)
        #expect(given.allSatisfy { $0.rows.count > 0 })
        var byEpoch: [Int64: [EventColumns]] = [:]
        for (_, rows) in given {
            let bounds = rows.timestampBounds!
            let epoch = EventColumns.epoch(of: bounds.min, seconds: 50)
            #expect(epoch == EventColumns.epoch(of: bounds.max, seconds: 50))
            byEpoch[epoch, default: []].append(table(of: rows))
        }
        for (epoch, tables) in byEpoch {
            #expect(EventColumns.merge(tables, partitionCount: 12, hasItems: true) == merged.slice(from: epoch * 50, to: (epoch + 1) * 50), "epoch \(epoch)")
        }
        switch order {
        case "time":
            #expect(byEpoch.count == 40 && byEpoch.values.allSatisfy { $0.count == 1 })
            #expect(held <= 3)
            #expect(given.filter { $0.afterPart < parts.count }.count >= 35)  // given out along the way, not at the end
        default:
            // Late rows: one more selection for some epochs (at most one each), at the end.
            #expect(byEpoch.count == 40 && byEpoch.values.contains { $0.count == 2 } && byEpoch.values.allSatisfy { $0.count <= 2 })
        }
    }

    /// Epoch slices assembled column by column, each batch's values handed
    /// in through one reused buffer, give the table back: the load's path.
    @Test func assemblingEpochSlicesColumnByColumnGivesTheTableBack() {
        let table = randomTable(seed: 11, count: 3_000, partitions: 15, times: 0 ..< 500)
        var pieces = (0 ..< 10).map { table.slice(from: Int64($0) * 50, to: Int64($0 + 1) * 50) }
        // An early batch written when only 9 accounts existed, and an empty batch.
        pieces[0] = build((0 ..< 40).map { i in (UInt32(i % 9), Int64(i), UInt32(i), UInt32(1)) }, partitions: 9)
        pieces.insert(build([], partitions: 15), at: 4)
        let handedOut = pieces
        var reads: [(EventColumnName, Int)] = []
        let assembled = EventColumns.assemble(
            batchOffsets: pieces.map(\.offsets), partitionCount: 15, hasItems: true,
            read: { column, b in
                reads.append((column, b))
                return (column, b)
            },
            decodeTimestamps: { piece, buffer in
                #expect(piece.0 == .timestamps && buffer.count == handedOut[piece.1].count)
                _ = buffer.initialize(from: handedOut[piece.1].timestamps)
            },
            decodeValues: { piece, buffer in
                #expect(buffer.count == handedOut[piece.1].count)
                switch piece.0 {
                case .actors: _ = buffer.initialize(from: handedOut[piece.1].actors)
                case .items: _ = buffer.initialize(from: handedOut[piece.1].items)
                case .quantities: _ = buffer.initialize(from: handedOut[piece.1].quantities)
                case .timestamps: Issue.record("timestamps asked as 32-bit values")
                }
            })
        // Each column's pieces are read once, in batch order, column after column.
        let columns: [EventColumnName] = [.timestamps, .actors, .items, .quantities]
        #expect(reads.map(\.0) == columns.flatMap { Array(repeating: $0, count: pieces.count) })
        #expect(reads.map(\.1) == Array(repeating: Array(pieces.indices), count: 4).flatMap { $0 })
        #expect(assembled == EventColumns.merge(pieces, partitionCount: 15, hasItems: true))
        #expect(assembled.count == pieces.reduce(0) { $0 + $1.count } && assembled.partitionCount == 15)
    }

    /// Batches big enough that their slices are copied on all cores (by
    /// ranges of partitions) still give the table back, both ways.
    @Test func bigBatchesCopiedOnAllCoresGiveTheTableBack() {
        let table = randomTable(seed: 5, count: 300_000, partitions: 150, times: 0 ..< 3_000)
        let pieces = (0 ..< 3).map { table.slice(from: Int64($0) * 1_000, to: Int64($0 + 1) * 1_000) }
        #expect(pieces.allSatisfy { $0.count >= 1 << 16 })
        #expect(EventColumns.merge(pieces, partitionCount: 150, hasItems: true) == table)
        let assembled = EventColumns.assemble(
            batchOffsets: pieces.map(\.offsets), partitionCount: 150, hasItems: true,
            read: { column, b in (column, b) },
            decodeTimestamps: { piece, buffer in _ = buffer.initialize(from: pieces[piece.1].timestamps) },
            decodeValues: { piece, buffer in
                let (column, b) = piece
                _ = buffer.initialize(from: column == .actors ? pieces[b].actors : column == .items ? pieces[b].items : pieces[b].quantities)
            })
        #expect(assembled == table)
    }

    /// Older batches assembled for some partitions alone (a fit's sampled
    /// accounts) give the table of those partitions' rows of them and
    /// every row of the others, on one core and on all (big batches).
    @Test(arguments: [(1_500, 15), (300_000, 150)])
    func batchesAssembledForSomePartitionsKeepTheirRowsAlone(count: Int, partitions: Int) {
        let table = randomTable(seed: 17, count: count, partitions: partitions, times: 0 ..< 400)
        let pieces = (0 ..< 4).map { table.slice(from: Int64($0) * 100, to: Int64($0 + 1) * 100) }
        // Every third partition of the first two batches; a filter shorter than the table keeps none beyond it.
        let kept = (0 ..< partitions - 2).map { $0 % 3 == 1 }
        let keeping: [[Bool]?] = [kept, kept, nil, nil]
        let assembled = EventColumns.assemble(
            batchOffsets: pieces.map(\.offsets), partitionCount: partitions, hasItems: true, keeping: keeping,
            read: { column, b in (column, b) },
            decodeTimestamps: { piece, buffer in _ = buffer.initialize(from: pieces[piece.1].timestamps) },
            decodeValues: { piece, buffer in
                let (column, b) = piece
                _ = buffer.initialize(from: column == .actors ? pieces[b].actors : column == .items ? pieces[b].items : pieces[b].quantities)
            })
        // The expected table, row by row: a filtered batch's rows of its kept partitions, then the later batches'.
        var rows: [(partition: UInt32, ts: Int64, actor: UInt32, item: UInt32)] = []
        for (b, piece) in pieces.enumerated() {
            for p in 0 ..< partitions where keeping[b].map({ p < $0.count && $0[p] }) ?? true {
                for row in piece.rows(of: p) { rows.append((UInt32(p), Int64(piece.timestamps[row]), piece.actors[row], piece.items[row])) }
            }
        }
        let expected = build(rows, partitions: partitions)
        #expect(assembled == expected)
        #expect(assembled.count < table.count && assembled.count > pieces[2].count + pieces[3].count)
        // A kept partition has its rows of every batch; another, of the last two alone.
        #expect(assembled.rows(of: 1).count == table.rows(of: 1).count)
        #expect(assembled.rows(of: 2).count == pieces[2].rows(of: 2).count + pieces[3].rows(of: 2).count)
    }

    /// A batch that cannot be read or decoded fails the whole table with
    /// its own error, whichever step of the pipeline meets it.
    @Test(arguments: [EventColumnName.timestamps, .actors, .quantities])
    func aBatchThatFailsToReadOrDecodeFailsTheTable(column: EventColumnName) {
        struct BadPiece: Error, Equatable { var column: EventColumnName, batch: Int, reading: Bool }
        let table = randomTable(seed: 3, count: 200_000, partitions: 100, times: 0 ..< 1_000)
        let pieces = (0 ..< 4).map { table.slice(from: Int64($0) * 250, to: Int64($0 + 1) * 250) }
        for reading in [true, false] {
            for bad in [0, 2, 3] {
                #expect(throws: BadPiece(column: column, batch: bad, reading: reading)) {
                    try EventColumns.assemble(
                        batchOffsets: pieces.map(\.offsets), partitionCount: 100, hasItems: true,
                        read: { (c, b) throws(BadPiece) in
                            if reading, c == column, b == bad { throw BadPiece(column: c, batch: b, reading: true) }
                            return (c, b)
                        },
                        decodeTimestamps: { (piece, buffer) throws(BadPiece) in
                            if !reading, column == .timestamps, piece.1 == bad { throw BadPiece(column: .timestamps, batch: bad, reading: false) }
                            _ = buffer.initialize(from: pieces[piece.1].timestamps)
                        },
                        decodeValues: { (piece, buffer) throws(BadPiece) in
                            let (c, b) = piece
                            if !reading, c == column, b == bad { throw BadPiece(column: c, batch: b, reading: false) }
                            _ = buffer.initialize(from: c == .actors ? pieces[b].actors : c == .items ? pieces[b].items : pieces[b].quantities)
                        })
                }
            }
        }
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
