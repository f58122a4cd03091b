/**
 * Compiles an elementwise expression (the IR of lazy elementwise.ts) to a WebAssembly SIMD kernel.
 *
 * Four elements are computed per step. A value of a 32-bit-lane dtype (float32: f32x4; int32,
 * uint32 and the narrow integers and bool: i32x4, narrow ones kept sign- or zero-extended) is one
 * v128; a 64-bit one (float64: f64x2; later int64/uint64: i64x2) is two. Every node is cast to its
 * dtype after it is computed, exactly as the JS code generator does: f32x4 arithmetic is float32
 * arithmetic (the same value as float64 arithmetic rounded with Math.fround for + - * / sqrt),
 * integer lanes wrap around, narrow integers are re-extended, bool is 0/1.
 *
 * Anything this compiler does not know (an op, a dtype, a constant power other than 2) throws
 * `Unsupported`, and the caller keeps the JS loop.
 *
 * The kernels that run these expressions over memory are built in loops.ts.
 */
import { Code, V128, ValType } from "./encoder";

/** The IR as the compiler reads it (structurally lazy/elementwise.ts's Expr; dtypes as strings so new ones fall back). */
export type WExpr =
  | { readonly t: "in"; readonly i: number; readonly dtype: string }
  | { readonly t: "const"; readonly v: number | bigint; readonly dtype: string }
  | { readonly t: "op"; readonly op: string; readonly dtype: string; readonly args: readonly WExpr[] };

export class Unsupported extends Error {}

type Cls = "f32" | "f64" | "i32" | "i64";

const isInt = (c: Cls) => c === "i32" || c === "i64";

const NARROW = new Set(["int8", "uint8", "int16", "uint16", "bool"]);
const I32CLS = new Set(["int8", "uint8", "int16", "uint16", "int32", "uint32", "bool"]);

export function clsOf(d: string): Cls {
  if (d === "float32") return "f32";
  if (d === "float64") return "f64";
  if (I32CLS.has(d)) return "i32";
  if (d === "int64" || d === "uint64") return "i64";
  throw new Unsupported(`dtype ${d}`);
}

/** Bytes per element of a dtype the compiler handles. */
export function elemSize(d: string): number {
  switch (d) {
    case "float64":
    case "int64":
    case "uint64":
      return 8;
    case "float32":
    case "int32":
    case "uint32":
      return 4;
    case "int16":
    case "uint16":
      return 2;
    case "int8":
    case "uint8":
    case "bool":
      return 1;
  }
  throw new Unsupported(`dtype ${d}`);
}

export interface Val {
  d: string;
  c: Cls;
  /** v128 locals: one (32-bit lanes) or two (64-bit lanes: elements 0-1, 2-3). */
  l: number[];
}

const LO64 = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7];
const HI64 = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Lanes 0-1 of the first operand then lanes 0-1 of the second (as 32-bit lanes). */
const JOIN2 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
/** The low 32 bits of each 64-bit lane of two operands. */
const LOW32OF64 = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];

/** A function body under construction: locals and an instruction stream. */
export class Gen {
  readonly c = new Code();
  readonly locals: ValType[] = [];
  constructor(readonly nParams: number) {}
  local(t: ValType): number {
    this.locals.push(t);
    return this.nParams + this.locals.length - 1;
  }
  v(): number {
    return this.local(V128);
  }
  /** Store the v128 on the stack into a new local. */
  keep(): number {
    const l = this.v();
    this.c.set(l);
    return l;
  }
}

export type Loader = (i: number) => Val;

/** Splat of a constant of dtype d. */
function constVal(g: Gen, v: number | bigint, d: string): Val {
  const c = clsOf(d);
  const x = Number(v);
  if (c === "f32") {
    g.c.f32(x).simd(19);
    return { d, c, l: [g.keep()] };
  }
  if (c === "f64") {
    g.c.f64(x).simd(20);
    const l = g.keep();
    return { d, c, l: [l, l] };
  }
  if (c === "i64") {
    g.c.i64(BigInt.asIntN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(x)))).simd(18);
    const l = g.keep();
    return { d, c, l: [l, l] };
  }
  g.c.i32(x | 0).simd(17);
  return { d, c, l: [g.keep()] };
}

