import VitalsColumnar

/// The two kinds of events the store keeps in columnar form.
public enum EventKind: String, Sendable, CaseIterable {
    case login
    case featureUsage = "feature_usage"

    /// Whether the kind has a feature (item) and a count (quantity) column.
    var hasItems: Bool { self == .featureUsage }

    /// What a reader that skips a batch of this kind needs from its digest:
    /// for logins, each user's and each account's latest login (last_login,
    /// recency); for feature uses, the features each account used (the
    /// agency's features "used at any time up to T").
    func digest(of columns: EventColumns) -> EventDigest {
        digest(of: EventSelection(all: columns))
    }

    func digest(of rows: EventSelection) -> EventDigest {
        EventDigest(rows, lastByActor: self == .login, lastByPartition: self == .login, itemPairs: hasItems)
    }
}

/// One batch of events encoded for the `event_segments` table.
struct EncodedBatch: Sendable {
    var kind: EventKind
    var rowCount: Int
    var partitionCount: Int
    var minTs: Int64?
    var maxTs: Int64?
    var rawBytes: Int
    var storedBytes: Int
    var segments: [EncodedSegment]
}

/// One piece of one column: up to ``EventBatchCodec/pieceRows`` values.
struct EncodedSegment: Sendable {
    var column: String
    var piece: Int
    var bytes: [UInt8]
}

/// Encodes ``EventColumns`` into column segments and back. Columns are split
/// into pieces so SQLite blobs stay small and both cores compress.
enum EventBatchCodec {
    static let pieceRows = 1 << 20
    /// Stored batches stay within one epoch of this many seconds (7 days, from
    /// 1970-01-01, a Thursday), so that a reader that needs only the recent
    /// weeks skips the older epochs' columns and reads their digests.
    static let epochSeconds: Int64 = 7 * 86_400
    /// The digest's columns, stored beside the batch's (a batch written
    /// before digests existed has none and is always decoded).
    static let digestColumns = ["digest_actor", "digest_actor_ts", "digest_partition", "digest_partition_ts",
                                "digest_pair_partition", "digest_pair_item"]

    /// `columns` as one batch.
    static func encode(_ columns: EventColumns, kind: EventKind) throws(StoreError) -> EncodedBatch {
        try encode([EventSelection(all: columns)], kind: kind)[0]
    }

    /// Each selection as a batch: every batch's segments (its offsets, its
    /// digest, each column's pieces) are jobs for all cores, each column
    /// piece gathered from the table straight into its worker's buffer.
    static func encode(_ selections: [EventSelection], kind: EventKind) throws(StoreError) -> [EncodedBatch] {
        let jobs = self.jobs(selections, kind: kind)
        let results = parallelMap(jobs.count, state: { ColumnSegmentEncoder() }) { encoder, index in
            run(jobs[index].job, of: selections[jobs[index].batch], kind: kind, encoder: &encoder)
        }
        return try batches(selections, kind: kind, jobs: jobs, results: results)
    }

    /// One segment (or a few: the digest's columns) to encode of one selection.
    enum Job: Sendable {
        case offsets
        case column(EventColumnName, piece: Int)
        case digest
    }

    /// The jobs that encode `selections`, each with its selection's position.
    static func jobs(_ selections: [EventSelection], kind: EventKind) -> [(batch: Int, job: Job)] {
        var names: [EventColumnName] = [.timestamps, .actors]
        if kind.hasItems { names += [.items, .quantities] }
        var jobs: [(batch: Int, job: Job)] = []
        for (b, rows) in selections.enumerated() {
            let pieceCount = max(1, (rows.count + pieceRows - 1) / pieceRows)
            jobs += [(b, .offsets), (b, .digest)]
            for name in names { for piece in 0 ..< pieceCount { jobs.append((b, .column(name, piece: piece))) } }
        }
        return jobs
    }

