import VitalsColumnar
import VitalsStore

/// A feature pushing an account's churn risk up, with its contribution to
/// the log-odds.
public struct ChurnDriver: Sendable, Equatable, Codable {
    public var name: String
    public var contribution: Double
}

/// Logistic regression on standardized ``ChurnFeatures``, fitted on the
/// store's own history: as-of days at least 90 days in the past, whose
/// 90-day outcome (MRR goes to 0) the store already knows.
public struct ChurnModel: Sendable, Equatable, Codable {
    public var names: [String]
    public var means: [Double]
    public var deviations: [Double]
    public var intercept: Double
    public var coefficients: [Double]
    /// How the model came about: "fitted" on history, or the "heuristic"
    /// fallback when the history has too few churners to learn from.
    public var kind: String
    /// The past as-of days the model was fitted on (`YYYY-MM-DD`).
    public var trainingDays: [String]
    public var trainingSamples: Int
    public var trainingChurners: Int
    /// The as-of day (`YYYY-MM-DD`) it was fitted for: the first day of the
    /// week it scores (see ``fitDay(for:)``). Nil in models stored before.
    public var fittedFor: String? = nil

    /// The probability of churn within 90 days.
    public func risk(_ features: ChurnFeatures) -> Double {
        1 / (1 + exp(-logit(features)))
    }

    func logit(_ features: ChurnFeatures) -> Double {
        var z = intercept
        for j in coefficients.indices { z += coefficients[j] * standardized(features.values[j], j) }
        return z
    }

    func standardized(_ value: Double, _ j: Int) -> Double { (value - means[j]) / deviations[j] }

    /// The features that push this account's risk above the average
    /// account's, largest first.
    public func drivers(_ features: ChurnFeatures, limit: Int = 5) -> [ChurnDriver] {
        var drivers: [ChurnDriver] = []
        for j in coefficients.indices {
            let contribution = coefficients[j] * standardized(features.values[j], j)
            if contribution > 0.05 { drivers.append(ChurnDriver(name: names[j], contribution: (contribution * 1000).rounded() / 1000)) }
        }
        drivers.sort { $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.name < $1.name }
        return Array(drivers.prefix(limit))
    }

    /// What a fired signal adds to the log-odds (the model is linear in the
    /// standardized 0/1 feature), rounded to 3 decimals; 0 when the model
    /// does not use the signal.
    public func weight(of signal: RiskSignal) -> Double {
        guard let j = names.firstIndex(of: signal.rawValue), deviations[j] > 0 else { return 0 }
        return (coefficients[j] / deviations[j] * 1000).rounded() / 1000
    }

    /// `hits` with their weights, heaviest first (ties in DESIGN.md's order).
    public func ranked(_ hits: [RiskSignalHit]) -> [RiskSignalHit] {
        let order = Dictionary(uniqueKeysWithValues: RiskSignal.allCases.enumerated().map { ($1, $0) })
        return hits.map { hit in
            var weighed = hit
            weighed.weight = weight(of: hit.signal)
            return weighed
        }.sorted { a, b in
            a.weight! != b.weight! ? a.weight! > b.weight! : order[a.signal]! < order[b.signal]!
        }
    }

    /// Used when the store's history holds too few known outcomes: weights
    /// chosen by hand on the raw (unstandardized) features.
    public static let heuristic: ChurnModel = {
        var coefficients = [Double](repeating: 0, count: ChurnFeatures.names.count)
        let weights: [String: Double] = [
            "health_gap": 3, "no_login_14d": 0.8, "usage_drop": 0.6, "failed_payment": 0.4, "detractor": 0.5,
            "renewal_soon": 0.5, "champion_inactive": 0.6, "logins_vs_own_history": -0.9,
            "usage_vs_own_history": -0.9, "mrr_vs_90_days_ago": -0.8,
        ]
        for (j, name) in ChurnFeatures.names.enumerated() { coefficients[j] = weights[name] ?? 0 }
        let count = ChurnFeatures.names.count
        return ChurnModel(names: ChurnFeatures.names, means: .init(repeating: 0, count: count),
                          deviations: .init(repeating: 1, count: count), intercept: -4, coefficients: coefficients,
                          kind: "heuristic", trainingDays: [], trainingSamples: 0, trainingChurners: 0)
    }()
}

extension ChurnModel {
    /// Fewest churners in the history for a fitted model.
    public static let minimumChurners = 10

    /// Days one model scores: the model is refit once a week, not every night.
    public static let refitDays = 7

    /// The day the model scoring `day` is fitted for: the first day of its
    /// week, weeks counted from 1970-01-01 (a Thursday), like the store's
    /// event epochs. Every path that scores a day (`vitals score`, a backfill,
    /// a tool call computing a day never scored) uses that week's model, so a
    /// day's risk does not depend on who asks.
    public static func fitDay(for day: Int) -> Int {
        day - ((day % refitDays) + refitDays) % refitDays
    }

    /// Fits the model scoring the days of `analytics.asOf`'s week: on the
    /// history before the week's first day (see ``fit(history:maxDays:l2:)``),
    /// stamped with that day.
    public static func fitForWeek(of analytics: Analytics) -> ChurnModel {
        let first = AsOf(day: fitDay(for: analytics.asOf.day))
        let history = first == analytics.asOf ? analytics
            : (try? Analytics(dataset: analytics.dataset, index: analytics.index, asOf: first, config: analytics.config)) ?? analytics
        var model = fit(history: history)
        model.fittedFor = CivilTime.formatDate(days: history.asOf.day)
        return model
    }

