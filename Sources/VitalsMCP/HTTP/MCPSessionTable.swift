import Foundation
import MCP

/// The live streamable-HTTP sessions: one MCP `Server` and one transport
/// actor each, bound to the API key that opened the session.
actor MCPSessionTable {
    struct Session {
        var server: Server
        var transport: StatefulHTTPServerTransport
        /// Only the key that opened a session may use it.
        let keyID: String
        var lastAccess: Date
        /// The request that opened the session, replayed to compact it.
        let initialize: MCP.HTTPRequest
        /// Requests since the session was opened or last compacted.
        var requests = 0
        var compacting = false
    }

    private var sessions: [String: Session] = [:]
    /// Transports replaced by a compaction, closed a moment later.
    private var retiring: [ObjectIdentifier: StatefulHTTPServerTransport] = [:]

    var count: Int { sessions.count }

    func insert(_ id: String, _ session: Session) { sessions[id] = session }

    /// The session, its last access set to now.
    func touch(_ id: String) -> Session? {
        guard var session = sessions[id] else { return nil }
        session.lastAccess = Date()
        sessions[id] = session
        return session
    }

    func remove(_ id: String) -> Session? { sessions.removeValue(forKey: id) }

    /// Counts a request; true when the session is due for compaction (and marks it so).
    func countRequest(_ id: String, compactEvery: Int) -> Bool {
        guard var session = sessions[id] else { return false }
        session.requests += 1
        let due = session.requests >= compactEvery && !session.compacting
        if due { session.compacting = true }
        sessions[id] = session
        return due
    }

    /// Swaps in a fresh server and transport for a session; returns the old transport.
    func replace(_ id: String, server: Server, transport: StatefulHTTPServerTransport) -> StatefulHTTPServerTransport? {
        guard var session = sessions[id] else { return nil }
        let old = session.transport
        session.server = server
        session.transport = transport
        session.requests = 0
        session.compacting = false
        sessions[id] = session
        return old
    }

    func session(_ id: String) -> Session? { sessions[id] }

    func retire(_ transport: StatefulHTTPServerTransport) { retiring[ObjectIdentifier(transport)] = transport }

    /// Removes a retired transport; nil when shutdown already took it.
    func takeRetired(_ transport: StatefulHTTPServerTransport) -> StatefulHTTPServerTransport? {
        retiring.removeValue(forKey: ObjectIdentifier(transport))
    }

    /// Every transport, live or retiring, removed from the table (shutdown).
    func drainAll() -> [StatefulHTTPServerTransport] {
        let all = sessions.values.map(\.transport) + retiring.values
        sessions.removeAll()
        retiring.removeAll()
        return all
    }

    /// Removes and returns the sessions idle for longer than `timeout`.
    func removeIdle(longerThan timeout: TimeInterval) -> [Session] {
        let now = Date()
        let idle = sessions.filter { now.timeIntervalSince($0.value.lastAccess) > timeout }
        for id in idle.keys { sessions.removeValue(forKey: id) }
        return Array(idle.values)
    }
}
