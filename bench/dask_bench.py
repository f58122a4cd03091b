#!/usr/bin/env python3
"""dask side of `npm run bench` (bench/run.ts spawns it with --serve; it can also run alone).

    /usr/bin/python3 bench/dask_bench.py [--json] [--n 5] [--workloads w1,w3,w4,w7,w7i,w8] [--outdir bench/results]
    /usr/bin/python3 bench/dask_bench.py --serve      # JSON-lines requests on stdin (run.ts interleaves)

Every workload is timed with dask's threaded scheduler (2 threads), with scheduler='sync' (one
thread) and as plain numpy on one thread. Input data is the same formula as bench/run.ts:

    float32 inputs:  x.flat[i] = float32(((uint32(i) * 2654435761) mod 2**32 mod 1000) / 1000)
    integer counts:  x.flat[i] = ((uint32(i) * 2654435761) mod 2**32) mod 4096   (uint16 or int64)

so both sides compute the same numbers. Timed: building the operation's graph on the (untimed)
source `da.from_array(...)` plus `.compute()`. W3's dask output is written to <outdir>/w3_dask.f32
(raw little-endian float32, C order) so that run.ts can compare the whole result.

--serve: one JSON object per line, one reply per line:
    {"op": "setup", "w": "w1"}              -> input info, task counts
    {"op": "run", "w": "w1", "mode": "threads" | "sync" | "numpy"}  -> {"ms": ...} (one timed run)
    {"op": "result", "w": "w1", "outdir": D} -> the result (dtype, shape, values / value / file)
    {"op": "bandwidth", "mib": 512}         -> memory read bandwidth, 1 and 2 threads (numpy sums)
    {"op": "versions"} / {"op": "quit"}
"""
import argparse
import concurrent.futures
import functools
import json
import os
import statistics
import sys
import time

import numpy as np
import dask
import dask.array as da
import scipy
import scipy.ndimage as ndi

THREADS = 2


def make_data(shape, dtype="float32"):
    """The shared deterministic input (see the module docstring)."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint32)
    i *= np.uint32(2654435761)  # wraps modulo 2**32, like Math.imul(...) >>> 0 in JS
    if dtype == "float32":
        i %= np.uint32(1000)
        return (i / 1000.0).astype(np.float32).reshape(shape)
    i %= np.uint32(4096)
    return i.astype(dtype).reshape(shape)


def input_info(arr):
    """Shape, dtype, float64 sum, and the exact sum of the elements' bit patterns as unsigned integers."""
    a = np.ascontiguousarray(arr)
    u = a.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[a.itemsize])
    bits = int(u.sum(dtype=np.uint64)) if a.itemsize < 8 else sum(int(x) for x in u.reshape(-1, 1 << 16).sum(axis=1, dtype=np.uint64))
    return {"shape": list(arr.shape), "dtype": str(arr.dtype), "sum": float(arr.sum(dtype=np.float64)), "bitsum": str(bits)}


uniform = functools.partial(ndi.uniform_filter, size=(1, 3, 3))


def w3_build(x):
    return x.map_overlap(uniform, depth=(0, 1, 1), boundary="reflect", dtype=np.float32, meta=np.empty((0, 0, 0), dtype=np.float32))


# shape, chunks, input dtype, the dask expression, the numpy expression (1 thread), result kind
SPECS = {
    "w1": ((128, 128, 1024), (32, 32, 1024), "float32", lambda x: x.sum(axis=(0, 1)), lambda a: a.sum(axis=(0, 1)), "values"),
    "w3": ((16, 512, 512), (4, 256, 256), "float32", w3_build, lambda a: uniform(a), "file"),
    "w4": ((256, 256, 512), (64, 64, 512), "float32", lambda x: ((x * 2 + 1) ** 2).mean(), lambda a: ((a * 2 + 1) ** 2).mean(), "value"),
    "w7": ((128, 128, 1024), (32, 32, 1024), "uint16", lambda x: x.sum(axis=(0, 1)), lambda a: a.sum(axis=(0, 1)), "values"),
    "w7i": ((128, 128, 1024), (32, 32, 1024), "int64", lambda x: x.sum(axis=(0, 1)), lambda a: a.sum(axis=(0, 1)), "values"),
    "w8": ((256, 256, 512), (64, 64, 512), "uint16",
           lambda x: da.clip(x.astype(np.float32) - 100, 0, np.inf).mean(axis=(0, 1)),
           lambda a: np.clip(a.astype(np.float32) - 100, 0, np.inf).mean(axis=(0, 1)), "values"),
}