/** Re-extend a narrow integer / bool i32x4 on the stack to its canonical form. */
function canon(g: Gen, d: string): void {
  switch (d) {
    case "int8":
      g.c.i32(24).simd(171).i32(24).simd(172);
      break;
    case "int16":
      g.c.i32(16).simd(171).i32(16).simd(172);
      break;
    case "uint8":
      g.c.i32(255).simd(17).simd(78);
      break;
    case "uint16":
      g.c.i32(65535).simd(17).simd(78);
      break;
    case "bool":
      g.c.i32(0).simd(17).simd(56).i32(31).simd(173);
      break;
  }
}

/** A mask value (all-ones / zero lanes) on the stack of class c, turned into a bool Val (0/1 in i32x4). */
function maskToBool(g: Gen, m: number[]): Val {
  if (m.length === 2) g.c.get(m[0]).get(m[1]).shuffle(LOW32OF64);
  else g.c.get(m[0]);
  g.c.i32(31).simd(173);
  return { d: "bool", c: "i32", l: [g.keep()] };
}

/** Apply a lane-wise binary SIMD op to each half: result locals. */
function lanes2(g: Gen, a: Val, b: Val, opcode: number): number[] {
  return a.l.map((la, h) => {
    g.c.get(la).get(b.l[h]).simd(opcode);
    return g.keep();
  });
}

function lanes1(g: Gen, a: Val, opcode: number): number[] {
  return a.l.map((la) => {
    g.c.get(la).simd(opcode);
    return g.keep();
  });
}

const ARITH: Record<string, Record<Cls, number>> = {
  add: { f32: 0xe4, f64: 0xf0, i32: 0xae, i64: 0xce },
  sub: { f32: 0xe5, f64: 0xf1, i32: 0xb1, i64: 0xd1 },
  mul: { f32: 0xe6, f64: 0xf2, i32: 0xb5, i64: 0xd5 },
};
const FDIV: Partial<Record<Cls, number>> = { f32: 0xe7, f64: 0xf3 };
/** Comparisons: float class opcodes, and i32 signed / unsigned. */
const CMP: Record<string, { f32: number; f64: number; s: number; u: number; l: number }> = {
  eq: { f32: 65, f64: 71, s: 55, u: 55, l: 214 },
  ne: { f32: 66, f64: 72, s: 56, u: 56, l: 215 },
  lt: { f32: 67, f64: 73, s: 57, u: 58, l: 216 },
  gt: { f32: 68, f64: 74, s: 59, u: 60, l: 217 },
  le: { f32: 69, f64: 75, s: 61, u: 62, l: 218 },
  ge: { f32: 70, f64: 76, s: 63, u: 64, l: 219 },
};
const ROUND: Record<string, { f32: number; f64: number }> = {
  floor: { f32: 0x68, f64: 0x75 },
  ceil: { f32: 0x67, f64: 0x74 },
  trunc: { f32: 0x69, f64: 0x7a },
  rint: { f32: 0x6a, f64: 0x94 },
};

function cmpOp(op: string, c: Cls, d: string): number {
  const t = CMP[op];
  return c === "f32" ? t.f32 : c === "f64" ? t.f64 : c === "i64" ? t.l : d === "uint32" ? t.u : t.s;
}

/**
 * Operands of an ordering comparison: uint64 lanes have no unsigned SIMD comparison, so their sign
 * bits are flipped first (then the signed comparison orders them as unsigned).
 */
