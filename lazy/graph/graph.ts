/**
 * The task graph: symbolic layers that produce the task of any one output block on demand (dask's
 * HighLevelGraph), culling by materialising only what the requested blocks need, fusion of
 * elementwise chains, a depth-first order, and the schedulers.
 *
 * A task names a kernel by id (see kernels.ts) with JSON parameters, so a worker thread that loads
 * the kernel modules can run it; a task that carries `local` (a user function or an in-memory
 * source) can run only on the main thread.
 */
import * as path from "node:path";
import { Chunks, blockIndices, numBlocksOf, product } from "../core/chunks";
import { DType } from "../core/dtype";
import { noteReleased } from "./memory";
import { TypeError, ValueError } from "../core/errors";

export type Key = string;

export type LayerKind =
  | "source"
  | "elementwise"
  | "blockwise"
  | "map-blocks"
  | "reduction"
  | "getitem"
  | "boolean-mask"
  | "rechunk"
  | "overlap"
  | "reshape"
  | "concatenate"
  | "random"
  | "creation";

/** Main-thread-only parts of a task. */
export interface TaskLocal {
  /** A user function (mapBlocks, mapOverlap): not portable to workers. */
  fn?: (...args: never[]) => unknown;
  /** An in-memory source object. */
  data?: unknown;
}

export interface Task {
  readonly key: Key;
  /** Kernel id in the registry. */
  op: string;
  /** JSON-serialisable parameters. */
  params: unknown;
  /** Keys of the inputs, in the order the kernel receives them. */
  deps: Key[];
  local?: TaskLocal;
}

export interface LayerInit {
  kind: LayerKind;
  /** A short description shown in summaries ("add", "sum-partial", "from-array"). */
  label: string;
  /** Block sizes of the output (intermediate layers: the shape of their partial results). */
  chunks: Chunks;
  /** Output dtype ("object": an object array, or the intermediate values of reductions, which no LazyArray wraps). */
  dtype: DType | "object";
  dependencies: readonly Layer[];
  /** The task of output block `index`. */
  task: (index: readonly number[], key: Key) => Task;
  /** Bytes read from outside memory or held by an in-memory source (for summaries). */
  sourceBytes?: number;
  /** The dtype summaries show (default `dtype`): a reduction's intermediate layers show the dtype of its result, not "object". */
  summaryDtype?: DType | "object";
}

let uid = 0;

/** A symbolic layer: it produces the task of any output block on demand; nothing is stored per block. */
export class Layer {
  readonly name: string;
  readonly kind: LayerKind;
  readonly label: string;
  readonly chunks: Chunks;
  readonly numBlocks: readonly number[];
  readonly dtype: DType | "object";
  readonly dependencies: readonly Layer[];
  readonly sourceBytes: number;
  /** The dtype summaries show (see LayerInit.summaryDtype). */
  readonly summaryDtype: DType | "object";
  private readonly make: (index: readonly number[], key: Key) => Task;

  constructor(init: LayerInit) {
    this.kind = init.kind;
    this.label = init.label;
    this.name = `${init.label}-${(++uid).toString(36)}`;
    this.chunks = Object.freeze(init.chunks.map((c) => Object.freeze(c.slice())));
    this.numBlocks = Object.freeze(numBlocksOf(init.chunks));
    this.dtype = init.dtype;
    this.dependencies = Object.freeze(init.dependencies.slice());
    this.sourceBytes = init.sourceBytes ?? 0;
    this.summaryDtype = init.summaryDtype ?? init.dtype;
    this.make = init.task;
    Object.freeze(this);
  }

  key(index: readonly number[]): Key {
    return `${this.name}:${index.join(",")}`;
  }

  task(index: readonly number[]): Task {
    for (let a = 0; a < index.length; a++) {
      if (!(index[a] >= 0 && index[a] < this.numBlocks[a])) {
        throw new ValueError(`internal: block [${index.join(", ")}] is outside layer ${this.name} (blocks [${this.numBlocks.join(", ")}])`);
      }
    }
    return this.make(index, this.key(index));
  }

  get numTasks(): number {
    return product(this.numBlocks);
  }

  keys(): Key[] {
    return Array.from(blockIndices(this.numBlocks), (i) => this.key(i));
  }
}

