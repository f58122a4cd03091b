/**
 * The threaded scheduler: a pool of worker_threads that run built-in kernels by id, and a
 * scheduler that keeps the workers busy in the depth-first priority of orderTasks (ready tasks run
 * lowest order index first, so sub-trees finish and intermediates are released early, as dask's
 * threaded scheduler with dask.order).
 *
 * Blocks cross threads as SharedArrayBuffer views (no copy). A block in an ordinary ArrayBuffer (an
 * in-memory source given to fromArray) is copied compactly into shared memory when a worker needs it.
 * Tasks carrying `local` (user functions, in-memory sources) run on the main thread, between the
 * workers' tasks, and so does every task that reads an object block (dtype "object": plain JS
 * Arrays of JS values, which cannot be shared between threads).
 */
import { arenaInputs, arenaMemory } from "../kernels/wasm/arena";
import * as os from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { isBlock, copyOf } from "../core/block";
import { setSharedAllocation } from "../core/dtype";
import * as errors from "../core/errors";
import {
  AbortError,
  ComputeOptions,
  Key,
  OutputSink,
  Plan,
  RunState,
  Task,
  fillStats,
  finishTask,
  getKernel,
  isThenable,
  registeredKernelModules,
  releaseOutput,
  startRun,
} from "./graph";

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: PlainError;
}

interface PlainError {
  name: string;
  message: string;
  stack?: string;
  cause?: PlainError;
}

const ERROR_CLASSES: Record<string, new (message?: string, options?: { cause?: unknown }) => Error> = {
  RangeError,
  TypeError: errors.TypeError,
  ValueError: errors.ValueError,
  IndexError: errors.IndexError,
  KeyError: errors.KeyError,
  NotImplementedError: errors.NotImplementedError,
};

function fromPlain(p: PlainError | undefined): Error {
  // the class the task threw (hs.errors' ValueError, TypeError, ..., or a JS RangeError / TypeError)
  // as on the sync scheduler, not a bare Error
  const Ctor = (p?.name !== undefined && ERROR_CLASSES[p.name]) || Error;
  const e = new Ctor(p?.message ?? "worker task failed", p?.cause ? { cause: fromPlain(p.cause) } : undefined);
  e.name = p?.name ?? "Error";
  if (p?.stack) e.stack = p.stack;
  return e;
}

interface Job {
  op: string;
  params: unknown;
  inputs: unknown[];
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  /** Set while the job runs on a worker. */
  slot?: Slot;
  id?: number;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

export class WorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Job>();
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly entry = path.join(__dirname, "worker.js");

  constructor(size: number) {
    this.size = size;
    for (let i = 0; i < size; i++) {
      const slot = { busy: false } as Slot;
      this.spawn(slot);
      this.slots.push(slot);
    }
  }

  /** Start a worker thread for `slot` (again after a crash or an abort). */
  private spawn(slot: Slot): void {
    // every worker sees the process's kernel arena (compiled kernels read arena blocks in place)
    const worker = new Worker(this.entry, { workerData: { arena: arenaMemory() } });
    slot.worker = worker;
    slot.busy = false;
    worker.on("message", (m: Reply) => this.onReply(m));
    worker.on("error", (e) => this.onWorkerGone(slot, worker, e));
    worker.on("exit", (code) => this.onWorkerGone(slot, worker, new Error(`a worker thread exited (code ${code}) while running a task`)));
    // listeners first: adding one re-refs the worker. An idle worker must not keep the process
    // alive; a busy one is ref'd until its reply arrives.
    worker.unref();
  }

  private settle(job: Job): void {
    if (job.id !== undefined) this.pending.delete(job.id);
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
  }

  private onReply(m: Reply): void {
    const job = this.pending.get(m.id);
    if (!job) return;
    this.settle(job);
    const slot = job.slot as Slot;
    slot.busy = false;
    slot.worker.unref();
    this.dispatch();
    if (m.ok) job.resolve(m.value);
    else job.reject(fromPlain(m.error));
  }

  /** A worker crashed or exited: fail its job and put a fresh worker in its place. */
  private onWorkerGone(slot: Slot, worker: Worker, e: Error): void {
    if (slot.worker !== worker || this.closed) return; // an old worker we replaced already
    for (const job of Array.from(this.pending.values())) {
      if (job.slot === slot) {
        this.settle(job);
        job.reject(e);
      }
    }
    this.spawn(slot);
    this.dispatch();
  }

