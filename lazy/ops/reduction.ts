/**
 * Reductions as dask's tree reduction (dask/array/reductions.py): a "chunk" step on every block
 * (reduced axes kept with length 1), then `combine` over groups of `splitEvery` blocks per reduced
 * axis, repeated until one block per reduced axis is left, then `aggregate`, which combines the last
 * group and produces the output block. Each stage is one symbolic layer; a task lists exactly the
 * blocks it reads, so culling works.
 *
 * Intermediate layers have dtype "object": their values are `Partial`s, plain objects of typed
 * arrays and numbers (structured-clone friendly). Every partial holds the values of one block of
 * the output laid out in C order over its "kept" shape (the block's shape with 1 on reduced axes),
 * and `n`, the number of input elements reduced into each value (the same for every position).
 *
 * Accumulation is in float64 (float sums, products, moments; means of integers); float32 results
 * are rounded at the end. Integer sums and products accumulate in int64 / uint64 (numpy's
 * accumulator types: bool / int8-32 -> int64, uint8-32 -> uint64), exactly and wrapping around as
 * numpy does: in BigInt64Array / BigUint64Array partials (whose stores wrap modulo 2^64), with a
 * float64 scan first where it is exact (small integers: n * max|x| < 2^53). min / max / argmax /
 * argmin of int64 / uint64 compare bigints. var/std combine moments with Chan's parallel formula
 * (n, mean, M2).
 */
import { Chunks, UnknownChunksError, cumulative, normalizeAxes, normalizeAxis } from "../core/chunks";
import { DType, checkDType, isBig, isFloat, isInteger, isUnsigned, objectNotSupported } from "../core/dtype";
import { Key, Layer, Task } from "../graph/graph";
import { LazyArray, ReduceOptions, VarOptions, ArgReduceOptions } from "../core/array";
import { ReductionKind, ArgKind, ChunkParams, ArgChunkParams, CombineParams, AggregateParams, NUMPY_NAME } from "../kernels/reduction";
import { TypeError, ValueError } from "../core/errors";

export type { ReductionKind, ArgKind, Partial } from "../kernels/reduction";

/** dask's default `split_every` (config "split_every"). */
export const DEFAULT_SPLIT_EVERY = 4;

// ---------------------------------------------------------------------------------------------
// Building the tree

/** dask's split_every normalisation: blocks combined per reduced axis at each level. */
export function normalizeSplitEvery(
  splitEvery: ReduceOptions["splitEvery"],
  axes: readonly number[],
  ndim: number,
  what: string,
): Record<number, number> {
  const out: Record<number, number> = {};
  const s = splitEvery ?? DEFAULT_SPLIT_EVERY;
  if (typeof s === "number") {
    if (!Number.isInteger(s) || s < 2) {
      throw new ValueError(`${what}: splitEvery must be an integer >= 2 (blocks combined per step), got ${s}`);
    }
    const n = Math.max(Math.floor(Math.pow(s, 1 / (axes.length || 1))), 2);
    for (const a of axes) out[a] = n;
    return out;
  }
  if (typeof s !== "object" || s === null || Array.isArray(s)) {
    throw new TypeError(`${what}: splitEvery must be a number or an object {axis: blocks}, got ${JSON.stringify(s)}`);
  }
  const given: Record<number, number> = {};
  for (const [k, val] of Object.entries(s)) {
    const a = normalizeAxis(Number(k), ndim, `${what}: splitEvery axis`);
    if (typeof val !== "number" || !Number.isInteger(val) || val < 2) {
      throw new ValueError(`${what}: splitEvery[${k}] must be an integer >= 2, got ${JSON.stringify(val)}`);
    }
    given[a] = val;
  }
  for (const a of axes) out[a] = given[a] ?? 2;
  return out;
}

