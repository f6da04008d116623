import VitalsColumnar
import VitalsStore

/// Look-up structures derived once from a ``Dataset``: accounts per agency,
/// users per account, and per-account slices of the revenue, payment and
/// feedback logs (which are stored sorted by account).
public struct DatasetIndex: Sendable {
    /// Tracked account keys of each agency, in key order.
    public let trackedAccounts: [[Int]]
    /// User keys of each account, in key order.
    public let usersOfAccount: [[Int]]
    /// `mrrChanges[mrrOffsets[a] ..< mrrOffsets[a + 1]]` are account a's rows.
    public let mrrOffsets: [Int]
    public let paymentOffsets: [Int]
    public let feedbackOffsets: [Int]

    public init(_ dataset: Dataset) {
        var tracked = Array(repeating: [Int](), count: dataset.agencies.count)
        for account in dataset.accounts where account.tracked {
            tracked[account.agencyKey].append(account.key)
        }
        trackedAccounts = tracked
        // Each account's array made at its size, not grown user by user.
        let userOffsets = Self.offsets(dataset.users.accountKeys, accountCount: dataset.accounts.count)
        var users = (0 ..< dataset.accounts.count).map { account in
            var keys: [Int] = []
            keys.reserveCapacity(userOffsets[account + 1] - userOffsets[account])
            return keys
        }
        for (user, account) in dataset.users.accountKeys.enumerated() { users[account].append(user) }
        usersOfAccount = users
        let accountCount = dataset.accounts.count
        mrrOffsets = Self.offsets(dataset.mrrChanges.lazy.map(\.accountKey), accountCount: accountCount)
        paymentOffsets = Self.offsets(dataset.payments.lazy.map(\.accountKey), accountCount: accountCount)
        feedbackOffsets = Self.offsets(dataset.feedback.lazy.map(\.accountKey), accountCount: accountCount)
    }

    /// Offsets of a log sorted by account key (its rows' keys read in
    /// place: 780,000 payments' keys copied out were 6 MB at 100 M events).
    static func offsets(_ accountKeys: some Sequence<Int>, accountCount: Int) -> [Int] {
        var offsets = Array(repeating: 0, count: accountCount + 1)
        for key in accountKeys { offsets[key + 1] += 1 }
        for a in 0 ..< accountCount { offsets[a + 1] += offsets[a] }
        return offsets
    }

    func mrrRows(of account: Int) -> Range<Int> { mrrOffsets[account] ..< mrrOffsets[account + 1] }
    func paymentRows(of account: Int) -> Range<Int> { paymentOffsets[account] ..< paymentOffsets[account + 1] }
    public func feedbackRows(of account: Int) -> Range<Int> { feedbackOffsets[account] ..< feedbackOffsets[account + 1] }
}
