-- wrk script: every wrk thread is one MCP client (streamable HTTP) sending a
-- mix of read-tool calls, back to back. Run with as many threads as
-- connections (-t 64 -c 64) for 64 concurrent clients.
-- VITALS_MCP_ERA: legacy (default; each thread opens a 2025-06-18 session with
-- initialize) or modern (stateless 2026-07-28: _meta in every request and the
-- MCP-Protocol-Version, Mcp-Method and Mcp-Name headers, no session).
-- Env: VITALS_API_KEY, VITALS_ACCOUNTS (comma-separated account ids for get_account),
-- VITALS_CALLS_PER_SECOND (per session; 0 or unset: back to back, which measures
-- saturation: latency is then queueing behind the other sessions).
local key = os.getenv("VITALS_API_KEY")
local modern = os.getenv("VITALS_MCP_ERA") == "modern"
local pause_ms = 0
local rate = tonumber(os.getenv("VITALS_CALLS_PER_SECOND") or "0")
if rate and rate > 0 then pause_ms = 1000 / rate end
local accounts = {}
for id in string.gmatch(os.getenv("VITALS_ACCOUNTS") or "", "[^,]+") do table.insert(accounts, id) end

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local session = nil
local sent = 0
errors = 0
calls = 0

local function headers(tool)
  local h = {["Content-Type"] = "application/json", ["Accept"] = "application/json, text/event-stream", ["x-api-key"] = key}
  if modern then
    h["MCP-Protocol-Version"] = "2026-07-28"
    h["Mcp-Method"] = "tools/call"
    h["Mcp-Name"] = tool
  elseif session then
    h["Mcp-Session-Id"] = session
    h["MCP-Protocol-Version"] = "2025-06-18"
  end
  return h
end

local meta = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},'
  .. '"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1"}},'

local function call(n, tool, arguments)
  return tool, string.format('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{%s"name":"%s","arguments":%s}}',
    n, modern and meta or "", tool, arguments)
end

-- The mix: tools served from the materialized results (default arguments).
local function body(n)
  local pick = n % 6
  if pick == 0 then return call(n, "get_agency_overview", "{}") end
  if pick == 1 then return call(n, "list_accounts_at_risk", '{"limit":20}') end
  if pick == 2 then return call(n, "list_tracked_accounts", '{"limit":20}') end
  if pick == 3 then return call(n, "get_revenue_summary", "{}") end
  if pick == 4 then return call(n, "list_feature_metric_movers", '{"limit":10}') end
  local account = accounts[(n % #accounts) + 1] or "acc_00001"
  return call(n, "get_account", string.format('{"account_id":"%s"}', account))
end

-- wrk calls this before each request: the pause between one session's calls.
function delay()
  return pause_ms
end

function request()
  sent = sent + 1
  if not session and not modern then
    return wrk.format("POST", "/api/mcp", headers(nil),
      '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}')
  end
  local tool, text = body(sent)
  return wrk.format("POST", "/api/mcp", headers(tool), text)
end

function response(status, response_headers, response_body)
  if not session and not modern then
    session = response_headers["MCP-Session-Id"] or response_headers["Mcp-Session-Id"] or response_headers["mcp-session-id"]
    if not session then errors = errors + 1 end
    return
  end
  calls = calls + 1
  if status ~= 200 or string.find(response_body, '"isError":true', 1, true) or not string.find(response_body, '"result"', 1, true) then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local total_errors, total_calls = 0, 0
  for _, thread in ipairs(threads) do
    total_errors = total_errors + (thread:get("errors") or 0)
    total_calls = total_calls + (thread:get("calls") or 0)
  end
  io.write(string.format("RESULT calls=%d errors=%d status_errors=%d socket_errors=%d seconds=%.2f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    total_calls, total_errors, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
