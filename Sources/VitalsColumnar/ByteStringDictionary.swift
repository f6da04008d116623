/// A dictionary from byte strings (identifiers as they appear in a CSV file) to
/// dense `UInt32` codes `0, 1, 2, …` in first-seen order.
///
/// Look-ups take the bytes directly, so a parser can encode a field without
/// building a `String`. Keys live in one contiguous arena; the hash table is an
/// open-addressing array of codes, each beside the high half of its key's
/// hash: a probe compares that before it reads the code's key (at 100 M
/// events the user table is megabytes, and each array a probe touched was a
/// cache miss).
public struct ByteStringDictionary: Sendable {
    /// All keys, back to back.
    @usableFromInline var arena: [UInt8] = []
    /// `keyStarts[c] ..< keyStarts[c + 1]` is the arena range of code `c`.
    @usableFromInline var keyStarts: [Int] = [0]
    /// The hash of each code's key, to rehash cheaply.
    @usableFromInline var keyHashes: [UInt64] = []
    /// Open-addressing slots: the key hash's high 32 bits, then `code + 1`
    /// in the low 32; 0 marks an empty slot.
    @usableFromInline var slots: [UInt64] = Array(repeating: 0, count: 16)
    /// How many codes the slots hold: all of them, except after
    /// ``append(unindexed:)`` until ``indexAppended()``.
    @usableFromInline var indexed = 0

    @usableFromInline static let hashHigh: UInt64 = 0xFFFF_FFFF_0000_0000

    @inlinable
    static func entry(code: Int, hash: UInt64) -> UInt64 { (hash & hashHigh) | UInt64(code + 1) }

    public init() {}

    /// Creates a dictionary holding `keys` with codes in their order.
    /// - Precondition: the keys are distinct.
    public init<S: Sequence>(keys: S) where S.Element == String {
        for key in keys {
            var key = key
            key.withUTF8 { append(unindexed: UnsafeRawBufferPointer($0)) }
        }
        if let repeated = indexAppended() { preconditionFailure("duplicate key \(key(UInt32(repeated.code))) in ByteStringDictionary(keys:)") }
    }

    /// The number of distinct keys.
    public var count: Int { keyHashes.count }

    /// Makes room for `count` keys of `keyBytes` bytes in all, so that
    /// inserting them grows nothing (a table read whole: its size is known).
    /// - Parameter slots: false for keys appended unindexed that may never
    ///   be looked up (``indexAppended()`` makes the slots if they are).
    public mutating func reserveCapacity(_ count: Int, keyBytes: Int, slots: Bool = true) {
        arena.reserveCapacity(keyBytes)
        keyStarts.reserveCapacity(count + 1)
        keyHashes.reserveCapacity(count)
        if slots { grow(toHold: count) }
    }

