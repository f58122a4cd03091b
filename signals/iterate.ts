/**
 * HyperSpy's `_iterate_signal`: every navigation pixel's signal, in iteration-path order, without
 * touching the axes manager's indices (HyperSpy moves them while iterating and restores them only if
 * the iteration runs to the end).
 *
 * Eager signals yield views of their data. Lazy signals compute the navigation chunk that holds the
 * pixel (as HyperSpy's `_get_cache_dask_chunk`) on this thread, and keep the chunks of the current
 * band of the slowest axes, so a flyback or serpentine path computes each chunk once.
 *
 * A ragged signal yields each pixel's element itself (e.g. its ndarray of peak positions); HyperSpy
 * yields it wrapped in a 1-element object array.
 */
import ndarray = require("ndarray");
import { LazyArray } from "../lazy/core/array";
import { NDArray } from "../lazy/core/block";
import { cumulative } from "../lazy/core/chunks";
import type { BaseSignal } from "./signal";
import { TypeError, ValueError } from "../lazy/core/errors";

export interface IterateOptions {
  /** "flyback" (default, HyperSpy 1.7.3), "serpentine" (HyperSpy 2.x's default), or a list of navigation indices (natural order). */
  iterpath?: "flyback" | "serpentine" | readonly (readonly number[])[];
}

/** At least 1-D, as HyperSpy's np.atleast_1d. */
function atLeast1d(a: NDArray): NDArray {
  if (a.shape.length > 0) return a;
  return ndarray(a.data, [1], [1], a.offset);
}

/** pick() arguments in array order: the navigation index on navigation axes, null on signal axes. */
function pickArgs(nd: number, navArray: readonly number[], natural: readonly number[]): (number | null)[] {
  const args: (number | null)[] = new Array(nd).fill(null);
  navArray.forEach((a, i) => (args[a] = natural[i]));
  return args;
}

export function* iterateSignal(s: BaseSignal, opts: IterateOptions = {}): Generator<NDArray> {
  const am = s.axesManager;
  if (am.ragged) {
    yield* iterateRagged(s, opts) as Generator<NDArray>;
    return;
  }
  const navArray = am.navigationAxes.map((ax) => am.indexInArray(ax)); // natural order
  const path = opts.iterpath ?? "flyback";
  const indices: Iterable<readonly number[]> = typeof path === "string" ? am.iterpath(path) : checkedPath(path, am.navigationDimension);
  const data = s.data;
  const nd = am.axes.length;
  if (!(data instanceof LazyArray)) {
    for (const idx of indices) {
      checkIndex(idx, am.navigationShape);
      yield atLeast1d(data.pick(...pickArgs(nd, navArray, idx)) as NDArray);
    }
    return;
  }
  for (const { chunk, local } of lazyPixels(data, navArray, indices, am.navigationShape)) {
    yield atLeast1d(chunk.pick(...pickArgs(nd, navArray, local)) as NDArray);
  }
}

/**
 * Each pixel of `indices` (natural order) of a lazy array with the computed chunk of navigation
 * axes holding it (signal axes whole) and the pixel's index inside that chunk (natural order).
 * Chunks are computed once and kept for one band (the same block along every navigation axis but
 * the fastest), so an iteration path computes each navigation chunk once.
 */
function* lazyPixels(
  data: LazyArray,
  navArray: readonly number[],
  indices: Iterable<readonly number[]>,
  navShape: readonly number[],
): Generator<{ chunk: NDArray; local: number[] }> {
  const offs = data.chunks.map((c) => cumulative(c));
  const cache = new Map<string, NDArray>();
  let band = "";
  for (const idx of indices) {
    checkIndex(idx, navShape);
    const blockOf = navArray.map((a, i) => {
      const o = offs[a];
      let b = 0;
      while (o[b + 1] <= idx[i]) b++;
      return b;
    });
    const thisBand = blockOf.slice(1).join(",");
    if (thisBand !== band) {
      cache.clear();
      band = thisBand;
    }
    const key = blockOf.join(",");
    let chunk = cache.get(key);
    if (!chunk) {
      const sel: string[] = new Array(data.shape.length).fill(":");
      navArray.forEach((a, i) => (sel[a] = `${offs[a][blockOf[i]]}:${offs[a][blockOf[i] + 1]}`));
      chunk = data.get(...sel).computeSync();
      cache.set(key, chunk);
    }
    yield { chunk, local: idx.map((v, i) => v - offs[navArray[i]][blockOf[i]]) };
  }
}

/** A ragged signal's elements in iteration-path order (every axis is a navigation axis). */
function* iterateRagged(s: BaseSignal, opts: IterateOptions): Generator<unknown> {
  const am = s.axesManager;
  const path = opts.iterpath ?? "flyback";
  const indices: Iterable<readonly number[]> = typeof path === "string" ? am.iterpath(path) : checkedPath(path, am.navigationDimension);
  const navArray = am.navigationAxes.map((ax) => am.indexInArray(ax)); // natural order
  const data = s.data;
  const nd = data.shape.length;
  // array-order index of a pixel (no navigation axes: the one element at [0])
  const at = (idx: readonly number[]): number[] => {
    const a = new Array<number>(nd).fill(0);
    navArray.forEach((ax, i) => (a[ax] = idx[i]));
    return a;
  };
  if (!(data instanceof LazyArray)) {
    for (const idx of indices) {
      checkIndex(idx, am.navigationShape);
      yield (data.get as (...i: number[]) => unknown)(...at(idx));
    }
    return;
  }
  for (const { chunk, local } of lazyPixels(data, navArray, indices, am.navigationShape)) {
    yield (chunk.get as (...i: number[]) => unknown)(...at(local));
  }
}

function checkIndex(idx: readonly number[], shape: readonly number[]): void {
  if (idx.length !== shape.length || idx.some((v, i) => !Number.isInteger(v) || v < 0 || v >= shape[i])) {
    throw new ValueError(`iterateSignal: navigation index [${idx.join(", ")}] does not fit the navigation shape [${shape.join(", ")}] (natural order): give ${shape.length} indices (the navigation dimension), each within its axis`);
  }
}

/** A custom iteration path, checked as HyperSpy checks it: a list of index lists, each as long as the navigation dimension. */
function checkedPath(path: readonly (readonly number[])[], navDim: number): readonly (readonly number[])[] {
  const list = Array.from(path as Iterable<unknown>);
  const first = list[0];
  if (list.length > 0 && !Array.isArray(first) && !ArrayBuffer.isView(first)) {
    throw new TypeError(
      "Each set of indices in the iterpath should be an iterable, e.g. `(0,)` or `(0,0,0)`. " +
        `The first entry currently looks like: \`${String(first)}\`, and does not satisfy this requirement. ` +
        `(Give each navigation position as a list of ${navDim} indices in natural order, e.g. [[0, 0], [1, 0]].)`,
    );
  }
  if (list.length > 0 && (first as ArrayLike<number>).length !== navDim) {
    throw new ValueError(
      `The current iterpath yields indices of length ${(first as ArrayLike<number>).length}. ` +
        `It should deliver incides with length equal to the navigation dimension, which is ${navDim}.`,
    );
  }
  for (const idx of list) {
    if (!Array.isArray(idx) && !ArrayBuffer.isView(idx)) {
      throw new TypeError(`iterateSignal: every entry of iterpath must be a list of ${navDim} indices (the navigation dimension), got ${String(idx)}`);
    }
  }
  return list as readonly (readonly number[])[];
}
