/// How an account's story ends: the planted truth a churn model is judged on.
enum ChurnFate: Equatable {
    /// Stays a customer through T + 90 days.
    case retained
    /// MRR goes to 0 on `day`, inside the event window; mrr.csv has the 0 row.
    case historical(day: Int)
    /// Churns on `day` in (T, T + 90]; only labels.csv knows.
    case future(day: Int)

    /// The churn day, if any.
    var churnDay: Int? {
        switch self {
        case .retained: nil
        case let .historical(day), let .future(day): day
        }
    }
}
