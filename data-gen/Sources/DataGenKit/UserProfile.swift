/// One user of a client account, with its latent activity level.
struct UserProfile {
    var id: String
    var accountIndex: Int
    var name: String
    var email: String
    var isAdmin: Bool
    var isKeyUser: Bool
    var createdDay: Int
    var createdSecond: Int
    /// Relative share of the account's events; 0 = never logs in.
    var activityWeight: Double
}
