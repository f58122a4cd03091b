/**
 * Reduction kernels (dask's tree reduction, built by lazy/ops/reduction.ts): the chunk step on
 * every block (with an elementwise expression fused into it by the pass here), the arg-reductions'
 * chunk step with global indices, and the combine and aggregate steps over partials.
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
import { Block, cStrides } from "../core/block";
import { DType, allocate, castValue, isBig, isBool, isFloat } from "../core/dtype";
import { dependentsCount, registerKernel, registerPass } from "../graph/graph";
import { ElementwiseParams, evaluateScratch } from "./elementwise";
import { Expr } from "../ops/elementwise";
import { BigAcc, ScanOp, bigInit, bigScan, fusedInput, maxAbsOf, scan, INIT, keptShape, sizeOfShape } from "./reduction-scan";
import { ValueError } from "../core/errors";

export type ReductionKind = "sum" | "prod" | "mean" | "min" | "max" | "var" | "std" | "any" | "all";
export type ArgKind = "argmax" | "argmin";
export type AnyKind = ReductionKind | ArgKind;


/** The intermediate value of a reduction for one block of the (kept-shape) output. */
export interface Partial {
  /** Input elements reduced into each value. */
  n: number;
  /** Shape of the block with the reduced axes set to 1. */
  shape: number[];
  /**
   * sum / product / min / max / any / all (0 or 1) / mean's sum / var's mean / arg's value: float64,
   * or bigints for 64-bit integer accumulators (sums and products of integers, min / max / arg of
   * int64 / uint64).
   */
  v: Float64Array | BigInt64Array | BigUint64Array;
  /** var / std: sum of squared deviations from `v`. */
  m2?: Float64Array;
  /** argmax / argmin: index (into the flattened array, or along the axis) of `v`; -1 when empty. */
  i?: Float64Array;
}

export interface ChunkParams {
  /** An elementwise expression fused into this task: the block is evaluated from the inputs first. */
  pre?: Expr;
  kind: ReductionKind;
  /** Per axis: reduced or not. */
  reduced: boolean[];
  /** A 64-bit integer accumulator (integer sums / products; min / max of int64 / uint64). */
  acc?: "int64" | "uint64";
}

function bigChunkPartial(inputs: unknown[], p: ChunkParams, acc: "int64" | "uint64"): Partial {
  const op = p.kind as "sum" | "prod" | "max" | "min";
  const b = chunkInput(inputs, p.pre);
  const shape = keptShape(b.shape, p.reduced);
  const size = sizeOfShape(shape);
  let n = 1;
  b.shape.forEach((s, a) => {
    if (p.reduced[a]) n *= s;
  });
  const v: BigAcc = acc === "int64" ? new BigInt64Array(size) : new BigUint64Array(size);
  const m = maxAbsOf(b.data);
  if (op === "sum" && m !== null && n * m < 2 ** 53) {
    // small integers: the float64 scan is exact here (every partial sum stays below 2^53)
    const f = allocate("float64", size, false) as Float64Array;
    scan("sum", b, p.reduced, f, null);
    for (let k = 0; k < size; k++) v[k] = BigInt(f[k]);
    return { n, shape, v };
  }
  const init = bigInit(op, acc);
  if (init !== 0n) v.fill(init);
  bigScan(op, b, p.reduced, v);
  return { n, shape, v };
}

function chunkPartial(inputs: unknown[], p: ChunkParams): Partial {
  if (p.acc) return bigChunkPartial(inputs, p, p.acc);
  const kind = p.kind;
  const op: ScanOp = kind === "mean" || kind === "var" || kind === "std" ? "sum" : kind;
  // a fused expression is evaluated inside the scan loop (one pass, nothing stored) when the scan
  // reads the block once; var / std read it twice, so they evaluate it into scratch memory once
  const fused = p.pre && kind !== "var" && kind !== "std" ? fusedInput(op, p.pre, inputs as Block[]) : null;
  const b = fused ? fused.b : chunkInput(inputs, p.pre);
  const shape = keptShape(b.shape, p.reduced);
  const size = sizeOfShape(shape);
  let n = 1;
  b.shape.forEach((s, a) => {
    if (p.reduced[a]) n *= s;
  });
  const v = allocate("float64", size) as Float64Array;
  if (INIT[op] !== 0) v.fill(INIT[op]);
  scan(op, b, p.reduced, v, null, fused ?? undefined);
  if (kind !== "var" && kind !== "std") return { n, shape, v };
  // two passes: the block's mean, then the squared deviations from it
  if (n > 0) for (let k = 0; k < size; k++) v[k] /= n;
  const m2 = allocate("float64", size) as Float64Array;
  scan("sqdev", b, p.reduced, m2, v);
  return { n, shape, v, m2 };
}

