import VitalsColumnar

/// Everything one ingest will write, parsed and validated before the store is
/// touched: if building the plan throws, the store is never opened for writing.
struct IngestPlan: Sendable {
    /// Entity tables as they will be after this ingest (existing rows updated,
    /// new rows appended with the next dense keys).
    var entities: StoreEntities
    /// Entity counts read from the store before parsing, to detect a
    /// concurrent writer.
    var baseCounts: [Int]
    var changedAgencies: [AgencyRecord] = []
    var changedAccounts: [AccountRecord] = []
    var changedUsers: [UserRecord] = []
    var changedWorkflows: [WorkflowRecord] = []
    /// Features first seen in this ingest (keys continue the stored ones).
    var newFeatures: [String] = []
    var logins: EventColumns?
    var featureUsage: EventColumns?
    var mrrChanges: [MRRChange] = []
    var payments: [Payment] = []
    var feedback: [FeedbackResponse] = []
    /// Data rows read per file name, for the summary.
    var rowsByFile: [(file: String, rows: Int)] = []

    init(entities: StoreEntities) {
        self.entities = entities
        baseCounts = Self.counts(entities)
    }

    static func counts(_ entities: StoreEntities) -> [Int] {
        [entities.agencies.count, entities.accounts.count, entities.users.count,
         entities.workflows.count, entities.features.count]
    }
}

/// What an ingest did, for the CLI's summary.
public struct IngestSummary: Sendable {
    /// Data rows per file, in the order read.
    public var rowsByFile: [(file: String, rows: Int)]
    /// Total login and feature-usage rows.
    public var eventRows: Int
    /// Seconds spent parsing, encoding and writing.
    public var seconds: Double
    /// Raw column bytes of the new events, and their stored (compressed) size.
    public var rawColumnBytes: Int
    public var storedColumnBytes: Int
}
