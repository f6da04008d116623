import VitalsColumnar
import VitalsStore

/// Fitting the churn model on the store's own history, knowing how little
/// it may know: the penalty chosen by time-based cross-validation, the fit
/// tested against the prior on the most recent labelled day, blended with
/// the prior when that ranks better, and calibrated on that day.
extension ChurnModel {
    /// Fewest churners in the history (and on the holdout day) for a fit.
    public static let minimumChurners = 10
    static let minimumHoldoutChurners = 5
    /// Candidate L2 penalties per sample, chosen by cross-validation.
    static let penalties: [Double] = [0.0003, 0.003, 0.03, 0.3]
    /// Candidate weights of the fit in its blend with the prior.
    static let blendWeights: [Double] = [0, 0.25, 0.5, 0.75, 1]
    /// Rows a cross-validation fit uses at most (an even sample of the rest).
    static let crossValidationRows = 30_000

    /// The shorter outcome the fit also learns: churn within 30 days.
    public static let imminentDays = 30

    /// Labelled samples of past as-of days: features, outcome, day index.
    struct Samples {
        var rows: [[Double]] = []
        /// 1 when the account churned within 90 days of its day.
        var labels: [Double] = []
        /// 1 when it churned within ``ChurnModel/imminentDays``.
        var soon: [Double] = []
        /// Index into the training days, 0 = the most recent.
        var days: [Int] = []

        var churners: Int { Int(labels.reduce(0, +)) }
        var imminentChurners: Int { Int(soon.reduce(0, +)) }

        func subset(_ keep: (Int) -> Bool) -> Samples {
            var result = Samples()
            for i in rows.indices where keep(i) {
                result.rows.append(rows[i])
                result.labels.append(labels[i])
                result.soon.append(soon[i])
                result.days.append(days[i])
            }
            return result
        }
    }

    /// Fits the model on the history of `analytics.dataset` before
    /// `analytics.asOf`: as-of days T − 90, T − 97, … as long as the
    /// account's own-history baseline lies inside the data, at most `maxDays`
    /// of them; each paying tracked account of a day is a sample, labelled by
    /// whether its MRR went to 0 in the 90 days after.
    ///
    /// The most recent of those days is the holdout. The penalty is chosen by
    /// cross-validation over the older days (folds of whole days, so a fold
    /// is a stretch of time); the fit on the older days is blended with the
    /// ``prior(config:)`` at the weight that ranks the holdout best (the
    /// prior alone when the fit does not beat it), calibrated there (Platt),
    /// and the fit is then redone on every day at the same penalty. With too
    /// few churners for that, the prior scores: calibrated on the samples
    /// when there are any churners to calibrate on.
    public static func fit(history analytics: Analytics, maxDays: Int = trainingDayCount) -> ChurnModel {
        var prior = prior(config: analytics.config)
        guard let firstDay = Analytics.firstDay(of: analytics.dataset) else {
            prior.reason = "no events to learn from: the prior scores"
            return prior
        }
        let pastDays = trainingDays(of: analytics, firstDay: firstDay, maxDays: maxDays)
        let samples = Self.samples(of: analytics, days: pastDays)
        let dayNames = pastDays.map { CivilTime.formatDate(days: $0) }
        let churners = samples.churners, count = samples.rows.count
        guard churners >= minimumChurners, count - churners >= minimumChurners else {
            prior.reason = pastDays.isEmpty
                ? "the history is shorter than \(90 + ChurnFeatures.historyDays) days, so no outcome is known yet: the prior scores, uncalibrated"
                : "\(churners) known churners in the history (\(minimumChurners) needed): the prior scores, uncalibrated"
            return prior
        }
        let holdout = samples.subset { samples.days[$0] == 0 }, older = samples.subset { samples.days[$0] > 0 }
        guard holdout.churners >= minimumHoldoutChurners, older.churners >= minimumChurners, older.rows.count - older.churners >= minimumChurners else {
            let calibration = platt(samples.rows.map(prior.logit), samples.labels)
            var model = prior.blended(with: nil, fittedWeight: 0, slope: calibration.slope, offset: calibration.offset)
            model.trainingDays = dayNames
            model.trainingSamples = count
            model.trainingChurners = churners
            model.floor = Double(churners) / Double(count)
            model.reason = "too few churners to hold a day out and still fit (\(holdout.churners) on the latest labelled day, "
                + "\(older.churners) before): the prior scores, calibrated on the \(count) samples"
            return model.centringUnseenInputs(history: samples, on: analytics)
        }

        let penalty = choosePenalty(older)
        let fittedOnOlder = fitHorizons(older, l2: penalty * Double(older.rows.count), trainingDays: [])
        let outcomes = holdout.labels.map { $0 == 1 }
        let zFit = holdout.rows.map(fittedOnOlder.logit), zPrior = holdout.rows.map(prior.logit)
        func auc(_ scores: [Double]) -> Double { Evaluation.auc(scores: scores, labels: outcomes) ?? 0.5 }
        let health = holdout.rows.map { -HealthComponents(leadingValuesOf: $0).weightedSum(analytics.config.weights) }
        var best = (weight: 0.0, auc: -1.0, z: zPrior)
        for weight in blendWeights {
            let z = zip(zFit, zPrior).map { weight * $0 + (1 - weight) * $1 }
            let value = auc(z)
            if value >= best.auc { best = (weight, value, z) }
        }
        let calibration = platt(best.z, holdout.labels)
        let report = ChurnHoldout(
            day: dayNames[0], samples: holdout.rows.count, churners: holdout.churners,
            aucFitted: auc(zFit), aucPrior: auc(zPrior), aucHealth: auc(health), aucChosen: best.auc,
            brierUncalibrated: Evaluation.brier(probabilities: best.z.map(sigmoid), labels: outcomes),
            brierCalibrated: Evaluation.brier(probabilities: best.z.map { sigmoid(calibration.slope * $0 + calibration.offset) }, labels: outcomes),
            l2PerSample: penalty, fittedWeight: best.weight,
            calibrationSlope: calibration.slope, calibrationOffset: calibration.offset)

        let fitted = best.weight > 0 ? fitHorizons(samples, l2: penalty * Double(count), trainingDays: dayNames) : nil
        var model = prior.blended(with: fitted, fittedWeight: best.weight, slope: calibration.slope, offset: calibration.offset)
        model.kind = best.weight == 1 ? "fitted" : best.weight == 0 ? "prior" : "blended"
        model.trainingDays = dayNames
        model.trainingSamples = count
        model.trainingChurners = churners
        model.holdout = report
        model.floor = Double(churners) / Double(count)
        model.reason = best.weight == 1 ? "the fit ranks the holdout at least as well as any blend with the prior"
            : best.weight == 0 ? "the fit does not beat the prior on the holdout"
            : "a blend of the fit and the prior ranks the holdout best"
        return model.centringUnseenInputs(history: samples, on: analytics)
    }