export function parseKey(key: Key): { layer: string; index: number[] } {
  const c = key.lastIndexOf(":");
  const tail = key.slice(c + 1);
  return { layer: key.slice(0, c), index: tail === "" ? [] : tail.split(",").map(Number) };
}

/** Every layer reachable from `outputs`, dependencies first. */
export function collectLayers(outputs: readonly Layer[]): Layer[] {
  const seen = new Set<string>();
  const out: Layer[] = [];
  const visit = (l: Layer) => {
    if (seen.has(l.name)) return;
    seen.add(l.name);
    for (const d of l.dependencies) visit(d);
    out.push(l);
  };
  // iterative guard against very deep graphs is unnecessary: depth is the number of operations
  for (const o of outputs) visit(o);
  return out;
}

/** Materialise the tasks that the given output keys need (culling): nothing else is created. */
export function materialize(outputKeys: readonly Key[], layers: ReadonlyMap<string, Layer>): Map<Key, Task> {
  const tasks = new Map<Key, Task>();
  const stack = outputKeys.slice();
  while (stack.length) {
    const key = stack.pop() as Key;
    if (tasks.has(key)) continue;
    const { layer, index } = parseKey(key);
    const l = layers.get(layer);
    if (!l) throw new Error(`internal: no layer ${layer} for key ${key}`);
    const t = l.task(index);
    tasks.set(key, t);
    for (const d of t.deps) if (!tasks.has(d)) stack.push(d);
  }
  return tasks;
}

/** Count of the consumers of every key (each consumer counted once). */
export function dependentsCount(tasks: ReadonlyMap<Key, Task>): Map<Key, number> {
  const n = new Map<Key, number>();
  for (const t of tasks.values()) {
    for (const d of new Set(t.deps)) n.set(d, (n.get(d) ?? 0) + 1);
  }
  return n;
}

/** A pass that rewrites the materialised graph (elementwise fusion registers itself here). */
export type GraphPass = (tasks: Map<Key, Task>, outputs: ReadonlySet<Key>) => void;
const passes: { rank: number; pass: GraphPass }[] = [];
/** Register a pass; passes run in ascending `rank` (elementwise chains 10, into reductions 20). */
export function registerPass(pass: GraphPass, rank: number): void {
  passes.push({ rank, pass });
  passes.sort((a, b) => a.rank - b.rank);
}

/**
 * A depth-first post-order from the outputs: each task runs as soon as its inputs are ready, and
 * sub-trees are finished before the next is started, so intermediates die early (dask.order's goal).
 * Inputs are visited smallest sub-tree first.
 */
export function orderTasks(tasks: ReadonlyMap<Key, Task>, outputKeys: readonly Key[]): Key[] {
  const order: Key[] = [];
  const state = new Map<Key, number>(); // 1 visiting, 2 done
  const size = new Map<Key, number>();
  const subtree = (k: Key): number => {
    const s = size.get(k);
    if (s !== undefined) return s;
    // iterative post-order to compute sizes without deep recursion
    const st: [Key, number][] = [[k, 0]];
    while (st.length) {
      const top = st[st.length - 1];
      const t = tasks.get(top[0]) as Task;
      if (top[1] < t.deps.length) {
        const d = t.deps[top[1]++];
        if (!size.has(d)) st.push([d, 0]);
      } else {
        st.pop();
        let n = 1;
        for (const d of t.deps) n += size.get(d) ?? 0;
        size.set(top[0], Math.min(n, 1e12));
      }
    }
    return size.get(k) as number;
  };
  for (const root of outputKeys) {
    if (state.get(root) === 2) continue;
    const st: { k: Key; deps: Key[]; i: number }[] = [];
    const push = (k: Key) => {
      const t = tasks.get(k) as Task;
      const deps = Array.from(new Set(t.deps)).filter((d) => state.get(d) !== 2);
      deps.sort((a, b) => subtree(a) - subtree(b) || (a < b ? -1 : a > b ? 1 : 0));
      state.set(k, 1);
      st.push({ k, deps, i: 0 });
    };
    push(root);
    while (st.length) {
      const top = st[st.length - 1];
      if (top.i < top.deps.length) {
        const d = top.deps[top.i++];
        if (!state.has(d)) push(d);
      } else {
        st.pop();
        state.set(top.k, 2);
        order.push(top.k);
      }
    }
  }
  return order;
}

// ---------------------------------------------------------------------------------------------
// Kernels

