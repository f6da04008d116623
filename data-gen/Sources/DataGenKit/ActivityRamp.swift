#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An engagement decline: the activity multiplier falls from 1 at `start` to
/// `floor` at `end` along `1 − (1 − floor)·x^shape`, x = progress, and stays
/// there.
struct ActivityRamp: Equatable {
    var start: Int
    var end: Int
    var floor: Double
    var shape: Double

    /// The multiplier on `day`.
    func multiplier(on day: Int) -> Double {
        guard day > start else { return 1 }
        let x = min(1, Double(day - start) / Double(max(1, end - start)))
        return 1 - (1 - floor) * pow(x, shape)
    }

    /// The first day whose multiplier is below `level`, or `Int.max`.
    func firstDay(below level: Double) -> Int {
        guard floor < level else { return Int.max }
        var day = start
        while multiplier(on: day) >= level { day += 1 }
        return day
    }
}
