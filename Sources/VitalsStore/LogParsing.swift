import VitalsColumnar

/// The log files of an ingest — MRR changes, payments, NPS feedback — whose
/// rows are appended as they come (a log is never upserted: two rows of one
/// day are two facts, ordered by ingest).
enum LogParsing {
    static func mrr(_ reader: CSVReader, accounts: ByteStringDictionary) throws(StoreError) -> [MRRChange] {
        var changes: [MRRChange] = []
        let dateColumn = try reader.column("date"), accountColumn = try reader.column("account_id")
        let mrrColumn = try reader.column("mrr_cents")
        while try reader.nextRow() {
            let day = try reader.date(dateColumn, column: "date")
            let account = try reader.accountKey(accountColumn, in: accounts)
            let cents = try reader.integer(mrrColumn, column: "mrr_cents")
            if cents < 0 { throw reader.bad("mrr_cents must be ≥ 0, got \(cents)") }
            changes.append(MRRChange(accountKey: account, day: day, mrrCents: cents))
        }
        return changes
    }

    static func payments(_ reader: CSVReader, accounts: ByteStringDictionary) throws(StoreError) -> [Payment] {
        var payments: [Payment] = []
        let c = (ts: try reader.column("ts"), account: try reader.column("account_id"),
                 invoice: try reader.column("invoice_id"), amount: try reader.column("amount_cents"),
                 status: try reader.column("status"))
        while try reader.nextRow() {
            let ts = try reader.timestamp(c.ts, column: "ts")
            let account = try reader.accountKey(c.account, in: accounts)
            let invoice = try reader.identifier(c.invoice, column: "invoice_id")
            let amount = try reader.integer(c.amount, column: "amount_cents")
            guard let status = PaymentStatus(rawValue: reader.string(c.status).lowercased()) else {
                throw reader.bad("status must be succeeded, failed or refunded, got \(reader.quoted(c.status))")
            }
            payments.append(Payment(accountKey: account, ts: ts, invoiceID: invoice, amountCents: amount, status: status))
        }
        return payments
    }

    static func feedback(_ reader: CSVReader, into plan: inout IngestPlan) throws(StoreError) {
        let c = (ts: try reader.column("ts"), account: try reader.column("account_id"),
                 user: reader.columnIndex("user_id"), score: try reader.column("score"), comment: reader.columnIndex("comment"))
        while try reader.nextRow() {
            let ts = try reader.timestamp(c.ts, column: "ts")
            let account = try reader.accountKey(c.account, in: plan.entities.accountKeys)
            var userKey: Int?
            if let column = c.user, !reader.string(column).isEmpty {
                guard let key = plan.entities.userKeys.code(of: reader.field(column)) else {
                    throw reader.bad("unknown user_id \(reader.quoted(column)) (not in users.csv nor in the store)")
                }
                userKey = Int(key)
            }
            let score = try reader.integer(c.score, column: "score")
            guard (0 ... 10).contains(score) else { throw reader.bad("score must be an NPS score 0–10, got \(score)") }
            plan.feedback.append(FeedbackResponse(accountKey: account, userKey: userKey, ts: ts, score: Int(score),
                                                  comment: reader.text(c.comment)))
        }
    }
}
