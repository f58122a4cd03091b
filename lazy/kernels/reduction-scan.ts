/**
 * Reductions' chunk-step loops: scan code generated per (operation, typed-array type), and per
 * fused elementwise expression, accumulating a block into float64 (lazy/kernels/reduction.ts runs
 * them; lazy/ops/reduction.ts builds the tree).
 */
import { Block } from "../core/block";
import { TypedArray, dtypeOfTypedArray, floatToInt64, floatToUint64, isBig, isBigArray } from "../core/dtype";
import { exprCacheKey, wasmScan } from "./wasm/runtime";
import { blockBroadcastShape, broadcastStrides, codeOf, exprKey, withHelpers } from "./elementwise";
import { Expr } from "../ops/elementwise";

// ---------------------------------------------------------------------------------------------
// Chunk step: generated scan loops, one per (operation, typed-array type), so each loop's element
// reads stay monomorphic.

export type ScanOp = "sum" | "prod" | "max" | "min" | "any" | "all" | "sqdev";

export type ScanFn = (
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

export function scanFor(op: ScanOp, d: TypedArray): ScanFn {
  const key = `${op}|${d.constructor.name}`;
  let fn = scanCache.get(key);
  if (!fn) {
    // int64 / uint64 elements are bigints: a float accumulation (means, moments) reads them as numbers
    fn = (new Function(isBigArray(d) ? scanSource(op, (q) => `Number(d[${q}])`) : scanSource(op)) as () => ScanFn)();
    scanCache.set(key, fn);
  }
  return fn;
}

/**
 * A chunk step's input as a fused expression read in place: every input block either walks the
 * output block with the same strides as the lead input (`dl`: its offset from the lead's) or is a
 * single value (`dl`: its offset). `null` when the inputs are laid out otherwise.
 */
export interface FusedInput {
  /** The block the scan walks: the lead input's data, offset and strides over the output shape. */
  b: Block;
  ins: TypedArray[];
  dl: number[];
  single: boolean[];
  e: Expr;
  fn: ScanFn;
}

const fusedCache = new Map<string, ScanFn>();

export function fusedInput(op: ScanOp, e: Expr, inputs: readonly Block[]): FusedInput | null {
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
    const code = (q: string) => codeOf(e, (i) => (single[i] ? `in${i}[dl${i}]` : `in${i}[${q} + dl${i}]`));
    // an int64 / uint64 expression has bigint values: a float accumulation reads them as numbers
    const R = isBig(e.dtype) ? (q: string) => `Number(${code(q)})` : code;
    fn = withHelpers<ScanFn>(scanSource(op, R, decl));
    fusedCache.set(sig, fn);
  }
  return { b, ins, dl, single, e, fn };
}

/** The kept shape of a block: its shape with 1 on the reduced axes. */
export function keptShape(shape: readonly number[], reduced: readonly boolean[]): number[] {
  return shape.map((s, a) => (reduced[a] ? 1 : s));
}

export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * The block's axes as (length, input stride, output stride) with length-1 axes dropped and
 * neighbouring axes merged where both the input and the output walk them contiguously.
 */
export function scanAxes(b: Block, reduced: readonly boolean[]): { len: number[]; is: number[]; os: number[] } {
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

export function scan(op: ScanOp, b: Block, reduced: readonly boolean[], acc: Float64Array, mu: Float64Array | null, fused?: FusedInput): void {
  if (sizeOfShape(b.shape) === 0) return;
  const { len, is, os } = scanAxes(b, reduced);
  // sums (sum, mean) run as compiled SIMD kernels where they apply, with the fused expression inside
  if (op === "sum") {
    if (fused ? wasmScan(fused.e, exprCacheKey(fused.e), fused.ins, fused.dl, fused.single, b.offset, len, is, os, acc) : wasmScan(plainInput(b.data), dtypeOfTypedArray(b.data), [b.data], [0], [false], b.offset, len, is, os, acc)) return;
  }
  if (fused) fused.fn(b.data as ArrayLike<number>, b.offset, len, is, os, acc, mu, fused.ins, fused.dl);
  else scanFor(op, b.data)(b.data as ArrayLike<number>, b.offset, len, is, os, acc, mu);
}

/** The expression of a plain (unfused) block: its one input. */
function plainInput(d: TypedArray): Expr {
  return { t: "in", i: 0, dtype: dtypeOfTypedArray(d) };
}

export type BigAcc = BigInt64Array | BigUint64Array;

/** The largest |x| of an integer typed array's elements (for the exactness of a float64 sum), or null. */
export function maxAbsOf(d: TypedArray): number | null {
  if (d instanceof Uint8Array || d instanceof Int8Array) return 255;
  if (d instanceof Int16Array || d instanceof Uint16Array) return 65535;
  if (d instanceof Int32Array || d instanceof Uint32Array) return 4294967295;
  return null;
}

/**
 * The chunk step of a 64-bit integer accumulation: every element converted to a bigint (floats as
 * numpy's astype: truncated) and folded into `acc`, whose stores wrap modulo 2^64 as numpy's int64 /
 * uint64 arithmetic does.
 */
export function bigScan(op: "sum" | "prod" | "max" | "min", b: Block, reduced: readonly boolean[], acc: BigAcc): void {
  if (sizeOfShape(b.shape) === 0) return;
  const { len, is, os } = scanAxes(b, reduced);
  const d = b.data as unknown as ArrayLike<number | bigint>;
  const toBig: (x: number | bigint) => bigint = isBigArray(b.data)
    ? (x) => x as bigint
    : b.data instanceof Float32Array || b.data instanceof Float64Array
      ? acc instanceof BigUint64Array
        ? (x) => floatToUint64(x as number)
        : (x) => floatToInt64(x as number)
      : (x) => BigInt(x as number);
  const a = acc as unknown as { [i: number]: bigint };
  const D = len.length;
  const L = len[D - 1];
  const s = is[D - 1];
  const t = os[D - 1];
  const idx = new Array<number>(D).fill(0);
  let p0 = b.offset;
  let o0 = 0;
  while (true) {
    switch (op) {
      case "sum":
        for (let k = 0, q = p0, o = o0; k < L; k++, q += s, o += t) a[o] += toBig(d[q]);
        break;
      case "prod":
        for (let k = 0, q = p0, o = o0; k < L; k++, q += s, o += t) a[o] *= toBig(d[q]);
        break;
      case "max":
        for (let k = 0, q = p0, o = o0; k < L; k++, q += s, o += t) {
          const x = toBig(d[q]);
          if (x > a[o]) a[o] = x;
        }
        break;
      case "min":
        for (let k = 0, q = p0, o = o0; k < L; k++, q += s, o += t) {
          const x = toBig(d[q]);
          if (x < a[o]) a[o] = x;
        }
        break;
    }
    let ax = D - 2;
    while (ax >= 0) {
      idx[ax]++;
      p0 += is[ax];
      o0 += os[ax];
      if (idx[ax] < len[ax]) break;
      p0 -= is[ax] * len[ax];
      o0 -= os[ax] * len[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

/** The initial value of a 64-bit accumulator. */
export function bigInit(op: "sum" | "prod" | "max" | "min", acc: "int64" | "uint64"): bigint {
  if (op === "sum") return 0n;
  if (op === "prod") return 1n;
  if (op === "max") return acc === "int64" ? -(2n ** 63n) : 0n;
  return acc === "int64" ? 2n ** 63n - 1n : 2n ** 64n - 1n;
}


export const INIT: Record<ScanOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity, any: 0, all: 1, sqdev: 0 };
