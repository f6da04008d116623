import Testing
@testable import VitalsColumnar

/// A distinct counter counts each slice on its own, and a recycled one
/// (whose stamps the next counter of as many keys takes) counts as a new one.
@Suite struct DistinctCounterTests {
    @Test func countsEachSliceOnItsOwn() {
        let keys: [UInt32] = [3, 1, 3, 0, 1, 1, 4, 3]
        var counter = DistinctCounter(keyCount: 5)
        #expect(counter.count(keys, rows: 0 ..< 8) == 4)
        #expect(counter.count(keys, rows: 0 ..< 3) == 2)
        #expect(counter.count(keys, rows: 3 ..< 3) == 0)
        #expect(counter.values(keys, rows: 2 ..< 7) == [3, 0, 1, 4])
    }

    @Test func aRecycledCounterCountsAsANewOne() {
        // A key count no other test uses, so that the stamps taken are these.
        let keyCount = 1_009
        let keys = (0 ..< 5_000).map { UInt32(($0 * 7919) % keyCount) }
        var first = DistinctCounter(keyCount: keyCount)
        let before = (0 ..< 50).map { first.count(keys, rows: ($0 * 100) ..< ($0 * 100 + 100)) }
        let generation = first.generation
        first.recycle()

        var second = DistinctCounter(keyCount: keyCount)
        #expect(second.generation == generation, "the recycled stamps are taken, with their generation")
        let after = (0 ..< 50).map { second.count(keys, rows: ($0 * 100) ..< ($0 * 100 + 100)) }
        #expect(after == before)
        #expect(second.count(keys, rows: 0 ..< 5_000) == keyCount)
        // Another key count gets fresh stamps.
        #expect(DistinctCounter(keyCount: keyCount + 1).generation == 0)
    }
}

/// Cutting a partition's rows once at ascending bounds gives the rows a
/// linear scan gives, and so does each window's own search, whatever the
/// bounds (before, inside, between and after the rows, repeated) and
/// however far apart (partitions of up to 600 rows).
@Suite struct WindowCutTests {
    @Test func cutsGiveEachWindowsRows() {
        var generator = SystemRandomNumberGenerator()
        for round in 0 ..< 300 {
            // Three partitions of time-sorted rows, some empty, repeated
            // timestamps; every third round long ones, sparse or dense.
            let longest = round % 3 == 0 ? 600 : 40, span = Int64(round % 2 == 0 ? 100 : 5_000)
            var offsets = [0], timestamps: [Int64] = []
            for _ in 0 ..< 3 {
                let count = Int.random(in: 0 ... longest, using: &generator)
                timestamps += (0 ..< count).map { _ in Int64.random(in: 0 ... span, using: &generator) }.sorted()
                offsets.append(timestamps.count)
            }
            let zeros = [UInt32](repeating: 0, count: timestamps.count)
            let columns = EventColumns(offsets: offsets, timestamps: timestamps.map { UInt32($0) }, actors: zeros, items: zeros, quantities: zeros, hasItems: true)
            let bounds = (0 ..< Int.random(in: 1 ... 9, using: &generator)).map { _ in
                Int64.random(in: -10 ... span + 10, using: &generator)
            }.sorted()
            for partition in 0 ..< 3 {
                let rows = offsets[partition] ..< offsets[partition + 1]
                // The first row at or after a bound, by reading every row.
                func scanned(_ bound: Int64) -> Int { rows.first { timestamps[$0] >= bound } ?? rows.upperBound }
                let cuts = columns.cuts(of: partition, at: bounds)
                #expect(cuts == bounds.map(scanned), "\(bounds)")
                for i in bounds.indices {
                    for j in i ..< bounds.count {
                        #expect(columns.rows(of: partition, from: bounds[i], to: bounds[j]) == scanned(bounds[i]) ..< scanned(bounds[j]),
                                "\(bounds) \(i) \(j)")
                    }
                }
            }
        }
    }
}
