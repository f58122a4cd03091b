/**
 * HyperSpy's methods that rearrange, cut or relabel a signal's axes, eager and lazy, written once on
 * the engine (signals/methods.ts's pattern: `s.lazyData()`, engine operations, then the result):
 * swapAxes, rollaxis, squeeze, split, asSignal1D / asSignal2D, crop, cropSignal, changeDtype.
 * Numbers and axes are checked against HyperSpy 1.7.3 (test/fixtures/make_parity.py).
 *
 * Class rule (HyperSpy's `_deepcopy_with_new_data` then `_assign_subclass` only when the signal
 * dimension changes): a result keeps the signal's class (its lazy twin for lazy data) unless its
 * signal dimension changed, then it gets the class of its new signal dimension. So a Signal1D
 * `(4, 2|1)` squeezed stays a Signal1D `(4, 2|)`, as in HyperSpy.
 */
import { LazyArray, Index } from "../lazy/core/array";
import { DType, checkDType } from "../lazy/core/dtype";
import { IndexError, TypeError, ValueError } from "../lazy/core/errors";
import { AxesManager, DataAxis } from "./axes";
import type { BaseSignal } from "./signal";
import { rejectRagged } from "./ragged";
import type { SignalIndex } from "./indexing";

type AxisKey = number | string | DataAxis;

function axisOf(s: BaseSignal, k: AxisKey): DataAxis {
  return k instanceof DataAxis ? k : s.axesManager.get(k);
}

/** The result over `x` (lazy) with `axes` (array order), by the class rule above; eager signals are computed here. */
export function keepClassResult(s: BaseSignal, x: LazyArray, axes: readonly DataAxis[], always = false): BaseSignal {
  let ax = axes.map((a) => a.copy());
  if (ax.length === 0) {
    // HyperSpy does not support 0 dimensions: a "Scalar" axis of size 1
    ax = [new DataAxis({ name: "Scalar", size: 1, navigate: false })];
    x = x.reshape([1]);
  }
  const newDim = new AxesManager(ax.map((a) => a.copy())).signalDimension;
  if (!always && newDim !== s.axesManager.signalDimension) return s.fromLazyResult(x, ax);
  const cls = s.constructor as new (data: unknown, opts: object) => BaseSignal;
  return new cls(s.isLazy ? x : x.computeSync(), { axes: ax, metadata: s.metadata, originalMetadata: s.originalMetadata });
}

/** HyperSpy's swap_axes: the two axes trade places in the data; each position keeps its navigate flag. */
export function swapAxes(s: BaseSignal, axis1: AxisKey, axis2: AxisKey): BaseSignal {
  rejectRagged(s, "swapAxes");
  const am = s.axesManager;
  const i = am.indexInArray(axisOf(s, axis1));
  const j = am.indexInArray(axisOf(s, axis2));
  const perm = am.axes.map((_, k) => (k === i ? j : k === j ? i : k));
  const axes = perm.map((k, pos) => {
    const a = am.axes[k].copy();
    a.navigate = am.axes[pos].navigate;
    return a;
  });
  return keepClassResult(s, s.lazyData().transpose(perm), axes);
}

/**
 * HyperSpy's rollaxis: the axis moves to the array position of `toAxis`, the others keep their order;
 * each axis keeps its navigate flag (so the data need not be navigation-first afterwards, as in HyperSpy).
 */
export function rollaxis(s: BaseSignal, axis: AxisKey, toAxis: AxisKey): BaseSignal {
  rejectRagged(s, "rollaxis");
  const am = s.axesManager;
  const from = am.indexInArray(axisOf(s, axis));
  const to = am.indexInArray(axisOf(s, toAxis));
  const perm = am.axes.map((_, k) => k);
  perm.splice(to, 0, perm.splice(from, 1)[0]);
  return keepClassResult(s, s.lazyData().transpose(perm), perm.map((k) => am.axes[k].copy()));
}

/** HyperSpy's squeeze: every axis of size 1 removed (data squeezed); a signal of only such axes keeps a "Scalar" axis. */
export function squeeze(s: BaseSignal): BaseSignal {
  rejectRagged(s, "squeeze");
  const am = s.axesManager;
  const keep = am.axes.filter((a) => a.size !== 1);
  const sel: Index[] = am.axes.map((a) => (a.size === 1 ? 0 : ":"));
  const x = s.lazyData();
  return keepClassResult(s, keep.length === am.axes.length ? x : x.get(...sel), keep);
}

/** Options of `split`: at most one of them (HyperSpy: "You can define step_sizes or number_of_parts but not both."). */
export interface SplitOptions {
  /** The axis (natural index, name or DataAxis); default: the last navigation axis (HyperSpy's "auto"). */
  axis?: AxisKey;
  /** Equal parts (the last ones drop any remainder, as HyperSpy); default: one part per index. */
  numberOfParts?: number;
  /** Sizes of the parts along the axis, or one size for all. */
  stepSizes?: number | readonly number[];
}

/**
 * HyperSpy's split: parts along one axis, each a new signal whose axis offset starts at its first
 * index. Parts of size 1 made by splitting into one part per index lose that axis (HyperSpy).
 */
