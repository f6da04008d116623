import Synchronization

/// Encodes any `Encodable` straight into compact JSON text: the bytes
/// ``JSONValue/encoding(_:)`` followed by ``JSONValue/text(pretty:)`` would
/// write (keys in snake_case and sorted, absent optionals as `null`), without
/// building the tree of nodes, dictionaries and enums in between.
///
/// This is the scoring path's encoder: `vitals score` writes every account's
/// risk detail and every agency's default tool results as JSON text, and the
/// tree cost a quarter of a night's CPU (BENCHMARKS.md §5).
///
/// How: one output buffer. An object's fields are written as they come
/// (`"key":value`), each field's byte range kept on a flat stack; when the
/// value that opened the object is done, the fields are put in key order
/// (stable, the last of equal keys kept, as the tree's dictionary does).
/// Keys compare as UTF-8 bytes, which is `String`'s order for the ASCII
/// names our types have.
///
/// Converting keys to snake_case and sorting them was a fifth of the
/// encoding's CPU, done again for every object of a type. So the first
/// object of each `CodingKey` type leaves a ``KeyPlan``: its keys, their
/// snake_case text and the order that sorts them. Later objects whose keys
/// come in the same sequence (checked key by key) copy the text and apply
/// the order; any other sequence (a dictionary, a type that skips a field)
/// is converted and sorted as before.
struct JSONTextEncoder {
    /// `value`'s JSON text; `extra` fields are added to a top-level object
    /// (a list row's own fields beside a summary's).
    static func encode(_ value: some Encodable, adding extra: [String: JSONValue] = [:]) throws -> [UInt8] {
        // A value that writes its own object takes the fields added as
        // ``EncodedObject`` adds them (the same text as the path below).
        if !extra.isEmpty, let writable = value as? any JSONTextWritable {
            let own = JSONTextWriter.text(of: writable)
            if own.first == UInt8(ascii: "{"), case let .encoded(text) = EncodedObject(objectText: own).adding(extra) { return text.bytes }
        }
        let sink = TextSink()
        try sink.encodeValue(value, extra: extra)
        return sink.out
    }

    /// Each item's JSON text, through one buffer and one set of stacks
    /// (a list of thousands of rows paid for its own each).
    static func encodeEach(_ items: some Collection<some Encodable>) throws -> [[UInt8]] {
        let sink = TextSink()
        var texts: [[UInt8]] = []
        texts.reserveCapacity(items.count)
        for item in items {
            sink.out.removeAll(keepingCapacity: true)
            try sink.encodeValue(item)
            texts.append(Array(sink.out))
        }
        return texts
    }
}

/// What the first object of one `CodingKey` type taught: its keys in the
/// sequence it wrote them, each key's quoted snake_case text, and the
/// positions that put the fields in key order (the last of equal keys
/// kept). Kept in flat buffers, written once in `init` and never changed:
/// the encoder's inner loop reads them without reference counting (arrays
/// here cost a retain and a release per field).
final class KeyPlan: @unchecked Sendable {
    let count: Int
    let keyBuffer: UnsafeMutableBufferPointer<String>
    let quotedBytes: UnsafeMutableBufferPointer<UInt8>
    /// Where key i's quoted text starts in `quotedBytes` (count + 1 entries).
    let quotedStarts: UnsafeMutableBufferPointer<Int>
    /// The positions in key order; empty when the keys already are in it.
    let orderBuffer: UnsafeMutableBufferPointer<Int>

