import Hummingbird
import VitalsAuth
import VitalsJSON
import VitalsStore

extension OAuthRoutes {
    /// A token request (RFC 6749 §4.1.3 and §6; `resource` per RFC 8707).
    /// Public clients authenticate with `client_id` alone.
    struct TokenForm: Decodable {
        let grantType: String?
        let clientID: String?
        let code: String?
        let codeVerifier: String?
        let redirectURI: String?
        let refreshToken: String?
        let scope: String?
        let resource: String?

        enum CodingKeys: String, CodingKey {
            case grantType = "grant_type", clientID = "client_id", code, codeVerifier = "code_verifier", redirectURI = "redirect_uri"
            case refreshToken = "refresh_token", scope, resource
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            grantType = try fields.formValue(.grantType)
            clientID = try fields.formValue(.clientID)
            code = try fields.formValue(.code)
            codeVerifier = try fields.formValue(.codeVerifier)
            redirectURI = try fields.formValue(.redirectURI)
            refreshToken = try fields.formValue(.refreshToken)
            scope = try fields.formValue(.scope)
            resource = try fields.formValue(.resource)
        }
    }

    /// A revocation request (RFC 7009 §2.1); `token_type_hint` is not
    /// needed, as a token's prefix says its kind.
    struct RevocationForm: Decodable {
        let token: String?
        let clientID: String?

        enum CodingKeys: String, CodingKey {
            case token, clientID = "client_id"
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            token = try fields.formValue(.token)
            clientID = try fields.formValue(.clientID)
        }
    }

    /// A token or revocation form; unreadable is `invalid_request` (RFC 6749 §5.2) saying why.
    static func decode<Form: Decodable>(_ type: Form.Type, from request: Request) async throws(OAuthHTTPError) -> Form {
        do {
            return try await request.decodeForm(as: type)
        } catch {
            throw OAuthHTTPError("invalid_request", error.body ?? "the body must be application/x-www-form-urlencoded")
        }
    }

    /// `POST /token`: the authorization-code and refresh-token grants,
    /// each ruled on by ``OAuthGrants``; a refusal is its ``OAuthError``.
    func token(_ request: Request) async throws(OAuthHTTPError) -> Response {
        let form = try await Self.decode(TokenForm.self, from: request)
        guard let clientID = form.clientID else {
            throw OAuthHTTPError("invalid_request", "client_id is required (public clients authenticate with it alone)")
        }
        let known: OAuthClient?
        do {
            known = try server.store.oauthClient(clientID)
        } catch {
            throw .serverError(error)
        }
        guard known != nil else {
            throw OAuthHTTPError("invalid_client", "unknown client_id \(clientID); register at /register", status: .unauthorized)
        }
        let tokens: OAuthTokens
        do {
            switch form.grantType {
            case "authorization_code":
                guard let code = form.code, let verifier = form.codeVerifier, let redirectURI = form.redirectURI else {
                    throw OAuthError("invalid_request", "code, code_verifier and redirect_uri are required")
                }
                tokens = try server.grants.exchange(code: code, clientID: clientID, redirectURI: redirectURI, verifier: verifier,
                                                    resource: form.resource)
            case "refresh_token":
                guard let refresh = form.refreshToken else { throw OAuthError("invalid_request", "refresh_token is required") }
                tokens = try server.grants.refresh(refresh, clientID: clientID, scope: form.scope, resource: form.resource)
            case let other:
                throw OAuthError("unsupported_grant_type", "grant_type \(other ?? "(missing)") is not supported; "
                    + "use authorization_code or refresh_token")
            }
        } catch let refusal as OAuthError {
            throw OAuthHTTPError(refusal)
        } catch {
            throw .serverError(error)
        }
        return HTTPReply.json(.object([
            "access_token": .string(tokens.accessToken),
            "token_type": .string("Bearer"),
            "expires_in": .int(Int(tokens.expiresIn)),
            "refresh_token": .string(tokens.refreshToken),
            "scope": .string(tokens.scopes.map(\.rawValue).joined(separator: " ")),
        ]))
    }

    /// `POST /revoke` (RFC 7009): 200 whether or not the token was known,
    /// so a caller learns nothing about tokens it does not hold.
    func revoke(_ request: Request) async throws(OAuthHTTPError) -> Response {
        let form = try await Self.decode(RevocationForm.self, from: request)
        guard let token = form.token else { throw OAuthHTTPError("invalid_request", "token is required") }
        do {
            try server.grants.revoke(token, clientID: form.clientID)
        } catch {
            throw .serverError(error)
        }
        return HTTPReply.json(.object([:]))
    }
}