/** The block a chunk step reduces: its input, or its fused expression evaluated into scratch memory. */
function chunkInput(inputs: unknown[], pre: Expr | undefined): Block {
  return pre ? evaluateScratch(pre, inputs as Block[]) : (inputs[0] as Block);
}

registerKernel<ChunkParams>("reduction.chunk", (inputs, p) => chunkPartial(inputs, p));

// ---------------------------------------------------------------------------------------------
// Arg-reductions: chunk step with global indices

export interface ArgChunkParams {
  pre?: Expr;
  kind: ArgKind;
  reduced: boolean[];
  /** Per axis: what one step along the axis adds to the global index (flattened: C strides of the
   * whole array; along one axis: 1 on that axis, 0 elsewhere). */
  gx: number[];
  /** Global index of the block's first element. */
  g0: number;
}

function argChunk(b: Block, p: ArgChunkParams): Partial {
  const nd = b.shape.length;
  const shape = keptShape(b.shape, p.reduced);
  const size = sizeOfShape(shape);
  let n = 1;
  b.shape.forEach((s, a) => {
    if (p.reduced[a]) n *= s;
  });
  // int64 / uint64 values are compared as bigints (the comparisons below work on either)
  const v = (b.data instanceof BigInt64Array ? new BigInt64Array(size) : b.data instanceof BigUint64Array ? new BigUint64Array(size) : allocate("float64", size)) as Float64Array;
  const ix = allocate("float64", size) as Float64Array;
  ix.fill(-1);
  if (sizeOfShape(b.shape) > 0) {
    // kept-shape output strides
    const os = new Array<number>(nd);
    let st = 1;
    for (let a = nd - 1; a >= 0; a--) {
      os[a] = p.reduced[a] ? 0 : st;
      st *= shape[a];
    }
    const len = nd ? b.shape.slice() : [1];
    const is = nd ? b.stride.slice() : [0];
    const oss = nd ? os : [0];
    const gx = nd ? p.gx : [0];
    const D = len.length;
    const L = len[D - 1];
    const s = is[D - 1];
    const t = oss[D - 1];
    const gs = gx[D - 1];
    const idx = new Array<number>(D).fill(0);
    const d = b.data as unknown as Float64Array; // or bigints: the same comparisons
    const isMax = p.kind === "argmax";
    let q0 = b.offset;
    let o0 = 0;
    let g0 = p.g0;
    while (true) {
      for (let k = 0, q = q0, o = o0, g = g0; k < L; k++, q += s, o += t, g += gs) {
        const x = d[q];
        const c = v[o];
        if (ix[o] < 0 || (isMax ? x > c : x < c) || (x !== x && c === c)) {
          v[o] = x;
          ix[o] = g;
        }
      }
      let a = D - 2;
      while (a >= 0) {
        idx[a]++;
        q0 += is[a];
        o0 += oss[a];
        g0 += gx[a];
        if (idx[a] < len[a]) break;
        q0 -= is[a] * len[a];
        o0 -= oss[a] * len[a];
        g0 -= gx[a] * len[a];
        idx[a] = 0;
        a--;
      }
      if (a < 0) break;
    }
  }
  return { n, shape, v, i: ix };
}

registerKernel<ArgChunkParams>("reduction.argChunk", (inputs, p) => argChunk(chunkInput(inputs, p.pre), p));

/**
 * Fusion: a chunk step whose input is an elementwise task nobody else reads absorbs its expression,
 * so `((x*2+1)**2).mean()` reads each source block once and never stores the squared block.
 * (Runs after the elementwise chains themselves were fused.)
 */
registerPass((tasks, outputs) => {
  const dependents = dependentsCount(tasks);
  for (const t of tasks.values()) {
    if ((t.op !== "reduction.chunk" && t.op !== "reduction.argChunk") || t.deps.length !== 1) continue;
    const k = t.deps[0];
    const e = tasks.get(k);
    if (!e || e.op !== "elementwise" || outputs.has(k) || dependents.get(k) !== 1) continue;
    t.params = { ...(t.params as ChunkParams), pre: (e.params as ElementwiseParams).expr };
    t.deps = e.deps.slice();
    tasks.delete(k);
  }
}, 20);