/**
 * A kernel computes one task's value from its inputs. It may return a Promise (storage reads):
 * compute() awaits it on either scheduler and in workers; computeSync() refuses such graphs.
 */
export type Kernel = (inputs: unknown[], params: never, local: TaskLocal | undefined) => unknown;

/** Whether a kernel's result is a promise to await. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}
const kernels = new Map<string, Kernel>();

/** Register a built-in kernel under an id that every worker can resolve. */
export function registerKernel<P>(id: string, fn: (inputs: unknown[], params: P, local: TaskLocal | undefined) => unknown): void {
  if (kernels.has(id)) throw new Error(`internal: kernel ${id} registered twice`);
  kernels.set(id, fn as Kernel);
}

const kernelModules: string[] = [];

/**
 * Load a module that registers more kernels (storage readers, plugins), here and in every worker
 * thread (each loads it before its next task). `modulePath` must be absolute.
 */
export function registerKernelModule(modulePath: string): void {
  if (!path.isAbsolute(modulePath)) {
    throw new TypeError(`registerKernelModule: "${modulePath}" is not an absolute path; workers resolve it from another directory`);
  }
  if (kernelModules.includes(modulePath)) return;
  require(modulePath);
  kernelModules.push(modulePath);
}

/** The kernel modules registered so far (workers load them in this order). */
export function registeredKernelModules(): readonly string[] {
  return kernelModules;
}

export function getKernel(id: string): Kernel {
  const k = kernels.get(id);
  if (!k) throw new Error(`internal: unknown kernel "${id}"`);
  return k;
}

// ---------------------------------------------------------------------------------------------
// Scheduling

export interface ComputeProgress {
  done: number;
  total: number;
}

export interface ComputeStats {
  /** Tasks of the full graph, had every block of every layer been materialised. */
  tasksFull: number;
  /** Tasks left after culling to the requested blocks. */
  tasksCulled: number;
  /** Tasks left after fusion: the number that ran. */
  tasksRun: number;
  /** Tasks run per kernel id. */
  byOp: Record<string, number>;
  /** Peak bytes of blocks held at once (results and intermediates). */
  peakBytes: number;
}

export interface ComputeOptions {
  /**
   * "threads" (default) runs built-in kernels on a pool of worker threads and user functions on
   * this thread; "sync" runs every task on this thread, one by one.
   */
  scheduler?: "sync" | "threads" | "dask";
  /** The dask scheduler's address for scheduler "dask" ("tcp://host:8786"; default: HSTS_DASK_ADDRESS). */
  address?: string;
  /** Options of scheduler "dask" (docs/distributed.md). */
  dask?: DaskOptions;
  /** Worker threads for the "threads" scheduler (default: the machine's available parallelism). */
  numWorkers?: number;
  /**
   * Bytes of blocks the "threads" scheduler may hold before it stops starting source tasks (reads)
   * until consumers have freed memory (default: no limit; sources already wait for ready work).
   * The sync scheduler's depth-first order keeps memory low by itself.
   */
  memoryLimit?: number;
  onProgress?: (p: ComputeProgress) => void;
  /** An AbortSignal: the compute stops between tasks with an AbortError and frees what it held. */
  signal?: AbortSignal;
  /** Filled with what ran (for tests, benchmarks and summaries). */
  stats?: Partial<ComputeStats>;
  /** Skip fusion (for comparisons). */
  optimize?: boolean;
}

/** Options of the "dask" scheduler (lazy/distributed, docs/distributed.md). */
export interface DaskOptions {
  /** Python interpreter with `distributed` (matching the cluster's version) for our client program (default: HSTS_PYTHON, else "python3"). */
  python?: string;
  /** Times dask may retry a failed task (default 0; lost workers' tasks are recomputed anyway). */
  retries?: number;
  /** `node` on the workers (default: HSTS_NODE on the worker, else "node" on its PATH). */
  node?: string;
  /** Path of this package's dist/lazy/distributed/sidecar.js on the workers (default: HSTS_SIDECAR on the worker, else this kernel's path). */
  sidecar?: string;
  /** Seconds to wait for the scheduler when connecting (default 10). */
  connectTimeout?: number;
  /** Seconds without the scheduler before a running compute fails (default 10). */
  lostTimeout?: number;
  /** Run the built-ins numpy computes exactly as we do as numpy on the workers (default true; false: everything in the Node sidecar). */
  translate?: boolean;
}

