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
 * Accumulation is in float64 (sums, products, moments); float32 results are rounded at the end.
 * var/std combine moments with Chan's parallel formula (n, mean, M2).
 */
import { Block, cStrides } from "../core/block";
import { Chunks, UnknownChunksError, cumulative, normalizeAxes, normalizeAxis } from "../core/chunks";
import { DType, TypedArray, allocate, checkDType, isFloat, objectNotSupported } from "../core/dtype";
import { Key, Layer, Task, dependentsCount, registerKernel, registerPass } from "../graph/graph";
import { ElementwiseParams, blockBroadcastShape, broadcastStrides, codeOf, evaluateScratch, exprKey, withHelpers } from "../kernels/elementwise";
import { Expr } from "./elementwise";
import { LazyArray, ReduceOptions, VarOptions, ArgReduceOptions } from "../core/array";

export type ReductionKind = "sum" | "prod" | "mean" | "min" | "max" | "var" | "std" | "any" | "all";
export type ArgKind = "argmax" | "argmin";
type AnyKind = ReductionKind | ArgKind;

/** dask's default `split_every` (config "split_every"). */
export const DEFAULT_SPLIT_EVERY = 4;

/** The intermediate value of a reduction for one block of the (kept-shape) output. */
export interface Partial {
  /** Input elements reduced into each value. */
  n: number;
  /** Shape of the block with the reduced axes set to 1. */
  shape: number[];
  /** sum / product / min / max / any / all (0 or 1) / mean's sum / var's mean / arg's value. */
  v: Float64Array;
  /** var / std: sum of squared deviations from `v`. */
  m2?: Float64Array;
  /** argmax / argmin: index (into the flattened array, or along the axis) of `v`; -1 when empty. */
  i?: Float64Array;
}

// ---------------------------------------------------------------------------------------------
// Chunk step: generated scan loops, one per (operation, typed-array type), so each loop's element
// reads stay monomorphic.

type ScanOp = "sum" | "prod" | "max" | "min" | "any" | "all" | "sqdev";

type ScanFn = (
  d: ArrayLike<number>,
  off: number,
  len: number[],
  is: number[],
  os: number[],
  acc: Float64Array,
  mu: Float64Array | null,
  ins?: TypedArray[],
  dl?: number[],
) => void;

interface Snippets {
  init: string;
  /** Fold element `x` into row accumulator `r`. */
  step: (r: string, x: string) => string;
  /** Merge the four row accumulators r0..r3 into an expression. */
  merge: string;
  /** Fold the row result `r` into acc[oj]. */
  apply: string;
  /** Fold element `x` into acc[oj + k]. */
  elem: string;
  /** Fold elements x0..x3 (the same position of four rows) into acc[oj + k]. */
  elem4: string;
  /** Optionally, eight rows at a time (x0..x7). */
  elem8?: string;
}

const NANMAX = "((a, b) => (a !== a || b !== b ? NaN : a > b ? a : b))";
const NANMIN = "((a, b) => (a !== a || b !== b ? NaN : a < b ? a : b))";

