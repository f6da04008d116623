import VitalsJSON
import VitalsProtocol

/// The seed's starter conversations as MCP prompts, and a briefing on safe
/// use (as Customermates ships one to paste before anything else).
enum VitalsPrompts {
    /// An MCP `Prompt`: what `prompts/list` shows.
    struct Prompt: Sendable {
        struct Argument: Sendable {
            var name: String
            var title: String
            var description: String
            var required: Bool
        }

        var name: String
        var title: String
        var description: String
        var arguments: [Argument] = []

        var json: JSONValue {
            [
                "name": .string(name), "title": .string(title), "description": .string(description),
                "arguments": .array(arguments.map {
                    ["name": .string($0.name), "title": .string($0.title), "description": .string($0.description), "required": .bool($0.required)]
                }),
            ]
        }
    }

    struct Entry: Sendable {
        var prompt: Prompt
        /// The user message, from the prompt's arguments.
        var text: @Sendable ([String: String]) -> String
    }

    static let entries: [Entry] = [
        Entry(prompt: Prompt(name: "pulse_check", title: "Pulse check",
                             description: "A one-paragraph agency health summary, then the accounts most likely to churn.",
                             arguments: [Prompt.Argument(name: "top", title: "How many accounts", description: "How many at-risk accounts to name, e.g. 3", required: false)])) { args in
            "Give me a one-paragraph agency health summary (call get_agency_overview), then the \(args["top"] ?? "3") accounts most likely to churn "
                + "(list_accounts_at_risk), each with its top churn drivers and the evidence of its risk signals."
        },
        Entry(prompt: Prompt(name: "outreach_prep", title: "Outreach prep",
                             description: "Renewals coming up in the Watch or At Risk band, by MRR, with the top risk signal of each.",
                             arguments: [Prompt.Argument(name: "days", title: "Days ahead", description: "How far ahead to look, e.g. 14", required: false)])) { args in
            "Find accounts with renewals in the next \(args["days"] ?? "14") days that are in the Watch or At Risk band "
                + "(list_upcoming_renewals with days \(args["days"] ?? "14"), bands [\"Watch\", \"At Risk\"] and sort_by \"mrr\"). For each, give me its top_signal and what it shows (get_account for the evidence)."
        },
        Entry(prompt: Prompt(name: "adoption_coaching", title: "Adoption coaching",
                             description: "The features with the biggest week-over-week drop across tracked accounts, and who to coach.",
                             arguments: [Prompt.Argument(name: "window", title: "Window in days", description: "Days per compared window, e.g. 7", required: false)])) { args in
            "Which features are seeing the biggest drop in usage over the last \(args["window"] ?? "7") days against the \(args["window"] ?? "7") before, "
                + "across my tracked accounts (list_feature_metric_movers, direction down)? For the top one, which core features do the "
                + "declining accounts not use at all (list_feature_adoption_gaps)?"
        },
        Entry(prompt: Prompt(name: "action", title: "Action",
                             description: "List an account's workflows, then trigger one on the account owner (needs write:workflows).",
                             arguments: [Prompt.Argument(name: "account", title: "Account", description: "Account name or id, e.g. AcmeCo", required: true),
                                         Prompt.Argument(name: "workflow", title: "Workflow", description: "Workflow name, e.g. Renewal Reminder — 30 day", required: true)])) { args in
            "List the workflows available for \(args["account"] ?? "the account") (search_accounts to find it, then list_workflows), "
                + "then trigger the '\(args["workflow"] ?? "renewal reminder")' workflow on the account owner. Confirm with me before triggering."
        },
        Entry(prompt: Prompt(name: "safe_use_briefing", title: "Briefing: using Vitals safely",
                             description: "Paste first: how to discover what Vitals can do, and the guardrails for write tools.")) { _ in
            """
            You are connected to Vitals, a customer-success analytics server for one agency (your credential fixes which). Before answering:
            1. Discover: call get_agency_overview first; find ids with search_accounts and search_users — never guess an account_id or user_id.
            2. Read before you act: every number comes with its evidence (health components, risk signals, churn drivers). Quote them.
            3. Lists are paged: when has_more is true, pass next_cursor back as cursor; say how many there are in total.
            4. Write tools (trigger_workflow, request_feedback, set_account_priority, set_user_key_status) change real data and reach real customers. \
            Only call one after the user has named the account and the action and confirmed it; never loop a write over many accounts without \
            listing them first and getting an explicit yes. Writes are recorded in an audit log.
            5. If a tool answers with an error, read it: it says what to do next (for example, call search_accounts). If a scope is missing, tell the user \
            which one; do not try to work around it.
            """
        },
    ]

    static var prompts: [JSONValue] { entries.map(\.prompt.json) }

    /// A `GetPromptResult`: the prompt's description and its one user message.
    static func get(_ name: String, arguments: [String: String]) throws(JSONRPCError) -> JSONValue {
        guard let entry = entries.first(where: { $0.prompt.name == name }) else {
            throw .invalidParams("unknown prompt \(name); the prompts are: \(entries.map(\.prompt.name).joined(separator: ", "))")
        }
        for argument in entry.prompt.arguments where argument.required && arguments[argument.name] == nil {
            throw .invalidParams("prompt \(name) needs the argument \(argument.name) (\(argument.description))")
        }
        return [
            "description": .string(entry.prompt.description),
            "messages": [["role": "user", "content": ["type": "text", "text": .string(entry.text(arguments))]]],
        ]
    }
}
