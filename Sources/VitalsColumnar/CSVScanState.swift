#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scanning state and logic of ``CSVReader``.
///
/// Rows are found in three tiers. On x86-64 the block scanner
/// (`CSVScanState+Blocks.swift`) reads 64 bytes at a time into bit masks
/// and takes the rows of plain ASCII; a row with a quote, a NUL or a byte
/// above 0x7F goes to the vector scanner (`CSVScanState+Vectors.swift`,
/// the only scanner on other architectures), which handles well-formed
/// rows; anything unusual — an error, a blank CRLF line, the file's last
/// unterminated row — is handed to the byte-at-a-time
/// ``scanRowBytewise()`` below, which defines the reader's exact semantics and
/// error messages.
@usableFromInline
struct CSVScanState {
    let fd: Int32
    let fileName: String
    /// The read buffer. `paddingBytes` more bytes are allocated (and zeroed)
    /// past its end so that an 8-byte load at any offset below `end` is in
    /// bounds; bytes past `end` are masked off, never interpreted.
    @usableFromInline var buffer: UnsafeMutableRawBufferPointer
    /// Valid bytes are `buffer[start ..< end]`.
    var start = 0
    var end = 0
    var atEOF = false
    /// The physical line number of `buffer[start]`.
    var lineAtStart = 1
    /// The file offset of `buffer[0]`.
    var bufferOffset = 0
    /// Bytes of the file still to read: the end of a part of the file
    /// (``CSVReader/init(part:chunkSize:)``) reads as its end.
    var unreadLimit = Int.max
    /// 1-based line where the current row starts.
    var line = 0
    var rowsRead = 0
    var expectedFields = 0
    /// The header's names, once read (only for error messages).
    var columnNames: [String] = []
    /// Buffer offset where the current row starts.
    @usableFromInline var rowStart = 0
    /// Whether the current row has a quoted field: when not, ``field(_:)``
    /// need not look at a field's first byte.
    @usableFromInline var rowQuoted = false
    /// Buffer offset of the delimiter that ends each field of the current
    /// row: its comma, or for the last field the row's LF (or the end of the
    /// file). One integer per field, so the scanner records a field with one
    /// store; ``field(_:)`` derives the bounds (and strips the CR of a CRLF
    /// and a field's quotes) only for the fields asked for.
    @usableFromInline var fieldEnds: UnsafeMutablePointer<Int>
    /// `fieldEnds` holds `fieldCapacity + fieldSlack` integers: the scanner
    /// stores up to sixteen ends (one vector's commas) past a count it has
    /// checked to be at most `fieldCapacity - 8`, once per vector rather than
    /// per field.
    var fieldCapacity = 64
    @usableFromInline var fieldCount = 0
    var scratch: [UInt8] = []
    /// The block scanner's place: the buffer offset of its current 64-byte
    /// block (-1: none; a refill moves the bytes, so it forgets it) and the
    /// block's masks, bit i for byte `block + i`: the separators (commas
    /// and LFs) not yet taken, the LFs, and the bytes only the vector
    /// scanner handles.
    var block = -1
    var blockSeparators: UInt64 = 0
    var blockLineFeeds: UInt64 = 0
    var blockSpecials: UInt64 = 0

    static let fieldSlack = 16
    /// Bytes past the buffer's end that a load may touch: the block
    /// scanner reads 64 bytes from an offset below `end`.
    static let paddingBytes = 64
    /// Written after the last valid byte on every refill, so the vector
    /// scanner can load past `end`: "A" is neither a delimiter, a quote nor NUL.
    static let sentinel = UInt8(ascii: "A")
    static let sentinelBytes = 16

    init(fd: Int32, fileName: String, chunkSize: Int) {
        self.fd = fd
        self.fileName = fileName
        buffer = Self.allocateBuffer(max(chunkSize, 1))
        fieldEnds = .allocate(capacity: fieldCapacity + Self.fieldSlack)
    }