const SNIPPETS: Record<ScanOp, Snippets> = {
  sum: {
    init: "0",
    step: (r, x) => `${r} += ${x};`,
    merge: "(r0 + r1) + (r2 + r3)",
    apply: "acc[oj] += r;",
    elem: "acc[oj + k] += x;",
    elem4: "acc[oj + k] += (x0 + x1) + (x2 + x3);",
    elem8: "acc[oj + k] += ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));",
  },
  prod: {
    init: "1",
    step: (r, x) => `${r} *= ${x};`,
    merge: "(r0 * r1) * (r2 * r3)",
    apply: "acc[oj] *= r;",
    elem: "acc[oj + k] *= x;",
    elem4: "acc[oj + k] *= (x0 * x1) * (x2 * x3);",
  },
  max: {
    init: "-Infinity",
    step: (r, x) => `{ const y = ${x}; ${r} = y > ${r} || y !== y ? y : ${r}; }`,
    merge: "nanmax(nanmax(r0, r1), nanmax(r2, r3))",
    apply: "acc[oj] = nanmax(acc[oj], r);",
    elem: "{ const c = acc[oj + k]; if (x > c || x !== x) acc[oj + k] = x; }",
    elem4: "{ const x = nanmax(nanmax(x0, x1), nanmax(x2, x3)); const c = acc[oj + k]; if (x > c || x !== x) acc[oj + k] = x; }",
  },
  min: {
    init: "Infinity",
    step: (r, x) => `{ const y = ${x}; ${r} = y < ${r} || y !== y ? y : ${r}; }`,
    merge: "nanmin(nanmin(r0, r1), nanmin(r2, r3))",
    apply: "acc[oj] = nanmin(acc[oj], r);",
    elem: "{ const c = acc[oj + k]; if (x < c || x !== x) acc[oj + k] = x; }",
    elem4: "{ const x = nanmin(nanmin(x0, x1), nanmin(x2, x3)); const c = acc[oj + k]; if (x < c || x !== x) acc[oj + k] = x; }",
  },
  any: {
    init: "0",
    step: (r, x) => `if (${x} !== 0) ${r} = 1;`,
    merge: "r0 | r1 | r2 | r3",
    apply: "if (r !== 0) acc[oj] = 1;",
    elem: "if (x !== 0) acc[oj + k] = 1;",
    elem4: "if (x0 !== 0 || x1 !== 0 || x2 !== 0 || x3 !== 0) acc[oj + k] = 1;",
  },
  all: {
    init: "1",
    step: (r, x) => `if (${x} === 0) ${r} = 0;`,
    merge: "r0 & r1 & r2 & r3",
    apply: "if (r === 0) acc[oj] = 0;",
    elem: "if (x === 0) acc[oj + k] = 0;",
    elem4: "if (x0 === 0 || x1 === 0 || x2 === 0 || x3 === 0) acc[oj + k] = 0;",
  },
  sqdev: {
    init: "0",
    step: (r, x) => `{ const y = ${x} - m; ${r} += y * y; }`,
    merge: "(r0 + r1) + (r2 + r3)",
    apply: "acc[oj] += r;",
    elem: "{ const y = x - mu[oj + k]; acc[oj + k] += y * y; }",
    elem4:
      "{ const m = mu[oj + k]; const y0 = x0 - m, y1 = x1 - m, y2 = x2 - m, y3 = x3 - m; acc[oj + k] += (y0 * y0 + y1 * y1) + (y2 * y2 + y3 * y3); }",
  },
};

/** `acc[oj + k]` / `mu[oj + k]` of a snippet moved to the next position (k + 1). */
function nextK(snippet: string): string {
  return snippet.replace(/oj \+ k\b/g, "oj + k + 1");
}

/**
 * The scan loop of `op`. `R(q)` is the code of the element at position `q` of the scanned block:
 * `d[q]` for a plain block, or a fused elementwise expression whose inputs are read at `q` (plus
 * their offset from the block's) with `decl` declaring what it reads.
 */
