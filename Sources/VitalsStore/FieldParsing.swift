import VitalsColumnar

/// Typed readers for the fields of the data contract. Each throws a
/// `file:line` error that quotes the bad value.
extension CSVReader {
    /// Opens `path` for an ingest.
    static func opening(_ path: String) throws(StoreError) -> CSVReader {
        do { return try CSVReader(path: path) } catch { throw .badInput(file: error.file, line: error.line, message: error.message) }
    }

    /// A reader of one part of a file.
    static func opening(_ part: CSVPart) throws(StoreError) -> CSVReader {
        do { return try CSVReader(part: part) } catch { throw .badInput(file: error.file, line: error.line, message: error.message) }
    }

    /// Moves to the next data row; false after the last one.
    func nextRow() throws(StoreError) -> Bool {
        do { return try next() } catch { throw .badInput(file: error.file, line: error.line, message: error.message) }
    }

    /// The index of a column the file must have.
    func column(_ name: String) throws(StoreError) -> Int {
        do { return try requiredColumn(name) } catch { throw .badInput(file: error.file, line: error.line, message: error.message) }
    }

    /// The current row, for an error found after parsing.
    var source: SourceRow { SourceRow(file: fileName, line: line) }

    func bad(_ message: String) -> StoreError {
        .badInput(file: fileName, line: line, message: message)
    }

    /// The key of the account whose id is in `column`; unknown or empty: a `file:line` error.
    func accountKey(_ column: Int, in accounts: ByteStringDictionary) throws(StoreError) -> Int {
        guard let key = accounts.code(of: field(column)) else {
            if field(column).count == 0 { throw bad("empty account_id") }
            throw bad("unknown account_id \(quoted(column)) (not in accounts.csv nor in the store)")
        }
        return Int(key)
    }

    /// The field's text, shortened for an error message.
    func quoted(_ index: Int) -> String {
        let text = string(index)
        return "\"" + (text.count > 60 ? text.prefix(57) + "..." : text) + "\""
    }

    /// A non-empty identifier.
    func identifier(_ index: Int, column: String) throws(StoreError) -> String {
        let text = string(index)
        if text.isEmpty { throw bad("empty \(column)") }
        return text
    }

    /// Epoch seconds from RFC 3339 or integer seconds.
    func timestamp(_ index: Int, column: String) throws(StoreError) -> Int64 {
        if let ts = CivilTime.parseTimestamp(field(index)) { return ts }
        throw bad("bad timestamp \(quoted(index)) in column \(column) (expected RFC 3339 like 2026-11-20T13:45:07Z, or epoch seconds)")
    }

    /// Epoch seconds, or `nil` for an empty field.
    func optionalTimestamp(_ index: Int?, column: String) throws(StoreError) -> Int64? {
        guard let index, field(index).count > 0 else { return nil }
        return try timestamp(index, column: column)
    }

    /// A `YYYY-MM-DD` day number.
    func date(_ index: Int, column: String) throws(StoreError) -> Int {
        if let day = CivilTime.parseDate(field(index)) { return day }
        throw bad("bad date \(quoted(index)) in column \(column) (expected YYYY-MM-DD)")
    }

    /// A day number, or `nil` for an empty field.
    func optionalDate(_ index: Int?, column: String) throws(StoreError) -> Int? {
        guard let index, field(index).count > 0 else { return nil }
        return try date(index, column: column)
    }

    /// A decimal integer (optionally negative).
    func integer(_ index: Int, column: String) throws(StoreError) -> Int64 {
        if let value = Self.parseInteger(field(index)) { return value }
        throw bad("\(column) must be an integer, got \(quoted(index))")
    }

    /// An integer, or `nil` for an empty field.
    func optionalInteger(_ index: Int?, column: String) throws(StoreError) -> Int64? {
        guard let index, field(index).count > 0 else { return nil }
        return try integer(index, column: column)
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, any case); `fallback` when empty or absent.
    func boolean(_ index: Int?, column: String, fallback: Bool) throws(StoreError) -> Bool {
        guard let index else { return fallback }
        switch string(index).lowercased() {
        case "": return fallback
        case "true", "1", "yes", "t", "y": return true
        case "false", "0", "no", "f", "n": return false
        default: throw bad("\(column) must be true or false, got \(quoted(index))")
        }
    }

    /// Text, or `fallback` when the column is absent.
    func text(_ index: Int?, fallback: String = "") -> String {
        guard let index else { return fallback }
        return string(index)
    }

    @inlinable
    static func parseInteger(_ b: UnsafeRawBufferPointer) -> Int64? {
        let n = b.count
        guard n > 0, n <= 19 else { return nil }
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
            guard n > 1 else { return nil }
        }
        var value: Int64 = 0
        while i < n {
            let d = b[i] &- 48
            guard d < 10 else { return nil }
            value = value &* 10 &+ Int64(d)
            i += 1
        }
        return negative ? -value : value
    }
}
