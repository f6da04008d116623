import DataGenKit
import Foundation
import VitalsStore

/// A generated dataset ingested into a fresh store (shared by the tool tests).
enum GeneratedStore {
    /// Path of the store; generated once per test process.
    static let path = make(agencies: 2, accountsPerAgency: 40, usersPerAccount: 6, days: 160, events: 80_000, seed: 5)

    /// A data-gen world as of 2026-11-20 ingested into a new store in a
    /// temporary directory (after `edit` changed the files in the directory
    /// it is given, if any); returns the store's path.
    static func make(agencies: Int, accountsPerAgency: Int, usersPerAccount: Int, days: Int, events: Int, seed: UInt64,
                     edit: ((String) throws -> Void)? = nil) -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-generated-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data").path
        _ = try! generateDataset(DataGenConfig(agencies: agencies, accountsPerAgency: accountsPerAgency, usersPerAccount: usersPerAccount,
                                               days: days, events: events, seed: seed,
                                               asOf: DataGenConfig.date(fromDay: "2026-11-20")!, outputDirectory: data))
        try! edit?(data)
        let store = root.appendingPathComponent("generated.db").path
        _ = try! Ingestor.ingest(directory: data, into: store)
        return store
    }
}