    /// Days after a past day in which its outcome (churn or not) is learnt.
    static let outcomeDays = 90

    /// The past as-of days a fit learns from at most.
    public static let trainingDayCount = 8

    /// The earliest past day a fit for the week that starts on `fitDay`
    /// can learn from (``trainingDays(of:firstDay:maxDays:)``): the fit
    /// reads no event before that day's lookback.
    public static func earliestTrainingDay(forWeek fitDay: Int) -> Int {
        fitDay - outcomeDays - 7 * (trainingDayCount - 1)
    }

    /// The past as-of days a fit for `analytics.asOf` learns from, newest
    /// first: T − 90, T − 97, … while their own-history windows lie in the data.
    static func trainingDays(of analytics: Analytics, firstDay: Int, maxDays: Int) -> [Int] {
        trainingDays(before: analytics.asOf.day, firstDay: firstDay, maxDays: maxDays)
    }

    /// The past as-of days a fit as of `asOf` learns from, on events from
    /// `firstDay` on: T − 90, T − 97, … (see ``trainingDays(of:firstDay:maxDays:)``).
    static func trainingDays(before asOf: Int, firstDay: Int, maxDays: Int = trainingDayCount) -> [Int] {
        var days: [Int] = []
        var day = asOf - outcomeDays
        while days.count < maxDays && day - ChurnFeatures.historyDays + 1 >= firstDay {
            days.append(day)
            day -= 7
        }
        return days
    }

    /// Samples a fit learns from at most: on a bigger store, an even sample
    /// of its agencies (a model of 31 weights learns no more from more).
    static let maximumSamples = 60_000

    /// ``maximumSamples``, unless a test lowers it (a small store's fit
    /// then samples its agencies, as a big store's does). Read where a
    /// fit's sample is chosen, on the thread that starts the fit.
    @TaskLocal public static var sampleLimit = maximumSamples

    /// Rows (logins and feature uses) of the accounts that
    /// ``samples(of:days:maximum:)`` reads together, day after day: they stay
    /// in a core's cache (a few hundred KB) from one day to the next.
    static let samplesBlockRows = 16_384

