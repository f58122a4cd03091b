/**
 * The kernels built around a compiled expression (simd.ts), one exported function "k" per module.
 *
 * Kernels (all addresses are byte addresses in the imported memory):
 * - `ew(out, groups, p0, p1, ...)`: out[4g..4g+3] = e(inputs at 4g..), g < groups.
 * - `rows(acc, L, R, p0, rs0, p1, rs1, ...)`: for each of R rows (input i's row r starts at
 *   p_i + r * rs_i), acc[k] += f64(e(row[k])) for k < L (the last group masked to its lanes).
 * - `red(acc, accStride, L, R, p0, rs0, ...)`: for each row r, acc[r * accStride] += the sum over
 *   the row's L elements of f64(e(...)) (two accumulator pairs, masked tail).
 * - `rowsI`, `redI`: the same with int64 accumulators (values extended to int64, wrapping adds).
 * A single-value input (mode "s") is read once at p_i (its rs is ignored).
 */
import { I32, ValType, encodeModule } from "./encoder";
import { Gen, Loader, Mode, Unsupported, Val, WExpr, clsOf, elemSize, emit, inputDtypes, loadSplat, loadVec, storeVec, toF64, toI64 } from "./simd";

/** `local += n` (i32). */
function bump(g: Gen, l: number, n: number | { local: number }): void {
  g.c.get(l);
  if (typeof n === "number") g.c.i32(n);
  else g.c.get(n.local);
  g.c.op(0x6a).set(l);
}

interface Inputs {
  dt: string[];
  modes: Mode[];
  /** Splat values of the single inputs (loaded once). */
  splat: (Val | null)[];
}

function prepareSingles(g: Gen, ins: Inputs, ptr: (i: number) => number): void {
  ins.dt.forEach((d, i) => {
    ins.splat[i] = ins.modes[i] === "s" ? loadSplat(g, d, ptr(i)) : null;
  });
}

/** The elementwise kernel `ew(out, groups, p0, p1, ...)`. */
function ewFunc(e: WExpr, ins: Inputs): { params: ValType[]; g: Gen } {
  const n = ins.dt.length;
  const params: ValType[] = [I32, I32, ...ins.dt.map(() => I32 as ValType)];
  const g = new Gen(params.length);
  const osz = elemSize(e.dtype);
  prepareSingles(g, ins, (i) => 2 + i);
  const gi = g.local(I32);
  g.c.block().loop();
  g.c.get(gi).get(1).op(0x4f).brIf(1); // gi >= groups: exit
  const v = emit(g, e, memoLoader(g, ins, ins.dt.map((_, i) => 2 + i)));
  storeVec(g, v, 0);
  bump(g, 0, 4 * osz);
  for (let i = 0; i < n; i++) if (ins.modes[i] === "v") bump(g, 2 + i, 4 * elemSize(ins.dt[i]));
  bump(g, gi, 1);
  g.c.br(0).end().end();
  return { params, g };
}

