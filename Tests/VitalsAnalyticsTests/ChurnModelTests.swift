import Foundation
import Testing
@testable import VitalsAnalytics

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

    @Test func logisticFitLearnsTheDirectionOfAFeature() {
        // Churn when logins fell against the account's own history: the
        // fitted coefficient of logins_vs_own_history must be negative and
        // the ranking perfect on separable data.
        let k = ChurnFeatures.names.count
        let j = ChurnFeatures.names.firstIndex(of: "logins_vs_own_history")!
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
        #expect(model.drivers(churner).first?.name == "logins_vs_own_history")
    }

    @Test func tooLittleHistoryFallsBackToTheHeuristic() throws {
        let analytics = try AgencyFixture.analytics()
        let model = ChurnModel.fit(history: analytics)
        #expect(model.kind == "heuristic")
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
