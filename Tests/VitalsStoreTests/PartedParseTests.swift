import Foundation
import Testing
@testable import VitalsColumnar
@testable import VitalsStore

/// Event files parsed in parts on all cores and encoded an epoch at a time
/// must be the files parsed whole: the same rows in the same order once
/// decoded, feature codes and first-seen lines, and the same errors.
@Suite struct PartedParseTests {
    static let accounts = ByteStringDictionary(keys: (0 ..< 7).map { "acc_\($0)" })
    static let users = ByteStringDictionary(keys: (0 ..< 30).map { "u\($0)" })
    static let known = ByteStringDictionary(keys: ["email", "sms"])
    /// User i belongs to account i % 7; the files name users of other accounts too.
    static let ids = EventIDs(accounts: accounts, users: users, userAccounts: (0 ..< 30).map { $0 % 7 })

    /// Feature-usage rows out of time order, new features appearing all
    /// along the file (some quoted, one with a line break), blank and CRLF lines.
    static func featureFile(rows: Int, seed: UInt64, badLine: Int? = nil, lineBreaks: Bool = false) -> String {
        var state = seed, line = 1
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        var text = "ts,account_id,user_id,feature,count\n"
        for i in 0 ..< rows {
            line += 1
            if line == badLine { text += "yesterday,acc_1,u1,email,1\n"; continue }
            let feature: String
            switch next(10) {
            case 0: feature = "f\(i / 50)"  // a new feature every 50 rows
            case 1: feature = "\"q, \(next(4))\""
            case 2: feature = lineBreaks ? "\"two\nlines\"" : "\"\"\"quoted\"\"\""
            default: feature = ["email", "sms", "f0", "f3"][next(4)]
            }
            let ts = 1_760_000_000 + next(5_000_000)
            text += "\(ts),acc_\(next(7)),u\(next(30)),\(feature),\(1 + next(9))" + (i % 13 == 0 ? "\r\n" : "\n")
            if feature.contains("\n") { line += 1 }
            if i % 97 == 0 { text += "\n"; line += 1 }
        }
        return text
    }

    /// A file's parse and its batches, as the writer takes them from the
    /// feed (a take-back voids the batches before it).
    struct CollectedFile {
        var parsed: EventParsing.ParsedEvents
        var batches: [EncodedBatch] = []
        var rows: Int { parsed.rows }
        var features: ByteStringDictionary { parsed.features }
        var newFeatureLines: [Int] { parsed.newFeatureLines }
    }

    static func parse(_ files: [(path: String, kind: EventKind)], partBytes: Int) throws -> [CollectedFile] {
        let feed = BatchFeed()
        var collected: [CollectedFile]
        do {
            defer { feed.close() }  // whether the parse succeeds or throws, as readEvents closes it
            collected = try EventParsing.parse(files, ids: ids, features: known, partBytes: partBytes, into: feed).map { CollectedFile(parsed: $0) }
        }
        while let item = feed.next() {
            switch item {
            case let .batch(file, batch): collected[file].batches.append(batch)
            case .takeBack: for f in collected.indices { collected[f].batches = [] }
            }
        }
        return collected
    }

    static func write(_ text: String, name: String) -> String {
        let path = makeTemporaryDirectory().appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// A file's batches decoded and merged: one table, as the load reads them.
    static func decoded(_ batches: [EncodedBatch], kind: EventKind) throws -> EventColumns {
        let tables = try batches.map { try EventBatchCodec.decode($0.segments, kind: kind, rowCount: $0.rowCount, partitionCount: $0.partitionCount) }
        return EventColumns.merge(tables, partitionCount: accounts.count, hasItems: kind.hasItems)
    }

    /// With line breaks inside quoted fields, a cut may fall inside one:
    /// the file is then read whole (the result is the same either way).
    /// Logins in time order over 30 epochs, feature uses in no order.
    @Test(arguments: [(UInt64(1), 211, false), (2, 997, false), (3, 4096, false), (4, 1 << 20, false), (5, 997, true)])
    func partsEqualTheWholeFile(seed: UInt64, partBytes: Int, lineBreaks: Bool) throws {
        let features = Self.write(Self.featureFile(rows: 3000, seed: seed, lineBreaks: lineBreaks), name: "feature_usage.csv")
        let week = Int(EventBatchCodec.epochSeconds)
        let logins = Self.write("ts,account_id,user_id\n" + (0 ..< 2000).map { "\(1_760_000_000 + $0 * 30 * week / 2000 + ($0 * 7919) % 600),acc_\($0 % 7),u\($0 % 30)\n" }.joined(),
                                name: "logins.csv")
        let parted = try Self.parse([(logins, .login), (features, .featureUsage)], partBytes: partBytes)
        let wholeLogins = try EventParsing.parse(logins, kind: .login, ids: Self.ids, features: Self.known)
        let wholeFeatures = try EventParsing.parse(features, kind: .featureUsage, ids: Self.ids, features: Self.known)
        for (a, (b, kind)) in zip(parted, [(wholeLogins, EventKind.login), (wholeFeatures, .featureUsage)]) {
            #expect(a.rows == b.rows)
            #expect(a.batches.reduce(0) { $0 + $1.rowCount } == b.rows)
            let columns = try Self.decoded(a.batches, kind: kind)
            #expect(columns.offsets == b.columns.offsets)
            #expect(columns.timestamps == b.columns.timestamps)
            #expect(columns.actors == b.columns.actors)
            #expect(columns.items == b.columns.items)
            #expect(columns.quantities == b.columns.quantities)
            #expect(a.features.keys == b.features.keys)
            #expect(a.newFeatureLines == b.newFeatureLines)
            // Each batch within one epoch.
            let seconds = EventBatchCodec.epochSeconds
            #expect(a.batches.allSatisfy { EventColumns.epoch(of: $0.minTs!, seconds: seconds) == EventColumns.epoch(of: $0.maxTs!, seconds: seconds) })
        }
        // Logins in time order: one batch per epoch, in epoch order.
        let epochs = parted[0].batches.map { EventColumns.epoch(of: $0.minTs!, seconds: EventBatchCodec.epochSeconds) }
        #expect(epochs.count >= 30 && epochs == epochs.sorted() && Set(epochs).count == epochs.count)
        #expect(parted[1].rows == 3000)
        #expect(parted[1].features.count > 60)
    }

    @Test func aBadRowInALatePartIsReportedAtItsLine() throws {
        let path = Self.write(Self.featureFile(rows: 3000, seed: 5, badLine: 2900), name: "feature_usage.csv")
        #expect {
            _ = try Self.parse([(path, .featureUsage)], partBytes: 1000)
        } throws: { error in
            "\(error)".contains("feature_usage.csv:2900: bad timestamp \"yesterday\"")
        }
    }
}
