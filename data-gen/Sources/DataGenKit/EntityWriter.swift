/// Writes the entity files: agencies.csv, accounts.csv, users.csv,
/// workflows.csv, the answer key labels.csv and the planted truth truth.csv.
struct EntityWriter {
    let population: Population
    let asOfDay: Int

    func writeAgencies(to file: CSVFileWriter) {
        for agency in population.agencies {
            file.field(agency.id)
            file.field(agency.name)
            file.endRow()
        }
    }

    func writeAccounts(to file: CSVFileWriter) {
        for account in population.accounts {
            file.field(account.id)
            file.field(population.agencies[account.agencyIndex].id)
            file.field(account.name)
            file.field(account.plan.rawValue)
            if let seats = account.seats { file.field(seats) } else { file.emptyField() }
            file.timestampField(day: account.createdDay, second: account.createdSecond)
            if let renewal = account.renewalDay { file.dateField(renewal) } else { file.emptyField() }
            file.field(account.ownerEmail)
            file.field(account.tracked ? "true" : "false")
            file.field(account.priority)
            file.endRow()
        }
    }

    func writeUsers(to file: CSVFileWriter) {
        for user in population.users {
            file.field(user.id)
            file.field(population.accounts[user.accountIndex].id)
            file.field(user.email)
            file.field(user.name)
            file.field(user.isAdmin ? "admin" : "user")
            file.timestampField(day: user.createdDay, second: user.createdSecond)
            file.field(user.isKeyUser ? "true" : "false")
            file.endRow()
        }
    }

    func writeWorkflows(to file: CSVFileWriter) {
        for workflow in population.workflows {
            file.field(workflow.id)
            file.field(population.agencies[workflow.agencyIndex].id)
            file.field(workflow.name)
            file.emptyField()
            file.endRow()
        }
    }

    /// One row per tracked account with MRR(T) > 0: whether it churns in (T, T + 90].
    func writeLabels(to file: CSVFileWriter) {
        for account in population.accounts {
            guard let churns = label(of: account) else { continue }
            file.field(account.id)
            file.field(churns ? "true" : "false")
            file.endRow()
        }
    }

    /// churns_within_90d of a labelled account: tracked, and not churned
    /// before T (MRR(T) > 0); nil for the others.
    func label(of account: AccountProfile) -> Bool? {
        guard account.tracked else { return nil }
        switch account.fate {
        case .historical: return nil
        case .retained: return false
        case let .future(day): return day <= asOfDay + 90
        }
    }

    /// The rows of labels.csv, in its order, with the planted truth behind
    /// each label, for a benchmark's truth-informed ceiling (never ingested):
    /// - `story`: `warned` (future churner with a visible decline), `silent`
    ///   (future churner without one), `false_alarm` (retained, declining like
    ///   a churner up to T), `dip` (retained, its own temporary dip ongoing at
    ///   T; the agency-wide seasonal dip does not count), else `retained`;
    /// - `activity_at_t`: the product of the decline, dip and seasonal dip
    ///   multipliers at T (1 when none), 4 decimals;
    /// - `declining`: a decline (churner's or false alarm's) started on or before T;
    /// - `key_users_silent`: the key users went silent on or before T;
    /// - `renewal_within_90d`: the renewal date is in [T, T + 90].
    func writeTruth(to file: CSVFileWriter) {
        for account in population.accounts {
            guard let churns = label(of: account) else { continue }
            let story: String
            if case .future = account.fate {
                story = account.decline == nil ? "silent" : "warned"
            } else if account.falseAlarm {
                story = "false_alarm"
            } else if let dip = account.dip, dip.multiplier(on: asOfDay) < 1 {
                story = "dip"
            } else {
                story = "retained"
            }
            file.field(account.id)
            file.field(churns ? "true" : "false")
            file.field(story)
            file.field(Self.fixed4(account.plantedMultiplier(on: asOfDay)))
            let declining = account.decline.map { $0.start <= asOfDay } ?? false
            file.field(declining ? "true" : "false")
            file.field(account.keyUsersSilentFrom <= asOfDay ? "true" : "false")
            let renews = account.renewalDay.map { $0 >= asOfDay && $0 <= asOfDay + 90 } ?? false
            file.field(renews ? "true" : "false")
            file.endRow()
        }
    }

    /// A non-negative value with exactly 4 decimals (`0.4375`).
    static func fixed4(_ value: Double) -> String {
        let scaled = Int((max(0, value) * 10_000).rounded())
        let fraction = String(scaled % 10_000)
        return "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}
