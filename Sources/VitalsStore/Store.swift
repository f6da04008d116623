import Foundation
import GRDB

/// The one SQLite file that holds a Vitals dataset: entities and logs in
/// ordinary tables, events as zstd column segments, and (later) materialized
/// results. Opened in WAL mode, so readers never block the writer.
public final class Store: Sendable {
    /// The file's path.
    public let path: String
    /// A `DatabasePool` (readers beside the writer), or one connection for
    /// a batch that must write nothing until its transaction
    /// (``open(at:create:readOnly:pageLimit:oneConnection:)``).
    let pool: any DatabaseWriter

    private init(path: String, pool: any DatabaseWriter) {
        self.path = path
        self.pool = pool
    }

    /// Whether a store file exists at `path`.
    public static func exists(at path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// Opens the store at `path`.
    /// - Parameters:
    ///   - create: create the file (and its schema) when missing; otherwise a
    ///     missing file is an error. A created file is readable by its owner
    ///     only (`0600`), and so are its `-wal` and `-shm` (SQLite gives them
    ///     the main file's mode): it holds every agency's names, emails and
    ///     credential hashes.
    ///   - readOnly: open without the right to write, so that opening leaves
    ///     the file's bytes exactly as they were (queries, `info`, the read
    ///     phase of an ingest).
    public static func open(at path: String, create: Bool = false, readOnly: Bool = false) throws(StoreError) -> Store {
        try open(at: path, create: create, readOnly: readOnly, pageLimit: testPageLimit)
    }

    /// ``open(at:create:readOnly:)``, with two options for an ingest.
    /// - Parameters:
    ///   - pageLimit: caps the file at that many pages (`PRAGMA
    ///     max_page_count`): past it, a write fails as on a full disk. Tests
    ///     use it to make the disk "fill" at a chosen point.
    ///   - oneConnection: one connection (a `DatabaseQueue`) instead of a
    ///     pool. Opening a pool on a store whose WAL is empty commits a
    ///     dummy transaction (GRDB makes the WAL non-empty for its readers),
    ///     which changes the file's bytes before any write of ours; one
    ///     connection writes nothing until its first transaction, so a
    ///     failed one leaves the file exactly as it was. The store must
    ///     exist and be in WAL mode already (every store is).
    static func open(at path: String, create: Bool, readOnly: Bool, pageLimit: Int?, oneConnection: Bool = false) throws(StoreError) -> Store {
        if !exists(at: path) {
            guard create else {
                throw .storeUnavailable(path: path, reason: "no such file (run `vitals ingest DIR --store \(path)` first)")
            }
            try createOwnerOnlyFile(at: path)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "vitals-store"
        configuration.readonly = readOnly
        configuration.prepareDatabase { db in
            // Only a new, empty file takes it (a store's page size is fixed once it has a table).
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            try db.execute(sql: "PRAGMA mmap_size = \(Self.mappedBytes)")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB)")
            if let pageLimit { try db.execute(sql: "PRAGMA max_page_count = \(pageLimit)") }
        }
        do {
            let pool: any DatabaseWriter = oneConnection
                ? try DatabaseQueue(path: path, configuration: configuration)
                : try DatabasePool(path: path, configuration: configuration)
            let migrator = StoreSchema.migrator
            let upToDate = try pool.read { try migrator.hasCompletedMigrations($0) }
            if !upToDate {
                if readOnly {
                    throw StoreError.storeUnavailable(path: path, reason: "the store's schema is older than this vitals; run `vitals ingest` once to upgrade it")
                }
                try migrator.migrate(pool)
            }
            return Store(path: path, pool: pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .storeUnavailable(path: path, reason: StoreError.wrap(error).description)
        }
    }

    /// How much of the file SQLite reads through a memory map (`PRAGMA
    /// mmap_size`; SQLite caps it at its compile-time limit, 2 GB here).
    /// A load reads hundreds of MB of segments: through `pread` each 4 KB
    /// page was a system call and a copy (15 % of a 100 M-event night's
    /// CPU). Writes still go through `write`. The mapped pages count in the
    /// process's RSS (a night at 100 M: 1.1 GB instead of 0.7 GB), though
    /// they are the page cache's, not the process's own.
    static let mappedBytes = 1 << 40

    /// Each connection's page cache, in KiB (SQLite's default is 2,000).
    /// A night's write changes about 6 MB of pages: with the default cache
    /// the writer spilled them into the WAL before the commit and read
    /// them back (6.3 MB of reads), where they now stay in memory until
    /// the commit writes them once. Reads of the file go through the map
    /// (``mappedBytes``), not this cache.
    static let cacheKiB = 65536

    /// The page size of a new store (SQLite's default is 4 KB). Most of a
    /// store's bytes are blobs of tens of KB to a few MB (column segments,
    /// packed scores, results), which SQLite keeps in chains of overflow
    /// pages: with 16 KB pages a blob is a quarter of the pages to follow,
    /// write, log and checkpoint. A 100 M-event night's score, 5 alternating
    /// runs on stores made alike: 2.38 → 2.18 s; the stores are 3 % larger
    /// at 10 M events. An existing store keeps the page size it was made with.
    static let pageSize = 16384

    /// `VITALS_TEST_MAX_PAGE_COUNT`, in debug builds only: the page cap of
    /// ``open(at:create:readOnly:pageLimit:oneConnection:)`` for the CLI's tests (a disk
    /// that fills at commit). A release build never reads it.
    static var testPageLimit: Int? {
        #if DEBUG
        ProcessInfo.processInfo.environment["VITALS_TEST_MAX_PAGE_COUNT"].flatMap { Int($0) }
        #else
        nil
        #endif
    }

    /// Moves everything committed in the WAL into the main file and empties
    /// the WAL, so the file alone is the whole store (after a batch job).
    public func checkpoint() throws(StoreError) {
        do { try pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) } } catch { throw StoreError.wrap(error) }
    }

