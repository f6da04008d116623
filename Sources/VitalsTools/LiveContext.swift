import Foundation
import VitalsAnalytics
import VitalsStore

/// A ``ToolContext`` that follows the store: when `vitals ingest`,
/// `vitals score` or a metadata write has committed since the last look (the
/// store's data version moved; audit entries and webhook attempts do not move
/// it), the next call loads a fresh context, so a long-running server answers
/// with the new data and scores without a restart. Looks at most once per
/// `checkInterval`.
public final class LiveContext: @unchecked Sendable {
    public let store: Store
    public let config: ScoringConfig
    public let checkInterval: TimeInterval

    private let lock = NSLock()
    private var context: ToolContext
    private var generation: Int64
    private var checkedAt = Date()
    private var reloading = false

    public init(store: Store, config: ScoringConfig = .standard, checkInterval: TimeInterval = 1) throws {
        self.store = store
        self.config = config
        self.checkInterval = checkInterval
        generation = (try? store.dataVersion()) ?? 0
        context = try ToolContext(store: store, config: config)
    }

    /// Makes the next ``current()`` look at the store at once: after a write
    /// through this server, so that its next answer shows it.
    public func expire() {
        lock.withLock { checkedAt = .distantPast }
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
        let latest = (try? store.dataVersion()) ?? seen
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
}
