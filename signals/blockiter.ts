/**
 * HyperSpy's `LazySignal._block_iterator`: the data one navigation chunk at a time, in C order over
 * the grid of navigation chunks, with optional navigation and signal masks (true = excluded).
 * - `flatSignal: true` (default): each block is 2-D, (kept navigation pixels of the block, kept
 *   signal values): masked pixels and masked signal values are dropped.
 * - `flatSignal: false`: each block keeps its shape (navigation chunk then signal, array order);
 *   masked values are set to NaN, or 0 for integer data.
 *
 * Unlike HyperSpy 1.7.3 / 2.x, whose iterator silently returns only the first signal chunk when the
 * signal axes are split (and then fails in the non-flat mode), split signal axes are joined first:
 * every block holds whole signals. Eager signals are iterated the same way (HyperSpy makes them lazy
 * with its chunk policy first).
 */
import ndarray = require("ndarray");
import { LazyArray } from "../lazy/core/array";
import { NDArray, toFlat } from "../lazy/core/block";
import { fromArray } from "../lazy/ops/creation";
import { allocate, dtypeOfTypedArray, isBig, isFloat } from "../lazy/core/dtype";
import { blockIndices } from "../lazy/core/chunks";
import { isSignal } from "./arithmetic";
import type { BaseSignal } from "./signal";
import { rejectRagged } from "./ragged";
import { TypeError, ValueError } from "../lazy/core/errors";

export type Mask = NDArray | LazyArray | BaseSignal;

export interface BlockIteratorOptions {
  /** Flatten the signal axes and drop masked items (default true, as HyperSpy). */
  flatSignal?: boolean;
  /** Navigation pixels to exclude (true = excluded), shape = the navigation shape in array order. */
  navigationMask?: Mask | null;
  /** Signal values to exclude (true = excluded), shape = the signal shape in array order. */
  signalMask?: Mask | null;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return "a JS array";
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  return typeof v;
}


/** A mask as a LazyArray of `shape` (array order), checked. */
function maskArray(m: Mask, name: string, shape: readonly number[]): LazyArray {
  let d: unknown = isSignal(m) ? m.data : m;
  if (!(d instanceof LazyArray)) {
    if (typeof d === "object" && d !== null && "data" in d && "shape" in d && "stride" in d) d = fromArray(d as NDArray, { chunks: -1 });
    else throw new TypeError(`${name} has to be a signal, an ndarray or a LazyArray, but ${describe(m)} was given`);
  }
  const a = d as LazyArray;
  if (a.shape.length !== shape.length || a.shape.some((n, i) => n !== shape[i])) {
    throw new ValueError(`${name} has shape [${a.shape.join(", ")}] but must have shape [${shape.join(", ")}] (array order: the reverse of the natural ${name.startsWith("nav") ? "navigation" : "signal"} shape)`);
  }
  return a.dtype === "bool" ? a : a.ne(0);
}

export function* blockIterator(s: BaseSignal, opts: BlockIteratorOptions = {}): Generator<NDArray> {
  rejectRagged(s, "blockIterator (use iterateSignal() for a ragged signal's elements)");
  const flat = opts.flatSignal ?? true;
  const am = s.axesManager;
  const nav = am.navigationIndicesInArray.slice().sort((a, b) => a - b);
  const sig = am.signalIndicesInArray.slice().sort((a, b) => a - b);
  if (nav.some((a, i) => a !== i)) throw new Error("internal: blockIterator needs navigation-first data");
  let data = s.isLazy ? (s.data as LazyArray) : (s.asLazy().data as LazyArray);
  // whole signals in every block (the fix of HyperSpy's split-signal bug)
  if (sig.some((a) => data.chunks[a].length > 1)) data = data.rechunk(Object.fromEntries(sig.map((a) => [a, -1])));
  const navShape = nav.map((a) => data.shape[a]);
  const sigShape = sig.map((a) => data.shape[a]);
  const sigSize = sigShape.reduce((p, n) => p * n, 1);
  const navChunks = nav.map((a) => data.chunks[a].slice());
  const navMask = opts.navigationMask ? maskArray(opts.navigationMask, "navigationMask", navShape).rechunk(navChunks) : null;
  const sigMask = opts.signalMask ? toFlat(maskArray(opts.signalMask, "signalMask", sigShape).computeSync()) : null;
  const keptSig = sigMask ? sigMask.flatMap((m, k) => (m ? [] : [k])) : null;
  const dtype = data.dtype;
  const fill = isFloat(dtype) ? NaN : isBig(dtype) ? 0n : 0; // int64 / uint64 blocks hold bigints
  const zeros = new Array(sig.length).fill(0);
  for (const ind of blockIndices(navChunks.map((c) => c.length))) {
    const block = data.blocks(...ind, ...zeros).computeSync(); // a new C-contiguous array: ours to write into
    const nBlock = block.size / Math.max(sigSize, 1);
    const nm = navMask ? toFlat(navMask.blocks(...ind).computeSync()) : null;
    if (flat) {
      const rows: number[] = [];
      for (let r = 0; r < nBlock; r++) if (!nm || !nm[r]) rows.push(r);
      const cols = keptSig ?? Array.from({ length: sigSize }, (_, k) => k);
      const out = allocate(dtypeOfTypedArray(block.data), rows.length * cols.length);
      rows.forEach((r, i) => cols.forEach((c, j) => (out[i * cols.length + j] = block.data[r * sigSize + c])));
      // no signal axes: one value per pixel, blocks of shape [n] (HyperSpy)
      yield sig.length === 0 ? ndarray(out, [rows.length]) : ndarray(out, [rows.length, cols.length]);
    } else {
      const d = block.data as Float64Array; // or bigints, with a bigint fill
      if (nm) nm.forEach((m, r) => m && d.fill(fill as number, r * sigSize, (r + 1) * sigSize));
      if (sigMask) for (let r = 0; r < nBlock; r++) sigMask.forEach((m, k) => m && (d[r * sigSize + k] = fill as number));
      yield block;
    }
  }
}

