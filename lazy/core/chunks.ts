/**
 * Chunks: per axis, an explicit list of block sizes (the last may be ragged); NaN marks an unknown
 * size (after boolean masking). dask.array's `chunks` tuple-of-tuples, as arrays.
 */
import { DType, itemsize } from "./dtype";
import { IndexError, TypeError, ValueError } from "./errors";

export type Chunks = readonly (readonly number[])[];

/** One axis of a chunk specification. */
export type AxisChunkSpec = number | "auto" | null | readonly number[];
/**
 * What `normalizeChunks` accepts: a number (every axis), "auto", -1, per-axis specs (number, -1 or
 * null for the whole axis, "auto", or an explicit list of sizes), or an object `{axis: spec}` (axes
 * not named keep the whole axis, or the previous chunks when given).
 */
export type ChunksSpec = AxisChunkSpec | readonly AxisChunkSpec[] | Chunks | { readonly [axis: number]: AxisChunkSpec };

/** Default byte target of "auto" chunks, as dask's `array.chunk-size` (128 MiB). */
export const DEFAULT_CHUNK_BYTES = 128 * 1024 * 1024;

export interface NormalizeOptions {
  dtype?: DType;
  /** Byte target for "auto" (default 128 MiB). */
  limit?: number;
  /** Existing chunks whose shape "auto" should follow (as dask's previous_chunks). */
  previousChunks?: Chunks;
}

export function hasUnknown(chunks: Chunks): boolean {
  return chunks.some((c) => c.some((x) => Number.isNaN(x)));
}

/** The error every size-dependent operation throws on unknown (NaN) chunk sizes. */
/** A ValueError (core/errors.ts), as dask raises for unknown chunk sizes; `name` stays "UnknownChunksError". */
export class UnknownChunksError extends ValueError {
  constructor(operation: string) {
    super(
      `${operation}: this array has unknown (NaN) chunk sizes, as after boolean masking. ` +
        `Call \`await x.computeChunkSizes()\` first, which returns the same array with its chunk sizes known.`,
    );
    this.name = "UnknownChunksError";
  }
}

export function assertKnownChunks(chunks: Chunks, operation: string): void {
  if (hasUnknown(chunks)) throw new UnknownChunksError(operation);
}

export function shapeOfChunks(chunks: Chunks): number[] {
  return chunks.map((c) => c.reduce((a, b) => a + b, 0));
}

export function numBlocksOf(chunks: Chunks): number[] {
  return chunks.map((c) => c.length);
}

/** Start offset of every block along one axis, plus the total: [0, c0, c0+c1, ...]. */
export function cumulative(c: readonly number[]): number[] {
  const out = [0];
  for (const x of c) out.push(out[out.length - 1] + x);
  return out;
}

/** The largest value (0 for an empty list), without spreading the list into arguments. */
export function maxOf(xs: readonly number[]): number {
  let m = xs.length ? -Infinity : 0;
  for (const x of xs) if (x > m || Number.isNaN(x)) m = x;
  return m;
}

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** Whether two chunkings of one axis (or two shapes) are the same, NaN equal to NaN. */
export function sameAxisChunks(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i] || (Number.isNaN(x) && Number.isNaN(b[i])));
}

/** Whether two chunkings of an array are the same, NaN equal to NaN. */
export function sameChunks(a: Chunks, b: Chunks): boolean {
  return a.length === b.length && a.every((c, i) => sameAxisChunks(c, b[i]));
}

/** Sizes of blocks of `size` along an axis of length `dim`, the last ragged. */
export function blockSizes(dim: number, size: number): number[] {
  if (dim === 0) return [0];
  if (!(size > 0)) throw new ValueError(`chunk size must be a positive integer, got ${size}`);
  const out: number[] = [];
  for (let i = 0; i < dim; i += size) out.push(Math.min(size, dim - i));
  return out;
}

function isAxisList(x: unknown): x is readonly number[] {
  return Array.isArray(x) && x.every((v) => typeof v === "number");
}

/**
 * dask's normalize_chunks: turn a specification into explicit per-axis block sizes, checking that
 * explicit sizes add up to the shape.
 */