    /// Fits the model on the history of `analytics.dataset` before
    /// `analytics.asOf`: as-of days T − 90, T − 97, … as long as the
    /// account's own-history baseline lies inside the data, at most `maxDays`
    /// of them. Falls back to ``heuristic`` when too few churners are known.
    public static func fit(history analytics: Analytics, maxDays: Int = 8, l2: Double = 1.0) -> ChurnModel {
        guard let firstDay = Analytics.firstDay(of: analytics.dataset) else { return .heuristic }
        var pastDays: [Int] = []
        var day = analytics.asOf.day - 90
        while pastDays.count < maxDays && day - ChurnFeatures.historyDays + 1 >= firstDay {
            pastDays.append(day)
            day -= 7
        }
        let trainingDays = pastDays
        // Each past day is independent: build their samples on all cores.
        let samples = parallelMap(trainingDays.count) { index -> (rows: [[Double]], labels: [Double]) in
            guard let past = try? Analytics(dataset: analytics.dataset, index: analytics.index, asOf: AsOf(day: trainingDays[index]),
                                            config: analytics.config) else { return ([], []) }
            var rows: [[Double]] = [], labels: [Double] = []
            for agency in analytics.dataset.agencies.indices {
                let scores = past.agencyScores(agency)
                for (score, inputs) in zip(scores.scores, past.churnFeatures(scores)) where score.facts.mrrCents > 0 {
                    rows.append(inputs.values)
                    labels.append(past.churns(score.account) ? 1 : 0)
                }
            }
            return (rows, labels)
        }
        let rows = samples.flatMap(\.rows), labels = samples.flatMap(\.labels)
        let days = trainingDays.map { CivilTime.formatDate(days: $0) }
        let churners = Int(labels.reduce(0, +))
        guard churners >= minimumChurners, rows.count - churners >= minimumChurners else { return .heuristic }
        return fitLogistic(rows: rows, labels: labels, l2: l2, trainingDays: days)
    }

    /// L2-regularized logistic regression by Newton's method on standardized columns.
    static func fitLogistic(rows: [[Double]], labels: [Double], l2: Double, trainingDays: [String]) -> ChurnModel {
        let n = rows.count, k = ChurnFeatures.names.count
        var means = [Double](repeating: 0, count: k), deviations = means
        for row in rows { for j in 0 ..< k { means[j] += row[j] } }
        for j in 0 ..< k { means[j] /= Double(n) }
        for row in rows { for j in 0 ..< k { deviations[j] += (row[j] - means[j]) * (row[j] - means[j]) } }
        for j in 0 ..< k { deviations[j] = max(sqrt(deviations[j] / Double(n)), 1e-9) }
        // Row-major design matrix with a leading 1 for the intercept.
        let width = k + 1
        var x = [Double](repeating: 1, count: n * width)
        for i in 0 ..< n { for j in 0 ..< k { x[i * width + j + 1] = (rows[i][j] - means[j]) / deviations[j] } }
        var beta = [Double](repeating: 0, count: width)
        for _ in 0 ..< 50 {
            var gradient = [Double](repeating: 0, count: width)
            var hessian = [Double](repeating: 0, count: width * width)
            x.withUnsafeBufferPointer { x in
                hessian.withUnsafeMutableBufferPointer { h in
                    for i in 0 ..< n {
                        let row = UnsafeBufferPointer(rebasing: x[i * width ..< (i + 1) * width])
                        var z = 0.0
                        for j in 0 ..< width { z += beta[j] * row[j] }
                        let p = 1 / (1 + exp(-z)), w = max(p * (1 - p), 1e-12), residual = labels[i] - p
                        for j in 0 ..< width {
                            gradient[j] += residual * row[j]
                            let wj = w * row[j]
                            for l in j ..< width { h[j * width + l] += wj * row[l] }
                        }
                    }
                }
            }
            var matrix = [[Double]](repeating: [], count: width)
            for j in 0 ..< width {
                matrix[j] = (0 ..< width).map { l in l >= j ? hessian[j * width + l] : hessian[l * width + j] }
                if j > 0 {
                    gradient[j] -= l2 * beta[j]
                    matrix[j][j] += l2
                }
            }
            guard let step = solve(matrix, gradient) else { break }
            var largest = 0.0
            for j in 0 ..< width {
                beta[j] += step[j]
                largest = max(largest, abs(step[j]))
            }
            if largest < 1e-8 { break }
        }
        return ChurnModel(names: ChurnFeatures.names, means: means, deviations: deviations, intercept: beta[0],
                          coefficients: Array(beta.dropFirst()), kind: "fitted", trainingDays: trainingDays,
                          trainingSamples: n, trainingChurners: Int(labels.reduce(0, +)))
    }

    /// Solves `a · x = b` by Gaussian elimination with partial pivoting.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        var m = a, v = b
        let n = v.count
        for col in 0 ..< n {
            guard let pivot = (col ..< n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[pivot][col]) > 1e-12 else { return nil }
            m.swapAt(col, pivot)
            v.swapAt(col, pivot)
            for row in col + 1 ..< n {
                let factor = m[row][col] / m[col][col]
                if factor == 0 { continue }
                for c in col ..< n { m[row][c] -= factor * m[col][c] }
                v[row] -= factor * v[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = v[row]
            for c in row + 1 ..< n { sum -= m[row][c] * x[c] }
            x[row] = sum / m[row][row]
        }
        return x
    }
}

extension Analytics {
    /// The earliest day of any login or feature use (the skipped events' too).
    public static func firstDay(of dataset: Dataset) -> Int? {
        var first: Int64? = dataset.earlier?.firstTimestamp
        for columns in [dataset.logins, dataset.featureUsage] {
            for account in 0 ..< columns.partitionCount {
                let rows = columns.rows(of: account)
                if !rows.isEmpty { first = min(first ?? columns.timestamps[rows.lowerBound], columns.timestamps[rows.lowerBound]) }
            }
        }
        return first.map { CivilTime.day(ofSeconds: $0) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
