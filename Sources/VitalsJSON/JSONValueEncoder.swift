import Foundation

/// Encodes any `Encodable` straight into a ``JSONValue`` tree, keys in
/// snake_case and absent optionals as explicit `null` (so every field of a
/// result is always present). No text round trip: this is on the scoring
/// path for every materialized result.
struct JSONValueEncoder {
    func encode(_ value: some Encodable) throws -> JSONValue {
        let root = Node()
        try value.encode(to: TreeEncoder(node: root, codingPath: []))
        return root.value
    }

    /// `accountID` → `account_id`, `startMRRCents` → `start_mrr_cents` (cached: keys repeat).
    static func snakeCase(_ key: String) -> String {
        cacheLock.lock()
        if let cached = cache[key] {
            cacheLock.unlock()
            return cached
        }
        cacheLock.unlock()
        let converted = convert(key)
        cacheLock.lock()
        cache[key] = converted
        cacheLock.unlock()
        return converted
    }

    private nonisolated(unsafe) static var cache: [String: String] = [:]
    private static let cacheLock = NSLock()

    static func convert(_ key: String) -> String {
        let characters = Array(key)
        var out = ""
        out.reserveCapacity(key.count + 4)
        for (i, c) in characters.enumerated() {
            if c.isUppercase, i > 0 {
                let previous = characters[i - 1]
                let nextIsLower = i + 1 < characters.count && characters[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { out.append("_") }
            }
            out.append(contentsOf: c.lowercased())
        }
        return out
    }
}

/// A mutable slot of the tree under construction. Children live in their
/// own stored arrays, so appending never copies a sibling list.
private final class Node {
    enum Kind { case value, array, object }
    var kind: Kind = .value
    var scalar: JSONValue = .null
    var elements: [Node] = []
    var pairs: [(String, Node)] = []

    var storage: JSONValue {
        get { value }
        set {
            kind = .value
            scalar = newValue
        }
    }

    var value: JSONValue {
        switch kind {
        case .value: scalar
        case .array: .array(elements.map(\.value))
        case .object:
            .object(Dictionary(pairs.map { ($0.0, $0.1.value) }, uniquingKeysWith: { _, last in last }))
        }
    }

    func becomeObject() { if kind != .object { kind = .object; pairs = [] } }
    func becomeArray() { if kind != .array { kind = .array; elements = [] } }

    func child(forKey key: String) -> Node {
        becomeObject()
        let node = Node()
        pairs.append((key, node))
        return node
    }

    func appendChild() -> Node {
        becomeArray()
        let node = Node()
        elements.append(node)
        return node
    }
}

private struct TreeEncoder: Encoder {
    let node: Node
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: node, codingPath: codingPath) }
}

/// Primitive values as JSON; everything else through its own `encode(to:)`.
private func encodeValue(_ value: some Encodable, into node: Node, codingPath: [any CodingKey]) throws {
    switch value {
    case let v as String: node.storage = .string(v)
    case let v as Bool: node.storage = .bool(v)
    case let v as Int: node.storage = .int(v)
    case let v as Int64: node.storage = .int(Int(v))
    case let v as Int32: node.storage = .int(Int(v))
    case let v as UInt32: node.storage = .int(Int(v))
    case let v as Double: node.storage = v.isFinite ? .double(v) : .null
    case let v as JSONValue: node.storage = v
    default: try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    var codingPath: [any CodingKey]

    func name(_ key: Key) -> String { JSONValueEncoder.snakeCase(key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { node.child(forKey: name(key)).storage = .null }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try encodeValue(value, into: node.child(forKey: name(key)), codingPath: codingPath + [key])
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
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = node.child(forKey: name(key))
        child.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.child(forKey: name(key))
        child.becomeArray()
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.child(forKey: "super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(node: node.child(forKey: name(key)), codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]
    var count: Int { node.elements.count }

    mutating func encodeNil() throws { node.appendChild().storage = .null }
    mutating func encode(_ value: some Encodable) throws { try encodeValue(value, into: node.appendChild(), codingPath: codingPath) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = node.appendChild()
        child.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = node.appendChild()
        child.becomeArray()
        return UnkeyedContainer(node: child, codingPath: codingPath)
    }
    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.appendChild(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.storage = .null }
    mutating func encode(_ value: some Encodable) throws { try encodeValue(value, into: node, codingPath: codingPath) }
}
