#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AccountProfile {
    /// The account's activity multiplier on `day` (before weekday and daily
    /// noise): 0 outside its life, a gentle onboarding ramp, a slow drift,
    /// the pre-churn decline and any temporary dip.
    func activityMultiplier(on day: Int, asOfDay: Int) -> Double {
        guard day >= createdDay, day <= lastActiveDay(asOfDay: asOfDay) else { return 0 }
        let age = day - createdDay
        var m = age < 14 ? 0.55 + 0.45 * Double(age) / 14 : 1
        m *= exp(drift * Double(day - asOfDay) / 180)
        if let decline { m *= decline.multiplier(on: day) }
        if let dip { m *= dip.multiplier(on: day) }
        return m
    }
}
