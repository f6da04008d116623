import VitalsColumnar

/// The store's own blobs (health history, packed scores, merged digests)
/// are fixed-width integers in little-endian order: written with
/// ``appendLittleEndian(_:to:)``, read back with ``LittleEndianReader``.
/// Public for the blobs the store keeps as given (an account's stored detail).

/// Appends `value`'s bytes, little endian.
public func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

/// Appends `text` as a UInt32 byte count and its UTF-8 bytes (read back by
/// ``PackedRowReader/string()``).
public func appendCounted(_ text: String, to bytes: inout [UInt8]) {
    var text = text
    text.withUTF8 { appendCounted(UnsafeRawBufferPointer($0), to: &bytes) }
}

/// Appends `counted` as a UInt32 byte count and its bytes.
public func appendCounted(_ counted: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
    appendLittleEndian(UInt32(counted.count), to: &bytes)
    bytes.append(contentsOf: counted)
}

/// Reads little-endian values from the front of a buffer; nil past its end.
public struct LittleEndianReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    public mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard MemoryLayout<T>.size <= remaining else { return nil }
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The next `count` bytes, or nil when fewer are left.
    public mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
    }

    /// A UInt32 byte count, then that many bytes.
    public mutating func counted() -> UnsafeRawBufferPointer? { read(UInt32.self).flatMap { take(Int($0)) } }
}

/// Reads the rows of a packed snapshot (``EntitySnapshot``,
/// ``LogSnapshot``): a value past the end reads as 0 (or "") and marks the
/// blob ``failed``, which the caller checks once a table is read (a
/// snapshot is rebuilt, not trusted).
struct PackedRowReader {
    var reader: LittleEndianReader
    private(set) var failed = false
    /// The fewest bytes a row takes (``rowCount()``).
    let minimumRowBytes: Int

    init(_ bytes: UnsafeRawBufferPointer, minimumRowBytes: Int) {
        reader = LittleEndianReader(bytes)
        self.minimumRowBytes = minimumRowBytes
    }

    var remaining: Int { reader.remaining }

    mutating func int() -> Int64 {
        guard let value = reader.read(Int64.self) else { failed = true; return 0 }
        return value
    }

    mutating func byte() -> UInt8 {
        guard let value = reader.read(UInt8.self) else { failed = true; return 0 }
        return value
    }

    /// A UInt32 byte count, then that many bytes (nil past the end; not
    /// marked failed: the caller refuses the blob itself).
    mutating func counted() -> UnsafeRawBufferPointer? { reader.counted() }

    /// A UInt32 byte count, then that many bytes of UTF-8.
    mutating func string() -> String {
        guard let text = reader.counted() else { failed = true; return "" }
        return String(decoding: text, as: UTF8.self)
    }

    /// A table's row count, nil when its rows cannot all be there (each is
    /// ``minimumRowBytes`` or more).
    mutating func rowCount() -> Int? {
        guard let count = reader.read(UInt32.self), Int(count) * minimumRowBytes <= reader.remaining else { return nil }
        return Int(count)
    }
}

/// ``PackedRowReader``'s reads over a zstd frame decompressed a window at
/// a time (``ZstdFrameReader``): for a snapshot read once from the front,
/// whose content need not be in memory whole.
struct StreamedRowReader: ~Copyable {
    private var frame: ZstdFrameReader
    private(set) var failed = false
    /// The fewest bytes a row takes (``rowCount()``).
    let minimumRowBytes: Int

    init(_ frame: consuming ZstdFrameReader, minimumRowBytes: Int) {
        self.frame = frame
        self.minimumRowBytes = minimumRowBytes
    }

    /// Bytes of the content not read yet.
    var remaining: Int { frame.remaining }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) -> T {
        guard let bytes = frame.take(MemoryLayout<T>.size) else {
            failed = true
            return 0
        }
        return T(littleEndian: bytes.loadUnaligned(as: T.self))
    }

    mutating func int() -> Int64 { read(Int64.self) }

    mutating func byte() -> UInt8 { read(UInt8.self) }

    /// A UInt32 byte count, then that many bytes, valid until the next
    /// read (nil past the end; not marked failed: the caller refuses the
    /// blob itself).
    mutating func counted() -> UnsafeRawBufferPointer? {
        guard let count = frame.take(4).map({ Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }) else { return nil }
        return frame.take(count)
    }

    /// A UInt32 byte count, then that many bytes of UTF-8.
    mutating func string() -> String {
        guard let text = counted() else {
            failed = true
            return ""
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A table's row count, nil when its rows cannot all be there.
    mutating func rowCount() -> Int? {
        let count = Int(read(UInt32.self))
        guard !failed, count * minimumRowBytes <= remaining else { return nil }
        return count
    }
}
