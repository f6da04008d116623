import Foundation
import Testing
@testable import VitalsStore

/// API keys: shown once, stored as a hash, bound to an agency and scopes,
/// refused when unknown, tampered with, revoked or expired.
@Suite struct APIKeyTests {
    func makeStore() throws -> (Store, String) {
        let data = writeDataset(smallDataset)
        let path = makeTemporaryDirectory().appendingPathComponent("keys.db").path
        _ = try Ingestor.ingest(directory: data, into: path)
        return (try Store.open(at: path), path)
    }

    @Test func aKeyCarriesItsAgencyAndScopes() throws {
        let (store, _) = try makeStore()
        let (key, record) = try store.createAPIKey(agencyID: "ag_1", scopes: [.readUsers, .readAccounts], label: "test", now: 1000)
        #expect(key.hasPrefix("vk_\(record.keyID)_"))
        #expect(record.scopes == [.readAccounts, .readUsers])
        let credential = try store.authenticate(key: key, now: 2000)
        #expect(credential == Credential(keyID: record.keyID, agencyKey: 0, agencyID: "ag_1", scopes: [.readAccounts, .readUsers]))
        #expect(try store.apiKeys(agencyID: "ag_1").map(\.keyID) == [record.keyID])
    }

    @Test func onlyTheHashIsStored() throws {
        let (store, path) = try makeStore()
        let (key, _) = try store.createAPIKey(agencyID: "ag_1", scopes: Scope.reads)
        try store.checkpoint()
        let bytes = try #require(FileManager.default.contents(atPath: path))
        let secret = key.split(separator: "_", maxSplits: 2)[2]  // the secret may itself contain "_"
        #expect(bytes.range(of: Data(secret.utf8)) == nil)
    }

    @Test func refusals() throws {
        let (store, _) = try makeStore()
        let (key, record) = try store.createAPIKey(agencyID: "ag_1", scopes: Scope.reads, expiresAt: 5000, now: 1000)
        #expect(throws: CredentialError.expired(keyID: record.keyID)) { try store.authenticate(key: key, now: 5000) }
        var tampered = key
        tampered.removeLast()
        tampered.append(key.last == "x" ? "y" : "x")
        #expect(throws: CredentialError.invalidKey) { try store.authenticate(key: tampered, now: 2000) }
        #expect(throws: CredentialError.invalidKey) { try store.authenticate(key: "not a key", now: 2000) }
        try store.revokeAPIKey(keyID: record.keyID, now: 3000)
        try store.revokeAPIKey(keyID: record.keyID, now: 3500)  // again: no change
        #expect(throws: CredentialError.revoked(keyID: record.keyID)) { try store.authenticate(key: key, now: 4000) }
        #expect(try store.apiKeys().first?.revokedAt == 3000)
        #expect(throws: CredentialError.unknownAgency("ag_9")) { try store.createAPIKey(agencyID: "ag_9", scopes: Scope.reads) }
        #expect(throws: CredentialError.badScope("write:everything")) { try Scope.parseList("read:users,write:everything") }
    }
}
