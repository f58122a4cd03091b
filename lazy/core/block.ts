/**
 * In-memory blocks: strided views over typed arrays, structurally the same as a scijs `ndarray`
 * (data, shape, stride, offset), so an ndarray can be passed wherever a Block is expected and every
 * Block we produce is wrapped as an ndarray for users.
 *
 * Object blocks (dtype "object", ragged signals): the same structure over a plain JS Array whose
 * elements are any JS values. Internally they travel as Blocks (the generic view / copy / slicing
 * code handles both); users see them as ObjectNDArray (a scijs ndarray over a JS Array).
 */
import ndarray = require("ndarray");
import { BigIntTypedArray, DType, NumberTypedArray, TypedArray, allocate, arrayConstructor, dtypeOfTypedArray, floatToInt64, floatToUint64, isBigArray } from "./dtype";
import { TypeError, ValueError } from "./errors";

export interface Block {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

/**
 * What compute() returns: a scijs ndarray over a typed array (bool is 0/1 in a Uint8Array; int64 /
 * uint64 are BigInt64Array / BigUint64Array, whose elements are bigints, so `get` is typed
 * `number | bigint`: lazy.asNumbers / lazy.asBigInts narrow it, checked). For an
 * array of dtype "object" the ndarray is over a plain JS Array: see ObjectNDArray / isObjectArray.
 */
export type NDArray = ndarray.NdArray<TypedArray>;

/** An object array (dtype "object", e.g. a ragged signal's data): a scijs ndarray over a plain JS Array. */
export type ObjectNDArray = ndarray.NdArray<unknown[]>;

/** Whether `x` is an object array: an ndarray-like {data, shape, stride} whose data is a plain JS Array. */
export function isObjectArray(x: unknown): x is ObjectNDArray {
  return (
    typeof x === "object" &&
    x !== null &&
    Array.isArray((x as { data?: unknown }).data) &&
    Array.isArray((x as { shape?: unknown }).shape) &&
    Array.isArray((x as { stride?: unknown }).stride)
  );
}

/**
 * `x` as an object array, checked: for a ragged signal's data or a computed object LazyArray, whose
 * static type is NDArray (`asObjectArray(s.data).get(0, 1)` is the element at [0, 1]). Throws for
 * numeric data. (isObjectArray narrows `unknown`; an NDArray narrows to never.)
 */
export function asObjectArray(x: unknown): ObjectNDArray {
  if (!isObjectArray(x)) {
    const what = x === null ? "null" : typeof x === "object" && x !== null && "data" in x ? "a numeric ndarray" : typeof x;
    throw new TypeError(`asObjectArray: expected an object array (an ndarray over a plain JS Array, dtype "object"), got ${what}; a lazy signal's data must be computed first`);
  }
  return x;
}

/**
 * An object array of `shape` (C order) from its elements: `values` flat (length = product of
 * shape) or nested `shape.length` levels deep (default shape: [values.length]); when both readings
 * fit (elements that are JS arrays of the right lengths), the nested one is taken. The elements are
 * kept as they are (not copied). Use it for a ragged signal's data:
 * `new hs.signals.BaseSignal(objectArray([peaks0, peaks1, ...], [2, 3]), { ragged: true })`.
 */
export function objectArray(values: readonly unknown[], shape?: readonly number[]): ObjectNDArray {
  if (!Array.isArray(values)) throw new TypeError("objectArray: give the elements as a JS array (flat, or nested one level per axis)");
  const sh = shape ? shape.slice() : [values.length];
  if (sh.some((n) => !Number.isInteger(n) || n < 0)) throw new ValueError(`objectArray: shape must be non-negative integers, got [${sh.join(", ")}]`);
  const n = sizeOf(sh);
  let flat: unknown[] = [];
  let nestedError: RangeError | null = null;
  if (sh.length >= 2) {
    const walk = (v: unknown, a: number, path: number[]): void => {
      if (a === sh.length) {
        flat.push(v);
        return;
      }
      if (!Array.isArray(v) || v.length !== sh[a]) {
        throw new ValueError(
          `objectArray: for shape [${sh.join(", ")}] give ${n} elements flat, or nested arrays of lengths [${sh.join(", ")}]; ` +
            `at [${path.join(", ")}] found ${Array.isArray(v) ? `a list of length ${v.length}` : typeof v}`,
        );
      }
      v.forEach((c, i) => walk(c, a + 1, [...path, i]));
    };
    try {
      walk(values, 0, []);
      return ndarray(flat, sh, cStrides(sh), 0);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      nestedError = e;
    }
  }
  if (values.length !== n) {
    throw nestedError ?? new ValueError(`objectArray: for shape [${sh.join(", ")}] give ${n} elements, got ${values.length}`);
  }
  flat = values.slice();
  return ndarray(flat, sh, cStrides(sh), 0);
}
/**
 * The engine's dtype of an ndarray it returned, where the typed array cannot tell it: a bool array
 * is a Uint8Array tagged with this symbol (a non-enumerable property), so fromArray and signals
 * read it back as "bool".
 */
export const DTYPE_TAG: unique symbol = Symbol.for("hyperspy-ts.dtype") as never;

/** Tag `b` with `dtype` when its typed array does not say it (bool). Returns `b`. */
export function tagDType<B extends Block>(b: B, dtype: DType): B {
  if (dtype === "bool") Object.defineProperty(b, DTYPE_TAG, { value: "bool", enumerable: false, configurable: true });
  return b;
}

/** The dtype of a block: its tag, else its typed array's. */
export function dtypeOf(b: Block): DType {
  return (b as Block & { [DTYPE_TAG]?: DType })[DTYPE_TAG] ?? dtypeOfTypedArray(b.data);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function cStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    st[a] = s;
    s *= shape[a];
  }
  return st;
}