// ---------------------------------------------------------------------------------------------
// Combine and aggregate

export interface CombineParams {
  kind: AnyKind;
}

export interface AggregateParams extends CombineParams {
  dtype: DType;
  /** Axes to drop from the output block (keepdims false). */
  drop: number[];
  ddof: number;
}

/** combine for bigint partials (64-bit integer sums / products / min / max, and arg of int64 / uint64). */
function combineBig(parts: readonly Partial[], kind: AnyKind): Partial {
  const first = parts[0];
  const size = first.v.length;
  const v = first.v.slice() as BigAcc;
  const a = v as unknown as { [i: number]: bigint };
  let n = first.n;
  const out: Partial = { n, shape: first.shape.slice(), v };
  if (kind === "argmax" || kind === "argmin") {
    const ix = (first.i as Float64Array).slice();
    const isMax = kind === "argmax";
    for (let j = 1; j < parts.length; j++) {
      const pb = parts[j];
      n += pb.n;
      const vb = pb.v as unknown as { [i: number]: bigint };
      const ib = pb.i as Float64Array;
      for (let k = 0; k < size; k++) {
        const ci = ib[k];
        if (ci < 0) continue;
        const bi = ix[k];
        const x = vb[k];
        const c = a[k];
        if (bi < 0 || (isMax ? x > c || (x === c && ci < bi) : x < c || (x === c && ci < bi))) {
          a[k] = x;
          ix[k] = ci;
        }
      }
    }
    out.i = ix;
    out.n = n;
    return out;
  }
  for (let j = 1; j < parts.length; j++) {
    const pb = parts[j];
    const vb = pb.v as unknown as { [i: number]: bigint };
    n += pb.n;
    switch (kind) {
      case "sum":
        for (let k = 0; k < size; k++) a[k] += vb[k];
        break;
      case "prod":
        for (let k = 0; k < size; k++) a[k] *= vb[k];
        break;
      case "max":
        for (let k = 0; k < size; k++) if (vb[k] > a[k]) a[k] = vb[k];
        break;
      case "min":
        for (let k = 0; k < size; k++) if (vb[k] < a[k]) a[k] = vb[k];
        break;
      default:
        throw new Error(`internal: ${kind} has no bigint partials`);
    }
  }
  out.n = n;
  return out;
}

/** Fold the partials of one group (all of the same kept shape) into a new partial. */
function combine(parts: readonly Partial[], kind: AnyKind): Partial {
  const first = parts[0];
  const size = first.v.length;
  if (!(first.v instanceof Float64Array)) return combineBig(parts, kind);
  const v = allocate("float64", size) as Float64Array;
  v.set(first.v);
  let n = first.n;
  const out: Partial = { n, shape: first.shape.slice(), v };
  if (kind === "var" || kind === "std") {
    const m2 = allocate("float64", size) as Float64Array;
    m2.set(first.m2 as Float64Array);
    for (let j = 1; j < parts.length; j++) {
      const pb = parts[j];
      const nb = pb.n;
      if (nb === 0) continue;
      if (n === 0) {
        v.set(pb.v as Float64Array);
        m2.set(pb.m2 as Float64Array);
        n = nb;
        continue;
      }
      // Chan et al.: merge (n, mean, M2) pairs
      const nt = n + nb;
      const fb = nb / nt;
      const fab = (n * nb) / nt;
      const vb = pb.v as Float64Array;
      const mb = pb.m2 as Float64Array;
      for (let k = 0; k < size; k++) {
        const delta = vb[k] - v[k];
        v[k] += delta * fb;
        m2[k] += mb[k] + delta * delta * fab;
      }
      n = nt;
    }
    out.m2 = m2;
    out.n = n;
    return out;
  }
  if (kind === "argmax" || kind === "argmin") {
    const ix = allocate("float64", size) as Float64Array;
    ix.set(first.i as Float64Array);
    const isMax = kind === "argmax";
    for (let j = 1; j < parts.length; j++) {
      const pb = parts[j];
      n += pb.n;
      const vb = pb.v as Float64Array;
      const ib = pb.i as Float64Array;
      for (let k = 0; k < size; k++) {
        const ci = ib[k];
        if (ci < 0) continue;
        const bi = ix[k];
        const x = vb[k];
        const c = v[k];
        let take: boolean;
        if (bi < 0) take = true;
        else if (x !== x || c !== c) take = c === c || (x !== x && ci < bi); // NaN wins; first NaN
        else take = isMax ? x > c || (x === c && ci < bi) : x < c || (x === c && ci < bi);
        if (take) {
          v[k] = x;
          ix[k] = ci;
        }
      }
    }
    out.i = ix;
    out.n = n;
    return out;
  }
  for (let j = 1; j < parts.length; j++) {
    const pb = parts[j];
    const vb = pb.v as Float64Array;
    n += pb.n;
    switch (kind) {
      case "sum":
      case "mean":
        for (let k = 0; k < size; k++) v[k] += vb[k];
        break;
      case "prod":
        for (let k = 0; k < size; k++) v[k] *= vb[k];
        break;
      case "max":
        for (let k = 0; k < size; k++) {
          const a = v[k];
          const b = vb[k];
          if (b > a || b !== b) v[k] = b;
        }
        break;
      case "min":
        for (let k = 0; k < size; k++) {
          const a = v[k];
          const b = vb[k];
          if (b < a || b !== b) v[k] = b;
        }
        break;
      case "any":
        for (let k = 0; k < size; k++) if (vb[k] !== 0) v[k] = 1;
        break;
      case "all":
        for (let k = 0; k < size; k++) if (vb[k] === 0) v[k] = 0;
        break;
    }
  }
  out.n = n;
  return out;
}

