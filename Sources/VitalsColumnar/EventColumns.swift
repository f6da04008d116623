/// Events in struct-of-arrays form, partitioned by a dense `UInt32` key and
/// sorted by time within each partition.
///
/// In Vitals a partition is an account, the actor a user, the item a feature
/// and the quantity a use count; this layer knows none of that. Rows of
/// partition `p` are `offsets[p] ..< offsets[p + 1]`; within a partition rows
/// are ordered by timestamp, ties in arrival order. Columns without items
/// (logins) keep `items` and `quantities` empty.
public struct EventColumns: Sendable, Equatable {
    /// `partitionCount + 1` row offsets.
    public var offsets: [Int]
    /// Epoch seconds, UTC, in 32 bits (1970-01-01 up to 2106-02-07, see
    /// ``storedTime(_:)``): half the memory of 64-bit seconds, which were a
    /// third of a loaded event's bytes. Read one as `Int64(timestamps[i])`.
    public var timestamps: [UInt32]
    public var actors: [UInt32]
    public var items: [UInt32]
    public var quantities: [UInt32]
    /// Whether the kind carries `items` and `quantities`.
    public let hasItems: Bool

    public init(offsets: [Int], timestamps: [UInt32], actors: [UInt32], items: [UInt32], quantities: [UInt32], hasItems: Bool) {
        precondition(offsets.last == timestamps.count && actors.count == timestamps.count, "column lengths disagree")
        precondition(!hasItems || (items.count == timestamps.count && quantities.count == timestamps.count), "item columns disagree")
        self.offsets = offsets
        self.timestamps = timestamps
        self.actors = actors
        self.items = items
        self.quantities = quantities
        self.hasItems = hasItems
    }

    /// No events over `partitionCount` partitions.
    public static func empty(partitionCount: Int, hasItems: Bool) -> EventColumns {
        EventColumns(offsets: Array(repeating: 0, count: partitionCount + 1), timestamps: [], actors: [],
                     items: [], quantities: [], hasItems: hasItems)
    }

    /// Number of rows.
    public var count: Int { timestamps.count }
    /// Number of partitions.
    public var partitionCount: Int { offsets.count - 1 }

    /// The rows of `partition`.
    @inlinable
    public func rows(of partition: Int) -> Range<Int> { offsets[partition] ..< offsets[partition + 1] }

    /// Adds empty partitions up to `partitionCount` (keys created after these
    /// events were stored).
    public mutating func extendPartitions(to partitionCount: Int) {
        offsets = Self.extendedOffsets(offsets, to: partitionCount)
    }

    /// Partition offsets grown to `partitionCount` partitions, the new ones empty.
    static func extendedOffsets(_ offsets: [Int], to partitionCount: Int) -> [Int] {
        var offsets = offsets
        let last = offsets.last ?? 0
        while offsets.count < partitionCount + 1 { offsets.append(last) }
        return offsets
    }

    /// Bytes the columns take in memory (the "raw column bytes").
    public var rawByteCount: Int { Self.rawByteCount(partitionCount: partitionCount, rows: count, hasItems: hasItems) }

    static func rawByteCount(partitionCount: Int, rows: Int, hasItems: Bool) -> Int {
        (partitionCount + 1) * MemoryLayout<UInt32>.size + rows * (4 + 4 + (hasItems ? 8 : 0))
    }

    /// The epoch seconds an event may have: what 32 bits hold.
    public static let timeRange: ClosedRange<Int64> = 0 ... Int64(UInt32.max)

    /// `seconds` as the columns keep it; nil outside ``timeRange``.
    @inlinable
    public static func storedTime(_ seconds: Int64) -> UInt32? {
        UInt32(exactly: seconds)
    }
}
