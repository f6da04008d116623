import DataGenKit
import Foundation
import VitalsStore
import VitalsTools
@testable import VitalsMCP

/// A generated store with one key of each kind, and the HTTP server on it.
/// The router test framework names the host `localhost`, so the server's
/// public URL is `http://localhost` (a test of the Host check uses another).
struct ServedStore {
    static let shared = ServedStore()

    let store: Store
    let readKey: String
    let otherKey: String

    init() {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-routes-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data").path
        _ = try! generateDataset(DataGenConfig(agencies: 2, accountsPerAgency: 12, usersPerAccount: 4, days: 60, events: 8_000, seed: 3,
                                               asOf: DataGenConfig.date(fromDay: "2026-11-20")!, outputDirectory: data))
        let path = root.appendingPathComponent("routes.db").path
        _ = try! Ingestor.ingest(directory: data, into: path)
        store = try! Store.open(at: path)
        readKey = try! store.createAPIKey(agencyID: "ag_001", scopes: Scope.reads).key
        otherKey = try! store.createAPIKey(agencyID: "ag_001", scopes: [.readAccounts]).key
    }

    func server(publicURL: String = "http://localhost", rateLimit: RateLimit? = nil) -> MCPHTTPServer {
        var configuration = MCPHTTPConfiguration(host: "127.0.0.1", port: 0)
        configuration.publicURL = publicURL
        configuration.rateLimit = rateLimit
        return MCPHTTPServer(store: store, live: try! LiveContext(store: store), configuration: configuration)
    }
}
