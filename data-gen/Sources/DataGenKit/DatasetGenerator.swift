/// Generates the whole synthetic dataset of `config` into
/// `config.outputDirectory`: agencies, accounts, users, workflows, mrr,
/// payments, feedback, logins, feature_usage, labels and the planted truth
/// behind the labels, truth.csv (CSV, RFC 4180).
///
/// The same configuration always writes byte-identical files.
/// - Returns: rows and bytes per file and the elapsed time.
/// - Throws: ``DataGenError`` for a bad configuration or a failed write.
public func generateDataset(_ config: DataGenConfig) throws(DataGenError) -> DataGenSummary {
    try config.validate()
    let clock = ContinuousClock()
    let started = clock.now
    let directory = config.outputDirectory
    try OutputDirectory.create(directory)

    let population = Population(config: config)
    var writers: [CSVFileWriter] = []
    func open(_ name: String, _ columns: [String]) throws(DataGenError) -> CSVFileWriter {
        let writer = try CSVFileWriter(directory: directory, name: name, columns: columns)
        writers.append(writer)
        return writer
    }

    let entities = EntityWriter(population: population, asOfDay: config.asOfDay)
    entities.writeAgencies(to: try open("agencies.csv", ["agency_id", "name"]))
    entities.writeAccounts(to: try open("accounts.csv", [
        "account_id", "agency_id", "name", "plan", "seats", "created_at", "renewal_date",
        "owner_email", "tracked", "priority",
    ]))
    entities.writeUsers(to: try open("users.csv", [
        "user_id", "account_id", "email", "name", "role", "created_at", "key_user",
    ]))
    entities.writeWorkflows(to: try open("workflows.csv", ["workflow_id", "agency_id", "name", "webhook_url"]))

    RevenueGenerator(config: config).write(
        population: population,
        mrr: try open("mrr.csv", ["date", "account_id", "mrr_cents"]),
        payments: try open("payments.csv", ["ts", "account_id", "invoice_id", "amount_cents", "status"])
    )
    FeedbackGenerator(config: config).write(
        population: population,
        to: try open("feedback.csv", ["ts", "account_id", "user_id", "score", "comment"])
    )

    let grid = ActivityGrid(population: population, config: config)
    try EventGenerator(population: population, config: config).write(
        grid: grid,
        logins: try open("logins.csv", ["ts", "account_id", "user_id"]),
        features: try open("feature_usage.csv", ["ts", "account_id", "user_id", "feature", "count"])
    )

    entities.writeLabels(to: try open("labels.csv", ["account_id", "churns_within_90d"]))
    entities.writeTruth(to: try open("truth.csv", [
        "account_id", "churns_within_90d", "story", "activity_at_t", "declining", "key_users_silent",
        "renewal_within_90d",
    ]))

    var files: [DataGenSummary.File] = []
    for writer in writers {
        try writer.finish()
        files.append(DataGenSummary.File(name: writer.name, rows: writer.rows, bytes: writer.bytesWritten))
    }

    let elapsed = started.duration(to: clock.now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return DataGenSummary(files: files, elapsedSeconds: seconds)
}
