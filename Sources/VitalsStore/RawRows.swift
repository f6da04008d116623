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

    /// The case whose raw value is the column's text (nil: none is), read
    /// without making a `String` of it: 600,000 payments' statuses at
    /// 100 M events.
    func rawCase<T: CaseIterable & RawRepresentable>(_ column: Int32, of _: T.Type) -> T? where T.RawValue == String {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
        return T.allCases.first { $0.rawValue.utf8.elementsEqual(bytes) }
    }

    /// A blob's bytes, copied once out of SQLite's memory (NULL reads as
    /// none). Through GRDB's `Row` a column segment was copied twice, into
    /// `Data` and then into bytes: 400 MB of a 100 M cold load each time.
    func blob(_ column: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(statement, column))))
    }

    /// A blob's bytes in SQLite's memory, valid until the next step (NULL
    /// reads as none).
    func blobBytes(_ column: Int32) -> UnsafeRawBufferPointer {
        guard let pointer = sqlite3_column_blob(statement, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// Text's bytes in SQLite's memory, valid until the next step (NULL
    /// reads as none).
    func textBytes(_ column: Int32) -> UnsafeRawBufferPointer {
        guard let text = sqlite3_column_text(statement, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// Text (NULL reads as "").
    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
}

extension Database {
    /// How many rows to reserve for a table read whole: `sql`'s one value
    /// (the largest dense key plus one, a seek), kept within 0 ... 2²⁶, so
    /// that a corrupt key fails the read with its own message rather than
    /// an allocation.
    func reservation(_ sql: String) throws -> Int {
        min(max(0, try Int.fetchOne(self, sql: sql) ?? 0), 1 << 26)
    }

    /// `body` over the first row of `sql` (nil: there is none), whose
    /// blobs it reads where SQLite holds them (``RawRow/blobBytes(_:)``).
    /// The snapshots a load starts from are megabytes: through GRDB's
    /// `Data` each was copied once more, 30 MB of fresh pages a night at
    /// 100 M events.
    func withFirstRawRow<R>(_ sql: String, _ body: (RawRow) throws -> R?) throws -> R? {
        var result: R?
        var first = true
        try forEachRawRow(sql) { row in
            if first { result = try body(row) }
            first = false
        }
        return result
    }

    /// Runs `sql` with `arguments` and hands each row to `body`, in order.
    func forEachRawRow(_ sql: String, arguments: StatementArguments = [], _ body: (RawRow) throws -> Void) throws {
        let statement = try makeStatement(sql: sql)
        try statement.setArguments(arguments)
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

/// Binds one row's values straight into a prepared statement and runs it:
/// the writer's counterpart of ``RawRow``, for the rows a first night's
/// playbooks insert by the ten thousand (a CTA, its tasks, its audit
/// entry). GRDB's `StatementArguments` boxes every value in an existential
/// and binds through them: about half of that write's time at 100 M events
/// (20,000 CTAs).
///
/// Values are bound in the order of the statement's `?` placeholders.
struct RawInsert {
    private let statement: Statement
    private let sql: String
    private var position: Int32 = 0
    /// The first bind that failed (a text too long for SQLite), reported by ``run(_:)``.
    private var failedBind: Int32 = SQLITE_OK

    /// `sql` through the connection's statement cache.
    init(_ db: Database, cached sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
        self.sql = sql
    }

    private var handle: SQLiteStatement { statement.sqliteStatement }

    private mutating func next() -> Int32 {
        position += 1
        return position
    }

    private mutating func check(_ code: Int32) {
        if code != SQLITE_OK && failedBind == SQLITE_OK { failedBind = code }
    }

    mutating func bind(_ value: Int64) { check(sqlite3_bind_int64(handle, next(), value)) }
    mutating func bind(_ value: Int) { bind(Int64(value)) }
    mutating func bind(_ value: Bool) { bind(Int64(value ? 1 : 0)) }
    mutating func bind(_ value: Int64?) { if let value { bind(value) } else { check(sqlite3_bind_null(handle, next())) } }
    mutating func bind(_ value: Int?) { bind(value.map(Int64.init)) }
    mutating func bind(_ value: Double?) {
        check(value.map { sqlite3_bind_double(handle, next(), $0) } ?? sqlite3_bind_null(handle, next()))
    }

    /// Text, copied by SQLite (`SQLITE_TRANSIENT`), up to its first NUL
    /// byte, as GRDB binds a `String`: every text of the store is cut
    /// there, so a NUL-shadowed id meets the UNIQUE constraint of the id
    /// it shadows (the ingest's `file:line` answer), not a twin.
    mutating func bind(_ value: String) {
        let index = next()
        check(value.withCString { sqlite3_bind_text(handle, index, $0, -1, Self.transient) })
    }

    mutating func bind(_ value: String?) { if let value { bind(value) } else { check(sqlite3_bind_null(handle, next())) } }

    /// A blob, copied by SQLite (an empty one is a blob, not NULL).
    mutating func bind(_ bytes: [UInt8]) {
        let index = next()
        check(bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(buffer.count), Self.transient)
        })
    }

    /// Runs the statement once with the values bound, then readies it for the next row.
    mutating func run(_ db: Database) throws {
        precondition(position == sqlite3_bind_parameter_count(handle), "\(position) values bound for \(sql)")
        defer {
            sqlite3_reset(handle)
            position = 0
            failedBind = SQLITE_OK
        }
        guard failedBind == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: failedBind), message: String(cString: sqlite3_errstr(failedBind)), sql: sql)
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
