/**
 * dtypes and numpy's type promotion.
 *
 * The engine has the nine numeric dtypes below, plus "object" (numpy's dtype('O')): an array whose
 * elements are JS values (an ndarray per navigation pixel of a ragged signal, a dict...), held in
 * plain JS Arrays. Object arrays can be created, sliced, rechunked, transposed, mapped over with
 * mapBlocks and computed; arithmetic, reductions and type promotion refuse them (objectNotSupported). numpy's 64-bit integers have no counterpart here: where numpy
 * would produce int64 / uint64 (sums of integers, python ints outside 32 bits, int32 with uint32) we
 * produce float64, which is exact for integers up to 2^53. This is one of the documented differences
 * from numpy (docs/differences.md).
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
  | "object";

/** The numeric dtypes (every dtype but "object"). */
export type NumericDType = Exclude<DType, "object">;

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array;

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
      d === "int64" || d === "uint64"
        ? " (64-bit integers are not supported: use float64, exact up to 2^53, or int32)"
        : d === "float16"
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
  if (shared) return new C(new SharedArrayBuffer(n * C.BYTES_PER_ELEMENT), 0, n);
  return new C(n);
}

/** The dtype a typed array stores (Uint8Array reads as uint8; bool is carried separately; a plain JS Array is "object"). */
export function dtypeOfTypedArray(a: TypedArray | ArrayLike<number>): DType {
  if (Array.isArray(a)) return "object";
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
export const isUnsigned = (d: DType): boolean => d === "uint8" || d === "uint16" || d === "uint32";
export const isSignedInt = (d: DType): boolean => d === "int8" || d === "int16" || d === "int32";
export const isInteger = (d: DType): boolean => isUnsigned(d) || isSignedInt(d);

/** 0 bool, 1 integer, 2 float: numpy's "kind" order used by value-based casting. */
function category(d: DType): number {
  return d === "bool" ? 0 : isFloat(d) ? 2 : 1;
}

function bits(d: DType): number {
  return itemsize(d) * 8;
}

function signedOfBits(b: number): DType {
  return b <= 8 ? "int8" : b <= 16 ? "int16" : b <= 32 ? "int32" : "float64"; // int64 -> float64
}

/** numpy.promote_types restricted to our dtypes (int64 results become float64). */
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

/**
 * numpy 1.x `min_scalar_type` for a JS number or boolean; "float16" is reported as float32 with
 * `f16` set. `smallUnsigned` is numpy's flag for a non-negative integer that also fits the signed
 * type of the same size (1 -> uint8 but small): next to a signed or float type it counts as signed.
 */
function minScalarType(v: number | boolean): { dtype: DType; f16: boolean; smallUnsigned: boolean } {
  const r = (dtype: DType, f16 = false, smallUnsigned = false) => ({ dtype, f16, smallUnsigned });
  if (typeof v === "boolean") return r("bool");
  if (Number.isInteger(v) && !Object.is(v, -0)) {
    if (v >= 0) {
      if (v <= 255) return r("uint8", false, v <= 127);
      if (v <= 65535) return r("uint16", false, v <= 32767);
      if (v <= 4294967295) return r("uint32", false, v <= 2147483647);
      return r("float64");
    }
    if (v >= -128) return r("int8");
    if (v >= -32768) return r("int16");
    if (v >= -2147483648) return r("int32");
    return r("float64");
  }
  const a = Math.abs(v);
  if (!Number.isFinite(a) || a <= 65504) return r("float32", true);
  if (a <= 3.4028234663852886e38) return r("float32");
  return r("float64");
}

const SIGNED_OF: Partial<Record<DType, DType>> = { uint8: "int8", uint16: "int16", uint32: "int32" };

/** The default dtype numpy gives a python scalar on its own. */
export function scalarDefaultType(v: number | boolean): DType {
  if (typeof v === "boolean") return "bool";
  return "float64"; // python int -> int64 -> float64 here; python float -> float64
}

/**
 * numpy 1.24's `result_type` for a mix of array dtypes and JS scalars (value-based casting): when
 * the scalars' kind is no higher than the arrays' kind, each scalar counts as its minimal dtype;
 * otherwise scalars take their default dtype. A JS number with an integral value counts as a python
 * int, any other as a python float.
 */
export function resultType(...operands: (DType | number | boolean)[]): DType {
  const arrays: DType[] = [];
  const scalars: (number | boolean)[] = [];
  for (const o of operands) {
    if (o === "object") throw objectNotSupported("type promotion");
    if (typeof o === "string") arrays.push(checkDType(o));
    else scalars.push(o);
  }
  if (arrays.length === 0) {
    // only scalars: python semantics
    let r: DType = "bool";
    for (const s of scalars) r = promoteTypes(r, scalarDefaultType(s));
    return r;
  }
  let r = arrays[0];
  for (const d of arrays.slice(1)) r = promoteTypes(r, d);
  if (scalars.length === 0) return r;
  const arrayKind = Math.max(...arrays.map(category));
  const scalarKind = Math.max(
    ...scalars.map((s) => (typeof s === "boolean" ? 0 : Number.isInteger(s) && !Object.is(s, -0) ? 1 : 2)),
  );
  if (scalarKind > arrayKind) {
    for (const s of scalars) {
      const k = typeof s === "boolean" ? 0 : Number.isInteger(s) && !Object.is(s, -0) ? 1 : 2;
      // a python int of higher kind is int64 (float64 here); a python float is float64
      r = promoteTypes(r, k === 0 ? "bool" : "float64");
      if (k === 1 && arrayKind === 0) {
        // bool array + python int: numpy gives int64, which is float64 here
        r = promoteTypes(r, "float64");
      }
    }
    return r;
  }
  for (const s of scalars) {
    const m = minScalarType(s);
    if (m.f16) {
      // float16 promotes with ints of <= 8 bits to float16, else like float32; with floats, to the float.
      r = isFloat(r) ? r : promoteTypes(r, bits(r) <= 8 ? "float32" : "float32");
    } else if (m.smallUnsigned && !isBool(r) && !isUnsigned(r)) {
      // numpy's promote_types with is_small_unsigned: the scalar counts as the signed type of its size
      r = promoteTypes(r, SIGNED_OF[m.dtype] as DType);
    } else r = promoteTypes(r, m.dtype);
  }
  return r;
}

type LoopType = DType | "int64" | "uint64" | "float16";
/** The loops of numpy's integer/float binary ufuncs without a bool loop (floor_divide, remainder, power), in search order. */
const UFUNC_LOOPS: readonly LoopType[] = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64"];

function loopBits(d: LoopType): number {
  return d === "int64" || d === "uint64" ? 64 : d === "float16" ? 16 : bits(d);
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
 * int32 where uint8 + 70000 runs in uint32. int64/uint64 loops are float64 here, float16 float32.
 */
export function ufuncLoopType(...operands: (DType | number | boolean)[]): DType {
  if (operands.includes("object")) throw objectNotSupported("type promotion");
  const arrays = operands.filter((o): o is DType => typeof o === "string").map((d) => checkDType(d));
  const scalars = operands.filter((o): o is number | boolean => typeof o !== "string");
  const kindOf = (s: number | boolean) => (typeof s === "boolean" ? 0 : Number.isInteger(s) && !Object.is(s, -0) ? 1 : 2);
  const useMin = arrays.length > 0 && Math.max(-1, ...scalars.map(kindOf)) <= Math.max(...arrays.map(category));
  const fits = (t: LoopType): boolean => {
    for (const d of arrays) if (!canCastSafe(d, t)) return false;
    for (const s of scalars) {
      if (!useMin) {
        const k = kindOf(s);
        if (!canCastSafe(k === 0 ? "bool" : k === 1 ? "int64" : "float64", t)) return false;
        continue;
      }
      const m = minScalarType(s);
      let from: LoopType = m.f16 ? "float16" : m.dtype;
      if (m.smallUnsigned && loopKind(t) !== "u") from = SIGNED_OF[m.dtype] as DType;
      if (m.dtype === "float64" && typeof s === "number" && Number.isInteger(s)) from = s < 0 ? "int64" : "uint64"; // outside 32 bits
      if (!canCastSafe(from, t)) return false;
    }
    return true;
  };
  const t = UFUNC_LOOPS.find(fits) ?? "float64";
  return t === "int64" || t === "uint64" ? "float64" : t === "float16" ? "float32" : t;
}

/** JS source that casts the number expression `v` to dtype `d` with numpy's wrap-around for integers. */
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
  }
}

/** Cast one JS number to dtype `d` as a typed-array store would (bool: nonzero -> 1). */
export function castValue(d: DType, v: number | boolean): number {
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
      const t = allocate(d, 1);
      t[0] = Number.isFinite(n) ? Math.trunc(n) : 0;
      return t[0];
    }
  }
}
