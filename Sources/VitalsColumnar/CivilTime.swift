/// UTC calendar arithmetic on plain integers: days since 1970-01-01 and
/// seconds since the epoch. No `Foundation.Calendar` in hot paths.
public enum CivilTime {
    public static let secondsPerDay: Int64 = 86_400

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    @inlinable
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a day number.
    public static func date(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// The UTC day of an epoch-seconds timestamp (floor division).
    @inlinable
    public static func day(ofSeconds seconds: Int64) -> Int {
        Int(seconds >= 0 ? seconds / secondsPerDay : (seconds - secondsPerDay + 1) / secondsPerDay)
    }

    /// Day of the week of a day number, 0 = Monday … 6 = Sunday.
    public static func weekday(ofDay day: Int) -> Int {
        ((day + 3) % 7 + 7) % 7
    }

    /// The same day of the month `months` later (or earlier), clamped to the
    /// month's end: Jan 31 + 1 month = Feb 28/29.
    public static func adding(months: Int, toDay day: Int) -> Int {
        let (y, m, d) = date(fromDays: day)
        let total = y * 12 + (m - 1) + months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        return days(year: year, month: month, day: min(d, daysInMonth(year: year, month: month)))
    }

    /// The number of days in a month.
    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD` of a day number.
    public static func formatDate(days: Int) -> String {
        let (y, m, d) = date(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// RFC 3339 UTC (`2026-11-20T13:45:07Z`) of epoch seconds.
    public static func formatTimestamp(seconds: Int64) -> String {
        let day = Self.day(ofSeconds: seconds)
        let rest = Int(seconds - Int64(day) * secondsPerDay)
        return "\(formatDate(days: day))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// Parses `YYYY-MM-DD` into a day number, validating the calendar.
    public static func parseDate(_ text: String) -> Int? {
        var text = text
        return text.withUTF8 { parseDate(UnsafeRawBufferPointer($0)) }
    }

    /// Parses `YYYY-MM-DD` bytes into a day number, validating the calendar.
    @inlinable
    public static func parseDate(_ b: UnsafeRawBufferPointer) -> Int? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
              month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month)
        else { return nil }
        return days(year: year, month: month, day: day)
    }

    /// Parses a timestamp of the data contract into epoch seconds (UTC):
    /// RFC 3339 (`2026-11-20T13:45:07Z`, fractional seconds and offsets
    /// allowed; a fraction is truncated) or integer epoch seconds.
    @inlinable
    public static func parseTimestamp(_ b: UnsafeRawBufferPointer) -> Int64? {
        let n = b.count
        guard n > 0 else { return nil }
        // Integer epoch seconds.
        if n < 19 || b[4] != UInt8(ascii: "-") {
            var i = 0
            var negative = false
            if b[0] == UInt8(ascii: "-") { negative = true; i = 1 }
            guard i < n, n - i <= 18 else { return nil }
            var value: Int64 = 0
            while i < n {
                let d = b[i] &- 48
                guard d < 10 else { return nil }
                value = value * 10 + Int64(d)
                i += 1
            }
            return negative ? -value : value
        }
        guard b[7] == UInt8(ascii: "-"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
              let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
              month >= 1, month <= 12, day >= 1, day <= daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        if i < n && b[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < n && b[i] &- 48 < 10 { i += 1 }
            guard i > fractionStart else { return nil }
        }
        guard i < n else { return nil }  // RFC 3339 requires an offset.
        var offsetSeconds = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard n - i == 6, b[i + 3] == UInt8(ascii: ":"),
                  let oh = digits(b, i + 1, 2), let om = digits(b, i + 4, 2), oh < 24, om < 60
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let dayNumber = Int64(days(year: year, month: month, day: day))
        // A leap second (:60) counts as the last second of its minute.
        let secondOfDay = Int64(hour * 3600 + minute * 60 + min(second, 59))
        return dayNumber * secondsPerDay + secondOfDay - Int64(offsetSeconds)
    }

    @inlinable
    static func digits(_ b: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        var value = 0
        for i in at ..< at + count {
            let d = b[i] &- 48
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
