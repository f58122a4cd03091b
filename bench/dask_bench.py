#!/usr/bin/env python3
"""dask side of `npm run bench` (bench/run.ts spawns it; it can also run alone).

    /usr/bin/python3 bench/dask_bench.py [--json] [--n 5] [--workloads w1,w3,w4] [--outdir bench/results]

Every workload is timed with dask's threaded scheduler (2 threads) and with scheduler='sync'
(one thread). Input data is the same formula as bench/run.ts:

    x.flat[i] = float32(((uint32(i) * 2654435761) mod 2**32 mod 1000) / 1000)

so both sides compute the same numbers. Timed: building the operation's graph on the (untimed)
source `da.from_array(...)` plus `.compute()`. One warm-up run, then N runs: min and median.
With --json a single JSON object is written to stdout; otherwise a readable summary.
W3's dask output is written to <outdir>/w3_dask.f32 (raw little-endian float32, C order) so that
run.ts can compare the whole result element by element.
"""
import argparse
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


def make_data(shape):
    """The shared deterministic input (see the module docstring)."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint32)
    i *= np.uint32(2654435761)  # wraps modulo 2**32, like Math.imul(...) >>> 0 in JS
    i %= np.uint32(1000)
    return (i / 1000.0).astype(np.float32).reshape(shape)


def timeit(fn, n):
    fn()  # warm-up
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return {"min": min(ts), "median": statistics.median(ts), "runs": ts}


def optimized_tasks(y):
    (yo,) = dask.optimize(y)
    return len(yo.__dask_graph__())


def input_info(arr):
    """Shape, float64 sum, and the exact sum of the float32 bit patterns (as a decimal string)."""
    bits = int(np.ascontiguousarray(arr).view(np.uint32).sum(dtype=np.uint64))
    return {"shape": list(arr.shape), "sum": float(arr.sum(dtype=np.float64)), "bitsum": str(bits)}


def bench(name, src, build, n):
    """Time build(src).compute() with both schedulers; returns a dict for the JSON report."""
    y = build(src)
    res = {
        "tasksFull": len(y.__dask_graph__()),
        "tasksOptimized": optimized_tasks(y),
    }
    res["threads"] = timeit(lambda: build(src).compute(scheduler="threads", num_workers=THREADS), n)
    res["sync"] = timeit(lambda: build(src).compute(scheduler="sync"), n)
    value = build(src).compute(scheduler="sync")
    return res, value


def w1(n, outdir):
    arr = make_data((128, 128, 1024))
    src = da.from_array(arr, chunks=(32, 32, 1024))
    res, v = bench("w1", src, lambda x: x.sum(axis=(0, 1)), n)
    res["numpy_ms"] = timeit(lambda: arr.sum(axis=(0, 1)), n)["min"]
    res["input"] = input_info(arr)
    res["result"] = {"dtype": str(v.dtype), "shape": list(v.shape), "values": v.astype(np.float64).tolist(),
                     "sum": float(v.astype(np.float64).sum())}
    return res


def w3(n, outdir):
    arr = make_data((16, 512, 512))
    src = da.from_array(arr, chunks=(4, 256, 256))
    f = functools.partial(ndi.uniform_filter, size=(1, 3, 3))
    meta = np.empty((0, 0, 0), dtype=np.float32)

    def build(x):
        return x.map_overlap(f, depth=(0, 1, 1), boundary="reflect", dtype=np.float32, meta=meta)

    res, v = bench("w3", src, build, n)
    ref = ndi.uniform_filter(arr, size=(1, 3, 3))  # scipy on the whole array: 'reflect' = dask's reflect
    res["scipy_ms"] = timeit(lambda: ndi.uniform_filter(arr, size=(1, 3, 3)), n)["min"]
    res["input"] = input_info(arr)
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, "w3_dask.f32")
    np.ascontiguousarray(v, dtype="<f4").tofile(path)
    v64 = v.astype(np.float64)
    res["result"] = {"dtype": str(v.dtype), "shape": list(v.shape), "file": path,
                     "sum": float(v64.sum()), "sumsq": float((v64 * v64).sum()),
                     "maxAbsDiffVsScipy": float(np.abs(v64 - ref.astype(np.float64)).max())}
    return res


def w4(n, outdir):
    arr = make_data((256, 256, 512))
    src = da.from_array(arr, chunks=(64, 64, 512))
    res, v = bench("w4", src, lambda x: ((x * 2 + 1) ** 2).mean(), n)
    res["numpy_ms"] = timeit(lambda: ((arr * 2 + 1) ** 2).mean(), n)["min"]
    res["input"] = input_info(arr)
    res["result"] = {"dtype": str(np.asarray(v).dtype), "shape": [], "value": float(v)}
    return res


WORKLOADS = {"w1": w1, "w3": w3, "w4": w4}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--n", type=int, default=5, help="timed runs per workload (after 1 warm-up)")
    ap.add_argument("--workloads", default="w1,w3,w4")
    ap.add_argument("--outdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    a = ap.parse_args()
    names = [w.strip().lower() for w in a.workloads.split(",") if w.strip()]
    bad = [w for w in names if w not in WORKLOADS]
    if bad:
        ap.error(f"unknown workload(s) {bad}; choose from {sorted(WORKLOADS)}")
    out = {
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "dask": dask.__version__,
                     "scipy": scipy.__version__},
        "threads": THREADS,
        "n": a.n,
        "workloads": {},
    }
    for w in names:
        t0 = time.perf_counter()
        out["workloads"][w] = WORKLOADS[w](a.n, a.outdir)
        out["workloads"][w]["wall_s"] = time.perf_counter() - t0
        if not a.json:
            r = out["workloads"][w]
            print(f"{w}: threads min {r['threads']['min']:.2f} ms, sync min {r['sync']['min']:.2f} ms, "
                  f"tasks {r['tasksOptimized']} (full {r['tasksFull']})", file=sys.stderr)
    if a.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "result"} for k, v in out["workloads"].items()},
                         indent=1))


if __name__ == "__main__":
    main()
