/**
 * Reductions over signal / navigation axes: HyperSpy 1.7.3's sum, mean, max, min, std, var, their
 * nan-variants (nansum ...), indexmax and valuemax (signal.py `_apply_function_on_data_and_remove_axis`,
 * `_remove_axis`; _signals/lazy.py for the lazy versions).
 *
 * - `axis` as HyperSpy's `axes_manager[axis]`: a natural index (negative from the end), a name, a
 *   DataAxis, or a list of those (duplicates dropped, first kept); null / undefined means all
 *   navigation axes. We also accept "navigation" and "signal" (all navigation / all signal axes);
 *   HyperSpy 1.7.3 reads these as axis names (`ValueError: There is no DataAxis named navigation`),
 *   so an axis really named "navigation" / "signal" still wins.
 * - The reduced axes are removed. The class is HyperSpy's: kept when the signal dimension does not
 *   change (`_remove_axis` only re-assigns the class when it does), otherwise assigned from the
 *   remaining axes; removing every axis gives a `(|1)` BaseSignal / LazySignal with one signal axis
 *   named "Scalar" (HyperSpy's add_scalar_axis). Title and metadata are kept.
 * - One code path: eager data is wrapped as one lazy block (no copy), reduced by the engine and
 *   computed at once, so eager and lazy signals give the same numbers; an eager result holds an
 *   in-memory ndarray, a lazy result a LazyArray.
 *
 * Deliberate differences from HyperSpy 1.7.3:
 * - No implicit rechunk: 1.7.3's lazy reductions default to `rechunk=True` (rechunk to dask "auto"
 *   before reducing); ours reduce the chunks as they are (HyperSpy 2.x's default, PR #3166).
 * - dtypes follow the engine, which has numpy 1.24's: integer sums in int64 / uint64 (uint16 counts
 *   sum to uint64), indexmax / indexmin give int64 (elements of int64 / uint64 data are bigints).
 * - `ddof` for std / var / nanstd / nanvar is an extension (numpy's meaning, default 0; HyperSpy
 *   does not expose it and always uses 0).
 * - With no axis to reduce (e.g. `sum()` of a signal without navigation axes) the signal itself is
 *   returned, as HyperSpy's eager path does; its lazy path reduces over no axes, which only changes
 *   the dtype (mean of integers -> float64).
 * - A signal whose only signal axis has size 1 (`(3|1)`) reduced over all axes gives `(|1)`;
 *   HyperSpy's dimension check skips the axis removal there and leaves stale `(3|1)` axes.
 * - indexmax / valuemax with several axes or none: a TypeError naming the problem (HyperSpy:
 *   `'tuple' object cannot be interpreted as an integer`, or an AttributeError for None).
 */
import { LazyArray } from "../lazy/core/array";
import { fromArray } from "../lazy/ops/creation";
import type { NDArray } from "../lazy/core/block";
import type { BaseSignal, SignalData } from "./signal";
import { AxesManager, DataAxis } from "./axes";
import { rejectRagged } from "./ragged";
import { IndexError, TypeError, ValueError } from "../lazy/core/errors";

/** One axis: a natural index, a name or a DataAxis. */
export type AxisKey = number | string | DataAxis;
/** Axes to reduce: one axis, a list of axes, "navigation" / "signal", or null/undefined for all navigation axes. */
export type AxisSelector = AxisKey | "navigation" | "signal" | readonly AxisKey[] | null;
export type SignalReduction = "sum" | "mean" | "max" | "min" | "std" | "var" | "nansum" | "nanmean" | "nanmax" | "nanmin" | "nanstd" | "nanvar";
export interface SignalReduceOptions {
  /** Default: all navigation axes (HyperSpy's axis=None). */
  axis?: AxisSelector;
  /** Delta degrees of freedom for std / var / nanstd / nanvar (numpy's ddof, default 0). */
  ddof?: number;
}

const REDUCTIONS: readonly SignalReduction[] = ["sum", "mean", "max", "min", "std", "var", "nansum", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar"];
const WITH_DDOF: readonly SignalReduction[] = ["std", "var", "nanstd", "nanvar"];

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof DataAxis) return v.toString();
  if (Array.isArray(v)) return `[${v.map(describe).join(", ")}]`;
  return String(v);
}