export function normalizeChunks(spec: ChunksSpec | undefined, shape: readonly number[], opts: NormalizeOptions = {}): number[][] {
  const ndim = shape.length;
  let perAxis: AxisChunkSpec[];
  if (spec === undefined || spec === "auto") perAxis = new Array(ndim).fill("auto");
  else if (spec === null || typeof spec === "number") perAxis = new Array(ndim).fill(spec);
  else if (Array.isArray(spec)) {
    if (ndim === 1 && isAxisList(spec) && spec.length !== 1 && !spec.every((v) => v === -1)) {
      // a single flat list for a 1-D array is ambiguous: dask reads (a, b, c) for 1-D as sizes per axis
      // only when its length is ndim; otherwise as explicit sizes of axis 0.
      perAxis = [spec];
    } else perAxis = spec.slice() as AxisChunkSpec[];
  } else {
    const obj = spec as { readonly [axis: number]: AxisChunkSpec };
    perAxis = [];
    for (let a = 0; a < ndim; a++) {
      const v = obj[a] ?? obj[a - ndim];
      perAxis.push(v === undefined ? (opts.previousChunks ? opts.previousChunks[a] : null) : v);
    }
    for (const k of Object.keys(obj)) {
      const a = Number(k);
      if (!Number.isInteger(a) || a >= ndim || a < -ndim) {
        throw new IndexError(`chunks: axis ${k} is out of range for an array of ${ndim} dimensions`);
      }
    }
  }
  if (perAxis.length !== ndim) {
    throw new ValueError(
      `chunks: got ${perAxis.length} chunk specification(s) for an array of ${ndim} dimension(s) (shape [${shape.join(", ")}]); give one per axis`,
    );
  }
  // per axis, the size dask's auto_chunks counts for a non-"auto" axis (a number as given, the whole
  // axis for -1/null, the largest of an explicit list)
  const declared: number[] = new Array<number>(ndim).fill(1);
  const out: (number[] | "auto")[] = perAxis.map((s, a) => {
    const dim = shape[a];
    if (s === "auto") return "auto";
    if (s === null || s === -1) {
      declared[a] = dim;
      return dim === 0 ? [0] : [dim];
    }
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s <= 0) {
        throw new ValueError(`chunks: axis ${a}: chunk size must be a positive integer, -1, "auto" or a list, got ${s}`);
      }
      declared[a] = s;
      return blockSizes(dim, Math.min(s, Math.max(dim, 1)));
    }
    const list = Array.from(s);
    const total = list.reduce((x, y) => x + y, 0);
    if (!Number.isNaN(dim) && list.some(Number.isNaN)) {
      // NaN (unknown) sizes describe the result of a boolean mask; an axis of known length needs known sizes
      throw new RangeError(
        `chunks: the sizes [${list.join(", ")}] along axis ${a} include NaN (unknown) sizes, but the array has a known length ${dim} there; ` +
          `give sizes that sum to ${dim}, or a block size such as ${Math.max(1, dim)}, -1 or "auto"`,
      );
    }
    if (!Number.isNaN(dim) && !list.some(Number.isNaN) && total !== dim) {
      throw new ValueError(
        `chunks: the sizes [${list.join(", ")}] along axis ${a} add up to ${total}, but the array has ${dim} there; explicit chunk sizes must sum to the shape`,
      );
    }
    if (list.some((x) => !Number.isNaN(x) && (!Number.isInteger(x) || x < 0))) {
      throw new ValueError(`chunks: axis ${a}: chunk sizes must be non-negative integers, got [${list.join(", ")}]`);
    }
    declared[a] = maxOf(list);
    return list;
  });
  if (out.some((o) => o === "auto")) {
    if (opts.dtype === "object") {
      throw new TypeError('chunks: "auto" cannot be used with dtype "object" (the size in bytes of its elements is unknown, as in dask); give the chunk sizes, e.g. -1 for whole axes');
    }
    return autoChunks(out, declared, shape, opts);
  }
  return out as number[][];
}

/** Python's float floor division `c // s` (fmod-based, as CPython), for positive operands. */
function pyFloorDiv(c: number, s: number): number {
  const mod = c % s;
  const div = (c - mod) / s;
  if (div === 0) return 0;
  let f = Math.floor(div);
  if (div - f > 0.5) f += 1;
  return f;
}

/**
 * dask's round_to: a size near `c` aligned with `s`: below `s`, `c` itself (at least 1); above, the
 * largest multiple of `s` not above `c`.
 */
function roundTo(c: number, s: number): number {
  if (c <= s) return Math.max(1, Math.trunc(c));
  return pyFloorDiv(c, s) * s;
}

/** numpy's median of a list of numbers. */
function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The most frequent size (the first seen wins ties) and its count, as dask's `frequencies` + max. */
function modeOf(xs: readonly number[]): { mode: number; count: number } {
  const freq = new Map<number, number>();
  for (const x of xs) freq.set(x, (freq.get(x) ?? 0) + 1);
  let mode = NaN;
  let count = -1;
  for (const [v, n] of freq) {
    if (n > count) {
      mode = v;
      count = n;
    }
  }
  return { mode, count };
}

/**
 * dask 2022.12's auto_chunks: pick sizes for the "auto" axes so that a block holds about `limit`
 * bytes, the other axes as given (`declared`: dask's size for them).
 *
 * - With previous chunks (rechunk): start from the median previous size of every auto axis and scale
 *   all auto axes by the same factor, rounded to multiples (or, below it, any size) of the most common
 *   previous size; an axis that would exceed its length is taken whole and the rest re-balanced,
 *   repeated until nothing changes.
 * - Without: the same size for every auto axis (the n-th root of the element budget), axes shorter
 *   than that taken whole first.
 */
