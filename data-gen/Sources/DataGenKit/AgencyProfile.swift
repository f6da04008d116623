/// One agency (tenant) and the CSMs who own its accounts.
struct AgencyProfile {
    var id: String
    var name: String
    /// E-mail addresses of the agency's customer-success managers.
    var ownerEmails: [String]
}
