import Foundation
import Testing
@testable import VitalsAnalytics
import VitalsColumnar
import VitalsStore
import VitalsTools

@Suite struct ChurnModelTests {
    @Test func aucCountsTiesAsHalf() {
        // Pairs (pos, neg): (0.9,0.1) win, (0.9,0.5) win, (0.5,0.1) win, (0.5,0.5) tie → 3.5 / 4.
        #expect(Evaluation.auc(scores: [0.9, 0.5, 0.5, 0.1], labels: [true, true, false, false]) == 0.875)
        #expect(Evaluation.auc(scores: [0.1, 0.9], labels: [true, false]) == 0)
        #expect(Evaluation.auc(scores: [0.3], labels: [true]) == nil)
    }

    @Test func logLossAndBrier() {
        #expect(abs(Evaluation.logLoss(probabilities: [0.8, 0.3], labels: [true, false]) - (-(log(0.8) + log(0.7)) / 2)) < 1e-12)
        #expect(abs(Evaluation.brier(probabilities: [0.8, 0.3], labels: [true, false]) - (0.04 + 0.09) / 2) < 1e-12)
    }

    /// A deterministic uniform stream for synthetic worlds.
    struct Stream {
        var state: UInt64
        mutating func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
    }

    @Test func logisticFitLearnsTheDirectionOfAFeature() {
        // Churn when logins fell against the account's own history: the
        // fitted coefficient of logins_7d_vs_own_history must be negative and
        // the ranking perfect on separable data.
        let k = ChurnFeatures.names.count
        let j = ChurnFeatures.names.firstIndex(of: "logins_7d_vs_own_history")!
        var rows: [[Double]] = [], labels: [Double] = []
        for i in 0 ..< 200 {
            var row = [Double](repeating: 0, count: k)
            for c in 0 ..< k { row[c] = Double((i * 7 + c * 13) % 11) / 10 }  // noise
            let churn = i % 5 == 0
            row[j] = churn ? -1.5 - Double(i % 3) / 10 : 0.1 * Double(i % 4)
            rows.append(row)
            labels.append(churn ? 1 : 0)
        }
        let model = ChurnModel.fitLogistic(rows: rows, labels: labels, l2: 1, trainingDays: [])
        #expect(model.coefficients[j] < 0)
        let risks = rows.map { model.risk(ChurnFeatures(values: $0)) }
        #expect(Evaluation.auc(scores: risks, labels: labels.map { $0 == 1 }) == 1)
        let churner = ChurnFeatures(values: rows[0])
        #expect(model.drivers(churner).first?.name == "logins_7d_vs_own_history")
    }

    @Test func aWeightAgainstItsFeaturesDirectionIsHeldAtZero() {
        // In this world more activity goes with more churn (noise a free fit
        // would learn); activity may only lower the risk, so its weight is 0,
        // while the signal that truly drives churn keeps its weight.
        let k = ChurnFeatures.names.count
        let activity = ChurnFeatures.names.firstIndex(of: "activity")!, noLogin = ChurnFeatures.names.firstIndex(of: "no_login_14d")!
        var stream = Stream(state: 3)
        var rows: [[Double]] = [], labels: [Double] = []
        for _ in 0 ..< 2000 {
            var row = [Double](repeating: 0, count: k)
            let churn = stream.unit() < 0.2
            row[activity] = (churn ? 0.6 : 0.4) + 0.3 * stream.unit()
            row[noLogin] = stream.unit() < (churn ? 0.7 : 0.1) ? 1 : 0
            rows.append(row)
            labels.append(churn ? 1 : 0)
        }
        let free = ChurnModel.fitLogistic(rows: rows, labels: labels, l2: 1, trainingDays: [], directions: [Int](repeating: 0, count: k))
        #expect(free.coefficients[activity] > 0)
        let model = ChurnModel.fitLogistic(rows: rows, labels: labels, l2: 1, trainingDays: [])
        #expect(model.coefficients[activity] == 0)
        #expect(model.coefficients[noLogin] > 0.5)
    }

