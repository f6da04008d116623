import VitalsColumnar

/// The calendar helpers data-gen uses, on day numbers (days since
/// 1970-01-01). The arithmetic is `VitalsColumnar.CivilTime`'s, the same code
/// ingest uses to read the dates back.
enum CivilDay {
    /// The day number of a proleptic Gregorian date.
    static func day(year: Int, month: Int, day: Int) -> Int { CivilTime.days(year: year, month: month, day: day) }

    /// The (year, month, day) of a day number.
    static func date(of dayNumber: Int) -> (year: Int, month: Int, day: Int) { CivilTime.date(fromDays: dayNumber) }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    static func weekday(of dayNumber: Int) -> Int { CivilTime.weekday(ofDay: dayNumber) }

    /// Number of days in a month of a year.
    static func daysInMonth(year: Int, month: Int) -> Int { CivilTime.daysInMonth(year: year, month: month) }

    /// The same day of the month `months` later, clamped to the month's end.
    static func adding(months: Int, to dayNumber: Int) -> Int { CivilTime.adding(months: months, toDay: dayNumber) }

    /// Parses `YYYY-MM-DD`, validating the calendar.
    static func parse(_ text: String) -> Int? { CivilTime.parseDate(text) }

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
