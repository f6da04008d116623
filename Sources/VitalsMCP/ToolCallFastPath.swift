import Foundation
import Logging
import MCP
import VitalsTools

/// A transport between swift-sdk's `Server` and the real one (stdio or a
/// streamable-HTTP session) that answers `tools/call` requests itself and
/// passes every other message through untouched.
///
/// Why: swift-sdk 0.12.1 answers a request by encoding the typed result,
/// decoding it back into `Value` and encoding it again, and its `Value`
/// decoder checks every string against a data-URL regex that RegexBuilder
/// compiles anew on each check (`Data.dataURLRegex` is a computed
/// property). A tool result holds hundreds of strings: at 10 M events a
/// `list_accounts_at_risk` call took 23 ms over HTTP, most of it compiling
/// regexes (perf). Here the same handler (``VitalsMCPServer/answer(_:arguments:)``)
/// runs and its JSON is written once. Initialization, listings, prompts,
/// pings, cancellation and errors stay with the SDK.
actor ToolCallFastPath: Transport {
    nonisolated let logger: Logger
    let inner: any Transport
    let server: VitalsMCPServer
    private let messages: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var pump: Task<Void, Never>?

    init(inner: any Transport, server: VitalsMCPServer) {
        self.inner = inner
        self.server = server
        logger = Logger(label: "vitals.mcp.fast-path")
        (messages, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    func connect() async throws {
        try await inner.connect()
        let upstream = await inner.receive()
        pump = Task { [continuation, inner, server] in
            do {
                for try await data in upstream {
                    guard let (id, name, arguments) = Self.toolCall(data) else {
                        continuation.yield(data)
                        continue
                    }
                    // Concurrently, as the SDK handles requests.
                    Task {
                        let answer = server.answer(name, arguments: arguments)
                        let response = JSONValue.object(["jsonrpc": .string("2.0"), "id": id, "result": answer.resultJSON])
                        try? await inner.send(Data(response.text().utf8))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    func disconnect() async {
        pump?.cancel()
        await inner.disconnect()
    }

    func send(_ data: Data) async throws {
        try await inner.send(data)
    }

    func receive() -> AsyncThrowingStream<Data, any Error> { messages }

    /// The id, tool name and arguments of a well-formed `tools/call`
    /// request; nil for anything else (which the SDK then handles, errors included).
    static func toolCall(_ data: Data) -> (id: JSONValue, name: String, arguments: JSONValue?)? {
        guard let message = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
              message["method"] == .string("tools/call"), let id = message["id"] else { return nil }
        switch id {
        case .int, .string: break
        default: return nil
        }
        guard case let .object(params)? = message["params"], case let .string(name)? = params["name"] else { return nil }
        switch params["arguments"] {
        case nil, .null?: return (id, name, nil)
        case let .object(arguments)?: return (id, name, .object(arguments))
        default: return nil
        }
    }
}