/** One axis key as the AxesManager's axis (HyperSpy's `_axes_getter`), with errors that say what to give. */
function axisOf(am: AxesManager, key: unknown, what: string): DataAxis[] {
  if (key instanceof DataAxis) {
    if (!am.axes.includes(key)) {
      throw new ValueError(`${what}: ${key.toString()} is not in ${am.dimensionString()}; give an axis of this signal (s.axesManager.get(i) or its name)`);
    }
    return [key];
  }
  if (typeof key === "string") {
    const named = am.naturalOrder().some((a) => a.name === key);
    if (!named && key === "navigation") return am.navigationAxes;
    if (!named && key === "signal") return am.signalAxes;
    if (!named) {
      const names = am.naturalOrder().map((a) => a.name).filter((n): n is string => n !== undefined);
      throw new ValueError(
        `There is no DataAxis named ${key} (${what}: the axes are named ${names.length ? names.map((n) => JSON.stringify(n)).join(", ") : "nothing"}; give a name, a natural index, a DataAxis, "navigation" or "signal")`,
      );
    }
    return [am.get(key)];
  }
  if (typeof key === "number") {
    if (!Number.isInteger(key)) {
      throw new TypeError(`axesmanager indices must be integers, complex integers or strings (${what}: got ${key})`);
    }
    const n = am.axes.length;
    if (key < -n || key >= n) {
      throw new IndexError(`tuple index out of range (${what}: axis ${key} of a signal with ${n} axes; give a natural index from ${-n} to ${n - 1})`);
    }
    return [am.get(key)];
  }
  throw new TypeError(`${what}: an axis is a natural index, a name, a DataAxis, "navigation" or "signal" (or a list of them), got ${describe(key)}`);
}

/**
 * The axes an AxisSelector picks, in the order given, duplicates dropped (HyperSpy's
 * `axes_manager[axis]`); null / undefined: the navigation axes.
 */
export function resolveAxes(s: BaseSignal, axis: AxisSelector | undefined, what = "axis"): DataAxis[] {
  const am = s.axesManager;
  if (axis === null || axis === undefined) return am.navigationAxes;
  const keys: readonly unknown[] = Array.isArray(axis) ? axis : [axis];
  const out: DataAxis[] = [];
  for (const k of keys) for (const a of axisOf(am, k, what)) if (!out.includes(a)) out.push(a);
  return out;
}

function lazyOf(d: SignalData): LazyArray {
  return d instanceof LazyArray ? d : fromArray(d, { chunks: -1 });
}

/**
 * The result signal: `r` (a LazyArray of the reduced data, its axes the input's without `removed`),
 * computed for eager inputs, with HyperSpy's class and axes.
 */
function finish(s: BaseSignal, r: LazyArray, removed: readonly DataAxis[]): BaseSignal {
  const am = s.axesManager;
  const kept = am.axes.filter((a) => !removed.includes(a)).map((a) => a.copy());
  const lazyResult = r.ndim === 0 ? r.reshape([1]) : r;
  const data: SignalData = s.isLazy ? lazyResult : (lazyResult.computeSync() as NDArray);
  if (kept.length === 0) {
    // HyperSpy's add_scalar_axis: a BaseSignal / LazySignal with one signal axis "Scalar"
    return s.withData(data, [new DataAxis({ name: "Scalar", size: 1, scale: 1, offset: 0, navigate: false })]);
  }
  const newSigDim = new AxesManager(kept.map((a) => a.copy())).signalDimension;
  if (newSigDim === am.signalDimension) {
    // HyperSpy re-assigns the class only when the signal dimension changes
    const cls = s.constructor as new (data: unknown, opts: object) => BaseSignal;
    return new cls(data, { axes: kept, metadata: s.metadata, originalMetadata: s.originalMetadata });
  }
  return s.withData(data, kept);
}

function arrayIndices(s: BaseSignal, axes: readonly DataAxis[]): number[] {
  return axes.map((a) => s.axesManager.indexInArray(a));
}

