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
        var blob = header(width: width, encoding: encoding, count: count)
        blob.append(contentsOf: try ZstdCodec.compress(transformed, level: level))
        return blob
    }

    /// A segment's first ``headerSize`` bytes.
    @usableFromInline
    static func header(width: Int, encoding: Encoding, count: Int) -> [UInt8] {
        var header = magic
        header.append(UInt8(width))
        header.append(encoding.rawValue)
        header.append(contentsOf: [0, 0])
        withUnsafeBytes(of: UInt64(count).littleEndian) { header.append(contentsOf: $0) }
        return header
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
        try withDecompressed(blob, as: T.self, count: out.count) { raw, encoding in
            untransform(raw, count: out.count, encoding: encoding, into: out)
        }
    }

    /// The segment's values still transformed (deltas, shuffled bytes),
    /// decompressed into a buffer `body` reads, after checking that it holds
    /// `count` values of `T`.
    @inlinable
    static func withDecompressed<T: FixedWidthInteger, R>(_ blob: UnsafeRawBufferPointer, as type: T.Type, count expected: Int,
                                                          _ body: (UnsafeRawBufferPointer, Encoding) -> R) throws(ColumnarError) -> R {
        let width = MemoryLayout<T>.size
        let count = try valueCount(blob, as: T.self)
        guard expected == count else { throw .corruptSegment("segment holds \(count) values, expected \(expected)") }
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
        return body(UnsafeRawBufferPointer(raw), encoding)
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
        if shuffle && width == 8 {
            // Eight values at a time, transposed into a word of each byte row.
            let bytes = out.baseAddress!
            let source = UnsafeRawPointer(values.baseAddress!)
            var i = 0
            while i + 8 <= n {
                var words = ByteMatrix8(rows: source + i * 8, stride: 8)
                words.transpose()
                words.store(rows: bytes + i, stride: n)
                i += 8
            }
            while i < n {
                for b in 0 ..< width { bytes.storeBytes(of: UInt8(truncatingIfNeeded: values[i] >> T(truncatingIfNeeded: 8 * b)), toByteOffset: b * n + i, as: UInt8.self) }
                i += 1
            }
        } else if shuffle {
            // A block at a time, as `untransform` reads them back.
            let bytes = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var start = 0
            while start < n {
                let end = min(start + blockValues, n)
                for b in 0 ..< width {
                    let shift = T(truncatingIfNeeded: 8 * b)
                    let row = bytes + b * n
                    for i in start ..< end { row[i] = UInt8(truncatingIfNeeded: values[i] >> shift) }
                }
                start = end
            }
        } else {
            for i in 0 ..< n { out.storeBytes(of: values[i].littleEndian, toByteOffset: i * width, as: T.self) }
        }
    }

    /// Values decoded (and summed, for deltas) a block at a time: a block of
    /// the output stays in the L1 cache while each of its byte rows is read
    /// into it. Over the whole column at once, each of the eight byte rows
    /// of an Int64 column read and wrote all of the output through memory
    /// (at 100 M events, a fifth of a cold load's CPU).
    @usableFromInline static let blockValues = 2048

    @inlinable
    static func untransform<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, count n: Int, encoding: Encoding, into out: UnsafeMutableBufferPointer<T>) {
        guard n > 0 else { return }
        var previous: T = 0
        var start = 0
        while start < n {
            let end = min(start + blockValues, n)
            untransform(raw, count: n, encoding: encoding, block: start ..< end, previous: &previous, into: out.baseAddress! + start)
            start = end
        }
    }

    /// Decodes a segment of 64-bit epoch seconds (what the store keeps)
    /// into the 32 bits the event columns hold, a block at a time through a
    /// block of scratch. False when a value is outside `0 ... UInt32.max`.
    @inlinable
    public static func decodeNarrowing(_ blob: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt32>) throws(ColumnarError) -> Bool {
        let count = out.count
        return try withDecompressed(blob, as: Int64.self, count: count) { raw, encoding in
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: blockValues) { scratch in
                var previous: Int64 = 0, start = 0, inRange = true
                let target = out.baseAddress
                while start < count {
                    let end = min(start + blockValues, count)
                    untransform(raw, count: count, encoding: encoding, block: start ..< end, previous: &previous, into: scratch.baseAddress!)
                    for i in 0 ..< end - start {
                        let value = scratch[i]
                        inRange = inRange && UInt64(bitPattern: value) <= UInt64(UInt32.max)
                        target![start + i] = UInt32(truncatingIfNeeded: value)
                    }
                    start = end
                }
                return inRange
            }
        }
    }

    /// Values `block` of a column of `n` decoded (and summed, for deltas,
    /// from `previous`, left at the block's last value) into `target`,
    /// which receives value `block.lowerBound` at index 0.
    @inlinable
    static func untransform<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, count n: Int, encoding: Encoding, block: Range<Int>,
                                                  previous: inout T, into target: UnsafeMutablePointer<T>) {
        let width = MemoryLayout<T>.size
        let shuffled = encoding.contains(.shuffle), delta = encoding.contains(.delta)
        let bytes = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let start = block.lowerBound, end = block.upperBound
        // `target` addressed by the value's index in the column.
        let out = target - start
        if shuffled && width == 8 {
            // Eight values at a time: a word from each byte row, the 8×8
            // bytes transposed in registers, the running sum added there.
            var i = start
            while i + 8 <= end {
                var words = ByteMatrix8(rows: UnsafeRawPointer(bytes + i), stride: n)
                words.transpose()
                if delta { words.accumulate(from: UInt64(truncatingIfNeeded: previous)) }
                words.store(to: UnsafeMutableRawPointer(out + i))
                if delta { previous = T(truncatingIfNeeded: words.r7) }
                i += 8
            }
            while i < end {
                var value: T = 0
                for b in 0 ..< width { value |= T(truncatingIfNeeded: bytes[b * n + i]) << T(truncatingIfNeeded: 8 * b) }
                if delta {
                    previous = previous &+ value
                    value = previous
                }
                out[i] = value
                i += 1
            }
        } else {
            if shuffled {
                // Byte b of value i is at b * n + i.
                for i in start ..< end { out[i] = T(truncatingIfNeeded: bytes[i]) }
                for b in 1 ..< width {
                    let shift = T(truncatingIfNeeded: 8 * b)
                    let row = bytes + b * n
                    for i in start ..< end { out[i] |= T(truncatingIfNeeded: row[i]) << shift }
                }
            } else {
                for i in start ..< end { out[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * width, as: T.self)) }
            }
            if delta {
                for i in start ..< end {
                    previous = previous &+ out[i]
                    out[i] = previous
                }
            }
        }
    }
}

