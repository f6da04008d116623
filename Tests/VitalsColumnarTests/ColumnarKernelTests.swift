import Testing
@testable import VitalsColumnar

@Suite struct ByteStringDictionaryTests {
    @Test func assignsDenseCodesInFirstSeenOrderAndSurvivesGrowth() {
        var dictionary = ByteStringDictionary()
        for i in 0 ..< 5000 { #expect(dictionary.insert("acc_\(i)") == UInt32(i)) }
        #expect(dictionary.insert("acc_17") == 17)
        #expect(dictionary.count == 5000)
        #expect(dictionary.code(of: "acc_4999") == 4999)
        #expect(dictionary.code(of: "acc_5000") == nil)
        #expect(dictionary.code(of: "") == nil)
        #expect(dictionary.key(1234) == "acc_1234")
        let rebuilt = ByteStringDictionary(keys: dictionary.keys)
        #expect(rebuilt.code(of: "acc_321") == 321)
    }

    /// Keys appended unindexed and filed at once (a stored table read whole)
    /// get the codes and answers inserting them one by one gives, after
    /// keys inserted before them and before keys inserted after; a key
    /// that repeats an earlier one is named with the code it repeats.
    @Test func keysFiledAtOnceAnswerAsKeysInsertedOneByOne() {
        let keys = (0 ..< 20_000).map { "usr_\($0 * 7919 % 100_003)" } + ["", "a", "abcdefghijklmnop", "abcdefghijklmnoq"]
        var oneByOne = ByteStringDictionary(), atOnce = ByteStringDictionary()
        for key in keys { oneByOne.insert(key) }
        for key in keys[..<100] { atOnce.insert(key) }
        for var key in keys[100...] { key.withUTF8 { atOnce.append(unindexed: UnsafeRawBufferPointer($0)) } }
        #expect(atOnce.indexAppended() == nil)
        #expect(atOnce.count == keys.count && atOnce.keys == keys)
        for (i, key) in keys.enumerated() { #expect(atOnce.code(of: key) == UInt32(i) && oneByOne.code(of: key) == UInt32(i)) }
        #expect(atOnce.code(of: "usr_100003") == nil && atOnce.code(of: "abcdefghijklmnor") == nil)
        #expect(atOnce.insert("usr_new") == UInt32(keys.count) && atOnce.insert("usr_0") == 0)
        #expect(ByteStringDictionary(keys: keys).code(of: "abcdefghijklmnoq") == UInt32(keys.count - 1))

        var repeating = ByteStringDictionary()
        for var key in ["u1", "u2", "u3", "u2", "u4"] { key.withUTF8 { repeating.append(unindexed: UnsafeRawBufferPointer($0)) } }
        let repeated = repeating.indexAppended()
        #expect(repeated?.code == 3 && repeated?.earlier == 1)
    }

    /// The row before's code is only a hint: a wrong one still finds the
    /// key's own code, or none. Keys that differ after eight bytes, or only
    /// in length, stay apart.
    @Test func aHintIsTriedFirstAndNeverWins() {
        var dictionary = ByteStringDictionary()
        let keys = ["usr_000001", "usr_000002", "usr_0000010", "usr_00000", "a", "", "usr_000001\u{e9}", "abcd", "abce", "abcdef", "abcdeg", "bbcdef", "abcdefghijklmnop", "abcdefghijklmnoq", "bbcdefghijklmnop"] + (0 ..< 3000).map { "user-\($0)@example.com" }
        for (i, key) in keys.enumerated() { #expect(dictionary.insert(key) == UInt32(i)) }
        func code(_ key: String, _ hint: UInt32?) -> UInt32? {
            var key = key
            return key.withUTF8 { dictionary.code(of: UnsafeRawBufferPointer($0), trying: hint) }
        }
        for (i, key) in keys.enumerated() {
            #expect(code(key, UInt32(i)) == UInt32(i))
            #expect(code(key, UInt32((i + 1) % keys.count)) == UInt32(i), "\(key)")
            #expect(code(key, nil) == UInt32(i))
        }
        #expect(code("usr_000003", 0) == nil)
        #expect(code("usr_00000", 0) == 3)
    }

    /// The account's users are searched first, but a user of another
    /// account, of an account too big to scan, or of no known account is
    /// still found by the dictionary; an unknown id is nil.
    @Test func codesByGroupFindEveryKeyWhateverItsGroup() {
        // Users 0 ..< 40 in account 0 (more than a scan takes), 40 ..< 100 three to an account 1 ... 20.
        let keys = (0 ..< 100).map { "usr_\($0)" }
        let dictionary = ByteStringDictionary(keys: keys)
        let groups = (0 ..< 100).map { $0 < 40 ? 0 : 1 + ($0 - 40) / 3 }
        let byAccount = CodesByGroup(groups: groups, groupCount: 21, keys: dictionary)
        func code(_ key: String, group: Int) -> UInt32? {
            var key = key
            return key.withUTF8 { byAccount.code(of: UnsafeRawBufferPointer($0), in: dictionary, group: group) }
        }
        for (i, key) in keys.enumerated() {
            #expect(code(key, group: groups[i]) == UInt32(i))
            #expect(code(key, group: (groups[i] + 1) % 21) == UInt32(i))
            #expect(code(key, group: 99) == UInt32(i))
        }
        #expect(code("usr_100", group: 1) == nil)
        #expect(code("usr_4", group: 0) == 4)
    }

    /// Keys of one group with the same tag (last eight bytes and length)
    /// are told apart by their bytes; a key that only shares a tag with a
    /// member is not taken for it.
    @Test func codesByGroupTellKeysWithOneTagApart() {
        // Keys of 16 bytes or fewer are told apart by their first and last
        // eight bytes and length; longer ones in the dictionary.
        let keys = ["north-usr_000001", "south-usr_000001", "usr_000001", "east-usr_000002", "ab", "ba",
                    "ab12345678", "cd12345678", "west-coast-usr_000001", "east-coast-usr_000001", "x-usr_000001"]
        let dictionary = ByteStringDictionary(keys: keys)
        let byAccount = CodesByGroup(groups: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], groupCount: 2, keys: dictionary)
        func code(_ key: String, group: Int) -> UInt32? {
            var key = key
            return key.withUTF8 { byAccount.code(of: UnsafeRawBufferPointer($0), in: dictionary, group: group) }
        }
        for (i, key) in keys.enumerated() {
            #expect(code(key, group: 0) == UInt32(i), "\(key)")
            #expect(code(key, group: 1) == UInt32(i), "\(key)")
        }
        #expect(code("weast-usr_000001", group: 0) == nil)
        #expect(code("ef12345678", group: 0) == nil)
        #expect(code("ab1234567", group: 0) == nil)
        #expect(code("north-coast-usr_000001", group: 0) == nil)
        #expect(code("a", group: 0) == nil)
    }

    /// The short-key index answers what the dictionary answers: keys that
    /// share their first or last eight bytes, keys of every length from 0
    /// to 16, longer keys (through the dictionary), absent keys, a hint.
    @Test func aShortKeyIndexAnswersWhatTheDictionaryAnswers() {
        var keys = ["", "a", "ab", "ba", "acc_00001", "acc_00002", "acc_10001", "xcc_00001", "acc_000001",
                    "north-usr_000001", "south-usr_000001", "west-coast-usr_000001", "east-coast-usr_000001"]
        keys += (0 ..< 3000).map { "acc_\($0)" } + (0 ..< 17).map { String(repeating: "k", count: $0 + 1) + "!" }
        let dictionary = ByteStringDictionary(keys: keys)
        let index = ShortKeyIndex(dictionary)
        func code(_ key: String, hint: UInt32? = nil) -> UInt32? {
            var key = key
            return key.withUTF8 { index.code(of: UnsafeRawBufferPointer($0), in: dictionary, trying: hint) }
        }
        #expect(keys.enumerated().allSatisfy { code($1) == UInt32($0) })
        #expect(keys.enumerated().allSatisfy { code($1, hint: UInt32(($0 + 1) % keys.count)) == UInt32($0) })
        for absent in ["acc_3000", "acc_00003", "cca_00001", "north-usr_000002", "north-coast-usr_000001", "abc", "kkkkkkkkkkkkkkkkkkkk!"] {
            #expect(code(absent) == nil, "\(absent)")
            #expect(code(absent, hint: 4) == nil, "\(absent)")
        }
    }

    /// A cache slot shared by two keys answers each with its own code.
    @Test func recentCodesAnswerWhatTheDictionaryAnswers() {
        var dictionary = ByteStringDictionary()
        let keys = ["email", "sms", "conversations_inbox", "calendar_booking", "a"] + (0 ..< 500).map { "feature_\($0)" }
        for key in keys { dictionary.insert(key) }
        var recent = RecentCodes(bits: 2)
        func code(_ key: String) -> UInt32? {
            var key = key
            return key.withUTF8 { recent.code(of: UnsafeRawBufferPointer($0), in: dictionary) }
        }
        for round in 0 ..< 3 {
            for (i, key) in keys.enumerated() { #expect(code(key) == UInt32(i), "round \(round): \(key)") }
        }
        #expect(code("feature_500") == nil)
        #expect(code("") == nil)
    }
}

@Suite struct ColumnSegmentTests {
    /// One encoder, its buffers reused from a large segment to a small one
    /// and back, writes each segment byte for byte as a fresh encode does.
    @Test func anEncoderWritesWhatAFreshEncodeWrites() throws {
        let encoder = ColumnSegmentEncoder()
        var state: UInt64 = 3
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 20 }
        for count in [100_000, 7, 0, 1, 65_537, 3] {
            let times = (0 ..< count).map { Int64($0 * 3) + Int64(next() % 5) }
            let codes = (0 ..< count).map { _ in UInt32(next() % 1_000) }
            #expect(try encoder.encode(times, encoding: [.delta, .shuffle]) == ColumnSegment.encode(times, encoding: [.delta, .shuffle]), "\(count)")
            #expect(try encoder.encode(times, encoding: [.shuffle]) == ColumnSegment.encode(times, encoding: [.shuffle]))
            #expect(try encoder.encode(codes) == ColumnSegment.encode(codes))
            #expect(try encoder.encode(codes, encoding: []) == ColumnSegment.encode(codes, encoding: []))
            #expect(try ColumnSegment.decode(encoder.encode(times, encoding: [.delta, .shuffle]), as: Int64.self) == times)
        }
    }

    @Test func roundTripsEveryEncoding() throws {
        var rng = SystemRandomNumberGenerator()
        let timestamps = (0 ..< 10_000).map { Int64($0 * 37) + Int64.random(in: -5 ... 5, using: &rng) }
        let small = (0 ..< 10_000).map { _ in UInt32.random(in: 0 ..< 300, using: &rng) }
        for encoding: ColumnSegment.Encoding in [[], [.delta], [.shuffle], [.delta, .shuffle]] {
            #expect(try ColumnSegment.decode(ColumnSegment.encode(timestamps, encoding: encoding), as: Int64.self) == timestamps)
            #expect(try ColumnSegment.decode(ColumnSegment.encode(small, encoding: encoding), as: UInt32.self) == small)
        }
        #expect(try ColumnSegment.decode(ColumnSegment.encode([Int64](), encoding: [.delta]), as: Int64.self) == [])
        #expect(try ColumnSegment.decode(ColumnSegment.encode([Int64.min, Int64.max, 0]), as: Int64.self) == [Int64.min, Int64.max, 0])
    }

    /// The stored layout is fixed (stores written by earlier builds must
    /// read): byte-shuffled, byte b of value i at b × n + i; deltas summed
    /// on the way back. Checked against a plain reference on lengths around
    /// the eight-value words and the decoding blocks.
    @Test func theShuffledLayoutIsByteBOfValueIAtBTimesNPlusI() {
        var rng = SystemRandomNumberGenerator()
        func reference<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
            let width = MemoryLayout<T>.size, n = values.count
            var bytes = [UInt8](repeating: 0, count: n * width)
            for i in 0 ..< n { for b in 0 ..< width { bytes[b * n + i] = UInt8(truncatingIfNeeded: values[i] >> (8 * b)) } }
            return bytes
        }
        func check<T: FixedWidthInteger>(_ values: [T]) {
            var stored = [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
            values.withUnsafeBufferPointer { source in stored.withUnsafeMutableBytes { ColumnSegment.store(source, into: $0, shuffle: true) } }
            #expect(stored == reference(values), "\(T.self) × \(values.count)")
            var back = [T](repeating: 0, count: values.count)
            stored.withUnsafeBytes { raw in back.withUnsafeMutableBufferPointer { ColumnSegment.untransform(raw, count: values.count, encoding: [.shuffle], into: $0) } }
            #expect(back == values, "\(T.self) × \(values.count)")
            // Deltas: the stored values are the differences, read back summed.
            var sums: [T] = [], total: T = 0
            for value in values { total = total &+ value; sums.append(total) }
            stored.withUnsafeBytes { raw in back.withUnsafeMutableBufferPointer { ColumnSegment.untransform(raw, count: values.count, encoding: [.shuffle, .delta], into: $0) } }
            #expect(back == sums, "\(T.self) × \(values.count), deltas")
        }
        for count in [1, 7, 8, 9, 2047, 2048, 2049, 6 * 2048 + 13] {
            check((0 ..< count).map { _ in Int64.random(in: .min ... .max, using: &rng) })
            check((0 ..< count).map { _ in UInt32.random(in: .min ... .max, using: &rng) })
            check((0 ..< count).map { _ in UInt16.random(in: .min ... .max, using: &rng) })
        }
    }

    @Test func sortedTimestampsCompressWell() throws {
        let timestamps = (0 ..< 100_000).map { Int64(1_780_000_000 + $0 * 13) }
        let blob = try ColumnSegment.encode(timestamps, encoding: [.delta, .shuffle])
        #expect(blob.count < timestamps.count * 8 / 50)
    }

    @Test func rejectsAWrongTypeOrDamage() throws {
        let blob = try ColumnSegment.encode([UInt32](repeating: 7, count: 100))
        #expect(throws: ColumnarError.self) { try ColumnSegment.decode(blob, as: Int64.self) }
        var damaged = blob
        damaged.removeLast(3)
        #expect(throws: ColumnarError.self) { try ColumnSegment.decode(damaged, as: UInt32.self) }
    }
}

@Suite struct EventColumnsTests {
    /// Rows as tuples (partition, ts, actor, item, quantity) in the builder's order.
    typealias Row = (partition: UInt32, ts: UInt32, actor: UInt32, item: UInt32, quantity: UInt32)

    func build(_ rows: [Row], partitions: Int) -> EventColumns {
        var builder = EventColumnsBuilder(hasItems: true)
        for r in rows { builder.append(partition: r.partition, timestamp: r.ts, actor: r.actor, item: r.item, quantity: r.quantity) }
        return builder.build(partitionCount: partitions)
    }

    func randomRows(_ count: Int, seed: UInt64) -> [Row] {
        var state = seed
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        return (0 ..< count).map { _ in
            (UInt32(next() % 13), UInt32(next() % 50), UInt32(next() % 9), UInt32(next() % 4), UInt32(next() % 5 + 1))
        }
    }

    @Test func sortsByPartitionThenTimeThenArrival() {
        let rows = randomRows(2000, seed: 1)
        let columns = build(rows, partitions: 15)
        let expected = rows.enumerated().sorted {
            ($0.element.partition, $0.element.ts, $0.offset) < ($1.element.partition, $1.element.ts, $1.offset)
        }.map(\.element)
        #expect(columns.count == rows.count)
        #expect(columns.partitionCount == 15)
        #expect(columns.rows(of: 13).isEmpty && columns.rows(of: 14).isEmpty)
        for (i, row) in expected.enumerated() {
            #expect(columns.timestamps[i] == row.ts && columns.actors[i] == row.actor)
            #expect(columns.items[i] == row.item && columns.quantities[i] == row.quantity)
            #expect(columns.rows(of: Int(row.partition)).contains(i))
        }
    }

    /// A builder kept from table to table (as each parsing worker keeps
    /// one from part to part, with or without items, the rows appended
    /// one by one or in batches) builds what a fresh builder builds.
    @Test func aBuilderKeptForTheNextTableBuildsWhatAFreshOneBuilds() {
        var kept = EventColumnsBuilder(hasItems: false)
        let batch = EventRowBatch()
        defer { batch.deallocate() }
        for (round, (count, hasItems)) in [(2500, true), (700, false), (3100, true), (0, true), (40, false)].enumerated() {
            let rows = randomRows(count, seed: UInt64(10 + round))
            var fresh = EventColumnsBuilder(hasItems: hasItems)
            kept.reset(hasItems: hasItems, reservingCapacity: round == 2 ? 10 : 0)
            var pending = 0
            for r in rows {
                fresh.append(partition: r.partition, timestamp: r.ts, actor: r.actor, item: r.item, quantity: r.quantity)
                if round % 2 == 0 {
                    if pending == EventRowBatch.capacity { kept.append(batch, count: pending); pending = 0 }
                    batch.set(pending, partition: r.partition, timestamp: r.ts, actor: r.actor, item: r.item, quantity: r.quantity)
                    pending += 1
                } else {
                    kept.append(partition: r.partition, timestamp: r.ts, actor: r.actor, item: r.item, quantity: r.quantity)
                }
            }
            kept.append(batch, count: pending)
            let built = kept.buildKeepingBuffers(partitionCount: 13)
            #expect(built == fresh.build(partitionCount: 13), "round \(round)")
            #expect(built.hasItems == hasItems && kept.count == 0)
        }
    }

    @Test func mergingBatchesEqualsOneBuildOfAllRows() {
        let rows = randomRows(3000, seed: 2)
        let whole = build(rows, partitions: 13)
        let parts = [build(Array(rows[0 ..< 1000]), partitions: 13), build(Array(rows[1000 ..< 1700]), partitions: 11 + 2),
                     build(Array(rows[1700...]), partitions: 13)]
        #expect(EventColumns.merge(parts, partitionCount: 13, hasItems: true) == whole)
        var extended = whole
        extended.extendPartitions(to: 20)
        #expect(EventColumns.merge([whole], partitionCount: 20, hasItems: true) == extended)
    }

    /// Nightly batches: each later in time than the last (copied as blocks), an
    /// early batch that knew fewer partitions (accounts created later), a
    /// backfill that overlaps in time (sorted again, ties in batch order), and a
    /// kind without items.
    @Test func mergingNightlyBatchesAndABackfillEqualsOneBuild() {
        var rows: [Row] = []
        var nights: [[Row]] = []
        for night in 0 ..< 5 {
            // Night n: partitions 0 ..< 8 + n, times in [100 n, 100 n + 99].
            let batch = randomRows(400, seed: UInt64(10 + night)).map {
                Row(partition: $0.partition % UInt32(8 + night), ts: UInt32(100 * night) + $0.ts, actor: $0.actor, item: $0.item, quantity: $0.quantity)
            }
            nights.append(batch)
            rows += batch
        }
        let backfill = randomRows(300, seed: 99).map { Row(partition: $0.partition % 12, ts: $0.ts * 9, actor: $0.actor, item: $0.item, quantity: $0.quantity) }
        for withBackfill in [false, true] {
            let batches = nights.enumerated().map { build($0.element, partitions: 8 + $0.offset) } + (withBackfill ? [build(backfill, partitions: 12)] : [])
            let all = rows + (withBackfill ? backfill : [])
            #expect(EventColumns.merge(batches, partitionCount: 14, hasItems: true) == build(all, partitions: 14))
        }
        let logins = nights.enumerated().map { night, batch in
            var builder = EventColumnsBuilder(hasItems: false)
            for row in batch { builder.append(partition: row.partition, timestamp: row.ts, actor: row.actor) }
            return builder.build(partitionCount: 8 + night)
        }
        var whole = EventColumnsBuilder(hasItems: false)
        for row in rows { whole.append(partition: row.partition, timestamp: row.ts, actor: row.actor) }
        #expect(EventColumns.merge(logins, partitionCount: 12, hasItems: false) == whole.build(partitionCount: 12))
    }

    /// The store keeps 64-bit seconds; a load narrows them to the 32 bits
    /// the columns hold, and says when one does not fit.
    @Test func storedSecondsNarrowToThirtyTwoBitsOrSaySo() throws {
        let encoder = ColumnSegmentEncoder()
        for count in [0, 1, 7, 2048, 2049, 10_000] {
            let seconds: [Int64] = (0 ..< count).map { i -> Int64 in Int64(1_780_000_000 + i * 13 + i % 7) }
            let blob = try encoder.encode(seconds, encoding: [.delta, .shuffle])
            var times = [UInt32](repeating: 0, count: count)
            let fits = try blob.withUnsafeBytes { bytes in try times.withUnsafeMutableBufferPointer { try ColumnSegment.decodeNarrowing(bytes, into: $0) } }
            #expect(fits && times.map { Int64($0) } == seconds, "\(count) values")
        }
        for outside in [Int64(-1), Int64(UInt32.max) + 1] {
            let blob = try encoder.encode([0, 100, outside, 200], encoding: [.delta, .shuffle])
            var times = [UInt32](repeating: 0, count: 4)
            #expect(try !blob.withUnsafeBytes { bytes in try times.withUnsafeMutableBufferPointer { try ColumnSegment.decodeNarrowing(bytes, into: $0) } })
        }
        #expect(EventColumns.storedTime(0) == 0 && EventColumns.storedTime(Int64(UInt32.max)) == UInt32.max)
        #expect(EventColumns.storedTime(-1) == nil && EventColumns.storedTime(Int64(UInt32.max) + 1) == nil)
    }
}
