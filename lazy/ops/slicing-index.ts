/**
 * Slicing's index parsing (numpy/Python index items: integers, slices and slice strings, newaxis,
 * ellipsis, lists, masks) and dask's per-axis planning (_slice_1d: which input blocks an axis's
 * index touches and the local slice of each). lazy/ops/slicing.ts builds the layers.
 */
import { UnknownChunksError, cumulative } from "../core/chunks";
import { LazyArray, Index, Slice } from "../core/array";
import { IndexError, TypeError, ValueError } from "../core/errors";

// ------------------------------------------------------------------------------------------------
// Index parsing

/** A Python slice: null means "default". */
export interface PySlice {
  start: number | null;
  stop: number | null;
  step: number | null;
}

export type Item =
  | { kind: "int"; value: number }
  | { kind: "slice"; value: PySlice }
  | { kind: "newaxis" }
  | { kind: "ellipsis" }
  | { kind: "mask"; value: LazyArray }
  | { kind: "list"; value: number[] };

export const COLON: PySlice = { start: null, stop: null, step: null };

export function isColon(s: PySlice): boolean {
  return s.start === null && s.stop === null && s.step === null;
}

function describeIndex(ix: unknown): string {
  if (ix === undefined) return "undefined";
  if (typeof ix === "string") return JSON.stringify(ix);
  if (Array.isArray(ix)) return "a JS array";
  if (typeof ix === "object" && ix !== null) return `an object (${JSON.stringify(ix)})`;
  return String(ix);
}

function checkInt(v: unknown, what: string, pos: number): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`get: index ${pos}: slice ${what} must be an integer or null, got ${describeIndex(v)}`);
  }
  return v;
}

/** Parse "start:stop:step" (parts may be empty), as Python's slice syntax. */
function parseSliceString(s: string, pos: number): PySlice {
  const bad = () =>
    new TypeError(
      `get: index ${pos}: invalid index string ${JSON.stringify(s)}; use "start:stop:step" with integer parts that may be empty ` +
        `(e.g. ":", "1:5", "::-1", "-3:") or "..." for the remaining axes`,
    );
  const parts = s.split(":");
  if (parts.length < 2 || parts.length > 3) throw bad();
  const vals = parts.map((p) => {
    const t = p.trim();
    if (t === "") return null;
    if (!/^[+-]?\d+$/.test(t)) throw bad();
    return Number(t);
  });
  return { start: vals[0], stop: vals[1], step: vals.length > 2 ? vals[2] : null };
}

export function parseItem(ix: Index, pos: number): Item {
  if (ix === null) return { kind: "newaxis" };
  if (typeof ix === "number") {
    if (!Number.isInteger(ix)) throw new TypeError(`get: index ${pos}: ${ix} is not an integer; indices must be integers`);
    return { kind: "int", value: ix };
  }
  if (typeof ix === "string") {
    if (ix.trim() === "...") return { kind: "ellipsis" };
    return { kind: "slice", value: checkStep(parseSliceString(ix, pos), pos) };
  }
  if (ix instanceof LazyArray) return { kind: "mask", value: ix };
  if (Array.isArray(ix)) {
    if (!ix.every((v) => typeof v === "number" && Number.isInteger(v))) {
      throw new TypeError(`get: index ${pos}: a list index must hold integers only (got [${ix.slice(0, 5).join(", ")}${ix.length > 5 ? ", ..." : ""}])`);
    }
    return { kind: "list", value: ix.slice() };
  }
  if (typeof ix === "object" && !Array.isArray(ix)) {
    const s = ix as Slice;
    const extra = Object.keys(s).filter((k) => k !== "start" && k !== "stop" && k !== "step");
    if (extra.length === 0) {
      return {
        kind: "slice",
        value: checkStep({ start: checkInt(s.start, "start", pos), stop: checkInt(s.stop, "stop", pos), step: checkInt(s.step, "step", pos) }, pos),
      };
    }
  }
  throw new TypeError(
    `get: index ${pos}: unsupported index ${describeIndex(ix)}; use an integer, a slice (slice(1, 5), "1:5", "::-1"), ` +
      `null for a new axis, "..." for the remaining axes, a list of integers, or a boolean LazyArray mask`,
  );
}

function checkStep(s: PySlice, pos: number): PySlice {
  if (s.step === 0) throw new ValueError(`get: index ${pos}: slice step cannot be zero`);
  return s;
}

// ------------------------------------------------------------------------------------------------
// dask's _slice_1d and helpers

/** Python's a % b (sign of b). */
function pymod(a: number, b: number): number {
  return a - b * Math.floor(a / b);
}

export function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function bisectLeft(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Python's slice.indices(length): [start, stop, step]. */
function pyIndices(s: PySlice, length: number): [number, number, number] {
  const step = s.step ?? 1;
  const lower = step < 0 ? -1 : 0;
  const upper = step < 0 ? length - 1 : length;
  const fix = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (v < 0) return Math.max(v + length, lower);
    return Math.min(v, upper);
  };
  return [fix(s.start, step < 0 ? upper : lower), fix(s.stop, step < 0 ? lower : upper), step];
}

/** The local [start, count, step] a slice selects on an axis of `length`. */
export function sliceIndices(s: PySlice, length: number): [number, number, number] {
  const [start, stop, step] = pyIndices(s, length);
  let count = 0;
  if (step > 0 && stop > start) count = Math.ceil((stop - start) / step);
  if (step < 0 && start > stop) count = Math.ceil((start - stop) / -step);
  return [start, count, step];
}