    init(keys: [String], quoted: [[UInt8]]) {
        func compare(_ a: Int, _ b: Int) -> Int { KeyPlan.compareQuoted(quoted[a], quoted[b]) }
        var order: [Int] = []
        if !zip(quoted.indices.dropLast(), quoted.indices.dropFirst()).allSatisfy({ compare($0, $1) < 0 }) {
            let sorted = quoted.indices.sorted { compare($0, $1) != 0 ? compare($0, $1) < 0 : $0 < $1 }
            order = sorted.indices.compactMap { i in
                i + 1 < sorted.count && compare(sorted[i], sorted[i + 1]) == 0 ? nil : sorted[i]
            }
        }
        count = keys.count
        keyBuffer = .allocate(capacity: keys.count)
        _ = keyBuffer.initialize(from: keys)
        let bytes = quoted.flatMap { $0 }
        quotedBytes = .allocate(capacity: bytes.count)
        _ = quotedBytes.initialize(from: bytes)
        quotedStarts = .allocate(capacity: quoted.count + 1)
        var at = 0
        for (i, key) in quoted.enumerated() {
            quotedStarts[i] = at
            at += key.count
        }
        quotedStarts[quoted.count] = at
        orderBuffer = .allocate(capacity: order.count)
        _ = orderBuffer.initialize(from: order)
    }

    deinit {
        keyBuffer.deinitialize().deallocate()
        quotedBytes.deallocate()
        quotedStarts.deallocate()
        orderBuffer.deallocate()
    }

    /// Two quoted keys as bytes; the closing quote sorts first ("a" before "ab").
    static func compareQuoted(_ x: some Collection<UInt8>, _ y: some Collection<UInt8>) -> Int {
        for (a, b) in zip(x, y) where a != b {
            if a == UInt8(ascii: "\"") { return -1 }
            if b == UInt8(ascii: "\"") { return 1 }
            return a < b ? -1 : 1
        }
        return x.count - y.count
    }

    /// The plans learnt so far, by `CodingKey` type, shared by every
    /// encoder on every thread (a plan never changes once published).
    private static let learnt = Mutex<[ObjectIdentifier: KeyPlan]>([:])

    static func plan(for keyType: ObjectIdentifier) -> KeyPlan? {
        learnt.withLock { $0[keyType] }
    }

    static func publish(_ plan: KeyPlan, for keyType: ObjectIdentifier) {
        learnt.withLock { plans in
            if plans[keyType] == nil { plans[keyType] = plan }
        }
    }
}

/// The buffer and the stacks of open containers and of their fields.
private final class TextSink {
    struct Field {
        /// Where `"key"` starts (after the separating comma) and the value ends.
        var start: Int
        var keyEnd: Int
        var end: Int
    }

    struct Frame {
        let slot: Int
        let isObject: Bool
        /// Where the opening bracket is.
        let open: Int
        /// Where this object's fields start on `fields`.
        let fieldBase: Int
        var count = 0
        /// The `CodingKey` type of a keyed object, and its plan when one
        /// was learnt; `onPlan` until a key differs from the plan's.
        var keyType: ObjectIdentifier? = nil
        /// Unretained: a published plan lives as long as the process.
        var plan: Unmanaged<KeyPlan>? = nil
        var onPlan = true
        /// Where this object's keys start on `learning`, when it is the
        /// object its key type learns from.
        var learningBase: Int? = nil
    }

    // One encoder touches its sink from one thread, one call at a time; the
    // dynamic exclusivity checks on these (a tenth of the encoding's CPU)
    // are left out.
    @exclusivity(unchecked) var out: [UInt8] = []
    @exclusivity(unchecked) var fields: [Field] = []
    @exclusivity(unchecked) var frames: [Frame] = []
    @exclusivity(unchecked) var slots = 0
    @exclusivity(unchecked) var scratch: [UInt8] = []
    /// The keys of the objects that are teaching their type a plan.
    @exclusivity(unchecked) var learning: [String] = []
    /// The plans this sink has used, by key type: the shared table's lock
    /// was taken for every object (a list of thousands of rows).
    @exclusivity(unchecked) var knownPlans: [ObjectIdentifier: KeyPlan] = [:]

    init() { out.reserveCapacity(1024) }

    func newSlot() -> Int {
        slots += 1
        return slots
    }