function ordered(g: Gen, v: Val, op: string): Val {
  if (v.d !== "uint64" || op === "eq" || op === "ne") return v;
  g.c.i64(-(2n ** 63n)).simd(18);
  const sign = g.keep();
  return { d: "int64", c: "i64", l: v.l.map((l) => (g.c.get(l).get(sign).simd(81), g.keep())) };
}

/** `v` (i32 or i64 class) as int64 lanes (two i64x2 locals); floats are not converted here. */
export function toI64(g: Gen, v: Val): number[] {
  if (v.c === "i64") return v.l;
  if (v.c !== "i32") throw new Unsupported("float to int64");
  const u = v.d === "uint32";
  g.c.get(v.l[0]).simd(u ? 0xc9 : 0xc7);
  const lo = g.keep();
  g.c.get(v.l[0]).simd(u ? 0xca : 0xc8);
  return [lo, g.keep()];
}

/** Mask locals of `v != 0` (one per half). */
function nonzero(g: Gen, v: Val): number[] {
  const z = constVal(g, 0, v.d);
  return lanes2(g, v, z, cmpOp("ne", v.c, v.d));
}

/** `v` converted to f64 (two f64x2 locals). */
export function toF64(g: Gen, v: Val): number[] {
  if (v.c === "f64") return v.l;
  if (v.c === "i64") {
    // no SIMD conversion: two lanes at a time through f64.convert_i64 (rounds to nearest, as Number(bigint))
    const cv = v.d === "uint64" ? 0xba : 0xb9;
    return v.l.map((l) => {
      g.c.get(l).simd(29).op(0).op(cv).simd(20).get(l).simd(29).op(1).op(cv).simd(34).op(1);
      return g.keep();
    });
  }
  const x = v.l[0];
  if (v.c === "f32") {
    g.c.get(x).simd(95);
    const lo = g.keep();
    g.c.get(x).get(x).shuffle(HI64).simd(95);
    return [lo, g.keep()];
  }
  const cv = v.d === "uint32" ? 255 : 254;
  g.c.get(x).simd(cv);
  const lo = g.keep();
  g.c.get(x).get(x).shuffle(HI64).simd(cv);
  return [lo, g.keep()];
}

function cast(g: Gen, a: Val, d: string): Val {
  const c = clsOf(d);
  if (a.d === d) return a;
  if (c === "i64") {
    if (a.c === "f32" || a.c === "f64") throw new Unsupported("float to int64");
    return { d, c, l: toI64(g, a) };
  }
  if (a.c === "i64" && c === "i32") {
    if (d === "bool") return maskToBool(g, nonzero(g, a));
    g.c.get(a.l[0]).get(a.l[1]).shuffle(LOW32OF64);
    canon(g, d);
    return { d, c, l: [g.keep()] };
  }
  if (a.c === "i32" && c === "i32") {
    g.c.get(a.l[0]);
    if (d === "bool") {
      g.c.i32(0).simd(17).simd(56).i32(31).simd(173);
    } else canon(g, d);
    return { d, c, l: [g.keep()] };
  }
  if (c === "f64") return { d, c, l: toF64(g, a) };
  if (c === "f32") {
    if (a.c === "i64") {
      const h = toF64(g, a);
      g.c.get(h[0]).simd(94).get(h[1]).simd(94).shuffle(JOIN2);
      return { d, c, l: [g.keep()] };
    }
    if (a.c === "i32") {
      g.c.get(a.l[0]).simd(a.d === "uint32" ? 251 : 250);
      return { d, c, l: [g.keep()] };
    }
    // f64 -> f32: demote both halves and join
    g.c.get(a.l[0]).simd(94).get(a.l[1]).simd(94).shuffle(JOIN2);
    return { d, c, l: [g.keep()] };
  }
  // float -> integer / bool
  if (d === "bool") {
    return maskToBool(g, nonzero(g, a));
  }
  // numpy's astype as the JS path does it: truncate (non-finite -> 0), then wrap modulo 2^32:
  // r = t - floor(t / 2^32) * 2^32 is exact in float64, then its low 32 bits
  const h = toF64(g, a);
  const u = h.map((x) => {
    g.c.get(x).simd(0x7a);
    const t = g.keep();
    g.c.get(t).get(t).f64(2 ** -32).simd(20).simd(0xf2).simd(0x75).f64(2 ** 32).simd(20).simd(0xf2).simd(0xf1).simd(253);
    return g.keep();
  });
  g.c.get(u[0]).get(u[1]).shuffle(JOIN2);
  canon(g, d);
  return { d, c: "i32", l: [g.keep()] };
}

