import VitalsColumnar
import VitalsStore

/// Errors of the analytics layer.
public enum AnalyticsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The store has no events to take a default as-of day from.
    case noData
    /// An id that does not exist (or is not visible to this agency).
    case unknownAccount(String)
    case unknownAgency(String)
    case unknownUser(String)
    case invalidArgument(name: String, message: String)

    public var description: String {
        switch self {
        case .noData: "the store holds no events or logs: ingest a dataset first"
        case let .unknownAccount(id): "unknown account \(id)"
        case let .unknownAgency(id): "unknown agency \(id)"
        case let .unknownUser(id): "unknown user \(id)"
        case let .invalidArgument(name, message): "invalid \(name): \(message)"
        }
    }
}

/// The metrics of DESIGN.md over one loaded dataset as of one day `T`.
/// Pure and deterministic: the same dataset, day and config give the same
/// numbers. Everything after `T` is ignored.
///
/// A class of constants: handed to each tool call and captured by lazy
/// sequences, a struct was copied field by field, some seventy retains of
/// the dataset's arrays and as many releases, contended between the cores
/// (a night of 1,000 small agencies copied it tens of thousands of times).
public final class Analytics: Sendable {
    public let dataset: Dataset
    public let index: DatasetIndex
    public let asOf: AsOf
    public let config: ScoringConfig
    /// Latest login timestamp of each user at or before T; `Int64.min` = never.
    let lastLoginOfUser: [Int64]
    /// What the load did not decode of the events before T's window (nil:
    /// every event is in the tables): ``Dataset/earlier``, or for a day
    /// inside some accounts' longer history, that history's digests.
    let skipped: EarlierEvents?

    /// - Parameter asOf: `T`; default: the latest event day in the dataset.
    /// - Parameter lastLoginsOf: when not nil, the users' last logins are
    ///   read for these accounts' users alone (the others' stay "never"),
    ///   and only these accounts may be scored: a churn model's past days on
    ///   a big store, which learn from a share of its agencies, read that
    ///   share's logins, not every login once a day (a third of the
    ///   samples' time at 100 M events). A day whose window starts before
    ///   a windowed load's (``Dataset/earlier``) needs these accounts, all
    ///   of them in the load's ``Dataset/longerHistory``.
    public init(dataset: Dataset, index: DatasetIndex? = nil, asOf: AsOf? = nil, config: ScoringConfig = .standard,
                lastLoginsOf accounts: [Int]? = nil) throws(AnalyticsError) {
        guard let day = asOf ?? Self.latestDay(of: dataset) else { throw .noData }
        self.dataset = dataset
        self.index = index ?? DatasetIndex(dataset)
        self.asOf = day
        self.config = config
        var skipped = dataset.earlier
        let start = day.start(lastDays: Self.eventLookbackDays(config))
        if let earlier = dataset.earlier, start < earlier.before {
            // Inside some accounts' longer history: for those accounts alone.
            let longer = dataset.longerHistory
            precondition(longer.map { start >= $0.earlier.before && accounts?.allSatisfy($0.covers) == true } == true,
                         "as of \(day) needs events the windowed load skipped: load the store with an earlier eventsFrom")
            skipped = longer?.earlier
        }
        self.skipped = skipped
        lastLoginOfUser = Self.lastLogins(dataset.logins, userCount: dataset.users.count, before: day.end,
                                          earlier: skipped?.lastLoginOfUser, of: accounts)
    }

    /// How many days of events up to T (T included) a day's scores read: the
    /// churn model's own-history windows, mau, the 7-day usage windows,
    /// breadth, adoption and the trend's two windows. "At any time up to T"
    /// (recency, last_login, the agency's features) is answered for older
    /// events by ``Dataset/earlier``'s digests.
    public static func eventLookbackDays(_ config: ScoringConfig) -> Int {
        let windows = config.windows
        return max(ChurnFeatures.historyDays, 30, 14, windows.breadthDays, windows.adoptionDays, 2 * windows.trendDays)
    }