function scanSource(op: ScanOp, R: (q: string) => string = (q) => `d[${q}]`, decl = ""): string {
  const s = SNIPPETS[op];
  // len/is/os: merged axes, innermost last. The innermost axis is either reduced (os 0: each row
  // folds into one value, with four accumulators) or kept (os 1: rows accumulate into a row of
  // acc; when the next axis is reduced too, four or eight rows at a time). The axis before the
  // innermost is looped directly; the axes before it by an odometer. A contiguous innermost axis
  // (stride 1, the usual case) has its own loops with constant offsets, and the kept case takes two
  // positions per iteration (fewer loop and index operations; the same additions in the same order).
  const rows = (n: number, q: string, ms: (r: number) => string) =>
    Array.from({ length: n }, (_, r) => `x${r} = ${R(r === 0 ? q : `${q} + ${ms(r)}`)}`).join(", ");
  const msv = (r: number) => (r === 1 ? "ms" : `m${r}`);
  const kept = (n: number, snippet: string) => `
        if (s === 1) {
          let k = 0, q = pj;
          for (; k + 1 < L; k += 2, q += 2) {
            { const ${rows(n, "q", msv)}; ${snippet} }
            { const ${rows(n, "q + 1", msv)}; ${nextK(snippet)} }
          }
          if (k < L) { const ${rows(n, "q", msv)}; ${snippet} }
        } else {
          for (let k = 0, q = pj; k < L; k++, q += s) { const ${rows(n, "q", msv)}; ${snippet} }
        }`;
  return `"use strict";
const nanmax = ${NANMAX};
const nanmin = ${NANMIN};
return function scan(d, off, len, is, os, acc, mu, ins, dl) {
  ${decl}
  const D = len.length;
  const L = len[D - 1], s = is[D - 1], t = os[D - 1];
  const M = D >= 2 ? len[D - 2] : 1, ms = D >= 2 ? is[D - 2] : 0, mo = D >= 2 ? os[D - 2] : 0;
  const E = D - 2;
  const idx = new Array(E > 0 ? E : 0).fill(0);
  let p = off, o = 0;
  const s2 = 2 * s, s3 = 3 * s, s4 = 4 * s;
  const m2 = 2 * ms, m3 = 3 * ms, m4 = 4 * ms;
  const m5 = 5 * ms, m6 = 6 * ms, m7 = 7 * ms, m8 = 8 * ms;
  while (true) {
    if (t === 0) {
      for (let j = 0, pj = p, oj = o; j < M; j++, pj += ms, oj += mo) {
        ${op === "sqdev" ? "const m = mu[oj];" : ""}
        let r0 = ${s.init}, r1 = ${s.init}, r2 = ${s.init}, r3 = ${s.init};
        let k = 0, q = pj;
        if (s === 1) {
          for (; k + 3 < L; k += 4, q += 4) {
            ${s.step("r0", R("q"))}
            ${s.step("r1", R("q + 1"))}
            ${s.step("r2", R("q + 2"))}
            ${s.step("r3", R("q + 3"))}
          }
        } else {
          for (; k + 3 < L; k += 4, q += s4) {
            ${s.step("r0", R("q"))}
            ${s.step("r1", R("q + s"))}
            ${s.step("r2", R("q + s2"))}
            ${s.step("r3", R("q + s3"))}
          }
        }
        for (; k < L; k++, q += s) { ${s.step("r0", R("q"))} }
        const r = ${s.merge};
        ${s.apply}
      }
    } else if (mo === 0) {
      const oj = o;
      let j = 0, pj = p;
      ${s.elem8 ? `for (; j + 7 < M; j += 8, pj += m8) {${kept(8, s.elem8)}
      }` : ""}
      for (; j + 3 < M; j += 4, pj += m4) {${kept(4, s.elem4)}
      }
      for (; j < M; j++, pj += ms) {
        for (let k = 0, q = pj; k < L; k++, q += s) { const x = ${R("q")}; ${s.elem} }
      }
    } else {
      for (let j = 0, pj = p, oj = o; j < M; j++, pj += ms, oj += mo) {
        for (let k = 0, q = pj; k < L; k++, q += s) { const x = ${R("q")}; ${s.elem} }
      }
    }
    let a = E - 1;
    while (a >= 0) {
      idx[a]++;
      p += is[a];
      o += os[a];
      if (idx[a] < len[a]) break;
      p -= is[a] * len[a];
      o -= os[a] * len[a];
      idx[a] = 0;
      a--;
    }
    if (a < 0) return;
  }
};`;
}

const scanCache = new Map<string, ScanFn>();

function scanFor(op: ScanOp, d: TypedArray): ScanFn {
  const key = `${op}|${d.constructor.name}`;
  let fn = scanCache.get(key);
  if (!fn) {
    fn = (new Function(scanSource(op)) as () => ScanFn)();
    scanCache.set(key, fn);
  }
  return fn;
}

/**
 * A chunk step's input as a fused expression read in place: every input block either walks the
 * output block with the same strides as the lead input (`dl`: its offset from the lead's) or is a
 * single value (`dl`: its offset). `null` when the inputs are laid out otherwise.
 */
interface FusedInput {
  /** The block the scan walks: the lead input's data, offset and strides over the output shape. */
  b: Block;
  ins: TypedArray[];
  dl: number[];
  fn: ScanFn;
}

const fusedCache = new Map<string, ScanFn>();

