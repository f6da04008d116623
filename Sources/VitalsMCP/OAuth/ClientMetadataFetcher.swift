import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VitalsAuth
import VitalsStore

/// Fetches and caches Client ID Metadata Documents for `/authorize`, as
/// the draft's security considerations (§6) and MCP's ask: https only, a
/// short deadline, at most 64 KiB, no redirect that leaves the URL's
/// origin, no fetch of a host that resolves to a loopback or private
/// address (server-side request forgery), and a validated document cached
/// for its `Cache-Control: max-age`, at most 5 minutes (1 minute when the
/// response says nothing; never with `no-store` or `no-cache`).
///
/// `allowHTTPLoopback` (`VITALS_OAUTH_ALLOW_HTTP_CLIENT_IDS=1`) admits
/// `http://127.0.0.1:PORT/…` client ids, for tests that serve a document
/// themselves.
final class ClientMetadataFetcher: @unchecked Sendable {
    struct Limits: Sendable {
        var timeout: TimeInterval = 5
        var maxBytes = 64 << 10
        var maxRedirects = 3
        var defaultCacheLifetime: TimeInterval = 60
        var maxCacheLifetime: TimeInterval = 300
    }

    let allowHTTPLoopback: Bool
    let limits: Limits
    private let lock = NSLock()
    private var cache: [String: (document: ClientIDMetadataDocument, expires: Date)] = [:]

    init(allowHTTPLoopback: Bool, limits: Limits = Limits()) {
        self.allowHTTPLoopback = allowHTTPLoopback
        self.limits = limits
    }

    /// From the environment: `VITALS_OAUTH_ALLOW_HTTP_CLIENT_IDS=1` admits http loopback client ids.
    static func fromEnvironment() -> ClientMetadataFetcher {
        ClientMetadataFetcher(allowHTTPLoopback: ProcessInfo.processInfo.environment["VITALS_OAUTH_ALLOW_HTTP_CLIENT_IDS"] == "1")
    }

    /// The validated document of a URL `client_id`, from the cache or fetched.
    /// - Throws: `invalid_client` saying what is wrong with the URL, the
    ///   fetch or the document.
    func document(for clientID: String) async throws(OAuthError) -> ClientIDMetadataDocument {
        let url = try ClientIDMetadataDocument.url(of: clientID, allowHTTPLoopback: allowHTTPLoopback)
        let now = Date()
        if let cached = lock.withLock({ cache[clientID] }), cached.expires > now { return cached.document }
        try await checkAddresses(of: url, clientID: clientID)
        let fetched = try await fetch(url)
        let document = try ClientIDMetadataDocument(body: fetched.body, url: clientID)
        lock.withLock {
            if cache.count > 1000 { cache = cache.filter { $0.value.expires > now } }
            if fetched.cacheLifetime > 0 { cache[clientID] = (document, now.addingTimeInterval(fetched.cacheLifetime)) }
        }
        return document
    }

