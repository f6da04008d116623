import VitalsColumnar
import VitalsStore

/// A user without a login in the requested window.
public struct InactiveUser: Sendable, Equatable, Codable {
    public var userID: String
    public var accountID: String
    public var email: String
    public var keyUser: Bool
    /// Latest login day at or before T; nil when never.
    public var lastLogin: String?
    public var daysSinceLogin: Int?
}

/// An inactive user by key (``Analytics/inactiveUserRows(agency:account:days:)``):
/// what a stored list keeps of it, the rest being the user's own fields.
public struct InactiveUserRow: Sendable, Equatable {
    public var user: Int
    public var account: Int
    /// Latest login day at or before T; nil when never.
    public var lastLoginDay: Int?
}

/// Logins of one day.
public struct LoginDay: Sendable, Equatable, Codable {
    public var date: String
    public var logins: Int
    /// Distinct users with a login that day.
    public var users: Int
}

extension Analytics {
    /// Users of the agency's tracked accounts (or of one account) with no
    /// login in the last `days` days, never-logged-in included: never first,
    /// then days since login descending, ties by user_id.
    public func inactiveUsers(agency: Int, account: Int? = nil, days: Int = 30) -> [InactiveUser] {
        inactiveUserRows(agency: agency, account: account, days: days).map { row in
            InactiveUser(userID: dataset.users.userID(row.user), accountID: dataset.accounts[row.account].accountID,
                         email: dataset.users.email(row.user), keyUser: dataset.users.isKeyUser(row.user),
                         lastLogin: row.lastLoginDay.map(CivilTime.formatDate(days:)), daysSinceLogin: row.lastLoginDay.map { asOf.day - $0 })
        }
    }

    /// The rows of ``inactiveUsers(agency:account:days:)``, in its order,
    /// by key: a stored list refers to each user's own fields rather than
    /// repeating them (108,000 users' ids and emails, 18 MB of a 100 M
    /// night's JSON).
    public func inactiveUserRows(agency: Int, account: Int? = nil, days: Int = 30) -> [InactiveUserRow] {
        let since = asOf.start(lastDays: days)
        var rows: [(row: InactiveUserRow, id: String)] = []
        for a in account.map({ [$0] }) ?? index.trackedAccounts[agency] {
            for user in index.usersOfAccount[a] where lastLoginOfUser[user] < since {
                rows.append((InactiveUserRow(user: user, account: a, lastLoginDay: lastLoginDay(user: user)), dataset.users.userID(user)))
            }
        }
        // Never first, then the longest silent (the earliest last login), ties by user_id.
        rows.sort { a, b in
            switch (a.row.lastLoginDay, b.row.lastLoginDay) {
            case (nil, nil): return a.id < b.id
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?): return x != y ? x < y : a.id < b.id
            }
        }
        return rows.map(\.row)
    }

    /// Daily login counts over the last `days` days (oldest first, every day
    /// present) of one account, optionally only of one of its users.
    public func loginActivity(account: Int, user: Int? = nil, days: Int = 30) -> [LoginDay] {
        let logins = dataset.logins
        let first = asOf.day - days + 1
        var counter = DistinctCounter(keyCount: dataset.users.count)
        // Rows are time-sorted within the account: each day is one contiguous slice.
        return (0 ..< days).map { offset in
            let day = first + offset
            let rows = logins.rows(of: account, from: AsOf.start(ofDay: day), to: AsOf.start(ofDay: day + 1))
            let (count, distinct): (Int, Int)
            if let user {
                count = logins.actors.withUnsafeBufferPointer { actors in
                    var n = 0
                    for i in rows where actors[i] == UInt32(user) { n += 1 }
                    return n
                }
                distinct = count > 0 ? 1 : 0
            } else {
                count = rows.count
                distinct = counter.count(logins.actors, rows: rows)
            }
            return LoginDay(date: CivilTime.formatDate(days: day), logins: count, users: distinct)
        }
    }
}
