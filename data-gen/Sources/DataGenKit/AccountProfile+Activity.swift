#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AccountProfile {
    /// The account's activity multiplier on `day` (before weekday and daily
    /// noise): 0 outside its life, a gentle onboarding ramp, a slow drift,
    /// the pre-churn (or false-alarm) decline, any temporary dip and the
    /// agency's seasonal dip.
    func activityMultiplier(on day: Int, asOfDay: Int) -> Double {
        guard day >= createdDay, day <= lastActiveDay(asOfDay: asOfDay) else { return 0 }
        let age = day - createdDay
        var m = age < 14 ? 0.55 + 0.45 * Double(age) / 14 : 1
        m *= exp(drift * Double(day - asOfDay) / 180)
        if let decline { m *= decline.multiplier(on: day) }
        if let dip { m *= dip.multiplier(on: day) }
        if let seasonalDip { m *= seasonalDip.multiplier(on: day) * seasonalDip.multiplier(on: day + 365) }
        return m
    }

    /// The planted latent multiplier on `day` from the decline, the dip and
    /// the seasonal dip only (1 when none): what truth.csv reports at T.
    func plantedMultiplier(on day: Int) -> Double {
        var m = 1.0
        if let decline { m *= decline.multiplier(on: day) }
        if let dip { m *= dip.multiplier(on: day) }
        if let seasonalDip { m *= seasonalDip.multiplier(on: day) * seasonalDip.multiplier(on: day + 365) }
        return m
    }
}
