"""hyperspy-ts on a dask worker: the task function every task of our graphs calls, the numpy
translations of the built-in kernels that numpy computes bit for bit as we do, and the Node
sidecar that runs every other kernel (and portable user functions) with our own code.

The client (hsts_dask_client.py) uploads this file to every worker with distributed's UploadFile
plugin (so workers started later, or restarted by their nanny, get it too): nothing is installed on
the workers by hand beyond Node 20 and the hyperspy-ts npm package.

The wire format (frames and value escapes) is the one of lazy/distributed/wire.ts.
"""
import json
import os
import struct
import subprocess
import sys
import threading
import traceback

import numpy as np

# ------------------------------------------------------------------------------------------------
# wire format

DTYPES = {
    "bool": np.bool_, "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "float32": np.float32, "float64": np.float64,
}
NAMES = {np.dtype(v).str[1:]: k for k, v in DTYPES.items()}
NAMES[np.dtype(np.bool_).str[1:]] = "bool"


class TypedArray:
    """A bare typed array of ours (a reduction's partial values), kept apart from blocks."""
    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a


class BigInt(int):
    """An integer that came as a JS BigInt ({"$big"}) and goes back as one."""


def _name(dt):
    n = NAMES.get(np.dtype(dt).str[1:])
    if n is None:
        raise TypeError("hyperspy-ts cannot receive a numpy array of dtype %s" % dt)
    return n


def encode(v, bufs):
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, BigInt):
        return {"$big": str(int(v))}
    if isinstance(v, (int, np.integer)):
        # a JSON number from JS (any integer-valued double); beyond 2^53 only when exact
        v = int(v)
        return v if abs(v) <= 2 ** 53 or float(v) == v else {"$big": str(v)}
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if f != f:
            return {"$f": "nan"}
        if f == float("inf"):
            return {"$f": "inf"}
        if f == float("-inf"):
            return {"$f": "-inf"}
        if f == 0.0 and str(f).startswith("-"):
            return {"$f": "-0"}
        return f
    if isinstance(v, str):
        return v
    if isinstance(v, TypedArray):
        a = np.ascontiguousarray(v.a)
        bufs.append(a.reshape(-1).view(np.uint8) if a.size else b"")
        return {"$ta": len(bufs) - 1, "dtype": _name(a.dtype)}
    if isinstance(v, np.ndarray):
        a = v if v.flags.c_contiguous else v.copy(order="C")  # (ascontiguousarray makes 0-d arrays 1-d)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        bufs.append(a.reshape(-1).view(np.uint8) if a.size else b"")
        return {"$nd": len(bufs) - 1, "dtype": _name(a.dtype), "shape": list(a.shape)}
    if isinstance(v, (list, tuple)):
        return [encode(x, bufs) for x in v]
    if isinstance(v, dict):
        return {str(k): encode(x, bufs) for k, x in v.items()}
    raise TypeError("cannot send a %s to hyperspy-ts" % type(v).__name__)


def decode(j, bufs):
    if isinstance(j, list):
        return [decode(x, bufs) for x in j]
    if not isinstance(j, dict):
        return j
    if "$nd" in j:
        dt = DTYPES[j["dtype"]]
        return np.frombuffer(bufs[j["$nd"]], dtype=dt).reshape(j["shape"])
    if "$ta" in j:
        return TypedArray(np.frombuffer(bufs[j["$ta"]], dtype=DTYPES[j["dtype"]]))
    if "$f" in j:
        return {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "-0": -0.0}[j["$f"]]
    if "$big" in j:
        return BigInt(j["$big"])
    return {k: decode(x, bufs) for k, x in j.items()}


MAX_HEADER = 1 << 30


def read_exact(f, n):
    out = bytearray(n)
    view = memoryview(out)
    got = 0
    while got < n:
        k = f.readinto(view[got:])
        if not k:
            raise EOFError("stream closed after %d of %d bytes" % (got, n))
        got += k
    return out


