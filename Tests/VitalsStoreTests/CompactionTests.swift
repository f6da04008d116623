import Foundation
import GRDB
import Testing
import VitalsColumnar
@testable import VitalsStore

/// A store fed night after night holds one event batch per ingest; the
/// ingest merges the newest past ``Store/batchLimit`` and `vitals compact`
/// merges them all. Neither may change what loads.
@Suite struct CompactionTests {
    @Test func whichBatchesMerge() {
        #expect(Store.batchesToMerge(rowCounts: [100], all: false) == nil)
        #expect(Store.batchesToMerge(rowCounts: [100], all: true) == nil)
        #expect(Store.batchesToMerge(rowCounts: [100, 5], all: true) == 0 ..< 2)
        // Up to the limit, nothing; past it, the nights after the first ingest…
        #expect(Store.batchesToMerge(rowCounts: [1000] + Array(repeating: 5, count: Store.batchLimit - 1), all: false) == nil)
        #expect(Store.batchesToMerge(rowCounts: [1000] + Array(repeating: 5, count: Store.batchLimit), all: false) == 1 ..< 9)
        // …and the first too once the nights hold half as many rows.
        #expect(Store.batchesToMerge(rowCounts: [1000] + Array(repeating: 70, count: Store.batchLimit), all: false) == 0 ..< 9)
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

    func batchCounts(_ store: Store) throws -> [String: Int] {
        try store.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) FROM event_batches GROUP BY kind").map {
                ($0[0] as String, $0[1] as Int)
            })
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
            let counts = try batchCounts(try Store.open(at: nightly, readOnly: true))
            #expect(counts.values.allSatisfy { $0 <= Store.batchLimit }, "\(night): \(counts)")
        }
        // 14 nights after the first ingest: the nights were merged at least once.
        #expect(compactions >= 1)
        let store = try Store.open(at: nightly)
        let loaded = try store.loadDataset()
        #expect(loaded.logins == expected.logins)
        #expect(loaded.featureUsage == expected.featureUsage)

        let all = try store.compact(all: true)
        #expect(Set(all.merges.map(\.kind)) == ["login", "feature_usage"])
        #expect(try batchCounts(store) == ["login": 1, "feature_usage": 1])
        let compacted = try store.loadDataset()
        #expect(compacted.logins == expected.logins)
        #expect(compacted.featureUsage == expected.featureUsage)
        #expect(try store.compact(all: true).merges.isEmpty)
    }
}
