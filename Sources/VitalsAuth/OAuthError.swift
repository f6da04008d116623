/// An OAuth refusal, with the error code the client is sent: RFC 6749
/// §4.1.2.1 and §5.2 (`invalid_request`, `invalid_client`, `invalid_grant`,
/// `invalid_scope`, `unsupported_grant_type`, `unsupported_response_type`,
/// `access_denied`), RFC 8707 §2 (`invalid_target`) and RFC 7591 §3.2.2
/// (`invalid_redirect_uri`, `invalid_client_metadata`).
public struct OAuthError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: String
    /// What is wrong, for a person: the `error_description`.
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
