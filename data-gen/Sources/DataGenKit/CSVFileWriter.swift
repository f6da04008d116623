#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered writer of one RFC 4180 CSV file.
///
/// Rows are assembled in a large owned byte buffer and handed to `write(2)`
/// in chunks of `capacity` bytes. The hot path (``appendRow(maxBytes:_:)``)
/// lends the buffer to a closure that writes one row's bytes; the cold path
/// (``field(_:)-(String)``, ``endRow()``) quotes and separates fields.
final class CSVFileWriter {
    /// The file name inside the output directory (`logins.csv`).
    let name: String
    /// Data rows written so far (the header not counted).
    private(set) var rows = 0
    /// Bytes handed to the file so far, header included.
    private(set) var bytesWritten = 0

    private let path: String
    private var descriptor: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private var fieldsInRow = 0
    private var failure: DataGenError?

    /// Creates (or truncates) `directory/name` and writes the header row.
    /// - Throws: ``DataGenError/io(path:reason:)`` when the file cannot be created.
    init(directory: String, name: String, columns: [String], capacity: Int = 1 << 22) throws(DataGenError) {
        self.name = name
        self.path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        self.capacity = capacity
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw DataGenError.io(path: path, reason: String(cString: strerror(errno)))
        }
        buffer = .allocate(capacity: capacity)
        for column in columns { field(column) }
        endRow()
        rows = 0
    }

    deinit {
        buffer.deallocate()
        if descriptor >= 0 { _ = close(descriptor) }
    }

    // MARK: Hot path

    /// Writes one row through `body`, which gets the position to write at and
    /// returns the position just past the row's last byte (its newline
    /// included).
    /// - Precondition: the row fits in `maxBytes`, and `maxBytes ≤ capacity`
    ///   (check that once, before the loop).
    @inline(__always)
    func appendRow(maxBytes: Int, _ body: (UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>) {
        if count + maxBytes > capacity { flush() }
        let end = body(buffer + count)
        count = end - buffer
        rows += 1
    }

    /// The largest `maxBytes` that ``appendRow(maxBytes:_:)`` accepts.
    var rowCapacity: Int { capacity }

    // MARK: Cold path

    /// Appends one text field, quoted when it holds a comma, quote or line break.
    func field(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { utf8 in
            let needsQuotes = utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            guard needsQuotes else {
                append(UnsafeRawBufferPointer(utf8))
                return
            }
            appendByte(0x22)
            for byte in utf8 {
                if byte == 0x22 { appendByte(0x22) }
                appendByte(byte)
            }
            appendByte(0x22)
        }
    }

    /// Appends an integer field.
    func field(_ value: Int) {
        separate()
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: any Int with its sign
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value.magnitude
            var i = scratch.count
            repeat {
                i -= 1
                scratch[i] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                rest /= 10
            } while rest > 0
            if value < 0 {
                i -= 1
                scratch[i] = UInt8(ascii: "-")
            }
            append(UnsafeRawBufferPointer(rebasing: scratch[i...]))
        }
    }

    /// Appends an empty field.
    func emptyField() {
        separate()
    }

    /// Appends a `YYYY-MM-DD` field.
    func dateField(_ day: Int) {
        separate()
        CivilDay.dateBytes(day).withUnsafeBytes { append($0) }
    }

    /// Appends an RFC 3339 UTC timestamp field (`2026-11-20T13:45:07Z`).
    func timestampField(day: Int, second: Int) {
        dateField(day)
        let bytes: [UInt8] = [
            UInt8(ascii: "T"), digit(second / 36000), digit(second / 3600 % 10), UInt8(ascii: ":"),
            digit(second / 600 % 6), digit(second / 60 % 10), UInt8(ascii: ":"),
            digit(second % 60 / 10), digit(second % 10), UInt8(ascii: "Z"),
        ]
        bytes.withUnsafeBytes { append($0) }
    }

    /// Ends the current row with a newline.
    func endRow() {
        appendByte(0x0A)
        fieldsInRow = 0
        rows += 1
    }

    /// Writes what is buffered and closes the file.
    /// - Throws: ``DataGenError/io(path:reason:)`` for the first failed write.
    func finish() throws(DataGenError) {
        flush()
        if descriptor >= 0, close(descriptor) != 0, failure == nil {
            failure = .io(path: path, reason: String(cString: strerror(errno)))
        }
        descriptor = -1
        if let failure { throw failure }
    }

    // MARK: Internals

    private func digit(_ value: Int) -> UInt8 { UInt8(48 + value) }

    private func separate() {
        if fieldsInRow > 0 { appendByte(0x2C) }
        fieldsInRow += 1
    }

    private func appendByte(_ byte: UInt8) {
        if count == capacity { flush() }
        buffer[count] = byte
        count += 1
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        if count + bytes.count > capacity { flush() }
        if bytes.count > capacity {
            writeFully(bytes)
            return
        }
        if let base = bytes.baseAddress {
            UnsafeMutableRawPointer(buffer + count).copyMemory(from: base, byteCount: bytes.count)
        }
        count += bytes.count
    }

    @inline(never)
    private func flush() {
        writeFully(UnsafeRawBufferPointer(start: buffer, count: count))
        count = 0
    }

    private func writeFully(_ bytes: UnsafeRawBufferPointer) {
        guard var next = bytes.baseAddress, bytes.count > 0 else { return }
        var left = bytes.count
        while left > 0, failure == nil {
            let written = write(descriptor, next, left)
            if written < 0 {
                if errno == EINTR { continue }
                failure = .io(path: path, reason: String(cString: strerror(errno)))
                return
            }
            next += written
            left -= written
        }
        bytesWritten += bytes.count
    }
}