/** The i32x4 lane mask of the lanes k < L of the last group (L and k: i32 locals). */
function tailMask(g: Gen, L: number, k: number): number {
  g.c.v128([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).get(L).get(k).op(0x6b).simd(17).simd(57);
  return g.keep();
}

/**
 * The kept-rows reduction kernel `rows(acc, L, R, p0, rs0, ...)`: acc[k] += e(row[k]) for k < L,
 * over R rows, in the JS scan's order (lazy/kernels/reduction-scan.ts), so both give the same
 * bits: eight rows at a time (acc += ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7))), then four,
 * then one. The last group of a row is masked to its k < L lanes (acc + 0 there: unchanged).
 */
function rowsFunc(e: WExpr, ins: Inputs, accI: boolean): { params: ValType[]; g: Gen } {
  const n = ins.dt.length;
  const params: ValType[] = [I32, I32, I32];
  for (let i = 0; i < n; i++) params.push(I32, I32);
  const g = new Gen(params.length);
  const P = (i: number) => 3 + 2 * i;
  prepareSingles(g, ins, P);
  const add = accI ? 0xce : 0xf0;
  const a = g.local(I32);
  const k = g.local(I32);
  const r = g.local(I32);
  // address locals of rows r .. r+7 of each input
  const q = Array.from({ length: 8 }, () => ins.dt.map(() => g.local(I32)));
  const group = (T: number, mask: number | null) => {
    const rowsV = Array.from({ length: T }, (_, t) => {
      const v = emit(g, e, memoLoader(g, ins, q[t]));
      return accI ? toI64(g, v) : toF64(g, v);
    });
    // pairwise tree as the JS snippet: ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7))
    const tree = (xs: number[][]): number[] => {
      if (xs.length === 1) return xs[0];
      const half = xs.length / 2;
      const l = tree(xs.slice(0, half));
      const rr = tree(xs.slice(half));
      return l.map((x, h) => (g.c.get(x).get(rr[h]).simd(add), g.keep()));
    };
    const sum = tree(rowsV);
    sum.forEach((x, h) => {
      g.c.get(a).get(a).simdMem(0, 0, 16 * h).get(x);
      if (mask !== null) g.c.get(mask).simd(h === 0 ? 0xc7 : 0xc8).simd(78);
      g.c.simd(add).simdMem(11, 0, 16 * h);
    });
    bump(g, a, 32);
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) if (ins.modes[i] === "v") bump(g, q[t][i], 4 * elemSize(ins.dt[i]));
  };
  for (const T of [8, 4, 1]) {
    g.c.block().loop();
    g.c.get(r).i32(T).op(0x6a).get(2).op(0x4b).brIf(1); // r + T > R: next
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) g.c.get(P(i)).get(r).i32(t).op(0x6a).get(P(i) + 1).op(0x6c).op(0x6a).set(q[t][i]);
    g.c.get(0).set(a).i32(0).set(k);
    g.c.block().loop();
    g.c.get(k).i32(4).op(0x6a).get(1).op(0x4b).brIf(1); // k + 4 > L: exit
    group(T, null);
    bump(g, k, 4);
    g.c.br(0).end().end();
    g.c.get(k).get(1).op(0x48).if(); // k < L: lanes k.. L-1 only
    group(T, tailMask(g, 1, k));
    g.c.end();
    bump(g, r, T);
    g.c.br(0).end().end();
  }
  return { params, g };
}

/** Loads of the vector inputs at their address locals, each input loaded once per step. */
function memoLoader(g: Gen, ins: Inputs, q: readonly number[]): Loader {
  const memo: (Val | undefined)[] = [];
  return (i) => {
    if (ins.modes[i] === "s") return ins.splat[i] as Val;
    return (memo[i] ??= loadVec(g, ins.dt[i], q[i]));
  };
}

/**
 * The reduced-rows kernel `red(acc, accStride, L, R, state, mode, p0, rs0, ...)`: for each of R
 * rows, the row's elements k go to accumulator lane k mod 4 (the JS scan's r0..r3), the elements
 * past the last whole group into lane 0 one by one, then acc[r * accStride] += (r0 + r1) + (r2 + r3):
 * the JS scan's order exactly. `mode` 1: start the lanes at 0 (else load them from `state`), 2:
 * finish the row (else store the lanes to `state`): a row longer than a piece runs as several calls.
 */