export function split(s: BaseSignal, opts: SplitOptions = {}): BaseSignal[] {
  rejectRagged(s, "split");
  if (opts.numberOfParts !== undefined && opts.stepSizes !== undefined) throw new ValueError("You can define step_sizes or number_of_parts but not both.");
  const am = s.axesManager;
  let ax: DataAxis;
  if (opts.axis !== undefined) ax = axisOf(s, opts.axis);
  else {
    const nav = am.navigationAxes;
    if (nav.length === 0) throw new ValueError("split: the signal has no navigation axis; give opts.axis");
    ax = nav[nav.length - 1];
  }
  const a = am.indexInArray(ax);
  const n = ax.size;
  let steps: number[];
  let onePerIndex = false;
  if (opts.numberOfParts === undefined && opts.stepSizes === undefined) {
    steps = new Array(n).fill(1);
    onePerIndex = true;
  } else if (opts.numberOfParts !== undefined) {
    const p = opts.numberOfParts;
    if (!Number.isInteger(p) || p < 1) throw new ValueError(`split: numberOfParts must be a positive integer, got ${p}`);
    if (p > n) throw new ValueError("The number of parts is greater than the axis size.");
    steps = new Array(p).fill(Math.floor(n / p));
    onePerIndex = p === n;
  } else if (typeof opts.stepSizes === "number") {
    const st = opts.stepSizes;
    if (!Number.isInteger(st) || st < 1) throw new ValueError(`split: stepSizes must be positive integers, got ${st}`);
    steps = new Array(Math.floor(n / st)).fill(st);
  } else {
    steps = Array.from(opts.stepSizes as readonly number[]);
    if (steps.some((v) => !Number.isInteger(v) || v < 1)) throw new ValueError(`split: stepSizes must be positive integers, got [${steps.join(", ")}]`);
    if (steps.reduce((p, v) => p + v, 0) > n) throw new IndexError(`split: stepSizes [${steps.join(", ")}] add up to more than the axis size ${n}`);
  }
  onePerIndex ||= steps.length === n && steps.every((v) => v === 1);
  const x = s.lazyData();
  const parts: BaseSignal[] = [];
  let start = 0;
  for (const st of steps) {
    const sel: Index[] = am.axes.map((_, k) => (k === a ? (onePerIndex ? start : `${start}:${start + st}`) : ":"));
    const axes = am.axes.map((d) => d.copy());
    axes[a].offset = ax.index2value(start);
    axes[a].size = st;
    // each part has the signal's class (HyperSpy's self.__class__(**dict)); dropping the axis of a
    // one-per-index part reassigns the class only if the signal dimension changes (_remove_axis)
    if (onePerIndex) axes.splice(a, 1);
    parts.push(keepClassResult(s, x.get(...sel), axes, !onePerIndex));
    start += st;
  }
  return parts;
}

/**
 * HyperSpy's as_signal1D(spectral_axis): the given axis becomes the only signal axis (the others
 * navigation), through transpose; the result is a Signal1D (lazy: LazySignal1D).
 */
export function asSignal1D(s: BaseSignal, spectralAxis: AxisKey): BaseSignal {
  rejectRagged(s, "asSignal1D");
  return s.transpose({ signalAxes: [axisOf(s, spectralAxis)] });
}

/** HyperSpy's as_signal2D(image_axes): the two axes (x then y) become the signal axes; a Signal2D. */
export function asSignal2D(s: BaseSignal, imageAxes: readonly [AxisKey, AxisKey]): BaseSignal {
  rejectRagged(s, "asSignal2D");
  if (!Array.isArray(imageAxes) || imageAxes.length !== 2) throw new ValueError("asSignal2D: imageAxes must be two axes (x then y)");
  if (s.data.shape.length < 2) throw new ValueError("Datasets with dimension 1 or less cannot be converted to Signal2D");
  return s.transpose({ signalAxes: imageAxes.map((k) => axisOf(s, k)) });
}

/**
 * HyperSpy's crop(axis, start, end): keep `start:end` of one axis, IN PLACE (the signal keeps its
 * identity). Integers are indices, other numbers axis values, strings as in isig (e.g. "10.5 eV"),
 * as HyperSpy's crop. Returns the signal.
 */
export function crop(s: BaseSignal, axis: AxisKey, start: number | string | null = null, end: number | string | null = null): BaseSignal {
  rejectRagged(s, "crop");
  const am = s.axesManager;
  const ax = axisOf(s, axis);
  const nav = ax.navigate;
  const list = nav ? am.navigationAxes : am.signalAxes;
  const pos = list.indexOf(ax);
  const idx: SignalIndex[] = list.map((_, k) => (k === pos ? { start, stop: end } : null));
  const r = nav ? s.inav(...idx) : s.isig(...idx);
  return s.becomeInPlace(r);
}

/** HyperSpy's crop_signal1D(left, right) (2.x: crop_signal): crop the signal axis in place; a Signal1D needs one. */
export function cropSignal(s: BaseSignal, left: number | string | null = null, right: number | string | null = null): BaseSignal {
  if (s.axesManager.signalDimension !== 1) {
    throw new ValueError(`cropSignal crops the one signal axis of a Signal1D; ${String(s)} has ${s.axesManager.signalDimension}: use crop(axis, start, end)`);
  }
  return crop(s, s.axesManager.signalAxes[0], left, right);
}

/**
 * HyperSpy's change_dtype(dtype): the data converted with numpy's astype (truncation toward zero,
 * wrap-around into integer dtypes), IN PLACE; the class stays (HyperSpy's class rules change it
 * only for RGB and complex dtypes, which the engine does not have). Returns the signal.
 */
export function changeDtype(s: BaseSignal, dtype: DType): BaseSignal {
  rejectRagged(s, "changeDtype");
  let dt: DType;
  try {
    dt = checkDType(dtype, "changeDtype");
  } catch {
    throw new TypeError(`data type '${String(dtype)}' not understood (changeDtype takes one of bool, int8, int16, int32, uint8, uint16, uint32, float32, float64)`);
  }
  if (dt === "object") throw new TypeError("changeDtype: object data belongs to a ragged signal; use map with ragged: true");
  if (dt === s.dtype) return s;
  const r = keepClassResult(s, s.lazyData().astype(dt), s.axesManager.axes);
  return s.becomeInPlace(r);
}
