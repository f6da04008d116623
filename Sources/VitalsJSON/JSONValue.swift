import Foundation

/// A JSON value: tool arguments in, structured results out.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    /// JSON text already written, spliced as is into what contains it: a
    /// tool result is serialized once, for its text content, and the same
    /// bytes become its `structuredContent` (writing the tree twice cost a
    /// tenth of the server's CPU under load). Reading into it parses it.
    case encoded(JSONText)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .int(value): try container.encode(value)
        case let .double(value): try container.encode(value)
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        case let .encoded(text): try container.encode(text.value)
        }
    }

    /// Parses JSON text (numbers exactly: what ``text(pretty:)`` wrote reads back equal).
    public static func parse(_ text: String) throws(JSONValueParser.Failure) -> JSONValue {
        try JSONValueParser.parse(Array(text.utf8))
    }

    /// Parses JSON bytes (UTF-8), as they arrive from a socket or a pipe.
    public static func parse(bytes: [UInt8]) throws(JSONValueParser.Failure) -> JSONValue {
        try JSONValueParser.parse(bytes)
    }

    /// Any `Encodable` as a JSON value, keys in snake_case, nil as null.
    public static func encoding(_ value: some Encodable) -> JSONValue {
        // Encoding our own result types cannot fail.
        try! JSONValueEncoder().encode(value)
    }

    /// `value` written as JSON text at once (``encoded(_:)``): the same
    /// text as `encoding(value).text()`, without the tree in between. Hot
    /// paths (scoring, list rows) use it; `extra` adds fields to a
    /// top-level object.
    public static func encodedText(_ value: some Encodable, adding extra: [String: JSONValue] = [:]) -> JSONValue {
        // Encoding our own result types cannot fail.
        .encoded(JSONText(bytes: try! JSONTextEncoder.encode(value, adding: extra)))
    }

    /// A list's items, each written as JSON text at once (``encodedText(_:adding:)``):
    /// an array of `.encoded` values, so a page can still be cut from it.
    public static func encodedItems(_ items: some Collection<some Encodable>) -> JSONValue {
        // Encoding our own result types cannot fail.
        .array(try! JSONTextEncoder.encodeEach(items).map { .encoded(JSONText(bytes: $0)) })
    }

    /// The same for items that write their own text: straight through
    /// ``JSONTextWriter``, without the encoder's sink and a cast per item.
    public static func encodedItems(_ items: some Collection<some JSONTextWritable>) -> JSONValue {
        .array(items.map { .encoded(JSONText(bytes: JSONTextWriter.text(of: $0))) })
    }

    /// A whole list's items as one array's text, written into one buffer:
    /// the same text as ``encodedItems(_:)-…`` makes, for a list stored
    /// whole (no page is cut from it), without an allocation per item.
    public static func encodedArray(_ items: some Collection<some JSONTextWritable>) -> JSONValue {
        var json = JSONTextWriter()
        json.array(items) { json, item in item.write(to: &json) }
        return .encoded(JSONText(bytes: json.out))
    }

    /// The same for items that only encode.
    public static func encodedArray(_ items: some Collection<some Encodable>) -> JSONValue {
        // Encoding our own result types cannot fail.
        .encoded(JSONText(bytes: try! JSONTextEncoder.encode(Array(items))))
    }

    /// An array whose elements `element` writes, one per item, as JSON
    /// text at once: a stored list's rows written into one buffer, not a
    /// text each (``writtenObject(_:)``) copied again into the list's.
    public static func writtenArray<Items: Collection>(_ items: Items, _ element: (inout JSONTextWriter, Items.Element) -> Void) -> JSONValue {
        var json = JSONTextWriter()
        json.array(items, element)
        return .encoded(JSONText(bytes: json.out))
    }

    /// An object whose fields `body` writes (in key order, as a
    /// ``JSONTextWritable`` does), as JSON text at once.
    public static func writtenObject(_ body: (inout JSONTextWriter) -> Void) -> JSONValue {
        var json = JSONTextWriter()
        json.object(body)
        return .encoded(JSONText(bytes: json.out))
    }

    /// Compact or pretty (two-space indent) JSON text, keys sorted.
    public func text(pretty: Bool = false) -> String {
        String(decoding: utf8(pretty: pretty), as: UTF8.self)
    }

    /// The same text as UTF-8 bytes, ready for a socket or a pipe.
    public func utf8(pretty: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pretty ? 256 : max(256, compactByteCountEstimate))
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    /// Appends the compact text to `out` (a packer's buffer), without an
    /// array of its own.
    public func append(to out: inout [UInt8]) {
        write(to: &out, pretty: false, indent: 0)
    }

    /// About how long the compact text is (exact for the written parts, a
    /// bound for short scalars): what ``utf8(pretty:)`` reserves, so that a
    /// stored list of megabytes is copied once into one buffer, not grown
    /// by doubling through fresh ones. Pages reserved and never written
    /// cost nothing.
    var compactByteCountEstimate: Int {
        switch self {
        case .null, .bool, .int, .double: 24
        case let .string(text): text.utf8.count + 8
        case let .encoded(text): text.bytes.count
        case let .array(items): items.reduce(2) { $0 + 1 + $1.compactByteCountEstimate }
        case let .object(object): object.reduce(2) { $0 + $1.key.utf8.count + 4 + $1.value.compactByteCountEstimate }
        }
    }

    @usableFromInline func write(to out: inout [UInt8], pretty: Bool, indent: Int) {
        func newline(_ level: Int) {
            guard pretty else { return }
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
        }
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case let .int(n): Self.writeInt(n, to: &out)
        case let .double(d): Self.writeDouble(d, to: &out)
        case let .encoded(text): out.append(contentsOf: pretty ? text.value.utf8(pretty: true) : text.bytes)
        case let .string(text): Self.writeString(text, to: &out)
        case let .array(items):
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                item.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case let .object(object):
            guard !object.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            // Sorted pairs, not sorted keys looked up again: one hash walk per object.
            for (i, field) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                Self.writeString(field.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                field.value.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `n` in decimal, written digit by digit (`String(n)` made a string per number).
    @usableFromInline static func writeInt(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(UInt8(ascii: "-")) }
        writeDigits(n.magnitude, to: &out)
    }

    /// `v` as JSON: exactly `v.description` (the shortest text that reads
    /// back as `v`), `null` when not finite. The numbers our results hold
    /// are mostly rounded to at most four decimals (scores, risks, ratios);
    /// those between 0.0001 and 10⁹ are written digit by digit, the others
    /// through `description`, which made a string per number (3 % of a
    /// night's CPU).
    ///
    /// Why the digits are `description`'s: with k the fewest decimals (at
    /// most 4) for which m / 10ᵏ, m an integer, reads back as `v`, no
    /// other decimal with as few digits reads back as `v` (two such differ
    /// by at least 10⁻⁴, `v`'s rounding interval is under 10⁻⁷ wide below
    /// 10⁹), so m / 10ᵏ is the shortest; and `description` writes
    /// numbers in this range without an exponent, with ".0" when whole. A
    /// test compares the two on a million values.
    @usableFromInline static func writeDouble(_ v: Double, to out: inout [UInt8]) {
        guard v.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        let magnitude = v.magnitude
        if magnitude >= 1e-4, magnitude < 1e9 {
            var scale = 1.0
            for decimals in 0 ... 4 {
                let m = (magnitude * scale).rounded()
                // Both exact below 2⁵³, so the division rounds once: equal
                // exactly when the decimal m / 10ᵏ reads back as `v`.
                if m / scale == magnitude {
                    if v < 0 { out.append(UInt8(ascii: "-")) }
                    let digits = UInt(m), unit = UInt(scale)
                    writeDigits(digits / unit, to: &out)
                    out.append(UInt8(ascii: "."))
                    if decimals == 0 {
                        out.append(UInt8(ascii: "0"))
                    } else {
                        var fraction = digits % unit, divisor = unit / 10
                        for _ in 0 ..< decimals {
                            out.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
                            fraction %= divisor
                            divisor /= 10
                        }
                    }
                    return
                }
                scale *= 10
            }
        }
        out.append(contentsOf: v.description.utf8)
    }

    private static func writeDigits(_ n: UInt, to out: inout [UInt8]) {
        var n = n
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var at = 20
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[at...]))
        }
    }

    /// A JSON string literal (RFC 8259 escapes); plain runs are copied as bytes.
    @usableFromInline static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart ..< i]))
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: "\\n".utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: "\\r".utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: "\\t".utf8)
                default:
                    let hex = String(byte, radix: 16)
                    out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
                }
                runStart = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Numbers compare by value: JSON does not tell 1 from 1.0, so a
    /// result read back from its text equals the one that was written.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.int(x), .int(y)): x == y
        case let (.double(x), .double(y)): x == y
        case let (.int(x), .double(y)), let (.double(y), .int(x)): Double(x) == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x == y
        case let (.encoded(x), .encoded(y)): x.bytes == y.bytes || x.value == y.value
        case let (.encoded(x), other), let (other, .encoded(x)): x.value == other
        default: false
        }
    }

    public subscript(key: String) -> JSONValue? {
        switch self {
        case let .object(object): object[key]
        case let .encoded(text): text.value[key]
        default: nil
        }
    }

    /// The text of a string value; nil for any other kind.
    public var stringValue: String? {
        switch self {
        case let .string(text): text
        case let .encoded(text): text.value.stringValue
        default: nil
        }
    }

    /// The items of an array value; nil for any other kind.
    public var arrayValue: [JSONValue]? {
        switch self {
        case let .array(items): items
        case let .encoded(text): text.value.arrayValue
        default: nil
        }
    }

    /// An integer number (a double with no fraction counts); nil for any other value.
    public var intValue: Int? {
        switch self {
        case let .int(n): n
        case let .double(d) where d == d.rounded() && abs(d) < 9e15: Int(d)
        case let .encoded(text): text.value.intValue
        default: nil
        }
    }

    /// A number as a double; nil for any other kind.
    public var doubleValue: Double? {
        switch self {
        case let .int(n): Double(n)
        case let .double(d): d
        case let .encoded(text): text.value.doubleValue
        default: nil
        }
    }

    /// The fields of an object, or nil.
    public var objectValue: [String: JSONValue]? {
        switch self {
        case let .object(fields): fields
        case let .encoded(text): text.value.objectValue
        default: nil
        }
    }

    /// The same value as JSON text written once (see ``encoded(_:)``).
    public var encodedOnce: JSONText {
        if case let .encoded(text) = self { return text }
        return JSONText(bytes: utf8())
    }
}

// Literals, so that schemas read as JSON: `["type": "string", "minimum": 1]`.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// JSON text, valid by construction (written by ``JSONValue/utf8(pretty:)``).
public struct JSONText: Sendable {
    public let bytes: [UInt8]

    /// The value it writes (parsed on demand: tests and rare readers only).
    public var value: JSONValue { (try? JSONValue.parse(bytes: bytes)) ?? .null }

    /// The text as a string.
    public var string: String { String(decoding: bytes, as: UTF8.self) }
}
