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
    /// - Parameter create: create the file (and its schema) when missing;
    ///   otherwise a missing file is an error.
    public static func open(at path: String, create: Bool = false) throws(StoreError) -> Store {
        if !create && !exists(at: path) {
            throw .storeUnavailable(path: path, reason: "no such file (run `vitals ingest DIR --store \(path)` first)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "vitals-store"
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = StoreSchema.migrator
            let upToDate = try pool.read { try migrator.hasCompletedMigrations($0) }
            if !upToDate { try migrator.migrate(pool) }
            return Store(path: path, pool: pool)
        } catch {
            throw .storeUnavailable(path: path, reason: String(describing: error))
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot).
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    /// Runs `body` in one write transaction: all of it is kept, or none.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw StoreError.wrap(error) }
    }
}
