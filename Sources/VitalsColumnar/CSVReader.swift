#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming RFC 4180 CSV reader that works on bytes.
///
/// It reads the file in large chunks and hands out each row's fields as
/// `UnsafeRawBufferPointer`s into its own buffer, valid until the next call to
/// ``next()`` or ``field(_:)``; no `String` is built per field. Quoted fields
/// (with `""` escapes and embedded newlines) are supported; their unescaped
/// bytes are produced on demand. Rows must have as many fields as the header.
/// Empty lines are skipped. Bytes are checked to be UTF-8.
public final class CSVReader {
    /// The name used in error messages (usually the file's path).
    public let fileName: String
    /// The header's field names, in file order.
    public let header: [String]
    /// The file's size in bytes when opened (for capacity estimates).
    public let fileSize: Int
    /// All mutable parsing state lives in one struct behind a pointer the
    /// reader owns: the hot path then pays no dynamic exclusivity checks.
    private let state: UnsafeMutablePointer<CSVScanState>

    /// Opens `path` and reads its header row.
    /// - Throws: `CSVError` when the file cannot be read, is empty, or the
    ///   header is malformed.
    public init(path: String, displayName: String? = nil, chunkSize: Int = 1 << 20) throws(CSVError) {
        let fileName = displayName ?? path
        self.fileName = fileName
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CSVError(file: fileName, line: 0, message: "cannot open file: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        fileSize = fstat(fd, &status) == 0 ? Int(status.st_size) : 0
        var state = CSVScanState(fd: fd, fileName: fileName, chunkSize: chunkSize)
        let found: Bool
        do throws(CSVError) {
            found = try state.nextRow(checkFieldCount: false)
        } catch {
            state.release()
            throw error
        }
        guard found else {
            state.release()
            throw CSVError(file: fileName, line: 1, message: "empty file: a header row is required")
        }
        let header = (0 ..< state.fieldCount).map { String(decoding: state.field($0), as: UTF8.self) }
        state.expectedFields = header.count
        self.header = header
        self.state = .allocate(capacity: 1)
        self.state.initialize(to: state)
        if let duplicate = Dictionary(grouping: header, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw CSVError(file: fileName, line: 1, message: "column \"\(duplicate)\" appears twice in the header")
        }
    }

    deinit {
        state.pointee.release()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// 1-based line where the current row starts.
    public var line: Int { state.pointee.line }
    /// Number of data rows returned so far.
    public var rowsRead: Int { state.pointee.rowsRead }

    /// The header index of `column`, or `nil`.
    public func columnIndex(_ column: String) -> Int? { header.firstIndex(of: column) }

    /// The header index of a column the caller cannot do without.
    /// - Throws: `CSVError` at line 1 naming the missing column.
    public func requiredColumn(_ column: String) throws(CSVError) -> Int {
        guard let index = columnIndex(column) else {
            throw CSVError(file: fileName, line: 1, message: "missing required column \"\(column)\" (header has: \(header.joined(separator: ", ")))")
        }
        return index
    }

    /// Advances to the next data row.
    /// - Returns: `false` at the end of the file.
    public func next() throws(CSVError) -> Bool {
        let found = try state.pointee.nextRow(checkFieldCount: true)
        if found { state.pointee.rowsRead += 1 }
        return found
    }

    /// The bytes of field `index` of the current row, unescaped.
    /// Valid until the next call to ``next()`` or ``field(_:)``.
    public func field(_ index: Int) -> UnsafeRawBufferPointer { state.pointee.field(index) }

    /// Field `index` as a `String` (for entity columns, not for hot paths).
    public func string(_ index: Int) -> String {
        String(decoding: field(index), as: UTF8.self)
    }

    /// An error located at the current row.
    public func error(_ message: String) -> CSVError {
        CSVError(file: fileName, line: line, message: message)
    }
}

/// The scanning state and logic of ``CSVReader``.
struct CSVScanState {
    let fd: Int32
    let fileName: String
    var buffer: UnsafeMutableRawBufferPointer
    /// Valid bytes are `buffer[start ..< end]`.
    var start = 0
    var end = 0
    var atEOF = false
    /// The physical line number of `buffer[start]`.
    var lineAtStart = 1
    /// 1-based line where the current row starts.
    var line = 0
    var rowsRead = 0
    var expectedFields = 0
    /// Bounds of the current row's fields, as buffer offsets.
    var fields: UnsafeMutablePointer<FieldBounds>
    var fieldCapacity = 64
    var fieldCount = 0
    var scratch: [UInt8] = []

    struct FieldBounds {
        var start: Int
        var end: Int
        /// A quoted field's bytes need unescaping.
        var quoted: Bool
    }

    init(fd: Int32, fileName: String, chunkSize: Int) {
        self.fd = fd
        self.fileName = fileName
        buffer = .allocate(byteCount: max(chunkSize, 64), alignment: 16)
        fields = .allocate(capacity: fieldCapacity)
    }

    func release() {
        close(fd)
        buffer.deallocate()
        fields.deallocate()
    }

    /// Records one field of the current row.
    @inline(__always)
    mutating func appendField(_ start: Int, _ end: Int, quoted: Bool) {
        if fieldCount == fieldCapacity { growFields() }
        fields[fieldCount] = FieldBounds(start: start, end: end, quoted: quoted)
        fieldCount += 1
    }

    @inline(never)
    mutating func growFields() {
        let bigger = UnsafeMutablePointer<FieldBounds>.allocate(capacity: fieldCapacity * 2)
        bigger.moveInitialize(from: fields, count: fieldCount)
        fields.deallocate()
        fields = bigger
        fieldCapacity *= 2
    }

    mutating func field(_ index: Int) -> UnsafeRawBufferPointer {
        precondition(index < fieldCount, "field index out of range")
        let bounds = fields[index]
        let raw = UnsafeRawBufferPointer(start: buffer.baseAddress! + bounds.start, count: bounds.end - bounds.start)
        guard bounds.quoted else { return raw }
        // Quoted: drop `""` escapes into the scratch buffer.
        scratch.removeAll(keepingCapacity: true)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            scratch.append(b)
            i += (b == UInt8(ascii: "\"")) ? 2 : 1
        }
        return scratch.withUnsafeBytes { UnsafeRawBufferPointer(start: $0.baseAddress, count: $0.count) }
    }

    // MARK: - Parsing

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    private enum Scan {
        case row(next: Int, lines: Int)
        case needMoreBytes
        case blankLine(next: Int)
    }

    mutating func nextRow(checkFieldCount: Bool) throws(CSVError) -> Bool {
        while true {
            if start == end {
                if atEOF { return false }
                try refill()
                continue
            }
            switch try scanRow() {
            case let .row(next, lines):
                line = lineAtStart
                lineAtStart += lines
                start = next
                if checkFieldCount && fieldCount != expectedFields {
                    throw CSVError(file: fileName, line: line,
                                   message: "expected \(expectedFields) fields, found \(fieldCount)")
                }
                return true
            case let .blankLine(next):
                lineAtStart += 1
                start = next
            case .needMoreBytes:
                if atEOF {
                    // Only reachable inside an open quote: the row never ends.
                    throw CSVError(file: fileName, line: lineAtStart, message: "quoted field is never closed (a quote was left open)")
                }
                try refill()
            }
        }
    }

    /// Scans one row starting at `start`, recording its fields.
    private mutating func scanRow() throws(CSVError) -> Scan {
        fieldCount = 0
        let base = UnsafeRawPointer(buffer.baseAddress!)
        let end = self.end
        var i = start
        var lines = 1
        var highBits: UInt8 = 0
        // A blank line (LF or CRLF) is skipped.
        if base.load(fromByteOffset: i, as: UInt8.self) == Self.lf { return .blankLine(next: i + 1) }
        if base.load(fromByteOffset: i, as: UInt8.self) == Self.cr {
            if i + 1 < end {
                if base.load(fromByteOffset: i + 1, as: UInt8.self) == Self.lf { return .blankLine(next: i + 2) }
            } else if !atEOF {
                return .needMoreBytes
            }
        }
        while true {
            // One field.
            if i < end && base.load(fromByteOffset: i, as: UInt8.self) == Self.quote {
                let fieldStart = i + 1
                var j = fieldStart
                var closed = false
                while j < end {
                    let b = base.load(fromByteOffset: j, as: UInt8.self)
                    highBits |= b
                    if b == Self.quote {
                        if j + 1 < end && base.load(fromByteOffset: j + 1, as: UInt8.self) == Self.quote {
                            j += 2
                            continue
                        }
                        if j + 1 >= end && !atEOF { return .needMoreBytes }
                        closed = true
                        break
                    }
                    if b == Self.lf { lines += 1 }
                    j += 1
                }
                if !closed { return .needMoreBytes }
                appendField(fieldStart, j, quoted: true)
                i = j + 1
                // After the closing quote: a separator or the row's end.
                if i >= end {
                    if !atEOF { return .needMoreBytes }
                    try checkUTF8(highBits, lines: lines)
                    return .row(next: i, lines: lines)
                }
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                if b == Self.comma { i += 1; continue }
                if b == Self.lf {
                    try checkUTF8(highBits, lines: lines)
                    return .row(next: i + 1, lines: lines)
                }
                if b == Self.cr {
                    if i + 1 >= end && !atEOF { return .needMoreBytes }
                    if i + 1 >= end || base.load(fromByteOffset: i + 1, as: UInt8.self) == Self.lf {
                        try checkUTF8(highBits, lines: lines)
                        return .row(next: min(i + 2, end), lines: lines)
                    }
                }
                throw CSVError(file: fileName, line: lineAtStart + lines - 1,
                               message: "unexpected character after a closing quote (field \(fieldCount))")
            }
            // Unquoted field: up to a comma, a line end or the buffer's end.
            let fieldStart = i
            while i < end {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                if b == Self.comma || b == Self.lf { break }
                if b == Self.quote {
                    throw CSVError(file: fileName, line: lineAtStart + lines - 1,
                                   message: "a quote inside an unquoted field (field \(fieldCount + 1)); quote the whole field and double the quote")
                }
                highBits |= b
                i += 1
            }
            if i >= end && !atEOF { return .needMoreBytes }
            var fieldEnd = i
            let atLineEnd = i >= end || base.load(fromByteOffset: i, as: UInt8.self) == Self.lf
            if atLineEnd && fieldEnd > fieldStart && base.load(fromByteOffset: fieldEnd - 1, as: UInt8.self) == Self.cr {
                fieldEnd -= 1
            }
            appendField(fieldStart, fieldEnd, quoted: false)
            if atLineEnd {
                try checkUTF8(highBits, lines: lines)
                return .row(next: min(i + 1, end), lines: lines)
            }
            i += 1  // past the comma
        }
    }

    /// Validates the row's bytes as UTF-8 when any byte had its high bit set.
    private func checkUTF8(_ highBits: UInt8, lines: Int) throws(CSVError) {
        guard highBits & 0x80 != 0 else { return }
        for index in 0 ..< fieldCount {
            let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress! + fields[index].start, count: fields[index].end - fields[index].start)
            if !isValidUTF8(bytes) {
                throw CSVError(file: fileName, line: lineAtStart,
                               message: "field \(index + 1) is not valid UTF-8")
            }
        }
    }

    /// Moves unread bytes to the front of the buffer and reads more.
    private mutating func refill() throws(CSVError) {
        if start > 0 {
            let unread = end - start
            if unread > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: unread)
            }
            start = 0
            end = unread
        }
        if end == buffer.count {
            // One row is larger than the buffer: grow it.
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        let n = read(fd, buffer.baseAddress! + end, buffer.count - end)
        if n < 0 {
            throw CSVError(file: fileName, line: lineAtStart, message: "read failed: \(String(cString: strerror(errno)))")
        }
        if n == 0 { atEOF = true }
        end += n
    }
}

/// Whether `bytes` are well-formed UTF-8 (no overlongs, no surrogates).
public func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var i = 0
    let n = bytes.count
    while i < n {
        let b0 = bytes[i]
        if b0 < 0x80 { i += 1; continue }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2 ... 0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1 ... 0xEC, 0xEE ... 0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1 ... 0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return false
        }
        guard i + length <= n else { return false }
        let b1 = bytes[i + 1]
        guard b1 >= lower && b1 <= upper else { return false }
        for k in 2 ..< length where bytes[i + k] & 0xC0 != 0x80 { return false }
        i += length
    }
    return true
}
