/// Expected event volume of every (day, account) cell of the window:
/// the account's base level × weekday seasonality × its activity story ×
/// daily log-normal noise. Events are later allocated to cells in
/// proportion to these weights.
struct ActivityGrid {
    /// Weights, day-major: cell `day * accounts + account`.
    private(set) var weights: [Float]
    /// Sum of ``weights`` in cell order (the order the allocation walks).
    private(set) var total: Double = 0
    /// The last cell with a positive weight, or -1.
    private(set) var lastPositiveCell = -1
    let days: Int
    let accounts: Int

    /// Relative volume by weekday (Monday first): weekends at 40 % of weekdays.
    static let weekdayFactor: [Double] = [1.08, 1.04, 1.0, 0.98, 0.9, 0.4, 0.4]

    init(population: Population, config: DataGenConfig) {
        days = config.days
        accounts = population.accounts.count
        weights = Array(repeating: 0, count: days * accounts)
        let asOf = config.asOfDay
        let windowStart = asOf - days + 1
        for (a, account) in population.accounts.enumerated() {
            var rng = Xoshiro256StarStar(seed: config.seed, stream: Population.Stream.activity.id(a))
            let level = account.baseActivity * Double(account.userCount)
            for d in 0..<days {
                let day = windowStart + d
                let noise = rng.logNormal(mu: -0.06, sigma: 0.35)
                let m = account.activityMultiplier(on: day, asOfDay: asOf)
                guard m > 0 else { continue }
                weights[d * accounts + a] = Float(level * Self.weekdayFactor[CivilDay.weekday(of: day)] * m * noise)
            }
        }
        for (cell, w) in weights.enumerated() where w > 0 {
            total += Double(w)
            lastPositiveCell = cell
        }
    }
}
