/// Writes mrr.csv (a change log per account) and payments.csv (monthly
/// invoices while MRR > 0, with failures, recoveries and refunds).
///
/// MRR starts at the plan price on the created day, moves by occasional
/// expansions and contractions, drops to 0 on a historical churn day (and
/// for reactivated accounts, comes back later). Declining churners downgrade
/// and fail payments more often. Nothing after T is written.
struct RevenueGenerator {
    private let config: DataGenConfig

    init(config: DataGenConfig) {
        self.config = config
    }

    /// A row of mrr.csv.
    struct Change: Equatable {
        var day: Int
        var cents: Int
    }

    /// Writes both files for every account, in account order.
    func write(population: Population, mrr: CSVFileWriter, payments: CSVFileWriter) {
        var invoiceNumber = 0
        for (a, account) in population.accounts.enumerated() {
            var rng = Xoshiro256StarStar(seed: config.seed, stream: Population.Stream.revenue.id(a))
            let changes = mrrChanges(of: account, rng: &rng)
            for change in changes {
                mrr.dateField(change.day)
                mrr.field(account.id)
                mrr.field(change.cents)
                mrr.endRow()
            }
            for payment in self.payments(of: account, changes: changes, invoiceNumber: &invoiceNumber, rng: &rng) {
                payments.timestampField(day: payment.day, second: payment.second)
                payments.field(account.id)
                payments.field(payment.invoice)
                payments.field(payment.cents)
                payments.field(payment.status)
                payments.endRow()
            }
        }
    }

    /// The account's MRR change log up to T, in date order.
    func mrrChanges(of account: AccountProfile, rng: inout Xoshiro256StarStar) -> [Change] {
        let asOf = config.asOfDay
        let end = account.fate.churnDay.map { $0 <= asOf ? $0 : asOf + 1 } ?? asOf + 1
        var phases: [(start: Int, end: Int)] = [(account.createdDay, end)]
        if let back = account.reactivation {
            phases = [(account.createdDay, back.churnDay), (back.returnDay, end)]
        }
        var cents = account.plan.mrrCents(seats: account.seats)
        var changes: [Change] = []
        for (number, phase) in phases.enumerated() {
            if number > 0 {
                // Won back, often on a cheaper deal.
                cents = Self.roundedPrice(Double(cents) * rng.double(in: 0.7...1.0))
            }
            changes.append(Change(day: phase.start, cents: cents))
            var month = 1
            while true {
                let monthStart = CivilDay.adding(months: month, to: phase.start)
                guard monthStart < phase.end else { break }
                month += 1
                let day = monthStart + rng.below(28)
                guard day < phase.end else { continue }
                let declining = account.decline.map { day >= $0.start } ?? false
                let roll = rng.unit()
                let factor: Double
                if declining, roll < 0.22 {
                    factor = rng.double(in: 0.5...0.85)
                } else if roll < 0.035 {
                    factor = rng.double(in: 1.15...1.6)
                } else if roll < 0.05 {
                    factor = rng.double(in: 0.6...0.9)
                } else {
                    continue
                }
                let next = Self.roundedPrice(Double(cents) * factor)
                if next != cents {
                    cents = next
                    changes.append(Change(day: day, cents: cents))
                }
            }
            if phase.end <= asOf { changes.append(Change(day: phase.end, cents: 0)) }
        }
        return changes
    }

    /// A price rounded to whole dollars, at least $29.
    private static func roundedPrice(_ cents: Double) -> Int {
        max(2_900, Int((cents / 100).rounded()) * 100)
    }

    /// A row of payments.csv.
    struct Payment {
        var day: Int
        var second: Int
        var invoice: String
        var cents: Int
        var status: String
        /// Creation order, so rows of one timestamp keep a fixed order.
        var sequence: Int
    }

    /// Monthly invoices on the account's billing day while its MRR is
    /// positive, up to T, in time order.
    func payments(
        of account: AccountProfile, changes: [Change], invoiceNumber: inout Int, rng: inout Xoshiro256StarStar
    ) -> [Payment] {
        let asOf = config.asOfDay
        let serviceEnd = account.lastActiveDay(asOfDay: asOf)
        var rows: [Payment] = []
        func add(_ day: Int, _ second: Int, _ invoice: String, _ cents: Int, _ status: String) {
            rows.append(Payment(
                day: day, second: second, invoice: invoice, cents: cents, status: status, sequence: rows.count
            ))
        }
        var month = 0
        var changeIndex = 0
        while true {
            let day = CivilDay.adding(months: month, to: account.createdDay)
            month += 1
            guard day <= asOf else { break }
            while changeIndex + 1 < changes.count, changes[changeIndex + 1].day <= day { changeIndex += 1 }
            let cents = changes[changeIndex].cents
            guard cents > 0 else { continue }
            invoiceNumber += 1
            let invoice = "inv_" + Population.padded(invoiceNumber, 7)
            let declining = account.decline.map { day >= $0.start } ?? false
            let second = rng.int(in: 6 * 3600...8 * 3600)
            if rng.chance(declining ? 0.30 : 0.035) {
                add(day, second, invoice, cents, "failed")
                let retry = day + rng.int(in: 1...6)
                if rng.chance(declining ? 0.35 : 0.65), retry <= asOf, retry <= serviceEnd {
                    add(retry, rng.int(in: 6 * 3600...20 * 3600), invoice, cents, "succeeded")
                }
            } else {
                add(day, second, invoice, cents, "succeeded")
                let refund = day + rng.int(in: 1...12)
                if rng.chance(0.008), refund <= asOf {
                    add(refund, rng.int(in: 9 * 3600...18 * 3600), invoice, cents, "refunded")
                }
            }
        }
        return rows.sorted { ($0.day, $0.second, $0.sequence) < ($1.day, $1.second, $1.sequence) }
    }
}
