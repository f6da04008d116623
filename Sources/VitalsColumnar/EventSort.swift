/// Sorting kernels for event columns.
public enum EventSort {
    /// The order that sorts rows by (partition, timestamp, row index): a stable
    /// counting sort by partition, then a sort of each partition's slice by
    /// time (skipped when the slice is already in time order, as logs usually are).
    /// - Returns: partition offsets and the permutation (`sorted[i] = source[permutation[i]]`).
    public static func permutation(partitions: [UInt32], timestamps: [Int64], partitionCount: Int) -> (offsets: [Int], permutation: [UInt32]) {
        let n = partitions.count
        precondition(n < Int(UInt32.max), "too many rows for one batch")
        var offsets = [Int](repeating: 0, count: partitionCount + 1)
        var permutation = [UInt32](repeating: 0, count: n)
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
                    if maxTs &- minTs < Int64(UInt32.max) {
                        // Pack (time, row) into one UInt64 and sort plain integers.
                        keys.removeAll(keepingCapacity: true)
                        for row in slice { keys.append(UInt64(ts[Int(row)] - minTs) << 32 | UInt64(row)) }
                        keys.sort()
                        for i in 0 ..< keys.count { slice[i] = UInt32(truncatingIfNeeded: keys[i]) }
                    } else {
                        slice.sort { a, b in
                            let ta = ts[Int(a)], tb = ts[Int(b)]
                            return ta != tb ? ta < tb : a < b
                        }
                    }
                }
            }
        }
        return (offsets, permutation)
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
