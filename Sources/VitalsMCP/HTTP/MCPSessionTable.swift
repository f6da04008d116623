import Foundation
import VitalsProtocol

/// The legacy (2025-11-25 and earlier) streamable-HTTP sessions: the client
/// each `initialize` declared, bound to the credential that opened it.
/// Modern (2026-07-28) requests need none of this.
final class MCPSessionTable: @unchecked Sendable {
    struct Session {
        let client: MCPClient
        /// Only the key (or OAuth grant) that opened a session may use it.
        let keyID: String
        var lastAccess: Date
    }

    private let lock = NSLock()
    private var sessions: [String: Session] = [:]

    var count: Int { lock.withLock { sessions.count } }

    /// Opens a session and returns its id (128 random bits, visible ASCII as the spec asks).
    func open(_ client: MCPClient, keyID: String) -> String {
        let id = UUID().uuidString.lowercased()
        lock.withLock { sessions[id] = Session(client: client, keyID: keyID, lastAccess: Date()) }
        return id
    }

    /// The session's client, its last access set to now; nil when unknown
    /// or opened by another key (which must not learn that it exists).
    func touch(_ id: String, keyID: String) -> MCPClient? {
        lock.withLock {
            guard var session = sessions[id], session.keyID == keyID else { return nil }
            session.lastAccess = Date()
            sessions[id] = session
            return session.client
        }
    }

    /// Ends a session; false when there was none for this key.
    func close(_ id: String, keyID: String) -> Bool {
        lock.withLock {
            guard sessions[id]?.keyID == keyID else { return false }
            sessions[id] = nil
            return true
        }
    }

    /// Drops the sessions idle for longer than `timeout`; returns how many.
    @discardableResult
    func removeIdle(longerThan timeout: TimeInterval) -> Int {
        let now = Date()
        return lock.withLock {
            let idle = sessions.filter { now.timeIntervalSince($0.value.lastAccess) > timeout }.keys
            for id in idle { sessions[id] = nil }
            return idle.count
        }
    }
}
