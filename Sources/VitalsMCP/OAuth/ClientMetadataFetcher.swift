import Foundation
import FoundationNetworking
import VitalsAuth
import VitalsStore
#if canImport(FoundationNetworking)
#endif

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
final class ClientMetadataFetcher: NSObject, URLSessionDataDelegate, @unchecked Sendable {
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
    private var transfers: [Int: Transfer] = [:]
    private var session: URLSession!

    /// One download in flight.
    private final class Transfer {
        let url: String
        let origin: String
        let continuation: CheckedContinuation<(body: [UInt8], cacheLifetime: TimeInterval), any Error>
        var body: [UInt8] = []
        var response: HTTPURLResponse?
        /// Why it was stopped, when this class stopped it.
        var failure: String?
        var redirects = 0

        init(url: URL, continuation: CheckedContinuation<(body: [UInt8], cacheLifetime: TimeInterval), any Error>) {
            self.url = url.absoluteString
            origin = ClientMetadataFetcher.origin(url)
            self.continuation = continuation
        }
    }

    init(allowHTTPLoopback: Bool, limits: Limits = Limits()) {
        self.allowHTTPLoopback = allowHTTPLoopback
        self.limits = limits
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        // Ours (in fetch) fires first and says so; these are the backstop.
        configuration.timeoutIntervalForRequest = limits.timeout + 2
        configuration.timeoutIntervalForResource = limits.timeout + 2
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
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
        let fetched: (body: [UInt8], cacheLifetime: TimeInterval)
        do {
            fetched = try await fetch(url)
        } catch let error as OAuthError {
            throw error
        } catch {
            throw OAuthError("invalid_client", "the client metadata document at \(clientID) could not be fetched: \(error.localizedDescription)")
        }
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

    private func fetch(_ url: URL) async throws -> (body: [UInt8], cacheLifetime: TimeInterval) {
        var request = URLRequest(url: url)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("vitals-oauth/\(VitalsMCPServer.version)", forHTTPHeaderField: "User-Agent")
        request.timeoutInterval = limits.timeout + 2
        let task = session.dataTask(with: request)
        let seconds = limits.timeout
        return try await withCheckedThrowingContinuation { continuation in
            lock.withLock { transfers[task.taskIdentifier] = Transfer(url: url, continuation: continuation) }
            task.resume()
            // A deadline of our own: URLSession's timeouts count idle time, and a slow sender never idles.
            let id = task.taskIdentifier
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(seconds))
                self?.expire(id, after: seconds)
            }
        }
    }

    /// The deadline passed: answers the caller now. The task is not
    /// cancelled from here: FoundationNetworking traps when a task is
    /// cancelled while it waits for the redirect delegate's answer (a
    /// cancel from another thread can land in that window). Its next
    /// delegate callback cancels it instead, on the delegate queue, or
    /// URLSession's own timeout ends it.
    private func expire(_ id: Int, after seconds: TimeInterval) {
        guard let transfer = lock.withLock({ transfers.removeValue(forKey: id) }) else { return }
        let url = transfer.url
        transfer.continuation.resume(throwing: OAuthError("invalid_client",
            "the client metadata document at \(url) did not arrive within \(Int(seconds)) s"))
    }

    /// Remembers why a transfer is being stopped (the first reason wins).
    private func noteFailure(_ transfer: Transfer, _ why: String) {
        lock.withLock { if transfer.failure == nil { transfer.failure = why } }
    }

    private func transfer(_ task: URLSessionTask) -> Transfer? { lock.withLock { transfers[task.taskIdentifier] } }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let transfer = transfer(dataTask) else { return completionHandler(.cancel) }  // expired
        lock.withLock { transfer.response = response as? HTTPURLResponse }
        if response.expectedContentLength > Int64(limits.maxBytes) {
            noteFailure(transfer, "is larger than \(limits.maxBytes >> 10) KiB")
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        // On the delegate queue, so no redirect answer is pending: cancelling is safe here.
        guard let transfer = transfer(dataTask) else { return dataTask.cancel() }  // expired
        let size = lock.withLock {
            transfer.body.append(contentsOf: data)
            return transfer.body.count
        }
        if size > limits.maxBytes {
            noteFailure(transfer, "is larger than \(limits.maxBytes >> 10) KiB")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard let transfer = transfer(task) else { return completionHandler(nil) }
        let target = request.url.map(Self.origin) ?? "?"
        let allowed: Bool = lock.withLock {
            transfer.redirects += 1
            return target == transfer.origin && transfer.redirects <= limits.maxRedirects
        }
        if allowed { return completionHandler(request) }
        let why = target == transfer.origin ? "redirects more than \(limits.maxRedirects) times"
            : "redirects to \(request.url?.absoluteString ?? "?"); only redirects within \(transfer.origin) are followed"
        // Not followed: the task ends with the redirect response, and the failure noted explains it.
        noteFailure(transfer, why)
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let transfer = lock.withLock({ transfers.removeValue(forKey: task.taskIdentifier) }) else { return }
        func fail(_ why: String) {
            transfer.continuation.resume(throwing: OAuthError("invalid_client", "the client metadata document at \(transfer.url) \(why)"))
        }
        if let why = transfer.failure { return fail(why) }
        if let error { return fail("could not be fetched: \(Self.explain(error, url: task.originalRequest?.url))") }
        guard let response = transfer.response else { return fail("could not be fetched: no HTTP response") }
        guard response.statusCode == 200 else { return fail("could not be fetched: the host answered HTTP \(response.statusCode)") }
        transfer.continuation.resume(returning: (transfer.body, cacheLifetime(response.value(forHTTPHeaderField: "Cache-Control"))))
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

    /// A transfer error in words (Foundation's own text on Linux is "NSURLErrorDomain error -1001").
    static func explain(_ error: any Error, url: URL?) -> String {
        let host = url?.host ?? "the host"
        switch (error as? URLError)?.code {
        case .timedOut?: return "\(host) did not answer in time"
        case .cannotConnectToHost?: return "\(host) refused the connection"
        case .cannotFindHost?, .dnsLookupFailed?: return "\(host) does not resolve"
        case .secureConnectionFailed?, .serverCertificateUntrusted?, .serverCertificateHasBadDate?, .serverCertificateNotYetValid?,
             .serverCertificateHasUnknownRoot?:
            return "the TLS connection to \(host) failed (\(error.localizedDescription))"
        case .networkConnectionLost?: return "\(host) closed the connection"
        default: return error.localizedDescription
        }
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