    /// The labelled samples of `days` (built on all cores), from every k-th
    /// agency when all of them would give more than `maximum`; in day order,
    /// then agency and account order.
    static func samples(of analytics: Analytics, days: [Int], maximum: Int = sampleLimit) -> Samples {
        let agencies = sampledAgencies(trackedAccounts: analytics.index.trackedAccounts, dayCount: days.count, maximum: maximum)
        // Each day's analytics once (each reads the sampled accounts' logins,
        // or every login when all agencies are sampled, for their users'
        // last logins).
        guard !days.isEmpty else { return Samples() }
        let sampled = agencies.count == analytics.index.trackedAccounts.count ? nil : agencies.flatMap { analytics.index.trackedAccounts[$0] }
        let pasts = parallelMap(days.count) { index in
            try? Analytics(dataset: analytics.dataset, index: analytics.index, asOf: AsOf(day: days[index]), config: analytics.config,
                           lastLoginsOf: sampled)
        }
        // Then what each account reads from its rows, on all cores, a few
        // accounts' days one after another: their rows are read from memory
        // once, not once a day (the days' windows overlap by weeks).
        let accounts = sampled ?? analytics.index.trackedAccounts.flatMap { $0 }
        let chunks = min(accounts.count, 16)
        let read = parallelMap(chunks) { chunk -> [[(AccountReading, ChurnEvidence)]] in
            var users = DistinctCounter(keyCount: analytics.dataset.users.count)
            var features = DistinctCounter(keyCount: analytics.dataset.features.count)
            var perDay = pasts.map { _ in [(AccountReading, ChurnEvidence)]() }
            let mine = accounts[(chunk * accounts.count / chunks) ..< ((chunk + 1) * accounts.count / chunks)]
            var first = mine.startIndex
            while first < mine.endIndex {
                // A block: accounts until their rows fill ``samplesBlockRows``.
                var end = first, rows = 0
                while end < mine.endIndex && (end == first || rows < samplesBlockRows) {
                    rows += analytics.dataset.logins.rows(of: mine[end]).count + analytics.dataset.featureUsage.rows(of: mine[end]).count
                    end += 1
                }
                for (index, past) in pasts.enumerated() {
                    guard let past else { continue }
                    for account in mine[first ..< end] {
                        let reading = past.reading(of: account, users: &users, features: &features)
                        perDay[index].append((reading, past.churnEvidence(of: reading.facts, users: &users, features: &features)))
                    }
                }
                first = end
            }
            users.recycle()
            features.recycle()
            return perDay
        }
        // Then each day's agencies: their scores, and the churn inputs
        // against the agencies' medians.
        let perDay = parallelMap(days.count) { index -> Samples in
            guard let past = pasts[index] else { return Samples() }
            let day = read.flatMap { $0[index] }
            var samples = Samples(), first = 0
            for agency in agencies {
                let count = analytics.index.trackedAccounts[agency].count
                let readings = day[first ..< first + count]
                first += count
                let scores = past.agencyScores(agency, readings: readings.map(\.0), everUsed: [])
                let inputs = past.churnFeatures(scores, evidence: readings.map(\.1))
                for (score, inputs) in zip(scores.scores, inputs) where score.facts.mrrCents > 0 {
                    samples.rows.append(inputs.values)
                    // One read of the account's MRR log gives both outcomes.
                    let churnDay = past.churnDay(score.account)
                    samples.labels.append(churnDay == nil ? 0 : 1)
                    samples.soon.append(churnDay.map { $0 <= days[index] + imminentDays } == true ? 1 : 0)
                    samples.days.append(index)
                }
            }
            return samples
        }
        var all = Samples()
        for day in perDay {
            all.rows += day.rows
            all.labels += day.labels
            all.soon += day.soon
            all.days += day.days
        }
        return all
    }

    /// The agencies (keys) whose tracked accounts are the samples of a fit
    /// over `dayCount` past days: every k-th, k the smallest that keeps the
    /// samples within `maximum` (every agency: k = 1).
    static func sampledAgencies(trackedAccounts: [[Int]], dayCount: Int, maximum: Int = sampleLimit) -> [Int] {
        let tracked = trackedAccounts.reduce(0) { $0 + $1.count }
        let step = max(1, (tracked * dayCount + maximum - 1) / maximum)
        return Array(stride(from: 0, to: trackedAccounts.count, by: step))
    }

