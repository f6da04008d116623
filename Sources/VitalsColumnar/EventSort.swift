/// Sorting kernels for event columns.
public enum EventSort {
    /// The order that sorts rows by (partition, timestamp, row index): a stable
    /// counting sort by partition, then a sort of each partition's slice by
    /// time (skipped when the slice is already in time order, as logs usually are).
    /// - Returns: partition offsets and the permutation (`sorted[i] = source[permutation[i]]`).
    public static func permutation(partitions: [UInt32], timestamps: [UInt32], partitionCount: Int) -> (offsets: [Int], permutation: [UInt32]) {
        var permutation: [UInt32] = []
        let offsets = Self.permutation(partitions: partitions, timestamps: timestamps, partitionCount: partitionCount, into: &permutation)
        return (offsets, permutation)
    }

    /// ``permutation(partitions:timestamps:partitionCount:)`` written into
    /// `permutation` (its capacity reused): returns the partition offsets.
    public static func permutation(partitions: [UInt32], timestamps: [UInt32], partitionCount: Int,
                                   into permutation: inout [UInt32]) -> [Int] {
        let n = partitions.count
        precondition(n < Int(UInt32.max), "too many rows for one batch")
        var offsets = [Int](repeating: 0, count: partitionCount + 1)
        // Every slot is written by the counting sort below.
        if permutation.count != n {
            permutation.removeAll(keepingCapacity: true)
            permutation.append(contentsOf: repeatElement(0, count: n))
        }
        partitions.withUnsafeBufferPointer { keys in
            offsets.withUnsafeMutableBufferPointer { offsets in
                for i in 0 ..< n {
                    let key = Int(keys[i])
                    precondition(key < partitionCount, "partition key \(key) out of range")
                    offsets[key + 1] += 1
                }
                for p in 0 ..< partitionCount { offsets[p + 1] += offsets[p] }
                var cursor = Array(offsets[0 ..< partitionCount])
                permutation.withUnsafeMutableBufferPointer { perm in
                    for i in 0 ..< n {
                        let key = Int(keys[i])
                        perm[cursor[key]] = UInt32(i)
                        cursor[key] += 1
                    }
                }
            }
        }
        var keys: [UInt64] = []
        var radix = RadixScratch()
        timestamps.withUnsafeBufferPointer { ts in
            permutation.withUnsafeMutableBufferPointer { perm in
                for p in 0 ..< partitionCount {
                    let lower = offsets[p], upper = offsets[p + 1]
                    guard upper - lower > 1 else { continue }
                    var sorted = true
                    var minTs = ts[Int(perm[lower])], maxTs = minTs
                    var previous = minTs
                    for i in lower + 1 ..< upper {
                        let t = ts[Int(perm[i])]
                        if t < previous { sorted = false }
                        previous = t
                        minTs = Swift.min(minTs, t)
                        maxTs = Swift.max(maxTs, t)
                    }
                    if sorted { continue }
                    var slice = UnsafeMutableBufferPointer(rebasing: perm[lower ..< upper])
                    if slice.count > RadixScratch.smallest {
                        radix.sort(slice, by: ts, from: minTs, span: maxTs - minTs)
                    } else {
                        // A few rows: pack (time, row) into one UInt64 and sort plain integers.
                        keys.removeAll(keepingCapacity: true)
                        for row in slice { keys.append(UInt64(ts[Int(row)]) << 32 | UInt64(row)) }
                        keys.sort()
                        for i in 0 ..< keys.count { slice[i] = UInt32(truncatingIfNeeded: keys[i]) }
                    }
                }
            }
        }
        return offsets
    }

    /// A least-significant-digit radix sort of a partition's rows by time,
    /// 8 bits a pass over the seconds since the partition's first (only as
    /// many passes as the span needs, a pass skipped when every row falls
    /// in one bucket). Stable, so rows of one second keep their order: the
    /// rows come in ascending order, so the result is the (time, row) order
    /// the packed comparison sort gives. A partition of a CSV in day order
    /// with the times of a day shuffled (data-gen's, an export's) took a
    /// tenth of an ingest's CPU through the comparison sort.
    struct RadixScratch {
        /// Partitions up to this many rows take the comparison sort.
        static let smallest = 64
        var deltas: [UInt32] = [], rows: [UInt32] = [], otherDeltas: [UInt32] = [], otherRows: [UInt32] = []

        mutating func sort(_ slice: UnsafeMutableBufferPointer<UInt32>, by ts: UnsafeBufferPointer<UInt32>, from first: UInt32, span: UInt32) {
            let n = slice.count
            if deltas.count < n {
                deltas = [UInt32](repeating: 0, count: n)
                rows = deltas
                otherDeltas = deltas
                otherRows = deltas
            }
            let passes = (32 - span.leadingZeroBitCount + 7) / 8
            deltas.withUnsafeMutableBufferPointer { d0 in
                rows.withUnsafeMutableBufferPointer { r0 in
                    otherDeltas.withUnsafeMutableBufferPointer { d1 in
                        otherRows.withUnsafeMutableBufferPointer { r1 in
                            var (d, r, dOut, rOut) = (d0, r0, d1, r1)
                            for i in 0 ..< n {
                                let row = slice[i]
                                d[i] = ts[Int(row)] &- first
                                r[i] = row
                            }
                            withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { counts in
                                for pass in 0 ..< passes {
                                    let shift = UInt32(8 * pass)
                                    counts.initialize(repeating: 0)
                                    for i in 0 ..< n { counts[Int((d[i] >> shift) & 0xFF)] += 1 }
                                    // One bucket holds every row: this digit orders nothing.
                                    if counts[Int((d[0] >> shift) & 0xFF)] == n { continue }
                                    var total = 0
                                    for b in 0 ..< 256 {
                                        let c = counts[b]
                                        counts[b] = total
                                        total += c
                                    }
                                    for i in 0 ..< n {
                                        let b = Int((d[i] >> shift) & 0xFF)
                                        let at = counts[b]
                                        dOut[at] = d[i]
                                        rOut[at] = r[i]
                                        counts[b] = at + 1
                                    }
                                    swap(&d, &dOut)
                                    swap(&r, &rOut)
                                }
                            }
                            for i in 0 ..< n { slice[i] = r[i] }
                        }
                    }
                }
            }
        }
    }

    /// `result[i] = column[permutation[i]]`.
    @inlinable
    public static func gather<T: FixedWidthInteger>(_ column: [T], by permutation: [UInt32]) -> [T] {
        [T](unsafeUninitializedCapacity: permutation.count) { out, initialized in
            column.withUnsafeBufferPointer { source in
                permutation.withUnsafeBufferPointer { perm in
                    for i in 0 ..< perm.count { out[i] = source[Int(perm[i])] }
                }
            }
            initialized = permutation.count
        }
    }
}
