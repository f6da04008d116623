import VitalsAnalytics
import VitalsColumnar
import VitalsJSON

/// A tool's arguments, read from a JSON object with DESIGN.md's one
/// vocabulary. Every read checks the type and range and says what was
/// expected; names the tool does not take are refused.
public struct ToolArguments: Sendable {
    let values: [String: JSONValue]

    public init(_ json: JSONValue?, allowed: Set<String>) throws(ToolError) {
        switch json {
        case nil, .null?: values = [:]
        case let .object(object)?:
            values = object.filter { $0.value != .null }
            if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw ToolError("unknown argument \(unknown); this tool takes: \(allowed.sorted().joined(separator: ", "))")
            }
        default:
            throw ToolError("arguments must be a JSON object, e.g. {\"days\": 30}")
        }
    }

    public func string(_ name: String, example: String) throws(ToolError) -> String? {
        guard let value = values[name] else { return nil }
        guard case let .string(text) = value, !text.isEmpty else { throw .invalid(name, "expected a non-empty string", example: example) }
        return text
    }

    public func requiredString(_ name: String, example: String) throws(ToolError) -> String {
        guard let text = try string(name, example: example) else { throw ToolError("missing required argument \(name) (example: \(example))") }
        return text
    }

    public func int(_ name: String, default fallback: Int, range: ClosedRange<Int>, example: String) throws(ToolError) -> Int {
        guard let value = values[name] else { return fallback }
        let number: Int
        switch value {
        case let .int(n): number = n
        case let .double(d) where d == d.rounded() && abs(d) < 1e15: number = Int(d)
        default: throw .invalid(name, "expected an integer", example: example)
        }
        guard range.contains(number) else { throw .invalid(name, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)", example: example) }
        return number
    }

    public func bool(_ name: String, example: String) throws(ToolError) -> Bool? {
        guard let value = values[name] else { return nil }
        guard case let .bool(flag) = value else { throw .invalid(name, "expected true or false", example: example) }
        return flag
    }

    /// `bands`: a list of band names.
    public func bands() throws(ToolError) -> Set<HealthBand>? {
        guard let value = values["bands"] else { return nil }
        let example = #"["At Risk", "Watch"]"#
        guard case let .array(items) = value, !items.isEmpty else { throw .invalid("bands", "expected a non-empty list of bands", example: example) }
        var bands = Set<HealthBand>()
        for item in items {
            guard case let .string(text) = item, let band = HealthBand(parsing: text) else {
                throw .invalid("bands", "each band is Healthy, Watch or At Risk", example: example)
            }
            bands.insert(band)
        }
        return bands
    }

    /// `direction`: up, down or both.
    public func direction() throws(ToolError) -> MoverDirection {
        guard let text = try string("direction", example: "down") else { return .both }
        guard let direction = MoverDirection(rawValue: text) else { throw .invalid("direction", "expected up, down or both", example: "down") }
        return direction
    }

    /// `as_of`: a `YYYY-MM-DD` day.
    public func asOf() throws(ToolError) -> AsOf? {
        guard let text = try string("as_of", example: "2026-11-20") else { return nil }
        guard let day = AsOf(text) else { throw .invalid("as_of", "expected a date YYYY-MM-DD", example: "2026-11-20") }
        return day
    }

    /// The page: `limit` (1–200, default 50) and the opaque `cursor` of a previous page.
    public func page() throws(ToolError) -> (offset: Int, limit: Int) {
        let limit = try int("limit", default: 50, range: 1...200, example: "50")
        guard let cursor = try string("cursor", example: "the next_cursor of the previous page") else { return (0, limit) }
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
