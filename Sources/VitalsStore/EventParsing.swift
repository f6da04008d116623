import Foundation
import VitalsColumnar

/// The hot path of ingest: login and feature-usage rows straight from CSV
/// bytes into column builders, with ids looked up by their bytes.
enum EventParsing {
    /// One event file parsed (its batches went to the ``BatchFeed``): the
    /// feature dictionary it grew, and its rows.
    struct ParsedEvents: Sendable {
        var features: ByteStringDictionary
        /// The line each new feature was first seen on, in the order of their codes.
        var newFeatureLines: [Int]
        var rows: Int
    }

    /// Files are parsed in parts of about this many bytes, on all cores.
    static let partBytes = 64 << 20

    /// The event files `files`, each cut into parts (``CSVReader/parts(count:)``)
    /// parsed on all cores and encoded as they come: the parts of a file
    /// are taken in file order (their new features take codes in the order
    /// the file first names them), and each epoch is encoded once complete
    /// (``EpochStream``), on the cores between parts, so the parts behind
    /// it are freed and their pages reused. The batches go to `feed` as
    /// they are encoded (``BatchFeed``), each file's in the order of its
    /// epochs, file after file: the same batches as the file parsed whole
    /// and encoded by epoch. When a part fails, the feed takes back what
    /// it was given and the files are parsed again whole, one after the
    /// other: the error is then the first bad row's `file:line` (or there
    /// is none: a cut fell inside a quoted field, and the whole parse is
    /// the result). The caller closes the feed.
    /// - Parameters:
    ///   - features: the features known before; each file's result extends them.
    ///   - partBytes: the parts' size (tests cut small files).
    /// - Returns: each file's features and rows (its batches went to `feed`).
    static func parse(_ files: [(path: String, kind: EventKind)], ids: EventIDs, features: ByteStringDictionary,
                      partBytes: Int = partBytes, into feed: BatchFeed) throws(StoreError) -> [ParsedEvents] {
        var headerLines: [Int] = []
        var tasks: [(file: Int, part: CSVPart)] = []
        for (f, file) in files.enumerated() {
            let reader = try CSVReader.opening(file.path)
            _ = try EventFields(reader, kind: file.kind)
            headerLines.append(reader.linesRead)
            for part in reader.parts(count: partCount(fileSize: reader.fileSize, partBytes: partBytes)) { tasks.append((f, part)) }
        }
        let work = StreamedParse(files: files, tasks: tasks, headerLines: headerLines, known: features, feed: feed)
        let workers = ProcessInfo.processInfo.activeProcessorCount
        DispatchQueue.concurrentPerform(iterations: workers) { _ in work.runWorker(ids: ids) }
        if let parsed = try work.result() { return parsed }
        // A part failed: each file parsed whole, the first bad row's error thrown.
        feed.put(.takeBack)
        var parsed: [ParsedEvents] = []
        for (f, file) in files.enumerated() {
            let whole = try parse(file.path, kind: file.kind, ids: ids, features: features)
            let batches = try whole.columns.count == 0 ? [] : EventBatchCodec.encodeByEpoch(whole.columns, kind: file.kind)
            for batch in batches { feed.put(.batch(file: f, batch)) }
            parsed.append(ParsedEvents(features: whole.features, newFeatureLines: whole.newFeatureLines, rows: whole.rows))
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

    /// A file's parts taken in file order, as one parse of the file: the
    /// parts' own features take codes in the file's order.
    struct FileAssembly {
        var features: ByteStringDictionary
        let known: Int
        var newFeatureLines: [Int] = []
        var linesBefore: Int
        var rows = 0

        init(known: ByteStringDictionary, headerLines: Int) {
            features = known
            self.known = known.count
            linesBefore = headerLines
        }

        /// The next part's columns, its items in the file's feature codes.
        mutating func take(_ part: ParsedPart) -> EventColumns {
            var columns = part.columns
            if part.features.count > known {
                var remap = (0 ..< UInt32(part.features.count)).map { $0 }, moved = false
                for (n, code) in (known ..< part.features.count).enumerated() {
                    let name = part.features.key(UInt32(code))
                    let global = features.code(of: name) ?? {
                        newFeatureLines.append(linesBefore + part.newFeatureLines[n])
                        return features.insert(name)
                    }()
                    remap[code] = global
                    moved = moved || global != UInt32(code)
                }
                if moved { columns.items = columns.items.map { remap[Int($0)] } }
            }
            linesBefore += part.lines
            rows += part.rows
            return columns
        }
    }

    /// One file parsed whole (the path of a file whose part failed, and the tests' reference).
    struct WholeFile: Sendable {
        var columns: EventColumns
        var features: ByteStringDictionary
        var newFeatureLines: [Int]
        var rows: Int
    }

    /// Parses `path` as events of `kind`.
    /// - Parameter features: the features known before this file; the
    ///   result's dictionary extends it.
    static func parse(_ path: String, kind: EventKind, ids: EventIDs, features: ByteStringDictionary) throws(StoreError) -> WholeFile {
        let reader = try CSVReader.opening(path)
        var features = features, newFeatureLines: [Int] = []
        // Reserve for the most rows the file can hold (rows of real files are
        // far longer than 16 bytes); pages never written cost no memory, and
        // the columns never have to be copied while they grow.
        var builder = EventColumnsBuilder(hasItems: kind.hasItems, reservingCapacity: reader.fileSize / 16)
        try fill(&builder, from: reader, kind: kind, ids: ids, features: &features, newFeatureLines: &newFeatureLines)
        // Built consuming: each source column is freed once sorted (a whole file's columns are gigabytes at 100 M).
        let columns = builder.build(partitionCount: ids.accounts.count)
        return WholeFile(columns: columns, features: features, newFeatureLines: newFeatureLines, rows: reader.rowsRead)
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
            guard let seconds = timestamps.parse(reader.field(tsColumn)) else {
                throw reader.bad("bad timestamp \(reader.quoted(tsColumn)) in column ts (expected RFC 3339 like 2026-11-20T13:45:07Z, or epoch seconds)")
            }
            // The columns keep times in 32 bits (EventColumns.timeRange).
            guard let ts = EventColumns.storedTime(seconds) else {
                throw reader.bad("timestamp \(reader.quoted(tsColumn)) in column ts is outside 1970-01-01T00:00:00Z .. 2106-02-07T06:28:15Z")
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