/** Runs a plan somewhere else than this process (registered by lazy/distributed for "dask"). */
export type PlanExecutor = (p: Plan, opts: ComputeOptions, sink?: OutputSink) => Promise<Map<Key, unknown>>;
const executors = new Map<string, PlanExecutor>();

/** Register a scheduler by name (compute's `scheduler` option). */
export function registerScheduler(name: string, run: PlanExecutor): void {
  executors.set(name, run);
}

/** The registered scheduler `name`, if any ("threads" and "sync" are built in). */
export function registeredScheduler(name: string): PlanExecutor | undefined {
  return executors.get(name);
}

/** What `setScheduler` chose for this session. */
export type SessionScheduler = Pick<ComputeOptions, "scheduler" | "address" | "dask" | "numWorkers" | "memoryLimit">;
let sessionScheduler: SessionScheduler = {};

/**
 * The scheduler every compute of this session uses when it names none (dask's
 * `dask.config.set(scheduler=...)` / `Client(address)` as default): `setScheduler("threads")`,
 * `setScheduler({scheduler: "dask", address: "tcp://host:8786"})`, `setScheduler(null)` to go back to
 * the default ("threads"). Returns the previous setting. `computeSync` is not affected.
 */
export function setScheduler(s: SessionScheduler | "threads" | "sync" | "dask" | null): SessionScheduler {
  const prev = sessionScheduler;
  const next: SessionScheduler = s === null ? {} : typeof s === "string" ? { scheduler: s } : { ...s };
  if (next.scheduler !== undefined && next.scheduler !== "sync" && next.scheduler !== "threads" && !executors.has(next.scheduler)) {
    throw new TypeError(`setScheduler: unknown scheduler ${JSON.stringify(next.scheduler)}; use "threads", "sync" or "dask"`);
  }
  if (next.scheduler === "dask" && !next.address && !process.env.HSTS_DASK_ADDRESS) {
    throw new TypeError('setScheduler: "dask" needs the scheduler\'s address: setScheduler({scheduler: "dask", address: "tcp://host:8786"})');
  }
  sessionScheduler = next;
  return prev;
}

/** `opts` with the session's scheduler filled in when it names none. */
export function withSessionScheduler(opts: ComputeOptions): ComputeOptions {
  if (opts.scheduler !== undefined || sessionScheduler.scheduler === undefined) return opts;
  return { ...sessionScheduler, ...opts, scheduler: sessionScheduler.scheduler };
}

export class AbortError extends Error {
  constructor(reason?: unknown) {
    super(`compute aborted${reason !== undefined ? `: ${String(reason instanceof Error ? reason.message : reason)}` : ""}`);
    this.name = "AbortError";
  }
}