    /// The accounts whose past days the fit for the week starting `fitDay`
    /// reads (``fitForWeek(of:)``), on a store of these tracked accounts
    /// (by agency) whose events start on `firstDay`: its sampled agencies'
    /// tracked accounts. Nil when it reads every agency's, or no past day.
    /// A windowed load decodes their older events alone
    /// (``VitalsStore/Store/loadDataset(eventsFrom:longerHistory:)``).
    public static func accountsLearntFrom(trackedAccounts: [[Int]], fitDay: Int, firstDay: Int) -> [Int]? {
        let days = trainingDays(before: fitDay, firstDay: firstDay)
        let agencies = sampledAgencies(trackedAccounts: trackedAccounts, dayCount: days.count)
        guard !days.isEmpty, agencies.count < trackedAccounts.count else { return nil }
        return agencies.flatMap { trackedAccounts[$0] }
    }

    /// The penalty per sample with the lowest mean log loss over folds of
    /// whole days (up to three stretches of consecutive days), each fold
    /// predicted by a fit on the others.
    static func choosePenalty(_ samples: Samples) -> Double {
        let days = Array(Set(samples.days)).sorted()
        guard days.count >= 2 else { return 0.03 }
        let foldCount = min(3, days.count)
        let foldOfDay = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0 * foldCount / days.count) })
        let stride = max(1, (samples.rows.count + crossValidationRows - 1) / crossValidationRows)
        // One job per fold: its penalties from the largest down, each fit
        // starting from the one before.
        let perFold = parallelMap(foldCount) { fold -> [Double] in
            let training = samples.subset { foldOfDay[samples.days[$0]] != fold && $0 % stride == 0 }
            let validation = samples.subset { foldOfDay[samples.days[$0]] == fold }
            guard training.churners > 0, training.churners < training.rows.count, !validation.rows.isEmpty else {
                return penalties.map { _ in .nan }
            }
            let design = LogisticDesign(rows: training.rows)
            var beta: [Double]? = nil
            var losses = [Double](repeating: .nan, count: penalties.count)
            for p in penalties.indices.reversed() {
                beta = design.fit(labels: training.labels, l2: penalties[p] * Double(training.rows.count), start: beta, tolerance: 1e-3)
                let model = design.model(beta!, labels: training.labels, trainingDays: [])
                losses[p] = Evaluation.logLoss(probabilities: validation.rows.map { sigmoid(model.logit($0)) },
                                               labels: validation.labels.map { $0 == 1 })
            }
            return losses
        }
        var best = (penalty: 0.03, loss: Double.infinity)
        for (p, penalty) in penalties.enumerated() {
            let values = perFold.map { $0[p] }.filter { !$0.isNaN }
            guard !values.isEmpty else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            if mean < best.loss { best = (penalty, mean) }
        }
        return best.penalty
    }

    /// Platt scaling: the slope and offset of σ(slope · z + offset) with the
    /// least log loss on `labels`: damped Newton steps, halved until the loss
    /// falls, the slope kept at 0.05 or more so that a calibration never
    /// reverses a ranking.
    static func platt(_ z: [Double], _ labels: [Double]) -> (slope: Double, offset: Double) {
        func loss(_ a: Double, _ b: Double) -> Double {
            var sum = 0.0
            for (x, y) in zip(z, labels) {
                let m = (a * x + b) * (y == 1 ? 1 : -1)
                sum += m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m))
            }
            return sum
        }
        var a = 1.0, b = 0.0, current = loss(a, b)
        for _ in 0 ..< 100 {
            var ga = 0.0, gb = 0.0, haa = 1e-9, hab = 0.0, hbb = 1e-9
            for (x, y) in zip(z, labels) {
                let p = 1 / (1 + exp(-(a * x + b))), w = max(p * (1 - p), 1e-12), r = y - p
                ga += r * x
                gb += r
                haa += w * x * x
                hab += w * x
                hbb += w
            }
            let det = haa * hbb - hab * hab
            guard det > 0, det.isFinite else { break }
            var da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det
            var next = (a: max(0.05, a + da), b: b + db), nextLoss = loss(next.a, next.b)
            while !(nextLoss <= current) && abs(da) + abs(db) > 1e-12 {
                da /= 2
                db /= 2
                next = (max(0.05, a + da), b + db)
                nextLoss = loss(next.a, next.b)
            }
            guard nextLoss <= current else { break }
            let moved = abs(next.a - a) + abs(next.b - b)
            (a, b, current) = (next.a, next.b, nextLoss)
            if moved < 1e-10 { break }
        }
        return (a, b)
    }

    /// Accounts a centring mean is taken over at most: a share known to
    /// within a percent is plenty.
    static let centringSamples = 5_000

    /// The model with each input the history never saw vary (`renewal_soon`
    /// and `renewal_within_90d` when no renewal on file, nor a yearly
    /// anniversary of one, falls near a past day) centred on its mean among the paying accounts
    /// of `analytics.asOf`, the day the model is fitted for. The model was
    /// calibrated where those inputs added nothing; centred, they move risk
    /// between accounts (one renewing soon above one that is not) without
    /// raising the expected churn of the whole book by their prior weight.
    func centringUnseenInputs(history: Samples, on analytics: Analytics) -> ChurnModel {
        guard let first = history.rows.first else { return self }
        let unseen = coefficients.indices.filter { j in coefficients[j] != 0 && history.rows.allSatisfy { $0[j] == first[j] } }
        guard !unseen.isEmpty else { return self }
        let present = Self.samples(of: analytics, days: [analytics.asOf.day], maximum: Self.centringSamples).rows
        guard !present.isEmpty else { return self }
        var model = self
        var shares: [String] = []
        for j in unseen {
            // The history's constant keeps its place in the intercept: the
            // present mean is where the input now adds nothing.
            let mean = present.reduce(0) { $0 + $1[j] } / Double(present.count)
            model.intercept += coefficients[j] * (first[j] - means[j]) / deviations[j]
            model.means[j] = mean
            shares.append("\(Int((100 * mean).rounded())) %")
        }
        let inputs = unseen.map { names[$0] }.joined(separator: ", ")
        model.reason = (reason.map { $0 + "; " } ?? "") + "\(inputs) never varied in the history: the prior weighs "
            + (unseen.count == 1 ? "it" : "them") + ", centred on this week's paying accounts (" + shares.joined(separator: ", ") + " of them)"
        return model
    }

    /// `self` (a prior on raw features) blended with a fit at
    /// `fittedWeight`, then calibrated: one linear model on the fit's
    /// standardized features, σ(slope · (w·z_fit + (1 − w)·z_prior) + offset).
    func blended(with fitted: ChurnModel?, fittedWeight w: Double, slope: Double, offset: Double) -> ChurnModel {
        var model = fitted ?? self
        let k = coefficients.count
        if let fitted {
            var intercept = w * fitted.intercept + (1 - w) * self.intercept
            for j in 0 ..< k {
                if fitted.deviations[j] < 1e-6 {
                    // The history never saw this feature vary (a renewal input
                    // when no renewal fell near a past day): the prior weighs it.
                    model.deviations[j] = 1
                    model.coefficients[j] = coefficients[j]
                    continue
                }
                // The prior's raw weight on the fit's standardized scale.
                intercept += (1 - w) * coefficients[j] * fitted.means[j]
                model.coefficients[j] = w * fitted.coefficients[j] + (1 - w) * coefficients[j] * fitted.deviations[j]
            }
            model.intercept = intercept
        }
        model.intercept = slope * model.intercept + offset
        model.coefficients = model.coefficients.map { slope * $0 }
        model.version = Self.currentVersion
        return model
    }

    /// The fit of both outcomes on the same standardized rows, averaged in
    /// log-odds: churn within 90 days (the question asked) and within
    /// ``imminentDays`` (what an account's events show in the weeks before it
    /// leaves; a 90-day outcome also counts churners whose decline has not
    /// begun, which teaches a fit to trust slow, static inputs over the
    /// decline itself). The holdout then blends and calibrates the average
    /// on the 90-day outcome. With fewer than ``minimumChurners`` imminent
    /// churners the 90-day fit alone.
    static func fitHorizons(_ samples: Samples, l2: Double, trainingDays: [String]) -> ChurnModel {
        let design = LogisticDesign(rows: samples.rows)
        let both = samples.imminentChurners >= minimumChurners
        // The two fits side by side, one a core.
        let betas = parallelMap(both ? 2 : 1) { design.fit(labels: $0 == 0 ? samples.labels : samples.soon, l2: l2) }
        var beta = betas[0], horizons = [90]
        if both {
            beta = zip(betas[0], betas[1]).map { ($0 + $1) / 2 }
            // A date known in advance (a renewal) is weighed for the question
            // asked: the 30-day fit would reward a renewal within 30 days
            // over one in 31–90, which for churn within 90 days count alike.
            for name in ChurnFeatures.calendarInputs {
                let j = 1 + ChurnFeatures.names.firstIndex(of: name)!
                beta[j] = betas[0][j]
            }
            horizons = [imminentDays, 90]
        }
        var model = design.model(beta, labels: samples.labels, trainingDays: trainingDays)
        model.horizons = horizons
        return model
    }

    /// L2-regularized logistic regression by Newton's method on standardized
    /// columns, each weight kept on its feature's side of 0
    /// (``ChurnFeatures/directions``; see ``LogisticDesign/newton``).
    static func fitLogistic(rows: [[Double]], labels: [Double], l2: Double, trainingDays: [String],
                            directions: [Int] = ChurnFeatures.directions) -> ChurnModel {
        let design = LogisticDesign(rows: rows)
        return design.model(design.fit(labels: labels, l2: l2, directions: directions), labels: labels, trainingDays: trainingDays)
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

/// The standardized design matrix of a logistic fit, a leading 1 for the
/// intercept, each row padded to whole `SIMD8` blocks so that Newton's
/// Hessian accumulates eight columns at a time.
struct LogisticDesign {
    let n: Int
    let k: Int
    /// Columns: the intercept and the k features.
    var width: Int { k + 1 }
    let blocks: Int
    var x: [SIMD8<Double>]
    var means: [Double]
    var deviations: [Double]

    init(rows: [[Double]]) {
        n = rows.count
        k = rows.first?.count ?? ChurnFeatures.names.count
        blocks = (k + 1 + 7) / 8
        means = [Double](repeating: 0, count: k)
        deviations = means
        for row in rows { for j in 0 ..< k { means[j] += row[j] } }
        for j in 0 ..< k { means[j] /= Double(max(1, n)) }
        for row in rows { for j in 0 ..< k { deviations[j] += (row[j] - means[j]) * (row[j] - means[j]) } }
        for j in 0 ..< k { deviations[j] = max(sqrt(deviations[j] / Double(max(1, n))), 1e-9) }
        x = [SIMD8<Double>](repeating: .zero, count: n * blocks)
        for i in 0 ..< n {
            x[i * blocks][0] = 1
            for j in 0 ..< k { x[i * blocks + (j + 1) / 8][(j + 1) % 8] = (rows[i][j] - means[j]) / deviations[j] }
        }
    }

    /// The weights (intercept first) of the penalized fit from `start`, each
    /// weight kept on its feature's side of 0 (``ChurnFeatures/directions``;
    /// 0 there: either side).
    /// - Parameter tolerance: the largest weight change of a step that ends it
    ///   (cross-validation fits, which only compare penalties, stop sooner).
    func fit(labels: [Double], l2: Double, directions: [Int] = ChurnFeatures.directions, start: [Double]? = nil,
             tolerance: Double = 1e-6) -> [Double] {
        var beta = start ?? [Double](repeating: 0, count: width)
        newton(labels: labels, l2: l2, directions: [0] + directions.prefix(k), tolerance: tolerance, beta: &beta)
        return beta
    }

    func model(_ beta: [Double], labels: [Double], trainingDays: [String]) -> ChurnModel {
        ChurnModel(names: Array(ChurnFeatures.names.prefix(k)), means: means, deviations: deviations, intercept: beta[0],
                   coefficients: Array(beta.dropFirst()), kind: "fitted", trainingDays: trainingDays,
                   trainingSamples: n, trainingChurners: Int(labels.reduce(0, +)), version: ChurnModel.currentVersion)
    }

    /// Samples taken together by ``accumulate(x:blocks:width:labels:beta:gradient:hessian:)``.
    static let chunk = 16

    /// How far the weights may move (the largest weight's moves added up)
    /// before ``newton(labels:l2:directions:tolerance:beta:)`` accumulates
    /// the Hessian anew.
    static let chordDistance = 1e-1

    /// Adds every sample's gradient (`residual · x`) and Hessian (`w · x xᵀ`,
    /// the upper triangle by blocks: row j from its own block on) to
    /// `gradient` and `hessian`, at `beta`.
    ///
    /// The samples go `chunk` at a time: each Hessian vector is loaded once,
    /// takes the chunk's terms and is stored once, where it was loaded and
    /// stored for every sample (this loop was a quarter of a wide world's
    /// cold score's CPU, then a fifth). Each element still adds its terms one
    /// by one in sample order, so the sums, and every fitted weight, are the
    /// same bits.
    static func accumulate(x: UnsafePointer<SIMD8<Double>>, blocks: Int, width: Int, labels: UnsafeBufferPointer<Double>,
                           beta: UnsafePointer<SIMD8<Double>>, gradient g: UnsafeMutablePointer<SIMD8<Double>>,
                           hessian h: UnsafeMutablePointer<SIMD8<Double>>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: chunk * width) { weighted in
            var first = 0
            while first < labels.count {
                let count = min(chunk, labels.count - first)
                for k in 0 ..< count {
                    let row = x + (first + k) * blocks
                    var zv = SIMD8<Double>.zero
                    for c in 0 ..< blocks { zv += row[c] * beta[c] }
                    let z = zv.sum()
                    let p = 1 / (1 + exp(-z)), w = max(p * (1 - p), 1e-12), residual = labels[first + k] - p
                    for c in 0 ..< blocks {
                        g[c] += residual * row[c]
                        let products = w * row[c]
                        for lane in 0 ..< 8 where c * 8 + lane < width { weighted[k * width + c * 8 + lane] = products[lane] }
                    }
                }
                let rows = x + first * blocks
                for j in 0 ..< width {
                    let hj = h + j * blocks
                    for d in j / 8 ..< blocks {
                        var sum = hj[d]
                        var term = UnsafePointer(weighted.baseAddress! + j), vector = rows + d
                        for _ in 0 ..< count {
                            sum += term.pointee * vector.pointee
                            term += width
                            vector += blocks
                        }
                        hj[d] = sum
                    }
                }
                first += count
            }
        }
    }

    /// Adds every sample's gradient (`residual · x`) to `gradient` at `beta`,
    /// in sample order: the same sums as
    /// ``accumulate(x:blocks:width:labels:beta:gradient:hessian:)``'s, at a
    /// tenth of its work (no Hessian).
    static func accumulateGradient(x: UnsafePointer<SIMD8<Double>>, blocks: Int, labels: UnsafeBufferPointer<Double>,
                                   beta: UnsafePointer<SIMD8<Double>>, gradient g: UnsafeMutablePointer<SIMD8<Double>>) {
        for i in 0 ..< labels.count {
            let row = x + i * blocks
            var zv = SIMD8<Double>.zero
            for c in 0 ..< blocks { zv += row[c] * beta[c] }
            let residual = labels[i] - 1 / (1 + exp(-zv.sum()))
            for c in 0 ..< blocks { g[c] += residual * row[c] }
        }
    }

    /// Newton steps on the penalized log-likelihood from `beta`, an active
    /// set keeping each weight on its side: a weight a step carries to its
    /// forbidden side is held at 0 and the others converge; then the held
    /// weights whose gradients point to their allowed sides are let go (each
    /// once), and so on until none does. Steps are damped to ±4 per weight.
    ///
    /// Near the optimum the Hessian hardly moves: while the weights have
    /// moved less than ``chordDistance`` since it was accumulated, a step
    /// reuses it and reads only the gradient, a tenth of the work (the last
    /// steps of a fit, which only confirm it: two steps in five of a 10 M
    /// store's fit). Such a step still goes to the optimum, the gradient
    /// being exact; only its rate is linear, by a factor of the Hessian's
    /// change, instead of quadratic; a reused Hessian whose step does not
    /// halve the one before is accumulated anew.
    func newton(labels: [Double], l2: Double, directions: [Int], tolerance: Double, beta: inout [Double]) {
        let blocks = self.blocks, width = self.width
        var held = (0 ..< width).map { Double(directions[$0]) * beta[$0] < 0 }
        for j in 0 ..< width where held[j] { beta[j] = 0 }
        var released = [Bool](repeating: false, count: width)
        // Row j of the symmetric Hessian's upper triangle: `blocks` vectors, from block j / 8 on.
        var hessian = [SIMD8<Double>](repeating: .zero, count: width * blocks)
        // How far (the largest weight's moves added up) the weights went since `hessian` was accumulated.
        var moved = Double.infinity, previous = Double.infinity
        for _ in 0 ..< 200 {
            var betaBlocks = [SIMD8<Double>](repeating: .zero, count: blocks)
            for j in 0 ..< width { betaBlocks[j / 8][j % 8] = beta[j] }
            var gradientBlocks = [SIMD8<Double>](repeating: .zero, count: blocks)
            let reusing = moved < Self.chordDistance
            if !reusing {
                for i in hessian.indices { hessian[i] = .zero }
                moved = 0
            }
            x.withUnsafeBufferPointer { x in
                betaBlocks.withUnsafeBufferPointer { b in
                    gradientBlocks.withUnsafeMutableBufferPointer { g in
                        labels.withUnsafeBufferPointer { labels in
                            guard !reusing else {
                                Self.accumulateGradient(x: x.baseAddress!, blocks: blocks, labels: labels, beta: b.baseAddress!,
                                                        gradient: g.baseAddress!)
                                return
                            }
                            hessian.withUnsafeMutableBufferPointer { h in
                                Self.accumulate(x: x.baseAddress!, blocks: blocks, width: width, labels: labels, beta: b.baseAddress!,
                                                gradient: g.baseAddress!, hessian: h.baseAddress!)
                            }
                        }
                    }
                }
            }
            var gradient = (0 ..< width).map { gradientBlocks[$0 / 8][$0 % 8] - (($0 > 0) ? l2 * beta[$0] : 0) }
            let free = held.map { !$0 }
            let pulls = gradient
            var matrix = [[Double]](repeating: [], count: width)
            for j in 0 ..< width {
                matrix[j] = (0 ..< width).map { l in
                    guard free[j] && free[l] else { return j == l ? 1 : 0 }
                    // Row min(j, l) holds the pair: its blocks from its own on.
                    let (r, col) = j / 8 <= l / 8 ? (j, l) : (l, j)
                    return hessian[r * blocks + col / 8][col % 8]
                }
                if !free[j] {
                    gradient[j] = 0
                } else if j > 0 {
                    matrix[j][j] += l2
                }
            }
            guard let step = ChurnModel.solve(matrix, gradient), step.allSatisfy(\.isFinite) else { break }
            var largest = 0.0
            for j in 0 ..< width {
                // Damped: a nearly separable fold must not throw a weight to infinity.
                guard free[j] else { continue }
                let before = beta[j]
                beta[j] += max(-4, min(4, step[j]))
                if Double(directions[j]) * beta[j] < 0 {
                    beta[j] = 0
                    held[j] = true
                }
                largest = max(largest, abs(beta[j] - before))
            }
            // A reused Hessian that no longer halves the steps is accumulated anew.
            moved = reusing && largest > previous / 2 ? .infinity : moved + largest
            previous = largest
            // Near convergence with these weights held (within 10⁻³; a
            // gradient needs no more to show which way it pulls): let go of
            // every held weight pulled to its allowed side, all at once. With
            // none left to let go, converge to `tolerance` and stop.
            guard largest < max(tolerance, 1e-3) else { continue }
            let pulled = (0 ..< width).filter { held[$0] && !released[$0] && Double(directions[$0]) * pulls[$0] > 1e-6 }
            guard !pulled.isEmpty else {
                if largest < tolerance { break }
                continue
            }
            // Each weight is let go once: a weight the coupled step keeps
            // carrying across stays held (no cycling).
            for release in pulled {
                held[release] = false
                released[release] = true
            }
        }
    }
}

