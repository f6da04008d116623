import Foundation
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// Alerts that reach people: the agency's targets (a JSON webhook, or a
/// Slack-compatible incoming webhook) are told of the events they take,
/// through the durable outbox written in the same transaction as the change
/// (so an alert exists exactly when its CTA or request does), and delivered
/// at least once with the delivery id as Idempotency-Key
/// (VitalsMCP's `WebhookDeliverer`).
public enum Alerts {
    /// What a target can take.
    public static let events = ["cta.opened", "cta.closed", "feedback.requested"]
    public static let kinds = ["webhook", "slack"]
    /// What a target takes when none are named.
    public static let defaultEvents = ["cta.opened"]

    /// A target checked: its kind, an http(s) URL with a host, known events.
    public static func target(agencyKey: Int, kind: String, url: String, events: [String], now: Int64) throws(ToolError) -> AlertTarget {
        guard kinds.contains(kind) else { throw ToolError("unknown kind \(kind): a target is webhook (JSON) or slack (incoming webhook)") }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host?.isEmpty == false else {
            throw ToolError("invalid url \(url): give an http(s) URL, e.g. https://hooks.slack.com/services/T000/B000/XXXX")
        }
        if let unknown = events.first(where: { !Self.events.contains($0) }) {
            throw ToolError("unknown event \(unknown); events are \(Self.events.joined(separator: ", "))")
        }
        return AlertTarget(targetID: WorkVocabulary.newID("alt"), agencyKey: agencyKey, kind: kind, url: url,
                           events: events.isEmpty ? defaultEvents : events, createdAt: now)
    }

    /// Tells the agency's targets that take `event` (cta.opened or cta.closed) about a CTA; returns how many.
    /// - Parameter targets: the agency's targets, when the caller read them once for many CTAs (the playbooks).
    @discardableResult
    static func cta(_ event: String, _ cta: CTA, why: String? = nil, targets known: [AlertTarget]? = nil, _ transaction: WriteTransaction,
                    _ dataset: Dataset, now: Int64) throws -> Int {
        let targets = try known.map { $0.filter { $0.events.contains(event) } } ?? transaction.alertTargets(agencyKey: cta.agencyKey, event: event)
        guard !targets.isEmpty else { return 0 }
        let account = dataset.accounts[cta.accountKey]
        let data: JSONValue = [
            "cta_id": .string(cta.ctaID), "account_id": .string(account.accountID), "account_name": .string(account.name),
            "type": .string(cta.type), "reason": .string(cta.reason), "priority": .string(cta.priority), "status": .string(cta.status),
            "outcome": cta.outcome.map(JSONValue.string) ?? .null, "owner_email": cta.ownerEmail.map(JSONValue.string) ?? .null,
            "due_date": WorkVocabulary.date(cta.dueDay).map(JSONValue.string) ?? .null, "origin": .string(cta.source),
            "rule_id": cta.ruleID.map(JSONValue.string) ?? .null, "tasks": .array(cta.tasks.map { .string($0.title) }),
            "why": why.map(JSONValue.string) ?? .null,
        ]
        let who = "*\(slack(account.name))* (\(account.accountID))"
        let text = event == "cta.opened"
            ? "New \(cta.priority)-priority \(cta.type) CTA for \(who): \(slack(cta.reason)) Owner \(slack(cta.ownerEmail ?? "-")), due \(WorkVocabulary.date(cta.dueDay) ?? "-"). (\(cta.ctaID))"
            : "CTA \(cta.ctaID) for \(who) closed (\(cta.outcome ?? "-")): \(slack(why ?? cta.reason))"
        for target in targets {
            try enqueue(event, about: cta.ctaID, data: data, text: text, to: target, transaction, dataset, now: now)
        }
        return targets.count
    }

    /// Sends a feedback request to the targets that take feedback.requested (the agency's survey or email tool); returns how many.
    static func feedbackRequested(_ requestID: String, account: Int, agency: Int, recipients: [Int], requestedBy: String,
                                  _ transaction: WriteTransaction, _ dataset: Dataset, now: Int64) throws -> Int {
        let targets = try transaction.alertTargets(agencyKey: agency, event: "feedback.requested")
        guard !targets.isEmpty else { return 0 }
        let record = dataset.accounts[account]
        let people: [JSONValue] = recipients.map { user in
            let u = dataset.users[user]
            return ["user_id": .string(u.userID), "name": .string(u.name), "email": .string(u.email)]
        }
        let data: JSONValue = [
            "request_id": .string(requestID), "account_id": .string(record.accountID), "account_name": .string(record.name),
            "owner_email": .string(record.ownerEmail), "recipients": .array(people), "requested_by": .string(requestedBy),
        ]
        let names = recipients.map { slack(dataset.users.name($0)) }.joined(separator: ", ")
        let text = "Feedback requested from \(names) of *\(slack(record.name))* (\(record.accountID)). (\(requestID))"
        for target in targets {
            try enqueue("feedback.requested", about: requestID, data: data, text: text, to: target, transaction, dataset, now: now)
        }
        return targets.count
    }

    static func enqueue(_ event: String, about subject: String, data: JSONValue, text: String, to target: AlertTarget,
                        _ transaction: WriteTransaction, _ dataset: Dataset, now: Int64) throws {
        let deliveryID = WorkVocabulary.newID("dlv")
        let body: JSONValue = target.kind == "slack"
            ? ["text": .string("Vitals: " + text)]
            : ["event": .string(event), "delivery_id": .string(deliveryID), "agency_id": .string(dataset.agencies[target.agencyKey].agencyID),
               "occurred_at": .string(CivilTime.formatTimestamp(seconds: now)), "data": data]
        try transaction.enqueue(OutboxMessage(deliveryID: deliveryID, agencyKey: target.agencyKey, targetID: target.targetID, event: event,
                                              subjectID: subject, url: target.url, body: body.text(), createdAt: now))
    }

    /// Slack's mrkdwn escapes: &, < and > (https://api.slack.com/reference/surfaces/formatting#escaping).
    static func slack(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
