/// A type that writes its own JSON text: exactly the bytes its `Encodable`
/// conformance makes (``JSONValue/encoding(_:)`` then ``JSONValue/text(pretty:)``:
/// snake_case keys in byte order, absent optionals as `null`), without
/// `Encoder`'s containers.
///
/// For the types a night writes by the hundred thousand (an account's risk
/// detail, a list's summary rows, inactive users): through `Encodable`
/// each object paid for the containers' existential boxes, their generic
/// metadata and the key plans, about 7 µs for a summary, a fifth of a
/// 100 M-event night's CPU (BENCHMARKS.md §5). `JSONTextEncoder` takes this
/// path for any value that conforms, at any depth.
///
/// The cost is a second description of the type's JSON, which can drift
/// from its `Encodable` one: each conformance has a test that compares the
/// two, byte for byte, on values with every optional set and unset and
/// strings that need escaping (`JSONTextWritableTests`).
public protocol JSONTextWritable: Encodable {
    /// Writes the value as one JSON value: an object's fields with
    /// ``JSONTextWriter``'s `field` methods, in key order.
    func write(to json: inout JSONTextWriter)
}

/// The output of ``JSONTextWritable/write(to:)``: an object's fields are
/// written in the order they are given, so a conformance gives them in
/// the order of their snake_case keys' bytes (`"churn_risk"` before
/// `"churned"`, a key before a longer one it starts).
public struct JSONTextWriter {
    @usableFromInline var out: [UInt8]
    /// Whether the next field or element is its container's first.
    @usableFromInline var first = true
    /// Objects open around the next byte (1: inside the outermost).
    @usableFromInline var depth = 0
    /// Where each field of the outermost object starts (its key's opening
    /// quote) and where its key ends, when asked for (``EncodedObject``
    /// keeps them, and need not scan the text for them).
    @usableFromInline var topFields: [(start: Int, keyEnd: Int)]?

    init(out: [UInt8] = [], recordingFields: Bool = false) {
        self.out = out
        topFields = recordingFields ? [] : nil
    }

    /// `value`'s text (what `JSONTextEncoder` writes for it).
    public static func text(of value: some JSONTextWritable) -> [UInt8] {
        var bytes: [UInt8] = []
        append(value, to: &bytes)
        return bytes
    }

    /// Appends `value`'s text to `bytes` (a packer's buffer), without an
    /// array of its own.
    public static func append(_ value: some JSONTextWritable, to bytes: inout [UInt8]) {
        var json = JSONTextWriter()
        swap(&json.out, &bytes)
        value.write(to: &json)
        swap(&json.out, &bytes)
    }

    /// An object: `body` writes its fields.
    @inlinable public mutating func object(_ body: (inout JSONTextWriter) -> Void) {
        out.append(UInt8(ascii: "{"))
        first = true
        depth += 1
        body(&self)
        depth -= 1
        out.append(UInt8(ascii: "}"))
        first = false
    }

    /// `"name":`, after a comma unless it is the object's first field.
    /// - Parameter name: the key as written: snake_case, plain ASCII.
    @inlinable public mutating func key(_ name: StaticString) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        let start = out.count
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        if depth == 1 && topFields != nil { topFields!.append((start, out.count)) }
        out.append(UInt8(ascii: ":"))
    }

    // A string, number or nested value, or `null` when absent: a plain
    // value takes the optional's overload (the wrapping is inlined away).

    @inlinable public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { JSONValue.writeString(value, to: &out) } else { writeNull() }
    }

    @inlinable public mutating func field(_ name: StaticString, _ value: Double?) {
        key(name)
        if let value { JSONValue.writeDouble(value, to: &out) } else { writeNull() }
    }

    @inlinable public mutating func field(_ name: StaticString, _ value: Int?) {
        key(name)
        if let value { JSONValue.writeInt(value, to: &out) } else { writeNull() }
    }

    @inlinable public mutating func field(_ name: StaticString, _ value: Int64) {
        field(name, Int(value))
    }

    @inlinable public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        out.append(contentsOf: (value ? "true" : "false").utf8)
    }

    @inlinable public mutating func field(_ name: StaticString, _ value: JSONValue) {
        key(name)
        value.write(to: &out, pretty: false, indent: 0)
    }

    @inlinable public mutating func field(_ name: StaticString, _ value: (some JSONTextWritable)?) {
        key(name)
        if let value { value.write(to: &self) } else { writeNull() }
    }

    @inlinable public mutating func field(_ name: StaticString, _ values: [String]) {
        key(name)
        array(values) { json, value in JSONValue.writeString(value, to: &json.out) }
    }

    @inlinable public mutating func field(_ name: StaticString, _ values: [some JSONTextWritable]) {
        key(name)
        array(values) { json, value in value.write(to: &json) }
    }

    /// An array: `element` writes each item.
    @inlinable public mutating func array<Items: Sequence>(_ items: Items, _ element: (inout JSONTextWriter, Items.Element) -> Void) {
        out.append(UInt8(ascii: "["))
        var count = 0
        for item in items {
            if count > 0 { out.append(UInt8(ascii: ",")) }
            count += 1
            element(&self, item)
        }
        out.append(UInt8(ascii: "]"))
        first = false
    }

    @usableFromInline mutating func writeNull() { out.append(contentsOf: "null".utf8) }
}
