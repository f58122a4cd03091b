/**
 * LazyArray: an immutable chunked N-d array defined by a symbolic graph layer (dask.array.Array).
 * Every operation returns a new LazyArray; nothing runs until compute().
 */
import { observed, observedSync } from "../graph/hooks";
import { Block, NDArray, emptyBlock, copyInto, toNDArray, sizeOf, tagDType } from "./block";
import { Chunks, ChunksSpec, UnknownChunksError, maxOf, assertKnownChunks, blockIndices, cumulative, hasUnknown, largestBlockBytes, shapeOfChunks } from "./chunks";
import * as os from "node:os";
import { DType, allocationMessage, formatSize, itemsize } from "./dtype";
import { ComputeOptions, Key, Layer, OutputSink, Plan, collectLayers, executeAsync, executeSync, parseKey, plan, registeredScheduler, withSessionScheduler } from "../graph/graph";
import { executeThreads } from "../graph/workers";
import type * as OpsModule from "../ops/ops";
import type * as ReductionModule from "../ops/reduction";
import type * as NanReductionModule from "../ops/nanreduction";
import type * as SlicingModule from "../ops/slicing";
import type * as RechunkModule from "../ops/rechunk";
import type * as BlockwiseModule from "../ops/blockwise";
import type * as OverlapModule from "../ops/overlap";

/**
 * The operation modules (lazy/ops/) that LazyArray's methods call. They build LazyArrays, so they
 * import this module; to keep the module graph free of runtime cycles they are bound here late,
 * when lazy/ops/bind.ts loads (every module that makes a LazyArray from nothing, such as
 * lazy/ops/creation.ts and lazy/storage/source.ts, imports it, as does lazy/index.ts).
 */
let ops: typeof OpsModule;
let reduction: typeof ReductionModule;
let nanred: typeof NanReductionModule;
let slicing: typeof SlicingModule;
let rechunkMod: typeof RechunkModule;
let blockwise: typeof BlockwiseModule;
let overlap: typeof OverlapModule;

/** The modules bindOperations() takes (internal: lazy/ops/bind.ts calls it once). */
export interface Operations {
  ops: typeof OpsModule;
  reduction: typeof ReductionModule;
  nanred: typeof NanReductionModule;
  slicing: typeof SlicingModule;
  rechunkMod: typeof RechunkModule;
  blockwise: typeof BlockwiseModule;
  overlap: typeof OverlapModule;
}

/** Bind the operation modules LazyArray's methods call (internal; see lazy/ops/bind.ts). */
export function bindOperations(m: Operations): void {
  ({ ops, reduction, nanred, slicing, rechunkMod, blockwise, overlap } = m);
}

export type { Scalar, Operand, ReduceOptions, VarOptions, ArgReduceOptions, Slice, Index, RechunkOptions, BlockInfo, BlockFunction, MultiBlockFunction, MapBlocksOptions, Boundary, MapOverlapOptions, StoreBlockInfo, BlockSink, LayerSummary, GraphSummary } from "./types";
import type { Operand, ReduceOptions, VarOptions, ArgReduceOptions, Index, RechunkOptions, BlockFunction, MapBlocksOptions, MapOverlapOptions, StoreBlockInfo, BlockSink, GraphSummary } from "./types";
import { TypeError, ValueError } from "./errors";

/** Graphs up to this many tasks are planned to count their optimised tasks (about 6 us a task). */
const SUMMARY_COUNT_LIMIT = 20_000;

export class LazyArray {
  readonly layer: Layer;
  readonly dtype: DType;
  readonly chunks: Chunks;
  readonly shape: readonly number[];

  constructor(layer: Layer) {
    this.layer = layer;
    this.dtype = layer.dtype;
    this.chunks = layer.chunks;
    this.shape = Object.freeze(shapeOfChunks(layer.chunks));
    Object.freeze(this);
  }

