import Foundation
import VitalsColumnar

/// A store loaded into memory: entities by dense key, events in columnar
/// form partitioned by account, and the revenue, payment and feedback logs.
/// This is the snapshot every query and score runs on.
public struct Dataset: Sendable {
    /// Indexed by agency key.
    public var agencies: [AgencyRecord]
    /// Indexed by account key (the event partition).
    public var accounts: [AccountRecord]
    /// Indexed by user key (the event actor), packed: `users[key]` makes
    /// the record, ``UserTable/accountKeys`` and ``UserTable/isKeyUser(_:)``
    /// read a column.
    public var users: UserTable
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
    /// When the load skipped the batches before a day (`vitals score`'s
    /// window): what they held that answers "at any time up to T". Nil when
    /// every event is in `logins` and `featureUsage`.
    public var earlier: EarlierEvents?
    /// When the load decoded older events for some accounts alone (a churn
    /// fit's sampled accounts, ``Store/loadDataset(eventsFrom:longerHistory:)``):
    /// those accounts, and the digests of the events before their longer
    /// history. Nil: every account's events start where `earlier` ends.
    public internal(set) var longerHistory: LongerHistory?

    /// The data version of the load that read the entity tables row by
    /// row (nil: from the store's snapshot, or not from a store): what
    /// ``Store/keepEntities(of:)`` keeps them for.
    public internal(set) var entitiesReadAt: Int64?
    /// Whether the load started from the logs' packed snapshot, and how
    /// many log rows it read as rows (after it, or all).
    public internal(set) var logsFromSnapshot = false
    public internal(set) var logRowsReadAsRows = 0
    /// The data version the load read and the seqs its logs reach, when
    /// ``Store/keepLogs(of:)`` should pack them for the next loads.
    var logsToKeep: (version: Int64, through: LogSnapshot.Through)?
    /// The payments the load was asked for (nil: every one), and the
    /// snapshot's older payments it left packed, for ``Store/keepLogs(of:)``.
    var paymentsAskedFrom: Int64?
    var olderPayments: LogSnapshot.OlderPayments?

    /// Payments before this time may be missing: the load left them packed
    /// (``Store/loadDataset(eventsFrom:longerHistory:paymentsFrom:)``). Nil
    /// when every payment is in `payments`.
    public var paymentsFrom: Int64? { olderPayments?.cutoff }
    /// How many payments the load left packed.
    public var paymentsLeftPacked: Int { olderPayments?.count ?? 0 }

    let agencyKeys: ByteStringDictionary
    let accountKeys: ByteStringDictionary
    /// Built on the first lookup: a score never looks a user up by id, and
    /// hashing 320,000 users' ids cost a night at 100 M events 0.08 s of CPU.
    let userKeys: LazyKeys
    let workflowKeys: ByteStringDictionary
    let featureKeys: ByteStringDictionary

    init(entities: StoreEntities, logins: EventColumns, featureUsage: EventColumns,
         mrrChanges: [MRRChange], payments: [Payment], feedback: [FeedbackResponse], earlier: EarlierEvents? = nil) {
        self.earlier = earlier
        agencies = entities.agencies
        accounts = entities.accounts
        users = entities.userTable ?? UserTable(entities.users)
        features = entities.features
        workflows = entities.workflows
        agencyKeys = entities.agencyKeys
        accountKeys = entities.accountKeys
        userKeys = LazyKeys(ids: users.ids)
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
    public func userKey(_ id: String) -> Int? { userKeys.dictionary.code(of: id).map(Int.init) }
    /// The key of a workflow id.
    public func workflowKey(_ id: String) -> Int? { workflowKeys.code(of: id).map(Int.init) }
    /// The key of a feature name.
    public func featureKey(_ name: String) -> Int? { featureKeys.code(of: name).map(Int.init) }
}

/// Some accounts' longer history in a windowed load: for the accounts it
/// names, the tables hold every event from `earlier.before` on, before
/// ``Dataset/earlier``'s own start, and `earlier` digests the events before
/// it. A day whose window starts inside that history can be computed for
/// these accounts alone (a churn fit's past days, for its sampled agencies).
public struct LongerHistory: Sendable, Equatable {
    /// By account key: whether the account's longer history is loaded.
    public let accounts: [Bool]
    /// The digests of every event before the longer history.
    public let earlier: EarlierEvents

    /// Whether `account`'s longer history is in the tables.
    public func covers(_ account: Int) -> Bool { account < accounts.count && accounts[account] }
}

/// The events a windowed load did not decode (every one before `before`),
/// as the digests of their batches: each user's and each account's latest
/// login, the features each account used, and the earliest event. What a
/// day inside the window needs of "at any time up to T".
public struct EarlierEvents: Sendable, Equatable {
    /// Events before this timestamp were skipped (some may be in the tables too).
    public private(set) var before: Int64
    /// Latest login timestamp per user key (`Int64.min`: none skipped).
    public var lastLoginOfUser: [Int64]
    /// Latest login timestamp per account key (`Int64.min`: none skipped).
    public var lastLoginOfAccount: [Int64]
    /// Features each account used in the skipped events, ascending keys.
    public var featuresOfAccount: [[UInt32]]
    /// The earliest skipped event's timestamp.
    public var firstTimestamp: Int64?
    /// How many rows and batches were skipped.
    public var skippedRows = 0
    public var skippedBatches = 0
    /// The batches digested, as the catalog described them (what the
    /// digest cache records), and how many of them came merged from it.
    public internal(set) var batches: [DigestedBatch] = []
    public internal(set) var batchesFromCache = 0

