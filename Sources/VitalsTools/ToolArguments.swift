import VitalsAnalytics
import VitalsColumnar
import VitalsJSON

/// A tool's arguments, checked against its declared parameters
/// (``ToolParameter``) when they arrive: unknown names, wrong types, values
/// out of bounds and missing required arguments are refused with the
/// argument's name, what was expected and an example. The readers below
/// then only fetch (or fall back to the declared default).
public struct ToolArguments: Sendable {
    let values: [String: JSONValue]
    let parameters: [String: ToolParameter]

    public init(_ json: JSONValue?, parameters: [ToolParameter]) throws(ToolError) {
        self.parameters = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        switch json {
        case nil, .null?: values = [:]
        case let .object(object)?: values = object.filter { $0.value != .null }
        default: throw ToolError("arguments must be a JSON object, e.g. {\"days\": 30}")
        }
        if let unknown = values.keys.sorted().first(where: { self.parameters[$0] == nil }) {
            throw ToolError("unknown argument \(unknown); this tool takes: \(parameters.map(\.name).joined(separator: ", "))")
        }
        for parameter in parameters {
            if let value = values[parameter.name] {
                try parameter.check(value)
            } else if parameter.required {
                throw ToolError("missing required argument \(parameter.name) (example: \(parameter.example))")
            }
        }
    }

    private func declared(_ name: String) -> ToolParameter {
        guard let parameter = parameters[name] else { preconditionFailure("a handler reads \(name), which its tool does not declare") }
        return parameter
    }

    /// Whether the tool declares a parameter of this name.
    func declares(_ name: String) -> Bool { parameters[name] != nil }

    /// Whether the call gave this argument (a default does not count).
    public func given(_ name: String) -> Bool { values[name] != nil }

    /// The value given, else the declared default.
    func value(_ name: String) -> JSONValue? { values[name] ?? declared(name).defaultValue }

    public func string(_ name: String) -> String? { value(name)?.stringValue }

    /// A required string (present: the declaration made it so).
    public func requiredString(_ name: String) -> String { string(name) ?? "" }

    /// An integer argument, or its default.
    public func int(_ name: String) -> Int? { value(name)?.intValue }

    public func bool(_ name: String) -> Bool? {
        if case let .bool(flag)? = value(name) { return flag }
        return nil
    }

    /// `bands`: the set of bands, or nil when absent with no default.
    public func bands() -> Set<HealthBand>? {
        guard case let .array(items)? = value("bands") else { return nil }
        return Set(items.compactMap { if case let .string(text) = $0 { HealthBand(parsing: text) } else { nil } })
    }

    /// `direction`: up, down or both.
    public func direction() -> MoverDirection {
        string("direction").flatMap(MoverDirection.init(rawValue:)) ?? .both
    }

    /// `as_of`: a `YYYY-MM-DD` day.
    public func asOf() -> AsOf? { string("as_of").flatMap(AsOf.init) }

    /// A date argument (checked on arrival).
    public func date(_ name: String) -> AsOf? { string(name).flatMap(AsOf.init) }

    /// A list of names (`fields`), or nil.
    public func names(_ name: String) -> [String]? { value(name)?.arrayValue?.compactMap(\.stringValue) }

    /// The page: `limit` (1–200, the tool's default) and the opaque `cursor` of a previous page.
    public func page() throws(ToolError) -> (offset: Int, limit: Int) {
        let limit = int("limit") ?? 20
        guard let cursor = string("cursor") else { return (0, limit) }
        guard let offset = Cursor.offset(cursor) else {
            throw ToolError("invalid cursor: pass the next_cursor of the previous page unchanged, or leave cursor out for the first page")
        }
        return (offset, limit)
    }
}

/// Opaque page cursors: the offset of the next item.
enum Cursor {
    static func make(offset: Int) -> String {
        "o" + String(offset, radix: 36)
    }

    static func offset(_ cursor: String) -> Int? {
        guard cursor.first == "o", let offset = Int(cursor.dropFirst(), radix: 36), offset >= 0 else { return nil }
        return offset
    }
}
