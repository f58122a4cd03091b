/**
 * Arithmetic between signals and with scalars: HyperSpy 1.7.3's `_binary_operator_ruler` and
 * `_unary_operator_ruler`, plus the numpy ufuncs HyperSpy users apply to signals (`np.sqrt(s)`,
 * `np.maximum(s, t)`).
 *
 * - Signal with a scalar (number or boolean): the operation is applied to the data; the result keeps
 *   the axes, metadata and class. The dtype follows numpy 1.24's value-based rules (the engine's):
 *   `int8 + 1000` is int16, `int32 * 1.5` float64, `float32 + 1.5` float32. A JS number with an
 *   integral value counts as a Python int.
 * - Signal with an in-memory ndarray or a LazyArray: numpy broadcasting against the data array, as
 *   HyperSpy; the result must keep the signal's shape (HyperSpy builds an inconsistent signal otherwise;
 *   we refuse).
 * - Signal with signal: equal navigation and signal shapes operate elementwise on the data aligned
 *   with the axes (navigation first) and keep the left signal's axes and class. Otherwise navigation
 *   against navigation and signal against signal are broadcast separately, axis by axis from x (natural
 *   order): sizes must be equal, or one of them 1 or missing, else "Invalid dimensions for this
 *   operation". Each result axis is a copy of the longer of the two (the left one on ties), and the
 *   class is assigned from the result's signal dimension (HyperSpy transposes the result), so
 *   `(3, 2|) + (|3, 2)` is a Signal2D of `(3, 2|3, 2)`.
 * - Title and metadata come from the left signal. The ufunc-only operations (sqrt, exp, log, log10,
 *   square, sign, maximum, minimum) take numpy's ufunc title as HyperSpy's `__array_wrap__`:
 *   `sqrt(demo)`, `maximum(Untitled Signal 1, 3)`; operators (`-s`, `abs(s)`, `s + t`, `s > t`)
 *   keep the title.
 * - Laziness: the result is lazy when either operand is lazy (HyperSpy 1.7.3 gives the left operand's
 *   class, so `eager + lazy` is a non-lazy class holding a dask array). An eager operand is wrapped
 *   with the engine; eager with eager runs through the engine too and computes at once, so both give
 *   the same numbers. A lazy result from an eager left signal gets the class asLazy() would give.
 * - There are no reflected operations, as in HyperSpy (`1 + s` raises TypeError there): the signal is
 *   always the left operand (`s.add(1)`); write `1 - s` as `s.neg().add(1)`.
 * - Comparisons give bool data.
 */
import { LazyArray } from "../lazy/core/array";
import { NDArray, isBlock } from "../lazy/core/block";
import { fromArray } from "../lazy/ops/creation";
import { broadcastShapes } from "../lazy/ops/ops";
import { dtypeOfTypedArray } from "../lazy/core/dtype";
import { AxesManager, DataAxis, pyNumber } from "./axes";
import type { BaseSignal, SignalData, SignalOptions } from "./signal";
import { rejectRagged } from "./ragged";
import { TypeError, ValueError } from "../lazy/core/errors";

/** What a signal can be combined with: another signal, a scalar, or an array broadcast against its data. */
export type SignalOperand = BaseSignal | number | boolean | NDArray | LazyArray;
export type SignalBinaryOp = "add" | "sub" | "mul" | "div" | "floorDiv" | "mod" | "pow" | "gt" | "ge" | "lt" | "le" | "eq" | "ne" | "maximum" | "minimum";
export type SignalUnaryOp = "neg" | "abs" | "sqrt" | "exp" | "log" | "log10" | "square" | "sign";

/** HyperSpy 1.7.3's message when two signals do not broadcast (2.x adds a trailing "."). */
export const INVALID_DIMENSIONS = "Invalid dimensions for this operation";

const BINARY_OPS: ReadonlySet<string> = new Set(["add", "sub", "mul", "div", "floorDiv", "mod", "pow", "gt", "ge", "lt", "le", "eq", "ne", "maximum", "minimum"]);
const UNARY_OPS: ReadonlySet<string> = new Set(["neg", "abs", "sqrt", "exp", "log", "log10", "square", "sign"]);

