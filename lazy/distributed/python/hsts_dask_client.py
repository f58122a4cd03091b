"""hyperspy-ts's dask client: a long-lived program the kernel starts (with the Python that has
`distributed`, matched to the cluster's version) and talks to over stdin/stdout in frames (see
lazy/distributed/wire.ts). For each compute it receives our culled, fused graph as JSON, makes it a
dask graph whose every task calls hsts_dask_worker.run (uploaded to the workers with distributed's
UploadFile plugin), submits it with `Client.get(..., sync=False)`, and streams back progress (the
scheduler's task states), each output as it completes, and errors (the task's key, the original
error, a hint). A "cancel" message cancels the compute's futures.

Messages in:  {type: "compute", id, address, tasks: [{k, op, p, d, np, lit}], outputs, retries, sidecar, lostTimeout, connectTimeout}
              {type: "ack", id} (the kernel took one result)   {type: "cancel", id}   {type: "ping", id}   {type: "close-client", address}
Messages out: {type: "progress", id, done, total}  {type: "result", id, key, value}
              {type: "done", id, counts}  {type: "error", id, kind, message, key?, hint}
"""
import asyncio
import hashlib
import json
import os
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import hsts_dask_worker as W  # noqa: E402

OUT = sys.stdout.buffer
IN = sys.stdin.buffer
# anything a library prints goes to stderr, never into our frames
sys.stdout = sys.stderr
out_lock = threading.Lock()


def send(header, bufs=()):
    with out_lock:
        W.write_frame(OUT, header, list(bufs))


try:
    import distributed
    from distributed import Client
    from distributed.client import _wait
    from concurrent.futures import CancelledError
    from distributed.diagnostics.plugin import UploadFile
except ImportError as e:  # reported as a frame: the kernel shows it
    send({"type": "fatal", "message": "this Python (%s) cannot import distributed: %s; give the interpreter that has it "
          "with the `dask.python` option or HSTS_PYTHON" % (sys.executable, e)})
    sys.exit(2)

WORKER_FILE = os.path.join(HERE, "hsts_dask_worker.py")
with open(WORKER_FILE, "rb") as _f:
    WORKER_HASH = hashlib.sha256(_f.read()).hexdigest()[:16]

clients = {}
WINDOW = 4
clients_lock = threading.Lock()
computes = {}


class Lost(Exception):
    pass


def get_client(address, connect_timeout):
    with clients_lock:
        c = clients.get(address)
        if c is not None and c.status == "running":
            return c
        if c is not None:
            try:
                c.close(timeout=2)
            except Exception:
                pass
            clients.pop(address, None)
        try:
            c = Client(address, timeout=connect_timeout, set_as_default=False)
        except Exception as e:  # noqa: BLE001
            raise Lost("cannot connect to the dask scheduler at %s within %ss: %s: %s" % (address, connect_timeout, type(e).__name__, e))
        # our task module on every worker, present and future (a restarted worker gets it too); one
        # registration per version of the file, so reconnecting does not stack plugins
        c.register_worker_plugin(UploadFile(WORKER_FILE), name="hyperspy-ts-worker-" + WORKER_HASH)
        clients[address] = c
        return c


def _scheduler_states(prefix, dask_scheduler=None):
    """On the scheduler: how many of this compute's tasks are still to run (and whether it has seen
    them at all). A "released" task is counted as done: the scheduler releases a finished task once
    its dependents have run (tasks enter the graph released but leave that state in the same
    update); one put back by a lost worker goes to "waiting" again, so the count can go back."""
    pending = 0
    seen = 0
    for key, ts in dask_scheduler.tasks.items():
        if isinstance(key, str) and key.startswith(prefix):
            seen += 1
            if ts.state in ("waiting", "processing", "no-worker", "queued"):
                pending += 1
    return seen, pending


def _blame(keys, dask_scheduler=None):
    for k in keys:
        ts = dask_scheduler.tasks.get(k)
        if ts is not None and ts.exception_blame is not None:
            return ts.exception_blame.key
    return None


