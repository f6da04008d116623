"""`vitals serve --http` for the pytest suites: started on a loopback port,
its "serving MCP at URL" line awaited, its stderr drained to the end (so the
server never blocks on a full pipe), stopped when done."""
import os
import re
import subprocess
import threading


class Server:
    """A running `vitals serve --http`: `url` is its /api/mcp endpoint on the bound
    loopback address, `base` the same origin (where the tests send requests), and
    `stderr` every line it wrote."""

    def __init__(self, proc, url, stderr):
        self.proc, self.url, self.stderr = proc, url, stderr
        self.base = url.rsplit("/api/mcp", 1)[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start(vitals, store, *flags, env=None, port=0, timeout=30):
    """Starts `vitals serve --http 127.0.0.1:PORT --store STORE FLAGS…` and waits for
    its "serving MCP at URL" line on stderr (read to the end by a thread, so the
    server never blocks on a full pipe)."""
    proc = subprocess.Popen([vitals, "serve", "--http", f"127.0.0.1:{port}", "--store", store, *flags],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=os.environ | (env or {}))
    lines, found, ready = [], [], threading.Event()

    def drain():
        for line in proc.stderr:
            lines.append(line)
            match = re.search(r"serving MCP at (http://\S+)", line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    ready.wait(timeout)
    if not found:
        proc.kill()
        proc.wait(timeout=10)
        raise AssertionError(f"vitals serve {' '.join(flags)} did not start:\n{''.join(lines)}")
    url = found[0]
    if port and not url.startswith(f"http://127.0.0.1:{port}/"):
        # With --public-url the line may name the public URL: talk to the bound address.
        url = f"http://127.0.0.1:{port}/api/mcp"
    return Server(proc, url, lines)