    /// The code of `key`, or `nil` when it was never inserted.
    @inlinable
    public func code(of key: UnsafeRawBufferPointer) -> UInt32? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let code = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
            if entry & Self.hashHigh == hash & Self.hashHigh && keyEquals(code, key) { return UInt32(code) }
            slot = (slot + 1) & mask
        }
    }

    /// The code of `key`, trying `hint` first (the row before's code: rows
    /// of one account come together, and comparing a few bytes costs less
    /// than a probe of a large table).
    @inlinable
    public func code(of key: UnsafeRawBufferPointer, trying hint: UInt32?) -> UInt32? {
        if let hint, keyEquals(Int(hint), key) { return hint }
        return code(of: key)
    }

    /// The code of `key` (a Swift string), or `nil`.
    public func code(of key: String) -> UInt32? {
        var key = key
        return key.withUTF8 { code(of: UnsafeRawBufferPointer($0)) }
    }

    /// Inserts `key` if absent.
    /// - Returns: its code, and whether it was new.
    @discardableResult
    public mutating func insert(_ key: UnsafeRawBufferPointer) -> (code: UInt32, inserted: Bool) {
        precondition(indexed == keyHashes.count, "insert after append(unindexed:) without indexAppended()")
        let hash = Self.hash(key)
        var mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let code = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
            if entry & Self.hashHigh == hash & Self.hashHigh && keyEquals(code, key) { return (UInt32(code), false) }
            slot = (slot + 1) & mask
        }
        let code = keyHashes.count
        precondition(code < Int(UInt32.max) - 1, "ByteStringDictionary is full")
        arena.append(contentsOf: key)
        keyStarts.append(arena.count)
        keyHashes.append(hash)
        if (code + 1) * 4 > slots.count * 3 {
            grow(toHold: code)
            mask = slots.count - 1
            slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
        }
        slots[slot] = Self.entry(code: code, hash: hash)
        indexed += 1
        return (UInt32(code), true)
    }

    /// Gives `key` the next code without looking it up: for a table read
    /// whole, whose keys come in code order. ``indexAppended()`` then files
    /// them all; until it does, nothing looks them up.
    public mutating func append(unindexed key: UnsafeRawBufferPointer) {
        precondition(keyHashes.count < Int(UInt32.max) - 1, "ByteStringDictionary is full")
        arena.append(contentsOf: key)
        keyStarts.append(arena.count)
        keyHashes.append(Self.hash(key))
    }

    /// Files the keys of ``append(unindexed:)`` in the slots. A key filed
    /// one at a time waits on its slot's cache line (a large table is
    /// megabytes, so almost every probe missed); here the slots of sixteen
    /// keys are read first, their misses overlapping, then the keys are
    /// filed. At 300,000 user ids this was most of a night's ingest's first
    /// tenth of a second.
    /// - Returns: nil, or the first appended key that repeats an earlier
    ///   key (its code, and the earlier code); the codes from it on stay
    ///   unfiled, so the dictionary should not be used.
    public mutating func indexAppended() -> (code: Int, earlier: Int)? {
        grow(toHold: keyHashes.count)
        var repeated: (code: Int, earlier: Int)?
        let count = keyHashes.count
        var filed = indexed
        // The slots move out while filed: the keys are read beside them.
        var table = slots
        slots = []
        defer { slots = table }
        table.withUnsafeMutableBufferPointer { slots in
            keyHashes.withUnsafeBufferPointer { hashes in
                let mask = slots.count - 1
                while filed < count {
                    let batchEnd = min(filed + 16, count)
                    var touched: UInt64 = 0
                    for code in filed ..< batchEnd { touched |= slots[Int(truncatingIfNeeded: hashes[code]) & mask] }
                    Self.touch(touched)
                    for code in filed ..< batchEnd {
                        let hash = hashes[code]
                        var slot = Int(truncatingIfNeeded: hash) & mask
                        while slots[slot] != 0 {
                            let entry = slots[slot]
                            let earlier = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                            if entry & Self.hashHigh == hash & Self.hashHigh && sameKeys(earlier, code) {
                                repeated = (code, earlier)
                                return
                            }
                            slot = (slot + 1) & mask
                        }
                        slots[slot] = Self.entry(code: code, hash: hash)
                        filed += 1
                    }
                }
            }
        }
        indexed = filed
        return repeated
    }

    /// Keeps the loads that warm a batch's slots (their value is not used).
    @_optimize(none)
    private static func touch(_ value: UInt64) {}

    /// Whether two codes have the same key.
    private func sameKeys(_ a: Int, _ b: Int) -> Bool {
        withKeyBytes(UInt32(b)) { keyEquals(a, $0) }
    }

    /// Inserts a Swift string key if absent and returns its code.
    @discardableResult
    public mutating func insert(_ key: String) -> UInt32 {
        var key = key
        return key.withUTF8 { insert(UnsafeRawBufferPointer($0)).code }
    }

    /// The key of `code` as a string.
    public func key(_ code: UInt32) -> String {
        withKeyBytes(code) { String(decoding: $0, as: UTF8.self) }
    }

    /// `body` over the bytes of `code`'s key (no `String` made).
    public func withKeyBytes<R>(_ code: UInt32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let start = keyStarts[Int(code)], end = keyStarts[Int(code) + 1]
        return arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start ..< end])) }
    }

    /// All keys in code order.
    public var keys: [String] { (0 ..< count).map { key(UInt32($0)) } }

    /// Whether `code`'s key is `key`.
    @inlinable
    public func keyEquals(_ code: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = keyStarts[code]
        let length = keyStarts[code + 1] - start
        guard length == key.count else { return false }
        if length == 0 { return true }
        return arena.withUnsafeBytes { bytes in
            memcmpBytes(bytes.baseAddress! + start, key.baseAddress!, length)
        }
    }

    /// Doubles the slots until `count` codes fit (three quarters full at
    /// most), in one allocation: growing a step at a time allocated and
    /// cleared every smaller table on the way, twice the final table's
    /// pages (8 MB for 320,000 user ids).
    private mutating func grow(toHold count: Int) {
        var newCount = slots.count
        while (count + 1) * 4 > newCount * 3 { newCount *= 2 }
        guard newCount > slots.count else { return }
        var newSlots = [UInt64](repeating: 0, count: newCount)
        let mask = newCount - 1
        for code in 0 ..< indexed {
            var slot = Int(truncatingIfNeeded: keyHashes[code]) & mask
            while newSlots[slot] != 0 { slot = (slot + 1) & mask }
            newSlots[slot] = Self.entry(code: code, hash: keyHashes[code])
        }
        slots = newSlots
    }

    /// FNV-1a over 8-byte words, finished with a 64-bit mixer.
    @inlinable
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(key.count)
        var i = 0
        let n = key.count
        while i + 8 <= n {
            let word = key.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ word) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        if i < n && n >= 8 {
            // The last eight bytes, overlapping the last word (ids like
            // `acc_00001` are a word and a byte: no loop over the byte).
            tail = key.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(key[i]) << shift
                shift += 8
                i += 1
            }
        }
        h = (h ^ tail) &* 0x0000_0100_0000_01b3
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }
}

