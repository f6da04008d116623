import VitalsColumnar

extension IngestPlan {
    /// Reads every known file of `directory` into a plan over the store's
    /// `entities`, in ``IngestDirectory/knownFiles`` order: entities first,
    /// then the two event files at once (one core each), then the logs.
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
        try read("users.csv", in: directory) { reader, plan throws(StoreError) in try EntityUpserts.users(reader, into: &plan) }
        try read("workflows.csv", in: directory) { reader, plan throws(StoreError) in try EntityUpserts.workflows(reader, into: &plan) }
        try readEvents(in: directory)
        try read("mrr.csv", in: directory) { reader, plan throws(StoreError) in try LogParsing.mrr(reader, into: &plan) }
        try read("payments.csv", in: directory) { reader, plan throws(StoreError) in try LogParsing.payments(reader, into: &plan) }
        try read("feedback.csv", in: directory) { reader, plan throws(StoreError) in try LogParsing.feedback(reader, into: &plan) }
    }

    /// Runs `step` over `name` when the directory has it, and counts its rows.
    private mutating func read(_ name: String, in directory: IngestDirectory,
                               _ step: (CSVReader, inout IngestPlan) throws(StoreError) -> Void) throws(StoreError) {
        guard let path = directory.file(name) else { return }
        let reader = try CSVReader.opening(path)
        try step(reader, &self)
        rowsByFile.append((name, reader.rowsRead))
    }

    /// logins.csv and feature_usage.csv, parsed in parts on all cores
    /// against the entities read so far; new features continue the stored keys.
    private mutating func readEvents(in directory: IngestDirectory) throws(StoreError) {
        let knownFeatures = entities.featureKeys
        let files: [(name: String, kind: EventKind, path: String)] = [("logins.csv", EventKind.login), ("feature_usage.csv", .featureUsage)]
            .compactMap { name, kind in directory.file(name).map { (name, kind, $0) } }
        let ids = EventIDs(accounts: entities.accountKeys, users: entities.userKeys, userAccounts: entities.userAccounts)
        let parsed = try EventParsing.parse(files.map { ($0.path, $0.kind) }, ids: ids, features: knownFeatures)
        for (file, events) in zip(files, parsed) {
            rowsByFile.append((file.name, events.rows))
            if file.kind == .login {
                logins = events.parts
            } else {
                featureUsage = events.parts
                entities.featureKeys = events.features
                newFeatures = zip(knownFeatures.count ..< events.features.count, events.newFeatureLines).map { code, line in
                    (events.features.key(UInt32(code)), SourceRow(file: file.path, line: line))
                }
            }
        }
        entities.features += newFeatures.map(\.name)
    }
}
