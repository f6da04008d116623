/// An object's JSON text, encoded once and kept with its fields' bounds, to
/// be written again with other fields added: a list row is an account's
/// summary (the same for every list of the day) and the list's own fields.
///
/// `EncodedObject(value).adding(extra)` writes exactly the text of
/// ``JSONValue/encodedText(_:adding:)`` for the same value and fields: the
/// fields in key order (keys compared as quoted UTF-8, a shorter key first),
/// and of a key both have, the added field's value.
public struct EncodedObject: Sendable {
    /// The object's text, `{"key":value,…}`, fields in key order.
    public let text: JSONText
    /// Each field's bounds in `text`: where its quoted key starts, where the
    /// key's closing quote ends, and where its value ends.
    private let fields: [(start: Int, keyEnd: Int, end: Int)]

    /// - Precondition: `value` encodes as a JSON object.
    public init(_ value: some Encodable) {
        // Encoding our own result types cannot fail.
        self.init(objectText: try! JSONTextEncoder.encode(value))
    }

    /// A value that writes its own object: straight through
    /// ``JSONTextWriter``, without the encoder's sink and its dynamic cast.
    /// - Precondition: `value` writes a JSON object.
    public init(_ value: some JSONTextWritable) {
        var json = JSONTextWriter(recordingFields: true)
        value.write(to: &json)
        precondition(json.out.first == UInt8(ascii: "{") && json.out.last == UInt8(ascii: "}"), "an encoded object is a JSON object")
        text = JSONText(bytes: json.out)
        fields = Self.fields(recordedBy: json)
    }

    /// - Precondition: `bytes` is a compact JSON object's text.
    init(objectText bytes: [UInt8]) {
        text = JSONText(bytes: bytes)
        fields = Self.fields(of: bytes)
    }

    /// The object with `extra` fields added, as text.
    public func adding(_ extra: [String: JSONValue]) -> JSONValue {
        guard !extra.isEmpty else { return .encoded(text) }
        // Each field written once into one buffer, then taken in key order.
        var written: [UInt8] = []
        var added: [(start: Int, keyEnd: Int, end: Int)] = []
        for (key, value) in extra {
            let start = written.count
            JSONValue.writeString(key, to: &written)
            let keyEnd = written.count
            written.append(UInt8(ascii: ":"))
            value.write(to: &written, pretty: false, indent: 0)
            added.append((start, keyEnd, written.count))
        }
        added.sort { KeyPlan.compareQuoted(written[$0.start ..< $0.keyEnd], written[$1.start ..< $1.keyEnd]) < 0 }
        return merged(with: written, added)
    }

    /// The object with the fields `write` writes added, as text: the same
    /// text as ``adding(_:)`` with those fields, without a dictionary of
    /// values. `write` gives its fields in key order, as a
    /// ``JSONTextWritable`` does (a list row's own fields, written for
    /// every row of a materialized list).
    public func adding(_ write: (inout JSONTextWriter) -> Void) -> JSONValue {
        var json = JSONTextWriter(recordingFields: true)
        json.object(write)
        return merged(with: json.out, Self.fields(recordedBy: json))
    }

    /// The top-level fields' bounds of the object `json` wrote with
    /// `recordingFields`: a field ends at the comma before the next one,
    /// the last at the closing brace.
    static func fields(recordedBy json: JSONTextWriter) -> [(start: Int, keyEnd: Int, end: Int)] {
        let starts = json.topFields ?? [], count = json.out.count
        return starts.indices.map { i in
            (starts[i].start, starts[i].keyEnd, i + 1 < starts.count ? starts[i + 1].start - 1 : count - 1)
        }
    }

    /// This object's fields and `added` (fields of `written`, in key order)
    /// in key order; of a key both have, the added field's value.
    private func merged(with written: [UInt8], _ added: [(start: Int, keyEnd: Int, end: Int)]) -> JSONValue {
        let own = text.bytes
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(own.count + written.count + added.count)
        var i = 0, j = 0
        func separate() { if out.count > 1 { out.append(UInt8(ascii: ",")) } }
        while i < fields.count || j < added.count {
            let order = i == fields.count ? 1 : j == added.count ? -1
                : KeyPlan.compareQuoted(own[fields[i].start ..< fields[i].keyEnd], written[added[j].start ..< added[j].keyEnd])
            separate()
            if order < 0 {
                out.append(contentsOf: own[fields[i].start ..< fields[i].end])
                i += 1
            } else {
                if order == 0 { i += 1 }  // the added field's value wins
                out.append(contentsOf: written[added[j].start ..< added[j].end])
                j += 1
            }
        }
        out.append(UInt8(ascii: "}"))
        return .encoded(JSONText(bytes: out))
    }

    /// The top-level fields of compact object text: a scan that skips
    /// strings (with their escapes) and nested objects and arrays.
    static func fields(of bytes: [UInt8]) -> [(start: Int, keyEnd: Int, end: Int)] {
        precondition(bytes.first == UInt8(ascii: "{") && bytes.last == UInt8(ascii: "}"), "an encoded object is a JSON object")
        var fields: [(start: Int, keyEnd: Int, end: Int)] = []
        var depth = 0, inString = false, escaped = false
        var start = 1, keyEnd = -1
        for position in 1 ..< bytes.count - 1 {
            let c = bytes[position]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 && keyEnd < 0 { keyEnd = position + 1 }
                }
                continue
            }
            switch c {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ",") where depth == 0:
                fields.append((start, keyEnd, position))
                start = position + 1
                keyEnd = -1
            default: break
            }
        }
        if bytes.count > 2 { fields.append((start, keyEnd, bytes.count - 1)) }
        return fields
    }
}
