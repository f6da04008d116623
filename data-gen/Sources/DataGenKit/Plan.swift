/// A subscription plan: list price and the seats it includes.
enum Plan: String, CaseIterable {
    case starter, pro, agency

    /// Monthly list price in cents.
    var priceCents: Int {
        switch self {
        case .starter: 9_700
        case .pro: 29_700
        case .agency: 49_700
        }
    }

    /// Seats included in the list price; each further seat costs ``extraSeatCents``.
    var includedSeats: Int {
        switch self {
        case .starter: 3
        case .pro: 10
        case .agency: 25
        }
    }

    /// Monthly price of one seat above ``includedSeats``.
    static let extraSeatCents = 1_500

    /// The starting MRR of an account on this plan with `seats` (none: list price).
    func mrrCents(seats: Int?) -> Int {
        priceCents + max(0, (seats ?? 0) - includedSeats) * Self.extraSeatCents
    }
}
