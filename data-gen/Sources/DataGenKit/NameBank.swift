/// Word pools for the synthetic world's names, emails and comments.
enum NameBank {
    static let firstNames: [String] = [
        "Maria", "James", "Aisha", "Wei", "Olivia", "Liam", "Sofia", "Noah", "Priya", "Mateo",
        "Emma", "Lucas", "Chloe", "Ethan", "Fatima", "Diego", "Hannah", "Kenji", "Grace", "Omar",
        "Isabella", "Samuel", "Zoe", "Daniel", "Amara", "Leo", "Mia", "Jack", "Nora", "Arjun",
        "Elena", "Ryan", "Layla", "Marcus", "Ava", "Tomás", "Ingrid", "Kofi", "Yuki", "Rachel",
        "Carlos", "Megan", "Ahmed", "Julia", "Patrick", "Lucía", "Derek", "Ana", "Victor", "Sara",
    ]

    static let lastNames: [String] = [
        "Garcia", "Smith", "Johnson", "Nguyen", "Patel", "Brown", "Kim", "Martinez", "Williams", "Chen",
        "Lopez", "Davis", "Okafor", "Miller", "Rossi", "Wilson", "Hernandez", "Anderson", "Khan", "Taylor",
        "O'Brien", "Moore", "Singh", "Jackson", "Müller", "White", "Harris", "Tanaka", "Clark", "Lewis",
        "Robinson", "Walker", "Young", "Allen", "Novak", "King", "Wright", "Scott", "Green", "Baker",
        "Adams", "Nelson", "Hill", "Ramirez", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans",
    ]

    /// E-mail handles of ``firstNames`` and ``lastNames`` (`"O'Brien"` → `"obrien"`).
    static let firstNameHandles = firstNames.map { slug($0, separator: "") }
    static let lastNameHandles = lastNames.map { slug($0, separator: "") }

    static let businessKinds: [String] = [
        "Dental", "Roofing", "Realty", "Fitness", "Med Spa", "Law Group", "Plumbing", "HVAC",
        "Chiropractic", "Salon", "Auto Repair", "Landscaping", "Insurance", "Bakery", "Yoga Studio",
        "Pet Grooming", "Photography", "Cleaning", "Consulting", "Coaching", "Solar", "Orthodontics",
        "Physical Therapy", "Home Care", "Martial Arts", "Cafe", "Boutique", "Tutoring", "Wellness", "Pest Control",
    ]

    static let adjectives: [String] = [
        "Blue Ridge", "Golden Gate", "Summit", "Evergreen", "Bright Star", "Red Oak", "Silver Lake",
        "Northside", "Harbor", "Lakeside", "Prairie", "Coastal", "Urban", "Pinnacle", "Maple Leaf",
        "Sunrise", "Ironwood", "Cedar Creek", "Riverbend", "Stonegate",
    ]

    static let cities: [String] = [
        "Austin", "Denver", "Tampa", "Phoenix", "Portland", "Raleigh", "Boise", "Nashville",
        "Columbus", "San Diego", "Charlotte", "Omaha", "Tucson", "Madison", "Reno",
    ]

    static let agencyNames: [String] = [
        "Northwind Growth", "Brightline Digital", "Funnel Foundry", "LeadLoop Marketing", "Apex Local",
        "Clearpath Media", "Signal Hill Agency", "Rocket Reviews", "Main Street Digital", "Booked Solid",
    ]

    static let workflowNames: [String] = [
        "Onboarding nurture", "Renewal reminder", "Win-back sequence", "NPS survey follow-up",
        "Failed payment dunning", "Executive check-in", "Feature adoption tips", "Quarterly business review invite",
    ]

    static let promoterComments: [String] = [
        "Love it", "The booking calendar alone pays for itself",
        "Great support team, quick answers", "Workflows saved us hours every week",
        "Easy to use, our front desk picked it up in a day",
        "Best CRM we've used, and we've tried a few", "Reviews are up 40% since we started",
        "Texting customers from one inbox is a game changer",
    ]

    static let passiveComments: [String] = [
        "Good overall, a bit pricey", "Does the job", "Reporting could be better",
        "Some features are hard to find", "Works, but the mobile app lags",
        "Fine for now, still learning it", "Setup took longer than expected",
    ]

    static let detractorComments: [String] = [
        "Too expensive for what we use", "Support takes days to reply",
        "We barely use it anymore", "Emails land in spam, again",
        "Billing failed twice, nobody told us", "Missing integrations we need, e.g. QuickBooks",
        "Honestly, \"all-in-one\" means nothing works well", "Thinking about switching",
        "The \"new\" editor broke our funnels",
    ]

    /// A lowercase ASCII slug of letters and digits joined by `separator`
    /// (`"Smith, Jones & Co"` → `"smith-jones-co"`).
    static func slug(_ text: String, separator: String = "-") -> String {
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: current.unicodeScalars.append(Unicode.Scalar(scalar.value + 32)!)
            case 0x61...0x7A, 0x30...0x39: current.unicodeScalars.append(scalar)
            case 0xE1: current += "a"
            case 0xFC: current += "u"
            case 0x27: continue  // O'Brien → obrien
            default:
                if !current.isEmpty { words.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.joined(separator: separator)
    }

    /// A client business name; about 1 in 5 holds a comma or a double quote,
    /// so the CSV quoting rules get exercised.
    static func accountName(_ rng: inout Xoshiro256StarStar) -> String {
        let roll = rng.unit()
        let kind = rng.pick(businessKinds)
        switch roll {
        case ..<0.45: return "\(rng.pick(lastNames)) \(kind)"
        case ..<0.55: return "\(rng.pick(lastNames)), \(rng.pick(lastNames)) & Co"
        case ..<0.80: return "\(rng.pick(adjectives)) \(kind)"
        case ..<0.90: return "\(rng.pick(cities)) \(kind), LLC"
        case ..<0.94: return "The \"\(rng.pick(adjectives))\" \(kind)"
        default: return "\(rng.pick(firstNames))'s \(kind) of \(rng.pick(cities))"
        }
    }

    /// The name of agency number `index` (0-based); suffixed once the pool runs out.
    static func agencyName(_ index: Int) -> String {
        let base = agencyNames[index % agencyNames.count]
        return index < agencyNames.count ? base : "\(base) \(index / agencyNames.count + 1)"
    }
}
