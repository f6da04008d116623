import Foundation

/// What to generate: the size of the synthetic agency world, its event
/// window, the seed and where to write it.
///
/// Every field has the documented CLI default, so `DataGenConfig()` is the
/// demo dataset (3 agencies × 200 accounts × ~12 users, 180 days, 2 M events).
public struct DataGenConfig: Sendable, Equatable {
    /// Number of agencies (tenants), ≥ 1.
    public var agencies: Int
    /// Sub-accounts per agency, ≥ 1 (the smallest agency when
    /// ``accountsPerAgencyMax`` is set).
    public var accountsPerAgency: Int
    /// When set, each agency draws its size uniformly in
    /// `accountsPerAgency...accountsPerAgencyMax`; `nil`: every agency has
    /// exactly ``accountsPerAgency``.
    public var accountsPerAgencyMax: Int?
    /// Average users per account (each account gets 50–150 % of it, at least 1).
    public var usersPerAccount: Int
    /// Length of the event window in days, ending with ``asOf``.
    public var days: Int
    /// Exact number of event rows: logins.csv + feature_usage.csv together.
    public var events: Int
    /// Seed of every random draw; one configuration gives byte-identical files.
    public var seed: UInt64
    /// The as-of instant `T`; its UTC calendar day is the last day of the window.
    public var asOf: Date
    /// Directory that receives the CSV files (created when missing).
    public var outputDirectory: String
    /// How the planted churn looks (rate, silent share, decline shape, false
    /// alarms); the default world is the original dataset.
    public var world: ChurnWorld

    /// The as-of day used by the CLI when none is given: 2026-11-20.
    public static let defaultAsOf = DataGenConfig.date(fromDay: "2026-11-20")!

    /// Bounds that keep one run within memory and the `YYYY` date format.
    static let maxAccounts = 1_000_000
    static let maxUsersPerAccount = 10_000
    static let maxDays = 3_650
    static let maxCells = 60_000_000

    public init(
        agencies: Int = 3,
        accountsPerAgency: Int = 200,
        usersPerAccount: Int = 12,
        days: Int = 180,
        events: Int = 2_000_000,
        seed: UInt64 = 7,
        asOf: Date = DataGenConfig.defaultAsOf,
        outputDirectory: String = "data/demo",
        accountsPerAgencyMax: Int? = nil,
        world: ChurnWorld = ChurnWorld()
    ) {
        self.agencies = agencies
        self.accountsPerAgency = accountsPerAgency
        self.usersPerAccount = usersPerAccount
        self.days = days
        self.events = events
        self.seed = seed
        self.asOf = asOf
        self.outputDirectory = outputDirectory
        self.accountsPerAgencyMax = accountsPerAgencyMax
        self.world = world
    }

    /// Midnight UTC of a `YYYY-MM-DD` day, or `nil` when the text is not a
    /// valid calendar date in that form.
    public static func date(fromDay text: String) -> Date? {
        guard let day = CivilDay.parse(text) else { return nil }
        return Date(timeIntervalSince1970: Double(day) * 86_400)
    }

    /// The as-of UTC day number (days since 1970-01-01).
    var asOfDay: Int {
        Int((asOf.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// The largest an agency can be.
    var maxAccountsPerAgency: Int { accountsPerAgencyMax ?? accountsPerAgency }

    /// The most accounts over all agencies (exactly this many without
    /// ``accountsPerAgencyMax``).
    var maxAccountCount: Int { agencies * maxAccountsPerAgency }

    /// Checks every value, naming the CLI option of the first bad one.
    /// - Throws: ``DataGenError/invalidArgument(name:message:)``.
    public func validate() throws(DataGenError) {
        func fail(_ name: String, _ message: String) -> DataGenError {
            .invalidArgument(name: name, message: message)
        }
        guard agencies >= 1 else { throw fail("--agencies", "must be at least 1 (got \(agencies))") }
        guard accountsPerAgency >= 1 else {
            throw fail("--accounts-per-agency", "must be at least 1 (got \(accountsPerAgency))")
        }
        guard agencies <= Self.maxAccounts / accountsPerAgency else {
            throw fail("--accounts-per-agency", "agencies × accounts per agency must be at most \(Self.maxAccounts)")
        }
        if let accountsPerAgencyMax {
            guard accountsPerAgencyMax >= accountsPerAgency else {
                throw fail("--accounts-per-agency-max", "must be at least --accounts-per-agency "
                    + "(got \(accountsPerAgencyMax) < \(accountsPerAgency))")
            }
            guard agencies <= Self.maxAccounts / accountsPerAgencyMax else {
                throw fail("--accounts-per-agency-max", "agencies × the maximum must be at most \(Self.maxAccounts)")
            }
        }
        guard (1...Self.maxUsersPerAccount).contains(usersPerAccount) else {
            throw fail("--users-per-account", "must be in 1...\(Self.maxUsersPerAccount) (got \(usersPerAccount))")
        }
        guard (1...Self.maxDays).contains(days) else {
            throw fail("--days", "must be in 1...\(Self.maxDays) (got \(days))")
        }
        guard maxAccountCount <= Self.maxCells / days else {
            throw fail("--days", "accounts × days must be at most \(Self.maxCells) (got \(maxAccountCount) × \(days))")
        }
        guard events >= 0 else { throw fail("--events", "must be 0 or more (got \(events))") }
        let year = CivilDay.date(of: asOfDay).year
        guard (1990...9000).contains(year) else {
            throw fail("--as-of", "the year must be in 1990...9000 (got \(year))")
        }
        guard !outputDirectory.isEmpty else { throw fail("--out", "must not be empty") }
        try world.validate()
    }
}
