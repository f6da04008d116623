import VitalsColumnar

/// Everything one ingest will write, parsed and validated before the store is
/// touched: if building the plan throws, the store is never opened for writing.
struct IngestPlan: Sendable {
    /// Entity tables as they will be after this ingest (existing rows updated,
    /// new rows appended with the next dense keys).
    var entities: StoreEntities
    /// Entity counts read from the store before parsing: keys below them are
    /// updates, the rest inserts, and a store whose counts moved meanwhile
    /// had another writer.
    var base: EntityCounts
    var changedAgencies: [Upsert<AgencyRecord>] = []
    var changedAccounts: [Upsert<AccountRecord>] = []
    var changedUsers: [Upsert<UserRecord>] = []
    var changedWorkflows: [Upsert<WorkflowRecord>] = []
    /// Features first seen in this ingest (keys continue the stored ones),
    /// with the row each was first seen on.
    var newFeatures: [(name: String, source: SourceRow)] = []
    var mrrChanges: [MRRChange] = []
    var payments: [Payment] = []
    var feedback: [FeedbackResponse] = []
    /// Data rows read per file name, for the summary.
    var rowsByFile: [(file: String, rows: Int)] = []

    init(entities: StoreEntities) {
        self.entities = entities
        base = EntityCounts(entities)
    }

    /// Takes in the events read beside the write (``IngestEvents``): the
    /// features they named and their files' row counts.
    mutating func add(_ events: IngestEvents) {
        entities.featureKeys = events.features
        newFeatures = events.newFeatures
        entities.features += newFeatures.map(\.name)
        rowsByFile += events.rowsByFile
        let order = IngestDirectory.knownFiles
        rowsByFile.sort { (order.firstIndex(of: $0.file) ?? order.count) < (order.firstIndex(of: $1.file) ?? order.count) }
    }
}

/// The event files of an ingest, parsed and encoded
/// (``IngestPlan/readEvents(in:over:into:)``) while the entities and logs
/// are being written; their batches go to the writer through a ``BatchFeed``.
struct IngestEvents: Sendable {
    /// The feature dictionary after the files (the stored features first).
    var features: ByteStringDictionary
    /// Features first seen in this ingest, with the row each was first seen on.
    var newFeatures: [(name: String, source: SourceRow)] = []
    var rowsByFile: [(file: String, rows: Int)] = []
}

/// The row counts of the entity tables (the next dense key of each).
struct EntityCounts: Equatable, Sendable {
    var agencies: Int
    var accounts: Int
    var users: Int
    var workflows: Int
    var features: Int

    init(_ entities: StoreEntities) {
        agencies = entities.agencies.count
        accounts = entities.accounts.count
        users = entities.userCount
        workflows = entities.workflows.count
        features = entities.features.count
    }
}

/// Where a row of an ingest came from, so that a row the store refuses at
/// write time is still reported as `file:line`.
struct SourceRow: Sendable {
    var file: String
    var line: Int
}

/// An entity row to insert or update, with the CSV row it came from (the
/// last one, when an id repeats).
struct Upsert<Record: Sendable>: Sendable {
    var record: Record
    var source: SourceRow
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
    /// Something that went wrong after the ingest was committed (it is kept
    /// all the same: running it again would add its events twice).
    public var warnings: [String] = []
    /// The batches the ingest merged afterwards (``Store/compact(all:)``), if any.
    public var compaction: CompactionSummary?
}
