import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// The server's outbound HTTP: webhook deliveries and Client ID Metadata
/// Documents, over AsyncHTTPClient (SwiftNIO, TLS by swift-nio-ssl).
///
/// Not URLSession: on Linux it lives in FoundationNetworking, which links
/// libcurl and its 26 libraries into every start of the binary (5–6 ms of
/// dynamic loading before `main`, for every `vitals` command, whether it
/// sends a request or not; README, "One binary").
///
/// The clients are process-wide and never shut down: made on first use
/// (a command that sends nothing makes none), on NIO's shared event loops.
enum OutboundHTTP {
    /// Webhooks: redirects followed (at most 5, no cycle), as an HTTP
    /// client is expected to; a connection refused fails the attempt at
    /// once (the deliverer's backoff retries it, not the connection pool).
    static let webhooks = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: configuration(redirects: .follow(max: 5, allowCycles: false)))

    /// Metadata documents: no redirect followed by the client; the fetcher
    /// follows the ones within the document's origin itself.
    static let documents = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: configuration(redirects: .disallow))

    private static func configuration(redirects: HTTPClient.Configuration.RedirectConfiguration) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(redirectConfiguration: redirects,
                                                     timeout: .init(connect: .seconds(10), read: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .disabled
        return configuration
    }

    /// A transfer error in words, naming `host` (NIO's own text is its
    /// types' names: "NIOConnectionError(host: …, dnsAError: nil, …)").
    static func explain(_ error: any Error, host: String) -> String {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout: return "\(host) did not answer in time"
            case .remoteConnectionClosed: return "\(host) closed the connection"
            case .cancelled: return "the request was cancelled"
            default: return "the request to \(host) failed (\(error))"
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty { return "\(host) does not resolve" }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return "\(host) refused the connection"
            }
            return "\(host) could not be reached"
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "\(host) refused the connection"
        case is SocketAddressError:
            return "\(host) does not resolve"
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return "the TLS connection to \(host) failed (\(error))"
        case is CancellationError:
            return "the request was cancelled"
        default:
            return "the request to \(host) failed (\(error))"
        }
    }
}
