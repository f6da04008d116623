import Foundation
import VitalsAnalytics
import VitalsColumnar
import VitalsJSON
import VitalsStore

/// A tool that changes something, declared once like ``ReadTool``: its
/// handler makes its change and its audit entry in one store transaction
/// (``WriteCall/transaction``), together with the call's idempotency key.
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
    /// Makes the change inside `WriteCall.transaction`; throws ``ToolError``
    /// for a refused call (the transaction rolls back: nothing is written).
    public var handler: @Sendable (ToolContext, WriteCall) throws -> JSONValue

    /// Every parameter a call may pass: its own and `idempotency_key`.
    public var allParameters: [ToolParameter] { parameters + [.idempotencyKey] }
}

/// One call of a write tool.
public struct WriteCall {
    public var call: ToolCall
    /// Who asked: the API key id or the OAuth client.
    public var client: String
    /// The transaction the change, its audit entry and its idempotency key are written in.
    public var transaction: WriteTransaction
    /// Wall-clock seconds: when records say they were made.
    public var now: Int64
    /// Day T (the data's latest day): what is overdue, when snoozes end, when a CTA closed.
    var today: Int { call.asOf.day }

    func audit(_ tool: String, accountID: String?, objectID: String? = nil) -> AuditEntry {
        AuditEntry(atMilliseconds: now * 1000, agencyKey: call.agency, client: client, action: tool, accountID: accountID,
                   objectID: objectID, outcome: "ok")
    }
}

public enum WriteTools {
    public static let all: [WriteTool] = actions + WorkTools.all

    static let actions: [WriteTool] = [
        WriteTool(name: "request_feedback", title: "Request feedback", scope: .writeFeedback, toolset: "feedback",
                  summary: "Asks an account's key users (or user_id) for NPS feedback via the agency's alert targets. Only when the user asked: it reaches the client.",
                  parameters: [.accountID(required: true), .userID()], destructive: false, idempotent: false, openWorld: true,
                  fields: ["request_id": "string", "account_id": "string", "recipients": "array", "status": "string",
                           "delivery": "string"]) { context, write in
            let account = try write.call.requiredAccount(context)
            let record = context.dataset.accounts[account]
            let recipients: [Int]
            if let id = write.call.arguments.string("user_id") {
                let user = try write.call.user(id, context)
                guard context.dataset.users.accountKeys[user] == account else {
                    throw ToolError("user \(id) is not a user of account \(record.accountID) — call search_users with this account_id")
                }
                recipients = [user]
            } else {
                recipients = context.index.usersOfAccount[account].filter(context.dataset.users.isKeyUser)
                guard !recipients.isEmpty else {
                    throw ToolError("account \(record.accountID) has no key users to ask: name one with user_id (search_users with this account_id), or mark a key user with set_user_key_status")
                }
            }
            let requestID = WorkVocabulary.newID("fbr")
            try write.transaction.recordFeedbackRequest(
                requestID: requestID, agencyKey: write.call.agency, accountKey: account, ownerEmail: record.ownerEmail, recipients: recipients,
                requestedBy: write.client, now: write.now, audit: write.audit("request_feedback", accountID: record.accountID, objectID: requestID))
            let targets = try Alerts.feedbackRequested(requestID, account: account, agency: write.call.agency, recipients: recipients,
                                                       requestedBy: write.client, write.transaction, context.dataset, now: write.now)
            return .object([
                "request_id": .string(requestID), "account_id": .string(record.accountID),
                "recipients": .array(recipients.map { FeedbackRequests.recipient($0, context.dataset) }),
                "status": .string(targets > 0 ? "pending" : "recorded"),
                "delivery": .string(targets > 0 ? "to \(targets) alert target(s), at least once"
                    : "none: no alert target takes feedback.requested (vitals alerts add --events feedback.requested)"),
            ])
        },
        WriteTool(name: "trigger_workflow", title: "Trigger workflow",
                  scope: .writeWorkflows, toolset: "actions",
                  summary: "Starts an agency workflow (list_workflows) for an account and a contact (user_id, else the owner); a webhook gets it at least once. Confirm with the user first.",
                  parameters: [.workflowID, .accountID(required: true), .userID()], destructive: false, idempotent: false, openWorld: true,
                  fields: ["run_id": "string", "workflow_id": "string", "workflow_name": "string", "account_id": "string",
                           "user_id": "string?", "contact": "object", "status": "string", "delivery": "string"]) { context, write in
            let workflowID = write.call.arguments.requiredString("workflow_id")
            guard let workflow = context.dataset.workflowKey(workflowID), context.dataset.workflows[workflow].agencyKey == write.call.agency else {
                throw ToolError("workflow \(workflowID) is not one of this agency's — call list_workflows to find the workflow_id")
            }
            let account = try write.call.requiredAccount(context)
            var user: Int?
            if let id = write.call.arguments.string("user_id") {
                let key = try write.call.user(id, context)
                guard context.dataset.users.accountKeys[key] == account else {
                    throw ToolError("user \(id) is not a user of account \(context.dataset.accounts[account].accountID) — call search_users with this account_id")
                }
                user = key
            }
            let definition = context.dataset.workflows[workflow]
            let runID = "run_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
            let accountID = context.dataset.accounts[account].accountID
            try write.transaction.recordWorkflowRun(
                runID: String(runID), workflowKey: workflow, agencyKey: write.call.agency, accountKey: account, userKey: user,
                requestedBy: write.client, now: write.now, hasWebhook: definition.webhookURL != nil,
                audit: write.audit("trigger_workflow", accountID: accountID))
            return .object([
                "run_id": .string(String(runID)), "workflow_id": .string(workflowID), "workflow_name": .string(definition.name),
                "account_id": .string(accountID), "user_id": user.map { .string(context.dataset.users.userID($0)) } ?? .null,
                // Who the run is for (the webhook payload says the same): the user, else the account's owner.
                "contact": user.map { FeedbackRequests.recipient($0, context.dataset) }
                    ?? ["owner_email": .string(context.dataset.accounts[account].ownerEmail)],
                "status": .string(definition.webhookURL != nil ? "pending" : "recorded"),
                "delivery": .string(definition.webhookURL != nil ? "webhook, at least once, Idempotency-Key = run_id" : "none (the workflow has no webhook)"),
            ])
        },
        WriteTool(name: "set_account_priority", title: "Set account priority", scope: .writeMetadata, toolset: "actions",
                  summary: "Sets an account's priority (low, normal, high).",
                  parameters: [.accountID(required: true), .priority], destructive: true, idempotent: true,
                  fields: ["account_id": "string", "priority": "string", "previous_priority": "string", "changed": "boolean"]) { context, write in
            let account = try write.call.requiredAccount(context)
            let text = write.call.arguments.requiredString("priority")
            let priority = AccountPriority(rawValue: text) ?? .normal
            let accountID = context.dataset.accounts[account].accountID
            let previous = try write.transaction.setAccountPriority(accountKey: account, to: priority,
                                                                    audit: write.audit("set_account_priority", accountID: accountID))
            return .object(["account_id": .string(accountID), "priority": .string(priority.rawValue),
                            "previous_priority": .string(previous.rawValue), "changed": .bool(previous != priority)])
        },
        WriteTool(name: "set_user_key_status", title: "Set key-user status", scope: .writeMetadata, toolset: "actions",
                  summary: "Marks or unmarks a user as a key user (champion).",
                  parameters: [.userID(required: true), .keyUser], destructive: true, idempotent: true,
                  fields: ["user_id": "string", "account_id": "string", "key_user": "boolean", "previous_key_user": "boolean",
                           "changed": "boolean"]) { context, write in
            let id = write.call.arguments.requiredString("user_id")
            let user = try write.call.user(id, context)
            let keyUser = write.call.arguments.bool("key_user") ?? false
            let accountID = context.dataset.accounts[context.dataset.users.accountKeys[user]].accountID
            let previous = try write.transaction.setUserKeyStatus(userKey: user, to: keyUser,
                                                                  audit: write.audit("set_user_key_status", accountID: accountID))
            return .object(["user_id": .string(id), "account_id": .string(accountID), "key_user": .bool(keyUser),
                            "previous_key_user": .bool(previous), "changed": .bool(previous != keyUser)])
        },
    ]