/** NaN-propagating maximum / minimum (the JS path's `a !== a || b !== b ? NaN : a > b ? a : b`). */
function fMaxMin(g: Gen, a: Val, b: Val, isMax: boolean): number[] {
  const c = a.c as "f32" | "f64";
  const gt = isMax ? CMP.gt[c] : CMP.lt[c];
  const ne = CMP.ne[c];
  return a.l.map((la, h) => {
    const lb = b.l[h];
    // select(a, b, a > b), then NaN where a or b is NaN
    g.c.get(la).get(lb).get(la).get(lb).simd(gt).simd(82);
    g.c.get(la).get(lb).simd(c === "f32" ? 0xe4 : 0xf0); // a + b is NaN iff either is
    g.c.get(la).get(la).simd(ne).get(lb).get(lb).simd(ne).simd(80);
    // bitselect(v1, v2, m): v1 where m; stack is [sel, sum, m]: want sum where m else sel
    const m = g.keep();
    const s = g.keep();
    const sel = g.keep();
    g.c.get(s).get(sel).get(m).simd(82);
    return g.keep();
  });
}

export function emit(g: Gen, e: WExpr, load: Loader): Val {
  if (e.t === "in") {
    const v = load(e.i);
    if (v.d !== e.dtype) throw new Unsupported("input dtype mismatch");
    return v;
  }
  if (e.t === "const") return constVal(g, e.v, e.dtype);
  const d = e.dtype;
  const c = clsOf(d);
  const a = e.args.map((x) => emit(g, x, load));
  const x = a[0];
  const y = a[1];
  const narrowFix = (l: number[]): Val => {
    if (c === "i32" && NARROW.has(d)) {
      g.c.get(l[0]);
      canon(g, d);
      return { d, c, l: [g.keep()] };
    }
    return { d, c, l };
  };
  switch (e.op) {
    case "add":
    case "sub":
    case "mul":
      if (x.d !== d || y.d !== d) throw new Unsupported("mixed arithmetic");
      return narrowFix(lanes2(g, x, y, ARITH[e.op][c]));
    case "div": {
      const op = FDIV[c];
      if (op === undefined || x.d !== d) throw new Unsupported("integer div");
      return { d, c, l: lanes2(g, x, y, op) };
    }
    case "pow": {
      const p = e.args[1];
      if (isInt(c) || p.t !== "const" || Number(p.v) !== 2) throw new Unsupported("pow");
      return { d, c, l: lanes2(g, x, x, ARITH.mul[c]) };
    }
    case "square":
      return narrowFix(lanes2(g, x, x, ARITH.mul[c]));
    case "neg":
      return narrowFix(lanes1(g, x, c === "f32" ? 0xe1 : c === "f64" ? 0xed : c === "i64" ? 0xc1 : 0xa1));
    case "abs":
      if (isInt(c) && (d.startsWith("uint") || d === "bool")) return x;
      return narrowFix(lanes1(g, x, c === "f32" ? 0xe0 : c === "f64" ? 0xec : c === "i64" ? 0xc0 : 0xa0));
    case "sqrt":
      if (isInt(c)) throw new Unsupported("integer sqrt");
      return { d, c, l: lanes1(g, x, c === "f32" ? 0xe3 : 0xef) };
    case "floor":
    case "ceil":
    case "trunc":
    case "rint":
      if (c !== "f32" && c !== "f64") throw new Unsupported("integer rounding");
      return { d, c, l: lanes1(g, x, ROUND[e.op][c]) };
    case "maximum":
    case "minimum": {
      const isMax = e.op === "maximum";
      if (c === "i64") {
        // a > b ? a : b with the int64 / uint64 ordering
        const xa = ordered(g, x, "gt");
        const ya = ordered(g, y, "gt");
        const m = lanes2(g, xa, ya, isMax ? CMP.gt.l : CMP.lt.l);
        return { d, c, l: x.l.map((lx, h) => (g.c.get(lx).get(y.l[h]).get(m[h]).simd(82), g.keep())) };
      }
      if (c !== "i32") {
        // clip's bounds are constants: fewer NaN checks give the same values
        const [ea, eb] = e.args;
        const cv = (q: WExpr) => (q.t === "const" ? Number(q.v) : null);
        const ca = cv(ea);
        const cb = cv(eb);
        if (cb !== null && !Number.isNaN(cb)) {
          // maximum(x, -inf) and minimum(x, +inf) are x (NaN stays NaN, -0 stays -0)
          if (cb === (isMax ? -Infinity : Infinity)) return x;
          // x > c || x !== x ? x : c
          const cmp = isMax ? CMP.gt[c] : CMP.lt[c];
          return { d, c, l: x.l.map((lx, h) => (g.c.get(lx).get(y.l[h]).get(lx).get(y.l[h]).simd(cmp).get(lx).get(lx).simd(CMP.ne[c]).simd(80).simd(82), g.keep())) };
        }
        if (ca !== null && !Number.isNaN(ca)) {
          // c > x ? c : x (false when x is NaN: x)
          const cmp = isMax ? CMP.gt[c] : CMP.lt[c];
          return { d, c, l: x.l.map((lx, h) => (g.c.get(lx).get(y.l[h]).get(lx).get(y.l[h]).simd(cmp).simd(82), g.keep())) };
        }
        return { d, c, l: fMaxMin(g, x, y, isMax) };
      }
      const u = d === "uint32";
      return { d, c, l: lanes2(g, x, y, isMax ? (u ? 185 : 184) : u ? 183 : 182) };
    }
    case "gt":
    case "ge":
    case "lt":
    case "le":
    case "eq":
    case "ne":
      if (x.d !== y.d) throw new Unsupported("mixed comparison");
      return maskToBool(g, lanes2(g, ordered(g, x, e.op), ordered(g, y, e.op), cmpOp(e.op, x.c, x.d)));
    case "logicalAnd":
    case "logicalOr":
    case "logicalXor": {
      const mx = nonzero(g, x);
      const my = nonzero(g, y);
      const op = e.op === "logicalAnd" ? 78 : e.op === "logicalOr" ? 80 : 81;
      return maskToBool(g, mx.map((l, h) => (g.c.get(l).get(my[h]).simd(op), g.keep())));
    }
    case "logicalNot": {
      const z = constVal(g, 0, x.d);
      return maskToBool(g, lanes2(g, x, z, cmpOp("eq", x.c, x.d)));
    }
    case "isnan":
    case "isinf":
    case "isfinite": {
      const fc = x.c;
      if (fc !== "f32" && fc !== "f64") throw new Unsupported("integer predicate");
      if (e.op === "isnan") return maskToBool(g, lanes2(g, x, x, CMP.ne[fc]));
      const ab = { d: x.d, c: fc, l: lanes1(g, x, fc === "f32" ? 0xe0 : 0xec) };
      const inf = constVal(g, Infinity, x.d);
      return maskToBool(g, lanes2(g, ab, inf, e.op === "isinf" ? CMP.eq[fc] : CMP.lt[fc]));
    }
    case "bitwiseAnd":
    case "bitwiseOr":
    case "bitwiseXor":
      if (!isInt(c)) throw new Unsupported("bitwise");
      return narrowFix(lanes2(g, x, y, e.op === "bitwiseAnd" ? 78 : e.op === "bitwiseOr" ? 80 : 81));
    case "where": {
      const [cond, p, q] = a;
      if (cond.d !== "bool" || p.d !== d || q.d !== d) throw new Unsupported("where");
      g.c.get(cond.l[0]).simd(0xa1); // 0/1 -> 0/-1
      const m = g.keep();
      let ms = [m];
      if (c === "f64" || c === "i64") {
        g.c.get(m).simd(0xc7);
        const lo = g.keep();
        g.c.get(m).simd(0xc8);
        ms = [lo, g.keep()];
      }
      return { d, c, l: p.l.map((lp, h) => (g.c.get(lp).get(q.l[h]).get(ms[h]).simd(82), g.keep())) };
    }
    case "cast":
      return cast(g, x, d);
  }
  throw new Unsupported(`op ${e.op}`);
}