interface TreeSpec {
  x: LazyArray;
  label: string;
  axes: number[];
  keepdims: boolean;
  split: Record<number, number>;
  dtype: DType;
  /** The chunk task's kernel and parameters for input block `index`. */
  chunk: (index: readonly number[]) => { op: string; params: unknown };
  aggregate: AggregateParams;
}

/** Blocks of the group `index` of a layer with `numBlocks`, grouping `split[a]` blocks per reduced axis. */
function groupKeys(prev: Layer, index: readonly number[], split: Record<number, number>, reduced: readonly boolean[]): Key[] {
  const nd = index.length;
  const lo = new Array<number>(nd);
  const hi = new Array<number>(nd);
  for (let a = 0; a < nd; a++) {
    if (reduced[a]) {
      lo[a] = index[a] * split[a];
      hi[a] = Math.min(lo[a] + split[a], prev.numBlocks[a]);
    } else {
      lo[a] = index[a];
      hi[a] = index[a] + 1;
    }
  }
  const keys: Key[] = [];
  const cur = lo.slice();
  if (nd === 0) return [prev.key([])];
  while (true) {
    keys.push(prev.key(cur));
    let a = nd - 1;
    while (a >= 0) {
      cur[a]++;
      if (cur[a] < hi[a]) break;
      cur[a] = lo[a];
      a--;
    }
    if (a < 0) return keys;
  }
}

function buildTree(t: TreeSpec): LazyArray {
  const { x, axes, split, label } = t;
  const nd = x.ndim;
  const reduced = Array.from({ length: nd }, (_, a) => axes.includes(a));
  const ones = (k: number) => new Array<number>(k).fill(1);

  // chunk layer: one task per input block
  const chunkChunks: Chunks = x.chunks.map((c, a) => (reduced[a] ? ones(c.length) : c.slice()));
  let prev = new Layer({
    kind: "reduction",
    label,
    chunks: chunkChunks,
    dtype: "object",
    summaryDtype: t.dtype,
    dependencies: [x.layer],
    task: (index, key): Task => {
      const c = t.chunk(index);
      return { key, op: c.op, params: c.params, deps: [x.layer.key(index)] };
    },
  });

  // depth as dask: max over reduced axes of ceil(log_split(numblocks))
  let depth = 1;
  for (const a of axes) {
    const nb = x.numBlocks[a];
    if (split[a] !== 1) depth = Math.max(depth, Math.ceil(Math.log(nb) / Math.log(split[a])));
  }
  const combineParams: CombineParams = { kind: t.aggregate.kind };
  for (let level = 0; level < depth - 1; level++) {
    const p = prev;
    const chunks: Chunks = p.chunks.map((c, a) => (reduced[a] ? ones(Math.ceil(c.length / split[a])) : c.slice()));
    prev = new Layer({
      kind: "reduction",
      label: `${label}-partial`,
      chunks,
      dtype: "object",
      summaryDtype: t.dtype,
      dependencies: [p],
      task: (index, key): Task => ({ key, op: "reduction.combine", params: combineParams, deps: groupKeys(p, index, split, reduced) }),
    });
  }

  // aggregate: one group per output block, covering every remaining block along the reduced axes
  const last = prev;
  const allSplit: Record<number, number> = {};
  for (const a of axes) allSplit[a] = Math.max(last.numBlocks[a], 1);
  const outChunks: number[][] = [];
  for (let a = 0; a < nd; a++) {
    if (!reduced[a]) outChunks.push(x.chunks[a].slice());
    else if (t.keepdims) outChunks.push([1]);
  }
  const agg = new Layer({
    kind: "reduction",
    label: `${label}-aggregate`,
    chunks: outChunks,
    dtype: t.dtype,
    dependencies: [last],
    task: (index, key): Task => {
      const full: number[] = [];
      let k = 0;
      for (let a = 0; a < nd; a++) {
        if (reduced[a]) {
          full.push(0);
          if (t.keepdims) k++;
        } else full.push(index[k++]);
      }
      return { key, op: "reduction.aggregate", params: t.aggregate, deps: groupKeys(last, full, allSplit, reduced) };
    },
  });
  return new LazyArray(agg);
}

