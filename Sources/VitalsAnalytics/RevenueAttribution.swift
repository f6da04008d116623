import VitalsColumnar
import VitalsStore

/// The five MRR movements of DESIGN.md's "Monthly movements".
public enum MRRMovement: String, Sendable, Codable, CaseIterable {
    case new, reactivation, expansion, contraction, churn

    /// The movement of an account whose MRR was `start` at a month's start
    /// day and `end` at its end day; nil when it made none (unchanged, or
    /// 0 → 0).
    /// - Parameter hadPositiveMRR: whether the account has an MRR row above 0
    ///   dated on or before the start day (tells reactivation from new).
    public init?(start: Int64, end: Int64, hadPositiveMRR: Bool) {
        if start == 0 && end > 0 {
            self = hadPositiveMRR ? .reactivation : .new
        } else if start > 0 && end == 0 {
            self = .churn
        } else if end > start && start > 0 {
            self = .expansion
        } else if end < start && end > 0 {
            self = .contraction
        } else {
            return nil
        }
    }
}

/// One calendar month of the movements: start = MRR at the last day of the
/// month before, end = MRR at the month's last day, capped at T.
public struct MovementMonth: Sendable, Equatable {
    /// `YYYY-MM`.
    public var month: String
    public var startDay: Int
    public var endDay: Int
}

/// One account's MRR over one ``MovementMonth``.
public struct AccountMonthMRR: Sendable, Equatable {
    public var startMRRCents: Int64
    public var endMRRCents: Int64
    /// The date of the latest MRR row in (start day, end day]: the row that
    /// set the end value; nil when no row falls in the month.
    public var changedOn: Int?
    /// nil when the account made no movement.
    public var movement: MRRMovement?

    /// The cents ``MonthlyMovements`` sums for the movement: the end MRR of a
    /// new or reactivated account, the start MRR of a churned one, the
    /// difference otherwise — in every case |end − start|.
    public var amountCents: Int64 { abs(endMRRCents - startMRRCents) }
}

/// An account's movement in one month, as `list_revenue_movements` reports it.
public struct AccountMovement: Sendable, Equatable {
    /// `YYYY-MM`.
    public var month: String
    public var account: Int
    public var movement: MRRMovement
    public var startMRRCents: Int64
    public var endMRRCents: Int64
    /// The day of the MRR row that set the end value.
    public var changedOn: Int

    /// end − start, signed: negative for contraction and churn.
    public var changeCents: Int64 { endMRRCents - startMRRCents }
}

extension MonthlyMovements {
    /// The sum and count of one movement.
    public subscript(movement: MRRMovement) -> MoneyCount {
        get {
            switch movement {
            case .new: new
            case .reactivation: reactivation
            case .expansion: expansion
            case .contraction: contraction
            case .churn: churn
            }
        }
        set {
            switch movement {
            case .new: new = newValue
            case .reactivation: reactivation = newValue
            case .expansion: expansion = newValue
            case .contraction: contraction = newValue
            case .churn: churn = newValue
            }
        }
    }
}

extension Analytics {
    /// The `months` calendar months ending with T's month, oldest first.
    public func movementMonths(_ months: Int) -> [MovementMonth] {
        let (year, month, _) = CivilTime.date(fromDays: asOf.day)
        let firstOfTMonth = CivilTime.days(year: year, month: month, day: 1)
        return stride(from: months - 1, through: 0, by: -1).map { back in
            let first = CivilTime.adding(months: -back, toDay: firstOfTMonth)
            let (y, m, _) = CivilTime.date(fromDays: first)
            return MovementMonth(month: String(CivilTime.formatDate(days: first).prefix(7)), startDay: first - 1,
                                 endDay: min(first + CivilTime.daysInMonth(year: y, month: m) - 1, asOf.day))
        }
    }

    /// An account's MRR at the start and end of `month`, the day it last
    /// changed within the month, and its movement: one pass over its rows,
    /// with MRR(a, d)'s rule (the latest row dated ≤ d; of two on one date,
    /// the one ingested last). Both ``monthlyMovements(agency:months:)`` and
    /// ``accountMovements(agency:months:account:)`` classify through it.
    public func monthMRR(of account: Int, in month: MovementMonth) -> AccountMonthMRR {
        var start: Int64 = 0, end: Int64 = 0, changedOn: Int?, hadPositive = false
        for row in index.mrrRows(of: account) {
            let change = dataset.mrrChanges[row]
            if change.day > month.endDay { break }
            if change.day <= month.startDay {
                start = change.mrrCents
                if change.mrrCents > 0 { hadPositive = true }
            } else {
                changedOn = change.day
            }
            end = change.mrrCents
        }
        return AccountMonthMRR(startMRRCents: start, endMRRCents: end, changedOn: changedOn,
                               movement: MRRMovement(start: start, end: end, hadPositiveMRR: hadPositive))
    }

    /// Which tracked accounts made the MRR movements of the `months` calendar
    /// months ending with T's month: month descending, then |change|
    /// descending, then account_id. Per month and movement, the sum of
    /// |change| and the count equal ``monthlyMovements(agency:months:)``'s.
    /// - Parameter account: only this tracked account of `agency`.
    /// - Complexity: O(months × (accounts + their MRR rows)), then a sort.
    public func accountMovements(agency: Int, months: Int = 12, account: Int? = nil) -> [AccountMovement] {
        let accounts = account.map { [$0] } ?? index.trackedAccounts[agency]
        var result: [AccountMovement] = []
        for month in movementMonths(months) {
            for account in accounts {
                let mrr = monthMRR(of: account, in: month)
                // A movement means end ≠ start, so a row fell in the month.
                guard let movement = mrr.movement, let changedOn = mrr.changedOn else { continue }
                result.append(AccountMovement(month: month.month, account: account, movement: movement, startMRRCents: mrr.startMRRCents,
                                              endMRRCents: mrr.endMRRCents, changedOn: changedOn))
            }
        }
        result.sort { a, b in
            if a.month != b.month { return a.month > b.month }
            let ca = a.changeCents.magnitude, cb = b.changeCents.magnitude
            if ca != cb { return ca > cb }
            return dataset.accounts[a.account].accountID < dataset.accounts[b.account].accountID
        }
        return result
    }
}
