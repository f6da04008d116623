import GRDB
import GRDBSQLite

/// Reads the rows of a query column by column straight from SQLite, for the
/// big tables a load reads whole (accounts, users, the three logs): GRDB's
/// `Row` cursor converts every value through `DatabaseValue`. At 100 M
/// events (360,000 accounts and users) the entities' read went 0.45 →
/// 0.3 s; the logs' cost was mostly SQLite's sort (see the load).
struct RawRow {
    fileprivate let statement: SQLiteStatement

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(statement, column) != 0 }

    /// Text (NULL reads as "").
    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
}

extension Database {
    /// Runs `sql` and hands each row to `body`, in order.
    func forEachRawRow(_ sql: String, _ body: (RawRow) throws -> Void) throws {
        let statement = try makeStatement(sql: sql)
        let row = RawRow(statement: statement.sqliteStatement)
        while true {
            let code = sqlite3_step(statement.sqliteStatement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
            }
            try body(row)
        }
        sqlite3_reset(statement.sqliteStatement)
    }
}
