/// A temporary engagement dip that recovers: down over 3 days to `depth`,
/// flat, back up over 5 days. Noise that a churn model must not mistake for
/// a decline (unless it is still going on at T).
struct ActivityDip: Equatable {
    var start: Int
    var length: Int
    var depth: Double

    /// The multiplier on `day`.
    func multiplier(on day: Int) -> Double {
        let t = day - start
        guard t >= 0, t < length + 5 else { return 1 }
        if t < 3 { return 1 - (1 - depth) * Double(t + 1) / 3 }
        if t < length { return depth }
        return depth + (1 - depth) * Double(t - length + 1) / 6
    }
}
