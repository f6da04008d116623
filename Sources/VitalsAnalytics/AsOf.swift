import VitalsColumnar
import VitalsStore

/// The as-of day `T` and the windows of DESIGN.md, in epoch seconds.
/// "The last N days" are days `[T−N+1, T]`: timestamps from `T−N+1 00:00Z` up
/// to, not including, `T+1 00:00Z`. "The N days before" are `[T−2N+1, T−N]`.
public struct AsOf: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let day: Int

    public init(day: Int) { self.day = day }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        guard let day = CivilTime.parseDate(text) else { return nil }
        self.day = day
    }

    /// `T+1 00:00Z`: everything at or after it is ignored.
    public var end: Int64 { Self.start(ofDay: day + 1) }

    /// The start of the last `days` days.
    public func start(lastDays days: Int) -> Int64 { Self.start(ofDay: day - days + 1) }

    /// The window of the last `days` days: `[T−days+1, T]`.
    public func last(_ days: Int) -> (from: Int64, to: Int64) { (start(lastDays: days), end) }

    /// The `days` days before the last `days` days: `[T−2·days+1, T−days]`.
    public func before(_ days: Int) -> (from: Int64, to: Int64) { (start(lastDays: 2 * days), start(lastDays: days)) }

    /// 00:00Z of a day.
    public static func start(ofDay day: Int) -> Int64 { Int64(day) * CivilTime.secondsPerDay }

    public var description: String { CivilTime.formatDate(days: day) }

    public static func < (a: AsOf, b: AsOf) -> Bool { a.day < b.day }
}
