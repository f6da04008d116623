import Foundation
import GRDB
import VitalsColumnar

/// A stored batch as the catalog describes it: which batches a merged
/// digest holds. Batch ids are reused once a compaction deletes the newest
/// batch, so a batch is known by all of its catalog fields.
public struct DigestedBatch: Sendable, Hashable {
    public var id: Int64
    public var kind: EventKind
    public var rowCount: Int
    public var minTs: Int64?
    public var maxTs: Int64?
    public var storedBytes: Int64
}

/// The digests of the batches a windowed load did not decode, merged, as
/// the store keeps them for the next night's load (`digest_cache`, one row).
/// At 100 M events a night read 86 batches' digests one by one, 0.4–0.5 s
/// on one core before it could decode the window; the merged state is a
/// few MB. `vitals score` keeps it after a windowed load; a load uses it
/// when every batch it holds is still stored and still older than the
/// window, and adds the digests of the batches it lacks. A compaction that
/// merges a batch it holds deletes it.
///
/// Blob: `"VED1"`, then one zstd frame of, little endian: the batch count
/// (UInt32) and per batch its id, kind (UInt8, `EventKind.allCases`'s
/// position), row count, min and max timestamps (`Int64.min`: none) and
/// stored bytes (Int64 each); the first timestamp (`Int64.min`: none) and
/// the skipped rows; the users' latest logins (a UInt32 count, Int64
/// each); the accounts' likewise; the (account, feature) pairs (a UInt32
/// count, UInt32 each).
struct DigestCache: Equatable {
    var batches: [DigestedBatch]
    var firstTimestamp: Int64?
    var skippedRows: Int
    var lastLoginOfUser: [Int64]
    var lastLoginOfAccount: [Int64]
    var featurePairs: [(account: UInt32, feature: UInt32)]

    static let magic: [UInt8] = Array("VED1".utf8)

    /// The state of a finished load's earlier events.
    init(_ earlier: EarlierEvents) {
        batches = earlier.batches
        firstTimestamp = earlier.firstTimestamp
        skippedRows = earlier.skippedRows
        lastLoginOfUser = earlier.lastLoginOfUser
        lastLoginOfAccount = earlier.lastLoginOfAccount
        featurePairs = earlier.featuresOfAccount.enumerated().flatMap { account, features in
            features.map { (UInt32(account), $0) }
        }
    }

    init(batches: [DigestedBatch], firstTimestamp: Int64?, skippedRows: Int, lastLoginOfUser: [Int64], lastLoginOfAccount: [Int64],
         featurePairs: [(account: UInt32, feature: UInt32)]) {
        self.batches = batches
        self.firstTimestamp = firstTimestamp
        self.skippedRows = skippedRows
        self.lastLoginOfUser = lastLoginOfUser
        self.lastLoginOfAccount = lastLoginOfAccount
        self.featurePairs = featurePairs
    }

    static func == (a: DigestCache, b: DigestCache) -> Bool {
        a.batches == b.batches && a.firstTimestamp == b.firstTimestamp && a.skippedRows == b.skippedRows
            && a.lastLoginOfUser == b.lastLoginOfUser && a.lastLoginOfAccount == b.lastLoginOfAccount
            && a.featurePairs.map(\.account) == b.featurePairs.map(\.account) && a.featurePairs.map(\.feature) == b.featurePairs.map(\.feature)
    }

