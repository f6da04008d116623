"""Reads ordo-one/benchmark's markdown output (stdin) for ColumnarKernels and
prints each kernel's median time and throughput in GB/s, beside the memory
bandwidth measured in the same run (memcpy: bytes copied per second)."""
import re
import sys

# Bytes each kernel reads per iteration.
BYTES = {
    # The file makeUsageCSV writes: 50,330,073 bytes (55.6 MB before its timestamps lost their milliseconds).
    "CSV parse (1M feature_usage rows)": 50.33e6,
    "Encode rows: ids, timestamps, sort (1M rows)": 50.33e6,
    "zstd segment encode (8 MB sorted Int64)": 8e6,
    "zstd segment decode (8 MB sorted Int64)": 8e6,
    "Per-account aggregation: uses + distinct users (1M rows, 20 MB)": 8e6,   # counts + actors
    "Movers: uses by feature per window (1M rows, 20 MB)": 8e6,               # items + counts
    "Memory bandwidth: memcpy 64 MB": 64 * 2**20,
}
UNITS = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}

text = sys.stdin.read()
medians = {}
for block in text.split("### ")[1:]:
    name = block.splitlines()[0].strip()
    row = re.search(r"\| Time \(wall clock\) \((\w+)\) \*\s*\|([^\n]*)", block)
    if row and name in BYTES:
        cells = [c.strip() for c in row.group(2).split("|") if c.strip()]
        medians[name] = float(cells[2]) * UNITS[row.group(1)]  # p0, p25, p50, ...
bandwidth = BYTES["Memory bandwidth: memcpy 64 MB"] / medians["Memory bandwidth: memcpy 64 MB"] if "Memory bandwidth: memcpy 64 MB" in medians else None
print(f"{'kernel':68}{'median':>11}{'GB/s':>8}{'of memcpy':>11}")
for name, seconds in medians.items():
    rate = BYTES[name] / seconds / 1e9
    share = f"{rate / (bandwidth / 1e9) * 100:9.0f}%" if bandwidth else ""
    print(f"{name:68}{seconds * 1e3:9.2f}ms{rate:8.2f}{share:>11}")
