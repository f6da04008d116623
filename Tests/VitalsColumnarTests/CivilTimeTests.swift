import Testing
@testable import VitalsColumnar

private func ts(_ text: String) -> Int64? {
    var text = text
    return text.withUTF8 { CivilTime.parseTimestamp(UnsafeRawBufferPointer($0)) }
}

@Suite struct CivilTimeTests {
    @Test func dayNumbersRoundTrip() {
        #expect(CivilTime.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.days(year: 2026, month: 11, day: 20) == 20_777)
        #expect(CivilTime.days(year: 2000, month: 3, day: 1) - CivilTime.days(year: 2000, month: 2, day: 28) == 2)
        for day in stride(from: -800, to: 40_000, by: 37) {
            let (y, m, d) = CivilTime.date(fromDays: day)
            #expect(CivilTime.days(year: y, month: m, day: d) == day)
        }
        #expect(CivilTime.formatDate(days: 20_777) == "2026-11-20")
    }

    @Test func parsesTheContractsTimestampForms() {
        let day: Int64 = 20_777 * 86_400
        let base: Int64 = day + 49_507  // 13:45:07
        #expect(ts("2026-11-20T13:45:07Z") == base)
        #expect(ts("2026-11-20T13:45:07.999Z") == base)
        #expect(ts("2026-11-20T13:45:07+00:00") == base)
        #expect(ts("2026-11-20T15:45:07+02:00") == base)
        #expect(ts("2026-11-20T08:45:07-05:00") == base)
        let lateEvening: Int64 = 20_777 * 86_400 + 23 * 3600 + 30 * 60
        #expect(ts("2026-11-21T01:30:00+02:00") == lateEvening)  // crosses back a UTC day
        #expect(ts("\(base)") == base)
        #expect(ts("0") == 0)
        #expect(CivilTime.formatTimestamp(seconds: base) == "2026-11-20T13:45:07Z")
    }

    @Test func rejectsBadTimestamps() {
        for bad in ["", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T10:00:00",
                    "2026-11-20 10:00", "yesterday", "12a", "2026-11-20T10:00:00+0200", "2026-11-20T10:00:00Zjunk"] {
            #expect(ts(bad) == nil, "\(bad) should not parse")
        }
        #expect(ts("2024-02-29T00:00:00Z") != nil)
        #expect(ts("2025-02-29T00:00:00Z") == nil)
    }

    @Test func parsesDates() {
        #expect(CivilTime.parseDate("2026-11-20") == 20_777)
        #expect(CivilTime.parseDate("2026-11-31") == nil)
        #expect(CivilTime.parseDate("2026-1-20") == nil)
        #expect(CivilTime.day(ofSeconds: -1) == -1)
        #expect(CivilTime.day(ofSeconds: 86_399) == 0)
    }
}

/// The ingest's parser that remembers the last date answers what
/// `parseTimestamp` answers, row after row, whatever came before.
@Suite struct TimestampParserTests {
    @Test func agreesWithTheFullParseWhateverTheRowBefore() {
        let rows = [
            "2026-11-20T13:45:07Z", "2026-11-20T00:00:00Z", "2026-11-20T23:59:59Z", "2026-11-20T23:59:60Z",  // leap second as :59
            "2026-11-20T24:00:00Z", "2026-11-20T13:60:00Z", "2026-11-20T13:45:61Z", "2026-11-20T1a:45:07Z",  // refused on the same date
            "2026-11-20T13-45-07Z", "2026-11-20T13:45:07z", "2026-11-20t13:45:07Z", "2026-11-20 13:45:07Z",
            "2026-11-20T13:45:07+02:00", "2026-11-20T13:45:07.5Z", "2026-11-20T13:45:07ZZ", "2026-11-20T13:45:0Z",
            "2026-11-21T01:02:03Z", "2026-11-20T13:45:07Z",  // the date changes and comes back
            "2026-02-29T10:00:00Z", "2024-02-29T10:00:00Z", "2024-02-29T11:00:00Z", "2026-02-29T11:00:00Z",  // only a valid date is remembered
            "1763646307", "2026-11-20T13:45:07Z", "", "2026-11-2", "2026-11-20T13:45:07Y", "2026-11-20X13:45:07Z",
        ]
        var parser = TimestampParser()
        for row in rows {
            var bytes = row
            let remembered = bytes.withUTF8 { parser.parse(UnsafeRawBufferPointer($0)) }
            #expect(remembered == ts(row), "\(row)")
        }
        // Every ordered pair, so that each row is read after each other one.
        for first in rows {
            for second in rows {
                var parser = TimestampParser()
                var a = first, b = second
                _ = a.withUTF8 { parser.parse(UnsafeRawBufferPointer($0)) }
                #expect(b.withUTF8 { parser.parse(UnsafeRawBufferPointer($0)) } == ts(second), "\(second) after \(first)")
            }
        }
        let leapSecond: Int64? = ts("2026-11-20T23:59:60Z"), lastSecond: Int64 = 20_777 * 86_400 + 86_399
        #expect(leapSecond == lastSecond)
    }
}
