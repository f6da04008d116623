/// Time of day of an event: a UTC hour profile peaking in business hours,
/// then a uniform minute and second.
enum BusinessHours {
    /// Relative volume of each UTC hour.
    static let hourWeights: [Double] = [
        0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.8, 3.6,
        3.0, 3.4, 3.6, 3.5, 3.0, 2.2, 1.5, 1.1, 0.9, 0.7, 0.5, 0.3,
    ]

    /// Bits of the lookup table index.
    static let tableBits = 12

    /// Hour of each of the 2¹² equally likely table slots, in proportion to
    /// ``hourWeights`` (largest-remainder rounding).
    static func hourTable() -> [UInt8] {
        let size = 1 << tableBits
        let total = hourWeights.reduce(0, +)
        var table: [UInt8] = []
        table.reserveCapacity(size)
        var cumulative = 0.0
        for (hour, weight) in hourWeights.enumerated() {
            cumulative += weight
            let end = hour == 23 ? size : Int((cumulative / total * Double(size)).rounded())
            while table.count < end { table.append(UInt8(hour)) }
        }
        return table
    }

    /// The second of the day drawn by the 44 low bits of `r` from `table`.
    @inline(__always)
    static func secondOfDay(_ r: UInt64, table: [UInt8]) -> Int {
        let hour = Int(table[Int(truncatingIfNeeded: r) & ((1 << tableBits) - 1)])
        let minute = Int((((r >> 12) & 0xFFFF) &* 60) >> 16)
        let second = Int((((r >> 28) & 0xFFFF) &* 60) >> 16)
        return hour * 3600 + minute * 60 + second
    }
}
