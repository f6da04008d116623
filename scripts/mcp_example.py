"""A short MCP session against the demo store with the Python mcp client (the README shows its output).
    KEY=$(vitals token create --store data/demo.db --agency ag_001) python3 scripts/mcp_example.py $(swift build --show-bin-path)/vitals
"""
import asyncio, json, os, sys
from mcp import Client, StdioServerParameters

async def main():
    server = StdioServerParameters(command=sys.argv[1], args=["serve", "--stdio", "--store", "data/demo.db"],
                                   env={"VITALS_API_KEY": os.environ["KEY"]})
    async with Client(server, mode="legacy") as client:
        tools = (await client.list_tools()).tools
        print(f"{len(tools)} tools:", ", ".join(t.name for t in tools[:6]), "…")
        overview = (await client.call_tool("get_agency_overview", {})).structured_content
        print("overview:", json.dumps({k: overview[k] for k in ["tracked_accounts", "accounts_by_band", "average_health", "mrr_cents"]}))
        risk = (await client.call_tool("list_accounts_at_risk", {"limit": 2})).structured_content
        print(f"at risk: {risk['total']} accounts, has_more={risk['has_more']}, next_cursor={risk['next_cursor']}")
        for item in risk["items"]:
            a = item["account"]
            print(f"  {a['account_id']} {a['name']}: health {a['health']} ({a['band']}), churn risk {a['churn_risk']}, "
                  f"drivers {[(d['name'], d.get('evidence')) for d in item['drivers'][:3]]}")
        bad = await client.call_tool("get_account", {"account_id": "acc_99999"})
        print("error:", bad.is_error, bad.content[0].text)

asyncio.run(main())