registerKernel<CombineParams>("reduction.combine", (inputs, p) => combine(inputs as Partial[], p.kind));

export const NUMPY_NAME: Record<string, string> = { max: "maximum", min: "minimum" };

function aggregate(parts: readonly Partial[], p: AggregateParams): Block {
  const c = combine(parts, p.kind);
  const shape = c.shape.filter((_, a) => !p.drop.includes(a));
  const size = c.v.length;
  const out = allocate(p.dtype, size);
  const v = c.v;
  const n = c.n;
  const kind = p.kind;
  if (size > 0 && n === 0 && (kind === "max" || kind === "min")) {
    throw new ValueError(`${kind}: zero-size array to reduction operation ${NUMPY_NAME[kind]} which has no identity`);
  }
  if (size > 0 && n === 0 && (kind === "argmax" || kind === "argmin")) {
    throw new ValueError(`${kind}: attempt to get ${kind} of an empty sequence`);
  }
  if (!(v instanceof Float64Array) && kind !== "argmax" && kind !== "argmin") {
    // bigint partials: 64-bit integer results (wrapped again into a narrower integer dtype if asked)
    if (isBig(p.dtype)) (out as BigAcc).set(v);
    else if (isFloat(p.dtype)) for (let k = 0; k < size; k++) out[k] = castValue(p.dtype, v[k]) as number;
    else if (isBool(p.dtype)) for (let k = 0; k < size; k++) out[k] = v[k] !== 0n ? 1 : 0;
    else for (let k = 0; k < size; k++) out[k] = Number(BigInt.asIntN(32, v[k]));
    return { data: out, shape, stride: cStrides(shape), offset: 0 };
  }
  let src = v as Float64Array;
  if (kind === "mean") {
    src = allocate("float64", size) as Float64Array;
    for (let k = 0; k < size; k++) src[k] = (v as Float64Array)[k] / n;
  } else if (kind === "var" || kind === "std") {
    const m2 = c.m2 as Float64Array;
    const den = Math.max(n - p.ddof, 0);
    src = allocate("float64", size) as Float64Array;
    for (let k = 0; k < size; k++) src[k] = kind === "std" ? Math.sqrt(m2[k] / den) : m2[k] / den;
  } else if (kind === "argmax" || kind === "argmin") {
    src = c.i as Float64Array;
  }
  if (p.dtype === "bool") {
    for (let k = 0; k < size; k++) out[k] = src[k] !== 0 ? 1 : 0;
  } else if (isFloat(p.dtype)) {
    (out as Float64Array).set(src);
  } else if (isBig(p.dtype)) {
    const w = out as BigAcc;
    for (let k = 0; k < size; k++) w[k] = castValue(p.dtype, src[k]) as bigint;
  } else {
    // integer dtypes: truncation toward zero and wrap-around (typed-array conversion), NaN -> 0
    for (let k = 0; k < size; k++) out[k] = src[k];
  }
  return { data: out, shape, stride: cStrides(shape), offset: 0 };
}


registerKernel<AggregateParams>("reduction.aggregate", (inputs, p) => aggregate(inputs as Partial[], p));