    /// Runs one job on `rows`.
    static func run(_ job: Job, of rows: EventSelection, kind: EventKind, encoder: inout ColumnSegmentEncoder) -> Result<[EncodedSegment], ZstdError> {
        do throws(ZstdError) {
            switch job {
            case .offsets:
                return .success([EncodedSegment(column: "offsets", piece: 0,
                                                bytes: try encoder.encode(rows.offsets.map { Int64($0) }, encoding: [.delta, .shuffle]))])
            case .digest:
                let digest = kind.digest(of: rows)
                let names = digestColumns
                return .success([
                    EncodedSegment(column: names[0], piece: 0, bytes: try encoder.encode(digest.actors)),
                    EncodedSegment(column: names[1], piece: 0, bytes: try encoder.encode(digest.actorLast, encoding: [.shuffle])),
                    EncodedSegment(column: names[2], piece: 0, bytes: try encoder.encode(digest.partitions)),
                    EncodedSegment(column: names[3], piece: 0, bytes: try encoder.encode(digest.partitionLast, encoding: [.shuffle])),
                    EncodedSegment(column: names[4], piece: 0, bytes: try encoder.encode(digest.pairPartitions)),
                    EncodedSegment(column: names[5], piece: 0, bytes: try encoder.encode(digest.pairItems)),
                ])
            case let .column(column, piece):
                let range = piece * pieceRows ..< min(rows.count, (piece + 1) * pieceRows)
                let tables = rows.tables
                func values(_ column: KeyPath<EventColumns, [UInt32]>) throws(ZstdError) -> [UInt8] {
                    try encoder.encode(count: range.count, as: UInt32.self, encoding: [.shuffle]) {
                        rows.gather(tables.map { $0[keyPath: column] }, rows: range, into: $0)
                    }
                }
                let bytes: [UInt8]
                switch column {
                case .timestamps:
                    bytes = try encoder.encode(count: range.count, as: Int64.self, encoding: [.delta, .shuffle]) {
                        rows.gather(tables.map(\.timestamps), rows: range, into: $0)
                    }
                case .actors: bytes = try values(\.actors)
                case .items: bytes = try values(\.items)
                case .quantities: bytes = try values(\.quantities)
                }
                return .success([EncodedSegment(column: storedName(of: column), piece: piece, bytes: bytes)])
            }
        } catch {
            return .failure(error)
        }
    }

