"""HyperSpy + dask side of bench/outofcore-io.ts and bench/outofcore-hs.ts, each run in a fresh process.

Usage (/usr/bin/python3; each prints one JSON line):
  outofcore_io.py PATH.zspy                 lazily sum over navigation -> {wall_s, peak_rss_mib, mean, chunks}
  outofcore_io.py --save PATH.zspy OUT.zspy lazily load PATH and save it to OUT with HyperSpy's defaults -> {wall_s, peak_rss_mib}
  outofcore_io.py --write PATH.zspy GIB     write a float32 (n, n|8192) random lazy signal with HyperSpy's defaults
                                            (blosc-zstd-1, byte shuffle; dask chunks (32, 32, 8192)) -> {wall_s, peak_rss_mib, shape}
"""
import json
import math
import sys
import time
import warnings

warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import hyperspy.api as hs  # noqa: E402

t_import = time.perf_counter() - t0


def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


if sys.argv[1] == "--write":
    import dask.array as da

    n = round(math.sqrt(float(sys.argv[3]) * 2**30 / (8192 * 4)))
    x = da.random.RandomState(1).random_sample((n, n, 8192), chunks=(32, 32, 8192)).astype("float32")
    s = hs.signals.Signal1D(x).as_lazy()
    t0 = time.perf_counter()
    s.save(sys.argv[2], overwrite=True)
    print(json.dumps({"wall_s": time.perf_counter() - t0, "peak_rss_mib": hwm(), "shape": [n, n, 8192]}))
elif sys.argv[1] == "--save":
    t0 = time.perf_counter()
    s = hs.load(sys.argv[2], lazy=True)
    s.save(sys.argv[3], overwrite=True)
    print(json.dumps({"wall_s": time.perf_counter() - t0, "import_s": t_import, "peak_rss_mib": hwm()}))
else:
    t0 = time.perf_counter()
    s = hs.load(sys.argv[1], lazy=True)
    r = s.sum(axis=(0, 1))
    r.compute()
    wall = time.perf_counter() - t0
    n = s.axes_manager.navigation_size
    print(json.dumps({"wall_s": wall, "import_s": t_import, "peak_rss_mib": hwm(), "mean": float(r.data.mean()) / n, "chunks": [c[0] for c in s.data.chunks]}))