function redFunc(e: WExpr, ins: Inputs, accI: boolean): { params: ValType[]; g: Gen } {
  const n = ins.dt.length;
  const params: ValType[] = [I32, I32, I32, I32, I32, I32];
  for (let i = 0; i < n; i++) params.push(I32, I32);
  const g = new Gen(params.length);
  const P = (i: number) => 6 + 2 * i;
  prepareSingles(g, ins, P);
  const add = accI ? 0xce : 0xf0;
  const q = ins.dt.map(() => g.local(I32));
  const a = g.local(I32);
  const k = g.local(I32);
  const r = g.local(I32);
  const s = [g.v(), g.v()];
  const value = (mask: number | null): number[] => {
    const v = emit(g, e, memoLoader(g, ins, q));
    const f = accI ? toI64(g, v) : toF64(g, v);
    if (mask === null) return f;
    return f.map((x, h) => (g.c.get(x).get(mask).simd(h === 0 ? 0xc7 : 0xc8).simd(78), g.keep()));
  };
  g.c.get(0).set(a);
  g.c.block().loop();
  g.c.get(r).get(3).op(0x4f).brIf(1);
  for (let i = 0; i < n; i++) g.c.get(P(i)).get(r).get(P(i) + 1).op(0x6c).op(0x6a).set(q[i]);
  g.c.get(5).i32(1).op(0x71).if();
  for (const l of s) g.c.v128(new Array<number>(16).fill(0)).set(l);
  g.c.else();
  s.forEach((l, h) => g.c.get(4).simdMem(0, 0, 16 * h).set(l));
  g.c.end();
  g.c.i32(0).set(k);
  g.c.block().loop();
  g.c.get(k).i32(4).op(0x6a).get(2).op(0x4b).brIf(1); // k + 4 > L: exit
  value(null).forEach((x, h) => g.c.get(s[h]).get(x).simd(add).set(s[h]));
  for (let i = 0; i < n; i++) if (ins.modes[i] === "v") bump(g, q[i], 4 * elemSize(ins.dt[i]));
  bump(g, k, 4);
  g.c.br(0).end().end();
  g.c.get(5).i32(2).op(0x71).if();
  {
    const ex = accI ? 29 : 33;
    const rep = accI ? 30 : 34;
    const sadd = accI ? 0x7c : 0xa0;
    // the tail: r0 += x_k, one element after the other (masked lanes add 0)
    g.c.get(k).get(2).op(0x48).if();
    const t = value(tailMask(g, 2, k));
    g.c.get(s[0]).get(s[0]).simd(ex).op(0).get(t[0]).simd(ex).op(0).op(sadd).get(t[0]).simd(ex).op(1).op(sadd).get(t[1]).simd(ex).op(0).op(sadd).simd(rep).op(0).set(s[0]);
    g.c.end();
    // acc[a] += (r0 + r1) + (r2 + r3)
    g.c.get(a).get(a).mem(accI ? 0x29 : 0x2b, 3, 0);
    g.c.get(s[0]).simd(ex).op(0).get(s[0]).simd(ex).op(1).op(sadd).get(s[1]).simd(ex).op(0).get(s[1]).simd(ex).op(1).op(sadd).op(sadd);
    g.c.op(sadd).mem(accI ? 0x37 : 0x39, 3, 0);
  }
  g.c.else();
  s.forEach((l, h) => g.c.get(4).get(l).simdMem(11, 0, 16 * h));
  g.c.end();
  bump(g, a, { local: 1 });
  bump(g, r, 1);
  g.c.br(0).end().end();
  return { params, g };
}

/** Kernels: elementwise; sums into float64 accumulators (kept rows / reduced rows); the same into int64 accumulators (wrapping, numpy's integer sums). */
export type KernelKind = "ew" | "rows" | "red" | "rowsI" | "redI";

/**
 * The module bytes of kernel `kind` for expression `e` with the inputs read as `modes`. Throws
 * Unsupported when the expression has a node or dtype the compiler does not handle.
 */
export function compileKernel(kind: KernelKind, e: WExpr, modes: readonly Mode[], memory: { min: number; max: number; shared: boolean }): Uint8Array {
  const dt = inputDtypes(e);
  if (dt.length !== modes.length || dt.some((d) => d === undefined)) throw new Unsupported("inputs not all used");
  const ins: Inputs = { dt, modes: modes.slice(), splat: [] };
  clsOf(e.dtype);
  const accI = kind === "rowsI" || kind === "redI";
  const { params, g } = kind === "ew" ? ewFunc(e, ins) : kind === "rows" || kind === "rowsI" ? rowsFunc(e, ins, accI) : redFunc(e, ins, accI);
  return encodeModule({ memory, funcs: [{ name: "k", params, results: [], locals: g.locals, code: g.c }] });
}


