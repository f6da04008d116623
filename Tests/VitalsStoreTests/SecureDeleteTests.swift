import Foundation
import GRDB
import Testing
@testable import VitalsStore

/// Replacing derived data (a night's scores and results, merged batches)
/// does not write the pages it frees back as zeros, and leaves the
/// connection zeroing as before for every other delete (the audit log's
/// retention purge).
@Suite struct SecureDeleteTests {
    /// A store holding one 1 MB digest blob, checkpointed: the WAL is empty.
    static func storeWithABlob() throws -> (Store, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-secure-delete-\(UUID().uuidString).db").path
        let store = try Store.open(at: path, create: true)
        try store.checkpointOnlyWhenAsked()
        let blob = Data((0 ..< (1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try store.write { db in try db.execute(sql: "INSERT INTO digest_cache (id, state) VALUES (1, ?)", arguments: [blob]) }
        try store.checkpoint()
        return (store, path)
    }

    /// Frames in the WAL since the last checkpoint.
    static func walFrames(_ store: Store) throws -> Int {
        try store.pool.writeWithoutTransaction { db in
            try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")![1] as Int
        }
    }

    static func zeroing(_ store: Store) throws -> Int {
        try store.write { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete")! }
    }

    @Test func replacingDerivedDataLogsNoZeroedPages() throws {
        let (store, path) = try Self.storeWithABlob()
        defer { try? store.close(); for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let before = try Self.zeroing(store)
        try store.writeReplacingDerivedData { db in try db.execute(sql: "DELETE FROM digest_cache") }
        // 1 MB is 64 pages of 16 KB: freed, they are not written again.
        let frames = try Self.walFrames(store)
        #expect(frames < 16, "\(frames) pages logged to delete a 1 MB blob")
        #expect(try Self.zeroing(store) == before, "the connection zeroes deleted content as it did before")
    }

    @Test func aPlainDeleteStillZeroesWhatSQLiteZeroes() throws {
        let (store, path) = try Self.storeWithABlob()
        defer { try? store.close(); for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        // Built with SQLITE_SECURE_DELETE (Debian's SQLite), a purge zeroes
        // every freed page; a build without it has nothing to keep.
        guard try Self.zeroing(store) == 1 else { return }
        try store.writeReplacingDerivedData { _ in }
        try store.write { db in try db.execute(sql: "DELETE FROM digest_cache") }
        let frames = try Self.walFrames(store)
        #expect(frames >= 64, "only \(frames) pages logged: the freed blob was not zeroed")
    }
}
