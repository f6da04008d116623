import VitalsColumnar

/// The users of a loaded store, packed: each user's account key and flags
/// as arrays, the ids in one arena, and the email, name and role as the
/// bytes the ``EntitySnapshot`` keeps them in. A ``UserRecord`` is made
/// when a user is read (`users[key]`), its strings then.
///
/// At 100 M events a night loads 321,000 users and reads the strings of
/// the few thousand it lists. As records they were 1.3 million `String`s
/// (640,000 of them allocated, emails being longer than a `String` holds
/// inline) and 60 MB of fresh pages. Packed, the load keeps the
/// snapshot's decompressed bytes and indexes them: the night's peak fell
/// 30 MB and its CPU 45 ms of 1.5 s (12 alternating pairs).
///
/// Hot loops read ``accountKeys`` and ``isKeyUser(_:)``, which make no record.
public struct UserTable: RandomAccessCollection, Sendable, Equatable {
    /// Each user's account key, by user key.
    public let accountKeys: [Int]
    /// Each user's flags (``createdAtFlag``, ``keyUserFlag``).
    private let flags: [UInt8]
    /// The user ids in key order, not indexed (``Dataset`` indexes them on
    /// its first look-up by id).
    let ids: ByteStringDictionary
    /// Per user, in key order: email, name and role, each a UInt32 byte
    /// count and its UTF-8 bytes, then the flags (UInt8) and created_at
    /// (Int64, 0 when absent). Little endian: the entity snapshot's
    /// second frame, as it is stored.
    let details: [UInt8]
    /// Where each user's details start.
    private let detailStarts: [Int]

    static let createdAtFlag: UInt8 = 1
    static let keyUserFlag: UInt8 = 2

    public var startIndex: Int { 0 }
    public var endIndex: Int { accountKeys.count }

    /// The table of `records`, whose keys are `0 ..< records.count` in order.
    public init(_ records: [UserRecord]) {
        var ids = ByteStringDictionary()
        var details: [UInt8] = []
        ids.reserveCapacity(records.count, keyBytes: records.reduce(0) { $0 + $1.userID.utf8.count }, slots: false)
        details.reserveCapacity(records.reduce(0) { $0 + 21 + $1.email.utf8.count + $1.name.utf8.count + $1.role.utf8.count })
        for (key, record) in records.enumerated() {
            precondition(record.key == key, "a user table's records are in key order")
            var id = record.userID
            id.withUTF8 { ids.append(unindexed: UnsafeRawBufferPointer($0)) }
            Self.appendDetails(of: record, to: &details)
        }
        self.init(ids: ids, accountKeys: records.map(\.accountKey), details: details)!
    }

    /// The table of an entity snapshot's parts; nil when `details` does
    /// not hold exactly one row per account key.
    init?(ids: ByteStringDictionary, accountKeys: [Int], details: [UInt8]) {
        guard ids.count == accountKeys.count else { return nil }
        var starts: [Int] = [], flags: [UInt8] = []
        starts.reserveCapacity(accountKeys.count)
        flags.reserveCapacity(accountKeys.count)
        let whole: Bool = details.withUnsafeBytes { bytes in
            var reader = LittleEndianReader(bytes)
            for _ in 0 ..< accountKeys.count {
                starts.append(reader.offset)
                guard reader.counted() != nil, reader.counted() != nil, reader.counted() != nil,
                      let flag = reader.read(UInt8.self), reader.read(Int64.self) != nil
                else { return false }
                flags.append(flag)
            }
            return reader.remaining == 0
        }
        guard whole else { return nil }
        self.ids = ids
        self.accountKeys = accountKeys
        self.details = details
        detailStarts = starts
        self.flags = flags
    }

    /// Appends a user's details as ``details`` holds them.
    static func appendDetails(of user: UserRecord, to bytes: inout [UInt8]) {
        appendCounted(user.email, to: &bytes)
        appendCounted(user.name, to: &bytes)
        appendCounted(user.role, to: &bytes)
        bytes.append((user.createdAt == nil ? 0 : createdAtFlag) | (user.keyUser ? keyUserFlag : 0))
        appendLittleEndian(user.createdAt ?? 0, to: &bytes)
    }

    /// The user of `key`, its strings made now.
    public subscript(key: Int) -> UserRecord {
        readingDetails(of: key) { reader in
            let email = reader.string(), name = reader.string(), role = reader.string()
            let flag = reader.byte(), createdAt = reader.int()
            return UserRecord(key: key, userID: userID(key), accountKey: accountKeys[key], email: email, name: name, role: role,
                              createdAt: flag & Self.createdAtFlag == 0 ? nil : createdAt, keyUser: flag & Self.keyUserFlag != 0)
        }
    }

    /// Whether the user of `key` is one of its account's key users.
    public func isKeyUser(_ key: Int) -> Bool { flags[key] & Self.keyUserFlag != 0 }

    /// The id of the user of `key`.
    public func userID(_ key: Int) -> String { ids.key(UInt32(key)) }

    /// The email of the user of `key` (the record's other strings not made).
    public func email(_ key: Int) -> String { detailString(key, skipping: 0) }

    /// The name of the user of `key`.
    public func name(_ key: Int) -> String { detailString(key, skipping: 1) }

    /// The string after the first `skipped` of a user's details.
    private func detailString(_ key: Int, skipping skipped: Int) -> String {
        readingDetails(of: key) { reader in
            for _ in 0 ..< skipped { _ = reader.counted() }
            return reader.string()
        }
    }

    /// `body` over a reader at the start of the details of `key`.
    private func readingDetails<R>(of key: Int, _ body: (inout PackedRowReader) -> R) -> R {
        details.withUnsafeBytes { bytes in
            var reader = PackedRowReader(UnsafeRawBufferPointer(rebasing: bytes[detailStarts[key]...]), minimumRowBytes: 4)
            return body(&reader)
        }
    }

    public static func == (a: UserTable, b: UserTable) -> Bool {
        a.accountKeys == b.accountKeys && a.flags == b.flags && a.details == b.details
            && a.indices.allSatisfy { key in a.ids.withKeyBytes(UInt32(key)) { b.ids.keyEquals(key, $0) } }
    }
}
