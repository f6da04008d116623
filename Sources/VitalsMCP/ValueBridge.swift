import Foundation
import MCP
import VitalsTools

/// Conversions between the tools' ``JSONValue`` and the MCP SDK's `Value`
/// (the same JSON model; `Value.data` arrives as its data-URL string).
extension JSONValue {
    init(_ value: Value) {
        switch value {
        case .null: self = .null
        case let .bool(flag): self = .bool(flag)
        case let .int(n): self = .int(n)
        case let .double(d): self = .double(d)
        case let .string(text): self = .string(text)
        case let .data(mimeType, data): self = .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case let .array(items): self = .array(items.map(JSONValue.init))
        case let .object(object): self = .object(object.mapValues(JSONValue.init))
        }
    }

    var mcpValue: Value {
        switch self {
        case .null: .null
        case let .bool(flag): .bool(flag)
        case let .int(n): .int(n)
        case let .double(d): .double(d)
        case let .string(text): .string(text)
        case let .array(items): .array(items.map(\.mcpValue))
        case let .object(object): .object(object.mapValues(\.mcpValue))
        }
    }
}