  get name(): string {
    return this.layer.name;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  get itemsize(): number {
    return itemsize(this.dtype);
  }
  get nbytes(): number {
    return this.size * this.itemsize;
  }
  get numBlocks(): number[] {
    return this.layer.numBlocks.slice();
  }
  get npartitions(): number {
    return this.layer.numTasks;
  }
  /** The largest block's shape (dask's chunksize). */
  get chunkSize(): number[] {
    return this.chunks.map(maxOf);
  }

  toString(): string {
    const shape = this.shape.map((s) => (Number.isNaN(s) ? "NaN" : String(s))).join(", ");
    return `lazy.array<${this.layer.label}, shape=[${shape}], dtype=${this.dtype}, chunksize=[${this.chunkSize.join(", ")}], blocks=${this.npartitions}>`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ------------------------------------------------------------------ elementwise
  add(o: Operand): LazyArray {
    return ops.binary("add", this, o);
  }
  sub(o: Operand): LazyArray {
    return ops.binary("sub", this, o);
  }
  mul(o: Operand): LazyArray {
    return ops.binary("mul", this, o);
  }
  /** True division (integers give float64, as numpy's `/`). */
  div(o: Operand): LazyArray {
    return ops.binary("div", this, o);
  }
  floorDiv(o: Operand): LazyArray {
    return ops.binary("floorDiv", this, o);
  }
  mod(o: Operand): LazyArray {
    return ops.binary("mod", this, o);
  }
  pow(o: Operand): LazyArray {
    return ops.binary("pow", this, o);
  }
  maximum(o: Operand): LazyArray {
    return ops.binary("maximum", this, o);
  }
  minimum(o: Operand): LazyArray {
    return ops.binary("minimum", this, o);
  }
  gt(o: Operand): LazyArray {
    return ops.binary("gt", this, o);
  }
  ge(o: Operand): LazyArray {
    return ops.binary("ge", this, o);
  }
  lt(o: Operand): LazyArray {
    return ops.binary("lt", this, o);
  }
  le(o: Operand): LazyArray {
    return ops.binary("le", this, o);
  }
  eq(o: Operand): LazyArray {
    return ops.binary("eq", this, o);
  }
  ne(o: Operand): LazyArray {
    return ops.binary("ne", this, o);
  }
  logicalAnd(o: Operand): LazyArray {
    return ops.binary("logicalAnd", this, o);
  }
  logicalOr(o: Operand): LazyArray {
    return ops.binary("logicalOr", this, o);
  }
  logicalXor(o: Operand): LazyArray {
    return ops.binary("logicalXor", this, o);
  }
  logicalNot(): LazyArray {
    return ops.unary("logicalNot", this);
  }
  neg(): LazyArray {
    return ops.unary("neg", this);
  }
  abs(): LazyArray {
    return ops.unary("abs", this);
  }
  sign(): LazyArray {
    return ops.unary("sign", this);
  }
  square(): LazyArray {
    return ops.unary("square", this);
  }
  sqrt(): LazyArray {
    return ops.unary("sqrt", this);
  }
  exp(): LazyArray {
    return ops.unary("exp", this);
  }
  log(): LazyArray {
    return ops.unary("log", this);
  }
  log10(): LazyArray {
    return ops.unary("log10", this);
  }
  log2(): LazyArray {
    return ops.unary("log2", this);
  }
  log1p(): LazyArray {
    return ops.unary("log1p", this);
  }
  expm1(): LazyArray {
    return ops.unary("expm1", this);
  }
  sin(): LazyArray {
    return ops.unary("sin", this);
  }
  cos(): LazyArray {
    return ops.unary("cos", this);
  }
  tan(): LazyArray {
    return ops.unary("tan", this);
  }
  arctan(): LazyArray {
    return ops.unary("arctan", this);
  }
  tanh(): LazyArray {
    return ops.unary("tanh", this);
  }
  floor(): LazyArray {
    return ops.unary("floor", this);
  }
  ceil(): LazyArray {
    return ops.unary("ceil", this);
  }
  /** Round half to even (numpy's rint / round with 0 decimals). */
  rint(): LazyArray {
    return ops.unary("rint", this);
  }
  isnan(): LazyArray {
    return ops.unary("isnan", this);
  }
  isfinite(): LazyArray {
    return ops.unary("isfinite", this);
  }
  isinf(): LazyArray {
    return ops.unary("isinf", this);
  }
  clip(min: Operand | null, max: Operand | null): LazyArray {
    let r: LazyArray = this;
    if (min !== null) r = ops.binary("maximum", r, min);
    if (max !== null) r = ops.binary("minimum", r, max);
    return r;
  }
  /** A copy converted to `dtype` (numpy's astype: truncation toward zero, wrap-around for integers). */
  astype(dtype: DType): LazyArray {
    return ops.astype(this, dtype);
  }

  // ------------------------------------------------------------------ reductions
  sum(opts?: ReduceOptions): LazyArray {
    return reduction.reduce(this, "sum", opts ?? {});
  }
  prod(opts?: ReduceOptions): LazyArray {
    return reduction.reduce(this, "prod", opts ?? {});
  }
  mean(opts?: ReduceOptions): LazyArray {
    return reduction.reduce(this, "mean", opts ?? {});
  }
  min(opts?: ReduceOptions): LazyArray {
    return reduction.reduce(this, "min", opts ?? {});
  }
  max(opts?: ReduceOptions): LazyArray {
    return reduction.reduce(this, "max", opts ?? {});
  }
  var(opts?: VarOptions): LazyArray {
    return reduction.reduce(this, "var", opts ?? {});
  }
  std(opts?: VarOptions): LazyArray {
    return reduction.reduce(this, "std", opts ?? {});
  }
  any(opts?: ReduceOptions): LazyArray {
    return reduction.reduce(this, "any", opts ?? {});
  }
  all(opts?: ReduceOptions): LazyArray {
    return reduction.reduce(this, "all", opts ?? {});
  }
  /** numpy.nansum: NaN counts as 0. */
  nansum(opts?: ReduceOptions): LazyArray {
    return nanred.nanReduce(this, "nansum", opts ?? {});
  }
  /** numpy.nanprod: NaN counts as 1. */
  nanprod(opts?: ReduceOptions): LazyArray {
    return nanred.nanReduce(this, "nanprod", opts ?? {});
  }
  /** numpy.nanmean: the mean of the non-NaN values (NaN for an all-NaN slice). */
  nanmean(opts?: ReduceOptions): LazyArray {
    return nanred.nanReduce(this, "nanmean", opts ?? {});
  }
  /** numpy.nanmin (NaN for an all-NaN slice). */
  nanmin(opts?: ReduceOptions): LazyArray {
    return nanred.nanReduce(this, "nanmin", opts ?? {});
  }
  /** numpy.nanmax (NaN for an all-NaN slice). */
  nanmax(opts?: ReduceOptions): LazyArray {
    return nanred.nanReduce(this, "nanmax", opts ?? {});
  }
  /** numpy.nanvar (two passes over the data: mean, then squared deviations). */
  nanvar(opts?: VarOptions): LazyArray {
    return nanred.nanReduce(this, "nanvar", opts ?? {});
  }
  /** numpy.nanstd. */
  nanstd(opts?: VarOptions): LazyArray {
    return nanred.nanReduce(this, "nanstd", opts ?? {});
  }
  /** numpy.nanargmax: an all-NaN slice is an error when computed, as numpy. */
  nanargmax(opts?: ArgReduceOptions): LazyArray {
    return nanred.nanArgReduce(this, "nanargmax", opts ?? {});
  }
  /** numpy.nanargmin. */
  nanargmin(opts?: ArgReduceOptions): LazyArray {
    return nanred.nanArgReduce(this, "nanargmin", opts ?? {});
  }
  argmax(opts?: ArgReduceOptions): LazyArray {
    return reduction.argReduce(this, "argmax", opts ?? {});
  }
  argmin(opts?: ArgReduceOptions): LazyArray {
    return reduction.argReduce(this, "argmin", opts ?? {});
  }

  // ------------------------------------------------------------------ indexing and shape
  /** numpy-style indexing: `x.get(0, ":", slice(1, null, 2), null)`, or `x.get(mask)` with a boolean array. */
  get(...index: Index[]): LazyArray {
    return slicing.getitem(this, index);
  }
  /**
   * Blocks selected over the grid of blocks (dask's `x.blocks[...]`): `x.blocks(0, "1:3")`. Every
   * axis is kept; only the selected blocks are computed.
   */
  blocks(...index: Index[]): LazyArray {
    return slicing.selectBlocks(this, index);
  }
  /** Same blocks, sizes measured: required after boolean masking before size-dependent operations. */
  computeChunkSizes(opts?: ComputeOptions): Promise<LazyArray> {
    return slicing.computeChunkSizes(this, opts ?? {});
  }
  rechunk(chunks: ChunksSpec, opts?: RechunkOptions): LazyArray {
    return rechunkMod.rechunk(this, chunks, opts ?? {});
  }
  reshape(shape: readonly number[]): LazyArray {
    return rechunkMod.reshape(this, shape);
  }
  transpose(axes?: readonly number[]): LazyArray {
    return blockwise.transpose(this, axes);
  }
  get T(): LazyArray {
    return blockwise.transpose(this);
  }
  /** Remove length-1 axes (all, or the given ones). */
  squeeze(axis?: number | readonly number[]): LazyArray {
    return rechunkMod.squeeze(this, axis);
  }
  /** Insert a length-1 axis at `axis`. */
  expandDims(axis: number): LazyArray {
    return rechunkMod.expandDims(this, axis);
  }
  ravel(): LazyArray {
    return rechunkMod.reshape(this, [this.size]);
  }

  // ------------------------------------------------------------------ user functions
  /** Apply `fn` to every block (main thread: a user function is not portable to workers). */
  mapBlocks(fn: BlockFunction, opts?: MapBlocksOptions): LazyArray {
    return blockwise.mapBlocksOf(fn, [this], opts ?? {}, true);
  }
  /** Apply `fn` to every block extended by a halo from its neighbours (and the boundary). */
  mapOverlap(fn: BlockFunction, opts: MapOverlapOptions): LazyArray {
    return overlap.mapOverlap(this, fn, opts);
  }

  // ------------------------------------------------------------------ computing
  /**
   * Compute the array: a new scijs ndarray (C order). Built-in operations run on worker threads
   * (scheduler "threads", the default); pass `{scheduler: "sync"}` to run everything on this thread.
   * An object array (dtype "object") computes on this thread into an ndarray over a plain JS Array
   * (an ObjectNDArray: `lazy.asObjectArray(result)` gives it that type).
   */
  async compute(opts: ComputeOptions = {}): Promise<NDArray> {
    return (await compute([this], opts))[0];
  }
  /**
   * Compute block by block into `sink` without assembling the result (dask's `store`): each block
   * goes to `sink` as soon as it is computed and is released when the sink's promise settles, so
   * a result bigger than memory can be written out. Blocks arrive in compute order, not C order;
   * a slow sink holds back new tasks.
   */
  store(sink: BlockSink, opts: ComputeOptions = {}): Promise<void> {
    return store(this, sink, opts);
  }

  /** Compute on this thread without yielding (the "sync" scheduler; no worker threads). */
  computeSync(opts: ComputeOptions = {}): NDArray {
    return computeSync([this], opts)[0];
  }

  /** What the graph holds, for display: layers, task counts before and after optimisation, bytes. */
  summary(): GraphSummary {
    const layers = collectLayers([this.layer]);
    const tasksFull = layers.reduce((n, l) => n + l.numTasks, 0);
    let tasksOptimized: number | null = null;
    if (tasksFull <= SUMMARY_COUNT_LIMIT) {
      try {
        tasksOptimized = plan([this.layer], this.layer.keys()).order.length;
      } catch {
        tasksOptimized = null;
      }
    }
    const unknown = hasUnknown(this.chunks);
    return {
      name: this.name,
      shape: this.shape.slice(),
      dtype: this.dtype,
      chunks: this.chunks.map((c) => c.slice()),
      numBlocks: this.numBlocks,
      chunkSize: this.chunkSize,
      nbytes: unknown ? NaN : this.nbytes,
      chunkBytes: largestBlockBytes(this.chunks, this.dtype),
      sourceBytes: layers.reduce((n, l) => n + l.sourceBytes, 0),
      layers: layers.map((l) => ({
        name: l.name,
        kind: l.kind,
        label: l.label,
        tasks: l.numTasks,
        numBlocks: l.numBlocks.slice(),
        chunks: l.chunks.map((c) => c.slice()),
        dtype: l.summaryDtype,
        dependencies: l.dependencies.map((d) => d.name),
      })),
      tasksFull,
      tasksOptimized,
      unknownChunks: unknown,
    };
  }
}

function assemble(x: LazyArray, results: ReadonlyMap<Key, unknown>): NDArray {
  if (hasUnknown(x.chunks)) {
    // sizes are known now, from the blocks themselves
    return assembleUnknown(x, results);
  }
  const out = resultBlock(x.dtype, x.shape);
  const offs = x.chunks.map((c) => cumulative(c));
  for (const idx of blockIndices(x.numBlocks)) {
    const b = results.get(x.layer.key(idx)) as Block;
    checkBlock(x, idx, b);
    copyInto(out, idx.map((i, a) => offs[a][i]), b);
  }
  return tagDType(toNDArray(out), x.dtype);
}

/**
 * Refuse, before anything runs, a result larger than the machine's memory (it could never be
 * assembled, and computing its blocks first would exhaust memory on the way).
 */
function checkResultsFit(arrays: readonly LazyArray[]): void {
  const total = os.totalmem();
  for (const a of arrays) {
    if (hasUnknown(a.chunks) || a.dtype === "object") continue;
    const n = sizeOf(a.shape);
    if (n * itemsize(a.dtype) > total) {
      throw new RangeError(
        `compute: the result (shape [${a.shape.join(", ")}], ${a.dtype}) does not fit in memory: ${allocationMessage(a.dtype, n, `more than this machine's ${formatSize(total)} of memory`)}`,
      );
    }
  }
}

/** The block a computed result is assembled into; too large for memory: an error naming the result. */
function resultBlock(dtype: DType, shape: readonly number[]): Block {
  try {
    return emptyBlock(dtype, shape);
  } catch (e) {
    if (e instanceof RangeError) throw new RangeError(`compute: the result (shape [${shape.join(", ")}], ${dtype}) does not fit in memory: ${e.message}`);
    throw e;
  }
}

function checkBlock(x: LazyArray, idx: number[], b: Block): void {
  const want = idx.map((i, a) => x.chunks[a][i]);
  if (b.shape.length !== want.length || b.shape.some((s, a) => s !== want[a] && !Number.isNaN(want[a]))) {
    throw new ValueError(
      `block [${idx.join(", ")}] of ${x.layer.label} has shape [${b.shape.join(", ")}] but the array's chunks say [${want.join(", ")}]; ` +
        `if a mapBlocks function changes block shapes, pass the output chunks (the \`chunks\` option)`,
    );
  }
}

function assembleUnknown(x: LazyArray, results: ReadonlyMap<Key, unknown>): NDArray {
  const nb = x.numBlocks;
  const sizes: number[][] = nb.map((n) => new Array(n).fill(NaN));
  for (const idx of blockIndices(nb)) {
    const b = results.get(x.layer.key(idx)) as Block;
    idx.forEach((i, a) => {
      const s = b.shape[a];
      if (!Number.isNaN(sizes[a][i]) && sizes[a][i] !== s) {
        throw new ValueError(`blocks of ${x.layer.label} along axis ${a} disagree on their size (${sizes[a][i]} and ${s})`);
      }
      sizes[a][i] = s;
    });
  }
  const known = sizes as Chunks;
  const out = resultBlock(x.dtype, shapeOfChunks(known));
  const offs = known.map((c) => cumulative(c));
  for (const idx of blockIndices(nb)) {
    copyInto(out, idx.map((i, a) => offs[a][i]), results.get(x.layer.key(idx)) as Block);
  }
  return tagDType(toNDArray(out), x.dtype);
}

function outputKeys(arrays: readonly LazyArray[]): Key[] {
  const keys: Key[] = [];
  const seen = new Set<string>();
  for (const a of arrays) {
    if (seen.has(a.name)) continue;
    seen.add(a.name);
    for (const k of a.layer.keys()) keys.push(k);
  }
  return keys;
}

type ComputeArgs = [arrays: readonly LazyArray[], opts?: ComputeOptions] | LazyArray[] | [...arrays: LazyArray[], opts: ComputeOptions];

/** Split `compute(a, b, opts)` / `compute([a, b], opts)` into arrays and options. */
function computeArgs(args: ComputeArgs, where: string): { arrays: LazyArray[]; opts: ComputeOptions } {
  let list: unknown[] = args;
  let opts: ComputeOptions = {};
  if (Array.isArray(list[0])) {
    if (list.length > 2) throw new TypeError(`${where}: give the arrays as one list or one by one, not both`);
    opts = (list[1] as ComputeOptions | undefined) ?? {};
    list = list[0] as unknown[];
  } else if (list.length && !(list[list.length - 1] instanceof LazyArray)) {
    opts = list[list.length - 1] as ComputeOptions;
    list = list.slice(0, -1);
  }
  list.forEach((a, i) => {
    if (!(a instanceof LazyArray)) {
      throw new TypeError(`${where}: argument ${i} is not a LazyArray (${a === null ? "null" : typeof a}); wrap in-memory data with lazy.fromArray`);
    }
  });
  if (opts === null || typeof opts !== "object") throw new TypeError(`${where}: options must be an object`);
  if (where !== "computeSync") opts = withSessionScheduler(opts);
  checkScheduler(opts);
  return { arrays: list as LazyArray[], opts };
}

function planFor(arrays: readonly LazyArray[], opts: ComputeOptions) {
  return plan(
    arrays.map((a) => a.layer),
    outputKeys(arrays),
    opts.optimize ?? true,
  );
}

/**
 * Compute several arrays in one pass over their shared graph (dask.compute): `compute(a, b)`,
 * `compute(a, b, {onProgress})` or `compute([a, b], opts)`. Resolves to one ndarray per array.
 */
export async function compute(...args: ComputeArgs): Promise<NDArray[]> {
  const { arrays, opts: given } = computeArgs(args, "compute");
  checkResultsFit(arrays);
  return observed(given, async (opts) => {
    const p = planFor(arrays, opts);
    const results = await runPlan(p, opts);
    return arrays.map((a) => assemble(a, results));
  });
}

/** compute() on this thread, returning at once (the "sync" scheduler; no worker threads). */
export function computeSync(...args: ComputeArgs): NDArray[] {
  const { arrays, opts } = computeArgs(args, "computeSync");
  if (opts.scheduler !== undefined && opts.scheduler !== "sync") throw new TypeError(`computeSync: the ${JSON.stringify(opts.scheduler)} scheduler needs \`await compute(...)\``);
  checkResultsFit(arrays);
  return observedSync(opts, (o) => {
    const results = executeSync(planFor(arrays, o), o);
    return arrays.map((a) => assemble(a, results));
  });
}

/** Run a plan on the scheduler `o` names: threads (default), sync, or a registered one ("dask"). */
function runPlan(p: Plan, o: ComputeOptions, sink?: OutputSink): Promise<Map<Key, unknown>> {
  const s = o.scheduler ?? "threads";
  if (s === "threads") return executeThreads(p, o, sink);
  if (s === "sync") return executeAsync(p, o, sink);
  return (registeredScheduler(s) as NonNullable<ReturnType<typeof registeredScheduler>>)(p, o, sink);
}

async function store(x: LazyArray, sink: BlockSink, given: ComputeOptions): Promise<void> {
  if (typeof sink !== "function") throw new TypeError("store: the sink must be a function (block, info) => void | Promise<void>");
  const opts = withSessionScheduler(given);
  checkScheduler(opts);
  const offs = x.chunks.map((c) => cumulative(c));
  const onOutput = (key: Key, value: unknown) => {
    const idx = parseKey(key).index;
    const b = value as Block;
    checkBlock(x, idx, b);
    const info: StoreBlockInfo = {
      chunkLocation: idx,
      numChunks: x.numBlocks,
      arrayLocation: idx.map((i, a) => [offs[a][i], offs[a][i + 1]]),
      shape: x.shape.slice(),
    };
    return sink(toNDArray(b), info);
  };
  await observed(opts, async (o) => {
    const p = planFor([x], o);
    await runPlan(p, o, onOutput);
  });
}

function checkScheduler(opts: ComputeOptions): void {
  const s = opts.scheduler ?? "sync";
  if (s !== "sync" && s !== "threads" && !registeredScheduler(s)) {
    throw new TypeError(`compute: unknown scheduler ${JSON.stringify(s)}; use "sync", "threads" or "dask"`);
  }
  checkNumWorkers(opts.numWorkers);
}

/** numWorkers must be a positive integer (0, negative or fractional counts would start no worker and wait forever). */
export function checkNumWorkers(n: unknown): void {
  if (n === undefined) return;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new RangeError(
      `compute: numWorkers must be a positive integer (worker threads for the "threads" scheduler), got ${typeof n === "number" ? String(n) : JSON.stringify(n) ?? String(n)}; ` +
        `omit it for one per core, or use scheduler "sync" to run on this thread only`,
    );
  }
}

/** Throw the standard unknown-chunks error if `x` has NaN chunk sizes. */
export function requireKnownChunks(x: LazyArray, operation: string): void {
  assertKnownChunks(x.chunks, operation);
}

export { UnknownChunksError };