function valueBytes(v: unknown): number {
  if (v === null || typeof v !== "object") return 8;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  const o = v as { data?: unknown; shape?: number[] };
  if (o.data && ArrayBuffer.isView(o.data) && Array.isArray(o.shape)) {
    let n = (o.data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    for (const s of o.shape) n *= s;
    return n;
  }
  let n = 0;
  for (const x of Object.values(o)) n += valueBytes(x);
  return n;
}

export interface Plan {
  tasks: Map<Key, Task>;
  order: Key[];
  outputs: Key[];
  tasksFull: number;
  tasksCulled: number;
}

/** Cull, fuse and order the graph that computes `outputKeys` of `outputLayers`. */
export function plan(outputLayers: readonly Layer[], outputKeys: readonly Key[], optimize = true): Plan {
  const all = collectLayers(outputLayers);
  const layers = new Map(all.map((l) => [l.name, l]));
  const tasks = materialize(outputKeys, layers);
  const tasksCulled = tasks.size;
  if (optimize) {
    const outs = new Set(outputKeys);
    for (const p of passes) p.pass(tasks, outs);
  }
  return {
    tasks,
    order: orderTasks(tasks, outputKeys),
    outputs: outputKeys.slice(),
    tasksFull: all.reduce((n, l) => n + l.numTasks, 0),
    tasksCulled,
  };
}

function runOne(t: Task, cache: Map<Key, unknown>): unknown {
  const inputs = t.deps.map((d) => {
    if (!cache.has(d)) throw new Error(`internal: input ${d} of ${t.key} is not ready`);
    return cache.get(d);
  });
  return getKernel(t.op)(inputs, t.params as never, t.local);
}

export interface RunState {
  cache: Map<Key, unknown>;
  remaining: Map<Key, number>;
  held: number;
  peak: number;
  byOp: Record<string, number>;
}

/**
 * Receives each output block as soon as it is computed (x.store): the block is released when the
 * returned promise settles (and nothing else reads it), instead of being kept for the end.
 */
export type OutputSink = (key: Key, value: unknown) => void | PromiseLike<void>;

export function startRun(p: Plan, retainOutputs = true): RunState {
  const remaining = dependentsCount(p.tasks);
  if (retainOutputs) for (const o of p.outputs) remaining.set(o, (remaining.get(o) ?? 0) + 1);
  return { cache: new Map(), remaining, held: 0, peak: 0, byOp: {} };
}

/** After the sink has taken output `key`: release it unless another task still reads it. */
export function releaseOutput(st: RunState, key: Key): void {
  if ((st.remaining.get(key) ?? 0) === 0 && st.cache.has(key)) {
    const v = st.cache.get(key);
    st.held -= valueBytes(v);
    st.cache.delete(key);
    noteReleased(v);
  }
}

export function finishTask(p: Plan, st: RunState, key: Key, value: unknown): void {
  const t = p.tasks.get(key) as Task;
  st.cache.set(key, value);
  st.held += valueBytes(value);
  st.peak = Math.max(st.peak, st.held);
  st.byOp[t.op] = (st.byOp[t.op] ?? 0) + 1;
  for (const d of new Set(t.deps)) {
    const r = (st.remaining.get(d) ?? 1) - 1;
    st.remaining.set(d, r);
    if (r === 0) {
      const v = st.cache.get(d);
      st.held -= valueBytes(v);
      st.cache.delete(d);
      noteReleased(v);
    }
  }
}

export function fillStats(p: Plan, st: RunState, stats: Partial<ComputeStats> | undefined): void {
  if (!stats) return;
  stats.tasksFull = p.tasksFull;
  stats.tasksCulled = p.tasksCulled;
  stats.tasksRun = p.order.length;
  stats.byOp = st.byOp;
  stats.peakBytes = st.peak;
}

/** Run a plan synchronously on this thread. */
export function executeSync(p: Plan, opts: ComputeOptions = {}): Map<Key, unknown> {
  const st = startRun(p);
  const total = p.order.length;
  let done = 0;
  for (const key of p.order) {
    if (opts.signal?.aborted) throw new AbortError(opts.signal.reason);
    const v = runOne(p.tasks.get(key) as Task, st.cache);
    if (isThenable(v)) {
      throw new TypeError(
        `computeSync: task ${key} (${(p.tasks.get(key) as Task).op}) is asynchronous (a storage read); use \`await compute()\` for this array`,
      );
    }
    finishTask(p, st, key, v);
    done++;
    opts.onProgress?.({ done, total });
  }
  fillStats(p, st, opts.stats);
  return new Map(p.outputs.map((k) => [k, st.cache.get(k)]));
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Run a plan, yielding to the event loop between tasks (at most every few milliseconds) so that an
 * AbortSignal or a progress display can act.
 */
export async function executeAsync(p: Plan, opts: ComputeOptions = {}, sink?: OutputSink): Promise<Map<Key, unknown>> {
  const st = startRun(p, !sink);
  const outputs = new Set(p.outputs);
  const total = p.order.length;
  let done = 0;
  let last = Date.now();
  opts.onProgress?.({ done, total });
  try {
    for (const key of p.order) {
      if (Date.now() - last > 4) {
        await yieldToLoop();
        last = Date.now();
      }
      if (opts.signal?.aborted) throw new AbortError(opts.signal.reason);
      let v = runOne(p.tasks.get(key) as Task, st.cache);
      if (isThenable(v)) v = await v;
      finishTask(p, st, key, v);
      if (sink && outputs.has(key)) {
        const w = sink(key, v);
        if (isThenable(w)) await w; // the next task waits for the write: backpressure
        releaseOutput(st, key);
      }
      done++;
      opts.onProgress?.({ done, total });
    }
  } catch (e) {
    st.cache.clear();
    throw e;
  }
  fillStats(p, st, opts.stats);
  return new Map(p.outputs.map((k) => [k, st.cache.get(k)]));
}
