"""Live plot bench: the time from a navigation request to the signal at that pixel, for a lazy
float32 (256, 256|128, 128) .zspy (4 GiB; bench/liveplot-make.ts), a chunk not yet read ("cold")
and a pixel in the chunk just read ("cached"), ours beside HyperSpy + dask, interleaved.

- ours: our kernel, driven over ZMQ by jupyter_client as JupyterLab's server drives it: a comm
  request {type: "signal", indices} to the reply with the pixel's 128x128 image (JSON, base64);
- HyperSpy 1.7.3 (in this process): what its plot does when the navigator moves:
  s.axes_manager.indices = (x, y); s() (LazySignal caches the dask chunk it computed).

    JUPYTER_PATH=<dir with kernels/hyperspy-ts> /usr/bin/python3 bench/liveplot_bench.py FILE.zspy [rounds]
"""
import json
import statistics
import sys
import tempfile
import time
import uuid
from queue import Empty

import hyperspy.api as hs
from jupyter_client.manager import start_new_kernel

import os
FILE = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5

km, kc = start_new_kernel(kernel_name="hyperspy-ts", cwd=tempfile.mkdtemp(prefix="hsts-lpb-"), startup_timeout=60)
import atexit
atexit.register(lambda: km.shutdown_kernel(now=True) if km.is_alive() else None)


def iopub_until(pred, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=0.01)
        except Empty:
            continue
        r = pred(m)
        if r is not None:
            return r
    raise TimeoutError("no reply")


def execute(code):
    mid = kc.execute(code)
    out = []

    def done(m):
        if m["parent_header"].get("msg_id") != mid:
            return None
        out.append(m)
        if m["msg_type"] == "error":
            raise RuntimeError(m["content"]["evalue"])
        return True if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" else None

    iopub_until(done)
    return out


out = execute(f"var s = await hs.load({json.dumps(FILE)}, {{ lazy: true }}); String(s.lazyData().chunks.map((c) => c[0])) + ' ' + String(s)")
info = [m for m in out if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"]
out = execute('await s.plot({ navigator: "slider" })')
payload = [m for m in out if m["msg_type"] == "execute_result"][0]["content"]["data"]["application/vnd.hyperspy-ts.signal.v1+json"]
cid = uuid.uuid4().hex
kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": cid, "target_name": "hyperspy-ts.plot", "data": {"plotId": payload["live"]["plotId"]}}))
seq = [0]


def ours(x, y):
    seq[0] += 1
    n = seq[0]
    t0 = time.perf_counter()
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": cid, "data": {"type": "signal", "seq": n, "indices": [x, y]}}))
    r = iopub_until(lambda m: m["content"]["data"] if m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == cid and m["content"]["data"].get("seq") == n else None)
    dt = time.perf_counter() - t0
    assert r["type"] == "signal", r
    return dt, r["cached"], r["ms"] / 1000


s_hs = hs.load(FILE, lazy=True)


def theirs(x, y):
    t0 = time.perf_counter()
    s_hs.axes_manager.indices = (x, y)
    d = s_hs()
    assert d.shape == (128, 128)
    return time.perf_counter() - t0


# chunk (39, 39): a fresh chunk each round (cold), then another pixel in it (cached)
res = {"ours_cold": [], "ours_cached": [], "ours_kernel_cold": [], "ours_kernel_cached": [], "hs_cold": [], "hs_cached": []}
for r in range(ROUNDS):
    cx, cy = (r * 2 + 1) % 6, (r * 3 + 2) % 6
    x0, y0 = cx * 39 + 5, cy * 39 + 7
    # interleave: who goes first alternates
    order = ("ours", "hs") if r % 2 == 0 else ("hs", "ours")
    for who in order:
        # HyperSpy and ours read different chunks in a round so that neither warms the OS cache for the other
        if who == "ours":
            dt, cached, k = ours(x0, y0)
            assert not cached
            res["ours_cold"].append(dt)
            res["ours_kernel_cold"].append(k)
            dt, cached, k = ours(x0 + 3, y0 + 2)
            assert cached
            res["ours_cached"].append(dt)
            res["ours_kernel_cached"].append(k)
        else:
            hx, hy = ((cx + 3) % 6) * 39 + 5, ((cy + 3) % 6) * 39 + 7
            res["hs_cold"].append(theirs(hx, hy))
            res["hs_cached"].append(theirs(hx + 3, hy + 2))

kc.stop_channels()
km.shutdown_kernel(now=True)
summary = {k: {"median_ms": round(statistics.median(v) * 1000, 1), "min_ms": round(min(v) * 1000, 1), "max_ms": round(max(v) * 1000, 1)} for k, v in res.items()}
print(json.dumps({"file": FILE, "info": info, "rounds": ROUNDS, "summary": summary}, indent=1))