/// its byte c, little-endian). Transposing turns eight byte-shuffled rows
/// (byte b of eight consecutive values) into the eight values, and back.
@usableFromInline
struct ByteMatrix8 {
    @usableFromInline var r0, r1, r2, r3, r4, r5, r6, r7: UInt64

    /// Word r read at `rows + r * stride` (little-endian: byte c of a word
    /// is the byte at address c).
    @inlinable
    init(rows: UnsafeRawPointer, stride: Int) {
        @inline(__always) func word(_ r: Int) -> UInt64 { UInt64(littleEndian: rows.loadUnaligned(fromByteOffset: r * stride, as: UInt64.self)) }
        r0 = word(0); r1 = word(1); r2 = word(2); r3 = word(3)
        r4 = word(4); r5 = word(5); r6 = word(6); r7 = word(7)
    }

    /// Swaps byte (r, c) with byte (c, r): blocks of one, two, then four
    /// bytes exchanged between pairs of words.
    @inlinable
    mutating func transpose() {
        @inline(__always) func swap(_ a: inout UInt64, _ b: inout UInt64, _ shift: UInt64, _ mask: UInt64) {
            let t = ((a >> shift) ^ b) & mask
            b ^= t
            a ^= t << shift
        }
        let m1: UInt64 = 0x00FF_00FF_00FF_00FF, m2: UInt64 = 0x0000_FFFF_0000_FFFF, m4: UInt64 = 0x0000_0000_FFFF_FFFF
        swap(&r0, &r1, 8, m1); swap(&r2, &r3, 8, m1); swap(&r4, &r5, 8, m1); swap(&r6, &r7, 8, m1)
        swap(&r0, &r2, 16, m2); swap(&r1, &r3, 16, m2); swap(&r4, &r6, 16, m2); swap(&r5, &r7, 16, m2)
        swap(&r0, &r4, 32, m4); swap(&r1, &r5, 32, m4); swap(&r2, &r6, 32, m4); swap(&r3, &r7, 32, m4)
    }