/** Input read modes: "v" a vector (4 consecutive elements per step), "s" a single value. */
export type Mode = "v" | "s";

/** Dtypes of the expression's inputs by index (each leaf carries its dtype). */
export function inputDtypes(e: WExpr, out: string[] = []): string[] {
  if (e.t === "in") out[e.i] = e.dtype;
  else if (e.t === "op") for (const a of e.args) inputDtypes(a, out);
  return out;
}

/** Load the vector of input i at address local q (4 elements). */
export function loadVec(g: Gen, d: string, q: number): Val {
  const c = clsOf(d);
  g.c.get(q);
  switch (d) {
    case "float64":
    case "int64":
    case "uint64": {
      g.c.simdMem(0, 0, 0);
      const lo = g.keep();
      g.c.get(q).simdMem(0, 0, 16);
      return { d, c, l: [lo, g.keep()] };
    }
    case "int16":
    case "uint16":
      g.c.simdMem(d === "int16" ? 3 : 4, 0);
      break;
    case "int8":
      g.c.simdMem(92, 0).simd(0x87).simd(0xa7);
      break;
    case "uint8":
    case "bool":
      g.c.simdMem(92, 0).simd(0x89).simd(0xa9);
      break;
    default:
      g.c.simdMem(0, 0);
  }
  return { d, c, l: [g.keep()] };
}