    func encoded() throws(StoreError) -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity(64 + 41 * batches.count + 8 * (lastLoginOfUser.count + lastLoginOfAccount.count) + 8 * featurePairs.count)
        appendLittleEndian(UInt32(batches.count), to: &raw)
        for batch in batches {
            appendLittleEndian(batch.id, to: &raw)
            raw.append(UInt8(EventKind.allCases.firstIndex(of: batch.kind)!))
            for value in [Int64(batch.rowCount), batch.minTs ?? .min, batch.maxTs ?? .min, batch.storedBytes] { appendLittleEndian(value, to: &raw) }
        }
        appendLittleEndian(firstTimestamp ?? .min, to: &raw)
        appendLittleEndian(Int64(skippedRows), to: &raw)
        for column in [lastLoginOfUser, lastLoginOfAccount] {
            appendLittleEndian(UInt32(column.count), to: &raw)
            for value in column { appendLittleEndian(value, to: &raw) }
        }
        appendLittleEndian(UInt32(featurePairs.count), to: &raw)
        for pair in featurePairs {
            appendLittleEndian(pair.account, to: &raw)
            appendLittleEndian(pair.feature, to: &raw)
        }
        do {
            return Self.magic + (try ZstdCodec.compress(raw, level: 1))
        } catch {
            throw .unexpected("could not compress the merged digests: \(error)")
        }
    }

    /// Nil for a blob that is not a whole VED1 cache (a cache is rebuilt, not trusted).
    static func decode(_ blob: [UInt8]) -> DigestCache? { blob.withUnsafeBytes { decode($0) } }

    static func decode(_ blob: UnsafeRawBufferPointer) -> DigestCache? {
        guard blob.count > 4, Array(blob[0 ..< 4]) == magic,
              let raw = try? ZstdCodec.decompress(UnsafeRawBufferPointer(rebasing: blob[4...]))
        else { return nil }
        return raw.withUnsafeBytes { bytes -> DigestCache? in
            var reader = LittleEndianReader(bytes)
            func column() -> [Int64]? {
                guard let count = reader.read(UInt32.self), Int(count) * 8 <= reader.remaining else { return nil }
                return (0 ..< Int(count)).map { _ in reader.read(Int64.self)! }
            }
            guard let batchCount = reader.read(UInt32.self) else { return nil }
            var batches: [DigestedBatch] = []
            for _ in 0 ..< batchCount {
                guard let id = reader.read(Int64.self), let kind = reader.read(UInt8.self), Int(kind) < EventKind.allCases.count,
                      let rows = reader.read(Int64.self), let minTs = reader.read(Int64.self), let maxTs = reader.read(Int64.self),
                      let stored = reader.read(Int64.self)
                else { return nil }
                batches.append(DigestedBatch(id: id, kind: EventKind.allCases[Int(kind)], rowCount: Int(rows),
                                             minTs: minTs == .min ? nil : minTs, maxTs: maxTs == .min ? nil : maxTs, storedBytes: stored))
            }
            guard let first = reader.read(Int64.self), let skipped = reader.read(Int64.self), let users = column(), let accounts = column(),
                  let pairCount = reader.read(UInt32.self), Int(pairCount) * 8 == reader.remaining
            else { return nil }
            let pairs = (0 ..< Int(pairCount)).map { _ in (account: reader.read(UInt32.self)!, feature: reader.read(UInt32.self)!) }
            return DigestCache(batches: batches, firstTimestamp: first == .min ? nil : first, skippedRows: Int(skipped),
                               lastLoginOfUser: users, lastLoginOfAccount: accounts, featurePairs: pairs)
        }
    }

    static func read(_ db: Database) throws -> DigestCache? {
        try db.withFirstRawRow("SELECT state FROM digest_cache WHERE id = 1") { decode($0.blobBytes(0)) }
    }

    /// Deletes the cache when it holds one of the batches `deleted` (a
    /// compaction's): SQLite gives a new batch the id after the largest in
    /// use, so once a batch the cache holds is deleted its id may name
    /// another one. While every batch it holds is stored, their ids are
    /// theirs, so a compaction of other batches keeps it.
    static func forget(ifItHolds deleted: [Int64], _ db: Database) throws {
        guard let cache = try read(db) else { return }
        let held = Set(cache.batches.map(\.id))
        if deleted.contains(where: held.contains) { try db.execute(sql: "DELETE FROM digest_cache") }
    }

    /// Every batch of the catalog as a ``DigestedBatch``, by id.
    static func catalog(_ db: Database) throws -> [Int64: DigestedBatch] {
        var batches: [Int64: DigestedBatch] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT batch_id, kind, row_count, min_ts, max_ts, stored_bytes FROM event_batches") {
            guard let kind = EventKind(rawValue: row[1]) else { continue }
            batches[row[0]] = DigestedBatch(id: row[0], kind: kind, rowCount: row[2], minTs: row[3], maxTs: row[4], storedBytes: row[5])
        }
        return batches
    }
}

extension Store {
    /// Keeps a windowed load's merged digests for the next load (see
    /// ``DigestCache``), unless they came whole from the cache already or a
    /// batch they hold is no longer stored as it was (a compaction since).
    /// Returns whether it wrote.
    @discardableResult
    public func keepDigests(of earlier: EarlierEvents) throws(StoreError) -> Bool {
        guard !earlier.batches.isEmpty, earlier.batchesFromCache < earlier.batches.count else { return false }
        let blob = try DigestCache(earlier).encoded()
        return try write { db in
            let stored = try DigestCache.catalog(db)
            guard earlier.batches.allSatisfy({ stored[$0.id] == $0 }) else { return false }
            try db.execute(sql: "INSERT OR REPLACE INTO digest_cache (id, state) VALUES (1, ?)", arguments: [Data(blob)])
            return true
        }
    }
}
