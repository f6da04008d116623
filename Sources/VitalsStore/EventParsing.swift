import VitalsColumnar

/// The hot path of ingest: login and feature-usage rows straight from CSV
/// bytes into column builders, with ids looked up by their bytes.
enum EventParsing {
    /// One event file's columns, with the feature dictionary it grew.
    struct ParsedEvents: Sendable {
        var columns: EventColumns
        var features: ByteStringDictionary
        /// The line each new feature was first seen on, in the order of their codes.
        var newFeatureLines: [Int]
        var rows: Int
    }

    /// Parses `path` as events of `kind`.
    /// - Parameter features: the features known before this file; the
    ///   result's dictionary extends it.
    static func parse(_ path: String, kind: EventKind, accounts: ByteStringDictionary, users: ByteStringDictionary,
                      features: ByteStringDictionary) throws(StoreError) -> ParsedEvents {
        let reader = try CSVReader.opening(path)
        var features = features, newFeatureLines: [Int] = []
        let columns = try parse(reader, kind: kind, accounts: accounts, users: users, features: &features, newFeatureLines: &newFeatureLines)
        return ParsedEvents(columns: columns, features: features, newFeatureLines: newFeatureLines, rows: reader.rowsRead)
    }

    static func parse(_ reader: CSVReader, kind: EventKind, accounts: ByteStringDictionary, users: ByteStringDictionary,
                      features: inout ByteStringDictionary, newFeatureLines: inout [Int]) throws(StoreError) -> EventColumns {
        let tsColumn = try reader.column("ts")
        let accountColumn = try reader.column("account_id")
        let userColumn = try reader.column("user_id")
        let featureColumn = kind.hasItems ? try reader.column("feature") : 0
        let countColumn = kind.hasItems ? try reader.column("count") : 0
        // Reserve for the most rows the file can hold (rows of real files are
        // far longer than 16 bytes); pages never written cost no memory, and
        // the columns never have to be copied while they grow.
        var builder = EventColumnsBuilder(hasItems: kind.hasItems, reservingCapacity: reader.fileSize / 16)
        while try reader.nextRow() {
            guard let ts = CivilTime.parseTimestamp(reader.field(tsColumn)) else {
                throw reader.bad("bad timestamp \(reader.quoted(tsColumn)) in column ts (expected RFC 3339 like 2026-11-20T13:45:07Z, or epoch seconds)")
            }
            guard let account = accounts.code(of: reader.field(accountColumn)) else {
                throw reader.bad("unknown account_id \(reader.quoted(accountColumn)) (not in accounts.csv nor in the store)")
            }
            guard let user = users.code(of: reader.field(userColumn)) else {
                throw reader.bad("unknown user_id \(reader.quoted(userColumn)) (not in users.csv nor in the store)")
            }
            if kind.hasItems {
                let name = reader.field(featureColumn)
                if name.count == 0 { throw reader.bad("empty feature") }
                let feature: UInt32
                if let known = features.code(of: name) {
                    feature = known
                } else {
                    feature = features.insert(name).code
                    newFeatureLines.append(reader.line)
                }
                guard let count = CSVReader.parseInteger(reader.field(countColumn)), count >= 1, count <= Int64(UInt32.max) else {
                    throw reader.bad("count must be an integer ≥ 1, got \(reader.quoted(countColumn))")
                }
                builder.append(partition: account, timestamp: ts, actor: user, item: feature, quantity: UInt32(count))
            } else {
                builder.append(partition: account, timestamp: ts, actor: user)
            }
        }
        return builder.build(partitionCount: accounts.count)
    }
}
