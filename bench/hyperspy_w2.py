"""W2 (HyperSpy side): Signal1D (64,64|1024) float32, s.map of a per-spectrum function, eager and lazy
(navigation chunks (16,16)), N timed runs after a warm-up, min and median in ms, printed as JSON.
Functions: a quadratic least-squares fit (np.polyfit deg 2 -> 3 coefficients) and an argmax (a scalar).
The input is the formula the TS side uses, so both compute the same numbers (the sums are printed)."""
import argparse
import json
import logging
import time

import numpy as np
import hyperspy.api as hs

logging.getLogger("hyperspy").setLevel(logging.ERROR)
hs.preferences.General.show_progressbar = False

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=5)
args = ap.parse_args()

shape = (64, 64, 1024)
i = np.arange(np.prod(shape), dtype=np.uint64)
data = (((i * np.uint64(0x9E3779B1)) % np.uint64(2**32)) % np.uint64(1000)).astype(np.float32) / np.float32(1000)
data = data.reshape(shape)
x = np.arange(1024, dtype=np.float64)


def fit(y):
    return np.polyfit(x, y, 2)


def argmax(y):
    return np.argmax(y)


def timed(f):
    f()
    ts = []
    for _ in range(args.n):
        t0 = time.perf_counter()
        r = f()
        ts.append((time.perf_counter() - t0) * 1000)
    return {"min": min(ts), "median": float(np.median(ts))}, r


out = {}
for name, fn in [("fit", fit), ("argmax", argmax)]:
    eager = hs.signals.Signal1D(data.copy())
    t_e, r_e = timed(lambda: eager.map(fn, inplace=False))
    lazy = hs.signals.Signal1D(data.copy()).as_lazy()
    lazy.rechunk(nav_chunks=(16, 16))
    t_l, r_l = timed(lambda: lazy.map(fn, inplace=False).compute() or None)
    out[name] = {"eager": t_e, "lazy": t_l, "check": float(np.asarray(r_e.data, dtype=np.float64).sum())}
print(json.dumps(out))
