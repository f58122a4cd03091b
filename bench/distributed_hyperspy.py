"""HyperSpy + dask side of bench/distributed.ts: on the cluster at ADDRESS (a distributed.Client as
the default scheduler), lazily sum a .zspy over navigation, as HyperSpy's docs show for clusters.

Usage: /usr/bin/python3 bench/distributed_hyperspy.py ADDRESS PATH.zspy   -> one JSON line {wall_s, mean, ...}
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import hyperspy.api as hs  # noqa: E402
from distributed import Client  # noqa: E402

client = Client(sys.argv[1])
t_setup = time.perf_counter() - t0
t0 = time.perf_counter()
s = hs.load(sys.argv[2], lazy=True)
r = s.sum(axis=(0, 1))
r.compute()
wall = time.perf_counter() - t0
n = s.axes_manager.navigation_size
print(json.dumps({"wall_s": wall, "setup_s": t_setup, "mean": float(r.data.mean()) / n, "chunks": [c[0] for c in s.data.chunks]}))
client.close()