/// A key's first and last eight bytes and its length: the whole key when
/// it has at most 16 bytes (the two words overlap or are zero-filled), so
/// two such keys are equal exactly when their words are. The look-ups keep
/// these words beside their codes and compare them without reading the
/// dictionary's key offsets and bytes.
@usableFromInline
struct KeyWords: Sendable {
    /// ``RecentCodes/tail(_:)``: the last eight bytes mixed with the length.
    @usableFromInline var tail: UInt64
    /// The first eight bytes (fewer, zero-filled).
    @usableFromInline var head: UInt64
    @usableFromInline var length: UInt32

    @inlinable
    init(tail: UInt64, head: UInt64, length: UInt32) {
        self.tail = tail
        self.head = head
        self.length = length
    }

    @inlinable
    init(_ key: UnsafeRawBufferPointer) {
        self.init(tail: RecentCodes.tail(key), head: RecentCodes.head(key), length: UInt32(truncatingIfNeeded: key.count))
    }

    /// Whether the words of `key` are all of it.
    @inlinable
    static func holdWhole(_ key: UnsafeRawBufferPointer) -> Bool { key.count <= 16 }

    @inlinable
    static func == (a: KeyWords, b: KeyWords) -> Bool { a.tail == b.tail && a.head == b.head && a.length == b.length }
}

