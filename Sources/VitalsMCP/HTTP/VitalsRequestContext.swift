import Hummingbird
import NIOCore
import VitalsStore

/// Hummingbird's request context plus the peer's address (per-IP rate
/// limits) and, on the MCP endpoint, the credential that
/// ``CredentialMiddleware`` found.
struct VitalsRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// Set by ``CredentialMiddleware`` before any MCP handler runs.
    var credential: Credential?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address, the key of per-client limits.
    var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }
}
