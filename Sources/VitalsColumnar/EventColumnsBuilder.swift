/// Collects events in arrival order, then sorts them into ``EventColumns``.
public struct EventColumnsBuilder: Sendable {
    @usableFromInline var partitions: [UInt32] = []
    @usableFromInline var timestamps: [UInt32] = []
    @usableFromInline var actors: [UInt32] = []
    @usableFromInline var items: [UInt32] = []
    @usableFromInline var quantities: [UInt32] = []
    /// The sort's order, kept by ``buildKeepingBuffers(partitionCount:)``.
    var permutation: [UInt32] = []
    public private(set) var hasItems: Bool

    public init(hasItems: Bool, reservingCapacity capacity: Int = 0) {
        self.hasItems = hasItems
        reset(hasItems: hasItems, reservingCapacity: capacity)
    }

    public var count: Int { timestamps.count }

    /// Empties the builder for rows of another table, keeping the buffers
    /// it has (see ``buildKeepingBuffers(partitionCount:)``).
    public mutating func reset(hasItems: Bool, reservingCapacity capacity: Int = 0) {
        self.hasItems = hasItems
        partitions.removeAll(keepingCapacity: true)
        timestamps.removeAll(keepingCapacity: true)
        actors.removeAll(keepingCapacity: true)
        items.removeAll(keepingCapacity: true)
        quantities.removeAll(keepingCapacity: true)
        partitions.reserveCapacity(capacity)
        timestamps.reserveCapacity(capacity)
        actors.reserveCapacity(capacity)
        if hasItems {
            items.reserveCapacity(capacity)
            quantities.reserveCapacity(capacity)
        }
    }

    /// Appends one event; `item` and `quantity` are ignored without items.
    @inlinable
    public mutating func append(partition: UInt32, timestamp: UInt32, actor: UInt32, item: UInt32 = 0, quantity: UInt32 = 0) {
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

    /// ``build(partitionCount:)`` for a builder that takes the next rows
    /// after: the rows are sorted into new columns and the builder is left
    /// empty with its buffers (and the sort's permutation) kept. A parser
    /// that builds one table per part of a file then writes each part's rows
    /// into pages it has already touched: fresh pages (a fault and a zeroed
    /// page each) for every part's five columns were a tenth of an ingest's
    /// CPU.
    public mutating func buildKeepingBuffers(partitionCount: Int) -> EventColumns {
        let offsets = EventSort.permutation(partitions: partitions, timestamps: timestamps,
                                            partitionCount: partitionCount, into: &permutation)
        let built = EventColumns(offsets: offsets, timestamps: EventSort.gather(timestamps, by: permutation),
                                 actors: EventSort.gather(actors, by: permutation),
                                 items: hasItems ? EventSort.gather(items, by: permutation) : [],
                                 quantities: hasItems ? EventSort.gather(quantities, by: permutation) : [],
                                 hasItems: hasItems)
        reset(hasItems: hasItems)
        return built
    }
}

/// Up to ``capacity`` rows a parser writes before it appends them to an
/// ``EventColumnsBuilder`` at once: a row appended on its own is five
/// array appends, each a call into the runtime to check the array is not
/// shared (2 % of an ingest's CPU); a block is five copies.
///
/// The caller owns the memory: ``deallocate()`` it when done.
public struct EventRowBatch {
    // Computed: a parser in another module compares with it on every row,
    // where a stored static is reached through its lazy initializer.
    @inlinable public static var capacity: Int { 1024 }
    @usableFromInline let partitions: UnsafeMutablePointer<UInt32>
    @usableFromInline let timestamps: UnsafeMutablePointer<UInt32>
    @usableFromInline let actors: UnsafeMutablePointer<UInt32>
    @usableFromInline let items: UnsafeMutablePointer<UInt32>
    @usableFromInline let quantities: UnsafeMutablePointer<UInt32>

    public init() {
        partitions = .allocate(capacity: Self.capacity)
        timestamps = .allocate(capacity: Self.capacity)
        actors = .allocate(capacity: Self.capacity)
        items = .allocate(capacity: Self.capacity)
        quantities = .allocate(capacity: Self.capacity)
    }

    public func deallocate() {
        partitions.deallocate()
        timestamps.deallocate()
        actors.deallocate()
        items.deallocate()
        quantities.deallocate()
    }

    /// Writes row `row` (below ``capacity``).
    @inlinable @inline(__always)
    public func set(_ row: Int, partition: UInt32, timestamp: UInt32, actor: UInt32, item: UInt32 = 0, quantity: UInt32 = 0) {
        partitions[row] = partition
        timestamps[row] = timestamp
        actors[row] = actor
        items[row] = item
        quantities[row] = quantity
    }
}

extension EventColumnsBuilder {
    /// Appends the first `count` rows of `batch` (their items and quantities
    /// only with items).
    public mutating func append(_ batch: EventRowBatch, count: Int) {
        partitions.append(contentsOf: UnsafeBufferPointer(start: batch.partitions, count: count))
        timestamps.append(contentsOf: UnsafeBufferPointer(start: batch.timestamps, count: count))
        actors.append(contentsOf: UnsafeBufferPointer(start: batch.actors, count: count))
        if hasItems {
            items.append(contentsOf: UnsafeBufferPointer(start: batch.items, count: count))
            quantities.append(contentsOf: UnsafeBufferPointer(start: batch.quantities, count: count))
        }
    }
}
