#!/usr/bin/env python3
"""Dashboard benchmark (issue 14): how long `/dashboard` takes to answer.

For each store (a copy: scoring and signing in write to it), scores its latest
day (so its playbooks open the CTAs and tasks the pages show), starts `vitals
serve --http` on it, signs in with a new key of the agency, loads the agency page once (the
server loads the dataset then), and then times, on one keep-alive connection,
interleaved round after round:

  agency    GET /dashboard                     (the report's sections, linked)
  account   GET /dashboard/accounts/ID         (the at-risk accounts in turn)
  csv       GET /dashboard/csv/at_risk         (every at-risk row)

and, --writes times, the page after a write: POST a note on an account (the
form), then GET that account's page — the first answer after a write reloads
the store, as every MCP answer after a write does.

The times are the client's, on loopback: request sent to body read (the
server's time plus well under a millisecond of loopback). Prints per store and
page: requests, median, p90, p99, max (ms), the page's size, and the server's
peak RSS. There is no DuckDB side here: a page is the tools' answers rendered
(§1 and §1d compare the work behind them with DuckDB).

  python3 Benchmarks/dashboard_bench.py --bin BIN --store DB [--store DB2 ...] [--agency ag_001] [--rounds 40] [--writes 5]
"""
import argparse
import contextlib
import http.client
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

# tests/served.py starts `vitals serve --http` and waits for its address, for the tests and here.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
from served import start  # noqa: E402


class Browser:
    """One keep-alive connection with the session cookie."""

    def __init__(self, address):
        host, port = address.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=120)
        self.cookie = ""

    def request(self, method, path, form=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";")[0]
        if response.status >= 400:
            sys.exit(f"{method} {path}: {response.status}\n{data[:500]}")
        return elapsed, data, response


def quantile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench(vitals, source, agency, rounds, writes):
    work = tempfile.mkdtemp(prefix="dashboard-bench-")
    store = os.path.join(work, "store.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(source + suffix):
            shutil.copy(source + suffix, store + suffix)
    subprocess.run([vitals, "score", "--store", store], check=True, capture_output=True)
    with contextlib.closing(sqlite3.connect(store)) as db:
        open_ctas = db.execute("SELECT count(*) FROM ctas c JOIN agencies a ON a.agency_key = c.agency_key "
                               "WHERE a.agency_id = ? AND c.status = 'open'", (agency,)).fetchone()[0]
    key = subprocess.run([vitals, "token", "create", "--store", store, "--agency", agency, "--scopes",
                          "read:accounts,read:users,read:revenue,read:feedback,read:activities,write:activities"],
                         check=True, capture_output=True, text=True).stdout.strip()
    server = start(vitals, store, "--rate-limit", "off", timeout=60)
    try:
        browser = Browser(urllib.parse.urlsplit(server.base).netloc)
        browser.request("POST", "/dashboard", {"token": key})
        first, html, _ = browser.request("GET", "/dashboard")
        accounts = list(dict.fromkeys(re.findall(r'href="/dashboard/accounts/([^"?]+)"', html.decode())))
        if not accounts:
            sys.exit("the agency page links no account")
        times = {"agency": [], "account": [], "csv": [], "account after a write": []}
        sizes = {}
        for i in range(rounds):
            for page, path in [("agency", "/dashboard"), ("account", f"/dashboard/accounts/{accounts[i % len(accounts)]}"),
                               ("csv", "/dashboard/csv/at_risk")]:
                elapsed, data, _ = browser.request("GET", path)
                times[page].append(elapsed)
                sizes[page] = len(data)
        for i in range(writes):
            account = accounts[i % len(accounts)]
            _, html, _ = browser.request("GET", f"/dashboard/accounts/{account}")
            csrf = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
            browser.request("POST", f"/dashboard/accounts/{account}/activities",
                            {"csrf_token": csrf, "kind": "note", "body": f"bench note {i}"})
            elapsed, data, _ = browser.request("GET", f"/dashboard/accounts/{account}")
            times["account after a write"].append(elapsed)
            sizes["account after a write"] = len(data)
        rss = peak_rss_mb(server.proc.pid)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{source} ({agency}; {open_ctas} open CTAs; {len(accounts)} linked accounts; first page after start {first:.0f} ms; server peak RSS {rss:.0f} MB)")
    print(f"{'page':<24}{'n':>5}{'median':>10}{'p90':>10}{'p99':>10}{'max':>10}{'KB':>8}")
    for page, values in times.items():
        if values:
            print(f"{page:<24}{len(values):>5}{statistics.median(values):>10.1f}{quantile(values, 0.9):>10.1f}"
                  f"{quantile(values, 0.99):>10.1f}{max(values):>10.1f}{sizes[page] / 1024:>8.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory of a release `vitals`")
    parser.add_argument("--store", action="append", required=True)
    parser.add_argument("--agency", default="ag_001")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--writes", type=int, default=5)
    args = parser.parse_args()
    vitals = os.path.join(args.bin, "vitals")
    for store in args.store:
        bench(vitals, store, args.agency, args.rounds, args.writes)


if __name__ == "__main__":
    main()