/** Load-and-splat of a single value at address local p. */
export function loadSplat(g: Gen, d: string, p: number): Val {
  const c = clsOf(d);
  g.c.get(p);
  switch (d) {
    case "float64":
    case "int64":
    case "uint64": {
      g.c.simdMem(10, 0);
      const l = g.keep();
      return { d, c, l: [l, l] };
    }
    case "int16":
    case "uint16":
      g.c.simdMem(8, 0).simd(d === "int16" ? 0xa7 : 0xa9);
      break;
    case "int8":
      g.c.simdMem(7, 0).simd(0x87).simd(0xa7);
      break;
    case "uint8":
    case "bool":
      g.c.simdMem(7, 0).simd(0x89).simd(0xa9);
      break;
    default:
      g.c.simdMem(9, 0);
  }
  return { d, c, l: [g.keep()] };
}

export function storeVec(g: Gen, v: Val, o: number): void {
  switch (elemSize(v.d)) {
    case 8:
      g.c.get(o).get(v.l[0]).simdMem(11, 0, 0).get(o).get(v.l[1]).simdMem(11, 0, 16);
      return;
    case 4:
      g.c.get(o).get(v.l[0]).simdMem(11, 0);
      return;
    case 2:
      g.c.get(o).get(v.l[0]).get(v.l[0]).shuffle([0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13]).simdLane(91, 0, 0, 0);
      return;
    default:
      g.c.get(o).get(v.l[0]).get(v.l[0]).shuffle([0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12]).simdLane(90, 0, 0, 0);
  }
}
