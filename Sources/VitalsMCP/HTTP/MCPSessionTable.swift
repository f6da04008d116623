import Foundation
import MCP

/// The live streamable-HTTP sessions: one MCP `Server` and one transport
/// actor each, bound to the API key that opened the session.
actor MCPSessionTable {
    struct Session {
        let server: Server
        let transport: StatefulHTTPServerTransport
        /// Only the key that opened a session may use it.
        let keyID: String
        var lastAccess: Date
    }

    private var sessions: [String: Session] = [:]

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

    /// Removes and returns the sessions idle for longer than `timeout`.
    func removeIdle(longerThan timeout: TimeInterval) -> [Session] {
        let now = Date()
        let idle = sessions.filter { now.timeIntervalSince($0.value.lastAccess) > timeout }
        for id in idle.keys { sessions.removeValue(forKey: id) }
        return Array(idle.values)
    }
}
