import HTTPTypes
import Hummingbird
import VitalsAuth
import VitalsJSON

/// A refusal of the registration, token or revocation endpoint, in the
/// words of RFC 6749 §5.2 (RFC 7591 §3.2.2 for registration): a JSON body
/// `{"error", "error_description"}` that is never cached (`Cache-Control:
/// no-store`, §5.1). 400 unless the refusal has its own status: 401 for an
/// unknown client, 500 when the store fails.
struct OAuthHTTPError: HTTPResponseError {
    let error: OAuthError
    let status: HTTPResponse.Status

    init(_ error: OAuthError, status: HTTPResponse.Status = .badRequest) {
        self.error = error
        self.status = status
    }

    init(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest) {
        self.init(OAuthError(code, description), status: status)
    }

    /// Something that should not fail did (the store): `server_error`, saying what.
    static func serverError(_ failure: any Error) -> OAuthHTTPError {
        OAuthHTTPError("server_error", String(describing: failure), status: .internalServerError)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        HTTPReply.json(["error": .string(error.code), "error_description": .string(error.message)], status: status)
    }
}