    /// Copies into the main file the WAL's frames that no reader still
    /// needs, without waiting for any reader (a passive checkpoint): the
    /// bulk of ``checkpoint()``'s work, safe to run while the store is read.
    public func checkpointWithoutWaiting() throws(StoreError) {
        do { try pool.writeWithoutTransaction { _ = try $0.checkpoint(.passive) } } catch { throw StoreError.wrap(error) }
    }

    /// Stops the writer from checkpointing when a commit leaves the WAL
    /// over 1,000 pages, for a batch command that calls ``checkpoint()``
    /// itself once it is done writing: the commit of a 100 M-event night's
    /// results then copied 9,000 pages into the file before returning,
    /// 0.2–0.3 s on the critical path, where the command can checkpoint
    /// while it does other work (the playbooks' evaluation reads from the
    /// other connections meanwhile).
    public func checkpointOnlyWhenAsked() throws(StoreError) {
        do { try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_autocheckpoint = 0") } } catch { throw StoreError.wrap(error) }
    }

    /// Closes the store's connections; the WAL, checkpointed, goes with
    /// them. The store must not be used afterwards.
    public func close() throws(StoreError) {
        // The readers first: GRDB closes a pool's writer before its readers,
        // and a read-only connection closing last leaves the WAL behind.
        (pool as? DatabasePool)?.releaseMemory()
        do { try pool.close() } catch { throw StoreError.wrap(error) }
    }

    /// Runs `body` in a read transaction (a consistent snapshot).
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    /// Runs one statement outside an explicit transaction: a single SELECT is
    /// its own snapshot in SQLite, and the BEGIN/COMMIT around it cost more
    /// than the query on the hot path (every request's credential check).
    func readStatement<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.unsafeRead(body) } catch { throw StoreError.wrap(error) }
    }

    /// Runs `body` in one write transaction: all of it is kept, or none.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw StoreError.wrap(error) }
    }

    /// ``write(_:)`` for a transaction that replaces data the store derives
    /// from its own (a day's scores and results, event batches merged and
    /// encoded again): pages it frees are not overwritten with zeros.
    ///
    /// Debian's SQLite is built with `SQLITE_SECURE_DELETE`, so every page a
    /// delete frees is zeroed, logged in the WAL and checkpointed: a 100 M
    /// night's score freed the day before's 15 MB of detail and results
    /// and wrote them all back as zeros. `PRAGMA secure_delete = FAST` still
    /// zeroes what is deleted inside b-tree pages, but leaves a freed
    /// overflow page as it was until SQLite reuses it, and what such a
    /// transaction frees is still in the store in its new form. A purge
    /// (the audit log's retention) keeps the zeroing: it uses ``write(_:)``.
    func writeReplacingDerivedData<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try write { db in
            let zeroing = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
            try db.execute(sql: "PRAGMA secure_delete = FAST")
            defer { try? db.execute(sql: "PRAGMA secure_delete = \(zeroing == 2 ? "FAST" : zeroing == 0 ? "OFF" : "ON")") }
            return try body(db)
        }
    }
}

/// Creates an empty file readable and writable by its owner only; SQLite
/// then makes it a database (it takes an empty file for a new one) and keeps
/// its mode. SQLite alone would create `0644` under the usual umask.
func createOwnerOnlyFile(at path: String) throws(StoreError) {
    let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
        let reason = errno == EEXIST ? "the file appeared while it was being created; run it again" : String(cString: strerror(errno))
        throw .storeUnavailable(path: path, reason: "cannot create the store file: \(reason)")
    }
    _ = close(fd)
}
