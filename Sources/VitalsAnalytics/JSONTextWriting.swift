import VitalsJSON

// The JSON text of the analytics' result types, written by hand for the
// scoring path (``JSONTextWritable``): fields in the byte order of their
// snake_case keys, optionals as `null`. `JSONTextWritableTests` checks each
// against its `Encodable` text.

extension HealthComponents: JSONTextWritable {
    public func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("activity", activity)
            json.field("breadth", breadth)
            json.field("payments", payments)
            json.field("recency", recency)
            json.field("sentiment", sentiment)
            json.field("trend", trend)
        }
    }
}

extension RiskSignalHit: JSONTextWritable {
    public func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("evidence", evidence)
            json.field("signal", signal.rawValue)
            json.field("value", value)
            json.field("weight", weight)
        }
    }
}

extension ChurnDriver: JSONTextWritable {
    public func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("contribution", contribution)
            json.field("evidence", evidence)
            json.field("name", name)
        }
    }
}

extension InactiveUser: JSONTextWritable {
    public func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("account_id", accountID)
            json.field("days_since_login", daysSinceLogin)
            json.field("email", email)
            json.field("key_user", keyUser)
            json.field("last_login", lastLogin)
            json.field("user_id", userID)
        }
    }
}
