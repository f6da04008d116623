"""The protocol core over real HTTP and stdio, as clients nobody here wrote
see it: raw `initialize` bodies exactly as ChatGPT and Codex send them,
every kind of malformed request with its code and message, both eras'
header rules, 300 concurrent requests, a flood of unanswerable ids, a
foreign Host, SIGTERM; then `fastmcp`'s client in its three modes and
`jbt-mcpcheck` (PyPI), whose every check must pass."""
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time

import httpx2
import pytest

from served import start

ACCEPT = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {},
               "io.modelcontextprotocol/clientInfo": {"name": "pytest", "version": "1"}}

# ChatGPT's connector and Codex CLI, as they open a session (the bodies that swift-sdk 0.12.1 refused with -32603).
CHATGPT_INITIALIZE = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18",
    "capabilities": {"experimental": {"openai/visibility": {"enabled": True}},
                     "extensions": {"io.modelcontextprotocol/ui": {"mimeTypes": ["text/html;profile=mcp-app"]}}},
    "clientInfo": {"name": "openai-mcp", "version": "1.0.0"}}}
CODEX_INITIALIZE = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18",
    "capabilities": {"experimental": {"codex/auth-change": {}}, "elicitation": {}},
    "clientInfo": {"name": "codex-mcp-client", "title": "Codex", "version": "0.63.0"}}}


def modern(method, id=1, **params):
    return {"jsonrpc": "2.0", "id": id, "method": method, "params": params | {"_meta": MODERN_META}}


def modern_headers(method, name=None, version="2026-07-28"):
    headers = ACCEPT | {"mcp-protocol-version": version, "mcp-method": method}
    if name is not None:
        headers["mcp-name"] = name
    return headers


def post(url, key, body, headers=ACCEPT):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return httpx2.post(url, content=data, headers=headers | {"x-api-key": key}, timeout=10)


# MARK: - ChatGPT and Codex open a session


@pytest.mark.parametrize("body", [CHATGPT_INITIALIZE, CODEX_INITIALIZE], ids=["chatgpt", "codex"])
def test_chatgpt_and_codex_initialize_bodies_get_a_session_and_tools(http_url, read_key, body):
    opened = post(http_url, read_key, body)
    assert opened.status_code == 200, opened.text
    result = opened.json()["result"]
    assert result["protocolVersion"] == "2025-06-18" and result["serverInfo"]["name"] == "vitals"
    assert "tools" in result["capabilities"]
    session = opened.headers["mcp-session-id"]
    follow = ACCEPT | {"mcp-session-id": session, "mcp-protocol-version": "2025-06-18"}
    assert post(http_url, read_key, {"jsonrpc": "2.0", "method": "notifications/initialized"}, follow).status_code == 202
    listed = post(http_url, read_key, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, follow)
    assert listed.status_code == 200
    assert len(listed.json()["result"]["tools"]) == 19


# MARK: - Malformed requests: the right code, a message naming the problem, the server keeps serving

