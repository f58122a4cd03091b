/**
 * HyperSpy's ragged signals: a signal whose data holds one JS value per navigation pixel (typically
 * an ndarray of varying length, e.g. the peak positions found in each pixel), of dtype "object".
 *
 * - Data: an object array (a scijs ndarray over a plain JS Array, see `hs.lazy.objectArray`) or a
 *   LazyArray of dtype "object", in the navigation shape (array order). A ragged signal with no
 *   navigation axes holds one element in data of shape [1] (HyperSpy's `(|ragged)`).
 * - Axes: navigation axes only (signal dimension 0); `axesManager.ragged` is true and the repr shows
 *   `|ragged`: `<BaseSignal, title: , dimensions: (3, 2|ragged)>`.
 * - Classes: BaseSignal / LazySignal only (`Signal1D can't be ragged.`, as HyperSpy).
 * - What works: construction (`{ ragged: true }`), repr, `inav`, `asLazy` / `compute`, `deepcopy`
 *   (the elements are deep-copied), `rechunk` with explicit navigation chunks, `iterateSignal`
 *   (yields each pixel's element), `map` over it (the function receives the pixel's element) and
 *   `map(fn, { ragged: true })` producing one.
 * - What refuses, with an error naming the operation (here, rejectRagged): arithmetic, reductions,
 *   rebin, diff, stack, transpose / T, isig, blockIterator. HyperSpy applies numpy's object-array
 *   arithmetic to each element (s + 1 adds 1 to every pixel's array) and fails in reductions
 *   ("operands could not be broadcast"); here every numeric operation asks for `map`.
 */
import ndarray = require("ndarray");
import { NDArray, ObjectNDArray, copyOf, dtypeOf, isBlock, isObjectArray, sizeOf, tagDType, toFlat, toNDArray, toValues, cStrides } from "../lazy/core/block";
import { DType, allocate, castValue, dtypeOfTypedArray, promoteTypes } from "../lazy/core/dtype";
import type { BaseSignal } from "./signal";
import { TypeError } from "../lazy/core/errors";

/** Throws when `s` is ragged: `what` (an operation) needs numbers. */
export function rejectRagged(s: BaseSignal, what: string): void {
  if (!s.axesManager.ragged) return;
  throw new TypeError(
    `${what} is not supported on a ragged signal ${s.toString()}: its data holds one JS value per navigation pixel (dtype "object"), not numbers; ` +
      `work on each pixel's value with s.map((x) => ..., { inplace: false }) (ragged: true keeps a ragged result)`,
  );
}

/**
 * A deep copy of one element of a ragged signal (HyperSpy's deepcopy copies the object array's
 * elements): ndarrays / Blocks get new memory (keeping their dtype), typed arrays are sliced, JS
 * arrays and plain objects are copied recursively; anything else (numbers, strings, functions,
 * class instances) is kept as it is.
 */
export function deepCopyValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (isBlock(v)) return toNDArray(copyOf(v));
  if (isObjectArray(v)) {
    const c = objectElements(v);
    return ndarray(c.map(deepCopyValue), v.shape.slice(), cStrides(v.shape), 0);
  }
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): unknown }).slice();
  if (Array.isArray(v)) return v.map(deepCopyValue);
  if (Object.getPrototypeOf(v) === Object.prototype) {
    const out: { [k: string]: unknown } = {};
    for (const [k, x] of Object.entries(v as object)) out[k] = deepCopyValue(x);
    return out;
  }
  return v;
}

/** The elements of an object array in C order. */
export function objectElements(a: ObjectNDArray): unknown[] {
  const n = sizeOf(a.shape);
  const out = new Array<unknown>(n);
  const idx = a.shape.map(() => 0);
  for (let i = 0; i < n; i++) {
    let o = a.offset;
    for (let d = 0; d < idx.length; d++) o += idx[d] * a.stride[d];
    out[i] = a.data[o];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < a.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** A deep copy of an object array (a new C-contiguous one, every element deep-copied). */
export function deepCopyObjectArray(a: ObjectNDArray): ObjectNDArray {
  return ndarray(objectElements(a).map(deepCopyValue), a.shape.slice(), cStrides(a.shape), 0);
}

/** One element as numbers: its shape (array order), values (C order) and dtype; null when it is not numeric. */
function numericElement(v: unknown): { shape: number[]; values: (number | bigint)[]; dtype: DType } | null {
  if (typeof v === "number") return { shape: [], values: [v], dtype: "float64" };
  if (typeof v === "boolean") return { shape: [], values: [v ? 1 : 0], dtype: "bool" };
  if (isBlock(v)) return { shape: v.shape.slice(), values: toValues(v), dtype: dtypeOf(v) };
  if (ArrayBuffer.isView(v)) {
    const t = v as unknown as ArrayLike<number | bigint>;
    return { shape: [t.length], values: Array.from(t), dtype: dtypeOfTypedArray(t as ArrayLike<number>) };
  }
  if (Array.isArray(v)) {
    const shape: number[] = [];
    let level: unknown = v;
    while (Array.isArray(level)) {
      shape.push(level.length);
      level = level.length > 0 ? level[0] : undefined;
    }
    const values: number[] = [];
    let bool = true;
    const walk = (x: unknown, d: number): boolean => {
      if (d === shape.length) {
        if (typeof x === "number") bool = false;
        else if (typeof x !== "boolean") return false;
        values.push(Number(x));
        return true;
      }
      if (!Array.isArray(x) || x.length !== shape[d]) return false;
      return x.every((c) => walk(c, d + 1));
    };
    if (!walk(v, 0)) return null;
    return { shape, values, dtype: bool && values.length > 0 ? "bool" : "float64" };
  }
  return null;
}

/**
 * HyperSpy's `s.ragged = False` for in-memory data: numpy's np.array(data.tolist()) when every
 * element has the same shape. Returns the numeric data (navigation shape + element shape, array
 * order), or null when the elements cannot make one array (HyperSpy's "The signal can't be
 * converted to a non-ragged signal.").
 */
export function raggedToNumeric(data: ObjectNDArray): NDArray | null {
  const elems = objectElements(data).map(numericElement);
  if (elems.length === 0 || elems.some((e) => e === null)) return null;
  const es = elems as { shape: number[]; values: (number | bigint)[]; dtype: DType }[];
  const shape = es[0].shape;
  if (es.some((e) => e.shape.length !== shape.length || e.shape.some((n, i) => n !== shape[i]))) return null;
  const dtype = es.map((e) => e.dtype).reduce(promoteTypes);
  const per = sizeOf(shape);
  const out = allocate(dtype, es.length * per);
  // each value converted to the common dtype's representation (bigints for int64 / uint64)
  const w = out as unknown as { [i: number]: number | bigint };
  es.forEach((e, i) => e.values.forEach((x, j) => (w[i * per + j] = castValue(dtype, x))));
  const full = data.shape.concat(shape);
  return tagDType(ndarray(out, full, cStrides(full), 0), dtype);
}
