/// The CSV scanner's fast path: sixteen bytes at a time.
///
/// Each 16-byte vector is compared against `,`, LF, `"` and NUL (one SSE2
/// `pcmpeqb` each on x86-64, the baseline the package builds for), giving
/// two masks with the high bit set in each byte that matters: `commas`, and
/// `stops` — an LF, a quote or a NUL. The masks are read as two 64-bit
/// lanes. A vector with no stop (most of them) records its commas as field
/// ends without a branch per comma (`recordFieldEnds`); the first stop is
/// the row's end or the start of a quoted field.
///
/// Bytes with the high bit set are not looked at one by one: the vectors are
/// OR-ed together and only a row in which such a byte occurred is validated
/// as UTF-8. CR is not looked for either: it matters only right before an LF
/// (``CSVScanState/field(_:)`` drops it there) or after a closing quote
/// (checked there).
///
/// This scanner handles rows that are well-formed and end with an LF inside
/// the buffer. Everything else — an error, a blank CRLF line, the last row of
/// a file with no final newline — goes to ``CSVScanState/scanRowBytewise()``,
/// so error messages and edge cases have one definition.
///
/// Swift's SIMD comparisons compile to `pcmpeqb`, but Swift has no
/// `pmovmskb`; `SIMDMask` is `@frozen` with lanes of 0 or -1, so the mask is
/// reinterpreted as two `UInt64`s and `trailingZeroBitCount / 8` gives the
/// byte. Eight bytes at a time in general registers (SWAR) was tried first:
/// it spent ~20 ALU operations per eight bytes on the four compares, and a
/// standalone build of the 1M-row benchmark loop ran ~49 ms against ~40 ms
/// for these sixteen-byte compares (byte at a time: 83 ms in the ordo-one
/// benchmark).
extension CSVScanState {
    typealias Bytes = SIMD16<UInt8>
    typealias Lanes = SIMD2<UInt64>

    // Computed, not stored: a stored static is initialised lazily, behind a
    // `swift_once` call on every use; these fold to constants.
    static var commaBytes: Bytes { Bytes(repeating: comma) }
    static var quoteBytes: Bytes { Bytes(repeating: quote) }
    static var lfBytes: Bytes { Bytes(repeating: lf) }
    static var highBitLanes: Lanes { Lanes(repeating: 0x8080_8080_8080_8080) }

    /// The sixteen bytes at `offset`.
    @inline(__always)
    static func bytes(_ base: UnsafeRawPointer, _ offset: Int) -> Bytes {
        base.loadUnaligned(fromByteOffset: offset, as: Bytes.self)
    }

    /// A comparison's result as two little-endian lanes with the high bit of
    /// each matching byte set.
    @inline(__always)
    static func lanes(_ mask: SIMDMask<SIMD16<Int8>>) -> Lanes {
        unsafeBitCast(mask, to: Lanes.self) & highBitLanes
    }

    /// Whether any byte OR-ed into `high` had its high bit set.
    @inline(__always)
    static func hasHighBit(_ high: Bytes) -> Bool {
        let lanes = unsafeBitCast(high, to: Lanes.self) & highBitLanes
        return lanes[0] | lanes[1] != 0
    }

    /// Records a field end at each marked byte of a lane starting at
    /// `offset`, into `ends` from `count` on.
    ///
    /// Two ends are stored unconditionally (eight bytes rarely hold more than
    /// two commas; an unmarked store lands past the count, in the slack), so
    /// the common lane takes no data-dependent branch. Needs
    /// `count < fieldCapacity`.
    @inline(__always)
    static func recordFieldEnds(_ marks: UInt64, at offset: Int, into ends: UnsafeMutablePointer<Int>, count: inout Int) {
        var rest = marks
        ends[count] = offset &+ (rest.trailingZeroBitCount &>> 3)
        count &+= rest != 0 ? 1 : 0
        rest &= rest &- 1
        ends[count] = offset &+ (rest.trailingZeroBitCount &>> 3)
        count &+= rest != 0 ? 1 : 0
        rest &= rest &- 1
        while rest != 0 {
            ends[count] = offset &+ (rest.trailingZeroBitCount &>> 3)
            count &+= 1
            rest &= rest &- 1
        }
    }