/** dask's normalize_slice: canonical form of a slice on an axis of known length. */
function normalizeSlice(s: PySlice, dim: number): PySlice {
  const [start, stop, step] = pyIndices(s, dim);
  let rs: number | null = start;
  let re: number | null = stop;
  let rt: number | null = step;
  if (step > 0) {
    if (start === 0) rs = null;
    if (stop >= dim) re = null;
    if (step === 1) rt = null;
    if (re !== null && rs !== null && re < rs) re = rs;
  } else {
    // a negative step starting before the first element selects nothing (numpy); dask 2022.12
    // reads the clipped start -1 as "the last element" here, which is a dask bug we do not copy
    if (start < 0) return { start: 0, stop: 0, step: null };
    if (start >= dim - 1) rs = null;
    if (stop < 0) re = null;
  }
  return { start: rs, stop: re, step: rt };
}

/** dask's _slice_1d for a slice: {block: local slice} (blocks in ascending order). */
function slice1d(dim: number, lengths: readonly number[], index: PySlice): Map<number, PySlice> {
  const bounds = cumulative(lengths).slice(1);
  const d = new Map<number, PySlice>();
  if (isColon(index)) {
    lengths.forEach((_, k) => d.set(k, COLON));
    return d;
  }
  const step = index.step ?? 1;
  let start: number;
  let stop: number;
  if (step > 0) {
    start = index.start || 0;
    stop = index.stop !== null ? index.stop : dim;
  } else {
    start = index.start !== null ? index.start : dim - 1;
    start = start >= dim ? dim - 1 : start;
    stop = index.stop === null ? -(dim + 1) : index.stop;
  }
  if (start < 0) start += dim;
  if (stop < 0) stop += dim;

  if (step > 0) {
    const istart = bisectRight(bounds, start);
    const istop = Math.min(bisectLeft(bounds, stop) + 1, lengths.length);
    if (istart > 0) {
      start -= bounds[istart - 1];
      stop -= bounds[istart - 1];
    }
    for (let i = istart; i < istop; i++) {
      const length = lengths[i];
      if (start < length && stop > 0) {
        d.set(i, { start, stop: Math.min(stop, length), step });
        start = pymod(start - length, step);
      } else start -= length;
      stop -= length;
    }
  } else {
    let rstart = start;
    let istart = bisectLeft(bounds, start);
    let istop = bisectRight(bounds, stop);
    istart = Math.min(istart + 1, bounds.length - 1);
    istop = Math.max(istop - 1, -1);
    for (let i = istart; i > istop; i--) {
      const chunkStop = bounds[i];
      const chunkStart = i === 0 ? 0 : bounds[i - 1];
      if (chunkStart <= rstart && rstart < chunkStop && rstart > stop) {
        d.set(i, { start: rstart - chunkStop, stop: Math.max(chunkStart - chunkStop - 1, stop - chunkStop), step });
        const offset = pymod(rstart - (chunkStart - 1), step);
        rstart = chunkStart + offset - 1;
      }
    }
  }
  if (d.size === 0) d.set(0, { start: 0, stop: 0, step: 1 });
  return new Map(Array.from(d.entries()).sort((a, b) => a[0] - b[0]));
}

/** One output block along a sliced axis: the input block and the local [start, count, step]. */
export interface AxisPiece {
  block: number;
  start: number;
  count: number;
  step: number;
}

export type AxisPlan = { kind: "int"; block: number; local: number } | { kind: "slice"; pieces: AxisPiece[] };

export function planAxis(item: Item, axis: number, dim: number, lengths: readonly number[]): AxisPlan {
  if (item.kind === "int") {
    if (Number.isNaN(dim)) throw new UnknownChunksError(`get: an integer index along axis ${axis}`);
    const i = item.value;
    if (i >= dim || i < -dim) {
      throw new IndexError(`get: index ${i} is out of bounds for axis ${axis} with size ${dim} (valid: ${-dim}..${dim - 1})`);
    }
    const idx = i < 0 ? i + dim : i;
    const bounds = cumulative(lengths).slice(1);
    const b = bisectRight(bounds, idx);
    return { kind: "int", block: b, local: b > 0 ? idx - bounds[b - 1] : idx };
  }
  if (item.kind !== "slice") throw new Error("internal: planAxis on a non-axis index");
  let s = item.value;
  if (Number.isNaN(dim) || lengths.some(Number.isNaN)) {
    const full = s.start === null && s.stop === null && (s.step === null || s.step === 1);
    if (!full) throw new UnknownChunksError(`get: slicing axis ${axis} with ${formatSlice(s)}`);
    // count -1: the whole (unknown) block
    return { kind: "slice", pieces: lengths.map((c, block) => ({ block, start: 0, count: Number.isNaN(c) ? -1 : c, step: 1 })) };
  }
  s = normalizeSlice(s, dim);
  const d = slice1d(dim, lengths, s);
  const pieces: AxisPiece[] = [];
  for (const [block, ls] of d) {
    const [start, count, step] = sliceIndices(ls, lengths[block]);
    pieces.push({ block, start, count, step });
  }
  if ((s.step ?? 1) < 0) pieces.reverse();
  return { kind: "slice", pieces };
}

function formatSlice(s: PySlice): string {
  const f = (v: number | null) => (v === null ? "" : String(v));
  return `"${f(s.start)}:${f(s.stop)}${s.step === null ? "" : `:${s.step}`}"`;
}