/** Python's operator symbols (for the TypeError HyperSpy's missing reflected operators give). */
const SYMBOL: Record<SignalBinaryOp, string> = {
  add: "+", sub: "-", mul: "*", div: "/", floorDiv: "//", mod: "%", pow: "** or pow()",
  gt: ">", ge: ">=", lt: "<", le: "<=", eq: "==", ne: "!=", maximum: "maximum", minimum: "minimum",
};

/** Operations HyperSpy users reach through numpy ufuncs, whose title is `name(titles...)`. */
const UFUNC_TITLE: ReadonlySet<string> = new Set(["sqrt", "exp", "log", "log10", "square", "sign", "maximum", "minimum"]);

type SignalCtor = new (data: unknown, opts?: SignalOptions) => BaseSignal;

/** Whether x is a signal (duck-typed: signal.ts imports this module, so no runtime import back). */
export function isSignal(x: unknown): x is BaseSignal {
  return (
    typeof x === "object" &&
    x !== null &&
    (x as { axesManager?: unknown }).axesManager instanceof AxesManager &&
    typeof (x as { withData?: unknown }).withData === "function"
  );
}

function pyTypeName(x: unknown): string {
  if (isSignal(x)) return x.constructor.name;
  if (typeof x === "boolean") return "bool";
  if (typeof x === "number") return Number.isInteger(x) ? "int" : "float";
  if (x === null) return "NoneType";
  if (x === undefined) return "undefined";
  if (typeof x === "string") return "str";
  if (Array.isArray(x)) return "list";
  return typeof x === "object" ? ((x as object).constructor?.name ?? "object") : typeof x;
}

function dims(s: BaseSignal): string {
  return s.axesManager.dimensionString();
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** An array operand as the engine's: LazyArrays as they are, in-memory arrays wrapped in one chunk (signals: s.lazyData()). */
function asLazyArray(d: SignalData): LazyArray {
  return d instanceof LazyArray ? d : fromArray(d, { chunks: -1 });
}

interface Aligned {
  /** Data with navigation axes first (HyperSpy's _data_aligned_with_axes), as a LazyArray. */
  data: LazyArray;
  /** Navigation and signal axes, natural (x, y) order. */
  nav: DataAxis[];
  sig: DataAxis[];
}

/** HyperSpy's `_data_aligned_with_axes`: data transposed to [nav (array order)..., sig (array order)...]. */
function aligned(s: BaseSignal): Aligned {
  const am = s.axesManager;
  const perm = [...am.navigationIndicesInArray.reverse(), ...am.signalIndicesInArray.reverse()];
  let data = s.lazyData();
  if (!perm.every((p, i) => p === i)) data = data.transpose(perm);
  return { data, nav: am.navigationAxes, sig: am.signalAxes };
}

/** Copies of natural-order navigation and signal axes, in array order with their navigate flags. */
function arrayOrderAxes(nav: readonly DataAxis[], sig: readonly DataAxis[]): DataAxis[] {
  const copy = (a: DataAxis, navigate: boolean) => {
    const c = a.copy();
    c.navigate = navigate;
    return c;
  };
  return [...nav.slice().reverse().map((a) => copy(a, true)), ...sig.slice().reverse().map((a) => copy(a, false))];
}

/**
 * The result signal. `keepClass`: HyperSpy's `_deepcopy_with_new_data` (the left signal's class, kept
 * when the laziness does not change); otherwise the class is assigned from the axes, as HyperSpy's
 * transpose / as_lazy do.
 */
function result(a: BaseSignal, data: LazyArray, lazy: boolean, axes: DataAxis[], keepClass: boolean, title?: string): BaseSignal {
  const d: SignalData = lazy ? data : data.computeSync();
  let r: BaseSignal;
  if (keepClass && lazy === a.isLazy) {
    const cls = a.constructor as SignalCtor;
    r = new cls(d, { axes, metadata: a.metadata, originalMetadata: a.originalMetadata });
  } else {
    r = a.withData(d, axes);
  }
  if (title !== undefined) r.title = title;
  return r;
}

/** numpy's ufunc title as HyperSpy's __array_wrap__: `name(title or "Untitled Signal i", str(other))`. */
function ufuncTitle(op: string, operands: readonly (BaseSignal | number | boolean | NDArray | LazyArray)[]): string {
  let i = 0;
  const parts = operands.map((o) => {
    if (isSignal(o)) {
      i += 1;
      return o.title !== "" ? o.title : `Untitled Signal ${i}`;
    }
    if (typeof o === "boolean") return o ? "True" : "False";
    if (typeof o === "number") return pyNumber(o);
    if (o instanceof LazyArray) return String(o);
    // numpy would print the values; a short description instead
    return `ndarray<shape=[${o.shape.join(", ")}], dtype=${dtypeOfTypedArray(o.data)}>`;
  });
  return `${op}(${parts.join(", ")})`;
}

function apply(op: SignalBinaryOp, x: LazyArray, y: LazyArray | number | boolean): LazyArray {
  return x[op](y);
}

/**
 * Whether two shapes (natural order, x first) broadcast as HyperSpy's `are_aligned` (on the reversed
 * shapes): each pair of sizes equal, or one of them 1, or missing.
 */
function naturalAligned(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i] && a[i] !== 1 && b[i] !== 1) return false;
  }
  return true;
}

