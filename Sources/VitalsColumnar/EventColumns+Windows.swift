import Foundation

/// Time-window scans over one partition's rows. Rows of a partition are
/// time-sorted, so a window is found by two binary searches and the scans are
/// tight loops over contiguous fixed-width columns.
extension EventColumns {
    /// The rows of `partition` with `lower <= timestamp < upper`.
    @inlinable
    public func rows(of partition: Int, from lower: Int64, to upper: Int64) -> Range<Int> {
        let all = rows(of: partition)
        return timestamps.withUnsafeBufferPointer { ts in
            Self.firstIndex(ts, in: all, notBelow: lower) ..< Self.firstIndex(ts, in: all, notBelow: upper)
        }
    }

    /// The rows of `partition` cut at the ascending timestamps `bounds`:
    /// element i is the first row at or after `bounds[i]`, so that
    /// `cuts[i] ..< cuts[j]` are the rows from `bounds[i]` up to `bounds[j]`.
    /// The last cut is searched from the partition's end, each other one
    /// from the cut before: the windows of a score are cut once, not
    /// searched for one by one (two searches a window, each through all of
    /// the account's rows), and each search steps out from where its cut
    /// lies (``firstIndex(_:after:notBelow:)``).
    public func cuts(of partition: Int, at bounds: [Int64]) -> [Int] {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 <= $1 }, "ascending bounds")
        let all = rows(of: partition)
        return timestamps.withUnsafeBufferPointer { ts in
            let last = Self.firstIndex(ts, before: all, notBelow: bounds[bounds.count - 1])
            var cuts: [Int] = []
            cuts.reserveCapacity(bounds.count)
            var low = all.lowerBound
            for bound in bounds.dropLast() {
                low = Self.firstIndex(ts, after: low ..< last, notBelow: bound)
                cuts.append(low)
            }
            cuts.append(last)
            return cuts
        }
    }

    /// ``firstIndex(_:in:notBelow:)`` for an index likely near the range's
    /// start: probes at 1, 2, 4, … rows from it, then a binary search
    /// inside the last step. A night's windows are a week or so apart, a
    /// few dozen rows of an account: its probes share a few cache lines,
    /// where a binary search's first ones each missed (15 M timestamps at
    /// 100 M events, 60 MB).
    @inlinable
    static func firstIndex(_ ts: UnsafeBufferPointer<UInt32>, after range: Range<Int>, notBelow value: Int64) -> Int {
        var low = range.lowerBound, step = 1
        while true {
            let probe = low + step - 1
            if probe >= range.upperBound { return firstIndex(ts, in: low ..< range.upperBound, notBelow: value) }
            if Int64(ts[probe]) >= value { return firstIndex(ts, in: low ..< probe, notBelow: value) }
            low = probe + 1
            step <<= 1
        }
    }

    /// The same for an index likely near the range's end (T's end, after
    /// which a night has few rows or none): probes back from it.
    @inlinable
    static func firstIndex(_ ts: UnsafeBufferPointer<UInt32>, before range: Range<Int>, notBelow value: Int64) -> Int {
        var high = range.upperBound, step = 1
        // Every row from `high` on is at or after `value`.
        while true {
            let probe = high - step
            if probe < range.lowerBound { return firstIndex(ts, in: range.lowerBound ..< high, notBelow: value) }
            if Int64(ts[probe]) < value { return firstIndex(ts, in: probe + 1 ..< high, notBelow: value) }
            high = probe
            step <<= 1
        }
    }

    /// The first index in `range` whose timestamp is `>= value` (or `range.upperBound`).
    @inlinable
    static func firstIndex(_ ts: UnsafeBufferPointer<UInt32>, in range: Range<Int>, notBelow value: Int64) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) >> 1
            if Int64(ts[mid]) < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The sum of `quantities` over `rows` (the use count of a window).
    @inlinable
    public func quantitySum(_ rows: Range<Int>) -> Int {
        quantities.withUnsafeBufferPointer { q in
            var sum = 0
            for i in rows { sum &+= Int(q[i]) }
            return sum
        }
    }

    /// The latest timestamp in `rows`, or nil when empty.
    @inlinable
    public func lastTimestamp(_ rows: Range<Int>) -> Int64? {
        rows.isEmpty ? nil : Int64(timestamps[rows.upperBound - 1])
    }
}