export function makeBlock(data: TypedArray, shape: readonly number[]): Block {
  return { data, shape: shape.slice(), stride: cStrides(shape), offset: 0 };
}

/** A zero-filled C-contiguous block (in a SharedArrayBuffer when `shared`; default: the current allocation mode). */
export function emptyBlock(dtype: DType, shape: readonly number[], shared?: boolean): Block {
  return makeBlock(allocate(dtype, sizeOf(shape), shared), shape);
}

export function isCContiguous(b: Block): boolean {
  let s = 1;
  for (let a = b.shape.length - 1; a >= 0; a--) {
    if (b.shape[a] !== 1 && b.stride[a] !== s) return false;
    s *= b.shape[a];
  }
  return true;
}

/** The block as a scijs ndarray (a view, no copy), keeping its dtype tag. */
export function toNDArray(b: Block): NDArray {
  return tagDType(ndarray(b.data, b.shape.slice(), b.stride.slice(), b.offset), dtypeOf(b));
}

/** A C-contiguous copy of `b` (or `b` itself when it already is contiguous and whole). */
export function contiguous(b: Block, dtype?: DType): Block {
  const d = dtype ?? dtypeOfTypedArray(b.data);
  const n = sizeOf(b.shape);
  if (d === "object" && Array.isArray(b.data) && isCContiguous(b)) {
    if (b.offset === 0 && b.data.length === n) return b;
    return makeBlock((b.data as unknown as unknown[]).slice(b.offset, b.offset + n) as unknown as TypedArray, b.shape);
  }
  if (isCContiguous(b) && (dtype === undefined || dtypeOfTypedArray(b.data) === dtypeOfTypedArray(allocate(d, 0)))) {
    if (b.offset === 0 && b.data.length === n) return b;
    const C = arrayConstructor(d);
    return makeBlock(new C(b.data.buffer, b.data.byteOffset + b.offset * b.data.BYTES_PER_ELEMENT, n), b.shape);
  }
  const out = emptyBlock(d, b.shape);
  copyInto(out, new Array(b.shape.length).fill(0), b);
  return out;
}

/** A new C-contiguous copy of `b` that shares no memory with it, keeping its dtype tag (`shared`: as emptyBlock). */
export function copyOf(b: Block, shared?: boolean): Block {
  const out = emptyBlock(dtypeOfTypedArray(b.data), b.shape, shared);
  copyInto(out, new Array(b.shape.length).fill(0), b);
  return tagDType(out, dtypeOf(b));
}

/**
 * Copy `src` into `dst` at `start` (per-axis offsets in dst). Values are stored with the typed
 * array's own conversion (wrap-around for integers, rounding for float32).
 */
export function copyInto(dst: Block, start: readonly number[], src: Block): void {
  const nd = src.shape.length;
  if (nd === 0) {
    dst.data[dst.offset] = src.data[src.offset];
    return;
  }
  if (sizeOf(src.shape) === 0) return;
  let dOff = dst.offset;
  for (let a = 0; a < nd; a++) dOff += start[a] * dst.stride[a];
  const last = nd - 1;
  const n = src.shape[last];
  const ss = src.stride[last];
  const ds = dst.stride[last];
  const idx = new Array(nd).fill(0);
  const sd = src.data;
  const dd = dst.data;
  let so = src.offset;
  let dof = dOff;
  // fast path: contiguous rows of the same type -> TypedArray.set (object blocks: plain Arrays, no set)
  const sameType = sd.constructor === dd.constructor && ArrayBuffer.isView(dd);
  const sb = isBigArray(sd);
  const db = isBigArray(dd);
  if (sb !== db) {
    // bigint <-> number storage (int64 / uint64 with another dtype): convert each element
    const f2b = dd instanceof BigUint64Array ? floatToUint64 : floatToInt64;
    const conv = db ? (x: number | bigint) => f2b(Number(x)) : (x: number | bigint) => Number(x);
    const w = dd as unknown as { [i: number]: number | bigint };
    const r = sd as unknown as { [i: number]: number | bigint };
    while (true) {
      for (let i = 0, s = so, d = dof; i < n; i++, s += ss, d += ds) w[d] = conv(r[s]);
      let a = last - 1;
      while (a >= 0) {
        idx[a]++;
        so += src.stride[a];
        dof += dst.stride[a];
        if (idx[a] < src.shape[a]) break;
        so -= src.stride[a] * src.shape[a];
        dof -= dst.stride[a] * src.shape[a];
        idx[a] = 0;
        a--;
      }
      if (a < 0) return;
    }
  }
  while (true) {
    if (ss === 1 && ds === 1 && sameType) {
      (dd as Float64Array).set((sd as Float64Array).subarray(so, so + n), dof);
    } else {
      for (let i = 0, s = so, d = dof; i < n; i++, s += ss, d += ds) dd[d] = sd[s];
    }
    let a = last - 1;
    while (a >= 0) {
      idx[a]++;
      so += src.stride[a];
      dof += dst.stride[a];
      if (idx[a] < src.shape[a]) break;
      so -= src.stride[a] * src.shape[a];
      dof -= dst.stride[a] * src.shape[a];
      idx[a] = 0;
      a--;
    }
    if (a < 0) return;
  }
}

