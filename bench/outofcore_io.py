"""HyperSpy + dask side of bench/outofcore-io.ts: lazily sum a .zspy over navigation in a fresh process.

Usage: /usr/bin/python3 bench/outofcore_io.py PATH.zspy   -> prints one JSON line {wall_s, peak_rss_mib, mean}
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import hyperspy.api as hs  # noqa: E402

t_import = time.perf_counter() - t0
t0 = time.perf_counter()
s = hs.load(sys.argv[1], lazy=True)
r = s.sum(axis=(0, 1))
r.compute()
wall = time.perf_counter() - t0
hwm = 0
with open("/proc/self/status") as f:
    for line in f:
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
n = s.axes_manager.navigation_size
print(json.dumps({"wall_s": wall, "import_s": t_import, "peak_rss_mib": hwm, "mean": float(r.data.mean()) / n, "chunks": [c[0] for c in s.data.chunks]}))
