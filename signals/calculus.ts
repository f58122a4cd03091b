/**
 * HyperSpy's derivative and integrate1D, eager and lazy, written once on the engine (the README's
 * "writing a method that works on lazy and eager signals" pattern). Checked against HyperSpy 1.7.3
 * (test/fixtures/make_parity.py).
 */
import { LazyArray, Index } from "../lazy/core/array";
import { concatenate } from "../lazy/ops/rechunk";
import { fromArray } from "../lazy/ops/creation";
import { ValueError } from "../lazy/core/errors";
import { DataAxis } from "./axes";
import type { BaseSignal } from "./signal";
import { rejectRagged } from "./ragged";

type AxisKey = number | string | DataAxis;

/**
 * HyperSpy's derivative(axis, order): numpy.gradient along the axis, `order` times, with the axis
 * values as coordinates: central differences inside, one-sided first differences at both ends; the
 * shape, axes and class stay. Integer and boolean data give float64 (numpy).
 */
export function derivative(s: BaseSignal, axis: AxisKey, order = 1): BaseSignal {
  rejectRagged(s, "derivative");
  if (!Number.isInteger(order) || order < 0) throw new ValueError(`derivative: order must be a non-negative integer, got ${order}`);
  const am = s.axesManager;
  const ax = axis instanceof DataAxis ? axis : am.get(axis);
  const a = am.indexInArray(ax);
  const n = ax.size;
  if (order > 0 && n < 2) {
    throw new ValueError(
      `Shape of array too small to calculate a numerical gradient, at least (edge_order + 1) elements are required. (the ${ax.displayName} axis has ${n})`,
    );
  }
  let x: LazyArray = s.lazyData(); //                                       1. the data, lazily
  if (x.dtype !== "float32" && x.dtype !== "float64") x = x.astype("float64");
  const h = ax.scale;
  const along = (sel: Index): Index[] => Array.from({ length: x.ndim }, (_, i) => (i === a ? sel : ":"));
  for (let k = 0; k < order; k++) { //                                     2. engine operations
    const first = x.get(...along("1:2")).sub(x.get(...along("0:1"))).div(h);
    const last = x.get(...along(`${n - 1}:${n}`)).sub(x.get(...along(`${n - 2}:${n - 1}`))).div(h);
    const parts = [first];
    if (n > 2) parts.push(x.get(...along("2:")).sub(x.get(...along(":-2"))).div(2 * h));
    parts.push(last);
    x = concatenate(parts, a);
  }
  return s.fromLazyResult(x, am.axes.map((d) => d.copy())); //              3. lazy stays lazy, eager is computed
}

/** Weights of scipy 1.10's simpson (even="avg") for `n` equally spaced points `dx` apart. */
export function simpsonWeights(n: number, dx: number): Float64Array {
  const basic = (w: Float64Array, from: number, count: number, f: number) => {
    // composite Simpson over `count` (odd) points starting at `from`
    if (count < 3) return;
    for (let i = 0; i < count - 1; i += 2) {
      w[from + i] += (f * dx) / 3;
      w[from + i + 1] += (4 * f * dx) / 3;
      w[from + i + 2] += (f * dx) / 3;
    }
  };
  const w = new Float64Array(n);
  if (n < 2) return w;
  if (n % 2 === 1) basic(w, 0, n, 1);
  else {
    // average of: Simpson on the first n-1 points + trapezoid on the last interval, and the mirror
    basic(w, 0, n - 1, 0.5);
    w[n - 2] += 0.25 * dx;
    w[n - 1] += 0.25 * dx;
    basic(w, 1, n - 1, 0.5);
    w[0] += 0.25 * dx;
    w[1] += 0.25 * dx;
  }
  return w;
}

/**
 * HyperSpy's integrate1D(axis): the sum along a binned axis, otherwise Simpson's rule over the axis
 * values (scipy's simps, even="avg"); the axis is removed, as a reduction removes it.
 */
export function integrate1D(s: BaseSignal, axis: AxisKey): BaseSignal {
  rejectRagged(s, "integrate1D");
  const am = s.axesManager;
  const ax = axis instanceof DataAxis ? axis : am.get(axis);
  if (ax.isBinned) return s.sum(ax);
  const a = am.indexInArray(ax);
  const shape = am.axes.map((d, k) => (k === a ? d.size : 1));
  const w = fromArray(simpsonWeights(ax.size, ax.scale), { chunks: -1 }).reshape(shape);
  // an eager signal gets in-memory weights, so that its result stays eager
  return s.mul(s.isLazy ? w : w.computeSync()).sum(am.indexInAxesManager(ax));
}
