/**
 * Elementwise kernels: code generation of one loop per (fused) expression (the IR is in
 * lazy/ops/elementwise.ts), the "elementwise" kernel, and the fusion pass that folds chains of
 * elementwise tasks into one.
 *
 * Every node carries its dtype and its value is cast to it after the operation, so a fused chain
 * gives bit-for-bit what numpy gives step by step (integer wrap-around, float32 rounding).
 */
import { Block, cStrides, sizeOf } from "../core/block";
import { DType, TypedArray, allocate, castCode, convertCode, floatToInt64, floatToUint64, isBig, isBool, isFloat, isInteger } from "../core/dtype";
import { Key, Task, dependentsCount, registerKernel, registerPass } from "../graph/graph";
import { Expr } from "../ops/elementwise";
import { exprCacheKey, wasmEvaluate } from "./wasm/runtime";
import "./wasm/pass";
import { ValueError } from "../core/errors";

function lit(v: number | bigint): string {
  if (typeof v === "bigint") return `(${String(v)}n)`;
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (Object.is(v, -0)) return "-0";
  return `(${String(v)})`;
}

/** The JS expression computing `e`, given the read expression of every input. */
export function codeOf(e: Expr, read: (i: number) => string): string {
  if (e.t === "in") return read(e.i);
  if (e.t === "const") return lit(e.v);
  const a = e.args.map((x) => codeOf(x, read));
  const d = e.dtype;
  const argT = e.args[0].dtype;
  const intish = isInteger(d) || isBool(d);
  const big = isBig(d);
  // the zero of the arguments' representation (bigint for int64 / uint64 arguments)
  const z = isBig(argT) ? "0n" : "0";
  let v: string;
  switch (e.op) {
    case "add":
      v = `${a[0]} + ${a[1]}`;
      break;
    case "sub":
      v = `${a[0]} - ${a[1]}`;
      break;
    case "mul":
      v = d === "int32" || d === "uint32" ? `Math.imul(${a[0]}, ${a[1]})` : `${a[0]} * ${a[1]}`; // bigints: exact, then wrapped
      break;
    case "div":
      v = `${a[0]} / ${a[1]}`;
      break;
    case "floorDiv":
      v = big ? `__fdivb(${a[0]}, ${a[1]})` : intish ? `__fdivi(${a[0]}, ${a[1]})` : d === "float32" ? `__fdivf32(${a[0]}, ${a[1]})` : `__fdivf(${a[0]}, ${a[1]})`;
      break;
    case "mod":
      v = big ? `__modb(${a[0]}, ${a[1]})` : intish ? `__modi(${a[0]}, ${a[1]})` : `__modf(${a[0]}, ${a[1]})`;
      break;
    case "pow":
      // a float to the constant power 2 is a square: x * x is exact in float64 for float32 x, and
      // Math.pow(x, 2) (fdlibm) returns x * x, so the value is the same, without a libm call
      // (numpy itself runs `x ** 2` as np.square)
      if (!intish && e.args[1].t === "const" && e.args[1].v === 2) v = `__sq(${a[0]})`;
      else v = big ? `__powb(${a[0]}, ${a[1]})` : intish ? `__powi(${a[0]}, ${a[1]})` : `__powf(${a[0]}, ${a[1]})`;
      break;
    case "maximum":
      v = `__max(${a[0]}, ${a[1]})`;
      break;
    case "minimum":
      v = `__min(${a[0]}, ${a[1]})`;
      break;
    case "fmax":
      v = `__fmax(${a[0]}, ${a[1]})`;
      break;
    case "fmin":
      v = `__fmin(${a[0]}, ${a[1]})`;
      break;
    case "arctan2":
      v = `Math.atan2(${a[0]}, ${a[1]})`;
      break;
    case "hypot":
      v = `Math.hypot(${a[0]}, ${a[1]})`;
      break;
    case "gt":
      v = `${a[0]} > ${a[1]}`;
      break;
    case "ge":
      v = `${a[0]} >= ${a[1]}`;
      break;
    case "lt":
      v = `${a[0]} < ${a[1]}`;
      break;
    case "le":
      v = `${a[0]} <= ${a[1]}`;
      break;
    case "eq":
      v = `${a[0]} === ${a[1]}`;
      break;
    case "ne":
      v = `${a[0]} !== ${a[1]}`;
      break;
    case "logicalAnd":
      v = `(${a[0]} !== ${z}) && (${a[1]} !== ${z})`;
      break;
    case "logicalOr":
      v = `(${a[0]} !== ${z}) || (${a[1]} !== ${z})`;
      break;
    case "logicalXor":
      v = `(${a[0]} !== ${z}) !== (${a[1]} !== ${z})`;
      break;
    case "bitwiseAnd":
      v = `${a[0]} & ${a[1]}`;
      break;
    case "bitwiseOr":
      v = `${a[0]} | ${a[1]}`;
      break;
    case "bitwiseXor":
      v = `${a[0]} ^ ${a[1]}`;
      break;
    case "where":
      v = `(${a[0]} !== 0 ? ${a[1]} : ${a[2]})`;
      break;
    case "cast":
      if (isBig(argT) || big) return convertCode(argT, d, a[0]);
      v = isFloat(argT) && (isInteger(d) || isBool(d)) ? (isBool(d) ? `${a[0]} !== 0` : `__trunc(${a[0]})`) : a[0];
      break;
    case "neg":
      v = `-${a[0]}`;
      break;
    case "abs":
      v = big ? `(${a[0]} < 0n ? -${a[0]} : ${a[0]})` : `Math.abs(${a[0]})`;
      break;
    case "sign":
      v = big ? `__signb(${a[0]})` : `__sign(${a[0]})`;
      break;
    case "square":
      v = d === "int32" || d === "uint32" ? `__sqi(${a[0]})` : big ? `${a[0]} * ${a[0]}` : `__sq(${a[0]})`;
      break;
    case "reciprocal":
      v = big ? `__recipb(${a[0]})` : intish ? `__trunc(1 / ${a[0]})` : `1 / ${a[0]}`;
      break;
    case "sqrt":
      v = `Math.sqrt(${a[0]})`;
      break;
    case "cbrt":
      v = `Math.cbrt(${a[0]})`;
      break;
    case "exp":
      v = `Math.exp(${a[0]})`;
      break;
    case "expm1":
      v = `Math.expm1(${a[0]})`;
      break;
    case "exp2":
      v = `Math.pow(2, ${a[0]})`;
      break;
    case "log":
      v = `Math.log(${a[0]})`;
      break;
    case "log1p":
      v = `Math.log1p(${a[0]})`;
      break;
    case "log2":
      v = `Math.log2(${a[0]})`;
      break;
    case "log10":
      v = `Math.log10(${a[0]})`;
      break;
    case "sin":
    case "cos":
    case "tan":
    case "sinh":
    case "cosh":
    case "tanh":
      v = `Math.${e.op}(${a[0]})`;
      break;
    case "arcsin":
    case "arccos":
    case "arctan":
    case "arcsinh":
    case "arccosh":
    case "arctanh":
      v = `Math.a${e.op.slice(3)}(${a[0]})`;
      break;
    case "floor":
    case "ceil":
    case "trunc":
      v = `Math.${e.op}(${a[0]})`;
      break;
    case "rint":
      v = `__rint(${a[0]})`;
      break;
    case "isnan":
      v = isBig(argT) ? "false" : `${a[0]} !== ${a[0]}`;
      break;
    case "isinf":
      v = isBig(argT) ? "false" : `(${a[0]} === Infinity || ${a[0]} === -Infinity)`;
      break;
    case "isfinite":
      v = isBig(argT) ? "true" : `Number.isFinite(${a[0]})`;
      break;
    case "logicalNot":
      v = `${a[0]} === ${z}`;
      break;
    default:
      throw new Error(`internal: unknown elementwise op ${e.op}`);
  }
  // integer dtypes of up to 16 bits can come from exact double arithmetic; cast always keeps the
  // node's value inside its dtype (wrap-around, float32 rounding, bool 0/1).
  return castCode(d, `(${v})`);
}

