import HTTPTypes
import Hummingbird
import VitalsJSON

/// Per client IP token buckets on the routes a stranger can call without a
/// credential and that check a secret or hold state for them: registration,
/// authorization (each request keeps a pending consent in memory for 10
/// minutes), token, revocation and the connected-apps page's sign-in and
/// revocation (token guessing). One instance, so one bucket per address,
/// serves all of them. Over the limit is 429 with `Retry-After`
/// (RFC 9110 §10.2.3) in whole seconds, before the handler reads the body.
struct ClientIPRateLimitMiddleware: RouterMiddleware {
    typealias Context = VitalsRequestContext
    let limiter: RateLimiter<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let retry = limiter.take(context.clientIP) { throw TooManyRequests(retryAfter: retry) }
        return try await next(request, context)
    }

    /// The refusal: a JSON body that says when to come back, and `Retry-After`.
    struct TooManyRequests: HTTPResponseError {
        let retryAfter: Int
        var status: HTTPResponse.Status { .tooManyRequests }

        func response(from request: Request, context: some RequestContext) throws -> Response {
            HTTPReply.json(["error": .string("rate limit exceeded for this client address; retry after \(retryAfter) s")], status: status,
                           headers: [.retryAfter: String(retryAfter)])
        }
    }
}
