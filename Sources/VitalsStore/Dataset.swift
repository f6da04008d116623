import VitalsColumnar

/// A store loaded into memory: entities by dense key, events in columnar
/// form partitioned by account, and the revenue, payment and feedback logs.
/// This is the snapshot every query and score runs on.
public struct Dataset: Sendable {
    /// Indexed by agency key.
    public var agencies: [AgencyRecord]
    /// Indexed by account key (the event partition).
    public var accounts: [AccountRecord]
    /// Indexed by user key (the event actor).
    public var users: [UserRecord]
    /// Feature names indexed by feature key (the event item).
    public var features: [String]
    /// Indexed by workflow key.
    public var workflows: [WorkflowRecord]
    /// Logins, partitioned by account, time-sorted.
    public var logins: EventColumns
    /// Feature uses, partitioned by account, time-sorted; quantities are counts.
    public var featureUsage: EventColumns
    /// MRR change log ordered by account, day, then ingest order.
    public var mrrChanges: [MRRChange]
    /// Payments ordered by account, time, then ingest order.
    public var payments: [Payment]
    /// NPS responses ordered by account, time, then ingest order.
    public var feedback: [FeedbackResponse]

    let agencyKeys: ByteStringDictionary
    let accountKeys: ByteStringDictionary
    let userKeys: ByteStringDictionary
    let workflowKeys: ByteStringDictionary
    let featureKeys: ByteStringDictionary

    init(entities: StoreEntities, logins: EventColumns, featureUsage: EventColumns,
         mrrChanges: [MRRChange], payments: [Payment], feedback: [FeedbackResponse]) {
        agencies = entities.agencies
        accounts = entities.accounts
        users = entities.users
        features = entities.features
        workflows = entities.workflows
        agencyKeys = entities.agencyKeys
        accountKeys = entities.accountKeys
        userKeys = entities.userKeys
        workflowKeys = entities.workflowKeys
        featureKeys = entities.featureKeys
        self.logins = logins
        self.featureUsage = featureUsage
        self.mrrChanges = mrrChanges
        self.payments = payments
        self.feedback = feedback
    }

    /// The key of an agency id.
    public func agencyKey(_ id: String) -> Int? { agencyKeys.code(of: id).map(Int.init) }
    /// The key of an account id.
    public func accountKey(_ id: String) -> Int? { accountKeys.code(of: id).map(Int.init) }
    /// The key of a user id.
    public func userKey(_ id: String) -> Int? { userKeys.code(of: id).map(Int.init) }
    /// The key of a workflow id.
    public func workflowKey(_ id: String) -> Int? { workflowKeys.code(of: id).map(Int.init) }
    /// The key of a feature name.
    public func featureKey(_ name: String) -> Int? { featureKeys.code(of: name).map(Int.init) }
}
