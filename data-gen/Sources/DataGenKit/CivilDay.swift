/// UTC calendar arithmetic on day numbers (days since 1970-01-01), with no
/// Foundation calendar involved (H. Hinnant's civil-date algorithms).
///
/// DataGenKit depends on no other Vitals module, so this is its own small
/// copy of what `VitalsColumnar.CivilTime` does for ingest.
enum CivilDay {
    /// The day number of a proleptic Gregorian date.
    static func day(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a day number.
    static func date(of dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
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

    /// Day of the week, 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    static func weekday(of dayNumber: Int) -> Int {
        ((dayNumber + 3) % 7 + 7) % 7
    }

    /// Number of days in a month of a year.
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The same day of the month `months` later, clamped to the month's end
    /// (Jan 31 + 1 month = Feb 28/29).
    static func adding(months: Int, to dayNumber: Int) -> Int {
        let (y, m, d) = date(of: dayNumber)
        let total = y * 12 + (m - 1) + months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        return day(year: year, month: month, day: min(d, daysInMonth(year: year, month: month)))
    }

    /// Parses `YYYY-MM-DD`, validating the calendar.
    static func parse(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for i in from..<(from + count) {
                let digit = Int(b[i]) - 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let y = number(0, 4), let m = number(5, 2), let d = number(8, 2),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m)
        else { return nil }
        return day(year: y, month: m, day: d)
    }

    /// `YYYY-MM-DD` of a day number (4-digit years).
    static func format(_ dayNumber: Int) -> String {
        String(decoding: dateBytes(dayNumber), as: UTF8.self)
    }

    /// The 10 ASCII bytes of `YYYY-MM-DD`.
    /// - Precondition: the year is in 0...9999.
    static func dateBytes(_ dayNumber: Int) -> [UInt8] {
        let (y, m, d) = date(of: dayNumber)
        precondition((0...9999).contains(y), "year \(y) does not fit YYYY")
        func digit(_ v: Int) -> UInt8 { UInt8(48 + v) }
        return [
            digit(y / 1000), digit(y / 100 % 10), digit(y / 10 % 10), digit(y % 10), UInt8(ascii: "-"),
            digit(m / 10), digit(m % 10), UInt8(ascii: "-"), digit(d / 10), digit(d % 10),
        ]
    }
}
