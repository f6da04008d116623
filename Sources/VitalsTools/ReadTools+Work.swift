import Foundation
import VitalsAnalytics
import VitalsJSON
import VitalsStore

/// The CS team's work, read: CTAs with their tasks, timeline activities and
/// success plans (scope read:activities, toolset `work`). They are read from
/// the store at each call (a write shows at once); as_of is the day T that
/// decides what is overdue and which snoozes have ended.
extension ReadTools {
    static let work: [ReadTool] = [
        ReadTool(name: "list_ctas", title: "List CTAs", scope: .readActivities, toolset: "work",
                 summary: "Calls to action (CTAs), open ones by default, soonest due first: why (playbook rule or person), owner, due day, overdue, task progress.",
                 parameters: [.accountID(), .ctaStatusFilter, .ctaType(required: false), .ownerEmail, .ctaOrigin, .overdue],
                 isList: true, materialized: false, pageSize: 8, items: CTARow.fields) { context, call throws(ToolError) in
            let today = call.asOf.day
            let status = call.arguments.string("status") ?? "open"
            let query = CTAQuery(agencyKey: call.agency, accountKey: try call.account(context), type: call.arguments.string("type"),
                                 ownerEmail: call.arguments.string("owner_email"), statusOn: status == "all" ? nil : (status, today),
                                 origin: call.arguments.string("origin"), overdueOn: call.arguments.bool("overdue") == true ? today : nil)
            // The page is cut in SQL, and only its CTAs' tasks are read.
            let (offset, limit) = call.page ?? (0, Int.max)
            let (ctas, total) = try WorkTools.reading { () throws(StoreError) in try context.store.ctas(query, offset: offset, limit: limit) }
            return listPage(JSONValue.encoding(ctas.map { CTARow($0, context, today: today) }), total: total, ["status": .string(status)],
                            for: call)
        },
        ReadTool(name: "get_cta", title: "Get CTA", scope: .readActivities, toolset: "work",
                 summary: "One CTA in full, with its tasks and the last 5 activities logged on it.",
                 parameters: [.ctaID()], isList: false, materialized: false,
                 fields: CTARow.detailFields.merging(["activities": "array"]) { own, _ in own }) { context, call throws(ToolError) in
            let cta = try WorkTools.cta(call.arguments.requiredString("cta_id"), call, context)
            var fields = CTARow.detail(cta, context, today: call.asOf.day)
            let activities = try WorkTools.reading { () throws(StoreError) in
                try context.store.activities(ActivityQuery(agencyKey: call.agency, ctaID: cta.ctaID), limit: 5).items
            }
            fields["activities"] = JSONValue.encoding(activities.map { ActivityView($0, context, bodyLimit: 300) })
            return .object(fields)
        },
        ReadTool(name: "list_timeline_activities", title: "Timeline activities", scope: .readActivities, toolset: "work",
                 summary: "The team's timeline (notes, calls, emails, meetings, updates), newest first. Bodies are cut at 600 characters; activity_id gives one in full.",
                 parameters: [.accountID(), .activityKind(required: false), .ctaID(required: false), .planID(required: false),
                              .activityID(required: false)],
                 isList: true, materialized: false, pageSize: 8, items: ActivityView.fields) { context, call throws(ToolError) in
            if let id = call.arguments.string("activity_id") {
                let activity = try WorkTools.activity(id, call, context)
                return list([ActivityView(activity, context)], for: call)
            }
            let query = ActivityQuery(agencyKey: call.agency, accountKey: try call.account(context),
                                      kinds: call.arguments.string("kind").map { [$0] }, ctaID: call.arguments.string("cta_id"),
                                      planID: call.arguments.string("plan_id"))
            let (offset, limit) = call.page ?? (0, Int.max)
            let (items, total) = try WorkTools.reading { () throws(StoreError) in
                try context.store.activities(query, offset: offset, limit: limit)
            }
            return listPage(JSONValue.encoding(items.map { ActivityView($0, context, bodyLimit: 600) }), total: total, for: call)
        },
        ReadTool(name: "list_success_plans", title: "Success plans", scope: .readActivities, toolset: "work",
                 summary: "Success plans with their objectives, active ones by default, newest first.",
                 parameters: [.accountID(), .planStatusFilter], isList: true, materialized: false, pageSize: 4,
                 items: PlanView.fields) { context, call throws(ToolError) in
            let status = call.arguments.string("status") ?? "active"
            let account = try call.account(context)
            let plans = try WorkTools.reading { () throws(StoreError) in
                try context.store.successPlans(agencyKey: call.agency, accountKey: account, statuses: status == "all" ? nil : [status])
            }
            return list(plans.map { PlanView($0, context, today: call.asOf.day) }, ["status": .string(status)], for: call)
        },
    ]
}