function autoChunks(
  spec: (number[] | "auto")[],
  declared: readonly number[],
  shape: readonly number[],
  opts: NormalizeOptions,
): number[][] {
  if (shape.some(Number.isNaN) || spec.some((s) => s !== "auto" && s.some(Number.isNaN))) {
    throw new UnknownChunksError('chunks "auto"');
  }
  const limit = Math.max(1, opts.limit ?? DEFAULT_CHUNK_BYTES);
  const size = itemsize(opts.dtype ?? "float64");
  const result: (number[] | "auto")[] = spec.slice();
  const sizes: number[] = declared.slice();
  const autos = new Set(spec.flatMap((s, a) => (s === "auto" ? [a] : [])));
  // dask multiplies the declared sizes; a zero-length axis would divide by zero there, so counts as 1
  const largestOf = () => {
    let p = 1;
    for (let a = 0; a < spec.length; a++) if (!autos.has(a)) p *= sizes[a] === 0 ? 1 : sizes[a];
    return p;
  };
  const prev = opts.previousChunks;
  if (prev && prev.length === shape.length) {
    const res = new Map<number, number>();
    for (const a of autos) res.set(a, median(prev[a]));
    const ideal = shape.map((s, i) => {
      const { mode, count } = modeOf(prev[i]);
      return mode > 1 && count >= prev[i].length / 2 ? mode : s;
    });
    let largest = largestOf();
    const multiplierOf = () => {
      let p = 1;
      for (const v of res.values()) if (v) p *= v;
      return limit / size / largest / p;
    };
    let multiplier = multiplierOf();
    let lastMultiplier = 0;
    let lastAutos = new Set<number>();
    const sameSet = (x: Set<number>, y: Set<number>) => x.size === y.size && [...x].every((v) => y.has(v));
    for (let iter = 0; iter < 10000 && (multiplier !== lastMultiplier || !sameSet(autos, lastAutos)); iter++) {
      lastMultiplier = multiplier;
      lastAutos = new Set(autos);
      for (const a of [...autos].sort((x, y) => x - y)) {
        if (ideal[a] === 0) {
          res.set(a, 0);
          continue;
        }
        const proposed = (res.get(a) as number) * Math.pow(multiplier, 1 / autos.size);
        if (proposed > shape[a]) {
          autos.delete(a);
          largest *= shape[a];
          result[a] = shape[a] === 0 ? [0] : [shape[a]];
          res.delete(a);
        } else res.set(a, roundTo(proposed, ideal[a]));
      }
      multiplier = multiplierOf();
    }
    for (const [a, v] of res) result[a] = blockSizes(shape[a], Math.trunc(v));
    return result as number[][];
  }
  // no previous chunks: equal sizes, short axes whole first
  while (autos.size) {
    const side = Math.pow(limit / size / largestOf(), 1 / autos.size);
    const small = [...autos].filter((a) => shape[a] < side);
    if (small.length === 0) {
      for (const a of autos) result[a] = blockSizes(shape[a], Math.trunc(roundTo(side, shape[a])));
      break;
    }
    for (const a of small) {
      result[a] = shape[a] === 0 ? [0] : [shape[a]];
      sizes[a] = shape[a];
      autos.delete(a);
    }
  }
  return result as number[][];
}

/** Byte size of the largest block. */
export function largestBlockBytes(chunks: Chunks, dtype: DType): number {
  return itemsize(dtype) * product(chunks.map(maxOf));
}

/** Every block index of a grid, in C order. */
export function* blockIndices(numBlocks: readonly number[]): Generator<number[]> {
  const n = numBlocks.length;
  if (numBlocks.some((b) => b === 0)) return;
  const idx = new Array(n).fill(0);
  while (true) {
    yield idx.slice();
    let a = n - 1;
    while (a >= 0) {
      idx[a]++;
      if (idx[a] < numBlocks[a]) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) return;
  }
}

/** The shape of block `index`. */
export function blockShape(chunks: Chunks, index: readonly number[]): number[] {
  return index.map((i, a) => chunks[a][i]);
}

/** Normalise an axis argument (negative allowed) with a clear error when out of range. */
export function normalizeAxis(axis: number, ndim: number, what = "axis"): number {
  if (!Number.isInteger(axis) || axis >= ndim || axis < -ndim) {
    throw new IndexError(`${what} ${axis} is out of range for an array of ${ndim} dimension(s) (valid: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function normalizeAxes(axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : Array.from(axis);
  const out = list.map((a) => normalizeAxis(a, ndim));
  if (new Set(out).size !== out.length) throw new ValueError(`axis: repeated axis in [${list.join(", ")}]`);
  return out.sort((a, b) => a - b);
}

/** dask's expand_tuple: split chunks so that there are about `factor` times as many. */
export function expandTuple(chunks: readonly number[], factor: number): number[] {
  if (factor === 1) return chunks.slice();
  const out: number[] = [];
  for (const c of chunks) {
    let x = c;
    const part = Math.max(x / factor, 1);
    while (x >= 2 * part) {
      out.push(Math.trunc(part));
      x -= Math.trunc(part);
    }
    if (x) out.push(x);
  }
  return out;
}

/** The common refinement of several chunkings of one axis (every boundary of each). */
export function commonChunks(list: readonly (readonly number[])[]): number[] {
  const bounds = new Set<number>();
  for (const c of list) for (const b of cumulative(c)) bounds.add(b);
  const sorted = Array.from(bounds).sort((x, y) => x - y);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) out.push(sorted[i] - sorted[i - 1]);
  return out.length ? out : [0];
}
