import Foundation
import VitalsStore

/// Buffers audit entries of read calls and writes them in small batches
/// off the request path (a read must not wait for a disk sync). Entries of
/// the last `flushInterval` can be lost if the process dies; writes are
/// audited in their own transaction instead.
public final class AuditLog: @unchecked Sendable {
    let store: Store
    let flushInterval: Duration
    private let lock = NSLock()
    private var pending: [AuditEntry] = []
    private var stopped = false

    public init(store: Store, flushInterval: Duration = .milliseconds(200)) {
        self.store = store
        self.flushInterval = flushInterval
    }

    public func record(_ entry: AuditEntry) {
        lock.withLock { pending.append(entry) }
    }

    /// Writes what is buffered.
    public func flush() {
        let batch = lock.withLock { () -> [AuditEntry] in
            defer { pending.removeAll() }
            return pending
        }
        try? store.appendAudit(batch)
    }

    /// Flushes every `flushInterval`, and purges entries older than 90 days
    /// once a day, on a thread of its own: a SQLite commit waits for the
    /// disk, and Swift's cooperative pool has only one thread per core, so
    /// a blocked pool thread would stall the requests behind it (measured:
    /// p99 of the MCP load test).
    public func start(retentionDays: Int = 90) {
        let interval = Double(flushInterval.components.seconds) + Double(flushInterval.components.attoseconds) / 1e18
        let thread = Thread { [self] in
            var lastPurge = Date.distantPast
            while !lock.withLock({ stopped }) {
                Thread.sleep(forTimeInterval: interval)
                flush()
                if Date().timeIntervalSince(lastPurge) > 86_400 {
                    lastPurge = Date()
                    let cutoff = Int64((Date().timeIntervalSince1970 - Double(retentionDays) * 86_400) * 1000)
                    _ = try? store.purgeAudit(olderThanMilliseconds: cutoff)
                }
            }
        }
        thread.name = "vitals-audit"
        thread.start()
    }

    public func stop() {
        lock.withLock { stopped = true }
        flush()
    }
}
