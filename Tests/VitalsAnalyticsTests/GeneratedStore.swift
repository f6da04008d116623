import DataGenKit
import Foundation
import VitalsStore

/// A generated dataset ingested into a fresh store (shared by the tool tests).
enum GeneratedStore {
    /// Path of the store; generated once per test process.
    static let path: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-tools-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data").path
        _ = try! generateDataset(DataGenConfig(agencies: 2, accountsPerAgency: 40, usersPerAccount: 6, days: 160,
                                               events: 80_000, seed: 5, asOf: DataGenConfig.date(fromDay: "2026-11-20")!,
                                               outputDirectory: data))
        let store = root.appendingPathComponent("generated.db").path
        _ = try! Ingestor.ingest(directory: data, into: store)
        return store
    }()
}
