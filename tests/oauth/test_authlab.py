"""mcp-authlab (PyPI, pinned in tests/requirements.txt), a conformance scanner for
MCP authorization nobody here wrote, against a served instance after a real OAuth
flow: `mcp-authlab login` registers, signs in through the consent page (a
`BROWSER` script that pastes the agency's token and presses Allow, as a person
would) and probes the authorization server; `mcp-authlab scan` grades the MCP
endpoint. Every one of its 33 checks must run, none may fail, and the only
warning allowed is plain http on loopback (TLS-01: the tests serve on 127.0.0.1).

Two things are arranged so that every check runs, and why:
- The tool's second sign-in asks for a token for another resource (by default
  the issuer). Vitals serves one resource and refuses any other at /authorize
  (RFC 8707 §2, invalid_target), so the tool could not get its second code and
  skipped ASF-03 (a redirect_uri that differs from the authorization request is
  refused at /token). `--foreign-resource` set to our own resource gives it that
  second code, so ASF-03 runs against the real token endpoint.
- That second token is then for this very server, so the scan is given, as
  `--foreign-token`, a token that a second Vitals server (another address, hence
  another resource, on the same store) issued through its own OAuth flow. TOK-03
  (a token for another resource is refused) and ASF-04 (opaque tokens: bound
  apart) are decided with it; the test first checks that this token does work on
  the server that issued it, so its refusal is the audience check and nothing else.
"""
import json
import os
import subprocess
import sys

from oauth_support import App, modern_call

HERE = os.path.dirname(os.path.abspath(__file__))
AUTHLAB = [sys.executable, "-m", "mcp_authlab"]


def authlab(*args, env, timeout=180):
    return subprocess.run([*AUTHLAB, *args, "--no-color"], env=env, capture_output=True, text=True, timeout=timeout)


def test_mcp_authlab_finds_no_failure_and_no_warning_but_loopback_http(serve, read_key, tmp_path):
    server = serve("--rate-limit", "off")
    other = serve("--rate-limit", "off")  # another address: another resource, on the same store
    log = tmp_path / "consent.jsonl"
    env = os.environ | {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # its token store, not the user's
        "BROWSER": f"{sys.executable} {os.path.join(HERE, 'consent_bot.py')} %s",
        "VITALS_CONSENT_TOKEN": read_key,
        "VITALS_CONSENT_LOG": str(log),
    }

    login = authlab("login", server.url, "--timeout", "30", "--thorough", "--foreign-resource", server.url, env=env)
    assert login.returncode == 0, login.stdout + login.stderr
    # Each sign-in went through the consent page and came back to the tool's loopback callback with code, state and iss.
    sign_ins = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(sign_ins) >= 2, sign_ins
    for sign_in in sign_ins:
        assert sign_in["page_status"] == 200 and sign_in["consent_status"] == 302, sign_in
        assert sign_in["redirect"].startswith("http://127.0.0.1:") and sign_in["parameters"] == ["code", "iss", "state"], sign_in
    for check in ["ASF-01", "ASF-02", "ASF-03", "ASF-05", "ASF-06"]:
        assert f"✓ {check}" in login.stdout, login.stdout

    second = App(other.base, name="second server (pytest)")
    try:
        foreign = second.login(read_key)["access_token"]
    finally:
        second.close()
    assert modern_call(other.url, foreign).status_code == 200  # a good token where it belongs

    scan = authlab("scan", server.url, "--format", "json", "--foreign-token", foreign, "--fail-under", "A", env=env)
    assert scan.returncode == 0, scan.stdout + scan.stderr
    report = json.loads(scan.stdout)
    results = {r["id"]: r for r in report["results"]}
    not_passed = {cid: (r["status"], r["message"]) for cid, r in results.items() if r["status"] != "pass"}
    assert not_passed == {"TLS-01": ("warn", "plain http on loopback (acceptable for local development only)")}, not_passed
    assert report["counts"] == {"pass": 32, "fail": 0, "warn": 1, "skip": 0, "error": 0}, report["counts"]
    assert report["grade"] == "A" and report["conformance"] == "Conformant with warnings", report["reasons"]
    assert report["critical_failures"] == [] and report["must_failures"] == []
    # The checks this arrangement is for, decided by what our servers did:
    assert results["TOK-03"]["evidence"]["http_status"] == 401  # the other server's token, refused here
    assert results["ASF-06"]["message"] == "all URLs HTTPS (or loopback); iss present on every callback"