    /// How many days of payments up to T (T included) a day's scores, its
    /// playbooks and its default answers read: the payment component's
    /// window, the churn model's 90 days of failed payments, the playbooks'
    /// 90 days and the 30 days of the overview and the failed-payments list
    /// (each failure's recovery comes after it). `vitals score` leaves the
    /// older payments packed (``VitalsStore/Dataset/paymentsFrom``).
    public static func paymentLookbackDays(_ config: ScoringConfig) -> Int {
        max(config.windows.paymentDays, ChurnFeatures.failedPaymentDays, Playbooks.failedPaymentLookbackDays, 30)
    }

    /// Checks (in debug builds) that the load kept every payment a window
    /// from `from` reads.
    @inline(__always)
    func assertPaymentsLoaded(from: Int64) {
        assert(dataset.paymentsFrom.map { from >= $0 } ?? true,
               "a window from \(from) reads payments the load left packed (before \(dataset.paymentsFrom!))")
    }

    /// The latest day of any login or feature use (else of any log row).
    public static func latestDay(of dataset: Dataset) -> AsOf? {
        var latest: Int64?
        for columns in [dataset.logins, dataset.featureUsage] {
            for account in 0 ..< columns.partitionCount {
                if let ts = columns.lastTimestamp(columns.rows(of: account)) { latest = max(latest ?? ts, ts) }
            }
        }
        if latest == nil {
            let days = dataset.mrrChanges.map(\.day) + dataset.payments.map { CivilTime.day(ofSeconds: $0.ts) }
                + dataset.feedback.map { CivilTime.day(ofSeconds: $0.ts) }
            return days.max().map(AsOf.init(day:))
        }
        return latest.map { AsOf(day: CivilTime.day(ofSeconds: $0)) }
    }

    /// Each user's latest login before `end`, starting from `earlier` (the
    /// skipped events' latest logins, all before `end`), from the logins of
    /// `accounts` (nil: all of them).
    static func lastLogins(_ logins: EventColumns, userCount: Int, before end: Int64, earlier: [Int64]? = nil,
                           of accounts: [Int]? = nil) -> [Int64] {
        var last = earlier ?? [Int64](repeating: .min, count: userCount)
        if last.count < userCount { last += Array(repeating: .min, count: userCount - last.count) }
        logins.timestamps.withUnsafeBufferPointer { ts in
            logins.actors.withUnsafeBufferPointer { actors in
                last.withUnsafeMutableBufferPointer { last in
                    func read(_ rows: Range<Int>) {
                        for i in rows where Int64(ts[i]) < end {
                            let user = Int(actors[i])
                            if Int64(ts[i]) > last[user] { last[user] = Int64(ts[i]) }
                        }
                    }
                    guard let accounts else { return read(0 ..< ts.count) }
                    for account in accounts where account < logins.partitionCount { read(logins.rows(of: account)) }
                }
            }
        }
        return last
    }

    // MARK: - Look-ups

    /// The key of an agency id.
    public func agency(_ id: String) throws(AnalyticsError) -> Int {
        guard let key = dataset.agencyKey(id) else { throw .unknownAgency(id) }
        return key
    }

    /// The key of a tracked account of `agency`; an account of another agency
    /// or an untracked one answers exactly as an unknown id.
    public func trackedAccount(_ id: String, agency: Int) throws(AnalyticsError) -> Int {
        guard let key = dataset.accountKey(id), dataset.accounts[key].agencyKey == agency, dataset.accounts[key].tracked else {
            throw .unknownAccount(id)
        }
        return key
    }

    /// The key of a user of a tracked account of `agency`.
    public func user(_ id: String, agency: Int) throws(AnalyticsError) -> Int {
        guard let key = dataset.userKey(id) else { throw .unknownUser(id) }
        let account = dataset.accounts[dataset.users.accountKeys[key]]
        guard account.agencyKey == agency, account.tracked else { throw .unknownUser(id) }
        return key
    }

    /// The latest login day of `user` at or before T, or nil when never.
    public func lastLoginDay(user: Int) -> Int? {
        let ts = lastLoginOfUser[user]
        return ts == .min ? nil : CivilTime.day(ofSeconds: ts)
    }

    /// `T − last_login(u)`, or nil when never.
    public func daysSinceLogin(user: Int) -> Int? { lastLoginDay(user: user).map { asOf.day - $0 } }
}
