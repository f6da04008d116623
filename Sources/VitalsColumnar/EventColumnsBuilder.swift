/// Collects events in arrival order, then sorts them into ``EventColumns``.
public struct EventColumnsBuilder: Sendable {
    @usableFromInline var partitions: [UInt32] = []
    @usableFromInline var timestamps: [Int64] = []
    @usableFromInline var actors: [UInt32] = []
    @usableFromInline var items: [UInt32] = []
    @usableFromInline var quantities: [UInt32] = []
    public let hasItems: Bool

    public init(hasItems: Bool, reservingCapacity capacity: Int = 0) {
        self.hasItems = hasItems
        partitions.reserveCapacity(capacity)
        timestamps.reserveCapacity(capacity)
        actors.reserveCapacity(capacity)
        if hasItems {
            items.reserveCapacity(capacity)
            quantities.reserveCapacity(capacity)
        }
    }

    public var count: Int { timestamps.count }

    /// Appends one event; `item` and `quantity` are ignored without items.
    @inlinable
    public mutating func append(partition: UInt32, timestamp: Int64, actor: UInt32, item: UInt32 = 0, quantity: UInt32 = 0) {
        partitions.append(partition)
        timestamps.append(timestamp)
        actors.append(actor)
        if hasItems {
            items.append(item)
            quantities.append(quantity)
        }
    }

    /// Sorts the rows by (partition, timestamp, arrival) and returns the columns.
    /// Each source column is released as soon as it has been gathered, so the
    /// peak is the source columns plus a permutation and one sorted column.
    /// - Precondition: every partition key is below `partitionCount`.
    public consuming func build(partitionCount: Int) -> EventColumns {
        let (offsets, permutation) = EventSort.permutation(partitions: partitions, timestamps: timestamps,
                                                          partitionCount: partitionCount)
        partitions = []
        let sortedTimestamps = EventSort.gather(timestamps, by: permutation)
        timestamps = []
        let sortedActors = EventSort.gather(actors, by: permutation)
        actors = []
        var sortedItems: [UInt32] = []
        var sortedQuantities: [UInt32] = []
        if hasItems {
            sortedItems = EventSort.gather(items, by: permutation)
            items = []
            sortedQuantities = EventSort.gather(quantities, by: permutation)
            quantities = []
        }
        return EventColumns(offsets: offsets, timestamps: sortedTimestamps, actors: sortedActors,
                            items: sortedItems, quantities: sortedQuantities, hasItems: hasItems)
    }
}