function fusedInput(op: ScanOp, e: Expr, inputs: readonly Block[]): FusedInput | null {
  const shape = blockBroadcastShape(inputs);
  const strides = inputs.map((b) => broadcastStrides(b, shape));
  const single = inputs.map((b, i) => sizeOfShape(b.shape) === 1 || strides[i].every((x) => x === 0));
  const lead = single.indexOf(false);
  if (lead < 0) return null;
  const ls = strides[lead];
  for (let i = 0; i < inputs.length; i++) {
    if (!single[i] && strides[i].some((x, a) => x !== ls[a] && shape[a] !== 1)) return null;
  }
  const b: Block = { data: inputs[lead].data, shape, stride: ls, offset: inputs[lead].offset };
  const dl = inputs.map((x, i) => (single[i] ? x.offset : x.offset - inputs[lead].offset));
  const ins = inputs.map((x) => x.data);
  const sig = `${op}|${exprKey(e)}|${inputs.map((x, i) => `${x.data.constructor.name}${single[i] ? "s" : "v"}`).join(",")}`;
  let fn = fusedCache.get(sig);
  if (!fn) {
    const decl = inputs.map((_, i) => `const in${i} = ins[${i}], dl${i} = dl[${i}];`).join(" ");
    const R = (q: string) => codeOf(e, (i) => (single[i] ? `in${i}[dl${i}]` : `in${i}[${q} + dl${i}]`));
    fn = withHelpers<ScanFn>(scanSource(op, R, decl));
    fusedCache.set(sig, fn);
  }
  return { b, ins, dl, fn };
}

/** The kept shape of a block: its shape with 1 on the reduced axes. */
function keptShape(shape: readonly number[], reduced: readonly boolean[]): number[] {
  return shape.map((s, a) => (reduced[a] ? 1 : s));
}

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * The block's axes as (length, input stride, output stride) with length-1 axes dropped and
 * neighbouring axes merged where both the input and the output walk them contiguously.
 */
function scanAxes(b: Block, reduced: readonly boolean[]): { len: number[]; is: number[]; os: number[] } {
  const nd = b.shape.length;
  const kept = keptShape(b.shape, reduced);
  const outStride = new Array<number>(nd);
  let st = 1;
  for (let a = nd - 1; a >= 0; a--) {
    outStride[a] = reduced[a] ? 0 : st;
    st *= kept[a];
  }
  const len: number[] = [];
  const is: number[] = [];
  const os: number[] = [];
  for (let a = 0; a < nd; a++) {
    const n = b.shape[a];
    if (n === 1) continue;
    const last = len.length - 1;
    if (last >= 0 && is[last] === b.stride[a] * n && os[last] === outStride[a] * n) {
      len[last] *= n;
      is[last] = b.stride[a];
      os[last] = outStride[a];
    } else {
      len.push(n);
      is.push(b.stride[a]);
      os.push(outStride[a]);
    }
  }
  if (len.length === 0) return { len: [1], is: [0], os: [0] };
  return { len, is, os };
}

function scan(op: ScanOp, b: Block, reduced: readonly boolean[], acc: Float64Array, mu: Float64Array | null, fused?: FusedInput): void {
  if (sizeOfShape(b.shape) === 0) return;
  const { len, is, os } = scanAxes(b, reduced);
  if (fused) fused.fn(b.data, b.offset, len, is, os, acc, mu, fused.ins, fused.dl);
  else scanFor(op, b.data)(b.data, b.offset, len, is, os, acc, mu);
}

const INIT: Record<ScanOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity, any: 0, all: 1, sqdev: 0 };

interface ChunkParams {
  /** An elementwise expression fused into this task: the block is evaluated from the inputs first. */
  pre?: Expr;
  kind: ReductionKind;
  /** Per axis: reduced or not. */
  reduced: boolean[];
}