    /// Scans one row starting at `start`, recording its fields.
    ///
    /// Vectors are loaded past `end` without masking: ``refill()`` leaves
    /// `sentinelBytes` bytes there that are neither commas nor stops.
    mutating func scanRowVectors() throws(CSVError) -> Scan {
        let base = UnsafeRawPointer(buffer.baseAddress!)
        let end = self.end
        let first = base.load(fromByteOffset: start, as: UInt8.self)
        if first == Self.lf { return .blankLine(next: start &+ 1) }
        if first == Self.cr { return try scanRowBytewise() }
        rowStart = start
        rowQuoted = false
        // The field ends are kept in locals (stored back before any call
        // that reads them) so the loop does not reload them after each store.
        var ends = fieldEnds
        var count = 0
        var i = start
        var lines = 1
        var high = Bytes()
        scan: while i < end {
            let v = Self.bytes(base, i)
            high |= v
            let commas = Self.lanes(v .== Self.commaBytes)
            let stops = Self.lanes((v .== Self.lfBytes) .| (v .== Self.quoteBytes) .| (v .== Bytes()))
            if count >= fieldCapacity &- 8 {
                fieldCount = count
                growFields()
                ends = fieldEnds
            }
            let stop: Int
            if stops[0] != 0 {
                let lowest = stops[0] & (0 &- stops[0])
                Self.recordFieldEnds(commas[0] & (lowest &- 1), at: i, into: ends, count: &count)
                stop = i &+ (lowest.trailingZeroBitCount &>> 3)
            } else {
                Self.recordFieldEnds(commas[0], at: i, into: ends, count: &count)
                let lowest = stops[1] & (0 &- stops[1])
                Self.recordFieldEnds(commas[1] & (lowest &- 1), at: i &+ 8, into: ends, count: &count)
                if lowest == 0 {
                    i &+= 16
                    continue
                }
                stop = i &+ 8 &+ (lowest.trailingZeroBitCount &>> 3)
            }
            let b = base.load(fromByteOffset: stop, as: UInt8.self)
            if b == Self.lf {
                ends[count] = stop
                fieldCount = count &+ 1
                if Self.hasHighBit(high) { try checkUTF8() }
                return .row(next: stop &+ 1, lines: lines)
            }
            let fieldStart = count == 0 ? rowStart : ends[count &- 1] &+ 1
            // A stray quote or a NUL: an error, which the byte-wise scan words.
            guard b == Self.quote && stop == fieldStart else { return try scanRowBytewise() }
            // A quoted field: find its closing quote, skipping `""`.
            rowQuoted = true
            var j = stop &+ 1
            var close = -1
            quoted: while j < end {
                let v = Self.bytes(base, j)
                high |= v
                let stops = Self.lanes((v .== Self.lfBytes) .| (v .== Self.quoteBytes) .| (v .== Bytes()))
                for lane in 0 ..< 2 {
                    var marks = stops[lane]
                    while marks != 0 {
                        let q = j &+ lane &* 8 &+ (marks.trailingZeroBitCount &>> 3)
                        let b = base.load(fromByteOffset: q, as: UInt8.self)
                        if b == Self.lf {
                            lines &+= 1
                        } else if b == Self.quote {
                            guard q &+ 1 < end else { break quoted }
                            if base.load(fromByteOffset: q &+ 1, as: UInt8.self) != Self.quote {
                                close = q
                                break quoted
                            }
                            j = q &+ 2
                            continue quoted
                        } else {
                            return try scanRowBytewise()  // NUL
                        }
                        marks &= marks &- 1
                    }
                }
                j &+= 16
            }
            guard close >= 0 else { return atEOF ? try scanRowBytewise() : .needMoreBytes }
            // After the closing quote (`close + 1 < end`): a separator or the row's end.
            let after = close &+ 1
            let next = base.load(fromByteOffset: after, as: UInt8.self)
            var rowEnd = -1
            if next == Self.lf {
                rowEnd = after
            } else if next == Self.cr && after &+ 1 < end && base.load(fromByteOffset: after &+ 1, as: UInt8.self) == Self.lf {
                rowEnd = after &+ 1
            } else if next != Self.comma {
                return try scanRowBytewise()  // an error, or CR at the buffer's end
            }
            ends[count] = rowEnd >= 0 ? rowEnd : after
            count &+= 1
            if rowEnd >= 0 {
                fieldCount = count
                if Self.hasHighBit(high) { try checkUTF8() }
                return .row(next: rowEnd &+ 1, lines: lines)
            }
            i = after &+ 1
        }
        // The row runs past the buffer: read more, or it is the file's last.
        return atEOF ? try scanRowBytewise() : .needMoreBytes
    }
}
