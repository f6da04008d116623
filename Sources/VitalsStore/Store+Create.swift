import Foundation
import GRDB

extension Store {
    /// Creates the store at `path` whole or not at all.
    ///
    /// `body` fills a new store in a temporary file beside `path` (the same
    /// directory, so that moving it is one rename); only when `body`, the
    /// checkpoint and the close succeeded is the file moved to `path`. When
    /// anything fails, the temporary file and its `-wal` and `-shm` are
    /// removed: nothing is left at `path` nor beside it. (A process killed
    /// half-way leaves its `NAME.partial-XXXXXXXX` file, never a half store
    /// at `path`.)
    /// - Parameters:
    ///   - pageLimit: a page cap for tests (``open(at:create:readOnly:pageLimit:oneConnection:)``).
    ///   - body: fills the store; it must not keep it.
    /// - Throws: ``StoreError/concurrentWrite(_:)`` when another process
    ///   created `path` meanwhile (its file is left as it is).
    static func createWhole<T>(at path: String, pageLimit: Int?, _ body: (Store) throws(StoreError) -> T) throws(StoreError) -> T {
        let partial = path + ".partial-" + String(UInt32.random(in: .min ... .max), radix: 16)
        try createOwnerOnlyFile(at: partial)
        do throws(StoreError) {
            let result = try fill(partial, pageLimit: pageLimit, body)
            try moveNewFile(partial, to: path)
            return result
        } catch {
            for file in [partial, partial + "-wal", partial + "-shm"] { _ = unlink(file) }
            // The temporary name means nothing to the user: the store is `path`.
            if case let .storeUnavailable(failed, reason) = error, failed == partial { throw .storeUnavailable(path: path, reason: reason) }
            throw error
        }
    }

    /// Opens the new store at `partial`, runs `body` and closes it:
    /// afterwards the file alone is the whole store, in WAL mode, on disk.
    /// On a throw the store is released on the way out, which closes it.
    ///
    /// `body` writes without a journal (`journal_mode = OFF`, no syncs):
    /// nobody else can see the file, and a failure deletes it, so a rollback
    /// journal or a WAL would only write every page twice (the WAL, then
    /// its checkpoint into the file). Then the file turns to WAL mode, as
    /// every later open expects, and is synced before it is moved into place.
    private static func fill<T>(_ partial: String, pageLimit: Int?, _ body: (Store) throws(StoreError) -> T) throws(StoreError) -> T {
        let store = try open(at: partial, create: false, readOnly: false, pageLimit: pageLimit, oneConnection: true)
        try store.setJournal("PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF")
        let result = try body(store)
        try store.setJournal("PRAGMA synchronous = FULL", "PRAGMA journal_mode = WAL")
        try store.close()
        try syncFile(at: partial)
        if let walBytes = try? FileManager.default.attributesOfItem(atPath: partial + "-wal")[.size] as? Int, walBytes > 0 {
            throw .unexpected("the new store's write-ahead log was not emptied on close; nothing was written to the store")
        }
        for file in [partial + "-wal", partial + "-shm"] { _ = unlink(file) }
        return result
    }

    /// Moves the finished file to `path` without ever replacing a file there:
    /// a hard link fails when `path` exists, where a rename would overwrite
    /// it. On a file system without hard links, a rename (the window between
    /// the check and the move is the only race left).
    private static func moveNewFile(_ partial: String, to path: String) throws(StoreError) {
        if link(partial, path) == 0 {
            _ = unlink(partial)
        } else if errno == EEXIST {
            throw .concurrentWrite("\(path) was created by another process while this ingest ran; nothing was written to it, run the ingest again")
        } else if Store.exists(at: path) {
            throw .concurrentWrite("\(path) was created by another process while this ingest ran; nothing was written to it, run the ingest again")
        } else if rename(partial, path) != 0 {
            throw .storeUnavailable(path: path, reason: "cannot move the new store into place: \(String(cString: strerror(errno)))")
        }
        syncDirectory(of: path)
    }
}

extension Store {
    /// Runs the journal pragmas of ``fill(_:pageLimit:_:)``, outside a transaction.
    fileprivate func setJournal(_ pragmas: String...) throws(StoreError) {
        do { try pool.writeWithoutTransaction { db in for pragma in pragmas { try db.execute(sql: pragma) } } } catch { throw StoreError.wrap(error) }
    }
}

/// Writes the new store's pages to the disk (they were written without syncs).
private func syncFile(at path: String) throws(StoreError) {
    let fd = open(path, O_RDWR | O_CLOEXEC)
    guard fd >= 0, fsync(fd) == 0 else {
        let reason = String(cString: strerror(errno))
        if fd >= 0 { _ = close(fd) }
        throw .storeUnavailable(path: path, reason: "cannot write the new store to the disk: \(reason)")
    }
    _ = close(fd)
}

/// Makes the new directory entry durable. Best effort: some file systems
/// refuse `fsync` on a directory, and the store is complete either way.
private func syncDirectory(of path: String) {
    let fd = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    _ = close(fd)
}
