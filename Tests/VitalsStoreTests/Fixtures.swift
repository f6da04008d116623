import Foundation
@testable import VitalsStore

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vitals-store-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `files` (name → contents) into a new directory and returns its path.
func writeDataset(_ files: [String: String]) -> String {
    let directory = makeTemporaryDirectory()
    for (name, text) in files {
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data(text.utf8))
    }
    return directory.path
}

/// A small valid dataset: one agency, two accounts, three users, a few events.
let smallDataset: [String: String] = [
    "agencies.csv": "agency_id,name\nag_1,\"Acme, Inc\"\n",
    "accounts.csv": #"""
        account_id,agency_id,name,plan,seats,created_at,renewal_date,owner_email,tracked,priority
        acc_1,ag_1,One,pro,5,2026-01-01T00:00:00Z,2026-12-01,o@x.com,true,high
        acc_2,ag_1,"Two ""quoted""",starter,,2026-02-01T00:00:00Z,,o@x.com,false,

        """#,
    "users.csv": """
        user_id,account_id,email,name,role,created_at,key_user
        u1,acc_1,a@x,A,admin,2026-01-01T00:00:00Z,true
        u2,acc_1,b@x,B,user,,false
        u3,acc_2,c@x,C,user,,false

        """,
    "logins.csv": "ts,account_id,user_id\n2026-11-20T10:00:00Z,acc_1,u1\n2026-11-19T10:00:00+02:00,acc_1,u2\n1763600000,acc_2,u3\n",
    "feature_usage.csv": "ts,account_id,user_id,feature,count\n2026-11-20T10:00:00Z,acc_1,u1,email,3\n2026-11-18T10:00:00Z,acc_2,u3,sms,1\n",
    "mrr.csv": "date,account_id,mrr_cents\n2026-01-01,acc_1,29700\n2026-02-01,acc_2,9700\n",
    "payments.csv": "ts,account_id,invoice_id,amount_cents,status\n2026-11-01T00:00:00Z,acc_1,inv_1,29700,failed\n2026-11-03T00:00:00Z,acc_1,inv_1,29700,succeeded\n",
    "feedback.csv": "ts,account_id,user_id,score,comment\n2026-11-10T00:00:00Z,acc_1,u1,9,\"great, thanks\"\n",
    "workflows.csv": "workflow_id,agency_id,name,webhook_url\nwf_1,ag_1,Win-back,\n",
]

/// The bytes of a file, or nil when it does not exist.
func fileBytes(_ path: String) -> Data? {
    FileManager.default.contents(atPath: path)
}

/// Writes `files` (name → bytes) into a new directory and returns its path:
/// for inputs a text literal cannot hold (a NUL byte inside an id).
func writeDataset(bytes files: [String: [UInt8]]) -> String {
    let directory = makeTemporaryDirectory()
    for (name, bytes) in files {
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data(bytes))
    }
    return directory.path
}

/// The names in a directory, sorted: what a failed ingest left behind.
func directoryListing(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}

/// The permission bits of a file (`0o600`), or nil when it does not exist.
func permissions(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
}

/// `count` login rows of acc_1/u1 at scattered times (a fixed LCG): they
/// compress badly, so they need new pages in any store.
func manyLogins(_ count: Int) -> String {
    var state: UInt64 = 42
    return "ts,account_id,user_id\n" + (0 ..< count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return "\(1_700_000_000 + Int(state >> 40) % 60_000_000),acc_1,u1\n"
    }.joined()
}

/// A store of ``smallDataset`` (quoted names, empty seats and dates, a
/// workflow without webhook) plus an agency generated from `seed`, and its
/// first load, which read the entity tables and the logs as rows: what the
/// packed snapshots' tests start from.
func storeOfTwoIngests(seed: UInt64) throws -> (store: Store, path: String, rows: Dataset) {
    let path = makeTemporaryDirectory().appendingPathComponent("s.db").path
    _ = try Ingestor.ingest(directory: writeDataset(smallDataset), into: path)
    _ = try Ingestor.ingest(directory: try RoundTripTests.generate(seed: seed), into: path)
    let store = try Store.open(at: path)
    return (store, path, try store.loadDataset())
}
