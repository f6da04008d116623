import Foundation
import GRDB
import Testing
import VitalsColumnar
@testable import VitalsStore

/// A store fed night after night holds one event batch per ingest and
/// 7-day epoch; the ingest merges an epoch's batches once a newer epoch
/// exists, and `vitals compact --all` merges every epoch's. Neither may
/// change what loads.
@Suite struct CompactionTests {
    static let week = EventBatchCodec.epochSeconds

    /// A batch within epoch `e`, or spanning epochs `e ... last`.
    func span(_ e: Int64, _ last: Int64? = nil) -> Store.StoredSpan {
        Store.StoredSpan(minTs: e * Self.week + 5, maxTs: (last ?? e) * Self.week + 100)
    }

    @Test func whichBatchesMerge() {
        func plan(_ spans: [Store.StoredSpan], all: Bool = false) -> [[Int]] { Store.compactionPlan(spans, all: all).map(\.positions) }
        #expect(plan([span(3)]).isEmpty)
        #expect(plan([span(3)], all: true).isEmpty)
        // The newest epoch gathers nights; an older one is merged.
        #expect(plan([span(3), span(4), span(4)]).isEmpty)
        #expect(plan([span(3), span(3), span(4)]) == [[0, 1]])
        #expect(plan([span(3), span(4), span(3), span(5)]) == [[0, 2]])
        // …the newest too once it holds more than the limit, and every epoch with --all.
        #expect(plan(Array(repeating: span(4), count: Store.batchLimit)).isEmpty)
        #expect(plan(Array(repeating: span(4), count: Store.batchLimit + 1)) == [Array(0 ... Store.batchLimit)])
        #expect(plan([span(3), span(3), span(4), span(4)], all: true) == [[0, 1], [2, 3]])
        // A batch spanning epochs (stored before epochs) is left alone, and --all cuts it with the rest.
        #expect(plan([span(0, 3), span(3)]).isEmpty)
        #expect(plan([span(0, 3), span(3), span(4)], all: true) == [[0, 1, 2]])
        #expect(Store.compactionPlan([span(0, 3)], all: true).map(\.resplit) == [true])
        #expect(Store.compactionPlan([span(3), span(3)], all: true).map(\.resplit) == [false])
    }

