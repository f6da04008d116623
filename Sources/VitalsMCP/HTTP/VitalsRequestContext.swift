import Hummingbird
import NIOCore

/// Hummingbird's request context plus the peer's address (per-IP rate limits).
struct VitalsRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address, the key of per-client limits.
    var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }
}
