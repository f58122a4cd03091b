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

/**
 * The kept-rows reduction kernel `rows(acc, L, R, p0, rs0, ...)`: acc[k] += f64(e) for k < L, over
 * R rows; the last group of a row is masked to its k < L lanes (acc is written back unchanged there).
 */
function rowsFunc(e: WExpr, ins: Inputs, accI: boolean): { params: ValType[]; g: Gen } {
  const n = ins.dt.length;
  const params: ValType[] = [I32, I32, I32];
  for (let i = 0; i < n; i++) params.push(I32, I32);
  const g = new Gen(params.length);
  const P = (i: number) => 3 + 2 * i;
  prepareSingles(g, ins, P);
  const q = ins.dt.map(() => g.local(I32));
  const a = g.local(I32);
  const k = g.local(I32);
  const r = g.local(I32);
  const step = (mask: number | null) => {
    const v = emit(g, e, memoLoader(g, ins, q));
    const f = accI ? toI64(g, v) : toF64(g, v);
    f.forEach((fl, h) => {
      g.c.get(a).get(a).simdMem(0, 0, 16 * h).get(fl);
      if (mask !== null) g.c.get(mask).simd(h === 0 ? 0xc7 : 0xc8).simd(78);
      g.c.simd(accI ? 0xce : 0xf0).simdMem(11, 0, 16 * h);
    });
    bump(g, a, 32);
    for (let i = 0; i < n; i++) if (ins.modes[i] === "v") bump(g, q[i], 4 * elemSize(ins.dt[i]));
  };
  g.c.block().loop();
  g.c.get(r).get(2).op(0x4f).brIf(1);
  for (let i = 0; i < n; i++) g.c.get(P(i)).get(r).get(P(i) + 1).op(0x6c).op(0x6a).set(q[i]);
  g.c.get(0).set(a).i32(0).set(k);
  g.c.block().loop();
  g.c.get(k).i32(4).op(0x6a).get(1).op(0x4b).brIf(1); // k + 4 > L: exit
  step(null);
  bump(g, k, 4);
  g.c.br(0).end().end();
  g.c.get(k).get(1).op(0x48).if(); // k < L: lanes k.. L-1 only
  g.c.v128([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).get(1).get(k).op(0x6b).simd(17).simd(57);
  step(g.keep());
  g.c.end();
  bump(g, r, 1);
  g.c.br(0).end().end();
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

/** The reduced-rows kernel `red(acc, accStride, L, R, p0, rs0, ...)`: acc[r * accStride] += sum of the row. */
function redFunc(e: WExpr, ins: Inputs, accI: boolean): { params: ValType[]; g: Gen } {
  const n = ins.dt.length;
  const params: ValType[] = [I32, I32, I32, I32];
  for (let i = 0; i < n; i++) params.push(I32, I32);
  const g = new Gen(params.length);
  const P = (i: number) => 4 + 2 * i;
  prepareSingles(g, ins, P);
  const q = ins.dt.map(() => g.local(I32));
  const a = g.local(I32);
  const k = g.local(I32);
  const r = g.local(I32);
  const s = [g.v(), g.v(), g.v(), g.v()];
  const step = (acc: number[], mask: number | null) => {
    const v = emit(g, e, memoLoader(g, ins, q));
    const f = accI ? toI64(g, v) : toF64(g, v);
    f.forEach((fl, h) => {
      g.c.get(acc[h]).get(fl);
      if (mask !== null) g.c.get(mask).simd(h === 0 ? 0xc7 : 0xc8).simd(78);
      g.c.simd(accI ? 0xce : 0xf0).set(acc[h]);
    });
    for (let i = 0; i < n; i++) if (ins.modes[i] === "v") bump(g, q[i], 4 * elemSize(ins.dt[i]));
  };
  g.c.get(0).set(a);
  g.c.block().loop();
  g.c.get(r).get(3).op(0x4f).brIf(1);
  for (let i = 0; i < n; i++) g.c.get(P(i)).get(r).get(P(i) + 1).op(0x6c).op(0x6a).set(q[i]);
  for (const l of s) g.c.v128(new Array<number>(16).fill(0)).set(l);
  g.c.i32(0).set(k);
  // 8 elements per iteration into two accumulator pairs, then 4, then the masked remainder
  g.c.block().loop();
  g.c.get(k).i32(8).op(0x6a).get(2).op(0x4b).brIf(1); // k + 8 > L: exit
  step([s[0], s[1]], null);
  step([s[2], s[3]], null);
  bump(g, k, 8);
  g.c.br(0).end().end();
  g.c.get(k).i32(4).op(0x6a).get(2).op(0x4c).if(); // k + 4 <= L
  step([s[0], s[1]], null);
  bump(g, k, 4);
  g.c.end();
  g.c.get(k).get(2).op(0x48).if(); // k < L: lanes k.. L-1 only
  g.c.v128([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]).get(2).get(k).op(0x6b).simd(17).simd(57);
  const m = g.keep();
  step([s[2], s[3]], m);
  g.c.end();
  // acc[a] += ((s0 + s2) + (s1 + s3)) summed over lanes (f64, or i64 wrapping)
  const add = accI ? 0xce : 0xf0;
  g.c.get(a).get(a).mem(accI ? 0x29 : 0x2b, 3, 0);
  g.c.get(s[0]).get(s[2]).simd(add).get(s[1]).get(s[3]).simd(add).simd(add);
  const t = g.keep();
  const ex = accI ? 29 : 33;
  g.c.get(t).simd(ex).op(0).get(t).simd(ex).op(1).op(accI ? 0x7c : 0xa0).op(accI ? 0x7c : 0xa0).mem(accI ? 0x37 : 0x39, 3, 0);
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


