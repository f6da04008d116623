/// Parses a column of timestamps, remembering the date of the last one.
///
/// Event files hold rows in time order, thousands to a day, so most rows
/// repeat the previous row's `YYYY-MM-DD`. For the canonical shape
/// `YYYY-MM-DDTHH:MM:SSZ` (20 bytes) whose date is the remembered one,
/// only the time of day is read (ten byte compares and six digits);
/// everything else goes through ``CivilTime/parseTimestamp(_:)``, which
/// then remembers a canonical row's date. The result is always what
/// `parseTimestamp` returns for the same bytes: a date is remembered only
/// after `parseTimestamp` accepted it, and the time of day is checked as
/// it checks it (hours < 24, minutes < 60, seconds ≤ 60, a leap second
/// counted as :59).
public struct TimestampParser {
    /// The remembered date's bytes 0..<8 and 8..<10, little-endian.
    @usableFromInline var dateHead: UInt64 = 0
    @usableFromInline var dateTail: UInt16 = 0
    /// Epoch seconds of the remembered date's midnight; nil: none yet.
    @usableFromInline var midnight: Int64?

    public init() {}

    @inlinable
    public mutating func parse(_ b: UnsafeRawBufferPointer) -> Int64? {
        if b.count == 20, let midnight, b[19] == UInt8(ascii: "Z"), b[10] == UInt8(ascii: "T"),
           b.loadUnaligned(as: UInt64.self) == dateHead, b.loadUnaligned(fromByteOffset: 8, as: UInt16.self) == dateTail,
           let time = Self.timeOfDay(b) {
            return midnight + time
        }
        guard let value = CivilTime.parseTimestamp(b) else { return nil }
        if b.count == 20, b[19] == UInt8(ascii: "Z"), b[10] == UInt8(ascii: "T"), let time = Self.timeOfDay(b) {
            dateHead = b.loadUnaligned(as: UInt64.self)
            dateTail = b.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
            midnight = value - time
        }
        return value
    }

    /// Seconds since midnight of `HH:MM:SS` at bytes 11..<19, or nil.
    @inlinable
    static func timeOfDay(_ b: UnsafeRawBufferPointer) -> Int64? {
        let h1 = b[11] &- 48, h2 = b[12] &- 48, m1 = b[14] &- 48, m2 = b[15] &- 48, s1 = b[17] &- 48, s2 = b[18] &- 48
        guard b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              h1 < 10, h2 < 10, m1 < 10, m2 < 10, s1 < 10, s2 < 10
        else { return nil }
        let hour = Int64(h1) * 10 + Int64(h2), minute = Int64(m1) * 10 + Int64(m2), second = Int64(s1) * 10 + Int64(s2)
        guard hour < 24, minute < 60, second <= 60 else { return nil }
        return hour * 3600 + minute * 60 + min(second, 59)
    }
}
