/// Writes feedback.csv: a few NPS responses per account inside the event
/// window, lower while an account declines towards churn.
struct FeedbackGenerator {
    private let config: DataGenConfig

    init(config: DataGenConfig) {
        self.config = config
    }

    /// Writes every account's responses, in account order then time order.
    func write(population: Population, to file: CSVFileWriter) {
        let asOf = config.asOfDay
        let windowStart = asOf - config.days + 1
        for (a, account) in population.accounts.enumerated() {
            var rng = Xoshiro256StarStar(seed: config.seed, stream: Population.Stream.feedback.id(a))
            let first = max(account.createdDay, windowStart)
            let last = account.lastActiveDay(asOfDay: asOf)
            guard first <= last else { continue }
            let users = population.users[account.firstUser..<(account.firstUser + account.userCount)]
            let respondents = users.filter { $0.activityWeight > 0 }.map(\.id)
            let declineStart = account.decline.map { max($0.start, first) }
            var count = rng.poisson(1.6)
            if let declineStart, declineStart <= last { count += 1 }
            var rows: [(day: Int, second: Int, user: String, score: Int, comment: String)] = []
            for _ in 0..<count {
                let day: Int
                if let declineStart, declineStart <= last, rng.chance(0.6) {
                    day = rng.int(in: declineStart...last)
                } else {
                    day = rng.int(in: first...last)
                }
                let declining = account.decline.map { day >= $0.start } ?? false
                let mean = declining ? 3.8 : account.npsMean
                let score = min(10, max(0, Int(rng.normal(mean: mean, deviation: 1.6).rounded())))
                let pool = score >= 9 ? NameBank.promoterComments
                    : score >= 7 ? NameBank.passiveComments : NameBank.detractorComments
                let comment = rng.chance(0.3) ? "" : rng.pick(pool)
                let user = respondents.isEmpty ? users[users.startIndex].id : rng.pick(respondents)
                rows.append((day, BusinessHours.secondOfDay(rng.next(), table: hourTable), user, score, comment))
            }
            rows.sort { ($0.day, $0.second, $0.user) < ($1.day, $1.second, $1.user) }
            for row in rows {
                file.timestampField(day: row.day, second: row.second)
                file.field(account.id)
                file.field(row.user)
                file.field(row.score)
                file.field(row.comment)
                file.endRow()
            }
        }
    }

    private let hourTable = BusinessHours.hourTable()
}
