import VitalsAnalytics
import VitalsJSON

// The JSON text of the tools' row types, written by hand for the scoring
// path (``JSONTextWritable``): fields in the byte order of their snake_case
// keys, optionals as `null`. `JSONTextWritableTests` checks each against
// its `Encodable` text.

extension AccountRisk: JSONTextWritable {
    public func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("account_key", accountKey)
            json.field("band", band.rawValue)
            json.field("churn_risk", churnRisk)
            json.field("churned", churned)
            json.field("churned_since", churnedSince)
            json.field("components", components)
            json.field("days_since_login", daysSinceLogin)
            json.field("drivers", drivers)
            json.field("health", health)
            json.field("mau", mau)
            json.field("mrr_cents", mrrCents)
            json.field("signals", signals)
            json.field("users", users)
            json.field("wau", wau)
        }
    }
}

extension AccountSummary: JSONTextWritable {
    func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("account_id", accountID)
            json.field("band", band.rawValue)
            json.field("churn_risk", churnRisk)
            json.field("churned", churned)
            json.field("churned_since", churnedSince)
            json.field("health", health)
            json.field("health_change", healthChange)
            json.field("mrr_cents", mrrCents)
            json.field("name", name)
            json.field("owner_email", ownerEmail)
            json.field("plan", plan)
            json.field("priority", priority)
            json.field("renewal_date", renewalDate)
            json.field("signals", signals)
            json.field("top_signal", topSignal)
        }
    }
}

extension AtRiskAccount: JSONTextWritable {
    func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("account", account)
            json.field("comparison", comparison)
            json.field("drivers", drivers)
            json.field("signals", signals)
        }
    }
}

extension AtRiskAccount.Comparison: JSONTextWritable {
    func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("band_then", bandThen?.rawValue)
            json.field("churn_risk_then", churnRiskThen)
            json.field("status", status)
        }
    }
}