function chunkPartial(inputs: unknown[], p: ChunkParams): Partial {
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

interface ArgChunkParams {
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
  const v = allocate("float64", size) as Float64Array;
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
    const d = b.data;
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

interface CombineParams {
  kind: AnyKind;
}

interface AggregateParams extends CombineParams {
  dtype: DType;
  /** Axes to drop from the output block (keepdims false). */
  drop: number[];
  ddof: number;
}

/** Fold the partials of one group (all of the same kept shape) into a new partial. */
function combine(parts: readonly Partial[], kind: AnyKind): Partial {
  const first = parts[0];
  const size = first.v.length;
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
        v.set(pb.v);
        m2.set(pb.m2 as Float64Array);
        n = nb;
        continue;
      }
      // Chan et al.: merge (n, mean, M2) pairs
      const nt = n + nb;
      const fb = nb / nt;
      const fab = (n * nb) / nt;
      const vb = pb.v;
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
      const vb = pb.v;
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
    const vb = pb.v;
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

const NUMPY_NAME: Record<string, string> = { max: "maximum", min: "minimum" };

function aggregate(parts: readonly Partial[], p: AggregateParams): Block {
  const c = combine(parts, p.kind);
  const shape = c.shape.filter((_, a) => !p.drop.includes(a));
  const size = c.v.length;
  const out = allocate(p.dtype, size);
  const v = c.v;
  const n = c.n;
  const kind = p.kind;
  if (size > 0 && n === 0 && (kind === "max" || kind === "min")) {
    throw new RangeError(`${kind}: zero-size array to reduction operation ${NUMPY_NAME[kind]} which has no identity`);
  }
  if (size > 0 && n === 0 && (kind === "argmax" || kind === "argmin")) {
    throw new RangeError(`${kind}: attempt to get ${kind} of an empty sequence`);
  }
  let src: Float64Array = v;
  if (kind === "mean") {
    src = allocate("float64", size) as Float64Array;
    for (let k = 0; k < size; k++) src[k] = v[k] / n;
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
    out.set(src);
  } else {
    // integer dtypes: truncation toward zero and wrap-around (typed-array conversion), NaN -> 0
    for (let k = 0; k < size; k++) out[k] = src[k];
  }
  return { data: out, shape, stride: cStrides(shape), offset: 0 };
}


registerKernel<AggregateParams>("reduction.aggregate", (inputs, p) => aggregate(inputs as Partial[], p));

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
      throw new RangeError(`${what}: splitEvery must be an integer >= 2 (blocks combined per step), got ${s}`);
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
      throw new RangeError(`${what}: splitEvery[${k}] must be an integer >= 2, got ${JSON.stringify(val)}`);
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
      // numpy: bool and integers accumulate in int64 / uint64 (float64 here)
      return d === "float32" ? "float32" : "float64";
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
    throw new RangeError(
      `${kind}: zero-size array to reduction operation ${NUMPY_NAME[kind]} which has no identity ` +
        `(axis ${zero.join(", ")} of shape [${x.shape.join(", ")}] has length 0)`,
    );
  }
  const reduced = Array.from({ length: x.ndim }, (_, a) => axes.includes(a));
  const chunkParams: ChunkParams = { kind, reduced };
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
    if (e instanceof RangeError) throw new RangeError(`${kind}: ${e.message}`);
    throw e;
  }
}

const INT32_LIMIT = 2 ** 31;

/**
 * argmax / argmin over one axis, or over the flattened array (axis null / omitted: the index into
 * the C-order flattened array, as numpy). Ties and NaNs as numpy: the first occurrence wins, and
 * the first NaN wins over any number. Indices are int32 (numpy gives int64).
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
  if (size >= INT32_LIMIT) {
    throw new RangeError(
      `${kind}: the ${ravel ? "flattened array" : `axis ${axes[0]}`} has ${size} elements, but indices are int32 (at most 2^31 - 1); ` +
        `reduce along an axis, or over smaller pieces`,
    );
  }
  if (reducedSize(x, axes) === 0) {
    throw new RangeError(`${kind}: attempt to get ${kind} of an empty sequence (shape [${x.shape.join(", ")}])`);
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
    dtype: "int32",
    chunk: (index) => {
      let g0 = 0;
      for (let a = 0; a < nd; a++) if (gx[a] !== 0) g0 += (offs[a] as number[])[index[a]] * gx[a];
      return { op: "reduction.argChunk", params: { kind, reduced, gx, g0 } satisfies ArgChunkParams };
    },
    aggregate: { kind, dtype: "int32", drop: keepdims ? [] : axes, ddof: 0 },
  });
}