/// The baselines `vitals eval churn` sets the model beside, learnt from the
/// same past days as the model: `1 − health/100` calibrated (Platt), and a
/// logistic regression on the six health components.
public struct ChurnBaselines: Sendable {
    public var healthSlope: Double
    public var healthOffset: Double
    public var components: ChurnModel

    /// The calibrated probability of `1 − health/100`.
    public func healthRisk(health: Double) -> Double {
        ChurnModel.sigmoid(healthSlope * (1 - health / 100) + healthOffset)
    }

    /// The components regression's probability (components in table order).
    public func componentsRisk(_ components: [Double]) -> Double {
        self.components.risk(ChurnFeatures(values: components))
    }

    /// Nil when the history holds no churner or no retained account.
    public static func fit(history analytics: Analytics, maxDays: Int = ChurnModel.trainingDayCount) -> ChurnBaselines? {
        guard let firstDay = Analytics.firstDay(of: analytics.dataset) else { return nil }
        let samples = ChurnModel.samples(of: analytics, days: ChurnModel.trainingDays(of: analytics, firstDay: firstDay, maxDays: maxDays))
        guard samples.churners > 0, samples.churners < samples.rows.count else { return nil }
        let health = ChurnModel.platt(samples.rows.map { 1 - HealthComponents(leadingValuesOf: $0).weightedSum(analytics.config.weights) },
                                      samples.labels)
        let components = ChurnModel.fitLogistic(rows: samples.rows.map { Array($0.prefix(6)) }, labels: samples.labels,
                                                l2: 0.003 * Double(samples.rows.count), trainingDays: [],
                                                directions: [Int](repeating: 0, count: 6))
        return ChurnBaselines(healthSlope: health.slope, healthOffset: health.offset, components: components)
    }
}

extension HealthComponents {
    /// The components at the start of a churn feature row (table order).
    init(leadingValuesOf row: [Double]) {
        self.init(activity: row[0], recency: row[1], breadth: row[2], trend: row[3], payments: row[4], sentiment: row[5])
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