    /// Newton's last steps reuse the Hessian and read only the gradient:
    /// the fit still ends where the penalized likelihood is flat, every free
    /// weight's gradient (Σ (y − p)·x on standardized inputs, less the
    /// penalty's pull) near 0, and every weight held at 0 pulled towards its
    /// forbidden side. Checked on a world where several inputs carry churn,
    /// two of them against the way they may push.
    @Test func theFitEndsWhereThePenalizedLikelihoodIsFlat() {
        let k = ChurnFeatures.names.count, n = 3000, l2 = 3.0
        var stream = Stream(state: 41)
        var rows: [[Double]] = [], labels: [Double] = []
        for _ in 0 ..< n {
            let row = (0 ..< k).map { _ in stream.unit() }
            // Churn rises with inputs 0, 1 and 13 (which may only lower the risk) and with 7 and 8 (which may only raise it).
            let z = -2 + 1.5 * row[0] + 0.8 * row[1] + 0.5 * row[13] + 1.2 * row[7] + 0.9 * row[8] - 0.7 * row[20]
            rows.append(row)
            labels.append(stream.unit() < 1 / (1 + exp(-z)) ? 1 : 0)
        }
        for directions in [[Int](repeating: 0, count: k), ChurnFeatures.directions] {
            let model = ChurnModel.fitLogistic(rows: rows, labels: labels, l2: l2, trainingDays: [], directions: directions)
            var gradient = [Double](repeating: 0, count: k + 1)
            for (row, label) in zip(rows, labels) {
                let residual = label - 1 / (1 + exp(-model.logit(row)))
                gradient[0] += residual
                for j in 0 ..< k { gradient[j + 1] += residual * model.standardized(row[j], j) }
            }
            #expect(abs(gradient[0]) < 1e-6 * Double(n), "the intercept's gradient \(gradient[0])")
            for j in 0 ..< k {
                let pull = gradient[j + 1] - l2 * model.coefficients[j]
                if model.coefficients[j] != 0 || directions[j] == 0 {
                    #expect(abs(pull) < 1e-6 * Double(n), "\(ChurnFeatures.names[j]): weight \(model.coefficients[j]), gradient \(pull)")
                } else {
                    #expect(Double(directions[j]) * pull < 1e-6 * Double(n), "\(ChurnFeatures.names[j]) held at 0, gradient \(pull)")
                }
            }
            let held = (0 ..< k).filter { model.coefficients[$0] == 0 }
            #expect(directions[0] == 0 ? held.isEmpty : held.contains(0) && held.contains(13), "held: \(held.map { ChurnFeatures.names[$0] })")
        }
    }

    @Test func theFitAveragesTheImminentAndThe90DayOutcome() {
        // A world where a visible decline (logins against the account's own
        // history) marks the churners of the next 30 days, while those who
        // leave in 31–90 days show nothing yet, and being a detractor marks
        // every churner a little. The 90-day fit alone learns the decline
        // diluted by the late churners; averaged with the 30-day fit, the
        // decline weighs more against the detractor signal. A renewal within
        // 90 days marks the late churners (they leave at it): a date known
        // in advance, weighed by the 90-day fit alone.
        let k = ChurnFeatures.names.count
        let decline = ChurnFeatures.names.firstIndex(of: "logins_7d_vs_own_history")!
        let detractor = ChurnFeatures.names.firstIndex(of: "detractor")!
        let renewal = ChurnFeatures.names.firstIndex(of: "renewal_within_90d")!
        var stream = Stream(state: 17)
        var samples = ChurnModel.Samples()
        for i in 0 ..< 4000 {
            let roll = stream.unit()
            let soon = roll < 0.05, later = !soon && roll < 0.15
            var row = [Double](repeating: 0, count: k)
            row[decline] = soon ? -1 - stream.unit() : 0.4 * (stream.unit() - 0.5)
            row[detractor] = stream.unit() < (soon || later ? 0.5 : 0.2) ? 1 : 0
            row[renewal] = stream.unit() < (later ? 0.6 : 0.2) ? 1 : 0
            samples.rows.append(row)
            samples.labels.append(soon || later ? 1 : 0)
            samples.soon.append(soon ? 1 : 0)
            samples.days.append(i % 4)
        }
        let l2 = 0.003 * Double(samples.rows.count)
        let model = ChurnModel.fitHorizons(samples, l2: l2, trainingDays: [])
        #expect(model.horizons == [30, 90])
        let ninety = ChurnModel.fitLogistic(rows: samples.rows, labels: samples.labels, l2: l2, trainingDays: [])
        let thirty = ChurnModel.fitLogistic(rows: samples.rows, labels: samples.soon, l2: l2, trainingDays: [])
        #expect(model.coefficients[renewal] == ninety.coefficients[renewal])
        #expect(ninety.coefficients[renewal] > 0.1 && thirty.coefficients[renewal] < ninety.coefficients[renewal] / 2,
                "renewal: 90-day fit \(ninety.coefficients[renewal]), 30-day fit \(thirty.coefficients[renewal])")
        for row in samples.rows.prefix(50) {
            // The mean of the two fits' log-odds, but for the renewal's term: the 90-day fit's.
            let z = (row[renewal] - model.means[renewal]) / model.deviations[renewal]
            let expected = (ninety.logit(row) + thirty.logit(row)) / 2 + (ninety.coefficients[renewal] - thirty.coefficients[renewal]) / 2 * z
            #expect(abs(model.logit(row) - expected) < 1e-4)
        }
        func ratio(_ m: ChurnModel) -> Double { -m.coefficients[decline] / m.coefficients[detractor] }
        #expect(ratio(model) > 1.2 * ratio(ninety), "decline/detractor \(ratio(model)) against \(ratio(ninety))")