/**
 * numpy's float floor_divide (npy_floor_divide / npy_divmod): the quotient of `a - fmod(a, b)`,
 * snapped to an integer, so 1 // 0.1 is 9 as in Python, and inf // 1 is NaN. `r` rounds every step
 * (Math.fround for float32 loops).
 */
function floorDivFloat(a: number, b: number, r: (x: number) => number): number {
  if (b === 0) return r(a / b);
  const mod = r(a % b);
  let div = r(r(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = r(div - 1); // NaN mod: C's `if (mod)` is true
  if (div !== 0) {
    let f = Math.floor(div);
    if (r(div - f) > 0.5) f = r(f + 1);
    return f;
  }
  const q = a / b;
  return q < 0 || Object.is(q, -0) ? -0 : 0;
}
const id = (x: number) => x;

const I64_MIN = -(2n ** 63n);

/** 64-bit integer power (numpy: a negative exponent raises; the result wraps around). */
function powBig(a: bigint, b: bigint): bigint {
  if (b < 0n) throw new ValueError("pow: integers to negative integer powers are not allowed (as numpy); convert to float first");
  let r = 1n;
  let base = BigInt.asUintN(64, a);
  let e = b;
  while (e > 0n) {
    if (e & 1n) r = BigInt.asUintN(64, r * base);
    base = BigInt.asUintN(64, base * base);
    e >>= 1n;
  }
  return r; // the caller's cast wraps it into int64 / uint64
}

/** Helpers the generated code calls. */
const HELPERS = {
  __sq: (x: number) => x * x,
  __sqi: (x: number) => Math.imul(x, x),
  __fdivf: (a: number, b: number) => floorDivFloat(a, b, id),
  __fdivf32: (a: number, b: number) => floorDivFloat(a, b, Math.fround),
  /** C's pow: pow(1, y) is 1 for every y (NaN too) and pow(-1, +-inf) is 1, where Math.pow gives NaN. */
  __powf: (a: number, b: number) => (a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b)),
  __trunc: (x: number) => (Number.isFinite(x) ? Math.trunc(x) : 0),
  __f2i64: floatToInt64,
  __f2u64: floatToUint64,
  /** numpy's int64 / uint64 floor_divide: floor of the quotient; division by zero gives 0 (numpy warns). */
  __fdivb: (a: bigint, b: bigint) => {
    if (b === 0n) return 0n;
    const q = a / b;
    return (a % b !== 0n) && (a < 0n) !== (b < 0n) ? q - 1n : q;
  },
  /** numpy's int64 / uint64 remainder: the sign of the divisor; a zero divisor gives 0. */
  __modb: (a: bigint, b: bigint) => {
    if (b === 0n) return 0n;
    const r = a % b;
    return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
  },
  __powb: powBig,
  __signb: (x: bigint) => (x > 0n ? 1n : x < 0n ? -1n : 0n),
  /** numpy's integer reciprocal: 1 / x truncated; 1 / 0 gives the most negative int64 (x86). */
  __recipb: (x: bigint) => (x === 0n ? I64_MIN : 1n / x),
  __fdivi: (a: number, b: number) => (b === 0 ? 0 : Math.floor(a / b)),
  __modi: (a: number, b: number) => (b === 0 ? 0 : a - Math.floor(a / b) * b),
  __modf: (a: number, b: number) => {
    if (b === 0 || !Number.isFinite(a)) return NaN;
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r === 0 ? (b < 0 ? -0 : 0) : r;
  },
  __powi: (a: number, b: number) => {
    // numpy raises for any negative exponent, whatever the base (1 ** -1 too)
    if (b < 0) {
      throw new ValueError(
        'pow: Integers to negative integer powers are not allowed (as numpy); cast to a float dtype first, e.g. x.astype("float64").pow(y)',
      );
    }
    let r = 1;
    let base = a;
    let e = b;
    // exact modular exponentiation for 32-bit wrap-around
    while (e > 0) {
      if (e & 1) r = Math.imul(r, base);
      base = Math.imul(base, base);
      e = Math.floor(e / 2);
    }
    return r;
  },
  __max: (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b),
  __min: (a: number, b: number) => (a !== a || b !== b ? NaN : a < b ? a : b),
  __fmax: (a: number, b: number) => (a !== a ? b : b !== b ? a : a > b ? a : b),
  __fmin: (a: number, b: number) => (a !== a ? b : b !== b ? a : a < b ? a : b),
  __sign: (x: number) => (x !== x ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0),
  __rint: (x: number) => {
    // round half to even, as numpy
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
};

/**
 * Build a function from generated source `src` (a function body that returns the compiled
 * function) with the helpers the code of `codeOf` calls in scope.
 */
export function withHelpers<F>(src: string): F {
  const names = Object.keys(HELPERS);
  const factory = new Function(...names, src) as (...h: unknown[]) => F;
  return factory(...names.map((n) => HELPERS[n as keyof typeof HELPERS]));
}

/** A cache key for an expression (NaN / Infinity / -0 constants kept distinct). */
export function exprKey(e: Expr): string {
  return JSON.stringify(e, (_k, v: unknown) =>
    typeof v === "bigint" ? `#${String(v)}n` : typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)) ? `#${Object.is(v, -0) ? "-0" : String(v)}` : v,
  );
}

