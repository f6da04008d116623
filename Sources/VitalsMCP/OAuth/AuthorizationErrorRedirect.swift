import HTTPTypes
import Hummingbird
import VitalsAuth

/// An authorization request refused once its redirect URI is known to be
/// the client's (RFC 6749 §4.1.2.1): the browser goes back to the client
/// with `error`, `error_description`, the request's `state` and the issuer
/// as `iss` (RFC 9207 §2: "in authorization responses, including error
/// responses"), so the client can tell which server refused.
struct AuthorizationErrorRedirect: HTTPResponseError {
    let error: OAuthError
    let redirectURI: String
    let state: String?
    let issuer: String

    var status: HTTPResponse.Status { .found }

    var location: String {
        HTTPReply.url(redirectURI, adding: [("error", error.code), ("error_description", error.message), ("state", state), ("iss", issuer)])
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        HTTPReply.redirect(location)
    }
}