    /// While batches are added: the features of each account as bits,
    /// `featureWords` words per account (a new sorted list per account
    /// per batch cost 3.4 million allocations on a 100 M-event night).
    /// ``finish()`` turns them into `featuresOfAccount`.
    private var featureBits: [UInt64] = []
    private var featureWords = 0

    init(before: Int64, accountCount: Int, userCount: Int, featureCount: Int = 0) {
        self.before = before
        lastLoginOfUser = Array(repeating: .min, count: userCount)
        lastLoginOfAccount = Array(repeating: .min, count: accountCount)
        featuresOfAccount = Array(repeating: [], count: accountCount)
        featureWords = max(1, (featureCount + 63) / 64)
        featureBits = Array(repeating: 0, count: accountCount * featureWords)
    }

    /// These digests, as the start of a window that starts later, at
    /// `later` (the batches between are added next). Before ``finish()``.
    func extended(to later: Int64) -> EarlierEvents {
        var copy = self
        copy.before = later
        return copy
    }

    public static func == (a: EarlierEvents, b: EarlierEvents) -> Bool {
        a.before == b.before && a.lastLoginOfUser == b.lastLoginOfUser && a.lastLoginOfAccount == b.lastLoginOfAccount
            && a.featuresOfAccount == b.featuresOfAccount && a.firstTimestamp == b.firstTimestamp
            && a.skippedRows == b.skippedRows && a.skippedBatches == b.skippedBatches
    }

    /// Room for feature keys below `count` (a key beyond the store's
    /// feature count when the load began: every account's bits re-laid).
    private mutating func makeRoom(forFeatures count: Int) {
        let words = (count + 63) / 64
        guard words > featureWords else { return }
        let accounts = lastLoginOfAccount.count
        var wider = [UInt64](repeating: 0, count: accounts * words)
        for account in 0 ..< accounts {
            for w in 0 ..< featureWords { wider[account * words + w] = featureBits[account * featureWords + w] }
        }
        featureBits = wider
        featureWords = words
    }

    /// Starts from the digests an earlier load merged (``DigestCache``):
    /// every add of a batch is a maximum, a union or a sum, so merged
    /// batches plus the rest give what all of them one by one give.
    /// False (nothing changed) when the cache knows more users or
    /// accounts than the store has.
    mutating func restore(_ cache: DigestCache) -> Bool {
        guard cache.lastLoginOfUser.count <= lastLoginOfUser.count, cache.lastLoginOfAccount.count <= lastLoginOfAccount.count,
              cache.featurePairs.allSatisfy({ Int($0.account) < lastLoginOfAccount.count }) else { return false }
        lastLoginOfUser.replaceSubrange(0 ..< cache.lastLoginOfUser.count, with: cache.lastLoginOfUser)
        lastLoginOfAccount.replaceSubrange(0 ..< cache.lastLoginOfAccount.count, with: cache.lastLoginOfAccount)
        if let widest = cache.featurePairs.map(\.feature).max() { makeRoom(forFeatures: Int(widest) + 1) }
        for pair in cache.featurePairs {
            featureBits[Int(pair.account) * featureWords + Int(pair.feature >> 6)] |= 1 << UInt64(pair.feature & 63)
        }
        firstTimestamp = cache.firstTimestamp
        skippedRows = cache.skippedRows
        skippedBatches = cache.batches.count
        batches = cache.batches
        batchesFromCache = cache.batches.count
        return true
    }

    /// The features added as bits become `featuresOfAccount` (ascending keys).
    mutating func finish() {
        for account in featuresOfAccount.indices {
            var keys: [UInt32] = []
            for w in 0 ..< featureWords {
                var word = featureBits[account * featureWords + w]
                while word != 0 {
                    keys.append(UInt32(w * 64 + word.trailingZeroBitCount))
                    word &= word - 1
                }
            }
            featuresOfAccount[account] = keys
        }
        featureBits = []
    }

    mutating func add(_ digest: EventDigest, batch: DigestedBatch) {
        skippedRows += batch.rowCount
        skippedBatches += 1
        batches.append(batch)
        if let minTs = batch.minTs { firstTimestamp = min(firstTimestamp ?? minTs, minTs) }
        for (user, ts) in zip(digest.actors, digest.actorLast) where Int(user) < lastLoginOfUser.count {
            lastLoginOfUser[Int(user)] = max(lastLoginOfUser[Int(user)], ts)
        }
        for (account, ts) in zip(digest.partitions, digest.partitionLast) where Int(account) < lastLoginOfAccount.count {
            lastLoginOfAccount[Int(account)] = max(lastLoginOfAccount[Int(account)], ts)
        }
        let pairs = digest.pairPartitions, items = digest.pairItems
        if let widest = items.max() { makeRoom(forFeatures: Int(widest) + 1) }
        let words = featureWords, accounts = featuresOfAccount.count
        featureBits.withUnsafeMutableBufferPointer { bits in
            for (account, item) in zip(pairs, items) where Int(account) < accounts {
                bits[Int(account) * words + Int(item >> 6)] |= 1 << UInt64(item & 63)
            }
        }
    }
}

/// An id dictionary indexed on first use (ids appended unindexed, whose
/// dense keys were checked already), then kept.
final class LazyKeys: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: ByteStringDictionary
    private var indexed = false

    init(ids: ByteStringDictionary) { self.ids = ids }

    var dictionary: ByteStringDictionary {
        lock.withLock {
            if !indexed {
                if let repeated = ids.indexAppended() { preconditionFailure("user \(ids.key(UInt32(repeated.code))) is loaded twice") }
                indexed = true
            }
            return ids
        }
    }
}