/// A dictionary's codes grouped by an owner (the users of each account),
/// searched before the dictionary: an event file names an account and then
/// one of its users, so the user is most often among a handful of codes
/// whose keys lie side by side in the arena. At 100 M events the users are
/// 320,000 ids; each probe of their hash table was a slot, a key offset and
/// the key's bytes, three cache misses, on two of every three rows.
public struct CodesByGroup: Sendable {
    /// Group `g`'s members are `members[starts[g] ..< starts[g + 1]]`, in code order.
    @usableFromInline let starts: [Int]
    /// Each member's code beside its key's ``KeyWords``: a scan reads the
    /// group's members from a few cache lines and compares a key only where
    /// its tag (the last eight bytes) matches. A key of at most 16 bytes is
    /// told from the member by its words alone, without the dictionary; a
    /// longer one is compared there. Comparing every
    /// member's key in the dictionary read its key offsets and bytes, two
    /// cache misses a member once it holds hundreds of thousands of ids;
    /// with tags alone, the one comparison of a found key was still those
    /// two misses, half of the look-up's time at 100 M events.
    @usableFromInline let members: [Member]
    /// Groups with more codes than this are left to the dictionary (a
    /// scan would cost more than a probe).
    @usableFromInline static let largest = 32

    @usableFromInline
    struct Member: Sendable {
        @usableFromInline var words: KeyWords
        @usableFromInline var code: UInt32
    }

    /// - Parameters:
    ///   - groups: the group of each code, in code order.
    ///   - groupCount: groups are `0 ..< groupCount`.
    ///   - keys: the dictionary the codes are of.
    public init(groups: [Int], groupCount: Int, keys: ByteStringDictionary) {
        var starts = [Int](repeating: 0, count: groupCount + 1)
        for g in groups { starts[g + 1] += 1 }
        for g in 0 ..< groupCount { starts[g + 1] += starts[g] }
        var next = Array(starts.dropLast())
        var members = [Member](repeating: Member(words: KeyWords(tail: 0, head: 0, length: 0), code: 0), count: groups.count)
        for (code, g) in groups.enumerated() {
            members[next[g]] = Member(words: keys.withKeyBytes(UInt32(code)) { KeyWords($0) }, code: UInt32(code))
            next[g] += 1
        }
        self.starts = starts
        self.members = members
    }

    /// The code of `key` among `group`'s codes in `dictionary`, else the
    /// dictionary's answer for the key (nil: not there at all).
    @inlinable
    public func code(of key: UnsafeRawBufferPointer, in dictionary: ByteStringDictionary, group: Int) -> UInt32? {
        if group + 1 < starts.count {
            let lower = starts[group], upper = starts[group + 1]
            if upper - lower <= Self.largest {
                let words = KeyWords(key)
                let found: UInt32? = members.withUnsafeBufferPointer { members in
                    if KeyWords.holdWhole(key) {
                        for i in lower ..< upper where members[i].words == words { return members[i].code }
                        return nil
                    }
                    for i in lower ..< upper where members[i].words.tail == words.tail && dictionary.keyEquals(Int(members[i].code), key) {
                        return members[i].code
                    }
                    return nil
                }
                if let found { return found }
            }
        }
        return dictionary.code(of: key)
    }
}

/// A dictionary's keys indexed for look-ups alone, each key of at most 16
/// bytes held whole in its slot (its ``KeyWords``) beside its code. A look-up of such a key reads one slot (usually one cache
/// line) where the dictionary's reads its slot, the code's key offsets and
/// the key's bytes: three cache misses once the table is larger than the
/// cache (the 40,000 accounts of a 100 M-event store; the account look-up
/// was 7 % of its ingest). Longer keys are looked up in the dictionary.
/// Built once from a dictionary that no longer changes (the parser's
/// accounts).
public struct ShortKeyIndex: Sendable {
    @usableFromInline
    struct Slot: Sendable {
        @usableFromInline var words: KeyWords
        /// `code + 1`; 0 marks an empty slot.
        @usableFromInline var codePlusOne: UInt32
    }

    @usableFromInline let slots: [Slot]
    @usableFromInline let mask: Int

