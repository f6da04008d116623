/// A column of fixed-width integers encoded for storage: an optional delta
/// transform, an optional byte shuffle (byte `k` of every value together, so
/// the zero high bytes of small values form long runs), then one zstd frame.
///
/// Layout: `"VCS1"`, value width (1 byte), encoding (1 byte), 2 reserved bytes,
/// value count (UInt64, little endian), then the zstd frame.
public enum ColumnSegment {
    /// Transforms applied before compression.
    public struct Encoding: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Store `v[i] &- v[i-1]` (for sorted or slowly varying columns).
        public static let delta = Encoding(rawValue: 1)
        /// Transpose bytes so each byte position is contiguous.
        public static let shuffle = Encoding(rawValue: 2)
    }

    @usableFromInline static let magic: [UInt8] = Array("VCS1".utf8)
    @usableFromInline static let headerSize = 16

    /// Encodes `values` into a segment blob.
    /// - Complexity: O(n), one temporary copy of the column.
    @inlinable
    public static func encode<T: FixedWidthInteger>(
        _ values: [T], encoding: Encoding = [.shuffle], level: Int32 = ZstdCodec.defaultLevel
    ) throws(ZstdError) -> [UInt8] {
        let width = MemoryLayout<T>.size
        let count = values.count
        var transformed = [UInt8](repeating: 0, count: count * width)
        values.withUnsafeBufferPointer { source in
            transformed.withUnsafeMutableBytes { out in
                transform(source, into: out, encoding: encoding)
            }
        }
        let frame = try ZstdCodec.compress(transformed, level: level)
        var blob = magic
        blob.append(UInt8(width))
        blob.append(encoding.rawValue)
        blob.append(contentsOf: [0, 0])
        withUnsafeBytes(of: UInt64(count).littleEndian) { blob.append(contentsOf: $0) }
        blob.append(contentsOf: frame)
        return blob
    }

    /// Decodes a segment blob written by ``encode(_:encoding:level:)``.
    /// - Throws: `ColumnarError.corruptSegment` when the blob does not match `T`
    ///   or is damaged.
    @inlinable
    public static func decode<T: FixedWidthInteger>(_ blob: UnsafeRawBufferPointer, as type: T.Type = T.self) throws(ColumnarError) -> [T] {
        let count = try valueCount(blob, as: T.self)
        var failure: ColumnarError?
        let values = [T](unsafeUninitializedCapacity: count) { out, initialized in
            do throws(ColumnarError) { try decode(blob, into: out) } catch { failure = error }
            initialized = count
        }
        if let failure { throw failure }
        return values
    }

    /// The number of `T` values a segment holds (from its header), checking
    /// the magic and the value width.
    @inlinable
    public static func valueCount<T: FixedWidthInteger>(_ blob: UnsafeRawBufferPointer, as type: T.Type = T.self) throws(ColumnarError) -> Int {
        guard blob.count >= headerSize, Array(blob[0 ..< 4]) == magic else {
            throw .corruptSegment("bad segment header")
        }
        guard Int(blob[4]) == MemoryLayout<T>.size else {
            throw .corruptSegment("segment holds \(blob[4])-byte values, expected \(MemoryLayout<T>.size)")
        }
        return Int(UInt64(littleEndian: blob.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    }

    /// Decodes a segment straight into `out` (exactly ``valueCount(_:as:)``
    /// values), so that pieces of one column land in one buffer without copies.
    @inlinable
    public static func decode<T: FixedWidthInteger>(_ blob: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<T>) throws(ColumnarError) {
        let width = MemoryLayout<T>.size
        let count = try valueCount(blob, as: T.self)
        guard out.count == count else { throw .corruptSegment("segment holds \(count) values, expected \(out.count)") }
        let encoding = Encoding(rawValue: blob[5])
        let frame = UnsafeRawBufferPointer(rebasing: blob[headerSize...])
        let size: Int
        do { size = try ZstdCodec.contentSize(of: frame) } catch { throw .corruptSegment(error.description) }
        guard size == count * width else {
            throw .corruptSegment("segment frame holds \(size) bytes, expected \(count * width)")
        }
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer { raw.deallocate() }
        do {
            try ZstdCodec.decompress(frame, into: UnsafeMutableRawBufferPointer(rebasing: raw[0 ..< size]))
        } catch {
            throw .corruptSegment(error.description)
        }
        untransform(UnsafeRawBufferPointer(raw), count: count, encoding: encoding, into: out)
    }

    /// Decodes from an array of bytes.
    @inlinable
    public static func decode<T: FixedWidthInteger>(_ blob: [UInt8], as type: T.Type = T.self) throws(ColumnarError) -> [T] {
        let result: Result<[T], ColumnarError> = blob.withUnsafeBytes { bytes in
            do throws(ColumnarError) { return .success(try decode(bytes, as: T.self)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    @inlinable
    static func transform<T: FixedWidthInteger>(_ source: UnsafeBufferPointer<T>, into out: UnsafeMutableRawBufferPointer, encoding: Encoding) {
        let n = source.count
        guard n > 0 else { return }
        guard encoding.contains(.delta) else {
            store(source, into: out, shuffle: encoding.contains(.shuffle))
            return
        }
        let deltas = [T](unsafeUninitializedCapacity: n) { buffer, count in
            var previous: T = 0
            for i in 0 ..< n {
                buffer[i] = source[i] &- previous
                previous = source[i]
            }
            count = n
        }
        deltas.withUnsafeBufferPointer { store($0, into: out, shuffle: encoding.contains(.shuffle)) }
    }

    /// Writes values little-endian, or byte-shuffled: byte `b` of value `i` at `b * n + i`.
    @inlinable
    static func store<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, into out: UnsafeMutableRawBufferPointer, shuffle: Bool) {
        let width = MemoryLayout<T>.size
        let n = values.count
        if shuffle {
            let bytes = out.bindMemory(to: UInt8.self)
            for b in 0 ..< width {
                let shift = T(truncatingIfNeeded: 8 * b)
                let row = UnsafeMutableBufferPointer(rebasing: bytes[b * n ..< (b + 1) * n])
                for i in 0 ..< n { row[i] = UInt8(truncatingIfNeeded: values[i] >> shift) }
            }
        } else {
            for i in 0 ..< n { out.storeBytes(of: values[i].littleEndian, toByteOffset: i * width, as: T.self) }
        }
    }

    @inlinable
    static func untransform<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, count n: Int, encoding: Encoding, into out: UnsafeMutableBufferPointer<T>) {
        let width = MemoryLayout<T>.size
        guard n > 0 else { return }
        if encoding.contains(.shuffle) {
            let bytes = raw.bindMemory(to: UInt8.self)
            for i in 0 ..< n { out[i] = 0 }
            for b in 0 ..< width {
                let shift = T(truncatingIfNeeded: 8 * b)
                let row = UnsafeBufferPointer(rebasing: bytes[b * n ..< (b + 1) * n])
                for i in 0 ..< n { out[i] |= T(truncatingIfNeeded: row[i]) << shift }
            }
        } else {
            for i in 0 ..< n { out[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * width, as: T.self)) }
        }
        if encoding.contains(.delta) {
            var previous: T = 0
            for i in 0 ..< n {
                previous = previous &+ out[i]
                out[i] = previous
            }
        }
    }
}

/// Errors of the columnar layer.
public enum ColumnarError: Error, CustomStringConvertible, Sendable {
    /// A stored segment cannot be decoded.
    case corruptSegment(String)

    public var description: String {
        switch self {
        case .corruptSegment(let why): "corrupt column segment: \(why)"
        }
    }
}