class Workload:
    def __init__(self, w):
        self.w = w
        shape, chunks, dtype, build, npfn, kind = SPECS[w]
        self.arr = make_data(shape, dtype)
        self.src = da.from_array(self.arr, chunks=chunks)
        self.build, self.npfn, self.kind = build, npfn, kind

    def setup(self):
        y = self.build(self.src)
        (yo,) = dask.optimize(y)
        return {"input": input_info(self.arr), "tasksFull": len(y.__dask_graph__()), "tasksOptimized": len(yo.__dask_graph__())}

    def run(self, mode):
        t0 = time.perf_counter()
        if mode == "numpy":
            self.npfn(self.arr)
        elif mode == "threads":
            self.build(self.src).compute(scheduler="threads", num_workers=THREADS)
        else:
            self.build(self.src).compute(scheduler="sync")
        return (time.perf_counter() - t0) * 1e3

    def result(self, outdir):
        v = np.asarray(self.build(self.src).compute(scheduler="sync"))
        out = {"dtype": str(v.dtype), "shape": list(v.shape)}
        if self.kind == "values":
            out["values"] = v.astype(np.float64).tolist()
        elif self.kind == "value":
            out["value"] = float(v)
        else:
            os.makedirs(outdir, exist_ok=True)
            path = os.path.join(outdir, f"{self.w}_dask.f32")
            np.ascontiguousarray(v, dtype="<f4").tofile(path)
            out["file"] = path
            out["maxAbsDiffVsScipy"] = float(np.abs(v.astype(np.float64) - uniform(self.arr).astype(np.float64)).max())
        return out


def bandwidth(mib):
    """Read bandwidth: numpy float32 sums of a `mib` MiB array on 1 thread and of its halves on 2 threads (best of 5, GB/s)."""
    a = np.ones(mib * 2**18, dtype=np.float32)
    half = a.size // 2
    best1 = best2 = float("inf")
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        for _ in range(6):
            t0 = time.perf_counter()
            a.sum()
            best1 = min(best1, time.perf_counter() - t0)
            t0 = time.perf_counter()
            list(ex.map(lambda s: s.sum(), [a[:half], a[half:]]))
            best2 = min(best2, time.perf_counter() - t0)
    return {"bytes": a.nbytes, "gbps1": a.nbytes / best1 / 1e9, "gbps2": a.nbytes / best2 / 1e9}


def versions():
    return {"python": sys.version.split()[0], "numpy": np.__version__, "dask": dask.__version__, "scipy": scipy.__version__}


def serve():
    loaded = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        op = req.get("op")
        try:
            if op == "quit":
                break
            if op == "versions":
                rep = versions()
            elif op == "bandwidth":
                rep = bandwidth(int(req.get("mib", 512)))
            else:
                w = req["w"]
                if w not in loaded:
                    loaded[w] = Workload(w)
                wl = loaded[w]
                if op == "setup":
                    rep = wl.setup()
                elif op == "run":
                    rep = {"ms": wl.run(req["mode"])}
                elif op == "result":
                    rep = wl.result(req.get("outdir", "."))
                else:
                    raise ValueError(f"unknown op {op!r}")
        except Exception as e:  # reported to run.ts, which shows it in the table
            rep = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(rep) + "\n")
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--serve", action="store_true", help="answer JSON-lines requests on stdin (bench/run.ts)")
    ap.add_argument("--n", type=int, default=5, help="timed runs per workload (after 1 warm-up)")
    ap.add_argument("--workloads", default="w1,w3,w4,w7,w7i,w8")
    ap.add_argument("--outdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    a = ap.parse_args()
    if a.serve:
        return serve()
    names = [w.strip().lower() for w in a.workloads.split(",") if w.strip()]
    bad = [w for w in names if w not in SPECS]
    if bad:
        ap.error(f"unknown workload(s) {bad}; choose from {sorted(SPECS)}")
    out = {"versions": versions(), "threads": THREADS, "n": a.n, "workloads": {}}
    for w in names:
        wl = Workload(w)
        r = wl.setup()
        for mode in ("threads", "sync", "numpy"):
            wl.run(mode)
            ts = [wl.run(mode) for _ in range(a.n)]
            r[mode] = {"min": min(ts), "median": statistics.median(ts), "runs": ts}
        r["result"] = wl.result(a.outdir)
        out["workloads"][w] = r
        if not a.json:
            print(f"{w}: threads min {r['threads']['min']:.2f} ms, sync min {r['sync']['min']:.2f} ms, numpy {r['numpy']['min']:.2f} ms, "
                  f"tasks {r['tasksOptimized']} (full {r['tasksFull']})", file=sys.stderr)
    if a.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