/** HyperSpy's `_check_and_get_longest_axis` for two candidates: the longer (the first on ties). */
function longestAxis(x: DataAxis | undefined, y: DataAxis | undefined, am: [AxesManager, AxesManager]): DataAxis {
  const cands = [x, y].filter((c): c is DataAxis => c !== undefined);
  let li = 0;
  for (let i = 1; i < cands.length; i++) if (cands[i].size > cands[li].size) li = i;
  const longest = cands[li];
  if (x !== undefined && y !== undefined) {
    const other = longest === x ? y : x;
    // HyperSpy also warns for every size-1 axis broadcast (its check compares sizes first); we warn
    // only for axes of the same size whose calibrations differ, where the warning says something.
    if (other.size === longest.size && (Math.abs(other.scale - longest.scale) > 1e-7 * Math.abs(longest.scale) || Math.abs(other.offset - longest.offset) > 1e-7 * Math.abs(longest.offset) || (other.units ?? "") !== (longest.units ?? ""))) {
      const owner = longest === x ? am[0] : am[1];
      process.emitWarning(
        `Axis calibration mismatch detected along axis ${owner.indexInAxesManager(longest)}. The calibration of signal ${li} along this axis will be applied to all signals after stacking.`,
        { code: "HYPERSPY_AXIS_CALIBRATION" },
      );
    }
  }
  return longest;
}

function signalWithSignal(op: SignalBinaryOp, a: BaseSignal, b: BaseSignal): BaseSignal {
  const A = aligned(a);
  const B = aligned(b);
  const lazy = a.isLazy || b.isLazy;
  const title = UFUNC_TITLE.has(op) ? ufuncTitle(op, [a, b]) : undefined;
  const an = A.nav.map((x) => x.size);
  const as = A.sig.map((x) => x.size);
  const bn = B.nav.map((x) => x.size);
  const bs = B.sig.map((x) => x.size);
  if (sameShape(an, bn) && sameShape(as, bs)) {
    return result(a, apply(op, A.data, B.data), lazy, arrayOrderAxes(A.nav, A.sig), true, title);
  }
  if (!naturalAligned(an, bn) || !naturalAligned(as, bs)) {
    throw new ValueError(
      `${INVALID_DIMENSIONS}: ${String(a)} and ${String(b)}, dimensions ${dims(a)} and ${dims(b)}. ` +
        "Navigation shapes and signal shapes are broadcast separately, axis by axis from the first (x) axis: " +
        "each pair of sizes must be equal, or one of them 1 or missing. Make them match (inav / isig / transpose).",
    );
  }
  const ams: [AxesManager, AxesManager] = [a.axesManager, b.axesManager];
  const nav: DataAxis[] = [];
  for (let i = 0; i < Math.max(A.nav.length, B.nav.length); i++) nav.push(longestAxis(A.nav[i], B.nav[i], ams));
  const sig: DataAxis[] = [];
  for (let i = 0; i < Math.max(A.sig.length, B.sig.length); i++) sig.push(longestAxis(A.sig[i], B.sig[i], ams));
  // missing signal axes become size-1 axes between the navigation and the signal axes (HyperSpy's
  // data[nav..., None, ...]); missing navigation axes lead, where numpy's broadcasting puts them
  const pad = (x: Aligned): LazyArray => {
    let d = x.data;
    for (let k = x.sig.length; k < sig.length; k++) d = d.expandDims(x.nav.length);
    return d;
  };
  const data = apply(op, pad(A), pad(B));
  const axes = arrayOrderAxes(nav, sig);
  // sizes from the data (HyperSpy's get_dimensions_from_data after broadcast_to)
  axes.forEach((ax, i) => {
    if (ax.size !== data.shape[i]) ax.size = data.shape[i];
  });
  return result(a, data, lazy, axes, false, title);
}