    /// Refuses a host that resolves to a loopback address (unless test
    /// mode allows it) or to a private, link-local or otherwise non-public
    /// one: the server must not be made to reach its own network.
    private func checkAddresses(of url: URL, clientID: String) async throws(OAuthError) {
        guard let host = url.host else { return }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let addresses = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Self.resolve(bare)) }
        }
        guard !addresses.isEmpty else {
            throw OAuthError("invalid_client", "the client metadata document at \(clientID) could not be fetched: \(host) does not resolve")
        }
        for address in addresses {
            switch Self.classify(address) {
            case .public: continue
            case .loopback where allowHTTPLoopback: continue
            case .loopback:
                throw OAuthError("invalid_client", "the client metadata document at \(clientID) is on a loopback address (\(host)); "
                    + "documents are fetched from public hosts only")
            case .nonPublic:
                throw OAuthError("invalid_client", "the client metadata document at \(clientID) is on a private or reserved address "
                    + "(\(host)); documents are fetched from public hosts only")
            }
        }
    }

    // MARK: - The download

    /// Why a download stopped, in the words that follow "the client metadata document at URL".
    private struct Refusal: Error {
        let why: String
    }

    /// How a download ended: its document, its error, or the deadline first.
    private enum Outcome: Sendable {
        case fetched(body: [UInt8], cacheLifetime: TimeInterval)
        case failed(any Error)
        case timedOut
    }

    /// The document at `url` within ``Limits/timeout``: a deadline of the
    /// whole transfer (a slow sender that never idles included), answered
    /// when it passes; the download is then cancelled, not waited for.
    private func fetch(_ url: URL) async throws(OAuthError) -> (body: [UInt8], cacheLifetime: TimeInterval) {
        let seconds = limits.timeout
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let once = Once(continuation)
            let download = Task {
                do {
                    let fetched = try await self.download(url)
                    once.resume(.fetched(body: fetched.body, cacheLifetime: fetched.cacheLifetime))
                } catch {
                    once.resume(.failed(error))
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                if once.resume(.timedOut) { download.cancel() }
            }
        }
        let document = "the client metadata document at \(url.absoluteString)"
        switch outcome {
        case let .fetched(body, cacheLifetime):
            return (body, cacheLifetime)
        case let .failed(refusal as Refusal):
            throw OAuthError("invalid_client", "\(document) \(refusal.why)")
        case let .failed(error):
            throw OAuthError("invalid_client", "\(document) could not be fetched: \(OutboundHTTP.explain(error, host: url.host ?? "the host"))")
        case .timedOut:
            throw OAuthError("invalid_client", "\(document) did not arrive within \(Int(seconds)) s")
        }
    }

    /// A continuation resumed by whichever comes first.
    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Outcome, Never>?

        init(_ continuation: CheckedContinuation<Outcome, Never>) { self.continuation = continuation }

        /// Resumes with `outcome` unless resumed before; whether it did.
        @discardableResult
        func resume(_ outcome: Outcome) -> Bool {
            guard let continuation = lock.withLock({ self.continuation.take() }) else { return false }
            continuation.resume(returning: outcome)
            return true
        }
    }

    /// GETs `url`, following at most ``Limits/maxRedirects`` redirects
    /// within its origin, and reads at most ``Limits/maxBytes`` of a 200.
    private func download(_ url: URL) async throws -> (body: [UInt8], cacheLifetime: TimeInterval) {
        let origin = Self.origin(url)
        // The client's own deadline, a backstop behind the one in `fetch`.
        let deadline = NIODeadline.now() + .milliseconds(Int64((limits.timeout + 2) * 1000))
        var current = url, redirects = 0
        while true {
            var request = HTTPClientRequest(url: current.absoluteString)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "vitals-oauth/\(VitalsMCPServer.version)")
            let response = try await OutboundHTTP.documents.execute(request, deadline: deadline)
            let status = Int(response.status.code)
            if (300 ..< 400).contains(status), let location = response.headers.first(name: "Location") {
                guard let target = URL(string: location, relativeTo: current)?.absoluteURL else {
                    throw Refusal(why: "redirects to \(location), which is not a URL")
                }
                guard Self.origin(target) == origin else {
                    throw Refusal(why: "redirects to \(target.absoluteString); only redirects within \(origin) are followed")
                }
                redirects += 1
                guard redirects <= limits.maxRedirects else { throw Refusal(why: "redirects more than \(limits.maxRedirects) times") }
                current = target
                continue
            }
            guard status == 200 else { throw Refusal(why: "could not be fetched: the host answered HTTP \(status)") }
            let tooLarge = Refusal(why: "is larger than \(limits.maxBytes >> 10) KiB")
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limits.maxBytes { throw tooLarge }
            var body: ByteBuffer
            do { body = try await response.body.collect(upTo: limits.maxBytes) } catch is NIOTooManyBytesError { throw tooLarge }
            return (body.readBytes(length: body.readableBytes) ?? [], cacheLifetime(response.headers.first(name: "Cache-Control")))
        }
    }

    /// How long a response may be reused: its `max-age` capped at the limit; none with `no-store`/`no-cache`.
    func cacheLifetime(_ cacheControl: String?) -> TimeInterval {
        guard let cacheControl else { return limits.defaultCacheLifetime }
        var lifetime = limits.defaultCacheLifetime
        for directive in cacheControl.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if directive == "no-store" || directive == "no-cache" { return 0 }
            if directive.hasPrefix("max-age="), let seconds = TimeInterval(directive.dropFirst("max-age=".count)) {
                lifetime = max(0, min(seconds, limits.maxCacheLifetime))
            }
        }
        return lifetime
    }

    static func origin(_ url: URL) -> String {
        "\(url.scheme?.lowercased() ?? "")://\(url.host?.lowercased() ?? "")" + (url.port.map { ":\($0)" } ?? "")
    }

    // MARK: - Addresses

    enum AddressClass: Equatable {
        case `public`
        case loopback
        /// Private, link-local, shared, multicast, unspecified or reserved.
        case nonPublic
    }

    /// The class of an IPv4 (4 bytes) or IPv6 (16 bytes) address.
    static func classify(_ address: [UInt8]) -> AddressClass {
        if address.count == 16 {
            if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xFF && address[11] == 0xFF {
                return classify(Array(address[12...]))  // ::ffff:a.b.c.d
            }
            if address[0..<15].allSatisfy({ $0 == 0 }) { return address[15] == 1 ? .loopback : .nonPublic }  // ::1, ::
            if address[0] & 0xFE == 0xFC { return .nonPublic }                       // fc00::/7 unique local
            if address[0] == 0xFE && address[1] & 0xC0 == 0x80 { return .nonPublic }  // fe80::/10 link-local
            if address[0] == 0xFF { return .nonPublic }                               // multicast
            return .public
        }
        guard address.count == 4 else { return .nonPublic }
        let (a, b) = (address[0], address[1])
        switch a {
        case 127: return .loopback
        case 0, 10: return .nonPublic
        case 100 where b & 0xC0 == 64: return .nonPublic   // 100.64.0.0/10, shared address space
        case 169 where b == 254: return .nonPublic         // link-local (cloud metadata services)
        case 172 where b & 0xF0 == 16: return .nonPublic   // 172.16.0.0/12
        case 192 where b == 168: return .nonPublic
        case 192 where b == 0 && address[2] == 0: return .nonPublic
        case 198 where b & 0xFE == 18: return .nonPublic   // 198.18.0.0/15, benchmarking
        case 224...: return .nonPublic                      // multicast and reserved
        default: return .public
        }
    }

    /// Every address `host` resolves to (getaddrinfo; a literal is its own address).
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor?.pointee {
            if info.ai_family == AF_INET, let raw = info.ai_addr {
                var address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                addresses.append(withUnsafeBytes(of: &address) { Array($0) })
            } else if info.ai_family == AF_INET6, let raw = info.ai_addr {
                var address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                addresses.append(withUnsafeBytes(of: &address) { Array($0) })
            }
            cursor = info.ai_next
        }
        return addresses
    }
}
