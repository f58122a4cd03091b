import { TypeError, ValueError } from "./errors";
/**
 * dtypes and numpy's type promotion.
 *
 * The engine has the nine numeric dtypes below, plus "object" (numpy's dtype('O')): an array whose
 * elements are JS values (an ndarray per navigation pixel of a ragged signal, a dict...), held in
 * plain JS Arrays. Object arrays can be created, sliced, rechunked, transposed, mapped over with
 * mapBlocks and computed; arithmetic, reductions and type promotion refuse them (objectNotSupported).
 *
 * int64 and uint64 are stored in BigInt64Array / BigUint64Array: every element of an array of those
 * dtypes reads as a JS `bigint` (exact over the whole 64-bit range; stores wrap around modulo 2^64 as
 * numpy's integers do). Every other numeric dtype reads as a JS `number`. Scalar operands may be
 * numbers or bigints; a bigint scalar is a python int of that exact value (docs/engine.md).
 */

export type DType =
  | "bool"
  | "int8"
  | "int16"
  | "int32"
  | "uint8"
  | "uint16"
  | "uint32"
  | "float32"
  | "float64"
  | "int64"
  | "uint64"
  | "object";

/** The numeric dtypes (every dtype but "object"). */
export type NumericDType = Exclude<DType, "object">;

/** The typed arrays whose elements are JS numbers (every dtype but int64 / uint64). */
export type NumberTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/**
 * The typed arrays of int64 / uint64: their elements are JS bigints. (Spelt through InstanceType so
 * that it is the type scijs ndarray's typings accept under TypeScript 5.0 and 5.7+ alike.)
 */
export type BigIntTypedArray = InstanceType<typeof BigInt64Array> | InstanceType<typeof BigUint64Array>;

/** A block's storage: a number typed array, or a bigint one for int64 / uint64. */
export type TypedArray = NumberTypedArray | BigIntTypedArray;

/** The numeric dtypes ("object" is not listed: it is accepted only where object arrays make sense). */
export const DTYPES: readonly NumericDType[] = Object.freeze([
  "bool",
  "int8",
  "int16",
  "int32",
  "uint8",
  "uint16",
  "uint32",
  "float32",
  "float64",
  "int64",
  "uint64",
]);

