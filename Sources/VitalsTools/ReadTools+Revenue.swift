import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// A feedback response in a list.
struct FeedbackItem: Encodable {
    var accountID: String
    var userID: String?
    var ts: String
    var score: Int
    /// promoter (9–10), passive (7–8), detractor (0–6).
    var category: String
    var comment: String
}

extension ReadTools {
    static let revenue: [ReadTool] = [
        ReadTool(name: "get_revenue_summary", title: "Revenue summary", scope: .readRevenue, toolset: "revenue",
                 summary: "MRR today, NRR, GRR, revenue and logo churn over the last `days` days (default 365), and the MRR movements (new, reactivation, expansion, contraction, churn) of the last 12 months.",
                 parameters: [.days(default: 365, max: 3650)], isList: false, materialized: true,
                 fields: ["mrr_cents": "integer", "retention": "object", "monthly_movements": "array"]) { context, call throws(ToolError) in
            let days = call.int("days")
            let analytics = context.analytics(call.asOf)
            let mrr = context.index.trackedAccounts[call.agency].reduce(Int64(0)) { $0 + analytics.mrr(of: $1, on: call.asOf.day) }
            return .object([
                "mrr_cents": .int(Int(mrr)),
                "retention": JSONValue.encodedText(analytics.retention(agency: call.agency, from: call.asOf.day - days)),
                "monthly_movements": JSONValue.encodedText(analytics.monthlyMovements(agency: call.agency)),
            ])
        },
        ReadTool(name: "list_upsell_candidates", title: "Upsell candidates", scope: .readRevenue, toolset: "revenue",
                 summary: "Healthy paying accounts near their seat limit (users/seats ≥ 0.8) or growing fast (trend ≥ 0.75), by MRR × health. Sort and filter.",
                 parameters: AccountFilters.parameters(), isList: true, materialized: true,
                 items: ToolOutput.accountSummary.merging(["seat_use": "number?", "trend": "number", "reasons": "array"]) { own, _ in own }) { context, call throws(ToolError) in
            let scored = context.scored(agency: call.agency, asOf: call.asOf)
            // Rows are positions in the agency's summaries: no summary is copied to be sorted or filtered.
            let all = context.summaries(agency: call.agency, asOf: call.asOf)
            let position = summaryPositions(all)
            // In the candidates' own order (their rank): a row's place in `rows` is its rank.
            let rows: [(index: Int, candidate: UpsellCandidate)] = context.analytics(call.asOf).upsellCandidates(scored.scores).compactMap { candidate in
                position[candidate.accountID].map { ($0, candidate) }
            }
            let kept = AccountFilters(call.arguments).apply(Array(rows.indices), { all[rows[$0].index].0 }) { $0 < $1 }
            // Stored, a row is its summary by reference and its own fields (in key order).
            if call.materializing {
                return listPage(.array(kept[pageRange(kept.count, call)].map { row in
                    let candidate = rows[row].candidate
                    return StoredReferences.withSummary(of: all[rows[row].index].0.accountID) { json in
                        json.field("reasons", candidate.reasons)
                        json.field("seat_use", candidate.seatUse)
                        json.field("trend", candidate.trend)
                    }
                }), total: kept.count, for: call)
            }
            return accountRows(kept, for: call) { row in
                let candidate = rows[row].candidate
                return (all[rows[row].index].0, ["seat_use": candidate.seatUse.map(JSONValue.double) ?? .null, "trend": .double(candidate.trend),
                                                 "reasons": .array(candidate.reasons.map(JSONValue.string))])
            }
        },
    ]

    static let feedback: [ReadTool] = [
        ReadTool(name: "list_feedback_responses", title: "Feedback responses", scope: .readFeedback, toolset: "feedback",
                 summary: "NPS responses of the last `days` days (default 90), newest first, optionally of one account.",
                 parameters: [.days(default: 90, max: 3650), .accountID()], isList: true, materialized: false,
                 items: ["account_id": "string", "user_id": "string?", "ts": "string", "score": "integer",
                                 "category": "string", "comment": "string"]) { context, call throws(ToolError) in
            let days = call.int("days")
            let window = call.asOf.last(days)
            let accounts = try call.account(context).map { [$0] } ?? context.index.trackedAccounts[call.agency]
            var rows: [FeedbackResponse] = []
            for account in accounts {
                let range = context.index.feedbackOffsets[account] ..< context.index.feedbackOffsets[account + 1]
                rows += context.dataset.feedback[range].filter { $0.ts >= window.from && $0.ts < window.to }
            }
            rows.sort { $0.ts != $1.ts ? $0.ts > $1.ts : $0.accountKey < $1.accountKey }
            let items = rows.map {
                FeedbackItem(accountID: context.dataset.accounts[$0.accountKey].accountID,
                             userID: $0.userKey.map { context.dataset.users.userID($0) },
                             ts: CivilTime.formatTimestamp(seconds: $0.ts), score: $0.score,
                             category: $0.score >= 9 ? "promoter" : $0.score >= 7 ? "passive" : "detractor", comment: $0.comment)
            }
            return list(items, ["days": .int(days)], for: call)
        },
    ]

    static let feedbackRequests = ReadTool(
        name: "list_feedback_requests", title: "Feedback requests", scope: .readFeedback, toolset: "feedback",
        summary: "Feedback requests sent with request_feedback, newest first, with their status.",
        parameters: [.accountID(), .feedbackRequestStatus], isList: true, materialized: false,
        items: FeedbackRequests.itemFields) { context, call throws(ToolError) in try FeedbackRequests.list(context, call) }

    static let actions: [ReadTool] = [
        ReadTool(name: "list_workflows", title: "Workflows", scope: .readAccounts, toolset: "actions",
                 summary: "The agency's workflows that trigger_workflow can start, each with its latest runs and their delivery status (recorded, pending, delivered, failed).",
                 parameters: [], isList: true, materialized: false,
                 items: ["workflow_id": "string", "name": "string", "has_webhook": "boolean", "recent_runs": "array"]) { context, call throws(ToolError) in
            let runs = (try? context.store.workflowRuns(agencyKey: call.agency, limit: 200)) ?? []
            let items: [JSONValue] = context.dataset.workflows.filter { $0.agencyKey == call.agency }.sorted { $0.workflowID < $1.workflowID }.map { workflow in
                let recent = runs.filter { $0.workflowID == workflow.workflowID }.prefix(5).map { run -> JSONValue in
                    .object(["run_id": .string(run.runID), "account_id": .string(run.accountID), "user_id": run.userID.map(JSONValue.string) ?? .null,
                             "requested_by": .string(run.requestedBy), "requested_at": .string(CivilTime.formatTimestamp(seconds: run.requestedAt)),
                             "status": .string(run.status), "attempts": .int(run.attempts), "last_error": run.lastError.map(JSONValue.string) ?? .null,
                             "delivered_at": run.deliveredAt.map { .string(CivilTime.formatTimestamp(seconds: $0)) } ?? .null])
                }
                return .object(["workflow_id": .string(workflow.workflowID), "name": .string(workflow.name),
                                "has_webhook": .bool(workflow.webhookURL != nil), "recent_runs": .array(Array(recent))])
            }
            return .object(["items": .array(items)])
        },
    ]
}
