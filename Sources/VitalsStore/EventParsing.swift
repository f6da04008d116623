import Foundation
import VitalsColumnar

/// The hot path of ingest: login and feature-usage rows straight from CSV
/// bytes into column builders, with ids looked up by their bytes.
enum EventParsing {
    /// One event file's columns, in the parts it was parsed in (file
    /// order, each sorted, over all the accounts), with the feature
    /// dictionary it grew.
    struct ParsedEvents: Sendable {
        var parts: [EventColumns]
        var features: ByteStringDictionary
        /// The line each new feature was first seen on, in the order of their codes.
        var newFeatureLines: [Int]
        var rows: Int

        /// The file's table: the parts merged (the tests compare it; the
        /// ingest encodes from the parts).
        var columns: EventColumns {
            EventColumns.merge(parts, partitionCount: parts[0].partitionCount, hasItems: parts[0].hasItems)
        }
    }

    /// Files are parsed in parts of about this many bytes, on all cores.
    static let partBytes = 64 << 20

    /// The event files `files`, each cut into parts (``CSVReader/parts(count:)``)
    /// parsed on all cores, then put together: the parts' new features take
    /// codes in the order the file first names them, and their columns are
    /// merged in file order, so the result is the file parsed whole. A file
    /// any part of which fails is parsed again whole: its error is then the
    /// first bad row's `file:line` (or there is none: a cut inside a quoted
    /// field).
    /// - Parameters:
    ///   - features: the features known before; each file's result extends them.
    ///   - partBytes: the parts' size (tests cut small files).
    static func parse(_ files: [(path: String, kind: EventKind)], ids: EventIDs,
                      features: ByteStringDictionary, partBytes: Int = partBytes) throws(StoreError) -> [ParsedEvents] {
        var headerLines: [Int] = []
        var tasks: [(file: Int, part: CSVPart)] = []
        for (f, file) in files.enumerated() {
            let reader = try CSVReader.opening(file.path)
            _ = try EventFields(reader, kind: file.kind)
            headerLines.append(reader.linesRead)
            for part in reader.parts(count: partCount(fileSize: reader.fileSize, partBytes: partBytes)) { tasks.append((f, part)) }
        }
        // Each worker keeps one builder from part to part (its buffers' pages stay mapped).
        let results = parallelMap(tasks.count, state: { EventColumnsBuilder(hasItems: false) }) { [tasks] builder, t -> ParsedPart? in
            // A part that fails is read again with its whole file, below.
            try? { () throws(StoreError) -> ParsedPart in
                let reader = try CSVReader.opening(tasks[t].part)
                var partFeatures = features, newFeatureLines: [Int] = []
                builder.reset(hasItems: files[tasks[t].file].kind.hasItems, reservingCapacity: reader.fileSize / 16)
                try fill(&builder, from: reader, kind: files[tasks[t].file].kind, ids: ids, features: &partFeatures,
                         newFeatureLines: &newFeatureLines)
                let columns = builder.buildKeepingBuffers(partitionCount: ids.accounts.count)
                return ParsedPart(columns: columns, features: partFeatures, newFeatureLines: newFeatureLines,
                                  rows: reader.rowsRead, lines: reader.linesRead)
            }()
        }
        // Each part moves out of `results` into its file's list, and each
        // column out of that into the merge, so the merge frees the parts'
        // columns as it copies them (at 100 M events they are gigabytes).
        var slots = results
        var parsed: [ParsedEvents] = []
        for (f, file) in files.enumerated() {
            var parts: [ParsedPart] = []
            for t in tasks.indices where tasks[t].file == f {
                if let part = slots[t].take() { parts.append(part) }
            }
            if parts.count < tasks.count(where: { $0.file == f }) {
                parts = []
                parsed.append(try parse(file.path, kind: file.kind, ids: ids, features: features))
            } else {
                parsed.append(assemble(&parts, headerLines: headerLines[f], known: features, kind: file.kind))
            }
        }
        return parsed
    }

    /// How many parts a file is cut into: one per `partBytes`, and at
    /// least one per core once the file holds a quarter of a part (a
    /// 100 MB file alone is not parsed on one core).
    static func partCount(fileSize: Int, partBytes: Int) -> Int {
        let count = max(1, (fileSize + partBytes - 1) / partBytes)
        return fileSize >= partBytes / 4 ? max(count, ProcessInfo.processInfo.activeProcessorCount) : count
    }

    /// One part of a file, parsed on its own: lines count from its start,
    /// and features it was first to see have codes of its own.
    struct ParsedPart: Sendable {
        var columns: EventColumns
        var features: ByteStringDictionary
        var newFeatureLines: [Int]
        var rows: Int
        var lines: Int
    }

    /// A file's parts, in file order, as one parse of the file: the parts'
    /// own features take codes in the file's order, and each part's columns
    /// are moved out (`parts` keeps the rest).
    static func assemble(_ parts: inout [ParsedPart], headerLines: Int, known: ByteStringDictionary, kind: EventKind) -> ParsedEvents {
        var features = known, newFeatureLines: [Int] = [], tables: [EventColumns] = []
        var linesBefore = headerLines, rows = 0
        for p in parts.indices {
            var part = parts[p]
            parts[p].columns = .empty(partitionCount: 0, hasItems: kind.hasItems)
            if part.features.count > known.count {
                var remap = (0 ..< UInt32(part.features.count)).map { $0 }, moved = false
                for (n, code) in (known.count ..< part.features.count).enumerated() {
                    let name = part.features.key(UInt32(code))
                    let global = features.code(of: name) ?? {
                        newFeatureLines.append(linesBefore + part.newFeatureLines[n])
                        return features.insert(name)
                    }()
                    remap[code] = global
                    moved = moved || global != UInt32(code)
                }
                if moved { part.columns.items = part.columns.items.map { remap[Int($0)] } }
            }
            linesBefore += part.lines
            rows += part.rows
            tables.append(part.columns)
        }
        return ParsedEvents(parts: tables, features: features, newFeatureLines: newFeatureLines, rows: rows)
    }

