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
}