MALFORMED = [
    # (name, body, extra headers, HTTP status, JSON-RPC code, words in the message)
    ("id true", {"jsonrpc": "2.0", "id": True, "method": "tools/list"}, {}, 400, -32600, "id must be a string or an integer, got boolean"),
    ("id float", {"jsonrpc": "2.0", "id": 1.5, "method": "tools/list"}, {}, 400, -32600, "got number"),
    ("id null", {"jsonrpc": "2.0", "id": None, "method": "tools/list"}, {}, 400, -32600, "got null"),
    ("id object", {"jsonrpc": "2.0", "id": {"a": 1}, "method": "tools/list"}, {}, 400, -32600, "got object"),
    ("id array", {"jsonrpc": "2.0", "id": [1], "method": "tools/list"}, {}, 400, -32600, "got array"),
    ("params array", {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": [1]}, {}, 400, -32602, "params of tools/list must be an object, got array"),
    ("missing method", {"jsonrpc": "2.0", "id": 1}, {}, 400, -32600, "missing method"),
    ("wrong jsonrpc", {"jsonrpc": "1.0", "id": 1, "method": "tools/list"}, {}, 400, -32600, 'jsonrpc must be "2.0"'),
    ("batch", [modern("tools/list")], {}, 400, -32600, "batches are not supported"),
    ("not json", '{"jsonrpc": "2.0", "id": 1, "method"', {}, 400, -32700, "not valid JSON"),
    ("no meta, no session", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, {}, 400, -32602, "io.modelcontextprotocol/protocolVersion"),
    ("meta without capabilities",
     {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}},
     modern_headers("tools/list"), 400, -32602, "clientCapabilities"),
    ("arguments not an object", modern("tools/call", name="get_agency_overview", arguments="all"),
     modern_headers("tools/call", "get_agency_overview"), 200, -32602, "params.arguments must be an object"),
    ("name not a string", modern("tools/call", name=7), modern_headers("tools/call"), 200, -32602, "params.name"),
    ("unknown tool", modern("tools/call", name="drop_tables", arguments={}), modern_headers("tools/call", "drop_tables"), 200, -32602, "Unknown tool: drop_tables"),
    ("unknown method", modern("accounts/delete"), modern_headers("accounts/delete"), 404, -32601, "unknown method accounts/delete"),
    ("ping is not modern", modern("ping"), modern_headers("ping"), 404, -32601, "ping is not part of MCP 2026-07-28"),
    ("unknown version", {"jsonrpc": "2.0", "id": 1, "method": "tools/list",
                         "params": {"_meta": MODERN_META | {"io.modelcontextprotocol/protocolVersion": "2099-01-01"}}},
     modern_headers("tools/list", version="2099-01-01"), 400, -32022, "Unsupported protocol version"),
    ("missing version header", modern("tools/list"), ACCEPT | {"mcp-method": "tools/list"}, 400, -32020, "MCP-Protocol-Version header is required"),
    ("version header mismatch", modern("tools/list"), modern_headers("tools/list", version="2025-11-25"), 400, -32020,
     "MCP-Protocol-Version header value '2025-11-25' does not match body value '2026-07-28'"),
    ("missing method header", modern("tools/list"), ACCEPT | {"mcp-protocol-version": "2026-07-28"}, 400, -32020, "Mcp-Method header is required"),
    ("method header mismatch", modern("tools/list"), modern_headers("prompts/list"), 400, -32020,
     "Mcp-Method header value 'prompts/list' does not match body value 'tools/list'"),
    ("missing name header", modern("tools/call", name="get_agency_overview", arguments={}), modern_headers("tools/call"), 400, -32020,
     "Mcp-Name header is required for tools/call"),
    ("name header mismatch", modern("tools/call", name="get_agency_overview", arguments={}), modern_headers("tools/call", "get_account"), 400,
     -32020, "Mcp-Name header value 'get_account' does not match body value 'get_agency_overview'"),
]


@pytest.mark.parametrize("name,body,headers,status,code,says", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_every_malformed_request_is_answered_with_its_code(http_url, read_key, name, body, headers, status, code, says):
    answer = post(http_url, read_key, body, headers or ACCEPT)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and says in error["message"], error
    if code == -32022:
        assert error["data"]["supported"] == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]
        assert error["data"]["requested"] == "2099-01-01"
    # The server keeps serving.
    ok = post(http_url, read_key, modern("tools/list"), modern_headers("tools/list"))
    assert ok.status_code == 200 and ok.json()["result"]["resultType"] == "complete"


def test_a_modern_request_with_a_base64_name_header_is_served(http_url, read_key):
    encoded = "=?base64?" + base64.b64encode(b"get_agency_overview").decode() + "?="
    answer = post(http_url, read_key, modern("tools/call", name="get_agency_overview", arguments={}), modern_headers("tools/call", encoded))
    assert answer.status_code == 200 and answer.json()["result"]["isError"] is False


def test_modern_requests_ignore_a_session_header_and_mint_none(http_url, read_key):
    answer = post(http_url, read_key, modern("server/discover"), modern_headers("server/discover") | {"mcp-session-id": "bogus"})
    assert answer.status_code == 200 and "mcp-session-id" not in answer.headers
    result = answer.json()["result"]
    assert result["supportedVersions"][0] == "2026-07-28" and result["cacheScope"] == "public" and result["ttlMs"] > 0
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "vitals"


def test_notifications_get_202_and_get_is_405(http_url, read_key):
    assert post(http_url, read_key, {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 9}}).status_code == 202
    get = httpx2.get(http_url, headers=ACCEPT | {"x-api-key": read_key}, timeout=10)
    assert get.status_code == 405 and get.headers["allow"] == "POST, DELETE"


def test_a_foreign_host_is_refused(http_url, read_key):
    # DNS rebinding: evil.example resolved to 127.0.0.1 still names itself in Host.
    for host in ["evil.example", f"evil.example:{http_url.split(':')[2].split('/')[0]}", "127.0.0.2:1"]:
        answer = post(http_url, read_key, modern("tools/list"), modern_headers("tools/list") | {"host": host})
        assert answer.status_code == 403 and f"Host {host} is not served here" in answer.json()["error"]["message"]
    health = httpx2.get(http_url.rsplit("/api/mcp", 1)[0] + "/healthz", headers={"host": "evil.example"}, timeout=10)
    assert health.status_code == 403


def test_oversized_headers_are_refused_and_the_server_keeps_serving(http_url, read_key):
    port = int(http_url.split(":")[2].split("/")[0])
    for headers in ["X-Big: " + "a" * (20 << 10) + "\r\n", "".join(f"X-{i}: v\r\n" for i in range(150))]:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n".encode())
            answer = b""
            try:
                while chunk := sock.recv(65536):
                    answer += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        assert not answer.startswith(b"HTTP/1.1 200"), answer[:200]
    ok = post(http_url, read_key, modern("tools/list"), modern_headers("tools/list"))
    assert ok.status_code == 200


