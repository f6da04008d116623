import VitalsColumnar
import VitalsStore

/// A feature pushing an account's churn risk up, with its contribution to
/// the log-odds and what the feature saw.
public struct ChurnDriver: Sendable, Equatable, Codable {
    public var name: String
    public var contribution: Double
    /// The evidence in words ("3 logins in the last 7 days, 24 a week before").
    public var evidence: String?

    public init(name: String, contribution: Double, evidence: String? = nil) {
        self.name = name
        self.contribution = contribution
        self.evidence = evidence
    }
}

/// How the model that scores fared on the most recent labelled past day,
/// which its choice and calibration were made on (``ChurnModel/fit(history:maxDays:)``).
public struct ChurnHoldout: Sendable, Equatable, Codable {
    /// The held-out as-of day (`YYYY-MM-DD`).
    public var day: String
    public var samples: Int
    public var churners: Int
    /// AUC of the model fitted on the older days, of the prior, of
    /// `1 − health/100`, and of the blend chosen.
    public var aucFitted: Double
    public var aucPrior: Double
    public var aucHealth: Double
    public var aucChosen: Double
    /// Brier score of the chosen blend before and after calibration.
    public var brierUncalibrated: Double
    public var brierCalibrated: Double
    /// The L2 penalty per sample chosen by time-based cross-validation.
    public var l2PerSample: Double
    /// The blend's weight on the fitted model (1 fitted, 0 prior).
    public var fittedWeight: Double
    /// Platt scaling of the blend's log-odds: p = σ(slope · z + offset).
    public var calibrationSlope: Double
    public var calibrationOffset: Double
}

/// A logistic model on standardized ``ChurnFeatures``: fitted on the
/// store's own history (as-of days at least 90 days in the past, whose
/// 90-day outcome, MRR going to 0, the store already knows), blended with a
/// prior whose weights follow the health components and signals when the
/// fit does not beat it on the most recent of those days, and calibrated
/// there. The blend and the calibration are folded into one linear model.
public struct ChurnModel: Sendable, Equatable, Codable {
    public var names: [String]
    public var means: [Double]
    public var deviations: [Double]
    public var intercept: Double
    public var coefficients: [Double]
    /// Which model scores: "fitted" on history, "blended" (fitted and
    /// prior), or the "prior" alone.
    public var kind: String
    /// The past as-of days the model was fitted on (`YYYY-MM-DD`).
    public var trainingDays: [String]
    public var trainingSamples: Int
    public var trainingChurners: Int
    /// The as-of day (`YYYY-MM-DD`) it was fitted for: the first day of the
    /// week it scores (see ``fitDay(for:)``). Nil in models stored before.
    public var fittedFor: String? = nil
    /// ``currentVersion`` when fitted by this code; a stored model of an
    /// older version (nil) is fitted again.
    public var version: Int? = nil
    /// Why this kind scores, in words.
    public var reason: String? = nil
    /// The holdout the choice was made on; nil when there was none.
    public var holdout: ChurnHoldout? = nil

    /// The least risk of an account with no weekly active user whose uses
    /// halved week over week (`inactive_and_usage_halved`): the share of
    /// churners among the samples it learnt from, ``defaultFloor`` without.
    public var floor: Double? = nil

    /// The outcomes (churn within so many days) the fit learnt, averaged in
    /// log-odds (``fitHorizons(_:l2:trainingDays:)``); nil for the prior alone.
    public var horizons: [Int]? = nil

    /// The version of the features and the fitting procedure (3: the fit
    /// averages the 30- and 90-day outcomes; 4: a past day's renewal inputs
    /// read the renewal ahead of it, ``ChurnFeatures/daysToRenewal(renewalDay:on:)``).
    public static let currentVersion = 4
    /// The floor of a model that learnt from no outcome.
    public static let defaultFloor = 0.1