type Loop = (ins: ArrayLike<number | bigint>[], offs: number[], strides: number[][], out: TypedArray, shape: number[]) => void;
const loopCache = new Map<string, Loop>();

/**
 * Compile `e` into a loop over an output block of `ndim` dimensions. `flat[i]` says input i is
 * read contiguously in the output's C order (stride 1 everywhere) or is a single value; otherwise
 * it is read through per-axis strides.
 */
function compile(e: Expr, nInputs: number, ndim: number, mode: ("c" | "s" | "g" | "u" | "z")[]): Loop {
  // constants NaN / Infinity / -0 must not collide with null / 0 in the cache key
  const key = exprKey(e);
  const sig = `${key}|${nInputs}|${ndim}|${mode.join("")}`;
  const hit = loopCache.get(sig);
  if (hit) return hit;
  let body: string;
  const decl: string[] = [];
  for (let i = 0; i < nInputs; i++) decl.push(`const in${i} = ins[${i}];`);
  if (ndim <= 1) {
    // one flat loop: contiguous ("c"), single value ("s") or strided ("g") inputs
    const read = (i: number) => (mode[i] === "c" ? `in${i}[o${i} + k]` : mode[i] === "s" ? `in${i}[o${i}]` : `in${i}[o${i} + k * s${i}]`);
    for (let i = 0; i < nInputs; i++) {
      decl.push(`const o${i} = offs[${i}];`);
      if (mode[i] === "g") decl.push(`const s${i} = ndim === 0 ? 0 : strides[${i}][0];`);
    }
    body = `let n = 1; for (let a = 0; a < shape.length; a++) n *= shape[a];
for (let k = 0; k < n; k++) { out[k] = ${codeOf(e, read)}; }`;
  } else {
    // nested loops over the outer axes with a running position per input; the innermost axis is
    // a plain loop whose reads are specialised on the input's inner stride: 1 ("u"), 0 ("z") or any ("g")
    const L = ndim - 1;
    const lines: string[] = [];
    for (let i = 0; i < nInputs; i++) {
      for (let a = 0; a < ndim; a++) decl.push(`const s${i}_${a} = strides[${i}][${a}];`);
      lines.push(`let p${i}_0 = offs[${i}];`);
    }
    lines.push("let k = 0;");
    lines.push(`const nL = shape[${L}];`);
    for (let a = 0; a < L; a++) {
      lines.push(`for (let i${a} = 0, n${a} = shape[${a}]; i${a} < n${a}; i${a}++) {`);
      for (let i = 0; i < nInputs; i++) lines.push(`let p${i}_${a + 1} = p${i}_${a};`);
      if (a < L - 1) lines.push("{");
    }
    const read = (i: number) => (mode[i] === "u" ? `in${i}[p${i}_${L} + j]` : mode[i] === "z" ? `in${i}[p${i}_${L}]` : `in${i}[p${i}_${L} + j * s${i}_${L}]`);
    lines.push(`for (let j = 0; j < nL; j++) { out[k + j] = ${codeOf(e, read)}; }`);
    lines.push("k += nL;");
    for (let a = L - 1; a >= 0; a--) {
      if (a < L - 1) lines.push("}");
      for (let i = 0; i < nInputs; i++) lines.push(`p${i}_${a} += s${i}_${a};`);
      lines.push("}");
    }
    body = lines.join("\n");
  }
  const src = `"use strict";\nreturn function loop(ins, offs, strides, out, shape) {\nconst ndim = shape.length;\n${decl.join("\n")}\n${body}\n};`;
  const fn = withHelpers<Loop>(src);
  loopCache.set(sig, fn);
  return fn;
}

