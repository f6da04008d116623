"""The tenancy check every way in must pass (API key over stdio or HTTP, OAuth
bearer token): a credential of one agency reaches none of another agency's
ids, through every tool that takes one, and is told exactly as for an
unknown id."""

# The read tools that take an account_id.
ACCOUNT_TOOLS = ["get_account", "get_login_activity", "list_feature_adoption_gaps", "list_inactive_users",
                 "list_failed_payments", "get_feature_metrics", "list_feature_metric_movers", "list_feedback_responses"]


async def assert_foreign_ids_unreachable(client, own_agency, foreign_account, foreign_user):
    """`client` holds a credential of `own_agency`; the ids belong to another agency."""
    overview = await client.call_tool("get_agency_overview", {})
    assert not overview.is_error and overview.structured_content["agency_id"] == own_agency
    for tool in ACCOUNT_TOOLS:
        result = await client.call_tool(tool, {"account_id": foreign_account})
        assert result.is_error, tool
        assert result.content[0].text == \
            f"account {foreign_account} is not tracked by this agency — call search_accounts to find the account_id"
    result = await client.call_tool("get_user", {"user_id": foreign_user})
    assert result.is_error and result.content[0].text.startswith(f"user {foreign_user} is not a user of this agency")
    listed = await client.call_tool("search_accounts", {"query": foreign_account})
    assert not listed.is_error and listed.structured_content["total"] == 0
