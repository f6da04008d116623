/// Writes the entity files: agencies.csv, accounts.csv, users.csv,
/// workflows.csv, and the answer key labels.csv.
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
        for account in population.accounts where account.tracked {
            switch account.fate {
            case .historical:
                continue
            case .retained:
                file.field(account.id)
                file.field("false")
            case let .future(day):
                file.field(account.id)
                file.field(day <= asOfDay + 90 ? "true" : "false")
            }
            file.endRow()
        }
    }
}