/** Strides that read `b` broadcast to `shape` (right-aligned; 0 on broadcast axes). */
export function broadcastStrides(b: Block, shape: readonly number[]): number[] {
  const nd = shape.length;
  const off = nd - b.shape.length;
  const st = new Array<number>(nd).fill(0);
  for (let a = 0; a < b.shape.length; a++) {
    const n = b.shape[a];
    if (n === shape[a + off]) st[a + off] = n === 1 ? 0 : b.stride[a];
    else if (n !== 1) throw new ValueError(`internal: block of shape [${b.shape}] does not broadcast to [${shape}]`);
  }
  return st;
}

/** Evaluate an expression over blocks into a new C-contiguous block of `shape`. */
export function evaluate(e: Expr, inputs: readonly Block[], shape: readonly number[], into?: TypedArray): Block {
  const n = sizeOf(shape);
  const out = into ?? allocate(e.dtype, n);
  const cs = cStrides(shape);
  const { shape: cshape, strides } = collapseAxes(
    shape,
    inputs.map((b) => broadcastStrides(b, shape)),
  );
  const nd = cshape.length;
  const mode = strides.map((st, i): "c" | "s" | "g" | "u" | "z" => {
    if (st.every((x) => x === 0) || sizeOf(inputs[i].shape) === 1) return "s";
    if (nd === 1) return st[0] === 1 ? "c" : "g";
    const inner = st[nd - 1];
    return inner === 1 ? "u" : inner === 0 ? "z" : "g";
  });
  // the compiled SIMD kernel where it applies (one flat loop over contiguous or single-value inputs)
  if (nd === 1 && mode.every((m) => m === "c" || m === "s")) {
    const modes = mode.map((m) => (m === "s" ? "s" : "v") as "s" | "v");
    if (wasmEvaluate(e, exprCacheKey(e), inputs.map((b) => b.data), inputs.map((b) => b.offset), modes, out, n)) return { data: out, shape: shape.slice(), stride: cs, offset: 0 };
  }
  const loop = compile(e, inputs.length, nd, mode);
  loop(
    inputs.map((b) => b.data),
    inputs.map((b) => b.offset),
    strides,
    out,
    cshape,
  );
  return { data: out, shape: shape.slice(), stride: cs, offset: 0 };
}

