import Foundation
import GRDB
import Testing
@testable import VitalsStore

/// The weekly churn models' table: written with a run, replaced per week
/// and config, and filled on upgrade from the models older runs stored.
@Suite struct ChurnModelTableTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vitals-models-\(UUID().uuidString).db").path
    }

    @Test func anUpgradeKeepsTheLatestWeeklyModelOfEachWeekAndConfig() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A store as the release before this table left it.
        let queue = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(queue, upTo: "v10-alerts")
        let week = 20_769 // 2026-11-12, a Thursday
        try queue.write { db in
            let runs: [(day: Int, at: Int64, config: String, model: String)] = [
                (week + 1, 100, "{}", #"{"fittedFor":"2026-11-12","kind":"fitted","n":1}"#),
                (week + 2, 300, "{}", #"{"fittedFor":"2026-11-12","kind":"fitted","n":2}"#),
                (week + 3, 200, "{}", #"{"fittedFor":"2026-11-12","kind":"fitted","n":3}"#),
                (week + 4, 400, #"{"other":1}"#, #"{"fittedFor":"2026-11-12","kind":"fitted","n":4}"#),
                (week - 1, 500, "{}", #"{"kind":"fitted","n":5}"#), // fitted per day, before weekly models
                (week - 2, 600, "{}", "not json"),
            ]
            for run in runs {
                try db.execute(sql: "INSERT INTO score_runs (as_of_day, computed_at, config_json, model_json, detailed, data_version) VALUES (?, ?, ?, ?, 0, 1)",
                               arguments: [run.day, run.at, run.config, run.model])
            }
        }
        try queue.close()
        let models = try Store.open(at: path).churnModels()
        #expect(models.map(\.fittedFor) == [week, week])
        // The most recent run's model of the week under each config.
        #expect(Set(models.map(\.modelJSON)) == [#"{"fittedFor":"2026-11-12","kind":"fitted","n":2}"#,
                                                  #"{"fittedFor":"2026-11-12","kind":"fitted","n":4}"#])
    }

    @Test func aRunWritesItsModelsAndARefitReplacesThem() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try Store.open(at: path, create: true)
        let day = MaterializedDay(asOfDay: 20_770, configJSON: "{}", modelJSON: "{}", scores: [], agencyResults: [])
        try store.writeScores([day], models: [StoredChurnModel(fittedFor: 20_769, configJSON: "{}", modelJSON: "a"),
                                              StoredChurnModel(fittedFor: 20_762, configJSON: "{}", modelJSON: "b")])
        try store.writeScores([day], models: [StoredChurnModel(fittedFor: 20_769, configJSON: "{}", modelJSON: "c"),
                                              StoredChurnModel(fittedFor: 20_769, configJSON: "{\"x\":1}", modelJSON: "d")])
        let models = try store.churnModels()
        #expect(models.map { "\($0.fittedFor) \($0.configJSON) \($0.modelJSON)" }.sorted()
            == ["20762 {} b", "20769 {\"x\":1} d", "20769 {} c"])
    }
}
