/// Walker/Vose alias tables, many stored back to back: each draws an index
/// with probability proportional to its weight in O(1) from one 64-bit
/// random number.
///
/// Bucket `i` of a table is chosen from the high 32 bits; it yields `i` when
/// the low 32 bits are below its threshold (out of 2³²), else its alias.
struct AliasTableSet {
    /// Acceptance thresholds, 0...2³², of every table.
    private var thresholds: [UInt64] = []
    /// Index (within its table) yielded when a bucket's own index is rejected.
    private var aliases: [Int32] = []

    /// Appends the table of non-negative `weights`.
    /// - Returns: the table's offset, to pass to ``sample(_:table:count:)``.
    /// - Precondition: at least one weight is positive.
    mutating func append(weights: [Double]) -> Int {
        let n = weights.count
        let total = weights.reduce(0, +)
        precondition(n > 0 && total > 0, "an alias table needs a positive weight")
        let offset = thresholds.count
        thresholds += repeatElement(1 << 32, count: n)
        aliases += (0..<n).map { Int32($0) }
        var scaled = weights.map { $0 * Double(n) / total }
        let heaviest = weights.indices.max { weights[$0] < weights[$1] }!
        var small: [Int] = []
        var large: [Int] = []
        for (i, w) in scaled.enumerated() {
            if w < 1 { small.append(i) } else { large.append(i) }
        }
        while let s = small.popLast() {
            guard let l = large.last else {
                // Rounding drift left no large bucket: keep the bucket as its
                // own outcome, unless its weight is zero.
                if weights[s] == 0 {
                    thresholds[offset + s] = 0
                    aliases[offset + s] = Int32(heaviest)
                }
                continue
            }
            thresholds[offset + s] = UInt64((scaled[s] * 4_294_967_296).rounded(.down))
            aliases[offset + s] = Int32(l)
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        return offset
    }

    /// The index (0..<count) drawn by the 64 random bits `r` from the table
    /// at `table` with `count` outcomes.
    @inline(__always)
    func sample(_ r: UInt64, table: Int, count: Int) -> Int {
        let bucket = Int(truncatingIfNeeded: ((r >> 32) &* UInt64(count)) >> 32)
        return (r & 0xFFFF_FFFF) < thresholds[table + bucket] ? bucket : Int(aliases[table + bucket])
    }
}
