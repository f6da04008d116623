"""The tool surface the Python suites expect, in the order tools/list gives
it (GoCSM's catalogue order, then the tools Vitals adds in each category).
One list, shared by the MCP and OAuth suites."""

READ_TOOLS = [
    "list_tracked_accounts", "search_accounts", "get_account", "search_users", "get_user", "get_agency_overview",
    "list_accounts_at_risk", "list_health_movers", "list_inactive_users", "list_failed_payments", "list_upcoming_renewals",
    "get_feature_metrics", "list_feature_adoption_gaps", "list_feature_metric_movers", "get_login_activity",
    "get_revenue_summary", "list_upsell_candidates", "list_revenue_movements", "list_feedback_responses", "list_feedback_requests",
    "list_workflows",
    # The team's work (toolset `work`, scope read:activities).
    "list_ctas", "get_cta", "list_timeline_activities", "list_success_plans",
]

WRITE_TOOLS = [
    "request_feedback", "trigger_workflow", "set_account_priority", "set_user_key_status",
    # The team's work (toolset `work`, scope write:activities).
    "create_cta", "update_cta", "add_cta_task", "update_cta_task", "log_activity", "update_activity", "create_success_plan",
    "update_success_plan",
]

# Writes that overwrite something (destructiveHint), and those a repeat of leaves as they are (idempotentHint).
DESTRUCTIVE_WRITES = {"set_account_priority", "set_user_key_status", "update_cta", "update_cta_task", "update_activity",
                      "update_success_plan"}
IDEMPOTENT_WRITES = {"set_account_priority", "set_user_key_status", "update_cta", "update_cta_task", "update_activity"}