/** HyperSpy's sum / mean / max / min / std / var and nan-variants over `opts.axis` (default: the navigation axes). */
export function reduce(s: BaseSignal, kind: SignalReduction, opts: SignalReduceOptions = {}): BaseSignal {
  if (!REDUCTIONS.includes(kind)) {
    throw new ValueError(`unknown reduction ${JSON.stringify(kind)}; use one of ${REDUCTIONS.join(", ")}`);
  }
  rejectRagged(s, kind);
  const ddof = opts.ddof;
  if (ddof !== undefined) {
    if (!WITH_DDOF.includes(kind)) throw new TypeError(`${kind}: ddof is only for std, var, nanstd and nanvar`);
    if (typeof ddof !== "number" || !Number.isFinite(ddof)) throw new TypeError(`${kind}: ddof must be a finite number (numpy's delta degrees of freedom), got ${describe(ddof)}`);
  }
  const axes = resolveAxes(s, opts.axis, kind);
  // nothing to reduce: HyperSpy returns the signal itself
  if (axes.length === 0) return s;
  const x = lazyOf(s.data);
  const axis = arrayIndices(s, axes);
  let r: LazyArray;
  switch (kind) {
    case "sum":
      r = x.sum({ axis });
      break;
    case "mean":
      r = x.mean({ axis });
      break;
    case "max":
      r = x.max({ axis });
      break;
    case "min":
      r = x.min({ axis });
      break;
    case "std":
      r = x.std({ axis, ddof });
      break;
    case "var":
      r = x.var({ axis, ddof });
      break;
    case "nansum":
      r = x.nansum({ axis });
      break;
    case "nanmean":
      r = x.nanmean({ axis });
      break;
    case "nanmax":
      r = x.nanmax({ axis });
      break;
    case "nanmin":
      r = x.nanmin({ axis });
      break;
    case "nanstd":
      r = x.nanstd({ axis, ddof });
      break;
    case "nanvar":
      r = x.nanvar({ axis, ddof });
      break;
  }
  return finish(s, r, axes);
}

function oneAxis(s: BaseSignal, axis: AxisSelector | undefined, what: string): DataAxis {
  if (axis === null || axis === undefined) {
    throw new TypeError(`${what}: give the axis to search along (a natural index, a name or a DataAxis), e.g. ${what}(-1) for the last signal axis`);
  }
  const axes = resolveAxes(s, axis, what);
  if (axes.length !== 1) {
    throw new TypeError(`${what}: works along one axis, but ${describe(axis)} gives ${axes.length}; call it once per axis`);
  }
  return axes[0];
}

/** HyperSpy's indexmax: the index of the maximum along one axis (numpy's argmax: the first maximum, or the first NaN). */
export function indexmax(s: BaseSignal, axis: AxisSelector): BaseSignal {
  rejectRagged(s, "indexmax");
  const ax = oneAxis(s, axis, "indexmax");
  const r = lazyOf(s.data).argmax({ axis: s.axesManager.indexInArray(ax) });
  return finish(s, r, [ax]);
}

/** HyperSpy's valuemax: the axis value (offset + scale * index) at the maximum along one axis. */
export function valuemax(s: BaseSignal, axis: AxisSelector): BaseSignal {
  rejectRagged(s, "valuemax");
  const ax = oneAxis(s, axis, "valuemax");
  const idx = lazyOf(s.data).argmax({ axis: s.axesManager.indexInArray(ax) });
  // index2value: the same float64 numbers as offset + scale * arange(size)[index]
  const r = idx.astype("float64").mul(ax.scale).add(ax.offset);
  return finish(s, r, [ax]);
}

/** HyperSpy's indexmin: the index of the minimum along one axis (int32, as indexmax). */
export function indexmin(s: BaseSignal, axis: AxisSelector): BaseSignal {
  rejectRagged(s, "indexmin");
  const ax = oneAxis(s, axis, "indexmin");
  const r = lazyOf(s.data).argmin({ axis: s.axesManager.indexInArray(ax) });
  return finish(s, r, [ax]);
}

/** HyperSpy's valuemin: the axis value (offset + scale * index) at the minimum along one axis. */
export function valuemin(s: BaseSignal, axis: AxisSelector): BaseSignal {
  rejectRagged(s, "valuemin");
  const ax = oneAxis(s, axis, "valuemin");
  const idx = lazyOf(s.data).argmin({ axis: s.axesManager.indexInArray(ax) });
  const r = idx.astype("float64").mul(ax.scale).add(ax.offset);
  return finish(s, r, [ax]);
}
