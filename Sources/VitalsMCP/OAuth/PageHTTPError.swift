import HTTPTypes
import Hummingbird

/// A refusal shown to a person in the browser: an HTML page with its status
/// — one that explains what went wrong, or a form again with the reason
/// above it. Never a redirect: an unknown client or an unregistered
/// redirect URI must not send the browser anywhere.
struct PageHTTPError: HTTPResponseError {
    let status: HTTPResponse.Status
    /// The whole HTML document.
    let page: String
    /// The page's own headers, such as the consent page's `Content-Security-Policy`.
    var headers: HTTPFields = [:]

    /// A page titled `title` that says `text`.
    static func message(_ title: String, _ text: String, status: HTTPResponse.Status = .badRequest) -> PageHTTPError {
        PageHTTPError(status: status, page: Pages.message(title, text))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        HTTPReply.html(page, status: status, headers: headers)
    }
}
