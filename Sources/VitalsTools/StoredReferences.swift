import VitalsAnalytics
import VitalsColumnar
import VitalsJSON

/// How the default results `vitals score` stores avoid holding what the
/// store holds already. A day's `list_tracked_accounts` is every tracked
/// account's summary, and each account's stored detail holds its signals
/// and drivers; the at-risk list and the health movers repeated them (42 of
/// a 100 M night's 81 MB of results, written, compressed and stored every
/// night), and the summaries themselves repeat the detail and the account
/// rows. Stored, rows refer to them instead, and a read of a stored result
/// puts them back (``resolve(_:summaries:details:accounts:movers:users:)``,
/// called by ``Store/materializedResult(asOf:agency:tool:)``), so callers
/// get the same JSON as before.
///
/// A reference is a field of a row object, a key no result of ours has:
/// - `"$account": account_key`: the account's summary made again from its
///   stored detail (``AccountRisk``) and its row of the store's accounts;
///   the row's other fields (its `health_change`, which the detail does not
///   hold) are added to it. The stored tracked list is these rows alone:
///   as summaries it was 42 % of a many-accounts night's 15.8 MB of results,
///   written and compressed every night, to be read for a few agencies;
/// - `"$summary": account_id`: the account's summary, the item of the
///   day's tracked list (its references resolved) with that `account_id`;
///   the row's other fields are added to it, and win over the summary's
///   (the health movers, the upcoming renewals and the upsell candidates:
///   their rows are summaries with a few fields of their own);
/// - `"$mover": account_key`: a health mover's row whose baseline day the
///   store's history keeps (`compared_from` "history", every night's): the
///   account's summary as for `"$account"`, and the mover's own fields
///   written again from its stored components, the history's baseline day
///   and the weights and bands of the day's run
///   (``ReadTools/writeMoverFields(_:now:then:position:weights:bands:change:)``).
///   The movers were 4.1 of a many-accounts night's 9.9 MB of results;
/// - `"$risk": account_key`: the `signals` and `drivers` fields of the
///   account's stored detail (``Store/materializedScores(asOfDay:agencyKey:)``);
/// - `"$user": user_key`: the user's `user_id`, `account_id`, `email` and
///   `key_user`, read from the store's users (``Store/userReferences(_:)``):
///   the inactive users, 18 of a 100 M night's 75 MB of results, and a
///   tenth of its CPU, written and compressed.
///
/// Results stored before references existed hold none, and read as they are.
enum StoredReferences {
    /// The reference fields' names: written as keys, read back as strings.
    static let accountField: StaticString = "$account"
    static let moverField: StaticString = "$mover"
    static let summaryField: StaticString = "$summary"
    static let riskField: StaticString = "$risk"
    static let userField: StaticString = "$user"
    static let accountKey = accountField.description
    static let moverKey = moverField.description
    static let summaryKey = summaryField.description
    static let riskKey = riskField.description
    static let userKey = userField.description
    /// The tool whose stored items are the day's account summaries.
    static let summariesTool = "list_tracked_accounts"
    /// The fields of an account's detail that a `$risk` reference stands for.
    static let riskFields = ["drivers", "signals"]

    /// A tracked list's row as stored: the account by key and its health
    /// change, the one field of its summary that is not in its detail.
    static func writeTrackedRow(_ json: inout JSONTextWriter, accountKey: Int, healthChange: Double?) {
        json.object { json in
            json.field(accountField, accountKey)
            json.field("health_change", healthChange)
        }
    }

    /// An at-risk row as stored: its summary and its signals and drivers by
    /// reference, and no comparison (the stored list compares with no day).
    static func atRiskRow(accountKey: Int, accountID: String) -> JSONValue {
        JSONValue.writtenObject { json in
            json.field(riskField, accountKey)
            json.key("account")
            json.object { json in json.field(summaryField, accountID) }
            json.field("comparison", nil as String?)
        }
    }

    /// A row as stored: the account's summary by reference, then the fields
    /// `own` writes (in key order).
    static func withSummary(of accountID: String, _ own: (inout JSONTextWriter) -> Void) -> JSONValue {
        JSONValue.writtenObject { json in
            json.field(summaryField, accountID)
            own(&json)
        }
    }

    /// An inactive user's row as stored: the user's own fields by
    /// reference, then its last login.
    struct InactiveUserReference: JSONTextWritable {
        var userKey: Int
        var daysSinceLogin: Int?
        var lastLogin: String?

        init(_ row: InactiveUserRow, asOf: AsOf) {
            userKey = row.user
            daysSinceLogin = row.lastLoginDay.map { asOf.day - $0 }
            lastLogin = row.lastLoginDay.map(CivilTime.formatDate(days:))
        }