    /// Parses `path` as events of `kind`.
    /// - Parameter features: the features known before this file; the
    ///   result's dictionary extends it.
    static func parse(_ path: String, kind: EventKind, ids: EventIDs, features: ByteStringDictionary) throws(StoreError) -> ParsedEvents {
        let reader = try CSVReader.opening(path)
        var features = features, newFeatureLines: [Int] = []
        // Reserve for the most rows the file can hold (rows of real files are
        // far longer than 16 bytes); pages never written cost no memory, and
        // the columns never have to be copied while they grow.
        var builder = EventColumnsBuilder(hasItems: kind.hasItems, reservingCapacity: reader.fileSize / 16)
        try fill(&builder, from: reader, kind: kind, ids: ids, features: &features, newFeatureLines: &newFeatureLines)
        // Built consuming: each source column is freed once sorted (a whole file's columns are gigabytes at 100 M).
        let columns = builder.build(partitionCount: ids.accounts.count)
        return ParsedEvents(parts: [columns], features: features, newFeatureLines: newFeatureLines, rows: reader.rowsRead)
    }

    /// Appends the rows of `reader` to `builder` (reserved by the caller).
    static func fill(_ builder: inout EventColumnsBuilder, from reader: CSVReader, kind: EventKind, ids: EventIDs,
                     features: inout ByteStringDictionary, newFeatureLines: inout [Int]) throws(StoreError) {
        let fields = try EventFields(reader, kind: kind)
        let accounts = ids.accounts, accountIndex = ids.accountIndex, users = ids.users, usersByAccount = ids.usersByAccount
        let tsColumn = fields.ts, accountColumn = fields.account, userColumn = fields.user
        let featureColumn = fields.feature, countColumn = fields.count
        var timestamps = TimestampParser()
        // The row before's account is tried first, then the index (``ShortKeyIndex``); a user is
        // looked for among its account's users (``CodesByGroup``), a feature among those seen lately
        // (``RecentCodes``). The row before's user is not tried: in a file in time order it is rarely
        // the same, and comparing with it cost more (5 % of a 10 M ingest) than the scan of tags it saves.
        var lastAccount: UInt32?
        var recentFeatures = RecentCodes()
        let batch = EventRowBatch()
        var pending = 0
        defer { batch.deallocate() }
        while try reader.nextRow() {
            if pending == EventRowBatch.capacity {
                builder.append(batch, count: pending)
                pending = 0
            }
            guard let ts = timestamps.parse(reader.field(tsColumn)) else {
                throw reader.bad("bad timestamp \(reader.quoted(tsColumn)) in column ts (expected RFC 3339 like 2026-11-20T13:45:07Z, or epoch seconds)")
            }
            guard let account = accountIndex.code(of: reader.field(accountColumn), in: accounts, trying: lastAccount) else {
                throw reader.bad("unknown account_id \(reader.quoted(accountColumn)) (not in accounts.csv nor in the store)")
            }
            guard let user = usersByAccount.code(of: reader.field(userColumn), in: users, group: Int(account)) else {
                throw reader.bad("unknown user_id \(reader.quoted(userColumn)) (not in users.csv nor in the store)")
            }
            lastAccount = account
            if kind.hasItems {
                let name = reader.field(featureColumn)
                if name.count == 0 { throw reader.bad("empty feature") }
                let feature: UInt32
                if let known = recentFeatures.code(of: name, in: features) {
                    feature = known
                } else {
                    feature = features.insert(name).code
                    newFeatureLines.append(reader.line)
                }
                guard let count = CSVReader.parseInteger(reader.field(countColumn)), count >= 1, count <= Int64(UInt32.max) else {
                    throw reader.bad("count must be an integer ≥ 1, got \(reader.quoted(countColumn))")
                }
                batch.set(pending, partition: account, timestamp: ts, actor: user, item: feature, quantity: UInt32(count))
            } else {
                batch.set(pending, partition: account, timestamp: ts, actor: user)
            }
            pending += 1
        }
        builder.append(batch, count: pending)
    }
}

/// The ids an event row names, as the parser looks them up: an account,
/// then one of its users.
struct EventIDs: Sendable {
    var accounts: ByteStringDictionary
    /// The account ids, each read from one slot.
    var accountIndex: ShortKeyIndex
    var users: ByteStringDictionary
    /// Each account's users, searched before the whole dictionary.
    var usersByAccount: CodesByGroup

    /// - Parameter userAccounts: each user's account key, in user key order.
    init(accounts: ByteStringDictionary, users: ByteStringDictionary, userAccounts: [Int]) {
        self.accounts = accounts
        accountIndex = ShortKeyIndex(accounts)
        self.users = users
        usersByAccount = CodesByGroup(groups: userAccounts, groupCount: accounts.count, keys: users)
    }
}

/// Where an event file's columns are (a missing one is a line-1 error).
struct EventFields {
    var ts: Int
    var account: Int
    var user: Int
    /// Feature usage only (0 for logins).
    var feature = 0
    var count = 0

    init(_ reader: CSVReader, kind: EventKind) throws(StoreError) {
        ts = try reader.column("ts")
        account = try reader.column("account_id")
        user = try reader.column("user_id")
        if kind.hasItems {
            feature = try reader.column("feature")
            count = try reader.column("count")
        }
    }
}
