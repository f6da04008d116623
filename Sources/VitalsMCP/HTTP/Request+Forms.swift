import Foundation
import Hummingbird
import NIOCore

/// Form bodies of the authorization server and its pages, read with a cap:
/// each carries a token and a few ids, so 64 KiB is plenty and nobody can
/// make the server hold more.
extension Request {
    static let maxFormBody = 64 << 10

    /// The body decoded by Hummingbird's `URLEncodedFormDecoder`, for forms
    /// whose fields each appear once: it refuses a repeated name, as RFC 6749
    /// §3.2 refuses a repeated OAuth parameter.
    /// - Throws: `HTTPError` with status 413 over ``maxFormBody``, 400 when the
    ///   body is not such a form; its message says which, for the handler's own refusal.
    func decodeForm<Form: Decodable>(as type: Form.Type) async throws(HTTPError) -> Form {
        let text = try await formText()
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: text)
        } catch {
            throw HTTPError(.badRequest, message: "the body must be application/x-www-form-urlencoded, each field once (\(error))")
        }
    }

    /// The body's fields with repeated names kept (checkboxes).
    /// - Throws: `HTTPError` as ``decodeForm(as:)``.
    func formFields() async throws(HTTPError) -> FormFields {
        FormFields(encoded: try await formText())
    }

    private func formText() async throws(HTTPError) -> String {
        do {
            return String(buffer: try await body.collect(upTo: Self.maxFormBody))
        } catch is NIOTooManyBytesError {
            throw HTTPError(.contentTooLarge, message: "the form is over \(Self.maxFormBody >> 10) KiB")
        } catch {
            throw HTTPError(.badRequest, message: "the form could not be read: \(error)")
        }
    }
}

extension KeyedDecodingContainer {
    /// A form field's value, nil when it is absent or left empty: an empty
    /// field is one the person or client did not fill in.
    func formValue(_ key: Key) throws -> String? {
        try decodeIfPresent(String.self, forKey: key).flatMap { $0.isEmpty ? nil : $0 }
    }
}