// ---------------------------------------------------------------------------------------------
// dtypes and validation

function resultDType(kind: ReductionKind, d: DType): DType {
  switch (kind) {
    case "sum":
    case "prod":
      // numpy's accumulator types: bool and signed integers -> int64, unsigned -> uint64
      if (isFloat(d)) return d;
      return isUnsigned(d) ? "uint64" : "int64";
    case "mean":
    case "var":
    case "std":
      return d === "float32" ? "float32" : "float64";
    case "min":
    case "max":
      return d;
    case "any":
    case "all":
      return "bool";
  }
}

const KINDS: readonly string[] = ["sum", "prod", "mean", "min", "max", "var", "std", "any", "all"];

function checkKeepdims(v: unknown, what: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new TypeError(`${what}: keepdims must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function reducedSize(x: LazyArray, axes: readonly number[]): number {
  let n = 1;
  for (const a of axes) n *= x.shape[a];
  return n;
}

/** sum, prod, mean, min, max, var, std, any, all over `opts.axis` (all axes by default). */
export function reduce(x: LazyArray, kind: ReductionKind, opts: ReduceOptions & VarOptions): LazyArray {
  if (!KINDS.includes(kind)) throw new TypeError(`reduce: unknown reduction ${JSON.stringify(kind)}; expected one of ${KINDS.join(", ")}`);
  if (x.dtype === "object") throw objectNotSupported(kind);
  const o = opts ?? {};
  const axes = normalizeAxesFor(kind, o.axis, x.ndim);
  const keepdims = checkKeepdims(o.keepdims, kind);
  const split = normalizeSplitEvery(o.splitEvery, axes, x.ndim, kind);
  let dtype = resultDType(kind, x.dtype);
  if (o.dtype !== undefined && o.dtype !== null) {
    if (kind === "min" || kind === "max" || kind === "any" || kind === "all") {
      throw new TypeError(`${kind}: the dtype option applies to sum, prod, mean, var and std only; use .astype() on the result instead`);
    }
    dtype = checkDType(o.dtype, `${kind}: dtype`);
  }
  let ddof = 0;
  if (kind === "var" || kind === "std") {
    if (o.ddof !== undefined && o.ddof !== null) {
      if (typeof o.ddof !== "number" || !Number.isFinite(o.ddof)) {
        throw new TypeError(`${kind}: ddof (delta degrees of freedom) must be a finite number, got ${JSON.stringify(o.ddof) ?? String(o.ddof)}`);
      }
      ddof = o.ddof;
    }
  }
  if ((kind === "min" || kind === "max") && reducedSize(x, axes) === 0) {
    const zero = axes.filter((a) => x.shape[a] === 0);
    throw new ValueError(
      `${kind}: zero-size array to reduction operation ${NUMPY_NAME[kind]} which has no identity ` +
        `(axis ${zero.join(", ")} of shape [${x.shape.join(", ")}] has length 0)`,
    );
  }
  const reduced = Array.from({ length: x.ndim }, (_, a) => axes.includes(a));
  // 64-bit integer accumulation (exact, wrapping): integer sums / products (a narrower integer
  // dtype asked for wraps the same modulo 2^64 result), min / max of int64 / uint64
  let acc: ChunkParams["acc"];
  if ((kind === "sum" || kind === "prod") && isInteger(dtype)) acc = isUnsigned(dtype) ? "uint64" : "int64";
  else if ((kind === "min" || kind === "max") && isBig(x.dtype)) acc = x.dtype as "int64" | "uint64";
  const chunkParams: ChunkParams = acc ? { kind, reduced, acc } : { kind, reduced };
  return buildTree({
    x,
    label: kind,
    axes,
    keepdims,
    split,
    dtype,
    chunk: () => ({ op: "reduction.chunk", params: chunkParams }),
    aggregate: { kind, dtype, drop: keepdims ? [] : axes, ddof },
  });
}

function normalizeAxesFor(kind: string, axis: ReduceOptions["axis"], ndim: number): number[] {
  if (axis !== undefined && axis !== null && typeof axis !== "number" && !Array.isArray(axis)) {
    throw new TypeError(`${kind}: axis must be an integer, a list of integers or null, got ${JSON.stringify(axis)}`);
  }
  try {
    return normalizeAxes(axis, ndim);
  } catch (e) {
    if (e instanceof RangeError) throw new ValueError(`${kind}: ${e.message}`);
    throw e;
  }
}

const INDEX_LIMIT = 2 ** 53;

/**
 * argmax / argmin over one axis, or over the flattened array (axis null / omitted: the index into
 * the C-order flattened array, as numpy). Ties and NaNs as numpy: the first occurrence wins, and
 * the first NaN wins over any number. Indices are int64, as numpy's.
 */
export function argReduce(x: LazyArray, kind: ArgKind, opts: ArgReduceOptions): LazyArray {
  if (kind !== "argmax" && kind !== "argmin") throw new TypeError(`argReduce: unknown reduction ${JSON.stringify(kind)}; expected argmax or argmin`);
  if (x.dtype === "object") throw objectNotSupported(kind);
  const o = opts ?? {};
  const keepdims = checkKeepdims(o.keepdims, kind);
  const nd = x.ndim;
  let axes: number[];
  let ravel: boolean;
  if (o.axis === undefined || o.axis === null) {
    axes = Array.from({ length: nd }, (_, a) => a);
    ravel = true;
  } else if (typeof o.axis === "number") {
    axes = [normalizeAxesFor(kind, o.axis, nd)[0]];
    ravel = nd === 1;
  } else {
    throw new TypeError(`${kind}: axis must be a single integer or null (the flattened array), got ${JSON.stringify(o.axis)}`);
  }
  const split = normalizeSplitEvery(o.splitEvery, axes, nd, kind);
  const chunks = x.chunks;
  if (ravel) {
    if (chunks.some((c) => c.some(Number.isNaN)) && !(nd === 1 && chunks[0].length === 1)) throw new UnknownChunksError(kind);
  } else if (chunks[axes[0]].length > 1 && chunks[axes[0]].some(Number.isNaN)) {
    throw new UnknownChunksError(kind);
  }
  const size = ravel ? reducedSize(x, axes) : x.shape[axes[0]];
  if (size >= INDEX_LIMIT) {
    throw new ValueError(`${kind}: the ${ravel ? "flattened array" : `axis ${axes[0]}`} has ${size} elements, more than indices are tracked for (2^53)`);
  }
  if (reducedSize(x, axes) === 0) {
    throw new ValueError(`${kind}: attempt to get ${kind} of an empty sequence (shape [${x.shape.join(", ")}])`);
  }
  const reduced = Array.from({ length: nd }, (_, a) => axes.includes(a));
  // per-axis global index steps
  const gx = new Array<number>(nd).fill(0);
  if (ravel) {
    let st = 1;
    for (let a = nd - 1; a >= 0; a--) {
      gx[a] = st;
      st *= x.shape[a];
    }
  } else gx[axes[0]] = 1;
  const offs = chunks.map((c, a) => (gx[a] !== 0 ? cumulative(c) : null));
  return buildTree({
    x,
    label: kind,
    axes,
    keepdims,
    split,
    dtype: "int64",
    chunk: (index) => {
      let g0 = 0;
      for (let a = 0; a < nd; a++) if (gx[a] !== 0) g0 += (offs[a] as number[])[index[a]] * gx[a];
      return { op: "reduction.argChunk", params: { kind, reduced, gx, g0 } satisfies ArgChunkParams };
    },
    aggregate: { kind, dtype: "int64", drop: keepdims ? [] : axes, ddof: 0 },
  });
}