  /**
   * Run one task on a worker: at once if one is idle, else when one frees (first come, first
   * served). An abort of `signal` drops the job if it waits, and terminates and replaces its worker
   * if it runs (a runaway task cannot hold a worker).
   */
  run(op: string, params: unknown, inputs: unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    return new Promise((resolve, reject) => {
      const job: Job = { op, params, inputs, resolve, reject, signal };
      if (signal) {
        job.onAbort = () => this.abortJob(job);
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  private abortJob(job: Job): void {
    const err = new AbortError(job.signal?.reason);
    const q = this.queue.indexOf(job);
    if (q >= 0) {
      this.queue.splice(q, 1);
      this.settle(job);
      job.reject(err);
      return;
    }
    if (job.id === undefined || !this.pending.has(job.id)) return;
    const slot = job.slot as Slot;
    this.settle(job);
    const old = slot.worker;
    this.spawn(slot); // the replacement takes the slot before the old worker's exit arrives
    void old.terminate();
    job.reject(err);
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.busy) continue;
      const job = this.queue.shift() as Job;
      slot.busy = true;
      slot.worker.ref();
      job.id = ++this.nextId;
      job.slot = slot;
      this.pending.set(job.id, job);
      slot.worker.postMessage({ id: job.id, modules: registeredKernelModules(), op: job.op, params: job.params, inputs: job.inputs, arena: arenaInputs(job.inputs) });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

let shared: WorkerPool | null = null;

/** The process-wide pool (created on first use; its threads do not keep the process alive). */
export function getPool(numWorkers?: number): WorkerPool {
  const n = numWorkers ?? Math.max(1, typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
  // a pool of no (or a fractional number of) workers would never run a task: the compute would hang
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`numWorkers must be a positive integer, got ${String(n)}`);
  if (!shared || shared.size !== n) {
    void shared?.close();
    shared = new WorkerPool(n);
  }
  return shared;
}

/** Stop the pool's threads (they are unref'd, so this is needed only to free them early). */
export async function closePool(): Promise<void> {
  const p = shared;
  shared = null;
  await p?.close();
}

/** Whether a task value is an object block (its data a plain JS Array): it stays on the main thread. */
function isObjectBlock(v: unknown): boolean {
  return typeof v === "object" && v !== null && Array.isArray((v as { data?: unknown }).data) && Array.isArray((v as { shape?: unknown }).shape);
}

/**
 * Kernels cheap enough to run on the main thread when their inputs are small: a reduction's
 * combine and aggregate steps fold a few partial results (microseconds), less than the round trip
 * of a message to a worker and back, and the last of them is on the critical path of every
 * reduction.
 */
const INLINE_OPS = new Set(["reduction.combine", "reduction.aggregate"]);
const INLINE_MAX_BYTES = 256 * 1024;

function partialBytes(v: unknown): number {
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v === null || typeof v !== "object") return 0;
  let n = 0;
  for (const x of Object.values(v as Record<string, unknown>)) if (ArrayBuffer.isView(x)) n += x.byteLength;
  return n;
}

function runsInline(t: Task, cache: ReadonlyMap<Key, unknown>): boolean {
  if (!INLINE_OPS.has(t.op)) return false;
  let n = 0;
  for (const d of t.deps) {
    n += partialBytes(cache.get(d));
    if (n > INLINE_MAX_BYTES) return false;
  }
  return true;
}

/** A copy of a block's values in shared memory, unless it already is there. */
function toShared(v: unknown): unknown {
  return isBlock(v) && !(v.data.buffer instanceof SharedArrayBuffer) ? copyOf(v, true) : v;
}

/** A small binary min-heap of keys by priority. */
class Heap {
  private readonly items: Key[] = [];
  constructor(private readonly prio: ReadonlyMap<Key, number>) {}
  get length(): number {
    return this.items.length;
  }
  push(k: Key): void {
    const a = this.items;
    a.push(k);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.p(a[p]) <= this.p(a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Key | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as Key;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.p(a[l]) < this.p(a[m])) m = l;
        if (r < a.length && this.p(a[r]) < this.p(a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
  private p(k: Key): number {
    return this.prio.get(k) as number;
  }
}

/** Run a plan on the worker pool plus the main thread. */
export async function executeThreads(p: Plan, opts: ComputeOptions = {}, sink?: OutputSink): Promise<Map<Key, unknown>> {
  const pool = getPool(opts.numWorkers);
  const st: RunState = startRun(p, !sink);
  const outputs = new Set(p.outputs);
  const prio = new Map(p.order.map((k, i) => [k, i]));
  const deps = new Map<Key, number>();
  const dependents = new Map<Key, Key[]>();
  // tasks that read no other task (sources) wait in their own queue: they start only when no
  // dependent work is ready, and, with `memoryLimit`, while the blocks held stay under it
  // (dask.distributed's root-task queuing), so reading never runs far ahead of reducing
  const inner = new Heap(prio);
  const roots = new Heap(prio);
  const limit = opts.memoryLimit ?? Infinity;
  for (const k of p.order) {
    const t = p.tasks.get(k) as Task;
    const u = Array.from(new Set(t.deps));
    deps.set(k, u.length);
    for (const d of u) {
      const list = dependents.get(d);
      if (list) list.push(k);
      else dependents.set(d, [k]);
    }
    if (u.length === 0) roots.push(k);
  }
  const total = p.order.length;
  let done = 0;
  let running = 0;
  let failed: Error | null = null;
  opts.onProgress?.({ done, total });
  setSharedAllocation(true);
  try {
    await new Promise<void>((resolve, reject) => {
      const complete = (key: Key, value: unknown) => {
        finishTask(p, st, key, value);
        if (sink && outputs.has(key)) {
          let w: void | PromiseLike<void>;
          try {
            w = sink(key, value);
          } catch (e) {
            fail(e);
            return;
          }
          if (isThenable(w)) {
            // a pending write counts as running: it holds back new tasks (backpressure)
            track(w, () => {
              releaseOutput(st, key);
              finishOne(key);
            });
            return;
          }
          releaseOutput(st, key);
        }
        finishOne(key);
      };
      const finishOne = (key: Key) => {
        done++;
        opts.onProgress?.({ done, total });
        for (const c of dependents.get(key) ?? []) {
          const n = (deps.get(c) as number) - 1;
          deps.set(c, n);
          if (n === 0) inner.push(c);
        }
      };
      const fail = (e: unknown) => {
        if (!failed) failed = e instanceof Error ? e : new Error(String(e));
        if (running === 0) reject(failed);
      };
      /** Count `pr` as running until it settles, then hand its value on and keep going. */
      const track = (pr: PromiseLike<unknown>, then: (v: unknown) => void) => {
        running++;
        Promise.resolve(pr).then(
          (v) => {
            running--;
            if (!failed) then(v);
            if (done === total && !failed) resolve();
            else pump();
          },
          (e) => {
            running--;
            fail(e);
          },
        );
      };
      const pump = (): void => {
        if (failed) {
          if (running === 0) reject(failed);
          return;
        }
        if (opts.signal?.aborted) return fail(new AbortError(opts.signal.reason));
        // main-thread tasks run right away; worker tasks while fewer than pool.size of ours are in flight
        const next = (): Key | undefined => {
          if (inner.length) return inner.pop();
          // over the limit, a source waits while other work can still free memory
          if (roots.length && (st.held < limit || running === 0)) return roots.pop();
          return undefined;
        };
        for (let key = next(); key !== undefined; key = next()) {
          const t = p.tasks.get(key) as Task;
          if (t.local !== undefined || t.deps.some((d) => isObjectBlock(st.cache.get(d))) || runsInline(t, st.cache)) {
            let v: unknown;
            try {
              const inputs = t.deps.map((d) => st.cache.get(d));
              v = getKernel(t.op)(inputs, t.params as never, t.local);
            } catch (e) {
              return fail(e);
            }
            if (isThenable(v)) {
              // an asynchronous main-thread task (a storage read) counts as running until it settles
              const k: Key = key;
              track(v, (r) => complete(k, r));
              continue;
            }
            complete(key, v);
            if (opts.signal?.aborted) return fail(new AbortError(opts.signal.reason));
            continue;
          }
          if (running >= pool.size) {
            (t.deps.length ? inner : roots).push(key);
            break;
          }
          const k: Key = key;
          const inputs = t.deps.map((d) => {
            const v = st.cache.get(d);
            const sv = toShared(v);
            if (sv !== v) st.cache.set(d, sv); // share once, even if several tasks read it
            return sv;
          });
          track(pool.run(t.op, t.params, inputs, opts.signal), (v) => complete(k, v));
        }
        if (done === total && running === 0) resolve();
      };
      pump();
    });
  } catch (e) {
    st.cache.clear();
    throw e;
  } finally {
    setSharedAllocation(false);
  }
  fillStats(p, st, opts.stats);
  return new Map(p.outputs.map((k) => [k, st.cache.get(k)]));
}