/// Counts distinct `UInt32` keys (actors, items) in column slices without
/// allocating per call: one generation stamp per key, bumped per count.
public struct DistinctCounter: Sendable {
    @usableFromInline var stamps: [UInt32]
    @usableFromInline var generation: UInt32 = 0

    /// A counter for keys below `keyCount`: the stamps of a recycled
    /// counter of that many keys when there is one (``recycle()``).
    public init(keyCount: Int) {
        if let reused = Self.recycled.take(keyCount: keyCount) {
            self = reused
        } else {
            stamps = Array(repeating: 0, count: keyCount)
        }
    }

    /// Leaves the counter's stamps for the next counter of as many keys.
    /// A user counter is 4 bytes a user (2 MB at 500,000 users), and a night
    /// makes a few per agency: fresh each time, their pages were a tenth of
    /// a 100 M-event night's CPU, faulted in and zeroed by the kernel.
    public consuming func recycle() {
        Self.recycled.put(self)
    }

    /// Counters left by ``recycle()``, eight at most (the oldest go first).
    static let recycled = Recycled()

    final class Recycled: @unchecked Sendable {
        private let lock = NSLock()
        private var counters: [DistinctCounter] = []
        static let kept = 8

        func take(keyCount: Int) -> DistinctCounter? {
            lock.withLock {
                guard let i = counters.lastIndex(where: { $0.stamps.count == keyCount }) else { return nil }
                return counters.remove(at: i)
            }
        }

        func put(_ counter: DistinctCounter) {
            lock.withLock {
                if counters.count == Self.kept { counters.removeFirst() }
                counters.append(counter)
            }
        }
    }

    /// The number of distinct values of `column[rows]`.
    /// - Precondition: every value is below the counter's key count.
    @inlinable
    public mutating func count(_ column: [UInt32], rows: Range<Int>) -> Int {
        nextGeneration()
        let generation = self.generation
        return column.withUnsafeBufferPointer { keys in
            stamps.withUnsafeMutableBufferPointer { stamps in
                var distinct = 0
                for i in rows {
                    let key = Int(keys[i])
                    if stamps[key] != generation {
                        stamps[key] = generation
                        distinct += 1
                    }
                }
                return distinct
            }
        }
    }

    /// The distinct values of `column[rows]`, in first-seen order.
    public mutating func values(_ column: [UInt32], rows: Range<Int>) -> [UInt32] {
        startCount()
        return newValues(column, rows: rows)
    }

    /// Starts a count over several slices (``newValues(_:rows:)``).
    public mutating func startCount() { nextGeneration() }

    /// The keys in `rows` of `column` not seen since ``startCount()``, in
    /// first-seen order.
    public mutating func newValues(_ column: [UInt32], rows: Range<Int>) -> [UInt32] {
        var found: [UInt32] = []
        for i in rows {
            let key = column[i]
            if stamps[Int(key)] != generation {
                stamps[Int(key)] = generation
                found.append(key)
            }
        }
        return found
    }

    @usableFromInline
    mutating func nextGeneration() {
        if generation == UInt32.max {
            for i in stamps.indices { stamps[i] = 0 }
            generation = 0
        }
        generation += 1
    }
}

extension EventColumns {
    /// Adds each row's quantity to `totals[item]` over `rows`.
    /// - Precondition: every item of `rows` is below `totals.count`.
    @inlinable
    public func addQuantities(byItem totals: inout [Int], rows: Range<Int>) {
        items.withUnsafeBufferPointer { items in
            quantities.withUnsafeBufferPointer { q in
                totals.withUnsafeMutableBufferPointer { totals in
                    for i in rows { totals[Int(items[i])] &+= Int(q[i]) }
                }
            }
        }
    }
}
