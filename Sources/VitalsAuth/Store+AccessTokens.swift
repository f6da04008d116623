import Foundation
import VitalsStore

extension Store {
    /// Verifies a bearer token for `resource` (``OAuthPolicy/access(_:presented:resource:now:)``):
    /// the credential of its grant, or why it is refused.
    public func authenticateAccessToken(_ token: String, resource: String,
                                 now: Int64 = Int64(Date().timeIntervalSince1970)) throws(CredentialError) -> Credential {
        guard let id = OAuthPolicy.tokenID(token, kind: .access) else { throw .invalidAccessToken }
        let stored: StoredOAuthToken?
        do {
            stored = try oauthToken(id: id, kind: .access)
        } catch {
            throw .invalidAccessToken
        }
        return try OAuthPolicy.access(stored, presented: token, resource: resource, now: now).get()
    }
}