    /// The batches of `selections`, from the results of their `jobs` (in the same order).
    static func batches(_ selections: [EventSelection], kind: EventKind, jobs: [(batch: Int, job: Job)],
                        results: [Result<[EncodedSegment], ZstdError>]) throws(StoreError) -> [EncodedBatch] {
        var segments = [[EncodedSegment]](repeating: [], count: selections.count)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let made): segments[jobs[index].batch] += made
            case .failure(let error): throw .unexpected("could not compress the events: \(error.description)")
            }
        }
        return zip(selections, segments).map { rows, segments in
            let bounds = rows.timestampBounds
            return EncodedBatch(kind: kind, rowCount: rows.count, partitionCount: rows.partitionCount, minTs: bounds?.min, maxTs: bounds?.max,
                                rawBytes: rows.rawByteCount,
                                storedBytes: segments.reduce(0) { $0 + $1.bytes.count }, segments: segments)
        }
    }

    /// Rebuilds a batch from its segments (pieces in any order).
    static func decode(_ segments: [EncodedSegment], kind: EventKind, rowCount: Int, partitionCount: Int) throws(StoreError) -> EventColumns {
        try decode(kind: kind, rowCount: rowCount, partitionCount: partitionCount) { name in
            segments.filter { $0.column == name }.sorted { $0.piece < $1.piece }
        }
    }

    /// Rebuilds a batch column by column, asking `pieces` for one column's
    /// segments at a time (in piece order), so that only one column's
    /// compressed bytes are held at once.
    static func decode(kind: EventKind, rowCount: Int, partitionCount: Int,
                       pieces: (String) throws(StoreError) -> [EncodedSegment]) throws(StoreError) -> EventColumns {
        func column<T: FixedWidthInteger & Sendable>(_ column: EventColumnName, as type: T.Type) throws(StoreError) -> [T] {
            let name = storedName(of: column)
            return try decodedColumn(name, kind: kind, parts: try pieces(name), count: rowCount)
        }
        let offsets = try decodeOffsets(kind: kind, rowCount: rowCount, partitionCount: partitionCount, pieces: pieces)
        let items = kind.hasItems ? try column(.items, as: UInt32.self) : []
        let quantities = kind.hasItems ? try column(.quantities, as: UInt32.self) : []
        return EventColumns(offsets: offsets, timestamps: try narrowed(column(.timestamps, as: Int64.self), kind: kind),
                            actors: try column(.actors, as: UInt32.self), items: items, quantities: quantities, hasItems: kind.hasItems)
    }

    /// Stored 64-bit seconds as the columns keep them (``EventColumns/storedTime(_:)``).
    /// - Throws: ``StoreError/corrupt(_:)`` for a time outside what 32 bits
    ///   hold: a store written before times were checked at ingest.
    static func narrowed(_ seconds: [Int64], kind: EventKind) throws(StoreError) -> [UInt32] {
        var times: [UInt32] = []
        times.reserveCapacity(seconds.count)
        for value in seconds {
            guard let time = EventColumns.storedTime(value) else { throw outOfRange(kind: kind) }
            times.append(time)
        }
        return times
    }

    /// What a load says of a stored time outside what the columns hold.
    static func outOfRange(kind: EventKind) -> StoreError {
        .corrupt("\(kind.rawValue) events hold a time outside 1970-01-01 .. 2106-02-07, which this version keeps in 32 bits; "
            + "ingest the data again without those rows")
    }

    /// The name a column's pieces are stored under.
    static func storedName(of column: EventColumnName) -> String {
        switch column {
        case .timestamps: "ts"
        case .actors: "user"
        case .items: "feature"
        case .quantities: "count"
        }
    }

    /// A batch's partition offsets (`partitionCount` + 1 of them, ending at
    /// the row count).
    static func decodeOffsets(kind: EventKind, rowCount: Int, partitionCount: Int,
                              pieces: (String) throws(StoreError) -> [EncodedSegment]) throws(StoreError) -> [Int] {
        let offsets: [Int64] = try decodedColumn("offsets", kind: kind, parts: try pieces("offsets"), count: partitionCount + 1)
        guard offsets.last == Int64(rowCount) else { throw .corrupt("\(kind.rawValue) offsets do not end at the row count") }
        return offsets.map { Int($0) }
    }

    /// One column of a batch as an array of `count` values (see ``decodeColumn(_:kind:parts:into:)``).
    static func decodedColumn<T: FixedWidthInteger & Sendable>(_ name: String, kind: EventKind, parts: [EncodedSegment],
                                                               count: Int) throws(StoreError) -> [T] {
        var failure: StoreError?
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(StoreError) { try decodeColumn(name, kind: kind, parts: parts, into: buffer) } catch {
                failure = error
                buffer.initialize(repeating: 0)
            }
            initialized = count
        }
        if let failure { throw failure }
        return values
    }

    /// One column of a batch decoded into `buffer`, which it must fill
    /// exactly; every piece straight into its slice, on all cores.
    static func decodeColumn<T: FixedWidthInteger & Sendable>(_ name: String, kind: EventKind, parts: [EncodedSegment],
                                                              into buffer: UnsafeMutableBufferPointer<T>) throws(StoreError) {
        try decodeColumn(name, kind: kind, parts: parts, stored: T.self, into: buffer) { (bytes, slice) throws(ColumnarError) in
            try ColumnSegment.decode(bytes, into: slice)
            return true
        }
    }

    /// The timestamps column (stored as 64-bit seconds) decoded into the
    /// 32 bits the columns keep.
    /// - Throws: ``outOfRange(kind:)`` for a time 32 bits do not hold.
    static func decodeTimes(_ name: String, kind: EventKind, parts: [EncodedSegment],
                            into buffer: UnsafeMutableBufferPointer<UInt32>) throws(StoreError) {
        try decodeColumn(name, kind: kind, parts: parts, stored: Int64.self, into: buffer) { (bytes, slice) throws(ColumnarError) in
            try ColumnSegment.decodeNarrowing(bytes, into: slice)
        }
    }

    /// Each piece decoded by `decode` (false: a value out of range) into its
    /// slice of `buffer`, on all cores; `stored` is the pieces' value type.
    static func decodeColumn<S: FixedWidthInteger, T: FixedWidthInteger & Sendable>(
        _ name: String, kind: EventKind, parts: [EncodedSegment], stored: S.Type, into buffer: UnsafeMutableBufferPointer<T>,
        decode: @Sendable (UnsafeRawBufferPointer, UnsafeMutableBufferPointer<T>) throws(ColumnarError) -> Bool
    ) throws(StoreError) {
        var bounds = [0]
        for part in parts {
            let count = part.bytes.withUnsafeBytes { bytes -> Result<Int, ColumnarError> in
                do throws(ColumnarError) { return .success(try ColumnSegment.valueCount(bytes, as: S.self)) } catch { return .failure(error) }
            }
            switch count {
            case let .success(count): bounds.append(bounds.last! + count)
            case let .failure(error): throw .corrupt("\(kind.rawValue) column \(name): \(error)")
            }
        }
        let starts = bounds
        guard starts.last! == buffer.count else {
            throw .corrupt("\(kind.rawValue) column \(name) has \(starts.last!) values, expected \(buffer.count)")
        }
        let target = SharedBuffer(buffer: buffer)
        let outcomes = parallelMap(parts.count) { index -> Result<Bool, ColumnarError> in
            let slice = UnsafeMutableBufferPointer(rebasing: target.buffer[starts[index] ..< starts[index + 1]])
            return parts[index].bytes.withUnsafeBytes { bytes -> Result<Bool, ColumnarError> in
                do throws(ColumnarError) { return .success(try decode(bytes, slice)) } catch { return .failure(error) }
            }
        }
        for outcome in outcomes {
            switch outcome {
            case let .failure(failure): throw .corrupt("\(kind.rawValue) column \(name): \(failure)")
            case .success(false): throw outOfRange(kind: kind)
            case .success(true): continue
            }
        }
    }

    /// A batch's digest from its digest columns, or nil when the batch was
    /// stored without one (`pieces` answers empty).
    static func decodeDigest(kind: EventKind, pieces: (String) throws(StoreError) -> [EncodedSegment]) throws(StoreError) -> EventDigest? {
        func column<V: FixedWidthInteger>(_ name: String, as type: V.Type) throws(StoreError) -> [V]? {
            guard let part = try pieces(name).first else { return nil }
            let decoded = part.bytes.withUnsafeBytes { raw -> Result<[V], ColumnarError> in
                do throws(ColumnarError) { return .success(try ColumnSegment.decode(raw, as: V.self)) } catch { return .failure(error) }
            }
            switch decoded {
            case let .success(values): return values
            case let .failure(error): throw .corrupt("\(kind.rawValue) digest column \(name): \(error)")
            }
        }
        let names = digestColumns
        guard let actors = try column(names[0], as: UInt32.self), let actorLast = try column(names[1], as: Int64.self),
              let partitions = try column(names[2], as: UInt32.self), let partitionLast = try column(names[3], as: Int64.self),
              let pairPartitions = try column(names[4], as: UInt32.self), let pairItems = try column(names[5], as: UInt32.self)
        else { return nil }
        guard actors.count == actorLast.count, partitions.count == partitionLast.count, pairPartitions.count == pairItems.count else {
            throw .corrupt("\(kind.rawValue) digest columns disagree in length")
        }
        return EventDigest(actors: actors, actorLast: actorLast, partitions: partitions, partitionLast: partitionLast,
                           pairPartitions: pairPartitions, pairItems: pairItems)
    }

    /// Encodes a kind's columns as one batch per epoch (see ``epochSeconds``)
    /// that holds rows, in time order, each read from `columns` in place.
    static func encodeByEpoch(_ columns: EventColumns, kind: EventKind) throws(StoreError) -> [EncodedBatch] {
        try encode(EventSelection.epochs(of: [columns], seconds: epochSeconds).map(\.rows), kind: kind)
    }
}

/// A column buffer handed to decoding workers that each write a distinct slice.
private struct SharedBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
}
