/**
 * The "dask" scheduler: our culled, fused plan runs on a Dask distributed cluster. The plan goes as
 * JSON to our Python client program (python/hsts_dask_client.py), which rebuilds it as a dask graph
 * of the same tasks, each calling hsts_dask_worker.run on a worker: built-ins that numpy computes
 * bit for bit as we do run as numpy there; every other kernel (and portable user functions) runs
 * in the worker's long-lived Node sidecar (sidecar.ts) with our own code. Outputs, progress and
 * errors stream back. See docs/distributed.md.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { AbortError, ComputeOptions, DaskOptions, Key, OutputSink, Plan, Task, getKernel, isThenable, registerScheduler, registeredKernelModules } from "../graph/graph";
import { parseStoredType } from "../storage/source";
import { clientProcess, closeDaskClients } from "./client";
import { Json, decodeValue, encodeValue } from "./wire";
import { TypeError } from "../core/errors";

export { closeDaskClients };

/** A task of a dask compute failed: its key, the kernel, the original error and a hint are in the message. */
export class DaskTaskError extends Error {
  /** Our key of the task that failed (layer:block). */
  readonly key: string | undefined;
  /** The error text from the worker (with its traceback / JS stack). */
  readonly remote: string;
  constructor(message: string, key: string | undefined, remote: string) {
    super(message);
    this.name = "DaskTaskError";
    this.key = key;
    this.remote = remote;
  }
}

/** The cluster could not be reached, or was lost during the compute. */
export class DaskConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DaskConnectionError";
  }
}

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined || v === "" ? undefined : v;
}

/** The Python interpreter used for the client program. */
export function daskPython(o: DaskOptions | undefined): string {
  return o?.python ?? env("HSTS_PYTHON") ?? "python3";
}

/** Kernels whose numpy translation (in hsts_dask_worker.py) gives our numbers bit for bit. */
function translatable(t: Task): boolean {
  switch (t.op) {
    case "io.zarr-read":
    case "io.zarr-write":
    case "reduction.combine":
    case "reduction.aggregate":
      return true;
    case "reduction.chunk":
      return (t.params as { pre?: unknown }).pre === undefined;
    default:
      return false;
  }
}

function hasSource(t: Task): boolean {
  const p = t.params as { source?: unknown; src?: unknown } | null;
  return p !== null && typeof p === "object" && (typeof p.source === "string" || typeof p.src === "string");
}

interface WireTask {
  [k: string]: Json;
}

/** The plan as the client's JSON: tasks in our order, in-memory sources evaluated here and shipped as chunks. */
async function serialise(p: Plan, token: string, translate: boolean, bufs: Uint8Array[]): Promise<WireTask[]> {
  const out: WireTask[] = [];
  const k = (key: Key) => `${token}/${key}`;
  for (const key of p.order) {
    const t = p.tasks.get(key) as Task;
    if (t.local?.fn !== undefined && !hasSource(t)) {
      throw new TypeError(
        `compute: task ${key} (${t.op}) calls a JavaScript function that exists only in this kernel, so it cannot run on a dask cluster; ` +
          `pass \`portable: true\` to mapBlocks / mapOverlap / map so its source runs in the workers' Node sidecar (it may then use only its arguments and globals)`,
      );
    }
    if (t.local?.data !== undefined) {
      // an in-memory source (fromArray): its block is computed here and shipped with the graph
      if (t.deps.length) throw new Error(`internal: in-memory task ${key} has inputs`);
      let v = getKernel(t.op)([], t.params as never, t.local);
      if (isThenable(v)) v = await v;
      out.push({ k: k(key), lit: encodeValue(v, bufs) });
      continue;
    }
    const own: Uint8Array[] = [];
    let params = t.params;
    if (t.op === "io.zarr-read") {
      const zp = params as { stored: string; where: string };
      params = { ...zp, dtype: parseStoredType(zp.stored, zp.where).dtype };
    }
    const pj = encodeValue(params, own);
    if (own.length) throw new Error(`internal: parameters of ${t.op} hold binary data`);
    const rec: WireTask = { k: k(key), op: t.op, p: pj, d: t.deps.map(k) };
    if (translate && translatable(t)) rec.np = true;
    out.push(rec);
  }
  return out;
}

function describeError(h: Record<string, unknown>, address: string): Error {
  const kind = String(h.kind ?? "");
  const message = String(h.message ?? "unknown error");
  const key = typeof h.key === "string" ? h.key : undefined;
  const tb = typeof h.traceback === "string" ? h.traceback : "";
  if (kind === "lost") {
    return new DaskConnectionError(
      `dask: ${message}\nhint: check that the scheduler at ${address} runs (dask-scheduler) and that this machine reaches it; ` +
        `the kernel is still usable: compute with scheduler "threads", or call compute again once the cluster is back`,
    );
  }
  if (kind === "killed-worker") {
    return new DaskTaskError(
      `dask: task ${key ?? "?"} killed its worker on every attempt (${message})\nhint: a block may be too large for the workers' memory_limit ` +
        `(rechunk smaller), or a native crash; distributed gives up after "allowed-failures" (3) workers died running it`,
      key,
      tb || message,
    );
  }
  if (kind === "client") return new DaskConnectionError(`dask: the client program failed: ${message}${tb ? `\n${tb}` : ""}`);
  // a task error: the worker's message already names the task, the kernel, the original error and a hint
  const m = /HstsTaskError: (task [\s\S]*)$/.exec(message);
  const body = m ? m[1] : `task ${key ?? "?"} failed: ${message}`;
  return new DaskTaskError(`dask: ${body}`, key, tb || message);
}

