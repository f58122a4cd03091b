"""Drives the hyperspy-ts kernel's live-plot comms with jupyter_client (Debian's Python) and prints
one JSON object with what came back; test/renderers/comm.test.ts checks it.

    JUPYTER_PATH=<dir with kernels/hyperspy-ts> KT_CWD=<dir> /usr/bin/python3 comm_driver.py
"""
import json
import os
import sys
import tempfile
import time
import uuid
from queue import Empty

from jupyter_client.manager import start_new_kernel

CWD = os.environ.get("KT_CWD") or tempfile.mkdtemp(prefix="hsts-comm-")
T = 60

km, kc = start_new_kernel(kernel_name="hyperspy-ts", cwd=CWD, startup_timeout=60)
iopub = []  # every iopub message, in order


def pump(until, timeout=T):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = kc.get_iopub_msg(timeout=0.05)
            m["t"] = time.time()
            iopub.append(m)
        except Empty:
            pass
        r = until()
        if r:
            return r
    raise AssertionError("timed out; iopub: %s" % [m["msg_type"] for m in iopub[-20:]])


def execute(code):
    mid = kc.execute(code)
    pump(lambda: any(m["parent_header"].get("msg_id") == mid and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in iopub))
    out = [m for m in iopub if m["parent_header"].get("msg_id") == mid]
    errs = [m["content"] for m in out if m["msg_type"] == "error"]
    if errs:
        raise AssertionError("cell failed: %s: %s" % (errs[0]["ename"], errs[0]["evalue"]))
    return out


def result_payload(out):
    for m in out:
        if m["msg_type"] in ("execute_result", "display_data") and "application/vnd.hyperspy-ts.signal.v1+json" in m["content"]["data"]:
            return m["content"]["data"]["application/vnd.hyperspy-ts.signal.v1+json"], m["content"]["data"]
    raise AssertionError("no signal payload in %s" % [m["msg_type"] for m in out])


def comm_msgs(comm_id):
    return [m for m in iopub if m["msg_type"] in ("comm_msg", "comm_close") and m["content"].get("comm_id") == comm_id]


def open_comm(plot_id):
    cid = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": cid, "target_name": "hyperspy-ts.plot", "data": {"plotId": plot_id}}))
    return cid


def send(cid, data):
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": cid, "data": data}))


def replies(cid, n):
    return pump(lambda: (lambda r: r if len(r) >= n else None)([m["content"]["data"] for m in comm_msgs(cid) if m["msg_type"] == "comm_msg"]))


res = {}
T0 = time.time()
def mark(what):
    sys.stderr.write("%6.1f %s\n" % (time.time() - T0, what))
try:
    execute("""
const mk = (shape) => { const z = hs.lazy.zeros(shape, { dtype: "float32" }).computeSync(); const d = z.data;
  for (let i = 0; i < d.length; i++) d[i] = Math.sin(i * 0.37) * 100 + (i % 7); return z; };
var eager = new hs.signals.Signal2D(mk([4, 6, 8, 10]));
var lazy = eager.asLazy({ chunks: [2, 3, 8, 10] });
""")
    mark("an eager plot(): live, exact values over the comm")
    # an eager plot(): live, exact values over the comm
    p, bundle = result_payload(execute("eager.plot()"))
    res["eager_live"] = p.get("live")
    res["eager_png"] = "image/png" in bundle
    cid = open_comm(p["live"]["plotId"])
    send(cid, {"type": "signal", "seq": 1, "indices": [5, 3]})
    send(cid, {"type": "signal", "seq": 2, "indices": [2, 1], "span": [3, 2]})
    res["eager_replies"] = replies(cid, 2)
    mark("lazy: chunk read once, then cached")
    # lazy: chunk read once, then cached
    p, bundle = result_payload(execute("await lazy.plot()"))
    res["lazy_payload"] = {"navigator": p["navigator"], "current": p["current"], "live": p["live"], "data": p["data"]}
    cid = open_comm(p["live"]["plotId"])
    send(cid, {"type": "signal", "seq": 1, "indices": [4, 3]})
    replies(cid, 1)
    send(cid, {"type": "signal", "seq": 2, "indices": [5, 2]})
    res["lazy_replies"] = replies(cid, 2)
    mark("stale requests: five at once on a signal whose every pixel takes 300 ms (a busy mapBlocks, one")
    # stale requests: five at once on a signal whose every pixel takes 300 ms (a busy mapBlocks, one
    mark("chunk per pixel): the first runs, the newest (5) is answered last, some between are dropped")
    # chunk per pixel): the first runs, the newest (5) is answered last, some between are dropped
    p, bundle = result_payload(execute("""
var slow = new hs.signals.LazySignal1D(hs.lazy.zeros([6, 1, 10], { dtype: "float32", chunks: [1, 1, 10] })
  .mapBlocks((b) => { const t = Date.now(); while (Date.now() - t < 300) {} return b; }, { dtype: "float32" }));
await slow.plot({ navigator: "slider" })"""))
    res["slow_navigator"] = p["navigator"]
    scid = open_comm(p["live"]["plotId"])
    for i in range(1, 6):
        send(scid, {"type": "signal", "seq": i, "indices": [0, i]})
    pump(lambda: any(r.get("seq") == 5 for r in [m["content"]["data"] for m in comm_msgs(scid) if m["msg_type"] == "comm_msg"]))
    time.sleep(0.5)
    res["stale_seqs"] = [m["content"]["data"].get("seq") for m in comm_msgs(scid) if m["msg_type"] == "comm_msg"]
    mark("a request while a cell runs is answered before the cell ends")
    # a request while a cell runs is answered before the cell ends
    mid = kc.execute("await new Promise((r) => setTimeout(r, 2000)); 1")
    time.sleep(0.3)
    t0 = time.time()
    send(cid, {"type": "signal", "seq": 20, "indices": [0, 3]})
    r = pump(lambda: [m for m in comm_msgs(cid) if m["msg_type"] == "comm_msg" and m["content"]["data"].get("seq") == 20])
    res["during_cell_s"] = r[0]["t"] - t0
    pump(lambda: any(m["parent_header"].get("msg_id") == mid and m["msg_type"] == "execute_result" for m in iopub))
    res["cell_end_after_reply"] = [m for m in iopub if m["parent_header"].get("msg_id") == mid and m["msg_type"] == "execute_result"][0]["t"] > r[0]["t"]
    mark("errors: a bad request, an unknown plot")
    # errors: a bad request, an unknown plot
    send(cid, {"type": "signal", "seq": 30, "indices": [1]})
    res["bad_request"] = pump(lambda: [m["content"]["data"] for m in comm_msgs(cid) if m["msg_type"] == "comm_msg" and m["content"]["data"].get("seq") == 30])[0]
    cid2 = open_comm("no-such-plot")
    pump(lambda: any(m["msg_type"] == "comm_close" for m in comm_msgs(cid2)))
    res["unknown_plot"] = [(m["msg_type"], m["content"]["data"]) for m in comm_msgs(cid2)]
    mark("comm_info lists the open plot comms")
    # comm_info lists the open plot comms
    mid = kc.comm_info(target_name="hyperspy-ts.plot")
    while True:
        m = kc.get_shell_msg(timeout=T)
        if m["parent_header"].get("msg_id") == mid:
            res["comm_info"] = m["content"]["comms"]
            break
    mark("a displayed signal (the cell's value) is live too")
    # a displayed signal (the cell's value) is live too
    p, bundle = result_payload(execute("eager"))
    res["display_live"] = bool(p.get("live"))
    res["display_bytes"] = len(json.dumps(bundle))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print("RESULT " + json.dumps(res))
