import Testing
@testable import VitalsColumnar

/// The ingest's sort orders rows by (partition, time, row), however the
/// rows come: shuffled, in day order with each day's times shuffled, with
/// many rows a second, over spans from seconds to years.
@Suite struct EventSortTests {
    @Test func sortsByPartitionThenTimeThenRow() {
        var generator = SystemRandomNumberGenerator()
        for (partitionCount, rows, span) in [(1, 5_000, 86_400 * 190), (7, 20_000, 3_000), (3, 2_000, 1 << 30), (40, 3_000, 86_400), (2, 300, 0)] {
            let partitions = (0 ..< rows).map { _ in UInt32.random(in: 0 ..< UInt32(partitionCount), using: &generator) }
            // Day order with shuffled times within a day, like data-gen's CSVs; some exact repeats.
            var timestamps = (0 ..< rows).map { _ in Int64.random(in: 0 ... Int64(span), using: &generator) }
            timestamps.sort { $0 / 86_400 < $1 / 86_400 }
            for i in stride(from: 0, to: rows, by: 17) { timestamps[i] = timestamps[rows / 2] }
            let base: Int64 = 1_780_000_000
            let (offsets, permutation) = EventSort.permutation(partitions: partitions, timestamps: timestamps.map { UInt32($0 + base) },
                                                               partitionCount: partitionCount)
            let expected = (0 ..< rows).sorted { a, b in
                (partitions[a], timestamps[a], a) < (partitions[b], timestamps[b], b)
            }
            #expect(permutation.map(Int.init) == expected, "\(partitionCount) partitions, \(rows) rows, span \(span)")
            #expect(offsets.count == partitionCount + 1 && offsets.last == rows)
        }
    }
}
