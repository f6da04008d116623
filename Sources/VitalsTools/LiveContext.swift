import Foundation
import VitalsAnalytics
import VitalsStore

/// A ``ToolContext`` that follows the store: when `vitals ingest` or
/// `vitals score` has committed since the last look (the store file or its
/// WAL changed), the next call loads a fresh context, so a long-running
/// server answers with the new data and scores without a restart. Looks at
/// most once per `checkInterval`.
public final class LiveContext: @unchecked Sendable {
    public let store: Store
    public let config: ScoringConfig
    public let checkInterval: TimeInterval

    private let lock = NSLock()
    private var context: ToolContext
    private var generation: [Int64]
    private var checkedAt = Date()
    private var reloading = false

    public init(store: Store, config: ScoringConfig = .standard, checkInterval: TimeInterval = 1) throws {
        self.store = store
        self.config = config
        self.checkInterval = checkInterval
        generation = Self.generation(of: store.path)
        context = try ToolContext(store: store, config: config)
    }

    /// The context to answer with now.
    public func current() -> ToolContext {
        lock.lock()
        let now = Date()
        guard !reloading, now.timeIntervalSince(checkedAt) >= checkInterval else {
            defer { lock.unlock() }
            return context
        }
        checkedAt = now
        let seen = generation
        let latest = Self.generation(of: store.path)
        guard latest != seen else {
            defer { lock.unlock() }
            return context
        }
        reloading = true
        let stale = context
        lock.unlock()
        // Load outside the lock: other calls keep answering from the old context meanwhile.
        let fresh = try? ToolContext(store: store, config: config)
        lock.lock()
        defer { lock.unlock() }
        reloading = false
        if let fresh {
            context = fresh
            generation = latest
        }
        return fresh ?? stale
    }

    /// Modification times (ns) and sizes of the store file and its WAL:
    /// any commit changes one of them.
    static func generation(of path: String) -> [Int64] {
        [path, path + "-wal"].flatMap { file -> [Int64] in
            var info = stat()
            guard stat(file, &info) == 0 else { return [0, 0] }
            return [Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec), Int64(info.st_size)]
        }
    }
}
