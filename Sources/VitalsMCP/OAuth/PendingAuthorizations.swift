import Foundation
import VitalsAuth
import VitalsStore

/// A validated `/authorize` request waiting for the user's consent.
struct PendingAuthorization: Sendable {
    let id: String
    let client: OAuthClient
    /// Where the answer goes: the request's redirect URI (its port may differ from the registered one on loopback).
    let redirect: RedirectURI
    /// The Client ID Metadata Document the client was known by, when its `client_id` is a URL.
    let metadataURL: String?
    let state: String?
    let codeChallenge: String
    let scopes: [Scope]
    let resource: String
    let expires: Date

    var redirectURI: String { redirect.text }
}

/// The consent requests shown and not yet answered, forgotten after their
/// expiry (they are cheap to start again from the app).
final class PendingAuthorizations: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [String: PendingAuthorization] = [:]

    func insert(_ request: PendingAuthorization) {
        lock.withLock {
            let now = Date()
            if requests.count > 1000 { requests = requests.filter { $0.value.expires > now } }
            requests[request.id] = request
        }
    }

    /// The request when it exists and has not expired.
    func get(_ id: String) -> PendingAuthorization? {
        lock.withLock { requests[id].flatMap { $0.expires > Date() ? $0 : nil } }
    }

    func remove(_ id: String) { lock.withLock { _ = requests.removeValue(forKey: id) } }
}

/// The signed-in browsers of a page (the connected-apps page, the
/// dashboard): a random id in an HttpOnly cookie → what the sign-in
/// established, until `lifetime` after the sign-in.
final class SignInSessions<Session: Sendable>: @unchecked Sendable {
    let lifetime: TimeInterval
    private let lock = NSLock()
    private var sessions: [String: (session: Session, expires: Date)] = [:]

    init(lifetime: TimeInterval) { self.lifetime = lifetime }

    func insert(_ id: String, _ session: Session) {
        lock.withLock {
            let now = Date()
            if sessions.count > 1000 { sessions = sessions.filter { $0.value.expires > now } }
            sessions[id] = (session, now.addingTimeInterval(lifetime))
        }
    }

    func get(_ id: String?) -> Session? {
        guard let id else { return nil }
        return lock.withLock { sessions[id].flatMap { $0.expires > Date() ? $0.session : nil } }
    }

    func remove(_ id: String) { lock.withLock { _ = sessions.removeValue(forKey: id) } }
}

/// A sign-in of the connected-apps page: the agency whose token signed in; 30 minutes.
struct SettingsSession: Sendable {
    let agencyKey: Int
    let agencyID: String
    let keyID: String
}
