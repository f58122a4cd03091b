/**
 * Signal methods written once for eager and lazy signals (the subject of HyperSpy's developer page
 * "Tips for writing methods that work on lazy signals"). The pattern:
 *
 *   1. take the data as a LazyArray: `s.lazyData()` (eager data becomes one chunk, no copy);
 *   2. express the method with the engine's operations (they are lazy, chunk-aware and culled);
 *   3. return `s.fromLazyResult(result, axes)`: a lazy signal stays lazy (nothing is computed), an
 *      eager one is computed at once (on this thread) and stays eager.
 *
 * There is no second code path for lazy data, so eager and lazy results are the same numbers.
 */
import { LazyArray, Index } from "../lazy/core/array";
import type { BaseSignal } from "./signal";
import type { DataAxis } from "./axes";
import { rejectRagged } from "./ragged";
import { ValueError } from "../lazy/core/errors";

/**
 * HyperSpy's diff: the discrete difference of order `order` along one axis (natural index, name or
 * DataAxis): out[n] = a[n+1] - a[n], the axis one element shorter per order, its offset moved by
 * half a step per order (as HyperSpy sets it). Integer data keeps its dtype (wrapping as numpy);
 * boolean data gives "not equal", as numpy.diff.
 */
export function diff(s: BaseSignal, axis: number | string | DataAxis, order = 1): BaseSignal {
  if (!Number.isInteger(order) || order < 0) throw new ValueError(`diff: order must be a non-negative integer, got ${order}`);
  rejectRagged(s, "diff");
  const am = s.axesManager;
  const ax = typeof axis === "object" ? axis : am.get(axis);
  const a = am.indexInArray(ax);
  if (ax.size - order < 0) throw new ValueError(`diff: order ${order} is larger than the axis (${ax.size} values)`);
  let x: LazyArray = s.lazyData();
  const along = (sel: string): Index[] => Array.from({ length: x.ndim }, (_, i) => (i === a ? sel : ":"));
  for (let k = 0; k < order; k++) {
    const hi = x.get(...along("1:"));
    const lo = x.get(...along(":-1"));
    x = x.dtype === "bool" ? hi.ne(lo) : hi.sub(lo);
  }
  const axes = am.axes.map((d) => d.copy());
  axes[a].size -= order;
  axes[a].offset = ax.offset + (order * ax.scale) / 2;
  return s.fromLazyResult(x, axes);
}