    /// The generated dataset's events of day `day` (YYYY-MM-DD) and of the days before, as two directories.
    static func split(_ directory: String, nights: [String]) throws -> (history: String, nights: [String]) {
        let root = makeTemporaryDirectory()
        let history = root.appendingPathComponent("history").path
        try FileManager.default.createDirectory(atPath: history, withIntermediateDirectories: true)
        var nightDirectories: [String] = []
        for night in nights {
            let path = root.appendingPathComponent(night).path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            nightDirectories.append(path)
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".csv") {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            guard file == "logins.csv" || file == "feature_usage.csv" else {
                try text.write(toFile: history + "/" + file, atomically: true, encoding: .utf8)
                continue
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            let header = String(lines[0])
            var byNight = Array(repeating: [header], count: nights.count), before = [header]
            for line in lines.dropFirst() {
                if let n = nights.firstIndex(of: String(line.prefix(10))) { byNight[n].append(String(line)) } else { before.append(String(line)) }
            }
            try (before.joined(separator: "\n") + "\n").write(toFile: history + "/" + file, atomically: true, encoding: .utf8)
            for (n, rows) in byNight.enumerated() {
                try (rows.joined(separator: "\n") + "\n").write(toFile: nightDirectories[n] + "/" + file, atomically: true, encoding: .utf8)
            }
        }
        return (history, nightDirectories)
    }

    /// Batches per kind and epoch.
    func batchCounts(_ store: Store) throws -> [String: [Int64: Int]] {
        try store.read { db in
            var counts: [String: [Int64: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, min_ts, max_ts FROM event_batches") {
                let first = EventColumns.epoch(of: row[1], seconds: Self.week), last = EventColumns.epoch(of: row[2], seconds: Self.week)
                #expect(first == last, "a batch spans epochs")
                counts[row[0] as String, default: [:]][first, default: 0] += 1
            }
            return counts
        }
    }

    @Test func nightlyIngestsAndCompactionLoadWhatOneIngestLoads() throws {
        let data = try RoundTripTests.generate(seed: 23)
        let nights = (7 ... 20).map { String(format: "2026-11-%02d", $0) }
        let (history, nightDirectories) = try Self.split(data, nights: nights)

        let cold = makeTemporaryDirectory().appendingPathComponent("cold.db").path
        _ = try Ingestor.ingest(directory: data, into: cold)
        let expected = try Store.open(at: cold, readOnly: true).loadDataset()

        let nightly = makeTemporaryDirectory().appendingPathComponent("nightly.db").path
        _ = try Ingestor.ingest(directory: history, into: nightly)
        var compactions = 0
        for night in nightDirectories {
            let summary = try Ingestor.ingest(directory: night, into: nightly)
            if summary.compaction != nil { compactions += 1 }
            // Every epoch but the newest holds one batch.
            for (kind, byEpoch) in try batchCounts(try Store.open(at: nightly, readOnly: true)) {
                let newest = byEpoch.keys.max()!
                #expect(byEpoch.allSatisfy { $0.key == newest ? $0.value <= 7 : $0.value == 1 }, "\(night) \(kind): \(byEpoch)")
            }
        }
        // 14 nights after the first ingest: two weeks' nights were merged.
        #expect(compactions >= 2)
        let store = try Store.open(at: nightly)
        let loaded = try store.loadDataset()
        #expect(loaded.logins == expected.logins)
        #expect(loaded.featureUsage == expected.featureUsage)

        let all = try store.compact(all: true)
        #expect(Set(all.merges.map(\.kind)) == ["login", "feature_usage"])
        #expect(try batchCounts(store).values.allSatisfy { $0.values.allSatisfy { $0 == 1 } })
        let compacted = try store.loadDataset()
        #expect(compacted.logins == expected.logins)
        #expect(compacted.featureUsage == expected.featureUsage)
        #expect(try store.compact(all: true).merges.isEmpty)
    }

    /// Latest timestamp per actor and per partition, and the (partition, item) pairs, of a table.
    static func lastPerActor(_ columns: EventColumns, into last: inout [Int64]) {
        for i in 0 ..< columns.count { last[Int(columns.actors[i])] = max(last[Int(columns.actors[i])], Int64(columns.timestamps[i])) }
    }

    @Test func aWindowedLoadSkipsOldEpochsAndKeepsTheirDigests() throws {
        let data = try RoundTripTests.generate(seed: 29)
        let path = makeTemporaryDirectory().appendingPathComponent("window.db").path
        _ = try Ingestor.ingest(directory: data, into: path)
        let store = try Store.open(at: path, readOnly: true)
        let full = try store.loadDataset()
        // Three weeks before the last event day.
        let from = full.logins.seconds.max()! - 21 * 86_400
        let windowed = try store.loadDataset(eventsFrom: from)
        let earlier = try #require(windowed.earlier)
        #expect(earlier.skippedBatches > 0 && windowed.logins.count + windowed.featureUsage.count + earlier.skippedRows
            == full.logins.count + full.featureUsage.count)
        // Every event from the window on is there, as the full load has it.
        let end = Int64.max
        #expect(windowed.logins.slice(from: from, to: end) == full.logins.slice(from: from, to: end))
        #expect(windowed.featureUsage.slice(from: from, to: end) == full.featureUsage.slice(from: from, to: end))
        #expect(windowed.logins.seconds.min()! > from - EventBatchCodec.epochSeconds)
        // The decoded rows and the digests together know each user's and account's latest login…
        var fullLast = [Int64](repeating: .min, count: full.users.count), windowLast = earlier.lastLoginOfUser
        Self.lastPerActor(full.logins, into: &fullLast)
        Self.lastPerActor(windowed.logins, into: &windowLast)
        #expect(windowLast == fullLast)
        for account in 0 ..< full.accounts.count {
            let decoded = windowed.logins.rows(of: account)
            let last = decoded.isEmpty ? earlier.lastLoginOfAccount[account] : Int64(windowed.logins.timestamps[decoded.upperBound - 1])
            let fullRows = full.logins.rows(of: account)
            #expect(last == (fullRows.isEmpty ? .min : Int64(full.logins.timestamps[fullRows.upperBound - 1])))
            // …and the features each account ever used.
            let used = Set(full.featureUsage.items[full.featureUsage.rows(of: account)])
            let known = Set(windowed.featureUsage.items[windowed.featureUsage.rows(of: account)]).union(earlier.featuresOfAccount[account])
            #expect(known == used)
        }
        #expect(earlier.firstTimestamp == min(full.logins.seconds.min()!, full.featureUsage.seconds.min()!))
    }

    /// The merged digests a score keeps: the next load starts from them and
    /// adds the batches they lack, and gets what reading every digest gets;
    /// a cache naming a batch no longer stored as it was (a compaction
    /// since), or one that does not decode, is not used.
    @Test func aLoadStartsFromTheMergedDigestsOfAnEarlierOne() throws {
        let data = try RoundTripTests.generate(seed: 31)
        let path = makeTemporaryDirectory().appendingPathComponent("cache.db").path
        // The history, then three nights (at least two of them in one epoch: a batch each, for the compaction
        // below); a day long past is ingested last.
        let (history, days) = try Self.split(data, nights: ["2026-10-02", "2026-11-17", "2026-11-18", "2026-11-19"])
        let old = days[0]
        for directory in [history] + days.dropFirst() { _ = try Ingestor.ingest(directory: directory, into: path) }
        let store = try Store.open(at: path)
        let last = try store.loadDataset().logins.seconds.max()!
        // Last night's window began three weeks back, tonight's a week later: more batches fall before it.
        let lastNight = try #require(try store.loadDataset(eventsFrom: last - 28 * 86_400).earlier)
        let plain = try #require(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier)
        #expect(lastNight.batchesFromCache == 0 && lastNight.skippedBatches > 0 && plain.skippedBatches > lastNight.skippedBatches)
        #expect(try store.keepDigests(of: lastNight))
        let tonight = try #require(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier)
        #expect(tonight.batchesFromCache == lastNight.skippedBatches)
        #expect(tonight == plain)
        #expect(Set(tonight.batches) == Set(plain.batches))
        // Kept again, it holds tonight's batches, and a load of the same window takes it whole.
        #expect(try store.keepDigests(of: tonight))
        let whole = try #require(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier)
        #expect(whole.batchesFromCache == plain.skippedBatches && whole == plain)
        #expect(try !store.keepDigests(of: try #require(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier)))
        // An earlier window than the cache's: some of its batches are inside it, so the cache is not used.
        let earlierWindow = try #require(try store.loadDataset(eventsFrom: last - 28 * 86_400).earlier)
        #expect(earlierWindow.batchesFromCache == 0 && earlierWindow == lastNight)
        // A batch changed under the same id: not used, and not kept either.
        try store.write { db in try db.execute(sql: "UPDATE event_batches SET stored_bytes = stored_bytes + 1 WHERE batch_id = ?",
                                                 arguments: [plain.batches[0].id]) }
        #expect(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier?.batchesFromCache == 0)
        #expect(try !store.keepDigests(of: tonight))
        // A cache that does not decode is rebuilt, not trusted.
        try store.write { db in try db.execute(sql: "UPDATE digest_cache SET state = x'56454431ff'") }
        #expect(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier?.batchesFromCache == 0)
        // A compaction of batches it does not hold (the newest epoch's, inside the window) keeps it…
        #expect(try store.keepDigests(of: try #require(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier)))
        #expect(try !store.compact(all: true).merges.isEmpty)
        let kept = try #require(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier)
        #expect(kept.batchesFromCache == kept.skippedBatches && kept == plain)
        // …one that merges a batch it holds deletes it (a merged batch's id is reused): here the ingest
        // of a day long past, whose epoch it then merges.
        _ = try Ingestor.ingest(directory: old, into: path)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM digest_cache") } == 0)
        #expect(try store.loadDataset(eventsFrom: last - 14 * 86_400).earlier?.batchesFromCache == 0)
    }

    @Test func theMergedDigestsSurviveTheirEncoding() throws {
        let cache = DigestCache(batches: [Self.batch(3, minTs: nil, rows: 7), DigestedBatch(id: 9, kind: .login, rowCount: 2, minTs: -5, maxTs: 88, storedBytes: 1)],
                                firstTimestamp: -5, skippedRows: 9, lastLoginOfUser: [.min, 4, 1_700_000_000], lastLoginOfAccount: [12],
                                featurePairs: [(0, 3), (0, 70), (5, 1)])
        #expect(DigestCache.decode(try cache.encoded()) == cache)
        let empty = DigestCache(batches: [], firstTimestamp: nil, skippedRows: 0, lastLoginOfUser: [], lastLoginOfAccount: [], featurePairs: [])
        #expect(DigestCache.decode(try empty.encoded()) == empty)
        var cut = try cache.encoded()
        cut.removeLast(3)
        #expect(DigestCache.decode(cut) == nil)
    }

    static func batch(_ id: Int64, minTs: Int64?, rows: Int) -> DigestedBatch {
        DigestedBatch(id: id, kind: .featureUsage, rowCount: rows, minTs: minTs, maxTs: minTs, storedBytes: 100)
    }

    /// The features of an account over several digests: each key once, in
    /// ascending order, also for keys beyond the count the load began with.
    @Test func theDigestsFeaturesOfAnAccountMergeAsSortedSets() {
        var earlier = EarlierEvents(before: 0, accountCount: 3, userCount: 0, featureCount: 10)
        earlier.add(EventDigest(pairPartitions: [0, 0, 2], pairItems: [4, 9, 1]), batch: Self.batch(1, minTs: 5, rows: 3))
        earlier.add(EventDigest(pairPartitions: [0, 0, 0, 1, 7], pairItems: [1, 4, 70, 63, 2]), batch: Self.batch(2, minTs: 3, rows: 5))
        earlier.add(EventDigest(pairPartitions: [2], pairItems: [64]), batch: Self.batch(3, minTs: nil, rows: 1))
        earlier.finish()
        #expect(earlier.featuresOfAccount == [[1, 4, 9, 70], [63], [1, 64]])
        #expect(earlier.skippedRows == 9 && earlier.skippedBatches == 3 && earlier.firstTimestamp == 3)
    }
}
