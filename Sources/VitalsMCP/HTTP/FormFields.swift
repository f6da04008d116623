import Foundation
import Hummingbird

/// The fields of an `application/x-www-form-urlencoded` body or a query
/// string, names repeated as sent. The consent form needs that (one `scope`
/// per ticked checkbox), and so does an authorization request's query,
/// where the first of a repeated parameter counts; Hummingbird's
/// `URLEncodedFormDecoder` refuses a repeated name, so the forms whose
/// fields each appear once use it instead (``Request/decodeForm(as:)``).
struct FormFields: Sendable {
    let pairs: [(name: String, value: String)]

    /// Parses `a=1&b=x+y` with Foundation's percent-decoding (`+` is a space).
    init(encoded: String) {
        var components = URLComponents()
        components.percentEncodedQuery = encoded.replacingOccurrences(of: "+", with: "%20")
        pairs = (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
    }

    init(query request: Request) {
        self.init(encoded: request.uri.query ?? "")
    }

    /// The first value of `name`, nil when absent or empty.
    subscript(_ name: String) -> String? {
        pairs.first { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
    }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }
}