/**
 * Drop length-1 axes and merge neighbouring axes that every input walks contiguously (the output
 * is C-contiguous), so a block that is a view of a larger array loops over long inner rows.
 */
export function collapseAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let a = 0; a < shape.length; a++) {
    const n = shape[a];
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((st, i) => outStrides[i][last] === st[a] * n)) {
      outShape[last] *= n;
      strides.forEach((st, i) => (outStrides[i][last] = st[a]));
    } else {
      outShape.push(n);
      strides.forEach((st, i) => outStrides[i].push(st[a]));
    }
  }
  if (outShape.length === 0 && shape.every((n) => n === 1)) return { shape: shape.length ? [1] : [], strides: strides.map(() => (shape.length ? [0] : [])) };
  return { shape: outShape, strides: outStrides };
}

export interface ElementwiseParams {
  expr: Expr;
}

const scratch = new Map<DType, TypedArray>();

/**
 * Evaluate into this thread's scratch buffer for the dtype (reused from call to call, so its pages
 * are already mapped): for a consumer that reads the values at once and keeps nothing, such as a
 * reduction's chunk step with the expression fused into it.
 */
export function evaluateScratch(e: Expr, inputs: readonly Block[]): Block {
  const shape = blockBroadcastShape(inputs);
  const n = sizeOf(shape);
  let buf = scratch.get(e.dtype);
  if (!buf || buf.length < n) {
    buf = allocate(e.dtype, n, false);
    scratch.set(e.dtype, buf);
  }
  return evaluate(e, inputs, shape, buf.length === n ? buf : buf.subarray(0, n));
}