    /// The probability of churn within 90 days; an account in the
    /// `inactive_and_usage_halved` state no less than the model's ``floor``
    /// (``risks(_:paying:)`` holds an agency's accounts to its median too).
    public func risk(_ features: ChurnFeatures) -> Double {
        let p = Self.sigmoid(logit(features.values))
        return floorApplies(features) ? max(p, floor ?? Self.defaultFloor) : p
    }

    /// The logistic function 1 / (1 + e^−z).
    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    /// The risks of an agency's accounts, and the floor they were held to:
    /// the larger of the model's base rate and the median risk of the
    /// agency's paying accounts, so that an account with no weekly active
    /// user whose uses halved never ranks in the lower half of its agency.
    public func risks(_ features: [ChurnFeatures], paying: [Bool]) -> (risks: [Double], floor: Double) {
        let raw = features.map { Self.sigmoid(logit($0.values)) }
        let payingRisks = zip(raw, paying).filter(\.1).map(\.0).sorted()
        let median = payingRisks.isEmpty ? 0 : payingRisks[payingRisks.count / 2]
        let floor = max(self.floor ?? Self.defaultFloor, median)
        return (zip(raw, features).map { floorApplies($1) ? max($0, floor) : $0 }, floor)
    }

    /// Whether the account is in the state the floor guards.
    func floorApplies(_ features: ChurnFeatures) -> Bool {
        let j = ChurnFeatures.inactiveAndUsageHalvedIndex
        return names.count == ChurnFeatures.names.count && features.values[j] == 1
    }

    func logit(_ values: [Double]) -> Double {
        var z = intercept
        for j in coefficients.indices { z += coefficients[j] * standardized(values[j], j) }
        return z
    }

    func standardized(_ value: Double, _ j: Int) -> Double { (value - means[j]) / deviations[j] }

    /// The features that push this account's risk above the average
    /// account's, largest first, with what they saw.
    public func drivers(_ features: ChurnFeatures, limit: Int = 5, floor: Double? = nil, evidence: (String) -> String? = { _ in nil }) -> [ChurnDriver] {
        var drivers: [ChurnDriver] = []
        let held = min(max(floor ?? self.floor ?? Self.defaultFloor, 1e-9), 1 - 1e-9)
        let z = logit(features.values), floorLogit = floorApplies(features) ? log(held) - log(1 - held) : -Double.infinity
        for j in coefficients.indices {
            var contribution = coefficients[j] * standardized(features.values[j], j)
            // The floor lifts the risk by what it adds to the log-odds.
            if j == ChurnFeatures.inactiveAndUsageHalvedIndex && floorLogit > z { contribution += floorLogit - z }
            if contribution > 0.05 { drivers.append(ChurnDriver(name: names[j], contribution: (contribution * 1000).rounded() / 1000)) }
        }
        drivers.sort { $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.name < $1.name }
        return drivers.prefix(limit).map { driver in
            var driver = driver
            driver.evidence = evidence(driver.name) ?? features.evidence(of: driver.name)
            return driver
        }
    }

    /// What a fired signal adds to the log-odds (the model is linear in the
    /// standardized 0/1 feature), rounded to 3 decimals; 0 when the model
    /// does not use the signal.
    public func weight(of signal: RiskSignal) -> Double {
        guard let j = names.firstIndex(of: signal.rawValue), deviations[j] > 0 else { return 0 }
        return (coefficients[j] / deviations[j] * 1000).rounded() / 1000
    }

    /// `hits` with their weights, heaviest first (ties in DESIGN.md's order).
    /// Runs for every scored account: no dictionary of the order is built
    /// per call (that was a tenth of a many-accounts night's ranking).
    public func ranked(_ hits: [RiskSignalHit]) -> [RiskSignalHit] {
        guard !hits.isEmpty else { return hits }
        var weighed = hits
        for i in weighed.indices { weighed[i].weight = weight(of: weighed[i].signal) }
        if weighed.count > 1 {
            let order = RiskSignal.ordered
            weighed.sort { a, b in
                a.weight! != b.weight! ? a.weight! > b.weight! : order.firstIndex(of: a.signal)! < order.firstIndex(of: b.signal)!
            }
        }
        return weighed
    }