    static func allocateBuffer(_ capacity: Int) -> UnsafeMutableRawBufferPointer {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity + paddingBytes, alignment: 16)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: capacity + paddingBytes)
        return UnsafeMutableRawBufferPointer(start: raw, count: capacity)
    }

    func release() {
        close(fd)
        buffer.deallocate()
        fieldEnds.deallocate()
    }

    /// Records the end of one field of the current row.
    @inline(__always)
    mutating func appendFieldEnd(_ end: Int) {
        if fieldCount >= fieldCapacity { growFields() }
        fieldEnds[fieldCount] = end
        fieldCount &+= 1
    }

    @inline(never)
    mutating func growFields() {
        let bigger = UnsafeMutablePointer<Int>.allocate(capacity: fieldCapacity * 2 + Self.fieldSlack)
        bigger.moveInitialize(from: fieldEnds, count: fieldCount)
        fieldEnds.deallocate()
        fieldEnds = bigger
        fieldCapacity *= 2
    }

    /// The raw bytes of field `index`: from after the previous delimiter to
    /// before its own, without the CR of a CRLF, quotes included.
    @inlinable @inline(__always)
    func rawFieldBounds(_ index: Int) -> (start: Int, end: Int) {
        let start = index == 0 ? rowStart : fieldEnds[index &- 1] &+ 1
        var end = fieldEnds[index]
        if index == fieldCount &- 1 && end > start && buffer.baseAddress!.load(fromByteOffset: end &- 1, as: UInt8.self) == Self.cr {
            end &-= 1
        }
        return (start, end)
    }

    /// Field `index`, unescaped. Small enough to inline into
    /// ``CSVReader/field(_:)``, and inlinable so that it inlines into the
    /// parsers of other modules too: they ask for every field of every row,
    /// and a call across the module boundary for each was 5 % of an ingest's CPU.
    @inlinable @inline(__always)
    mutating func field(_ index: Int) -> UnsafeRawBufferPointer {
        precondition(index < fieldCount, "field index out of range")
        let (start, end) = rawFieldBounds(index)
        let base = UnsafeRawPointer(buffer.baseAddress!)
        // A field is quoted iff its first byte is a quote (an unquoted field
        // holding a quote was refused by the scanner).
        guard rowQuoted && end > start && base.load(fromByteOffset: start, as: UInt8.self) == Self.quote else {
            return UnsafeRawBufferPointer(start: base + start, count: end &- start)
        }
        return quotedField(UnsafeRawBufferPointer(start: base + start + 1, count: end - start - 2))
    }

    /// A quoted field's bytes between its quotes, with `""` made `"` (in the
    /// scratch buffer, when there is one).
    @usableFromInline @inline(never)
    mutating func quotedField(_ inner: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard inner.contains(Self.quote) else { return inner }
        scratch.removeAll(keepingCapacity: true)
        var i = 0
        while i < inner.count {
            let b = inner[i]
            scratch.append(b)
            i += (b == Self.quote) ? 2 : 1
        }
        return scratch.withUnsafeBytes { UnsafeRawBufferPointer(start: $0.baseAddress, count: $0.count) }
    }

    // MARK: - Rows

    static let comma = UInt8(ascii: ",")
    // Computed: the inlinable field(_:) reads these from other modules, where
    // a stored static would be reached through its lazy initializer.
    @inlinable static var quote: UInt8 { UInt8(ascii: "\"") }
    static let lf = UInt8(ascii: "\n")
    @inlinable static var cr: UInt8 { UInt8(ascii: "\r") }

    enum Scan {
        case row(next: Int, lines: Int)
        case needMoreBytes
        case blankLine(next: Int)
    }

    /// Skips a UTF-8 byte-order mark (EF BB BF) at the start of the file:
    /// Excel's "CSV UTF-8" writes one, and it would otherwise become part of
    /// the first column's name.
    mutating func skipByteOrderMark() throws(CSVError) {
        while end - start < 3 && !atEOF { try refill() }
        guard end - start >= 3 else { return }
        let base = UnsafeRawPointer(buffer.baseAddress!) + start
        if base.load(as: UInt8.self) == 0xEF && base.load(fromByteOffset: 1, as: UInt8.self) == 0xBB
            && base.load(fromByteOffset: 2, as: UInt8.self) == 0xBF {
            start += 3
        }
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

    /// Scans one row starting at `start` a byte at a time, recording its fields.
    ///
    /// The reference for what a row is: the vector scanner must give
    /// the same result wherever it does not call this.
    @inline(never)
    mutating func scanRowBytewise() throws(CSVError) -> Scan {
        fieldCount = 0
        rowStart = start
        rowQuoted = false
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
                rowQuoted = true
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
                    if b == 0 { throw nulError(field: fieldCount + 1, line: lineAtStart + lines - 1) }
                    j += 1
                }
                if !closed { return .needMoreBytes }
                i = j + 1
                // After the closing quote: a separator or the row's end.
                if i >= end {
                    if !atEOF { return .needMoreBytes }
                    appendFieldEnd(i)
                    try checkUTF8(highBits, lines: lines)
                    return .row(next: i, lines: lines)
                }
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                if b == Self.comma { appendFieldEnd(i); i += 1; continue }
                if b == Self.lf {
                    appendFieldEnd(i)
                    try checkUTF8(highBits, lines: lines)
                    return .row(next: i + 1, lines: lines)
                }
                if b == Self.cr {
                    if i + 1 >= end && !atEOF { return .needMoreBytes }
                    if i + 1 >= end || base.load(fromByteOffset: i + 1, as: UInt8.self) == Self.lf {
                        appendFieldEnd(i + 1)  // the LF, or the end of the file
                        try checkUTF8(highBits, lines: lines)
                        return .row(next: min(i + 2, end), lines: lines)
                    }
                }
                if b == 0 { throw nulError(field: fieldCount + 1, line: lineAtStart + lines - 1) }
                throw CSVError(file: fileName, line: lineAtStart + lines - 1,
                               message: "unexpected character after a closing quote (field \(fieldCount + 1))")
            }
            // Unquoted field: up to a comma, a line end or the buffer's end.
            while i < end {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                if b == Self.comma || b == Self.lf { break }
                if b == Self.quote {
                    throw CSVError(file: fileName, line: lineAtStart + lines - 1,
                                   message: "a quote inside an unquoted field (field \(fieldCount + 1)); quote the whole field and double the quote")
                }
                if b == 0 { throw nulError(field: fieldCount + 1, line: lineAtStart + lines - 1) }
                highBits |= b
                i += 1
            }
            if i >= end && !atEOF { return .needMoreBytes }
            appendFieldEnd(i)  // a CR before the row's LF is dropped by `rawFieldBounds`
            let atLineEnd = i >= end || base.load(fromByteOffset: i, as: UInt8.self) == Self.lf
            if atLineEnd {
                try checkUTF8(highBits, lines: lines)
                return .row(next: min(i + 1, end), lines: lines)
            }
            i += 1  // past the comma
        }
    }

    /// A NUL byte in field `field` (1-based) on physical line `line`. NUL is
    /// refused rather than stored: C strings (SQLite's text functions among
    /// them) would silently cut the value there.
    func nulError(field: Int, line: Int) -> CSVError {
        let name = field >= 1 && field <= columnNames.count ? " (\"\(columnNames[field - 1])\")" : ""
        return CSVError(file: fileName, line: line,
                        message: "field \(field)\(name) contains a NUL byte (0x00), which CSV text must not hold")
    }

    /// Validates the row's bytes as UTF-8 when any byte had its high bit set.
    func checkUTF8(_ highBits: UInt8, lines: Int) throws(CSVError) {
        guard highBits & 0x80 != 0 else { return }
        try checkUTF8()
    }

    /// Validates every field of the row as UTF-8.
    @inline(never)
    func checkUTF8() throws(CSVError) {
        for index in 0 ..< fieldCount {
            let (start, end) = rawFieldBounds(index)
            if !isValidUTF8(UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: end - start)) {
                throw CSVError(file: fileName, line: lineAtStart,
                               message: "field \(index + 1) is not valid UTF-8")
            }
        }
    }

    /// Moves unread bytes to the front of the buffer and reads more.
    mutating func refill() throws(CSVError) {
        block = -1
        if start > 0 {
            bufferOffset += start
            let unread = end - start
            if unread > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: unread)
            }
            start = 0
            end = unread
        }
        if end == buffer.count {
            // One row is larger than the buffer: grow it.
            let bigger = Self.allocateBuffer(buffer.count * 2)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = bigger
        }
        let n = read(fd, buffer.baseAddress! + end, min(buffer.count - end, unreadLimit))
        if n < 0 {
            throw CSVError(file: fileName, line: lineAtStart, message: "read failed: \(String(cString: strerror(errno)))")
        }
        unreadLimit -= n
        if n == 0 || unreadLimit == 0 { atEOF = true }
        end += n
        (buffer.baseAddress! + end).initializeMemory(as: UInt8.self, repeating: Self.sentinel, count: Self.sentinelBytes)
    }
}