function signalWithArray(op: SignalBinaryOp, a: BaseSignal, b: NDArray | LazyArray): BaseSignal {
  const other = asLazyArray(b);
  const shape = a.data.shape.slice();
  let bshape: number[];
  try {
    bshape = broadcastShapes(shape, other.shape);
  } catch {
    bshape = [];
  }
  if (!sameShape(bshape, shape)) {
    throw new ValueError(
      `${SYMBOL[op]}: an array of shape [${other.shape.join(", ")}] does not broadcast to the data shape [${shape.join(", ")}] of ${String(a)} ` +
        "(numpy broadcasting against the data array, which must keep its shape); reshape the array, or make it a signal to use HyperSpy's navigation / signal broadcasting",
    );
  }
  const lazy = a.isLazy || b instanceof LazyArray;
  const title = UFUNC_TITLE.has(op) ? ufuncTitle(op, [a, b]) : undefined;
  return result(a, apply(op, a.lazyData(), other), lazy, a.axesManager.axes.map((x) => x.copy()), true, title);
}

/** `a <op> b` with HyperSpy's rules (see the module comment). `a` must be a signal. */
export function binary(op: SignalBinaryOp, a: BaseSignal, b: SignalOperand): BaseSignal {
  if (!BINARY_OPS.has(op)) throw new TypeError(`unknown operation ${String(op)}; one of ${[...BINARY_OPS].join(", ")}`);
  if (!isSignal(a)) {
    throw new TypeError(
      `unsupported operand type(s) for ${SYMBOL[op]}: '${pyTypeName(a)}' and '${pyTypeName(b)}' ` +
        "(as HyperSpy, which has no reflected operators: the signal must be the left operand; write e.g. 1 + s as s.add(1), 1 - s as s.neg().add(1))",
    );
  }
  rejectRagged(a, `${op} (${SYMBOL[op]})`);
  if (isSignal(b)) {
    rejectRagged(b, `${op} (${SYMBOL[op]})`);
    return signalWithSignal(op, a, b);
  }
  if (typeof b === "number" || typeof b === "boolean") {
    const title = UFUNC_TITLE.has(op) ? ufuncTitle(op, [a, b]) : undefined;
    return result(a, apply(op, a.lazyData(), b), a.isLazy, a.axesManager.axes.map((x) => x.copy()), true, title);
  }
  if (b instanceof LazyArray || isBlock(b)) return signalWithArray(op, a, b);
  throw new TypeError(
    `unsupported operand type(s) for ${SYMBOL[op]}: '${pyTypeName(a)}' and '${pyTypeName(b)}'; give a signal, a number, a boolean, an ndarray or a LazyArray`,
  );
}

/** `-s`, `abs(s)` (titles kept) and `np.sqrt(s)` ... (titles `sqrt(title)`), elementwise on the data. */
export function unary(op: SignalUnaryOp, a: BaseSignal): BaseSignal {
  if (!UNARY_OPS.has(op)) throw new TypeError(`unknown operation ${String(op)}; one of ${[...UNARY_OPS].join(", ")}`);
  if (!isSignal(a)) throw new TypeError(`${op}: expected a signal, got '${pyTypeName(a)}'`);
  rejectRagged(a, op);
  const data = a.lazyData()[op]();
  const title = UFUNC_TITLE.has(op) ? ufuncTitle(op, [a]) : undefined;
  return result(a, data, a.isLazy, a.axesManager.axes.map((x) => x.copy()), true, title);
}

/** HyperSpy's unary `+s` (numpy.positive: a copy of the data) and `~s` (numpy.invert: bitwise NOT of integers, logical NOT of booleans). */
export function pos(a: BaseSignal): BaseSignal {
  if (!isSignal(a)) throw new TypeError(`pos: expected a signal, got '${pyTypeName(a)}'`);
  rejectRagged(a, "pos (+)");
  if (a.dtype === "bool") throw new TypeError("ufunc 'positive' did not contain a loop with signature matching types (numpy has no + for booleans; use the signal itself)");
  return result(a, a.lazyData().mul(1).astype(a.dtype), a.isLazy, a.axesManager.axes.map((x) => x.copy()), true, undefined);
}