# MARK: - Concurrency, floods and shutdown


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.parametrize("era", ["legacy", "modern"])
async def test_300_concurrent_requests_are_all_answered(http_url, read_key, query, era):
    expected = query("get_agency_overview")
    async with httpx2.AsyncClient(headers={"x-api-key": read_key}, timeout=60,
                                  limits=httpx2.Limits(max_connections=300)) as http:
        if era == "legacy":
            opened = await http.post(http_url, json=CODEX_INITIALIZE, headers=ACCEPT)
            headers = ACCEPT | {"mcp-session-id": opened.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
            bodies = [{"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "get_agency_overview", "arguments": {}}}
                      for i in range(300)]
        else:
            headers = modern_headers("tools/call", "get_agency_overview")
            bodies = [modern("tools/call", id=i, name="get_agency_overview", arguments={}) for i in range(300)]
        answers = await asyncio.gather(*(http.post(http_url, json=body, headers=headers) for body in bodies))
    assert [a.status_code for a in answers] == [200] * 300
    assert sorted(a.json()["id"] for a in answers) == list(range(300))
    for answer in answers:
        structured = answer.json()["result"]["structuredContent"]
        assert structured["paying_accounts"] == expected["paying_accounts"]


def test_a_flood_of_bad_ids_leaves_the_server_healthy_and_sigterm_prompt(vitals, store, read_key):
    """300 `"id": true` requests, each answered at once (400), keep no socket:
    /healthz answers within a second, and SIGTERM ends the server within five
    seconds even with idle keep-alive connections and a half-sent request open."""
    server = start(vitals, store, "--rate-limit", "off")
    try:
        base = server.url.rsplit("/api/mcp", 1)[0]
        with httpx2.Client(headers={"x-api-key": read_key} | ACCEPT, timeout=10) as http:
            codes = {http.post(server.url, content=b'{"jsonrpc":"2.0","id":true,"method":"tools/list"}').status_code for _ in range(300)}
        assert codes == {400}
        started = time.monotonic()
        assert httpx2.get(base + "/healthz", timeout=1).text == "ok\n"
        assert time.monotonic() - started < 1
        port = int(base.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        half = socket.create_connection(("127.0.0.1", port))
        half.sendall(b"POST /api/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\"")
        time.sleep(0.2)
        stopping = time.monotonic()
        server.proc.terminate()
        server.proc.wait(timeout=10)
        assert time.monotonic() - stopping < 5
        for sock in idle + [half]:
            sock.close()
    finally:
        server.stop()


# MARK: - stdio: the same core, line by line


def test_stdio_answers_malformed_lines_and_both_eras(vitals, store, read_key):
    lines = [
        '{"jsonrpc":"2.0","id":true,"method":"tools/list"}',
        'not json',
        json.dumps(modern("server/discover", id="d")),
        json.dumps(CHATGPT_INITIALIZE),
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_agency_overview","arguments":[]}}',
        '{"jsonrpc":"2.0","id":3,"method":"ping"}',
        json.dumps(modern("tools/call", id=4, name="get_agency_overview", arguments={})),
    ]
    out = subprocess.run([vitals, "serve", "--stdio", "--store", store], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         timeout=60, env={"VITALS_API_KEY": read_key, "PATH": os.environ.get("PATH", "")})
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    by_id = {json.dumps(a["id"]): a for a in answers}
    assert len(answers) == 7  # the notification gets none
    errors = [a["error"] for a in answers if a["id"] is None]
    assert sorted(e["code"] for e in errors) == [-32700, -32600]
    assert by_id['"d"']["result"]["resultType"] == "complete"
    assert by_id["0"]["result"]["protocolVersion"] == "2025-06-18"
    assert by_id["2"]["error"]["code"] == -32602 and "arguments must be an object" in by_id["2"]["error"]["message"]
    assert by_id["3"]["result"] == {}
    assert by_id["4"]["result"]["resultType"] == "complete" and by_id["4"]["result"]["isError"] is False


# MARK: - Clients nobody here wrote


@pytest.mark.anyio
@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize("mode", ["auto", "legacy", "2026-07-28"])
async def test_fastmcp_client_in_every_mode(vitals, store, http_url, read_key, query, transport, mode):
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport, StreamableHttpTransport
    if transport == "http":
        connection = StreamableHttpTransport(http_url, headers={"x-api-key": read_key})
    else:
        connection = StdioTransport(command=vitals, args=["serve", "--stdio", "--store", store],
                                    env={"VITALS_API_KEY": read_key, "PATH": os.environ.get("PATH", "")}, keep_alive=False)
    async with Client(connection, mode=mode, timeout=30, init_timeout=30) as client:
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        tools = await client.list_tools()
        assert len(tools) == 19
        result = await client.call_tool("get_agency_overview", {})
        assert result.structured_content == query("get_agency_overview")
        prompts = await client.list_prompts()
        assert "pulse_check" in [p.name for p in prompts]


def test_jbt_mcpcheck_passes_every_check(http_url, read_key):
    out = subprocess.run([sys.executable, "-m", "mcpcheck", http_url, "-H", f"x-api-key: {read_key}", "--legacy-probes", "--strict",
                          "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    report = json.loads(out.stdout)
    assert report["summary"]["passed"] == report["summary"]["total"] == 8, report["summary"]
    assert [c["status"] for c in report["checks"]] == ["pass"] * 8
