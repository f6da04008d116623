import GRDB

/// Errors of the store, each carrying what a user needs to act.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// A CSV row is wrong: `file:line: message`.
    case badInput(file: String, line: Int, message: String)
    /// The input directory is missing or lacks a required file.
    case badDirectory(String)
    /// The store file is missing or unreadable.
    case storeUnavailable(path: String, reason: String)
    /// Stored bytes cannot be decoded.
    case corrupt(String)
    /// Another writer changed the store while this ingest was parsing.
    case concurrentWrite(String)
    /// A write that contradicts an earlier one (an idempotency key reused with other arguments).
    case conflict(String)
    /// SQLite failed; the message includes the SQL.
    case database(String)

    public var description: String {
        switch self {
        case let .badInput(file, line, message): "\(file):\(line): \(message)"
        case let .badDirectory(why): why
        case let .storeUnavailable(path, reason): "store \(path): \(reason)"
        case let .corrupt(why): "store is corrupt: \(why)"
        case let .concurrentWrite(why): why
        case let .conflict(why): why
        case let .database(why): "database error: \(why)"
        }
    }

    static func wrap(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            return .database("\(error.message ?? "\(error.resultCode)") (SQL: \(error.sql ?? "-"))")
        }
        return .database(String(describing: error))
    }
}
