import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// request_feedback's requests, as list_feedback_requests shows them: who was
/// asked, how far the delivery got, and whether one of them answered.
enum FeedbackRequests {
    static let itemFields: [String: String] = [
        "request_id": "string", "account_id": "string", "requested_at": "string", "requested_by": "string", "recipients": "array",
        "status": "string", "deliveries": "object", "responded_at": "string?",
    ]

    /// A recipient as results show it (the email goes with read:users).
    static func recipient(_ user: Int, _ dataset: Dataset) -> JSONValue {
        let u = dataset.users[user]
        return ["user_id": .string(u.userID), "name": .string(u.name), "email": .string(u.email)]
    }

    /// The requests, newest first. A request's status: `responded` when a
    /// recipient's NPS response arrived at or after it (in the ingested
    /// feedback); else `sent` once a target took it, `pending` while its
    /// delivery is retried, `failed` when every delivery gave up, and
    /// `recorded` when no target takes feedback.requested.
    static func list(_ context: ToolContext, _ call: ToolCall) throws(ToolError) -> JSONValue {
        let account = try call.account(context)
        let (requests, deliveries) = try WorkTools.reading { () throws(StoreError) in
            let requests = try context.store.feedbackRequests(agencyKey: call.agency, accountKey: account)
            return (requests, try context.store.outboxDeliveries(agencyKey: call.agency, subjectIDs: requests.map(\.requestID)))
        }
        let bySubject = Dictionary(grouping: deliveries, by: \.subjectID)
        let wanted = call.arguments.string("status")
        let dataset = context.dataset
        var items: [JSONValue] = []
        for request in requests {
            let recipients = Set(request.recipients)
            let responded = context.index.feedbackRows(of: request.accountKey).lazy.map { dataset.feedback[$0] }
                .filter { $0.userKey.map(recipients.contains) ?? false && $0.ts >= request.requestedAt }.map(\.ts).min()
            let statuses = (bySubject[request.requestID] ?? []).map(\.status)
            let status = responded != nil ? "responded"
                : statuses.contains("delivered") ? "sent"
                : statuses.contains("pending") ? "pending"
                : statuses.isEmpty ? "recorded" : "failed"
            guard wanted == nil || wanted == status else { continue }
            items.append([
                "request_id": .string(request.requestID), "account_id": .string(dataset.accounts[request.accountKey].accountID),
                "requested_at": .string(CivilTime.formatTimestamp(seconds: request.requestedAt)), "requested_by": .string(request.requestedBy),
                "recipients": .array(request.recipients.map { recipient($0, dataset) }), "status": .string(status),
                "deliveries": .object(Dictionary(grouping: statuses, by: { $0 }).mapValues { .int($0.count) }),
                "responded_at": responded.map { .string(CivilTime.formatTimestamp(seconds: $0)) } ?? .null,
            ])
        }
        let range = ReadTools.pageRange(items.count, call)
        return ReadTools.listPage(.array(Array(items[range])), total: items.count, for: call)
    }
}
