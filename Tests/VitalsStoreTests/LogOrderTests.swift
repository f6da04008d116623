import Testing
@testable import VitalsStore

/// The load reads the logs in seq order and sorts them itself: the result
/// must be SQLite's `ORDER BY account_key, ts, seq`.
@Suite struct LogOrderTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func byAccountThenTimeIsOrderByAccountTimeSeq(seed: UInt64) throws {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        // (account, ts, seq): time mostly rising within an account, with ties and a few out of order.
        var clock = 0
        let rows: [(account: Int, ts: Int64, seq: Int)] = (0 ..< 2000).map { seq in
            clock += next(3)
            return (next(40), Int64(next(10) == 0 ? clock - next(50) : clock), seq)
        }
        let sorted = try Store.byAccountThenTime(rows, accountCount: 45, account: { $0.account }, time: { $0.ts })
        let expected = rows.sorted { ($0.account, $0.ts, $0.seq) < ($1.account, $1.ts, $1.seq) }
        #expect(sorted.map(\.seq) == expected.map(\.seq))
        #expect(throws: StoreError.self) { try Store.byAccountThenTime(rows, accountCount: 39, account: { $0.account }, time: { $0.ts }) }
    }

    /// A snapshot's rows (sorted) and the rows read after it (seq order,
    /// each after every snapshot row): merged in place, the order is the
    /// same as sorting them all, ties of account and time by seq.
    @Test(arguments: [UInt64(4), 5, 6])
    func rowsAfterASnapshotAreMergedInOrder(seed: UInt64) throws {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        let all: [(account: Int, ts: Int64, seq: Int)] = (0 ..< 1500).map { seq in (next(30), Int64(next(200)), seq) }
        let expected = all.sorted { ($0.account, $0.ts, $0.seq) < ($1.account, $1.ts, $1.seq) }
        for prefix in [0, 1, 700, 1499, 1500] {
            let snapshot = all[..<prefix].sorted { ($0.account, $0.ts, $0.seq) < ($1.account, $1.ts, $1.seq) }
            var rows = snapshot + all[prefix...]
            try Store.sortByAccountThenTime(&rows, sortedPrefix: prefix, accountCount: 30, account: { $0.account }, time: { $0.ts })
            #expect(rows.map(\.seq) == expected.map(\.seq), "prefix \(prefix)")
        }
        // By hand: ties of account and time keep the snapshot's row first.
        var rows: [(account: Int, ts: Int64, seq: Int)] = [(0, 10, 1), (0, 20, 2), (1, 5, 3), (2, 7, 4), (1, 5, 5), (0, 15, 6), (2, 1, 7), (0, 20, 8)]
        try Store.sortByAccountThenTime(&rows, sortedPrefix: 4, accountCount: 3, account: { $0.account }, time: { $0.ts })
        #expect(rows.map(\.seq) == [1, 6, 2, 8, 3, 5, 7, 4])
        var bad: [(account: Int, ts: Int64, seq: Int)] = [(0, 10, 1), (5, 1, 2)]
        #expect(throws: StoreError.self) {
            try Store.sortByAccountThenTime(&bad, sortedPrefix: 1, accountCount: 3, account: { $0.account }, time: { $0.ts })
        }
    }
}