def run_compute(msg, bufs):
    cid = msg["id"]
    state = computes[cid]
    try:
        client = get_client(msg["address"], msg.get("connectTimeout", 10))
        token = msg["token"]
        sc = msg["sidecar"]
        dsk = {}
        for t in msg["tasks"]:
            if "lit" in t:
                dsk[t["k"]] = W.decode(t["lit"], bufs)
                continue
            spec = json.dumps({"k": t["k"][len(token) + 1:], "op": t["op"], "p": t["p"], "np": bool(t.get("np")), "s": sc}, separators=(",", ":"))
            dsk[t["k"]] = (W.run, spec) + tuple(t["d"])
        outputs = msg["outputs"]
        total = len(dsk)
        futures = client.get(dsk, outputs, sync=False, retries=msg.get("retries") or None)
        state["futures"] = futures
        state["client"] = client
        by_key = {f.key: f for f in futures}
        remaining = set(by_key)
        last_progress = 0.0
        lost_since = None
        lost_timeout = msg.get("lostTimeout", 10)
        done_reported = -1
        while remaining:
            if state.get("cancel"):
                client.cancel(list(by_key[k] for k in remaining), force=True)
                send({"type": "cancelled", "id": cid})
                return
            try:
                # this client's own wait (distributed.wait would look for a default client)
                w = client.sync(_wait, [by_key[k] for k in remaining], timeout=0.2, return_when="FIRST_COMPLETED")
                finished = w.done
            except (TimeoutError, asyncio.TimeoutError):  # nothing finished in time
                finished = set()
            except CancelledError:
                if state.get("cancel"):
                    continue
                # the client cancels every future when it loses the scheduler
                raise Lost("lost the dask scheduler at %s: the compute's futures were cancelled (client status %r)" % (msg["address"], client.status))
            for f in finished:
                remaining.discard(f.key)
                if f.status == "error":
                    exc = f.exception()
                    try:
                        blame = client.run_on_scheduler(_blame, [f.key], callback_timeout=2)
                    except Exception:
                        blame = None
                    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                    kind = "task"
                    if type(exc).__name__ == "KilledWorker":
                        kind = "killed-worker"
                    client.cancel(list(by_key[k] for k in remaining), force=True)
                    send({"type": "error", "id": cid, "kind": kind, "key": (blame or f.key)[len(token) + 1:] if (blame or f.key).startswith(token) else (blame or f.key),
                          "message": "%s: %s" % (type(exc).__name__, exc), "traceback": tb})
                    return
                if f.status == "cancelled":
                    if state.get("cancel"):
                        send({"type": "cancelled", "id": cid})
                        return
                    raise Lost("lost the dask scheduler at %s: output %s was cancelled (client status %r)" % (msg["address"], f.key, client.status))
                # flow control: at most WINDOW results sent and not yet taken by the kernel (a slow
                # store() sink holds results back on the workers, where dask can spill them)
                while not state["window"].acquire(timeout=0.2):
                    if state.get("cancel"):
                        break
                if state.get("cancel"):
                    continue
                value = f.result()
                out = []
                j = W.encode(value, out)
                f.release()
                send({"type": "result", "id": cid, "key": f.key[len(token) + 1:], "value": j}, out)
            # the scheduler still there?
            if client.status != "running":
                if lost_since is None:
                    lost_since = time.time()
                if time.time() - lost_since > lost_timeout:
                    raise Lost("lost the dask scheduler at %s for more than %ss (client status %r)" % (msg["address"], lost_timeout, client.status))
                continue
            lost_since = None
            now = time.time()
            # (the poll has a timeout: a scheduler that died a moment ago must not hold this loop,
            # which is what notices the loss)
            if remaining and now - last_progress > 0.25:
                last_progress = now
                try:
                    seen, pending = client.run_on_scheduler(_scheduler_states, token + "/", callback_timeout=2)
                    done = total - pending if seen else 0
                    done = max(0, min(total, done))
                    if done != done_reported:
                        done_reported = done
                        send({"type": "progress", "id": cid, "done": done, "total": total})
                except Exception:
                    pass
        send({"type": "progress", "id": cid, "done": total, "total": total})
        send({"type": "done", "id": cid})
    except Lost as e:
        with clients_lock:
            c = clients.pop(msg["address"], None)
        if c is not None:
            threading.Thread(target=lambda: _quiet_close(c), daemon=True).start()
        send({"type": "error", "id": cid, "kind": "lost", "message": str(e)})
    except Exception as e:  # noqa: BLE001
        send({"type": "error", "id": cid, "kind": "client", "message": "%s: %s" % (type(e).__name__, e), "traceback": traceback.format_exc()})
    finally:
        computes.pop(cid, None)


def _quiet_close(c):
    try:
        c.close(timeout=2)
    except Exception:
        pass


def main():
    if os.environ.get("HSTS_DASK_DEBUG"):
        import faulthandler
        faulthandler.dump_traceback_later(5, repeat=True)
    send({"type": "ready", "python": sys.executable, "distributed": distributed.__version__})
    while True:
        try:
            fr = W.read_frame(IN)
        except Exception as e:  # noqa: BLE001
            sys.stderr.write("hyperspy-ts dask client: %s\n" % e)
            break
        if fr is None:
            break
        msg, bufs = fr
        t = msg.get("type")
        if t == "compute":
            computes[msg["id"]] = {"window": threading.Semaphore(WINDOW)}
            threading.Thread(target=run_compute, args=(msg, bufs), daemon=True).start()
        elif t == "ack":
            st = computes.get(msg["id"])
            if st is not None:
                st["window"].release()
        elif t == "cancel":
            st = computes.get(msg["id"])
            if st is not None:
                st["cancel"] = True
        elif t == "ping":
            send({"type": "pong", "id": msg.get("id")})
        elif t == "eval":
            # tests and diagnostics: run a function of hsts_dask_worker on every worker
            try:
                c = get_client(msg["address"], msg.get("connectTimeout", 10))
                r = c.run(getattr(W, msg["fn"]))
                send({"type": "evaled", "id": msg.get("id"), "value": {k: v for k, v in r.items()}})
            except Exception as e:  # noqa: BLE001
                send({"type": "evaled", "id": msg.get("id"), "error": "%s: %s" % (type(e).__name__, e)})
    for c in list(clients.values()):
        _quiet_close(c)
    os._exit(0)


if __name__ == "__main__":
    main()