        // Fewer than ten imminent churners: the 90-day fit alone.
        var few = samples
        var kept = 0
        for i in few.soon.indices where few.soon[i] == 1 {
            kept += 1
            if kept > 9 { few.soon[i] = 0 }
        }
        let alone = ChurnModel.fitHorizons(few, l2: l2, trainingDays: [])
        #expect(alone.horizons == [90])
        #expect(alone.coefficients == ninety.coefficients)
    }

    @Test func plattScalingRecoversKnownProbabilities() {
        // Outcomes drawn with p = σ(2x − 1): scaling the raw score x must find
        // slope ≈ 2 and offset ≈ −1, and the calibrated probabilities must
        // match what happens within a few points in every decile.
        var stream = Stream(state: 11)
        var z: [Double] = [], labels: [Double] = []
        for _ in 0 ..< 20_000 {
            let x = 4 * stream.unit() - 2
            z.append(x)
            labels.append(stream.unit() < 1 / (1 + exp(-(2 * x - 1))) ? 1 : 0)
        }
        let (slope, offset) = ChurnModel.platt(z, labels)
        #expect(abs(slope - 2) < 0.15, "slope \(slope)")
        #expect(abs(offset + 1) < 0.1, "offset \(offset)")
        let probabilities = z.map { 1 / (1 + exp(-(slope * $0 + offset))) }
        let bins = Evaluation.calibration(probabilities: probabilities, labels: labels.map { $0 == 1 })
        #expect(bins.count == 10)
        for bin in bins { #expect(abs(bin.meanPredicted - bin.observed) < 0.04, "\(bin)") }
        #expect(Evaluation.calibrationError(bins) < 0.02)
        // A score that ranks backwards is not turned around by calibration.
        #expect(ChurnModel.platt(z.map { -$0 }, labels).slope == 0.05)
    }

    @Test func blendAndCalibrationFoldIntoOneLinearModel() {
        let k = ChurnFeatures.names.count
        var stream = Stream(state: 5)
        var rows: [[Double]] = [], labels: [Double] = []
        for _ in 0 ..< 400 {
            let row = (0 ..< k).map { _ in stream.unit() }
            rows.append(row)
            labels.append(row[0] + stream.unit() < 0.6 ? 1 : 0)
        }
        let fitted = ChurnModel.fitLogistic(rows: rows, labels: labels, l2: 1, trainingDays: [], directions: [Int](repeating: 0, count: k))
        let prior = ChurnModel.prior()
        let model = prior.blended(with: fitted, fittedWeight: 0.25, slope: 1.7, offset: -0.4)
        for row in rows.prefix(20) {
            let expected = 1.7 * (0.25 * fitted.logit(row) + 0.75 * prior.logit(row)) - 0.4
            #expect(abs(model.logit(row) - expected) < 1e-9)
        }
    }

    @Test func driversSayWhatTheySaw() throws {
        // A hand-built account: no active user of 11 seats this week against
        // 7 in its baseline, uses down from 280 to 40 a week.
        var evidence = ChurnEvidence()
        evidence.users7 = 0
        evidence.seats = 11
        evidence.usersBaseline = 7
        evidence.uses7 = 40
        evidence.usesBaseline = 1120
        evidence.weekly = [300, 290, 280, 250, 180, 120, 70, 40]
        var values = [Double](repeating: 0.5, count: 6) + [Double](repeating: 0, count: RiskSignal.allCases.count)
            + ChurnFeatures.ownHistory(evidence)
        values += [Double](repeating: 0, count: ChurnFeatures.names.count - values.count)  // renewal, the agency-relative ones
        let drivers = ChurnModel.prior().drivers(ChurnFeatures(values: values, evidence: evidence), limit: 10)
        let users = try #require(drivers.first { $0.name == "active_users_7d_vs_own_history" })
        #expect(users.evidence == "active users 0 of 11 seats in the last 7 days, 7 in the 28 days before the last 28")
        let slope = try #require(drivers.first { $0.name == "weekly_activity_slope" })
        #expect(slope.evidence == "weekly activity over 8 weeks: 300, 290, 280, 250, 180, 120, 70, 40")
        // The fixture's acc_b (no login ever): its signals' own evidence.
        let analytics = try AgencyFixture.analytics()
        let scored = analytics.scoredAgency(try analytics.agency("ag_1"), model: .prior())
        let bravo = try #require(scored.risks.first { analytics.dataset.accounts[$0.accountKey].accountID == "acc_b" })
        #expect(bravo.drivers.first?.name == "no_login_14d")
        #expect(bravo.drivers.first?.evidence == "no user has ever logged in")
    }

    @Test func aPastDayReadsTheRenewalThatWasAheadOfIt() {
        // The next renewal on file is 2027-02-10; with yearly terms the
        // account renewed on 2026-02-10 and 2025-02-10 before.
        let day = { (text: String) in CivilTime.parseDate(text)! }
        func toRenewal(_ renewal: String?, on date: String) -> Int? {
            ChurnFeatures.daysToRenewal(renewalDay: renewal.map(day), on: day(date))
        }
        #expect(toRenewal("2027-02-10", on: "2026-11-20") == 82)   // the date on file, as renewal_soon reads it
        #expect(toRenewal("2027-02-10", on: "2026-10-01") == 132)  // 2026-02-10 had passed: still the date on file
        #expect(toRenewal("2027-02-10", on: "2026-02-11") == 364)
        #expect(toRenewal("2027-02-10", on: "2026-02-10") == 0)    // renewing that day
        #expect(toRenewal("2027-02-10", on: "2026-01-15") == 26)   // 2026-02-10 was ahead
        #expect(toRenewal("2027-02-10", on: "2025-02-11") == 364)  // the day after the renewal before: 2026-02-10
        // After the date on file it has passed; no renewal date, none.
        #expect(toRenewal("2026-11-01", on: "2026-11-20") == -19)
        #expect(toRenewal(nil, on: "2026-01-15") == nil)
        // 29 February's anniversary in a common year is the 28th.
        #expect(toRenewal("2028-02-29", on: "2027-02-01") == 27)
    }

    @Test func tooLittleHistoryLeavesTheUncalibratedPrior() throws {
        let analytics = try AgencyFixture.analytics()
        let model = ChurnModel.fit(history: analytics)
        #expect(model.kind == "prior")
        #expect(model.holdout == nil)
        #expect(model == { var prior = ChurnModel.prior(config: analytics.config); prior.reason = model.reason; return prior }())
        #expect(model.summary.contains("the prior scores, uncalibrated"))
    }

    @Test func configFileOverridesOnlyWhatItNames() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).json").path
        try Data(#"{"weights": {"activity": 0.5}, "bands": {"healthy": 80}, "windows": {"trend_days": 7}}"#.utf8).write(to: URL(fileURLWithPath: path))
        let config = try ScoringConfig.load(path: path)
        #expect(config.weights.activity == 0.5 && config.weights.recency == 0.15)
        #expect(config.bands.healthy == 80 && config.bands.watch == 40)
        #expect(config.windows.trendDays == 7 && config.windows.breadthDays == 30)
        // acc_a under the new weights: 0.5·0.5 + 0.15 + 0.2 + 0.15·trend + 0.05 + 0.06; 7-day trend: 7 vs 5 → 0.5 + 2/10 = 0.7.
        let analytics = try Analytics(dataset: try AgencyFixture.load(), asOf: AgencyFixture.asOf, config: config)
        let alpha = analytics.agencyScores(try analytics.agency("ag_1")).scores.first!
        #expect(alpha.health.components.trend == 0.7)
        #expect(alpha.health.score == 81.5)  // 0.25 + 0.15 + 0.2 + 0.105 + 0.05 + 0.06 = 0.815
        #expect(alpha.health.band == .healthy)

        try Data(#"{"weights": {"actvity": 0.5}}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: AnalyticsError.self) { try ScoringConfig.load(path: path) }
        try Data(#"{"bands": {"healthy": 30, "watch": 50}}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: AnalyticsError.invalidArgument(name: "bands", message: "watch (50.0) must not be above healthy (30.0)")) {
            try ScoringConfig.load(path: path)
        }
    }
}