    /// The running sum of the words, starting from `previous`.
    @inlinable
    mutating func accumulate(from previous: UInt64) {
        r0 = r0 &+ previous; r1 = r1 &+ r0; r2 = r2 &+ r1; r3 = r3 &+ r2
        r4 = r4 &+ r3; r5 = r5 &+ r4; r6 = r6 &+ r5; r7 = r7 &+ r6
    }

    /// The words at `target`, one after another.
    @inlinable
    func store(to target: UnsafeMutableRawPointer) {
        store(rows: target, stride: 8)
    }

    /// Word r written at `rows + r * stride`.
    @inlinable
    func store(rows: UnsafeMutableRawPointer, stride: Int) {
        @inline(__always) func put(_ word: UInt64, _ r: Int) { rows.storeBytes(of: word.littleEndian, toByteOffset: r * stride, as: UInt64.self) }
        put(r0, 0); put(r1, 1); put(r2, 2); put(r3, 3)
        put(r4, 4); put(r5, 5); put(r6, 6); put(r7, 7)
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

/// Encodes segments one after another, as ``ColumnSegment/encode(_:encoding:level:)``
/// does byte for byte, with its buffers and zstd context kept between them:
/// the values' buffer, their shuffled bytes and the compressed frame were
/// three fresh allocations a segment, each megabytes of pages the kernel
/// mapped and zeroed (an ingest of 100 M events writes 1.8 GB of columns).
/// One per thread.
public final class ColumnSegmentEncoder {
    @usableFromInline let compressor: ZstdCompressor
    /// The values' buffer, then their transformed bytes; each grows to the largest segment.
    private var values = Scratch(), transformed = Scratch()

    public init(level: Int32 = ZstdCodec.defaultLevel) {
        compressor = ZstdCompressor(level: level)
    }

    /// The segment of `count` values of type `T` that `fill` writes into
    /// the encoder's buffer (every one of them).
    @inlinable
    public func encode<T: FixedWidthInteger>(count: Int, as _: T.Type, encoding: ColumnSegment.Encoding,
                                             fill: (UnsafeMutableBufferPointer<T>) -> Void) throws(ZstdError) -> [UInt8] {
        let width = MemoryLayout<T>.size
        let buffer = UnsafeMutableBufferPointer(start: valueBuffer(bytes: count * width).bindMemory(to: T.self, capacity: count), count: count)
        fill(buffer)
        if encoding.contains(.delta) && count > 1 {
            // In place, from the end: each value minus the one before it.
            for i in stride(from: count - 1, to: 0, by: -1) { buffer[i] = buffer[i] &- buffer[i - 1] }
        }
        let bytes = UnsafeMutableRawBufferPointer(start: transformedBuffer(bytes: count * width), count: count * width)
        if count > 0 { ColumnSegment.store(UnsafeBufferPointer(buffer), into: bytes, shuffle: encoding.contains(.shuffle)) }
        return try compressor.compress(UnsafeRawBufferPointer(bytes), after: ColumnSegment.header(width: width, encoding: encoding, count: count))
    }

    /// The segment of `values`.
    @inlinable
    public func encode<T: FixedWidthInteger>(_ values: [T], encoding: ColumnSegment.Encoding = [.shuffle]) throws(ZstdError) -> [UInt8] {
        try encode(count: values.count, as: T.self, encoding: encoding) { buffer in _ = buffer.initialize(from: values) }
    }

    @usableFromInline func valueBuffer(bytes: Int) -> UnsafeMutableRawPointer { values.memory(bytes) }
    @usableFromInline func transformedBuffer(bytes: Int) -> UnsafeMutableRawPointer { transformed.memory(bytes) }

    /// Memory kept between segments, grown (doubling) when one needs more.
    private final class Scratch {
        private var base: UnsafeMutableRawPointer?
        private var capacity = 0

        func memory(_ bytes: Int) -> UnsafeMutableRawPointer {
            if base == nil || capacity < bytes {
                base?.deallocate()
                capacity = max(bytes, 2 * capacity, 64)
                base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            }
            return base!
        }

        deinit { base?.deallocate() }
    }
}
