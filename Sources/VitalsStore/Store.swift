import Foundation
import GRDB

/// The one SQLite file that holds a Vitals dataset: entities and logs in
/// ordinary tables, events as zstd column segments, and (later) materialized
/// results. Opened in WAL mode, so readers never block the writer.
public final class Store: Sendable {
    /// The file's path.
    public let path: String
    let pool: DatabasePool

    private init(path: String, pool: DatabasePool) {
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
    ///     missing file is an error.
    ///   - readOnly: open without the right to write, so that opening leaves
    ///     the file's bytes exactly as they were (queries, `info`, the read
    ///     phase of an ingest).
    public static func open(at path: String, create: Bool = false, readOnly: Bool = false) throws(StoreError) -> Store {
        if !create && !exists(at: path) {
            throw .storeUnavailable(path: path, reason: "no such file (run `vitals ingest DIR --store \(path)` first)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "vitals-store"
        configuration.readonly = readOnly
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
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
            throw .storeUnavailable(path: path, reason: String(describing: error))
        }
    }

    /// Moves everything committed in the WAL into the main file and empties
    /// the WAL, so the file alone is the whole store (after a batch job).
    public func checkpoint() throws(StoreError) {
        do { try pool.writeWithoutTransaction { _ = try $0.checkpoint(.truncate) } } catch { throw StoreError.wrap(error) }
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
}