export function invert(a: BaseSignal): BaseSignal {
  if (!isSignal(a)) throw new TypeError(`invert: expected a signal, got '${pyTypeName(a)}'`);
  rejectRagged(a, "invert (~)");
  const dt = a.dtype;
  const x = a.lazyData();
  let data: LazyArray;
  if (dt === "bool") data = x.logicalNot();
  else if (dt === "float32" || dt === "float64") {
    throw new TypeError(
      "ufunc 'invert' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe'' " +
        `(~ is bitwise NOT: it needs integer or boolean data, and ${String(a)} is ${dt}; use s.neg() to negate, or changeDtype to an integer dtype first)`,
    );
  } else data = x.neg().sub(1).astype(dt); // two's complement: ~x == -x - 1, wrapped into the dtype
  return result(a, data, a.isLazy, a.axesManager.axes.map((x) => x.copy()), true, undefined);
}

/** The in-place operators HyperSpy has (`+=` `-=` `*=` `/=` `//=` `**=`), by our method names. */
export type SignalInPlaceOp = "add" | "sub" | "mul" | "div" | "floorDiv" | "pow";

const KIND_RANK: { [k: string]: number } = { bool: 0, uint8: 1, uint16: 1, uint32: 1, int8: 1, int16: 1, int32: 1, float32: 2, float64: 2 };
const NP_DTYPE: { [k: string]: string } = { add: "add", sub: "subtract", mul: "multiply", div: "divide", floorDiv: "floor_divide", pow: "power" };

/**
 * `a <op>= b` (HyperSpy's __iadd__ ...): the result of `a <op> b` written into `a` itself, which
 * keeps its identity, axes and dtype. As numpy's in-place ufuncs: the result must have a's shape
 * (the other operand broadcasts into it, never the reverse), and its dtype must cast to a's with
 * numpy's "same_kind" rule (float into an integer signal is numpy's TypeError). Eager data is
 * written into the same buffer (views of it see the change, as in numpy); a lazy signal gets the
 * new lazy data (HyperSpy 1.7.3 fails there: dask arrays have no in-place operators).
 */
export function inplace(op: SignalInPlaceOp, a: BaseSignal, b: SignalOperand): BaseSignal {
  if (!(op in NP_DTYPE)) throw new TypeError(`unknown in-place operation ${String(op)}; one of ${Object.keys(NP_DTYPE).join(", ")}`);
  const r = binary(op, a, b);
  const want = a.data.shape;
  const got = r.data.shape;
  if (got.length !== want.length || got.some((n, i) => n !== want[i]) || r.axesManager.axes.length !== a.axesManager.axes.length) {
    throw new ValueError(
      `non-broadcastable output operand with shape ${fmtTuple(want)} doesn't match the broadcast shape ${fmtTuple(got)} ` +
        `(${String(a)} ${SYMBOL[op]}= ${isSignal(b) ? String(b) : pyTypeName(b)}: an in-place operation cannot grow its left operand; use s.${op}(other), which returns a new signal)`,
    );
  }
  const from = r.dtype;
  const to = a.dtype;
  if (KIND_RANK[from] > KIND_RANK[to]) {
    throw new TypeError(
      `Cannot cast ufunc '${NP_DTYPE[op]}' output from dtype('${from}') to dtype('${to}') with casting rule 'same_kind' ` +
        `(changeDtype("${from}") first, or use s.${op}(other), which returns a new signal)`,
    );
  }
  const data = from === to ? r.data : r.data instanceof LazyArray ? r.data.astype(to) : asLazyArray(r.data).astype(to).computeSync();
  if (a.isLazy) {
    a.data = data instanceof LazyArray ? data : asLazyArray(data);
    return a;
  }
  const nd = data instanceof LazyArray ? data.computeSync() : data;
  const old = a.data as NDArray;
  const ix = want.map(() => 0);
  for (let i = 0; i < nd.size; i++) {
    (old.set as (...a: (number | bigint)[]) => void)(...ix, nd.get(...ix)); // int64 data: bigints
    for (let d = ix.length - 1; d >= 0; d--) {
      if (++ix[d] < want[d]) break;
      ix[d] = 0;
    }
  }
  return a;
}

function fmtTuple(s: readonly number[]): string {
  return `(${s.join(",")}${s.length === 1 ? "," : ""})`;
}