def read_frame(f):
    """One frame (header dict, list of buffers); None at a clean end of stream."""
    head = f.read(4)
    if not head:
        return None
    if len(head) < 4:
        head = bytes(head) + bytes(read_exact(f, 4 - len(head)))
    (n,) = struct.unpack("<I", head)
    if n == 0 or n > MAX_HEADER:
        raise ValueError("corrupted stream (header length %d)" % n)
    header = json.loads(bytes(read_exact(f, n)).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("corrupted stream (a header that is not an object)")
    lens = header.get("lens", [])
    if not isinstance(lens, list) or not all(isinstance(x, int) and x >= 0 for x in lens):
        raise ValueError("corrupted stream (bad buffer lengths)")
    bufs = [read_exact(f, x) for x in lens]
    return header, bufs


def write_frame(f, header, bufs):
    header = dict(header)
    header["lens"] = [memoryview(b).nbytes for b in bufs]
    h = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    f.write(struct.pack("<I", len(h)))
    f.write(h)
    for b in bufs:
        f.write(memoryview(b).cast("B") if not isinstance(b, (bytes, bytearray)) else b)
    f.flush()


# ------------------------------------------------------------------------------------------------
# errors


class HstsTaskError(RuntimeError):
    """A task of a hyperspy-ts graph failed: the message names the task's key, its kernel, the
    original error and a hint."""


HINTS = (
    ("ENOENT", "the file is not visible from this worker: data must be on a filesystem (or store) that every worker sees"),
    ("No such file", "the file is not visible from this worker: data must be on a filesystem (or store) that every worker sees"),
    ("ReferenceError", "a portable function runs from its source in the worker's Node sidecar: it may use only its arguments and globals"),
    ("(sidecar:", "the worker needs Node 20 and the hyperspy-ts package; set HSTS_NODE / HSTS_SIDECAR on the worker, or the `dask.node` / `dask.sidecar` options"),
    ("Node sidecar died", "the sidecar was killed or ran out of memory (its memory is not counted by dask's memory_limit): use smaller blocks, or `dask.retries`"),
)


def _hint(text):
    for needle, hint in HINTS:
        if needle in text:
            return hint
    return "the same graph can be computed locally (scheduler \"threads\") to debug it"


def _fail(spec, e, where):
    text = "%s: %s" % (type(e).__name__, e)
    raise HstsTaskError("task %s (%s) failed %s: %s\nhint: %s" % (spec.get("k"), spec.get("op"), where, text, _hint(text))) from e


# ------------------------------------------------------------------------------------------------
# the Node sidecar


class SidecarDied(RuntimeError):
    pass


class Sidecar:
    def __init__(self, node, entry):
        self.node = node
        self.entry = entry
        self.proc = None
        self.lock = threading.Lock()
        self.next_id = 0
        self.starts = 0

    def _start(self):
        if not os.path.exists(self.entry):
            raise FileNotFoundError(
                "the hyperspy-ts sidecar %s does not exist on this worker (sidecar: install the hyperspy-ts npm package "
                "on the workers and set HSTS_SIDECAR to its dist/lazy/distributed/sidecar.js)" % self.entry)
        try:
            self.proc = subprocess.Popen([self.node, self.entry], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        except OSError as e:
            raise RuntimeError("cannot start the Node sidecar `%s %s`: %s (sidecar: the workers need Node 20 on PATH, or HSTS_NODE)" % (self.node, self.entry, e)) from e
        self.starts += 1

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def call(self, op, params, modules, inputs):
        with self.lock:
            for attempt in (0, 1):
                if not self.alive():
                    self._start()
                try:
                    return self._call(op, params, modules, inputs)
                except (BrokenPipeError, EOFError, OSError, ValueError) as e:
                    # the sidecar died (killed, out of memory) or its stream broke: restart it and try
                    # once more; a second death fails the task (dask's retries may run it again)
                    code = self.proc.poll() if self.proc else None
                    self._kill()
                    if attempt == 1:
                        raise SidecarDied("the Node sidecar died while running %s twice (exit %s; last: %s)" % (op, code, e)) from e

    def _call(self, op, params, modules, inputs):
        self.next_id += 1
        bufs = []
        header = {"id": self.next_id, "op": op, "params": params, "modules": modules, "inputs": encode(list(inputs), bufs)}
        write_frame(self.proc.stdin, header, bufs)
        fr = read_frame(self.proc.stdout)
        if fr is None:
            raise EOFError("the sidecar closed its output")
        h, out = fr
        if not h.get("ok"):
            err = h.get("error") or {}
            raise JsError(err.get("name", "Error"), err.get("message", ""), err.get("stack", ""))
        return decode(h.get("value"), out)

    def _kill(self):
        p = self.proc
        self.proc = None
        if p is not None:
            try:
                p.kill()
                p.wait(5)
            except Exception:
                pass

    def pid(self):
        return self.proc.pid if self.alive() else None


class JsError(RuntimeError):
    def __init__(self, name, message, stack):
        RuntimeError.__init__(self, "%s: %s" % (name, message))
        self.js_name = name
        self.js_stack = stack


_sidecar = None
_sidecar_lock = threading.Lock()


def sidecar(cfg):
    global _sidecar
    node = os.environ.get("HSTS_NODE") or cfg.get("node") or "node"
    entry = os.environ.get("HSTS_SIDECAR") or cfg.get("entry")
    with _sidecar_lock:
        if _sidecar is None or _sidecar.node != node or _sidecar.entry != entry:
            if _sidecar is not None:
                _sidecar._kill()
            _sidecar = Sidecar(node, entry)
        return _sidecar


def sidecar_pid():
    """The pid of this worker's sidecar (None when not running): for tests and diagnostics."""
    return _sidecar.pid() if _sidecar is not None else None


# ------------------------------------------------------------------------------------------------
# numpy translations: only where numpy gives our numbers bit for bit (see docs/distributed.md)


def zarr_read(spec, p, inputs):
    import numcodecs

    stored = np.dtype(p["stored"])
    chunk = p["chunk"]
    shape = p["shape"]
    ours = DTYPES[p["dtype"]]
    try:
        with open(p["file"], "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        # zarr: a chunk never written holds the fill value
        return np.full(shape, p["fill"] if p["fill"] is not None else 0, dtype=ours)
    if p["compressor"] is not None:
        raw = numcodecs.get_codec(dict(p["compressor"])).decode(raw)
    a = np.frombuffer(raw, dtype=stored)
    n = int(np.prod(chunk)) if chunk else 1
    if a.size != n:
        raise ValueError("%s: chunk %s holds %d elements, expected %d" % (p["where"], p["file"], a.size, n))
    a = a.reshape(chunk, order=p["order"])
    a = a[tuple(slice(0, s) for s in shape)]
    # our dtype (int64/uint64 are read as float64 unless the engine keeps them): exact conversions
    return np.ascontiguousarray(a, dtype=ours)


def zarr_write(spec, p, inputs):
    import numcodecs

    b = inputs[0]
    stored = np.dtype(p["stored"])
    full = np.zeros(p["chunk"], dtype=stored)
    full[tuple(slice(0, s) for s in b.shape)] = b
    raw = full.tobytes()
    if p["compressor"] is not None:
        raw = numcodecs.get_codec(dict(p["compressor"])).encode(raw)
    d = os.path.dirname(p["file"])
    os.makedirs(d, exist_ok=True)
    # whole-chunk write through a temporary name: a retried or duplicated task leaves one whole chunk
    tmp = "%s.%d.%d.tmp" % (p["file"], os.getpid(), threading.get_ident())
    with open(tmp, "wb") as f:
        f.write(bytes(raw))
    os.replace(tmp, p["file"])
    return np.zeros([1] * len(p["chunk"]), dtype=np.uint8)


EXACT_IN = {np.dtype(t) for t in ("bool", "int8", "int16", "int32", "uint8", "uint16", "uint32", "float32", "float64")}


def reduction_chunk(spec, p, inputs):
    """sum / mean / max / min / any / all of a block, as our chunk step: accumulated in float64.
    Translated only when it is exact (the client sends no fused expression; the rest is checked
    here: None hands the task to the sidecar)."""
    b = inputs[0]
    if b.dtype not in EXACT_IN:
        return None
    kind = p["kind"]
    axes = tuple(a for a, r in enumerate(p["reduced"]) if r)
    kept = [1 if r else s for s, r in zip(b.shape, p["reduced"])]
    n = 1
    for a in axes:
        n *= b.shape[a]
    if kind in ("sum", "mean"):
        # only the navigation-sum pattern: every reduced axis longer than 1 before every kept one
        # (and a kept one last). The block is then (R, K) rows in C order, and our scan
        # (lazy/kernels/reduction-scan.ts, sum: the "kept innermost" loop) adds them into float64
        # zeros eight rows at a time as ((x0+x1)+(x2+x3))+((x4+x5)+(x6+x7)), then four as
        # (x0+x1)+(x2+x3), then one by one: the same float64 additions in the same order here.
        # (numpy's np.add.reduce rounds differently; test/distributed/translate.test.ts checks
        # this against our kernel and finds the difference if either side changes.)
        long = [p["reduced"][a] for a in range(b.ndim) if b.shape[a] > 1]
        if any(not long[i] and long[i + 1] for i in range(len(long) - 1)) or (long and long[-1]):
            return None
        k = 1
        for s_, r_ in zip(b.shape, p["reduced"]):
            if not r_:
                k *= s_
        x = np.ascontiguousarray(b).reshape(-1, k)
        rows = x.shape[0]
        if rows > 1 << 22:
            return None  # a Python loop over that many groups would be slow: the sidecar does it
        f8 = np.float64
        v = np.zeros(k, dtype=f8)
        j = 0
        if rows >= 8:
            # the groups of eight, vectorised over a slab of groups at a time (temporaries stay in
            # cache); each add converts to float64 first (exact), as JS reads elements as doubles
            m = (rows // 8) * 8
            slab = max(1, (1 << 17) // max(k, 1))
            for s0 in range(0, m // 8, slab):
                s1 = min(m // 8, s0 + slab)
                g = x[s0 * 8 : s1 * 8].reshape(s1 - s0, 8, k)
                t01 = np.add(g[:, 0], g[:, 1], dtype=f8)
                t23 = np.add(g[:, 2], g[:, 3], dtype=f8)
                t01 += t23
                t45 = np.add(g[:, 4], g[:, 5], dtype=f8, out=t23)
                t67 = np.add(g[:, 6], g[:, 7], dtype=f8)
                t45 += t67
                t01 += t45
                for r_ in range(t01.shape[0]):
                    v += t01[r_]
            j = m
        if j + 3 < rows:
            t = np.add(x[j], x[j + 1], dtype=f8)
            t += np.add(x[j + 2], x[j + 3], dtype=f8)
            v += t
            j += 4
        while j < rows:
            v += x[j]
            j += 1
    elif kind in ("max", "min"):
        if b.size == 0:
            return None
        f = np.maximum if kind == "max" else np.minimum
        v = f.reduce(b.astype(np.float64) if b.dtype == np.bool_ else b, axis=axes, keepdims=True).astype(np.float64) if axes else b.astype(np.float64)
    elif kind in ("any", "all"):
        f = np.any if kind == "any" else np.all
        v = f(b, axis=axes, keepdims=True).astype(np.float64) if axes else (b != 0).astype(np.float64)
    else:
        return None
    return {"n": n, "shape": kept, "v": TypedArray(np.ascontiguousarray(v, dtype=np.float64).reshape(-1))}


def _combine(parts, kind):
    first = parts[0]
    v = first["v"].a.copy()
    n = first["n"]
    for q in parts[1:]:
        w = q["v"].a
        n += q["n"]
        if kind in ("sum", "mean"):
            v += w
        elif kind == "max":
            np.copyto(v, w, where=(w > v) | (w != w))
        elif kind == "min":
            np.copyto(v, w, where=(w < v) | (w != w))
        elif kind == "any":
            v[w != 0] = 1
        elif kind == "all":
            v[w == 0] = 0
    return {"n": n, "shape": list(first["shape"]), "v": TypedArray(v)}


COMBINE_KINDS = ("sum", "mean", "max", "min", "any", "all")


def reduction_combine(spec, p, inputs):
    if p["kind"] not in COMBINE_KINDS or not all(isinstance(q, dict) and isinstance(q.get("v"), TypedArray) and "m2" not in q for q in inputs):
        return None
    return _combine(inputs, p["kind"])


def reduction_aggregate(spec, p, inputs):
    if p["kind"] not in COMBINE_KINDS or p["dtype"] not in ("float32", "float64", "bool"):
        return None
    if not all(isinstance(q, dict) and isinstance(q.get("v"), TypedArray) and "m2" not in q for q in inputs):
        return None
    c = _combine(inputs, p["kind"])
    v = c["v"].a
    size = v.size
    if size > 0 and c["n"] == 0 and p["kind"] in ("max", "min"):
        return None  # our kernel raises numpy's error text
    if p["kind"] == "mean":
        v = v / c["n"]
    shape = [s for a, s in enumerate(c["shape"]) if a not in p["drop"]]
    if p["dtype"] == "bool":
        return (v != 0).reshape(shape)
    return v.astype(DTYPES[p["dtype"]]).reshape(shape)


NUMPY = {
    "io.zarr-read": zarr_read,
    "io.zarr-write": zarr_write,
    "reduction.chunk": reduction_chunk,
    "reduction.combine": reduction_combine,
    "reduction.aggregate": reduction_aggregate,
}

# counts per process, for tests and diagnostics: how many tasks ran translated / in the sidecar
COUNTS = {"numpy": 0, "sidecar": 0}


def counts():
    return dict(COUNTS, sidecar_starts=_sidecar.starts if _sidecar is not None else 0)


# ------------------------------------------------------------------------------------------------
# the task function


def run(spec_text, *inputs):
    """Every task of a hyperspy-ts graph: `spec_text` is JSON {k: our key, op: kernel id, p: its
    parameters (wire escapes), np: whether a numpy translation may run it, s: sidecar config}."""
    spec = json.loads(spec_text)
    op = spec["op"]
    if spec.get("np") and op in NUMPY:
        try:
            r = NUMPY[op](spec, decode(spec["p"], []), inputs)
        except Exception as e:  # noqa: BLE001 - reported with the task's key
            _fail(spec, e, "in its numpy translation")
        if r is not None:
            COUNTS["numpy"] += 1
            return r
    try:
        r = sidecar(spec["s"]).call(op, spec["p"], spec["s"].get("modules", []), inputs)
    except JsError as e:
        text = "%s\n%s" % (e, e.js_stack) if e.js_stack else str(e)
        raise HstsTaskError("task %s (%s) failed in the Node sidecar: %s\nhint: %s" % (spec.get("k"), op, text, _hint(text))) from None
    except Exception as e:  # noqa: BLE001
        _fail(spec, e, "in the Node sidecar")
    COUNTS["sidecar"] += 1
    return r


def info():
    """This worker process: its pid, its sidecar's pid (None when not running) and task counts."""
    return dict(counts(), pid=os.getpid(), sidecar_pid=sidecar_pid())
