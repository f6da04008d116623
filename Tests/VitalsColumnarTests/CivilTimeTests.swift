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