    /// One value into the buffer: primitives as text, anything else through
    /// its own `encode(to:)`, then whatever containers it opened are closed.
    /// The primitives are told by their type, not cast to (a dynamic cast
    /// per value cost more than writing it); an optional goes through its
    /// own `encode(to:)` and lands here unwrapped.
    func encodeValue<Value: Encodable>(_ value: Value, slot: Int? = nil, extra: [String: JSONValue] = [:]) throws {
        if Value.self == String.self {
            JSONValue.writeString(unsafeBitCast(value, to: String.self), to: &out)
        } else if Value.self == Int.self {
            writeInt(unsafeBitCast(value, to: Int.self))
        } else if Value.self == Double.self {
            writeDouble(unsafeBitCast(value, to: Double.self))
        } else if Value.self == Bool.self {
            out.append(contentsOf: (unsafeBitCast(value, to: Bool.self) ? "true" : "false").utf8)
        } else if Value.self == Int64.self {
            writeInt(Int(unsafeBitCast(value, to: Int64.self)))
        } else if Value.self == Int32.self {
            writeInt(Int(unsafeBitCast(value, to: Int32.self)))
        } else if Value.self == UInt32.self {
            writeInt(Int(unsafeBitCast(value, to: UInt32.self)))
        } else if Value.self == JSONValue.self {
            unsafeBitCast(value, to: JSONValue.self).write(to: &out, pretty: false, indent: 0)
        } else if extra.isEmpty, let writable = value as? any JSONTextWritable {
            // Writes its own text (one cast per object, not per field).
            var json = JSONTextWriter()
            swap(&json.out, &out)
            writable.write(to: &json)
            swap(&json.out, &out)
        } else {
            let slot = slot ?? newSlot()
            let depth = frames.count, before = out.count
            try value.encode(to: SlotEncoder(sink: self, slot: slot))
            if !extra.isEmpty, frames.count == depth + 1, frames[depth].isObject {
                for (key, field) in extra {
                    beginField(frame: depth, key: key)
                    field.write(to: &out, pretty: false, indent: 0)
                    endField(frame: depth)
                }
            }
            while frames.count > depth { close() }
            if out.count == before { out.append(contentsOf: "null".utf8) }
        }
    }

    func writeInt(_ n: Int) { JSONValue.writeInt(n, to: &out) }

    func writeDouble(_ v: Double) { JSONValue.writeDouble(v, to: &out) }

    /// The frame of `slot`'s object (or array), opened on first use; a keyed
    /// object's frame takes its key type's plan, or learns it.
    func frame(for slot: Int, object: Bool, keyType: ObjectIdentifier? = nil) -> Int {
        if let last = frames.indices.last, frames[last].slot == slot, frames[last].isObject == object {
            if frames[last].keyType != keyType { frames[last].onPlan = false }
            return last
        }
        var frame = Frame(slot: slot, isObject: object, open: out.count, fieldBase: fields.count)
        if let keyType {
            frame.keyType = keyType
            if knownPlans[keyType] == nil { knownPlans[keyType] = KeyPlan.plan(for: keyType) }
            if let plan = knownPlans[keyType] {
                frame.plan = Unmanaged.passUnretained(plan)
            } else {
                frame.learningBase = learning.count
            }
        }
        frames.append(frame)
        out.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        return frames.count - 1
    }

    func beginField(frame: Int, key: String) {
        frames[frame].onPlan = false
        if frames[frame].count > 0 { out.append(UInt8(ascii: ",")) }
        fields.append(Field(start: out.count, keyEnd: 0, end: 0))
        JSONValue.writeString(key, to: &out)
        fields[fields.count - 1].keyEnd = out.count
        out.append(UInt8(ascii: ":"))
    }

