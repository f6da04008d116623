import VitalsJSON

/// A JSON-RPC request id: MCP allows a string or an integer, never null
/// (JSON-RPC 2.0 §4; MCP `basic/index` "Requests").
public enum RequestID: Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public var json: JSONValue {
        switch self {
        case let .int(n): .int(n)
        case let .string(text): .string(text)
        }
    }

    public init?(_ json: JSONValue) {
        switch json {
        case let .int(n): self = .int(n)
        case let .string(text): self = .string(text)
        default: return nil
        }
    }

    public var description: String { json.text() }
}

/// One JSON-RPC 2.0 message as MCP uses it.
public enum JSONRPCMessage: Sendable, Equatable {
    case request(id: RequestID, method: String, params: [String: JSONValue])
    case notification(method: String, params: [String: JSONValue])
    /// A response from the client (to a server request). This server sends
    /// none, so a response is accepted and dropped.
    case response(id: RequestID)

    public var method: String? {
        switch self {
        case let .request(_, method, _), let .notification(method, _): method
        case .response: nil
        }
    }

    public var params: [String: JSONValue] {
        switch self {
        case let .request(_, _, params), let .notification(_, params): params
        case .response: [:]
        }
    }

    public var id: RequestID? {
        switch self {
        case let .request(id, _, _), let .response(id): id
        case .notification: nil
        }
    }

    /// Why a message could not be taken, and the id to answer with (null
    /// when the id itself is what is wrong, as JSON-RPC 2.0 §5 says).
    public struct Refusal: Error, Sendable, Equatable {
        public var id: RequestID?
        public var error: JSONRPCError
        /// Whether the message asked for an answer at all (a malformed
        /// notification is refused silently: there is nobody to tell).
        public var wantsAnswer: Bool
    }

    /// Parses one message strictly: `jsonrpc` is "2.0", an id is a string
    /// or an integer, `method` a string, `params` an object, and a batch is
    /// refused (MCP removed JSON-RPC batching in 2025-06-18).
    public static func parse(_ bytes: [UInt8]) -> Result<JSONRPCMessage, Refusal> {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes: bytes)
        } catch {
            return .failure(Refusal(id: nil, error: .parseError("the body is not valid JSON: \(error)"), wantsAnswer: true))
        }
        return parse(json)
    }

    public static func parse(_ json: JSONValue) -> Result<JSONRPCMessage, Refusal> {
        guard case let .object(object) = json else {
            if case .array = json {
                return .failure(Refusal(id: nil, error: .invalidRequest(
                    "batches are not supported: MCP removed JSON-RPC batching (2025-06-18); send one request per message"), wantsAnswer: true))
            }
            return .failure(Refusal(id: nil, error: .invalidRequest("a JSON-RPC message must be a JSON object, got \(json.kind)"), wantsAnswer: true))
        }
        var id: RequestID?
        if let rawID = object["id"] {
            guard let parsed = RequestID(rawID) else {
                return .failure(Refusal(id: nil, error: .invalidRequest("id must be a string or an integer, got \(rawID.kind)"), wantsAnswer: true))
            }
            id = parsed
        }
        guard object["jsonrpc"] == .string("2.0") else {
            let got = object["jsonrpc"].map { $0.text() } ?? "nothing"
            return .failure(Refusal(id: id, error: .invalidRequest("jsonrpc must be \"2.0\", got \(got)"), wantsAnswer: true))
        }
        guard let rawMethod = object["method"] else {
            if let id, object["result"] != nil || object["error"] != nil { return .success(.response(id: id)) }
            return .failure(Refusal(id: id, error: .invalidRequest("missing method: a request needs \"method\", e.g. \"tools/list\""),
                                    wantsAnswer: true))
        }
        guard case let .string(method) = rawMethod, !method.isEmpty else {
            return .failure(Refusal(id: id, error: .invalidRequest("method must be a non-empty string, got \(rawMethod.text())"),
                                    wantsAnswer: id != nil))
        }
        var params: [String: JSONValue] = [:]
        switch object["params"] {
        case nil, .null?: break
        case let .object(given)?: params = given
        case let other?:
            return .failure(Refusal(id: id, error: .invalidParams("params of \(method) must be an object, got \(other.kind)"),
                                    wantsAnswer: id != nil))
        }
        if let id { return .success(.request(id: id, method: method, params: params)) }
        return .success(.notification(method: method, params: params))
    }
}

/// A JSON-RPC error object: a code, a message that names what is wrong,
/// and optional data.
public struct JSONRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(code): \(message)" }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["code": .int(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    // JSON-RPC 2.0 §5.1.
    public static func parseError(_ message: String) -> JSONRPCError { .init(code: -32700, message: message) }
    public static func invalidRequest(_ message: String) -> JSONRPCError { .init(code: -32600, message: message) }
    public static func methodNotFound(_ message: String) -> JSONRPCError { .init(code: -32601, message: message) }
    public static func invalidParams(_ message: String) -> JSONRPCError { .init(code: -32602, message: message) }
    public static func internalError(_ message: String) -> JSONRPCError { .init(code: -32603, message: message) }
}

extension JSONValue {
    /// The JSON type's name, for messages ("got boolean").
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        case let .encoded(text): text.value.kind
        }
    }
}

/// The two JSON-RPC replies.
public enum JSONRPCReply {
    public static func result(_ id: RequestID, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "id": id.json, "result": result])
    }

    public static func error(_ id: RequestID?, _ error: JSONRPCError) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "id": id?.json ?? .null, "error": error.json])
    }
}
