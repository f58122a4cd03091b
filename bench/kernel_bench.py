"""Kernel start-up and cell round trip: hyperspy-ts beside tslab 1.0.22 (the same node, same machine).

    npm run bench:kernel          (builds, registers both kernelspecs in a temporary JUPYTER_PATH)

For each kernel, R runs of: start the process -> kernel_info reply (wait_for_ready; for ours `hs`
is loaded by then), then the first cell, then N round trips of a trivial cell (`1 + 1`:
execute_request -> reply and idle). Prints medians and the ratios ours / tslab.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from jupyter_client.manager import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TRIPS = int(os.environ.get("BENCH_TRIPS", "30"))


def kernelspecs(prefix):
    subprocess.run(["node", os.path.join(ROOT, "install.js"), "--prefix", prefix, "--quiet"], check=True)
    tdir = os.path.join(prefix, "share", "jupyter", "kernels", "tslab-bench")
    os.makedirs(tdir, exist_ok=True)
    node = json.load(open(os.path.join(prefix, "share", "jupyter", "kernels", "hyperspy-ts", "kernel.json")))["argv"][0]
    with open(os.path.join(tdir, "kernel.json"), "w") as f:
        json.dump({"argv": [node, os.path.join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"],
                   "display_name": "tslab (bench)", "language": "typescript"}, f)


def wait_idle(kc, msg_id):
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return


def roundtrip(kc, code):
    t = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        r = kc.get_shell_msg(timeout=60)
        if r["parent_header"].get("msg_id") == msg_id:
            break
    wait_idle(kc, msg_id)
    return time.perf_counter() - t, r["content"]["status"]


def measure(name, first_cell, cwd):
    starts, firsts, trips = [], [], []
    for _ in range(RUNS):
        km = KernelManager(kernel_name=name)
        t = time.perf_counter()
        km.start_kernel(cwd=cwd)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        starts.append(time.perf_counter() - t)
        dt, status = roundtrip(kc, first_cell)
        assert status == "ok", (name, status)
        firsts.append(dt)
        for _ in range(TRIPS):
            trips.append(roundtrip(kc, "1 + 1")[0])
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return statistics.median(starts), statistics.median(firsts), statistics.median(trips)


def main():
    prefix = tempfile.mkdtemp(prefix="hsts-bench-")
    kernelspecs(prefix)
    os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")
    # tslab needs @types/node above its cwd (its typeRoots bug), so both run in the repository.
    cwd = ROOT
    ours = measure("hyperspy-ts", "const s = new hs.signals.Signal1D(hs.lazy.zeros([4, 8]).computeSync()); String(s)", cwd)
    theirs = measure("tslab-bench", "const x: number[] = [1, 2, 3]; x.length", cwd)
    print(f"kernel bench: {RUNS} starts, {TRIPS} round trips each (node {subprocess.check_output(['node', '--version']).decode().strip()})")
    print(f"{'':28}{'hyperspy-ts':>14}{'tslab 1.0.22':>14}{'ratio':>8}")
    rows = [("start -> kernel_info reply", 0), ("first cell", 1), ("trivial cell round trip", 2)]
    for label, i in rows:
        print(f"{label:28}{ours[i] * 1000:>12.0f}ms{theirs[i] * 1000:>12.0f}ms{ours[i] / theirs[i]:>8.2f}")
    print("(start: process start until the kernel_info reply, `hs` loaded and typed for ours; first cell: tslab's "
          "type-checks a plain cell, ours builds a Signal1D through the preloaded hs; round trip: execute_request "
          "until both the reply and the idle status arrived)")


if __name__ == "__main__":
    main()