type Ctor = {
  new (n: number): TypedArray;
  new (buf: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  BYTES_PER_ELEMENT: number;
};

const CTORS: Record<NumericDType, Ctor> = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

/** Whether `x` names one of the numeric dtypes ("object" is not one). */
export function isDType(x: unknown): x is NumericDType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

/**
 * The error for an operation that needs numbers on an object (ragged) array: it names the operation
 * and the way to work on the elements instead.
 */
export function objectNotSupported(operation: string): TypeError {
  return new TypeError(
    `${operation} is not supported on a ragged/object array (dtype "object": its elements are JS values, not numbers); ` +
      `work on the elements instead: signal.map(fn) on a ragged signal, or lazy mapBlocks(fn, { dtype }) on the array`,
  );
}

/**
 * Throws a clear error if `d` is not one of the engine's dtypes. "object" is accepted only with
 * `allowObject` (where object arrays make sense: mapBlocks, map's outputDtype).
 */
export function checkDType(d: unknown, where = "dtype", allowObject = false): DType {
  if (d === "object") {
    if (allowObject) return d;
    throw new TypeError(
      `${where}: dtype "object" is not accepted here; object arrays come from fromArray of an object ndarray (lazy.objectArray) or from mapBlocks with { dtype: "object" }, and hold JS values, not numbers`,
    );
  }
  if (!isDType(d)) {
    const hint =
      d === "float16"
          ? " (float16 is not supported: use float32)"
          : "";
    throw new TypeError(`${where}: unknown dtype ${JSON.stringify(d)}${hint}; expected one of ${DTYPES.join(", ")}`);
  }
  return d;
}

/** Bytes per element (8 for "object": numpy's pointer size; the objects themselves are not counted). */
export function itemsize(d: DType): number {
  return d === "object" ? 8 : CTORS[d].BYTES_PER_ELEMENT;
}

export function arrayConstructor(d: DType): Ctor {
  if (d === "object") throw new TypeError('internal: dtype "object" has no typed-array constructor (its blocks hold plain JS Arrays)');
  return CTORS[d];
}

let sharedDepth = 0;

/**
 * Allocate blocks in SharedArrayBuffers while `on` (worker threads always do, and the threaded
 * scheduler does while it runs), so blocks cross between threads without a copy.
 */
export function setSharedAllocation(on: boolean): void {
  sharedDepth = Math.max(0, sharedDepth + (on ? 1 : -1));
}

export function sharedAllocation(): boolean {
  return sharedDepth > 0;
}

/**
 * A new zero-filled typed array of `n` elements of dtype `d`. For "object": a plain JS Array of
 * `n` nulls (numpy's None), typed as TypedArray so that the engine's generic block code (views,
 * copies, slicing, rechunking) handles it unchanged; it never goes to shared memory.
 */
export function allocate(d: DType, n: number, shared = sharedDepth > 0): TypedArray {
  if (d === "object") return new Array<unknown>(n).fill(null) as unknown as TypedArray;
  const C = CTORS[d];
  try {
    if (shared) return new C(new SharedArrayBuffer(n * C.BYTES_PER_ELEMENT), 0, n);
    return new C(n);
  } catch (e) {
    // V8's bare "Array buffer allocation failed" / "Invalid typed array length": name the size and the way out
    if (e instanceof RangeError) throw new RangeError(allocationMessage(d, n));
    throw e;
  }
}

/** A byte count as "7.28 TiB" (binary prefixes). */
export function formatSize(bytes: number): string {
  for (const [p, k] of [["PiB", 2 ** 50], ["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20]] as const) {
    if (bytes >= k) return `${(bytes / k).toFixed(2)} ${p}`;
  }
  return `${bytes} B`;
}

/** Why `n` elements of `d` cannot be allocated, with the size and the ways out. */
export function allocationMessage(d: DType, n: number, why = "more memory than this process can get"): string {
  const size = formatSize(n * (d === "object" ? 8 : CTORS[d].BYTES_PER_ELEMENT));
  return (
    `cannot allocate ${size} (${n} ${d} elements): ${why}. ` +
    `Compute a part of the array (x.get(...), or a reduction such as x.sum()), store it block by block ` +
    `(x.store(sink), or save a lazy signal to a file), or use smaller chunks if a single block is this large`
  );
}

/** The dtype a typed array stores (Uint8Array reads as uint8; bool is carried separately; a plain JS Array is "object"). */
export function dtypeOfTypedArray(a: TypedArray | ArrayLike<number>): DType {
  if (Array.isArray(a)) return "object";
  if (a instanceof BigInt64Array) return "int64";
  if (a instanceof BigUint64Array) return "uint64";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return "uint8";
  return "float64";
}

export const isBool = (d: DType): boolean => d === "bool";
export const isFloat = (d: DType): boolean => d === "float32" || d === "float64";
export const isUnsigned = (d: DType): boolean => d === "uint8" || d === "uint16" || d === "uint32" || d === "uint64";
export const isSignedInt = (d: DType): boolean => d === "int8" || d === "int16" || d === "int32" || d === "int64";
/** int64 / uint64: stored in BigInt64Array / BigUint64Array, elements are bigints. */
export const isBig = (d: DType): boolean => d === "int64" || d === "uint64";
/** Whether the typed array holds bigints (BigInt64Array / BigUint64Array). */
export function isBigArray(a: unknown): a is BigIntTypedArray {
  return a instanceof BigInt64Array || a instanceof BigUint64Array;
}
export const isInteger = (d: DType): boolean => isUnsigned(d) || isSignedInt(d);

/** 0 bool, 1 integer, 2 float: numpy's "kind" order used by value-based casting. */
function category(d: DType): number {
  return d === "bool" ? 0 : isFloat(d) ? 2 : 1;
}

function bits(d: DType): number {
  return itemsize(d) * 8;
}

function signedOfBits(b: number): DType {
  return b <= 8 ? "int8" : b <= 16 ? "int16" : b <= 32 ? "int32" : b <= 64 ? "int64" : "float64"; // uint64 with a signed type -> float64
}

/** numpy.promote_types over our dtypes. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a; // object with object stays object (concatenating object arrays)
  if (a === "object" || b === "object") throw objectNotSupported("type promotion with numbers");
  if (a === "bool") return b;
  if (b === "bool") return a;
  if (isFloat(a) || isFloat(b)) {
    if (a === "float64" || b === "float64") return "float64";
    // one is float32, the other an integer
    const other = a === "float32" ? b : a;
    return bits(other) <= 16 ? "float32" : "float64";
  }
  // both integers
  const au = isUnsigned(a);
  const bu = isUnsigned(b);
  if (au === bu) return bits(a) >= bits(b) ? a : b;
  const s = au ? b : a;
  const u = au ? a : b;
  if (bits(u) < bits(s)) return s;
  return signedOfBits(bits(u) * 2);
}

/** A JS scalar operand: a number (integral values count as python ints), a bigint (a python int) or a boolean. */
export type ScalarValue = number | bigint | boolean;

const TWO64 = 18446744073709551616; // 2^64 as a double
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/**
 * numpy.result_type over several dtypes. It is not a left-to-right fold of promoteTypes: numpy
 * promotes every dtype with those of the highest kind first, so int8, uint16, float32 gives float32
 * (float32 with int8, then with uint16) where the fold gives float64 (int8 with uint16 is int32, and
 * int32 with float32 float64). Folding from the dtypes of the highest category down matches numpy
 * for every sequence of up to four numpy dtypes (checked exhaustively against numpy 1.24).
 */
export function promoteTypeSequence(dtypes: readonly DType[]): DType {
  if (dtypes.length === 0) throw new TypeError("promoteTypeSequence: give at least one dtype");
  if (dtypes.every((d) => d === dtypes[0])) return dtypes[0];
  const sorted = dtypes.map((d) => checkDType(d, "dtype", true)).sort((a, b) => category(b) - category(a));
  return sorted.reduce((p, d) => promoteTypes(p, d));
}

/**
 * The kind of a scalar: 0 bool, 1 python int, 2 python float. A JS number is a python int when it
 * is integral, not -0 and inside the 64-bit range (|v| < 2^64); a bigint is always a python int
 * (checkBigScalar refuses one outside int64 / uint64).
 */
export function scalarKind(s: ScalarValue): 0 | 1 | 2 {
  if (typeof s === "boolean") return 0;
  if (typeof s === "bigint") return 1;
  return Number.isInteger(s) && !Object.is(s, -0) && Math.abs(s) < TWO64 ? 1 : 2;
}

/** A bigint scalar must fit int64 or uint64 (numpy: OverflowError "Python int too large to convert to C long"). */
export function checkBigScalar(v: bigint, where = "scalar"): bigint {
  if (v < I64_MIN || v > U64_MAX) {
    throw new ValueError(`${where}: the integer ${v} does not fit int64 or uint64 (numpy: OverflowError, Python int too large); use a float (Number(v))`);
  }
  return v;
}

/**
 * numpy 1.x `min_scalar_type` for a JS scalar; "float16" is reported as float32 with `f16` set.
 * `smallUnsigned` is numpy's flag for a non-negative integer that also fits the signed type of the
 * same size (1 -> uint8 but small): next to a signed or float type it counts as signed.
 */
function minScalarType(v: ScalarValue): { dtype: DType; f16: boolean; smallUnsigned: boolean } {
  const r = (dtype: DType, f16 = false, smallUnsigned = false) => ({ dtype, f16, smallUnsigned });
  if (typeof v === "boolean") return r("bool");
  if (scalarKind(v) === 1) {
    const b = typeof v === "bigint" ? checkBigScalar(v) : BigInt(v);
    if (b >= 0n) {
      if (b <= 255n) return r("uint8", false, b <= 127n);
      if (b <= 65535n) return r("uint16", false, b <= 32767n);
      if (b <= 4294967295n) return r("uint32", false, b <= 2147483647n);
      if (b <= U64_MAX) return r("uint64", false, b <= I64_MAX);
      return r("float64");
    }
    if (b >= -128n) return r("int8");
    if (b >= -32768n) return r("int16");
    if (b >= -2147483648n) return r("int32");
    if (b >= I64_MIN) return r("int64");
    return r("float64");
  }
  const a = Math.abs(v as number);
  if (!Number.isFinite(a) || a <= 65504) return r("float32", true);
  if (a <= 3.4028234663852886e38) return r("float32");
  return r("float64");
}

const SIGNED_OF: Partial<Record<DType, DType>> = { uint8: "int8", uint16: "int16", uint32: "int32", uint64: "int64" };

/** The default dtype numpy gives a python scalar on its own (np.asarray(v).dtype on Linux). */
export function scalarDefaultType(v: ScalarValue): DType {
  const k = scalarKind(v);
  if (k === 0) return "bool";
  if (k === 2) return "float64";
  const b = typeof v === "bigint" ? checkBigScalar(v) : BigInt(v as number);
  return b > I64_MAX ? "uint64" : b < I64_MIN ? "float64" : "int64";
}

/**
 * numpy 1.24's `result_type` for a mix of array dtypes and JS scalars (value-based casting): when
 * the scalars' kind is no higher than the arrays' kind, each scalar counts as its minimal dtype;
 * otherwise scalars take their default dtype (python int: int64, or uint64 above 2^63 - 1; python
 * float: float64). An integral JS number counts as a python int, any other as a python float; a
 * bigint is a python int.
 */
export function resultType(...operands: (DType | ScalarValue)[]): DType {
  const arrays: DType[] = [];
  const scalars: ScalarValue[] = [];
  for (const o of operands) {
    if (o === "object") throw objectNotSupported("type promotion");
    if (typeof o === "string") arrays.push(checkDType(o));
    else scalars.push(o);
  }
  if (arrays.length === 0) {
    // only scalars: python semantics (each as np.asarray would type it)
    let r: DType = "bool";
    for (const s of scalars) r = promoteTypes(r, scalarDefaultType(s));
    return r;
  }
  let r = promoteTypeSequence(arrays);
  if (scalars.length === 0) return r;
  const arrayKind = Math.max(...arrays.map(category));
  const maxScalarKind = Math.max(...scalars.map(scalarKind));
  if (maxScalarKind > arrayKind) {
    for (const s of scalars) r = promoteTypes(r, scalarDefaultType(s));
    return r;
  }
  for (const s of scalars) {
    const m = minScalarType(s);
    if (m.f16) {
      // float16 promotes with ints of <= 8 bits to float16 (float32 here), with 16-bit ints to
      // float32, with wider ints to float64; with floats, to the float.
      r = isFloat(r) ? r : promoteTypes(r, "float32");
    } else if (m.smallUnsigned && !isBool(r) && !isUnsigned(r)) {
      // numpy's promote_types with is_small_unsigned: the scalar counts as the signed type of its size
      r = promoteTypes(r, SIGNED_OF[m.dtype] as DType);
    } else r = promoteTypes(r, m.dtype);
  }
  return r;
}

type LoopType = DType | "float16";
/** The loops of numpy's integer/float binary ufuncs without a bool loop (floor_divide, remainder, power), in search order. */
const UFUNC_LOOPS: readonly LoopType[] = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64"];

function loopBits(d: LoopType): number {
  return d === "float16" ? 16 : bits(d);
}
function loopKind(d: LoopType): "b" | "i" | "u" | "f" {
  if (d === "bool") return "b";
  if (d === "float16" || d === "float32" || d === "float64") return "f";
  return d.startsWith("u") ? "u" : "i";
}

/** numpy.can_cast(from, to, "safe") over the loop types. */
function canCastSafe(from: LoopType, to: LoopType): boolean {
  const kf = loopKind(from);
  const kt = loopKind(to);
  const bf = loopBits(from);
  const bt = loopBits(to);
  if (kf === "b") return true;
  if (kt === "b") return false;
  if (kf === "f") return kt === "f" && bt >= bf;
  if (kt === "f") return bt > bf || (bf === 64 && bt === 64); // numpy counts int64 -> float64 as safe
  if (kf === kt) return bt >= bf;
  if (kf === "u" && kt === "i") return bt > bf;
  return false; // signed -> unsigned
}

/**
 * The loop dtype numpy 1.24's default ufunc type resolver picks for floor_divide, remainder and power:
 * the first loop every operand casts to safely, scalars by value (when their kind does not exceed the
 * arrays'). It differs from resultType for python ints next to unsigned arrays: uint8 // 70000 runs in
 * int32 where uint8 + 70000 runs in uint32. float16 loops run in float32 here.
 */
export function ufuncLoopType(...operands: (DType | ScalarValue)[]): DType {
  if (operands.includes("object")) throw objectNotSupported("type promotion");
  const arrays = operands.filter((o): o is DType => typeof o === "string").map((d) => checkDType(d));
  const scalars = operands.filter((o): o is ScalarValue => typeof o !== "string");
  const useMin = arrays.length > 0 && Math.max(-1, ...scalars.map(scalarKind)) <= Math.max(...arrays.map(category));
  const fits = (t: LoopType): boolean => {
    for (const d of arrays) if (!canCastSafe(d, t)) return false;
    for (const s of scalars) {
      if (!useMin) {
        if (!canCastSafe(scalarDefaultType(s), t)) return false;
        continue;
      }
      const m = minScalarType(s);
      let from: LoopType = m.f16 ? "float16" : m.dtype;
      if (m.smallUnsigned && loopKind(t) !== "u") from = SIGNED_OF[m.dtype] as DType;
      if (!canCastSafe(from, t)) return false;
    }
    return true;
  };
  const t = UFUNC_LOOPS.find(fits) ?? "float64";
  return t === "float16" ? "float32" : t;
}

/**
 * JS source that keeps the value `v` inside dtype `d` with numpy's wrap-around for integers, where
 * `v` is already of d's representation: a number expression for every dtype but int64 / uint64, a
 * bigint expression for those. (Conversions between representations: convertCode.)
 */
export function castCode(d: DType, v: string): string {
  switch (d) {
    case "object":
      throw objectNotSupported("a cast");
    case "bool":
      return `((${v}) ? 1 : 0)`;
    case "int8":
      return `(((${v}) << 24) >> 24)`;
    case "uint8":
      return `((${v}) & 255)`;
    case "int16":
      return `(((${v}) << 16) >> 16)`;
    case "uint16":
      return `((${v}) & 65535)`;
    case "int32":
      return `((${v}) | 0)`;
    case "uint32":
      return `((${v}) >>> 0)`;
    case "float32":
      return `Math.fround(${v})`;
    case "float64":
      return `(+(${v}))`;
    case "int64":
      return `BigInt.asIntN(64, ${v})`;
    case "uint64":
      return `BigInt.asUintN(64, ${v})`;
  }
}

/**
 * JS source converting `v`, a value of dtype `from` (in its representation), to dtype `to` as
 * numpy's astype does: floats to integers truncate toward zero (NaN and out-of-range values as x86
 * numpy gives them: 0 for the narrow types, -2^63 for int64), integers wrap around, int64 / uint64
 * to float round to nearest. The result is in `to`'s representation (bigint for int64 / uint64).
 */
export function convertCode(from: DType, to: DType, v: string): string {
  if (from === to) return v;
  const fb = isBig(from);
  const tb = isBig(to);
  if (to === "bool") return fb ? `((${v}) !== 0n ? 1 : 0)` : `((${v}) !== 0 ? 1 : 0)`;
  if (fb && tb) return castCode(to, v);
  if (fb) {
    // bigint -> number
    if (isFloat(to)) return castCode(to, `Number(${v})`);
    return castCode(to, `Number(BigInt.asIntN(32, ${v}))`);
  }
  if (tb) {
    // number -> bigint
    if (isFloat(from)) return to === "int64" ? `__f2i64(${v})` : `__f2u64(${v})`;
    return castCode(to, `BigInt(${v})`);
  }
  if (isFloat(from) && isInteger(to)) return castCode(to, `__trunc(${v})`);
  return castCode(to, v);
}

const TWO63 = 9223372036854775808; // 2^63 as a double

/** float -> int64 as numpy on x86 (cvttsd2si): truncation; NaN, +-inf and out-of-range give -2^63. */
export function floatToInt64(x: number): bigint {
  if (!(x >= -TWO63 && x < TWO63)) return I64_MIN;
  return BigInt(Math.trunc(x));
}

/** float -> uint64 as numpy on x86: below 2^63 through int64 (wrapped), at or above 2^63 offset by 2^63. */
export function floatToUint64(x: number): bigint {
  if (x >= TWO63) return BigInt.asUintN(64, floatToInt64(x - TWO63)) ^ (1n << 63n);
  return BigInt.asUintN(64, floatToInt64(x));
}

/**
 * Cast one JS scalar to dtype `d` as numpy's astype would (bool: nonzero -> 1): a bigint for int64 /
 * uint64, a number otherwise.
 */
export function castValue(d: DType, v: ScalarValue): number | bigint {
  if (d === "int64" || d === "uint64") {
    let b: bigint;
    if (typeof v === "bigint") b = v;
    else if (typeof v === "boolean") b = v ? 1n : 0n;
    else if (Number.isInteger(v)) b = d === "int64" || v < TWO63 ? floatToInt64(v) : floatToUint64(v);
    else return d === "int64" ? floatToInt64(v) : floatToUint64(v);
    return d === "int64" ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b);
  }
  if (typeof v === "bigint") {
    if (d === "bool") return v !== 0n ? 1 : 0;
    if (d === "float32") return Math.fround(Number(v));
    if (d === "float64" || d === "object") return Number(v);
    return castValue(d, Number(BigInt.asIntN(32, v)));
  }
  const n = typeof v === "boolean" ? (v ? 1 : 0) : v;
  switch (d) {
    case "object":
      return n;
    case "bool":
      return n ? 1 : 0;
    case "float32":
      return Math.fround(n);
    case "float64":
      return n;
    default: {
      const t = allocate(d, 1) as NumberTypedArray;
      t[0] = Number.isFinite(n) ? Math.trunc(n) : 0;
      return t[0];
    }
  }
}

/** castValue for a dtype whose elements are numbers (not int64 / uint64). */
export function castNumber(d: DType, v: ScalarValue): number {
  if (isBig(d)) throw new TypeError(`internal: castNumber to ${d}, whose elements are bigints`);
  return castValue(d, v) as number;
}

/** An element of a typed array as a JS number (bigints converted; exact below 2^53). */
export function toNumber(v: number | bigint): number {
  return typeof v === "bigint" ? Number(v) : v;
}