        enum CodingKeys: String, CodingKey {
            case userKey = "$user", daysSinceLogin = "days_since_login", lastLogin = "last_login"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(userKey, forKey: .userKey)
            try container.encode(daysSinceLogin, forKey: .daysSinceLogin)
            try container.encode(lastLogin, forKey: .lastLogin)
        }

        func write(to json: inout JSONTextWriter) {
            json.object { json in
                json.field(userField, userKey)
                json.field("days_since_login", daysSinceLogin)
                json.field("last_login", lastLogin)
            }
        }
    }

    /// `result` with the references of its `items` replaced by what they
    /// stand for; nil when one names a summary, a detail, an account, a
    /// mover or a user that `summaries` (the day's tracked list, resolved),
    /// `details` (account key → detail JSON), `accounts` (account key → its
    /// summary's fields, made from its stored detail and its row), `movers`
    /// (account key → a mover's own fields) or `users` (user key → its
    /// fields, asked for every user the rows name at once) do not have: the
    /// caller then computes the result. Each source is read only if a row
    /// refers to it.
    static func resolve(_ result: JSONValue, summaries: () -> JSONValue?, details: () -> [Int: String]?,
                        accounts: () -> [Int: [String: JSONValue]]? = { nil },
                        movers: (Int) -> [String: JSONValue]? = { _ in nil },
                        users: ([Int]) -> [Int: [String: JSONValue]]? = { _ in nil }) -> JSONValue? {
        guard case var .object(object) = result, case let .array(items)? = object["items"],
              items.contains(where: hasReference) else { return result }
        var summaryByID: [String: [String: JSONValue]]?
        var detailByKey: [Int: String]?
        func summary(_ id: String) -> [String: JSONValue]? {
            if summaryByID == nil {
                guard case let .array(summaryItems)? = summaries()?["items"] else { return nil }
                var byID: [String: [String: JSONValue]] = [:]
                for case let .object(fields) in summaryItems {
                    if case let .string(id)? = fields["account_id"] { byID[id] = fields }
                }
                summaryByID = byID
            }
            return summaryByID?[id]
        }
        func risk(_ key: Int) -> [String: JSONValue]? {
            if detailByKey == nil { detailByKey = details() ?? [:] }
            guard let text = detailByKey?[key], case let .object(detail)? = try? JSONValue.parse(text) else { return nil }
            let fields = detail.filter { riskFields.contains($0.key) }
            return fields.count == riskFields.count ? fields : nil
        }
        var accountByKey: [Int: [String: JSONValue]]?
        func account(_ key: Int) -> [String: JSONValue]? {
            if accountByKey == nil { accountByKey = accounts() ?? [:] }
            return accountByKey?[key]
        }
        var userByKey: [Int: [String: JSONValue]]?
        func user(_ key: Int) -> [String: JSONValue]? {
            if userByKey == nil {
                userByKey = users(items.compactMap { item in
                    if case let .int(key)? = item.objectValue?[userKey] { return key }
                    return nil
                }) ?? [:]
            }
            return userByKey?[key]
        }
        func resolved(_ value: JSONValue) -> JSONValue? {
            guard case var .object(fields) = value else { return value }
            var merged: [String: JSONValue] = [:]
            if let reference = fields.removeValue(forKey: userKey) {
                guard case let .int(key) = reference, let found = user(key) else { return nil }
                merged = found
            }
            if let reference = fields.removeValue(forKey: summaryKey) {
                guard case let .string(id) = reference, let found = summary(id) else { return nil }
                merged = found
            }
            if let reference = fields.removeValue(forKey: accountKey) {
                guard case let .int(key) = reference, let found = account(key) else { return nil }
                merged = found
            }
            if let reference = fields.removeValue(forKey: moverKey) {
                guard case let .int(key) = reference, let found = account(key), let own = movers(key) else { return nil }
                merged = found.merging(own) { _, own in own }
            }
            if let reference = fields.removeValue(forKey: riskKey) {
                guard case let .int(key) = reference, let found = risk(key) else { return nil }
                merged.merge(found) { _, risk in risk }
            }
            for (key, field) in fields {
                guard let field = hasReference(field) ? resolved(field) : field else { return nil }
                merged[key] = field
            }
            return .object(merged)
        }
        var out: [JSONValue] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let item = resolved(item) else { return nil }
            out.append(item)
        }
        object["items"] = .array(out)
        return .object(object)
    }

    /// Whether a row, or an object among its fields, holds a reference.
    private static func hasReference(_ value: JSONValue) -> Bool {
        guard case let .object(fields) = value else { return false }
        return fields[summaryKey] != nil || fields[riskKey] != nil || fields[userKey] != nil || fields[accountKey] != nil || fields[moverKey] != nil
            || fields.values.contains { value in
            if case let .object(inner) = value { return inner[summaryKey] != nil || inner[riskKey] != nil }
            return false
        }
    }
}