/** Run a plan on the dask cluster at `opts.address`. */
export async function executeDask(p: Plan, opts: ComputeOptions, sink?: OutputSink): Promise<Map<Key, unknown>> {
  const address = opts.address ?? env("HSTS_DASK_ADDRESS");
  if (!address) {
    throw new TypeError('compute: scheduler "dask" needs the scheduler\'s address: {scheduler: "dask", address: "tcp://host:8786"} (or hs.lazy.setScheduler)');
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(address)) {
    throw new TypeError(`compute: the dask address ${JSON.stringify(address)} is not an address like "tcp://host:8786"`);
  }
  const d = opts.dask ?? {};
  if (opts.signal?.aborted) throw new AbortError(opts.signal.reason);
  const token = `hsts-${randomBytes(6).toString("hex")}`;
  const bufs: Uint8Array[] = [];
  const tasks = await serialise(p, token, d.translate ?? true, bufs);
  const proc = clientProcess(daskPython(d));
  await proc.ready;
  const results = new Map<Key, unknown>();
  const total = tasks.length;
  opts.onProgress?.({ done: 0, total });
  return new Promise<Map<Key, unknown>>((resolve, reject) => {
    let writes: Promise<void> = Promise.resolve();
    let settled = false;
    let abortTimer: NodeJS.Timeout | undefined;
    const finish = (e: Error | null) => {
      if (settled) return;
      settled = true;
      conv.close();
      if (abortTimer) clearTimeout(abortTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (e) {
        results.clear();
        // a write in flight settles first (no unhandled rejection)
        writes.then(
          () => reject(e),
          () => reject(e),
        );
        return;
      }
      writes.then(() => {
        if (opts.stats) {
          opts.stats.tasksFull = p.tasksFull;
          opts.stats.tasksCulled = p.tasksCulled;
          opts.stats.tasksRun = total;
          opts.stats.byOp = {};
          for (const t of p.tasks.values()) opts.stats.byOp[t.op] = (opts.stats.byOp[t.op] ?? 0) + 1;
          opts.stats.peakBytes = 0;
        }
        resolve(results);
      }, reject);
    };
    const conv = proc.open((f) => {
      const h = f.header;
      switch (h.type) {
        case "progress":
          opts.onProgress?.({ done: Number(h.done), total: Number(h.total) });
          break;
        case "result": {
          const key = String(h.key);
          let v: unknown;
          try {
            v = decodeValue(h.value, f.bufs, `result ${key}`);
          } catch (e) {
            finish(e as Error);
            return;
          }
          const ack = () => {
            try {
              if (!settled) conv.send({ type: "ack" });
            } catch {
              // the client is gone: its exit is reported on its own
            }
          };
          if (sink) {
            writes = writes.then(async () => {
              const w = sink(key, v);
              if (isThenable(w)) await w;
              ack();
            });
            writes.catch((e: unknown) => {
              conv.send({ type: "cancel" });
              finish(e instanceof Error ? e : new Error(String(e)));
            });
          } else {
            results.set(key, v);
            ack();
          }
          break;
        }
        case "done":
          finish(null);
          break;
        case "cancelled":
          finish(new AbortError(opts.signal?.reason));
          break;
        case "error":
          finish(describeError(h, address));
          break;
        case "exit":
          finish(new DaskConnectionError(String(h.message)));
          break;
      }
    });
    const onAbort = () => {
      try {
        conv.send({ type: "cancel" });
      } catch {
        // the client is gone: nothing to cancel
      }
      // the client confirms the cancel; if it cannot, give up waiting after a few seconds
      abortTimer = setTimeout(() => finish(new AbortError(opts.signal?.reason)), 5000);
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      conv.send(
        {
          type: "compute",
          address,
          token,
          tasks,
          outputs: p.outputs.map((o) => `${token}/${o}`),
          retries: d.retries ?? 0,
          connectTimeout: d.connectTimeout ?? 10,
          lostTimeout: d.lostTimeout ?? 10,
          sidecar: {
            node: d.node ?? null,
            entry: d.sidecar ?? path.join(__dirname, "sidecar.js"),
            modules: registeredKernelModules().slice(),
          },
        },
        bufs,
      );
    } catch (e) {
      finish(e as Error);
    }
  });
}

registerScheduler("dask", executeDask);

/** What one worker reports about our side of it (diagnostics and tests). */
export interface DaskWorkerInfo {
  /** The worker process. */
  pid: number;
  /** Its Node sidecar (null when none runs). */
  sidecarPid: number | null;
  /** Tasks it ran as numpy translations / in the sidecar, and sidecar (re)starts. */
  numpy: number;
  sidecar: number;
  sidecarStarts: number;
}

/** Ask every worker of the cluster at `address` about its hyperspy-ts side (by worker address). */
export async function daskWorkers(address: string, d: DaskOptions = {}): Promise<Record<string, DaskWorkerInfo>> {
  const proc = clientProcess(daskPython(d));
  await proc.ready;
  return new Promise((resolve, reject) => {
    const conv = proc.open((f) => {
      conv.close();
      const h = f.header;
      if (h.type === "exit") return reject(new DaskConnectionError(String(h.message)));
      if (typeof h.error === "string") return reject(new DaskConnectionError(`dask: ${h.error}`));
      const out: Record<string, DaskWorkerInfo> = {};
      for (const [w, v] of Object.entries(h.value as Record<string, Record<string, number | null>>)) {
        out[w] = { pid: Number(v.pid), sidecarPid: v.sidecar_pid ?? null, numpy: Number(v.numpy), sidecar: Number(v.sidecar), sidecarStarts: Number(v.sidecar_starts) };
      }
      resolve(out);
    });
    conv.send({ type: "eval", fn: "info", address, connectTimeout: d.connectTimeout ?? 10 });
  });
}
