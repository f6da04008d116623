import Foundation
import GRDB
import VitalsCrypto

/// One write transaction, for a caller whose change is several writes that
/// must be kept together or not at all: a tool's change, its audit entry and
/// its idempotency key (``Store/write(idempotency:_:)``). The methods that
/// change data (workflow runs, feedback requests, metadata, CTAs, plans,
/// activities) are defined on it; reads inside it see its own writes.
public struct WriteTransaction {
    let db: Database

    /// Appends an audit entry in this transaction.
    public func audit(_ entry: AuditEntry) throws {
        try Store.insert(entry, db)
    }

    /// Runs one statement through the connection's statement cache: a
    /// playbook night inserts thousands of rows with a handful of statements,
    /// prepared once each instead of once per row.
    func execute(cached sql: String, arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

/// An idempotency key given with a write: the agency it belongs to, the key,
/// and what the first call was (the tool and a digest of its arguments).
public struct IdempotencyClaim: Sendable, Equatable {
    public var agencyKey: Int
    public var key: String
    public var tool: String
    /// SHA-256 of the tool and its arguments (without the key), hex.
    public var fingerprint: String

    /// - Parameter request: the call's arguments without the key, in a canonical form (sorted-key JSON).
    public init(agencyKey: Int, key: String, tool: String, request: String) {
        self.agencyKey = agencyKey
        self.key = key
        self.tool = tool
        fingerprint = Crypto.hex(Crypto.sha256(tool + "\n" + request))
    }
}

extension Store {
    /// Runs `body` in one write transaction and keeps its result with the
    /// idempotency key, if one is given. When the key was used before by
    /// the same call (same tool, same arguments), `body` does not run: the
    /// first result comes back with `replayed` true, and nothing is
    /// written. The same key with other arguments is refused
    /// (``StoreError/conflict(_:)``): it is a new request under an old key.
    ///
    /// Errors `body` throws are rethrown as they are, after the rollback.
    public func write(idempotency claim: IdempotencyClaim?, now: Int64 = Int64(Date().timeIntervalSince1970),
                      _ body: (WriteTransaction) throws -> String) throws -> (result: String, replayed: Bool) {
        do {
            return try pool.write { db in
                if let claim, let row = try Row.fetchOne(db, sql: """
                    SELECT tool, fingerprint, result FROM idempotency_keys WHERE agency_key = ? AND idempotency_key = ?
                    """, arguments: [claim.agencyKey, claim.key]) {
                    guard row["tool"] == claim.tool, row["fingerprint"] == claim.fingerprint else {
                        let tool: String = row["tool"]
                        throw StoreError.conflict("idempotency_key \"\(claim.key)\" was first used for \(tool) with other arguments; "
                            + "a retry must repeat the same call — use a new key for a new request")
                    }
                    return (row["result"], true)
                }
                let result = try body(WriteTransaction(db: db))
                if let claim {
                    try db.execute(sql: """
                        INSERT INTO idempotency_keys (agency_key, idempotency_key, tool, fingerprint, result, created_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [claim.agencyKey, claim.key, claim.tool, claim.fingerprint, result, now])
                }
                return (result, false)
            }
        } catch let error as DatabaseError {
            throw StoreError.wrap(error)
        }
    }
}