    /// Indexes the keys of `keys` of at most 16 bytes.
    public init(_ keys: ByteStringDictionary) {
        var size = 16
        while size * 3 < (keys.count + 1) * 4 { size *= 2 }
        var slots = [Slot](repeating: Slot(words: KeyWords(tail: 0, head: 0, length: 0), codePlusOne: 0), count: size)
        let mask = size - 1
        for code in 0 ..< keys.count {
            keys.withKeyBytes(UInt32(code)) { key in
                guard KeyWords.holdWhole(key) else { return }
                let words = KeyWords(key)
                var slot = Int(truncatingIfNeeded: Self.hash(words)) & mask
                while slots[slot].codePlusOne != 0 { slot = (slot + 1) & mask }
                slots[slot] = Slot(words: words, codePlusOne: UInt32(code + 1))
            }
        }
        self.slots = slots
        self.mask = mask
    }

    @inlinable
    static func hash(_ words: KeyWords) -> UInt64 {
        var h = words.head ^ (words.tail &* 0x9E37_79B9_7F4A_7C15)
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 29
        return h
    }

    /// The code of `key` in `dictionary` (the one indexed), trying `hint`
    /// first (the row before's code); nil when it is not there.
    @inlinable
    public func code(of key: UnsafeRawBufferPointer, in dictionary: ByteStringDictionary, trying hint: UInt32?) -> UInt32? {
        if let hint, dictionary.keyEquals(Int(hint), key) { return hint }
        guard KeyWords.holdWhole(key) else { return dictionary.code(of: key) }
        let words = KeyWords(key)
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: Self.hash(words)) & mask
            while true {
                let entry = slots[slot]
                if entry.codePlusOne == 0 { return nil }
                if entry.words == words { return entry.codePlusOne - 1 }
                slot = (slot + 1) & mask
            }
        }
    }
}

/// A small direct-mapped cache of a dictionary's recent answers, for a
/// parser whose ids repeat in runs: the users of one account, the few
/// features of a product. A hit compares the key with one recently used
/// key (in cache) instead of probing the dictionary's table, whose slots,
/// key offsets and arena are each a cache miss once the table holds
/// hundreds of thousands of ids; at 100 M events the user and feature
/// look-ups were a third of the parse.
public struct RecentCodes: Sendable {
    /// `code + 1` per slot; 0 is empty.
    @usableFromInline var slots: [UInt32]
    @usableFromInline let shift: UInt64

    /// - Parameter bits: the cache holds `2^bits` codes.
    public init(bits: Int = 10) {
        slots = Array(repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
    }

    /// The code of `key` in `dictionary` (nil: not there), from the cache
    /// when the slot of `key` holds it.
    @inlinable
    public mutating func code(of key: UnsafeRawBufferPointer, in dictionary: ByteStringDictionary) -> UInt32? {
        let slot = Int(truncatingIfNeeded: (Self.tail(key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let cached = slots[slot]
        if cached != 0 && dictionary.keyEquals(Int(cached - 1), key) { return cached - 1 }
        guard let code = dictionary.code(of: key) else { return nil }
        slots[slot] = code + 1
        return code
    }

    /// The key's last eight bytes (fewer, zero-filled, for a short key)
    /// mixed with its length: ids differ at their end.
    @inlinable
    static func tail(_ key: UnsafeRawBufferPointer) -> UInt64 {
        let n = key.count
        if n >= 8 { return key.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) ^ UInt64(n) << 56 }
        return head(key) | UInt64(n) << 56
    }

    /// The key's first eight bytes (fewer, zero-filled, for a short key).
    @inlinable
    static func head(_ key: UnsafeRawBufferPointer) -> UInt64 {
        if key.count >= 8 { return key.loadUnaligned(as: UInt64.self) }
        var word: UInt64 = 0
        for i in 0 ..< key.count { word |= UInt64(key[i]) << UInt64(8 * i) }
        return word
    }
}

/// Whether `count` bytes at `a` and `b` are equal. An id of 8 to 16 bytes
/// is two overlapping word compares, of 4 to 7 two half-word ones.
@inlinable
func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    if count >= 8 && count <= 16 {
        return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
            && a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
    if count >= 4 && count < 8 {
        return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
            && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
    }
    var i = 0
    while i + 8 <= count {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}