/** The broadcast shape of the input blocks (the output block's shape). */
export function blockBroadcastShape(inputs: readonly Block[]): number[] {
  const nd = Math.max(0, ...inputs.map((b) => b.shape.length));
  const out = new Array<number>(nd).fill(1);
  for (const b of inputs) {
    const off = nd - b.shape.length;
    for (let a = 0; a < b.shape.length; a++) if (b.shape[a] !== 1) out[a + off] = b.shape[a];
  }
  return out;
}

registerKernel<ElementwiseParams>("elementwise", (inputs, p) => {
  const blocks = inputs as Block[];
  return evaluate(p.expr, blocks, blockBroadcastShape(blocks));
});

/** Renumber the inputs of `e` by `map`. */
function remap(e: Expr, map: (leaf: { i: number; dtype: DType }) => Expr): Expr {
  if (e.t === "in") return map(e);
  if (e.t === "const") return e;
  return { t: "op", op: e.op, dtype: e.dtype, args: e.args.map((x) => remap(x, map)) };
}

/**
 * Fusion: an elementwise task whose input is another elementwise task used by nobody else (and not
 * an output, and used once by the consumer) absorbs it: one task and one loop per block.
 */
function fuseElementwise(tasks: Map<Key, Task>, outputs: ReadonlySet<Key>): void {
  const dependents = dependentsCount(tasks);
  const fusable = (k: Key, consumer: Task) =>
    tasks.get(k)?.op === "elementwise" &&
    !outputs.has(k) &&
    dependents.get(k) === 1 &&
    consumer.deps.filter((d) => d === k).length === 1;
  const absorbed = new Set<Key>();
  const done = new Set<Key>();
  const fuse = (t: Task): void => {
    if (done.has(t.key)) return;
    done.add(t.key);
    const p = t.params as ElementwiseParams;
    const newDeps: Key[] = [];
    const slot = new Map<Key, number>();
    const addDep = (k: Key): number => {
      let s = slot.get(k);
      if (s === undefined) {
        s = newDeps.length;
        newDeps.push(k);
        slot.set(k, s);
      }
      return s;
    };
    const expr = remap(p.expr, (leaf) => {
      const k = t.deps[leaf.i];
      if (fusable(k, t)) {
        const inner = tasks.get(k) as Task;
        fuse(inner);
        absorbed.add(k);
        const ip = inner.params as ElementwiseParams;
        return remap(ip.expr, (l) => ({ t: "in", i: addDep(inner.deps[l.i]), dtype: l.dtype }));
      }
      return { t: "in", i: addDep(k), dtype: leaf.dtype };
    });
    t.deps = newDeps;
    t.params = { expr } satisfies ElementwiseParams;
  };
  // consumers first: visit tasks whose output is not itself absorbed
  for (const t of tasks.values()) if (t.op === "elementwise" && !absorbed.has(t.key)) fuse(t);
  for (const k of absorbed) tasks.delete(k);
}

registerPass(fuseElementwise, 10);