    public static func named(_ name: String) -> WriteTool? { all.first { $0.name == name } }

    /// Runs write tool `name` for the caller's agency: the change, its audit
    /// entry and its idempotency key in one transaction. A retry with the
    /// same `idempotency_key` (same tool, same arguments) gets the first
    /// result back and writes nothing but an audit entry (`replayed`).
    public static func call(_ name: String, agencyID: String, client: String, arguments json: JSONValue?, context: ToolContext,
                            scopes: Set<Scope>) throws(ToolError) -> JSONValue {
        guard let tool = named(name) else { throw ToolError("unknown tool \(name)") }
        guard scopes.contains(tool.scope) else {
            throw ToolError("missing scope \(tool.scope.rawValue): this credential was not granted it; use a key (or connection) that includes \(tool.scope.rawValue)")
        }
        guard let agency = context.dataset.agencyKey(agencyID) else { throw ToolError("unknown agency \(agencyID)") }
        let arguments = try ToolArguments(json, parameters: tool.allParameters)
        let call = ToolCall(agency: agency, agencyID: agencyID, arguments: arguments, asOf: context.defaultAsOf)
        let now = Int64(Date().timeIntervalSince1970)
        let claim = arguments.string("idempotency_key").map { key in
            var request = json?.objectValue ?? [:]
            request["idempotency_key"] = nil
            return IdempotencyClaim(agencyKey: agency, key: key, tool: name, request: JSONValue.object(request).text())
        }
        let text: String, replayed: Bool
        do {
            (text, replayed) = try context.store.write(idempotency: claim, now: now) { transaction in
                let answer = try tool.handler(context, WriteCall(call: call, client: client, transaction: transaction, now: now))
                guard case var .object(result) = answer else { return answer.text() }
                result["agency_id"] = .string(agencyID)
                return JSONValue.object(result).text()
            }
        } catch let error as ToolError {
            throw error
        } catch let StoreError.conflict(message) {
            throw ToolError(message)
        } catch {
            // The store's own message may hold SQL: the caller gets what happened, not how.
            throw ToolError("could not save the change of \(name); nothing was written — try the call again")
        }
        if replayed {
            try? context.store.appendAudit([AuditEntry(atMilliseconds: now * 1000, agencyKey: agency, client: client, action: name,
                                                       accountID: arguments.string("account_id"), outcome: "replayed")])
        }
        let result = (try? JSONValue.parse(text)) ?? .null
        return ToolOutput.redact(result, for: scopes)
    }
}
