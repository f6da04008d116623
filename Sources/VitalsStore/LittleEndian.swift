/// The store's own blobs (health history, packed scores, merged digests)
/// are fixed-width integers in little-endian order: written with
/// ``appendLittleEndian(_:to:)``, read back with ``LittleEndianReader``.

/// Appends `value`'s bytes, little endian.
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

/// Reads little-endian values from the front of a buffer; nil past its end.
struct LittleEndianReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard MemoryLayout<T>.size <= remaining else { return nil }
        defer { offset += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The next `count` bytes, or nil when fewer are left.
    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
    }

    /// A UInt32 byte count, then that many bytes.
    mutating func counted() -> UnsafeRawBufferPointer? { read(UInt32.self).flatMap { take(Int($0)) } }
}