    func beginField(frame: Int, codingKey: String) {
        let n = frames[frame].count
        if n > 0 { out.append(UInt8(ascii: ",")) }
        fields.append(Field(start: out.count, keyEnd: 0, end: 0))
        let planned = frames[frame].onPlan && frames[frame].plan.map { plan in
            plan._withUnsafeGuaranteedRef { plan in
                guard n < plan.count, plan.keyBuffer[n] == codingKey else { return false }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: plan.quotedBytes[plan.quotedStarts[n] ..< plan.quotedStarts[n + 1]]))
                return true
            }
        } == true
        if !planned {
            if frames[frame].plan != nil { frames[frame].onPlan = false }
            if frames[frame].learningBase != nil { learning.append(codingKey) }
            writeSnakeCase(codingKey)
        }
        fields[fields.count - 1].keyEnd = out.count
        out.append(UInt8(ascii: ":"))
    }

    func endField(frame: Int) {
        fields[fields.count - 1].end = out.count
        frames[frame].count += 1
    }

    func beginElement(frame: Int) {
        if frames[frame].count > 0 { out.append(UInt8(ascii: ",")) }
        frames[frame].count += 1
    }

    /// `"key"` in snake_case (``JSONValueEncoder/convert(_:)``), ASCII keys
    /// converted byte by byte, others through the cached general rule.
    func writeSnakeCase(_ key: String) {
        var key = key
        let ascii = key.withUTF8 { bytes -> Bool in
            guard bytes.allSatisfy({ $0 < 0x80 && $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return false }
            out.append(UInt8(ascii: "\""))
            for i in bytes.indices {
                let c = bytes[i]
                if isUpper(c) {
                    if i > 0 {
                        let previous = bytes[i - 1]
                        let nextIsLower = i + 1 < bytes.count && isLower(bytes[i + 1])
                        if isLower(previous) || isDigit(previous) || (isUpper(previous) && nextIsLower) { out.append(UInt8(ascii: "_")) }
                    }
                    out.append(c + 32)
                } else {
                    out.append(c)
                }
            }
            out.append(UInt8(ascii: "\""))
            return true
        }
        if !ascii { JSONValue.writeString(JSONValueEncoder.snakeCase(key), to: &out) }
    }

    private func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
    private func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    /// Closes the innermost container: an object's fields in key order.
    func close() {
        let frame = frames.removeLast()
        guard frame.isObject else {
            out.append(UInt8(ascii: "]"))
            return
        }
        let own = fields[frame.fieldBase...]
        defer { fields.removeSubrange(frame.fieldBase...) }
        if let base = frame.learningBase, let keyType = frame.keyType {
            // The first object of its key type: it teaches the plan, unless
            // something other than a coding key joined it.
            if frame.onPlan, learning.count - base == own.count {
                let quoted = own.map { Array(out[$0.start ..< $0.keyEnd]) }
                KeyPlan.publish(KeyPlan(keys: Array(learning[base...]), quoted: quoted), for: keyType)
            }
            learning.removeSubrange(base...)
        }
        if frame.onPlan, let plan = frame.plan, plan._withUnsafeGuaranteedRef({ $0.count }) == own.count {
            // The plan's sequence of keys: its order, no comparing.
            plan._withUnsafeGuaranteedRef { plan in
                if !plan.orderBuffer.isEmpty { writeFields(of: frame, in: plan.orderBuffer, offset: frame.fieldBase) }
            }
        } else if !zip(own.dropLast(), own.dropFirst()).allSatisfy({ compareKeys($0, $1) < 0 }) {
            // Stable order by key; of equal keys the last wins.
            var order = Array(own.indices).sorted {
                let c = compareKeys(fields[$0], fields[$1])
                return c != 0 ? c < 0 : $0 < $1
            }
            order = order.indices.compactMap { i in
                i + 1 < order.count && compareKeys(fields[order[i]], fields[order[i + 1]]) == 0 ? nil : order[i]
            }
            writeFields(of: frame, in: order, offset: 0)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Rewrites an object's body with its fields in `order` (positions on
    /// `fields`, less `offset`): the body is copied aside once and written
    /// back over itself (shorter when a repeated key was dropped).
    private func writeFields(of frame: Frame, in order: some Collection<Int>, offset: Int) {
        let body = frame.open + 1
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: out[body...])
        var at = body
        out.withUnsafeMutableBytes { target in
            scratch.withUnsafeBytes { source in
                for (n, position) in order.enumerated() {
                    if n > 0 {
                        target[at] = UInt8(ascii: ",")
                        at += 1
                    }
                    let field = fields[offset + position]
                    let from = field.start - body, count = field.end - field.start
                    target.baseAddress!.advanced(by: at).copyMemory(from: source.baseAddress!.advanced(by: from), byteCount: count)
                    at += count
                }
            }
        }
        out.removeSubrange(at...)
    }

    /// Two fields' keys as bytes (the quotes cancel out).
    private func compareKeys(_ a: Field, _ b: Field) -> Int {
        out.withUnsafeBufferPointer { bytes in
            let x = UnsafeBufferPointer(rebasing: bytes[a.start ..< a.keyEnd]), y = UnsafeBufferPointer(rebasing: bytes[b.start ..< b.keyEnd])
            for i in 0 ..< min(x.count, y.count) where x[i] != y[i] {
                // The closing quote sorts first: "a" before "ab".
                if x[i] == UInt8(ascii: "\"") { return -1 }
                if y[i] == UInt8(ascii: "\"") { return 1 }
                return x[i] < y[i] ? -1 : 1
            }
            return x.count - y.count
        }
    }
}

private struct SlotEncoder: Encoder {
    let sink: TextSink
    let slot: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(TextKeyedContainer<Key>(sink: sink, frame: sink.frame(for: slot, object: true, keyType: ObjectIdentifier(Key.self))))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        TextUnkeyedContainer(sink: sink, frame: sink.frame(for: slot, object: false))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { TextSingleContainer(sink: sink, slot: slot) }
}

private struct TextKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: TextSink
    let frame: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        sink.beginField(frame: frame, codingKey: key.stringValue)
        sink.out.append(contentsOf: "null".utf8)
        sink.endField(frame: frame)
    }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        sink.beginField(frame: frame, codingKey: key.stringValue)
        try sink.encodeValue(value)
        sink.endField(frame: frame)
    }
    // The primitives our types hold, written without the generic detour
    // (the defaults send them through `encode(_:forKey:)` above).
    mutating func encode(_ value: String, forKey key: Key) throws { field(key) { JSONValue.writeString(value, to: &$0.out) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { field(key) { $0.writeInt(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { field(key) { $0.writeInt(Int(value)) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { field(key) { $0.writeDouble(value) } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { field(key) { $0.out.append(contentsOf: (value ? "true" : "false").utf8) } }

    @inline(__always) private func field(_ key: Key, _ write: (TextSink) -> Void) {
        sink.beginField(frame: frame, codingKey: key.stringValue)
        write(sink)
        sink.endField(frame: frame)
    }
    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    // Nested containers write into a slot of their own, closed when the
    // enclosing value is done (our types never ask for them; kept correct).
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        preconditionFailure("JSONTextEncoder: nested containers are not supported; encode a value instead")
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        preconditionFailure("JSONTextEncoder: nested containers are not supported; encode a value instead")
    }
    mutating func superEncoder() -> any Encoder { preconditionFailure("JSONTextEncoder: superEncoder is not supported") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { preconditionFailure("JSONTextEncoder: superEncoder is not supported") }
}

private struct TextUnkeyedContainer: UnkeyedEncodingContainer {
    let sink: TextSink
    let frame: Int
    var codingPath: [any CodingKey] { [] }
    var count: Int { sink.frames[frame].count }

    mutating func encodeNil() throws {
        sink.beginElement(frame: frame)
        sink.out.append(contentsOf: "null".utf8)
    }
    mutating func encode(_ value: some Encodable) throws {
        sink.beginElement(frame: frame)
        try sink.encodeValue(value)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        preconditionFailure("JSONTextEncoder: nested containers are not supported; encode a value instead")
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("JSONTextEncoder: nested containers are not supported; encode a value instead")
    }
    mutating func superEncoder() -> any Encoder { preconditionFailure("JSONTextEncoder: superEncoder is not supported") }
}

private struct TextSingleContainer: SingleValueEncodingContainer {
    let sink: TextSink
    let slot: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { sink.out.append(contentsOf: "null".utf8) }
    mutating func encode(_ value: some Encodable) throws { try sink.encodeValue(value, slot: slot) }
}