/** A strided view of `b`: per axis start, count and step (step may be negative). No copy. */
export function view(b: Block, start: readonly number[], count: readonly number[], step?: readonly number[]): Block {
  let off = b.offset;
  const stride = b.stride.map((s, a) => s * (step ? step[a] : 1));
  for (let a = 0; a < start.length; a++) off += start[a] * b.stride[a];
  return { data: b.data, shape: count.slice(), stride, offset: off };
}

/** Drop axes (which must have length 1) or insert length-1 axes: a view. */
export function reshapeView(b: Block, shape: readonly number[]): Block {
  if (isCContiguous(b)) return { data: b.data, shape: shape.slice(), stride: cStrides(shape), offset: b.offset };
  return reshapeView(contiguous(b), shape);
}

export function transposeView(b: Block, axes: readonly number[]): Block {
  return { data: b.data, shape: axes.map((a) => b.shape[a]), stride: axes.map((a) => b.stride[a]), offset: b.offset };
}

/** Read one element at a multi-index. */
export function getAt(b: Block, idx: readonly number[]): number | bigint {
  let o = b.offset;
  for (let a = 0; a < idx.length; a++) o += idx[a] * b.stride[a];
  return b.data[o];
}

/** Nested JS arrays from a block (for tests, display and JSON). */
export function toNested(b: Block): unknown {
  const rec = (a: number, off: number): unknown => {
    if (a === b.shape.length) return b.data[off];
    const out = new Array(b.shape[a]);
    for (let i = 0; i < b.shape[a]; i++) out[i] = rec(a + 1, off + i * b.stride[a]);
    return out;
  };
  return rec(0, b.offset);
}

/**
 * Flat C-order copy of the values as a plain number array (int64 / uint64 elements converted with
 * Number(), exact up to 2^53; toValues keeps them as bigints).
 */
export function toFlat(b: Block): number[] {
  const c = contiguous(b);
  if (Array.isArray(c.data)) return (c.data as unknown as number[]).slice(c.offset, c.offset + sizeOf(c.shape));
  const sub = c.data.subarray(c.offset, c.offset + sizeOf(c.shape));
  if (isBigArray(sub)) return Array.from(sub, (x) => Number(x));
  return Array.from(sub);
}

/** Flat C-order copy of the values, exact: bigints for int64 / uint64, numbers otherwise. */
export function toValues(b: Block): (number | bigint)[] {
  const c = contiguous(b);
  if (Array.isArray(c.data)) return (c.data as unknown as number[]).slice(c.offset, c.offset + sizeOf(c.shape));
  const sub = c.data.subarray(c.offset, c.offset + sizeOf(c.shape));
  return Array.from(sub as ArrayLike<number | bigint>);
}

/** `x` (a computed array) with number elements, checked: throws for int64 / uint64 (bigint) data. */
export function asNumbers(x: NDArray): ndarray.NdArray<NumberTypedArray> {
  if (isBigArray(x.data)) throw new TypeError(`asNumbers: the array's elements are bigints (dtype ${dtypeOf(x)}); use asBigInts, or astype("float64") before computing`);
  return x as ndarray.NdArray<NumberTypedArray>;
}

/** `x` (a computed int64 / uint64 array) with bigint elements, checked: throws for other dtypes. */
export function asBigInts(x: NDArray): ndarray.NdArray<BigIntTypedArray> {
  if (!isBigArray(x.data)) throw new TypeError(`asBigInts: the array's elements are numbers (dtype ${dtypeOf(x)}), not int64 / uint64 bigints; use asNumbers`);
  return x as ndarray.NdArray<BigIntTypedArray>;
}

export function isBlock(x: unknown): x is Block {
  return (
    typeof x === "object" &&
    x !== null &&
    ArrayBuffer.isView((x as Block).data) &&
    Array.isArray((x as Block).shape) &&
    Array.isArray((x as Block).stride)
  );
}
