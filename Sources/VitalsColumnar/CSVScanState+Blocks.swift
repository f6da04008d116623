#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// The CSV scanner's fastest path, on x86-64: 64 bytes at a time, into bit
/// masks that the rows of a block share.
///
/// Each 64-byte block is compared, sixteen bytes at a time, against `,` and
/// LF, and checked for the bytes this path leaves to the vector scanner — a
/// quote, a NUL, a byte above 0x7F — and `pmovmskb` packs each comparison
/// into one bit per byte: three 64-bit masks per block. A row's fields are
/// then its separators' bits, lowest first (`trailingZeroBitCount`, then
/// clearing the lowest bit), up to the first LF; the next row goes on from
/// the same masks, so each byte is compared once.
///
/// A row with one of those bytes before its LF (a quoted field, UTF-8 text
/// to validate, an error to word) is scanned again by ``scanRowVectors()``,
/// which defines what such rows mean; so is any row the block scanner
/// cannot end inside the buffer.
///
/// The sixteen-byte scanner compared its vectors from each row's start, so
/// the end of one row's last vector was compared again for the next row,
/// and it found each field end through a branch per eight bytes. Swift has
/// no portable movemask (``CSVScanState/lanes(_:)`` works around it); the
/// SSE2 intrinsics, which clang's `_Builtin_intrinsics` module gives Swift,
/// do. On other architectures the vector scanner is the fast path.
extension CSVScanState {
    /// Scans one row starting at `start` with the fastest scanner there is.
    @inline(__always)
    mutating func scanRow() throws(CSVError) -> Scan {
        #if arch(x86_64)
        return try scanRowBlocks()
        #else
        return try scanRowVectors()
        #endif
    }

    #if arch(x86_64)
    /// The masks of the 64 bytes at `offset`: separators (commas and LFs),
    /// LFs, and specials (quotes, NULs, bytes above 0x7F), bit i for byte
    /// `offset + i`. Bytes at or past `end` are not marked.
    @inline(__always)
    static func blockMasks(_ base: UnsafeRawPointer, _ offset: Int, end: Int) -> (separators: UInt64, lineFeeds: UInt64, specials: UInt64) {
        let commas = _mm_set1_epi8(CChar(bitPattern: comma)), lineFeeds = _mm_set1_epi8(CChar(bitPattern: lf))
        let quotes = _mm_set1_epi8(CChar(bitPattern: quote)), zeros = _mm_setzero_si128()
        var separatorBits: UInt64 = 0, lineFeedBits: UInt64 = 0, specialBits: UInt64 = 0
        for k in 0 ..< 4 {
            let v = base.loadUnaligned(fromByteOffset: offset &+ k &* 16, as: __m128i.self)
            let lf = _mm_cmpeq_epi8(v, lineFeeds)
            let separator = _mm_or_si128(lf, _mm_cmpeq_epi8(v, commas))
            // A byte above 0x7F has its own high bit set: OR-ed in as it is.
            let special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quotes), _mm_cmpeq_epi8(v, zeros)), v)
            separatorBits |= UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(separator))) &<< (k &* 16)
            lineFeedBits |= UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(lf))) &<< (k &* 16)
            specialBits |= UInt64(UInt16(truncatingIfNeeded: _mm_movemask_epi8(special))) &<< (k &* 16)
        }
        let valid = end &- offset
        if valid < 64 {
            let kept = (UInt64(1) &<< UInt64(valid)) &- 1
            separatorBits &= kept
            lineFeedBits &= kept
            specialBits &= kept
        }
        return (separatorBits, lineFeedBits, specialBits)
    }

    /// Scans one row starting at `start`, recording its fields, from the
    /// current block's masks (made for the block that starts at `start` if
    /// the current one does not hold it).
    mutating func scanRowBlocks() throws(CSVError) -> Scan {
        let base = UnsafeRawPointer(buffer.baseAddress!)
        let end = self.end
        let rowStart = start
        var at = block, separators = blockSeparators, lineFeeds = blockLineFeeds, specials = blockSpecials
        if at >= 0 && rowStart &- at < 64 && rowStart >= at {
            // The bits of the rows before this one are gone.
            let before = ~((UInt64(1) &<< UInt64(rowStart &- at)) &- 1)
            separators &= before
            lineFeeds &= before
            specials &= before
        } else {
            at = rowStart
            (separators, lineFeeds, specials) = Self.blockMasks(base, at, end: end)
        }
        let first = base.load(fromByteOffset: rowStart, as: UInt8.self)
        if first == Self.lf {
            (block, blockSeparators, blockLineFeeds, blockSpecials) = (at, separators, lineFeeds, specials)
            return .blankLine(next: rowStart &+ 1)
        }
        if first == Self.cr {
            block = -1
            return try scanRowBytewise()
        }
        var ends = fieldEnds
        var count = 0
        while true {
            if separators == 0 {
                // The rest of this block is in the row: the next block.
                at &+= 64
                guard specials == 0, at < end else {
                    block = -1
                    return try scanRowVectors()
                }
                (separators, lineFeeds, specials) = Self.blockMasks(base, at, end: end)
                continue
            }
            let lowest = separators & (0 &- separators)
            separators &= separators &- 1
            if count >= fieldCapacity {
                fieldCount = count
                growFields()
                ends = fieldEnds
            }
            ends[count] = at &+ lowest.trailingZeroBitCount
            count &+= 1
            guard lineFeeds & lowest != 0 else { continue }
            // The row's LF: a special byte before it is the vector scanner's.
            guard specials & (lowest &- 1) == 0 else {
                block = -1
                return try scanRowVectors()
            }
            (block, blockSeparators, blockLineFeeds, blockSpecials) = (at, separators, lineFeeds, specials)
            self.rowStart = rowStart
            rowQuoted = false
            fieldCount = count
            return .row(next: at &+ lowest.trailingZeroBitCount &+ 1, lines: 1)
        }
    }
    #endif
}
