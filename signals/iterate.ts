/**
 * HyperSpy's `_iterate_signal`: every navigation pixel's signal, in iteration-path order, without
 * touching the axes manager's indices (HyperSpy moves them while iterating and restores them only if
 * the iteration runs to the end).
 *
 * Eager signals yield views of their data. Lazy signals compute the navigation chunk that holds the
 * pixel (as HyperSpy's `_get_cache_dask_chunk`) on this thread, and keep the chunks of the current
 * band of the slowest axes, so a flyback or serpentine path computes each chunk once.
 */
import ndarray = require("ndarray");
import { LazyArray } from "../lazy/array";
import { NDArray } from "../lazy/block";
import { cumulative } from "../lazy/chunks";
import type { BaseSignal } from "./signal";

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
  const navArray = am.navigationAxes.map((ax) => am.indexInArray(ax)); // natural order
  const path = opts.iterpath ?? "flyback";
  const indices: Iterable<readonly number[]> = typeof path === "string" ? am.iterpath(path) : path;
  const data = s.data;
  const nd = am.axes.length;
  if (!(data instanceof LazyArray)) {
    for (const idx of indices) {
      checkIndex(idx, am.navigationShape);
      yield atLeast1d(data.pick(...pickArgs(nd, navArray, idx)) as NDArray);
    }
    return;
  }
  // lazy: the chunk holding each pixel, computed once per band
  const offs = data.chunks.map((c) => cumulative(c));
  const cache = new Map<string, NDArray>();
  let band = "";
  for (const idx of indices) {
    checkIndex(idx, am.navigationShape);
    const blockOf = navArray.map((a, i) => {
      const o = offs[a];
      let b = 0;
      while (o[b + 1] <= idx[i]) b++;
      return b;
    });
    // the band: the block indices of every navigation axis but the fastest (natural axis 0)
    const thisBand = blockOf.slice(1).join(",");
    if (thisBand !== band) {
      cache.clear();
      band = thisBand;
    }
    const key = blockOf.join(",");
    let chunk = cache.get(key);
    if (!chunk) {
      const sel: (string | number)[] = new Array(nd).fill(":");
      navArray.forEach((a, i) => (sel[a] = `${offs[a][blockOf[i]]}:${offs[a][blockOf[i] + 1]}`));
      chunk = data.get(...sel).computeSync();
      cache.set(key, chunk);
    }
    const local = idx.map((v, i) => v - offs[navArray[i]][blockOf[i]]);
    yield atLeast1d(chunk.pick(...pickArgs(nd, navArray, local)) as NDArray);
  }
}

function checkIndex(idx: readonly number[], shape: readonly number[]): void {
  if (idx.length !== shape.length || idx.some((v, i) => !Number.isInteger(v) || v < 0 || v >= shape[i])) {
    throw new RangeError(`iterateSignal: navigation index [${idx.join(", ")}] does not fit the navigation shape [${shape.join(", ")}] (natural order)`);
  }
}
