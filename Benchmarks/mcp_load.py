"""MCP load test: `vitals serve --http` on loopback against wrk (Debian's)
with Benchmarks/mcp_load.lua: N concurrent sessions (one per wrk thread), a
mix of read tools served from the materialized results, bounded in time.
Prints throughput, p50/p95/p99 latency, errors, and the server's RSS over
the run (sampled every second from /proc) so that its flatness shows.

  python3 Benchmarks/mcp_load.py --bin BIN --store STORE [--sessions 64] [--seconds 60] [--rate CALLS_PER_S_PER_SESSION] [--era legacy|modern]

--era legacy (default) opens a 2025-06-18 session per client with initialize;
--era modern sends stateless 2026-07-28 requests (per-request _meta and headers).

With --rate 0 (the default) every session calls back to back: that finds the
server's saturation throughput, and latency is then mostly queueing (64
sessions sharing 2 cores with wrk itself). A positive --rate paces each
session (wrk's delay()), which is how agents call: latency is then service time.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--store", required=True, help="an ingested and scored store")
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rate", type=float, default=0, help="calls per second per session (0: back to back)")
    parser.add_argument("--era", choices=["legacy", "modern"], default="legacy", help="MCP generation the clients speak")
    parser.add_argument("--threads", type=int, default=0,
                        help="wrk threads driving the clients (default: one per client; fewer leaves the 2 cores to the server)")
    args = parser.parse_args()
    vitals = os.path.join(args.bin, "vitals")
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        sys.exit("wrk is missing: apt-get install -y wrk")

    key = subprocess.run([vitals, "token", "create", "--store", args.store, "--agency", "ag_001", "--label", "load test"],
                         check=True, capture_output=True, text=True).stdout.strip()
    accounts = json.loads(subprocess.run([vitals, "query", "list_tracked_accounts", "--store", args.store, "--agency", "ag_001",
                                          "--args", '{"limit": 50}'], check=True, capture_output=True, text=True).stdout)["items"]
    server = subprocess.Popen([vitals, "serve", "--http", "127.0.0.1:0", "--store", args.store, "--rate-limit", "off"], stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in server.stderr:
            found = re.search(r"serving MCP at http://([\d.]+:\d+)/api/mcp", line)
            if found:
                url = "http://" + found.group(1)
                break
        if not url:
            sys.exit("vitals serve --http did not start")
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()  # keep draining its log
        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(rss_mb(server.pid))
                stop.wait(1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        env = os.environ | {"VITALS_API_KEY": key, "VITALS_ACCOUNTS": ",".join(a["account_id"] for a in accounts),
                            "VITALS_CALLS_PER_SECOND": str(args.rate), "VITALS_MCP_ERA": args.era}
        wrk = subprocess.run(["wrk", "-t", str(args.threads or args.sessions), "-c", str(args.sessions), "-d", f"{args.seconds}s", "--latency",
                              "-s", os.path.join(HERE, "mcp_load.lua"), url], capture_output=True, text=True, env=env)
        stop.set()
        sampler.join()
    finally:
        server.terminate()
        server.wait(timeout=10)
    result = re.search(r"RESULT (.*)", wrk.stdout)
    if not result:
        sys.exit("wrk failed:\n" + wrk.stdout + wrk.stderr)
    figures = dict(pair.split("=") for pair in result.group(1).split())
    calls, seconds = int(figures["calls"]), float(figures["seconds"])
    errors = int(figures["errors"]) + int(figures["status_errors"]) + int(figures["socket_errors"])
    # Warm-up: the first fifth of the run, at most a minute (sessions open, SQLite page
    # caches and allocator arenas fill); flatness is judged on the rest.
    skip = min(60, len(samples) // 5)
    warm = samples[min(skip, len(samples) - 1):]
    pacing = f"{args.rate:g} calls/s per session" if args.rate > 0 else "back to back (saturation)"
    threads = f", {args.threads} wrk threads" if args.threads else ""
    print(f"MCP load ({args.era}), {args.sessions} concurrent clients{threads}, {pacing}, {seconds:.0f} s, {time.strftime('%Y-%m-%d')}, store {args.store}")
    print(f"calls: {calls:,} ({calls / seconds:,.0f}/s), errors: {errors}")
    print(f"latency: p50 {float(figures['p50_ms']):.2f} ms, p95 {float(figures['p95_ms']):.2f} ms, "
          f"p99 {float(figures['p99_ms']):.2f} ms, max {float(figures['max_ms']):.2f} ms (target p99 < 5 ms paced, >= 3,000 calls/s saturated)")
    if len(samples) > 60:
        print("server RSS each 30 s: " + ", ".join(f"{mb:.0f}" for mb in samples[::30]) + " MB")
    if warm:
        print(f"server RSS: {warm[0]:.0f} MB after {skip} s of warm-up, {warm[-1]:.0f} MB at the end, max {max(warm):.0f} MB "
              f"({(max(warm) - min(warm)) / min(warm) * 100:.1f}% spread; target within 10%)")
    if errors:
        sys.exit("FAILED: errors under load")


if __name__ == "__main__":
    main()
