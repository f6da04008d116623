import GRDB

/// Errors of the store, each carrying what a user needs to act.
///
/// The description is what a user reads: what happened, where (`file:line`
/// for a row of an ingest), what to do — never SQL. What a developer needs
/// on top (SQLite's result code, the statement) stays in the value and in
/// `debugDescription`.
public enum StoreError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
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
    /// SQLite failed. `code` is its extended result code, `message` its own
    /// words (`database or disk is full`), `sql` the statement, kept for
    /// `debugDescription` only.
    case database(code: Int32, message: String, sql: String?)
    /// Something other than SQLite failed inside a store operation (a
    /// compressor, a decoder): a bug or the environment.
    case unexpected(String)

    public var description: String {
        switch self {
        case let .badInput(file, line, message): "\(file):\(line): \(message)"
        case let .badDirectory(why): why
        case let .storeUnavailable(path, reason): "store \(path): \(reason)"
        case let .corrupt(why): "store is corrupt: \(why)"
        case let .concurrentWrite(why): why
        case let .conflict(why): why
        case let .database(code, message, _): Self.plain(code: code, message: message)
        case let .unexpected(why): why
        }
    }

    public var debugDescription: String {
        guard case let .database(code, message, sql) = self else { return description }
        return "SQLite error \(code): \(message)" + (sql.map { " (SQL: \($0))" } ?? "")
    }

    /// Whether SQLite said the disk (or the store's size cap) is full.
    public var isDiskFull: Bool {
        if case let .database(code, _, _) = self { return ResultCode(rawValue: code).primaryResultCode == .SQLITE_FULL }
        return false
    }

    /// The store's error for any error thrown inside a store operation:
    /// GRDB's `DatabaseError` keeps its code, message and SQL; a
    /// `StoreError` is returned as it is.
    public static func wrap(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            return .database(code: error.extendedResultCode.rawValue, message: error.message ?? "SQLite error \(error.resultCode.rawValue)",
                             sql: error.sql)
        }
        return .unexpected(String(describing: error))
    }

    /// What a SQLite failure means to the person running vitals. Every
    /// write of the store is one transaction, so a failed one leaves
    /// nothing behind: the messages can say so.
    static func plain(code: Int32, message: String) -> String {
        switch ResultCode(rawValue: code) {
        case .SQLITE_FULL:
            "the disk is full: the store could not be written, and nothing of this change was kept; free some space and run it again"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            "the store is busy: another vitals process kept it locked too long; run this again when that one is done"
        case .SQLITE_READONLY:
            "the store could not be written: the file or its directory is read-only (check their permissions)"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            "the store file is damaged or is not a vitals store"
        case .SQLITE_CANTOPEN:
            "the store file could not be opened (check the path and its permissions)"
        case .SQLITE_IOERR:
            "the store could not be read or written: the disk reported an I/O error (\(message))"
        case .SQLITE_NOMEM:
            "out of memory while using the store"
        case .SQLITE_CONSTRAINT:
            "the store refused a row that conflicts with one it holds (\(message))"
        default:
            "the store could not be read or written: \(message)"
        }
    }
}
