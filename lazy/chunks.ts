/**
 * Chunks: per axis, an explicit list of block sizes (the last may be ragged); NaN marks an unknown
 * size (after boolean masking). dask.array's `chunks` tuple-of-tuples, as arrays.
 */
import { DType, itemsize } from "./dtype";

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
export class UnknownChunksError extends Error {
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

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** Sizes of blocks of `size` along an axis of length `dim`, the last ragged. */
export function blockSizes(dim: number, size: number): number[] {
  if (dim === 0) return [0];
  if (!(size > 0)) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
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
        throw new RangeError(`chunks: axis ${k} is out of range for an array of ${ndim} dimensions`);
      }
    }
  }
  if (perAxis.length !== ndim) {
    throw new RangeError(
      `chunks: got ${perAxis.length} chunk specification(s) for an array of ${ndim} dimension(s) (shape [${shape.join(", ")}]); give one per axis`,
    );
  }
  const out: (number[] | "auto")[] = perAxis.map((s, a) => {
    const dim = shape[a];
    if (s === "auto") return "auto";
    if (s === null || s === -1) return dim === 0 ? [0] : [dim];
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s <= 0) {
        throw new RangeError(`chunks: axis ${a}: chunk size must be a positive integer, -1, "auto" or a list, got ${s}`);
      }
      return blockSizes(dim, Math.min(s, Math.max(dim, 1)));
    }
    const list = Array.from(s);
    const total = list.reduce((x, y) => x + y, 0);
    if (!Number.isNaN(dim) && !list.some(Number.isNaN) && total !== dim) {
      throw new RangeError(
        `chunks: the sizes [${list.join(", ")}] along axis ${a} add up to ${total}, but the array has ${dim} there; explicit chunk sizes must sum to the shape`,
      );
    }
    if (list.some((x) => !Number.isNaN(x) && (!Number.isInteger(x) || x < 0))) {
      throw new RangeError(`chunks: axis ${a}: chunk sizes must be non-negative integers, got [${list.join(", ")}]`);
    }
    return list;
  });
  if (out.some((o) => o === "auto")) return autoChunks(out, shape, opts);
  return out as number[][];
}

/**
 * dask's auto_chunks: pick sizes for the "auto" axes so a block holds about `limit` bytes, keeping
 * the other axes as given. With previous chunks, grow or shrink them proportionally; otherwise
 * make the auto axes as equal as possible.
 */
function autoChunks(spec: (number[] | "auto")[], shape: readonly number[], opts: NormalizeOptions): number[][] {
  const limit = opts.limit ?? DEFAULT_CHUNK_BYTES;
  const size = itemsize(opts.dtype ?? "float64");
  const autoAxes = spec.flatMap((s, a) => (s === "auto" ? [a] : []));
  const fixedBytes =
    size *
    product(spec.map((s) => (s === "auto" ? 1 : Math.max(...s.filter((x) => !Number.isNaN(x)), 1))));
  const result: number[][] = spec.map((s) => (s === "auto" ? [] : s));
  // largest number of elements of the auto axes in one block
  let largest = Math.max(1, Math.floor(limit / fixedBytes));

  if (opts.previousChunks) {
    const prev = opts.previousChunks;
    const ideal: Record<number, number> = {};
    for (const a of autoAxes) ideal[a] = Math.max(...prev[a]);
    const multiplier = largest / product(autoAxes.map((a) => ideal[a]));
    const mult = (m: number) => Math.pow(m, 1 / autoAxes.length);
    let remaining = autoAxes.slice();
    let m = multiplier;
    let budget = largest;
    while (remaining.length) {
      const f = mult(m);
      const capped = remaining.filter((a) => ideal[a] * f >= shape[a]);
      if (capped.length === 0) {
        for (const a of remaining) {
          const want = Math.max(1, Math.round(ideal[a] * f));
          result[a] = blockSizes(shape[a], roundToMultiple(want, ideal[a]));
        }
        break;
      }
      for (const a of capped) {
        result[a] = shape[a] === 0 ? [0] : [shape[a]];
        budget = budget / Math.max(shape[a], 1);
      }
      remaining = remaining.filter((a) => !capped.includes(a));
      m = budget / product(remaining.map((a) => ideal[a]));
    }
    return result;
  }

  // no previous chunks: as-equal-as-possible sizes, small axes taken whole first
  let remaining = autoAxes.slice();
  while (remaining.length) {
    const side = Math.pow(largest, 1 / remaining.length);
    const small = remaining.filter((a) => shape[a] < side);
    if (small.length === 0) {
      const s = Math.max(1, Math.floor(side));
      for (const a of remaining) result[a] = blockSizes(shape[a], s);
      break;
    }
    for (const a of small) {
      result[a] = shape[a] === 0 ? [0] : [shape[a]];
      largest = largest / Math.max(shape[a], 1);
    }
    remaining = remaining.filter((a) => !small.includes(a));
  }
  return result;
}

function roundToMultiple(want: number, base: number): number {
  if (want >= base) return Math.max(base, Math.floor(want / base) * base);
  // smaller than a previous chunk: take a divisor-friendly size
  return Math.max(1, want);
}

/** Byte size of the largest block. */
export function largestBlockBytes(chunks: Chunks, dtype: DType): number {
  return itemsize(dtype) * product(chunks.map((c) => (c.length ? Math.max(...c) : 0)));
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
    throw new RangeError(`${what} ${axis} is out of range for an array of ${ndim} dimension(s) (valid: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function normalizeAxes(axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : Array.from(axis);
  const out = list.map((a) => normalizeAxis(a, ndim));
  if (new Set(out).size !== out.length) throw new RangeError(`axis: repeated axis in [${list.join(", ")}]`);
  return out.sort((a, b) => a - b);
}
