import Foundation
import VitalsJSON

/// MCP over standard input and output (`basic/transports/stdio.mdx`): one
/// JSON-RPC message per line in, one per line out, nothing else on stdout.
///
/// Requests are answered concurrently, each exactly once, in whatever
/// order they finish. `notifications/cancelled` drops the answer of a
/// request still running. The process serves both eras: an `initialize`
/// opens the legacy session of the process, and any request carrying
/// `_meta` with a protocol version (a 2026-07-28 client, which probes with
/// `server/discover`) is served statelessly beside it.
public final class StdioRouter<Service: MCPService>: @unchecked Sendable {
    let core: MCPServerCore<Service>
    let input: FileHandle
    let output: FileHandle
    private let lock = NSLock()
    /// The legacy session's client, once `initialize` succeeded.
    private var session: MCPClient?
    private var running: [RequestID: Task<Void, Never>] = [:]
    private var cancelled: Set<RequestID> = []

    public init(core: MCPServerCore<Service>, input: FileHandle = .standardInput, output: FileHandle = .standardOutput) {
        self.core = core
        self.input = input
        self.output = output
    }

    /// Serves until standard input ends, then waits for the requests still running.
    public func run() async {
        for await line in Self.lines(of: input) {
            await receive(line)
        }
        while let task = lock.withLock({ running.values.first }) {
            await task.value
        }
    }

    /// One line: parsed, answered (or refused) and, for a request, answered
    /// on its own task — but `initialize`, which the next lines depend on, in turn.
    func receive(_ line: [UInt8]) async {
        guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return }
        let message: JSONRPCMessage
        switch JSONRPCMessage.parse(line) {
        case let .failure(refusal):
            send(MCPServerCore<Service>.answer(refusal).message)
            return
        case let .success(parsed):
            message = parsed
        }
        switch message {
        case .response:
            return
        case let .notification(method, params):
            if method == "notifications/cancelled", let raw = params["requestId"], let id = RequestID(raw) {
                cancel(id)
            }
            return
        case let .request(id, "initialize", _):
            let answer = await core.answer(message, session: lock.withLock { session })
            finish(id, answer)
        case let .request(id, _, _):
            lock.withLock {
                let session = self.session
                let task = Task { [core] in
                    let answer = await core.answer(message, session: session)
                    self.finish(id, answer)
                }
                running[id] = task
            }
        }
    }

    private func finish(_ id: RequestID, _ answer: MCPAnswer) {
        let dropped = lock.withLock {
            running[id] = nil
            if let opened = answer.opened, session == nil { session = opened }
            return cancelled.remove(id) != nil
        }
        if !dropped { send(answer.message) }
    }

    private func cancel(_ id: RequestID) {
        lock.withLock {
            guard let task = running[id] else { return }
            cancelled.insert(id)
            task.cancel()
        }
    }

    private let writeLock = NSLock()

    private func send(_ message: JSONValue?) {
        guard let message else { return }
        var bytes = message.utf8()
        bytes.append(0x0A)
        writeLock.withLock { output.write(Data(bytes)) }
    }

    /// The lines of a file handle, read on a thread of their own (a blocking read must not hold the cooperative pool).
    static func lines(of handle: FileHandle) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            let thread = Thread {
                var pending: [UInt8] = []
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    var start = pending.count
                    pending.append(contentsOf: chunk)
                    var lineStart = 0
                    while let newline = pending[start...].firstIndex(of: 0x0A) {
                        continuation.yield(Array(pending[lineStart ..< newline]))
                        lineStart = newline + 1
                        start = lineStart
                    }
                    pending.removeFirst(lineStart)
                }
                if !pending.isEmpty { continuation.yield(pending) }
                continuation.finish()
            }
            thread.start()
        }
    }
}
