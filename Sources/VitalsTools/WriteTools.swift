import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// A tool that changes something, declared once like ``ReadTool``: it
/// records what it did in the store and in the audit log, in one transaction.
public struct WriteTool: Sendable {
    public var name: String
    public var title: String
    public var scope: Scope
    public var toolset: String
    public var summary: String
    public var parameters: [ToolParameter]
    /// Overwrites state (priority, key-user flag) rather than adding a record.
    public var destructive: Bool
    /// Re-applying with the same arguments changes nothing more.
    public var idempotent: Bool
    /// Reaches outside Vitals (a webhook, a person).
    public var openWorld = false
    /// The fields of its result besides `agency_id`.
    public var fields: [String: String]
    public var handler: @Sendable (ToolContext, WriteCall) throws(ToolError) -> JSONValue
}

/// One call of a write tool.
public struct WriteCall: Sendable {
    public var call: ToolCall
    /// Who asked: the API key id (later the OAuth client).
    public var client: String

    func audit(_ tool: String, accountID: String?) -> AuditEntry {
        AuditEntry(agencyKey: call.agency, client: client, action: tool, accountID: accountID, outcome: "ok")
    }
}

public enum WriteTools {
    public static let all: [WriteTool] = [
        WriteTool(name: "request_feedback", title: "Request feedback", scope: .writeFeedback, toolset: "feedback",
                  summary: "Sends an NPS/feedback request to an account's owner. Use after the user asked for it for a named account; it reaches a real person.",
                  parameters: [.accountID(required: true)], destructive: false, idempotent: false, openWorld: true,
                  fields: ["request_id": "string", "account_id": "string", "owner_email": "string", "status": "string"]) { context, write throws(ToolError) in
            let account = try write.call.requiredAccount(context)
            let record = context.dataset.accounts[account]
            let requestID = "fbr_" + UUID().uuidString.lowercased().prefix(12)
            do {
                try context.store.recordFeedbackRequest(
                    requestID: String(requestID), agencyKey: write.call.agency, accountKey: account, ownerEmail: record.ownerEmail,
                    requestedBy: write.client, now: Int64(Date().timeIntervalSince1970), audit: write.audit("request_feedback", accountID: record.accountID))
            } catch {
                throw ToolError("could not record the request: \(error)")
            }
            return .object(["request_id": .string(String(requestID)), "account_id": .string(record.accountID),
                            "owner_email": .string(record.ownerEmail), "status": .string("requested")])
        },
        WriteTool(name: "trigger_workflow", title: "Trigger workflow",
                  scope: .writeWorkflows, toolset: "actions",
                  summary: "Starts one of the agency's workflows (list_workflows) for an account, optionally for one of its users. With a webhook, it is delivered at least once with the run id as Idempotency-Key; list_workflows shows its status. Confirm with the user first.",
                  parameters: [.workflowID, .accountID(required: true), .userID()], destructive: false, idempotent: false, openWorld: true,
                  fields: ["run_id": "string", "workflow_id": "string", "workflow_name": "string", "account_id": "string",
                           "user_id": "string?", "status": "string", "delivery": "string"]) { context, write throws(ToolError) in
            let workflowID = write.call.arguments.requiredString("workflow_id")
            guard let workflow = context.dataset.workflowKey(workflowID), context.dataset.workflows[workflow].agencyKey == write.call.agency else {
                throw ToolError("workflow \(workflowID) is not one of this agency's — call list_workflows to find the workflow_id")
            }
            let account = try write.call.requiredAccount(context)
            var user: Int?
            if let id = write.call.arguments.string("user_id") {
                let key = try write.call.user(id, context)
                guard context.dataset.users[key].accountKey == account else {
                    throw ToolError("user \(id) is not a user of account \(context.dataset.accounts[account].accountID) — call search_users with this account_id")
                }
                user = key
            }
            let definition = context.dataset.workflows[workflow]
            let runID = "run_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
            let accountID = context.dataset.accounts[account].accountID
            do {
                try context.store.recordWorkflowRun(
                    runID: String(runID), workflowKey: workflow, agencyKey: write.call.agency, accountKey: account, userKey: user,
                    requestedBy: write.client, now: Int64(Date().timeIntervalSince1970), hasWebhook: definition.webhookURL != nil,
                    audit: write.audit("trigger_workflow", accountID: accountID))
            } catch {
                throw ToolError("could not record the run: \(error)")
            }
            return .object([
                "run_id": .string(String(runID)), "workflow_id": .string(workflowID), "workflow_name": .string(definition.name),
                "account_id": .string(accountID), "user_id": user.map { .string(context.dataset.users[$0].userID) } ?? .null,
                "status": .string(definition.webhookURL != nil ? "pending" : "recorded"),
                "delivery": .string(definition.webhookURL != nil ? "webhook, at least once, Idempotency-Key = run_id" : "none (the workflow has no webhook)"),
            ])
        },
        WriteTool(name: "set_account_priority", title: "Set account priority", scope: .writeMetadata, toolset: "actions",
                  summary: "Sets an account's priority (low, normal, high). Re-applying the same priority changes nothing.",
                  parameters: [.accountID(required: true), .priority], destructive: true, idempotent: true,
                  fields: ["account_id": "string", "priority": "string", "previous_priority": "string", "changed": "boolean"]) { context, write throws(ToolError) in
            let account = try write.call.requiredAccount(context)
            let text = write.call.arguments.requiredString("priority")
            let priority = AccountPriority(rawValue: text) ?? .normal
            let accountID = context.dataset.accounts[account].accountID
            let previous: AccountPriority
            do {
                previous = try context.store.setAccountPriority(accountKey: account, to: priority, audit: write.audit("set_account_priority", accountID: accountID))
            } catch {
                throw ToolError("could not set the priority: \(error)")
            }
            return .object(["account_id": .string(accountID), "priority": .string(priority.rawValue),
                            "previous_priority": .string(previous.rawValue), "changed": .bool(previous != priority)])
        },
        WriteTool(name: "set_user_key_status", title: "Set key-user status", scope: .writeMetadata, toolset: "actions",
                  summary: "Marks or unmarks a user as a key user (champion). Re-applying the same status changes nothing.",
                  parameters: [.userID(required: true), .keyUser], destructive: true, idempotent: true,
                  fields: ["user_id": "string", "account_id": "string", "key_user": "boolean", "previous_key_user": "boolean",
                           "changed": "boolean"]) { context, write throws(ToolError) in
            let id = write.call.arguments.requiredString("user_id")
            let user = try write.call.user(id, context)
            let keyUser = write.call.arguments.bool("key_user") ?? false
            let accountID = context.dataset.accounts[context.dataset.users[user].accountKey].accountID
            let previous: Bool
            do {
                previous = try context.store.setUserKeyStatus(userKey: user, to: keyUser, audit: write.audit("set_user_key_status", accountID: accountID))
            } catch {
                throw ToolError("could not set the key-user status: \(error)")
            }
            return .object(["user_id": .string(id), "account_id": .string(accountID), "key_user": .bool(keyUser),
                            "previous_key_user": .bool(previous), "changed": .bool(previous != keyUser)])
        },
    ]

    public static func named(_ name: String) -> WriteTool? { all.first { $0.name == name } }

    /// Runs write tool `name` for the caller's agency.
    public static func call(_ name: String, agencyID: String, client: String, arguments json: JSONValue?, context: ToolContext,
                            scopes: Set<Scope>) throws(ToolError) -> JSONValue {
        guard let tool = named(name) else { throw ToolError("unknown tool \(name)") }
        guard scopes.contains(tool.scope) else {
            throw ToolError("missing scope \(tool.scope.rawValue): this credential was not granted it; use a key (or connection) that includes \(tool.scope.rawValue)")
        }
        guard let agency = context.dataset.agencyKey(agencyID) else { throw ToolError("unknown agency \(agencyID)") }
        let arguments = try ToolArguments(json, parameters: tool.parameters)
        let call = ToolCall(agency: agency, agencyID: agencyID, arguments: arguments, asOf: context.defaultAsOf)
        guard case var .object(result) = try tool.handler(context, WriteCall(call: call, client: client)) else { return .null }
        result["agency_id"] = .string(agencyID)
        return ToolOutput.redact(.object(result), for: scopes)
    }
}