    /// Which model scores and why, in one line (`vitals score`, `vitals eval churn`).
    public var summary: String {
        var text = kind
        if kind != "prior" {
            text += " on \(trainingSamples) samples (\(trainingChurners) churners) from \(trainingDays.count) past as-of days"
            if let horizons, horizons.count > 1 {
                text += ", learning churn within " + horizons.map(String.init).joined(separator: " and ") + " days"
            }
        }
        if let holdout {
            func f(_ x: Double) -> String { String((x * 1000).rounded() / 1000) }
            text += "; holdout \(holdout.day) (\(holdout.samples) accounts, \(holdout.churners) churners): AUC fitted \(f(holdout.aucFitted)), "
                + "prior \(f(holdout.aucPrior)), 1 − health/100 \(f(holdout.aucHealth)), chosen \(f(holdout.aucChosen)) "
                + "(weight on the fit \(holdout.fittedWeight)); Brier \(f(holdout.brierUncalibrated)) → \(f(holdout.brierCalibrated)) calibrated"
        }
        if let reason { text += "; " + reason }
        return text
    }

    /// The prior: fixed weights on the raw features, the health components
    /// weighed as the health score weighs them (three log-odds from 100 to
    /// 0), each fired signal and the own-history declines adding to the
    /// risk. Used alone when the history holds too few known outcomes, and
    /// blended with the fit when the fit does not beat it on the holdout.
    public static func prior(config: ScoringConfig = .standard) -> ChurnModel {
        let w = config.weights
        let weights: [String: Double] = [
            "activity": -3 * w.activity, "recency": -3 * w.recency, "breadth": -3 * w.breadth,
            "trend": -3 * w.trend, "payments": -3 * w.payments, "sentiment": -3 * w.sentiment,
            "no_login_14d": 0.8, "usage_drop": 0.6, "failed_payment": 0.4, "detractor": 0.5,
            "renewal_soon": 0.5, "low_seat_use": 0.3, "champion_inactive": 0.6,
            "logins_28d_vs_own_history": -0.4, "uses_28d_vs_own_history": -0.4,
            "active_users_7d_vs_own_history": -0.3, "weekly_activity_slope": -2, "mrr_vs_90_days_ago": -0.8,
            "failed_payments_90d": 0.2, "renewal_within_90d": 0.7, "inactive_and_usage_halved": 1,
            "logins_7d_vs_agency": -0.3, "weekly_activity_slope_vs_agency": -1,
        ]
        let count = ChurnFeatures.names.count
        return ChurnModel(names: ChurnFeatures.names, means: .init(repeating: 0, count: count),
                          deviations: .init(repeating: 1, count: count), intercept: -1.5,
                          coefficients: ChurnFeatures.names.map { weights[$0] ?? 0 },
                          kind: "prior", trainingDays: [], trainingSamples: 0, trainingChurners: 0,
                          version: currentVersion)
    }
}

extension ChurnModel {
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
    /// history before the week's first day (see ``fit(history:maxDays:)``),
    /// stamped with that day.
    public static func fitForWeek(of analytics: Analytics) -> ChurnModel {
        let first = AsOf(day: fitDay(for: analytics.asOf.day))
        let history = first == analytics.asOf ? analytics
            : (try? Analytics(dataset: analytics.dataset, index: analytics.index, asOf: first, config: analytics.config)) ?? analytics
        var model = fit(history: history)
        model.fittedFor = CivilTime.formatDate(days: history.asOf.day)
        return model
    }
}

extension Analytics {
    /// The earliest day of any login or feature use (the skipped events' too).
    public static func firstDay(of dataset: Dataset) -> Int? {
        var first: Int64? = dataset.earlier?.firstTimestamp
        for columns in [dataset.logins, dataset.featureUsage] {
            for account in 0 ..< columns.partitionCount {
                let rows = columns.rows(of: account)
                if !rows.isEmpty { first = min(first ?? Int64(columns.timestamps[rows.lowerBound]), Int64(columns.timestamps[rows.lowerBound])) }
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
