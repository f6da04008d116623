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
/// Empty lines are skipped. Bytes are checked to be UTF-8; a UTF-8 byte-order
/// mark at the start of the file is skipped; a NUL byte anywhere is an error.
///
/// Rows are found sixteen bytes at a time (see `CSVScanState+Vectors.swift`).
public final class CSVReader {
    /// The name used in error messages (usually the file's path).
    public let fileName: String
    /// The header's field names, in file order.
    public let header: [String]
    /// The file's size in bytes when opened, a part's size for a part (for capacity estimates).
    public let fileSize: Int
    /// The file read.
    let path: String
    /// All mutable parsing state lives in one struct behind a pointer the
    /// reader owns: the hot path then pays no dynamic exclusivity checks.
    @usableFromInline let state: UnsafeMutablePointer<CSVScanState>

    /// Opens `path` and reads its header row.
    /// - Throws: `CSVError` when the file cannot be read, is empty, or the
    ///   header is malformed.
    public init(path: String, displayName: String? = nil, chunkSize: Int = 1 << 20) throws(CSVError) {
        let fileName = displayName ?? path
        self.fileName = fileName
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CSVError(file: fileName, line: 0, message: "cannot open file: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        fileSize = fstat(fd, &status) == 0 ? Int(status.st_size) : 0
        var state = CSVScanState(fd: fd, fileName: fileName, chunkSize: chunkSize)
        let found: Bool
        do throws(CSVError) {
            try state.skipByteOrderMark()
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
        state.columnNames = header
        self.header = header
        self.state = .allocate(capacity: 1)
        self.state.initialize(to: state)
        if let duplicate = Dictionary(grouping: header, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw CSVError(file: fileName, line: 1, message: "column \"\(duplicate)\" appears twice in the header")
        }
    }

    /// A reader of the rows of one part of a file (``parts(count:)``).
    /// Its lines count from 1 at the part's start (the caller adds the
    /// lines before it); the part's end reads as the end of the file, so a
    /// part cut inside a quoted field ends in an error.
    public init(part: CSVPart, chunkSize: Int = 1 << 20) throws(CSVError) {
        fileName = part.fileName
        header = part.header
        path = part.path
        fileSize = part.range.count
        let fd = open(part.path, O_RDONLY)
        guard fd >= 0, lseek(fd, off_t(part.range.lowerBound), SEEK_SET) == off_t(part.range.lowerBound) else {
            if fd >= 0 { close(fd) }
            throw CSVError(file: fileName, line: 0, message: "cannot open file: \(String(cString: strerror(errno)))")
        }
        var state = CSVScanState(fd: fd, fileName: fileName, chunkSize: chunkSize)
        state.expectedFields = header.count
        state.columnNames = header
        state.unreadLimit = part.range.count
        if part.range.isEmpty { state.atEOF = true }
        self.state = .allocate(capacity: 1)
        self.state.initialize(to: state)
    }

    /// The file offset of the next unread row (right after the header, once opened).
    public var offset: Int { state.pointee.bufferOffset + state.pointee.start }

    /// Physical lines read so far, blank ones and those inside quoted fields included.
    public var linesRead: Int { state.pointee.lineAtStart - 1 }

    /// Cuts the rows after the header into at most `count` parts of about
    /// equal size, each starting where a line starts (after a LF). A line
    /// break inside a quoted field can still fall on a cut: a reader of the
    /// part before it then fails, and the caller reads the file whole.
    public func parts(count: Int) -> [CSVPart] {
        let first = offset, size = fileSize - first
        func part(_ range: Range<Int>) -> CSVPart { CSVPart(path: path, fileName: fileName, header: header, range: range) }
        guard count > 1, size > 0 else { return [part(first ..< max(first, fileSize))] }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return [part(first ..< fileSize)] }
        defer { close(fd) }
        var cuts = [first]
        var probe = [UInt8](repeating: 0, count: 1 << 16)
        for k in 1 ..< count {
            var at = max(first + size * k / count, cuts.last!)
            var found: Int?
            while found == nil, at < fileSize {
                let n = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(at)) }
                guard n > 0 else { break }
                if let lf = probe[0 ..< n].firstIndex(of: UInt8(ascii: "\n")) { found = at + lf + 1 } else { at += n }
            }
            guard let cut = found, cut < fileSize else { break }
            if cut > cuts.last! { cuts.append(cut) }
        }
        cuts.append(fileSize)
        return zip(cuts.dropLast(), cuts.dropFirst()).map { part($0 ..< $1) }
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
    @inlinable @inline(__always)
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

/// A run of whole rows of a CSV file, after its header: what one core parses.
public struct CSVPart: Sendable, Equatable {
    public var path: String
    public var fileName: String
    public var header: [String]
    /// Byte offsets in the file.
    public var range: Range<Int>
}
