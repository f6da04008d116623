import VitalsColumnar

extension IngestPlan {
    /// Reads the entity and log files of `directory` into a plan over the
    /// store's `entities`, in ``IngestDirectory/knownFiles`` order; the event
    /// files are read after, beside the write (``readEvents(in:over:into:)``).
    /// - Throws: the first bad row as `file:line: what`; a first ingest
    ///   without accounts or users as ``StoreError/badDirectory(_:)``.
    init(reading directory: IngestDirectory, over entities: StoreEntities) throws(StoreError) {
        self.init(entities: entities)
        try directory.checkRequiredFiles(for: entities)
        let hasAgencyFile = directory.file("agencies.csv") != nil
        try read("agencies.csv", in: directory) { reader, plan throws(StoreError) in try EntityUpserts.agencies(reader, into: &plan) }
        try read("accounts.csv", in: directory) { reader, plan throws(StoreError) in
            try EntityUpserts.accounts(reader, into: &plan, createAgencies: !hasAgencyFile)
        }
        // MRR changes and payments name accounts alone: they are read on
        // another core while the users are (at 100 M events, 0.2 s of the
        // ingest's first second with a core idle). An error in users.csv or
        // workflows.csv still comes first, as in file order.
        let accounts = self.entities.accountKeys
        let revenue = Beside { () throws(StoreError) -> (mrr: [MRRChange], payments: [Payment], rows: [(file: String, rows: Int)]) in
            var rows: [(file: String, rows: Int)] = []
            let mrr = try Self.read("mrr.csv", in: directory, counting: &rows) { reader throws(StoreError) in
                try LogParsing.mrr(reader, accounts: accounts)
            }
            let payments = try Self.read("payments.csv", in: directory, counting: &rows) { reader throws(StoreError) in
                try LogParsing.payments(reader, accounts: accounts)
            }
            return (mrr ?? [], payments ?? [], rows)
        }
        do throws(StoreError) {
            try read("users.csv", in: directory) { reader, plan throws(StoreError) in try EntityUpserts.users(reader, into: &plan) }
            try read("workflows.csv", in: directory) { reader, plan throws(StoreError) in try EntityUpserts.workflows(reader, into: &plan) }
        } catch {
            _ = try? revenue.result()
            throw error
        }
        let logs = try revenue.result()
        (mrrChanges, payments) = (logs.mrr, logs.payments)
        rowsByFile += logs.rows
        try read("feedback.csv", in: directory) { reader, plan throws(StoreError) in try LogParsing.feedback(reader, into: &plan) }
    }

    /// Runs `step` over `name` when the directory has it, and counts its rows.
    private mutating func read(_ name: String, in directory: IngestDirectory,
                               _ step: (CSVReader, inout IngestPlan) throws(StoreError) -> Void) throws(StoreError) {
        var rows: [(file: String, rows: Int)] = []
        _ = try Self.read(name, in: directory, counting: &rows) { reader throws(StoreError) in try step(reader, &self) }
        rowsByFile += rows
    }

    /// What `step` reads from `name` when the directory has it (nil when
    /// not), its rows counted in `rows`.
    private static func read<T>(_ name: String, in directory: IngestDirectory, counting rows: inout [(file: String, rows: Int)],
                                _ step: (CSVReader) throws(StoreError) -> T) throws(StoreError) -> T? {
        guard let path = directory.file(name) else { return nil }
        let reader = try CSVReader.opening(path)
        let result = try step(reader)
        rows.append((name, reader.rowsRead))
        return result
    }

    /// logins.csv and feature_usage.csv, parsed in parts on all cores and
    /// encoded, against the plan's `entities`; new features continue the
    /// stored keys. Their batches go to `feed` as they are encoded, and the
    /// feed is closed on the way out, whether the parse succeeds or throws.
    static func readEvents(in directory: IngestDirectory, over entities: StoreEntities, into feed: BatchFeed) throws(StoreError) -> IngestEvents {
        defer { feed.close() }
        let knownFeatures = entities.featureKeys
        let files: [(name: String, kind: EventKind, path: String)] = IngestDirectory.eventFiles
            .compactMap { name, kind in directory.file(name).map { (name, kind, $0) } }
        let ids = EventIDs(accounts: entities.accountKeys, users: entities.userKeys, userAccounts: entities.userAccounts)
        let parsed = try EventParsing.parse(files.map { ($0.path, $0.kind) }, ids: ids, features: knownFeatures, into: feed)
        var events = IngestEvents(features: knownFeatures)
        for (file, parsedFile) in zip(files, parsed) {
            events.rowsByFile.append((file.name, parsedFile.rows))
            if file.kind == .featureUsage {
                events.features = parsedFile.features
                events.newFeatures = zip(knownFeatures.count ..< parsedFile.features.count, parsedFile.newFeatureLines).map { code, line in
                    (parsedFile.features.key(UInt32(code)), SourceRow(file: file.path, line: line))
                }
            }
        }
        return events
    }
}
