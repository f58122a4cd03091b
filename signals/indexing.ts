/**
 * HyperSpy's `inav` / `isig` (hyperspy/misc/slicing.py FancySlicing._get_array_slices / _slicer and
 * UniformDataAxis._get_array_slices / _slice_me, HyperSpy 1.7.3).
 *
 * Indices are given in natural (x, y) order over the navigation axes (`inav`) or the signal axes
 * (`isig`) only; fewer indices than axes leave the rest whole. Each index is one of:
 * - an integer (negative counts from the end): selects one element and removes the axis;
 * - a number with a fractional part: an axis VALUE (the closest index, HyperSpy's value2index);
 *   `{ value: 11 }` gives an integral value (JavaScript cannot tell 11 from 11.0);
 * - a slice, `{ start, stop, step }` or a string "start:stop:step" (":" , "1:3", "::-1",
 *   "10.5:11.5", "rel0.2:", ":4000.0 nm"): integer bounds are indices, bounds written as floats
 *   ("1.5", "3.0", "1e1") or non-integer numbers are values, "rel0.5" is a relative position
 *   (0 = first value, 1 = last), "4 µm" is a value with units; a non-integer step (number or
 *   "1.1") is divided by the scale and rounded, as HyperSpy does with float steps;
 * - "..." (Python's Ellipsis): as many whole axes as needed; `null`: one whole axis (":").
 * The axes of the result are HyperSpy's: a slice moves the offset to the first kept value and
 * multiplies the scale by the step (a negative step gives a negative scale); an integer removes the
 * axis; the class is re-assigned only when the signal dimension changes (so a BaseSignal stays a
 * BaseSignal); removing every axis gives a "Scalar" (|1) BaseSignal / LazySignal. A signal with a
 * single axis keeps it (size 1) when indexed with an integer, as in HyperSpy. The title and
 * metadata are kept (copied).
 *
 * Data: one code path through the lazy engine (`LazyArray.get`). A lazy signal gets a lazy slice
 * (only the blocks holding the selection are ever computed). An in-memory signal is wrapped as one
 * chunk, sliced and computed; the result is always a NEW array: unlike HyperSpy (whose numpy
 * indexing returns views), writing into the result's data never changes the parent, and writing
 * into the parent never changes the result.
 *
 * Deliberate differences from HyperSpy 1.7.3:
 * - Errors are RangeError (HyperSpy's IndexError / ValueError) or TypeError, with HyperSpy's
 *   messages; "too many indices" adds how many were given. Lazy signals raise numpy's
 *   "index 5 is out of bounds for axis 2 with size 4" (dask says "Index 5 ..."), checked before
 *   anything is computed.
 * - A single string index ("11.0", "rel0.5", "4 µm") is accepted (HyperSpy accepts strings only as
 *   slice bounds); `null` is a whole axis (HyperSpy's None would insert a numpy newaxis).
 * - Units: values with units are converted between SI prefixes of the same unit (nm, µm, m, Å,
 *   eV, keV, ...), not with pint's full unit system; other conversions are an error saying so.
 * - ROI objects are not accepted as indices.
 *
 * Ragged signals: `inav` works (the elements are kept, not copied); indexing every navigation axis
 * with an integer gives a `(|ragged)` signal holding that element in data of shape [1], as HyperSpy.
 * `isig` raises HyperSpy's "`isig` is not supported for ragged signal."
 */
import type { BaseSignal } from "./signal";
import { LazyArray, type Slice } from "../lazy/core/array";
import { fromArray } from "../lazy/ops/creation";
import { AxesManager, DataAxis, pyFloatRepr, pyNumber } from "./axes";
import { IndexError, TypeError, ValueError } from "../lazy/core/errors";

/** An axis value (HyperSpy's float index): `{ value: 11 }` is the value 11, not the index 11. */
export interface AxisValue {
  readonly value: number;
}

/** A slice bound: an integer index, a non-integer number (a value), an AxisValue, or a string ("2", "1.5", "rel0.5", "4 nm"). */
export type SliceBound = number | string | AxisValue;

/** A slice over one axis; null / missing bounds mean the axis ends, a missing step means 1. */
export interface SignalSlice {
  readonly start?: SliceBound | null;
  readonly stop?: SliceBound | null;
  readonly step?: number | string | null;
}

/**
 * One index of `inav` / `isig`: an integer, a number with a fractional part (an axis value), an
 * AxisValue, a slice (object or "start:stop:step" string), "..." for the remaining axes, or null
 * for one whole axis.
 */
export type SignalIndex = number | string | null | AxisValue | SignalSlice;

// ------------------------------------------------------------------------------------------------
// parsing the user's indices

/** A parsed bound: an integer index, a value ("float" in HyperSpy's sense), or a string to resolve on the axis. */
type Bound = { kind: "int"; v: number } | { kind: "float"; v: number } | { kind: "str"; s: string };
type Parsed =
  | { kind: "ellipsis" }
  | { kind: "bound"; b: Bound }
  | { kind: "slice"; start: Bound | null; stop: Bound | null; step: Bound | null };

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|nan)$/i;

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return pyNumber(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function numberBound(v: number, where: string): Bound {
  if (Number.isNaN(v)) throw new ValueError(`${where}: NaN is not an index or an axis value`);
  if (Number.isInteger(v)) return { kind: "int", v: v === 0 ? 0 : v };
  return { kind: "float", v };
}

function stringBound(s: string): Bound {
  const t = s.trim();
  if (INT_RE.test(t)) return { kind: "int", v: Number(t) === 0 ? 0 : Number(t) };
  if (FLOAT_RE.test(t)) return { kind: "float", v: Number(t.toLowerCase().replace("inf", "Infinity").replace("nan", "NaN")) };
  return { kind: "str", s: t };
}

function isAxisValue(o: object): o is AxisValue {
  const k = Object.keys(o);
  return k.length === 1 && k[0] === "value";
}

/**
 * A slice bound. In a "start:stop" string the parts are our spelling of Python's slice syntax, so
 * "4000.0" there is the number 4000.0; a string given as a bound of a { start, stop } object is a
 * Python string bound (`isig[:"4000.0"]`), which HyperSpy reads as a value with units: "4000.0"
 * alone is its error ("should contain an units", or the axis has no units).
 */
function parseBound(v: unknown, where: string, pythonString = false): Bound | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return numberBound(v, where);
  if (typeof v === "string") {
    if (v.trim() === "") return null;
    return pythonString ? { kind: "str", s: v.trim() } : stringBound(v);
  }
  if (typeof v === "object" && isAxisValue(v)) {
    if (typeof v.value !== "number" || Number.isNaN(v.value)) throw new TypeError(`${where}: { value } must hold a number, got ${describe(v.value)}`);
    return { kind: "float", v: v.value };
  }
  throw new TypeError(`${where}: ${describe(v)} is not a slice bound; use an integer index, an axis value (1.5 or { value: 2 }) or a string ("2", "1.5", "rel0.5", "4 nm")`);
}

function parseIndex(ix: unknown, pos: number, op: string): Parsed {
  const where = `${op}: index ${pos}`;
  if (ix === null) return { kind: "slice", start: null, stop: null, step: null };
  if (typeof ix === "number") return { kind: "bound", b: numberBound(ix, where) };
  if (typeof ix === "string") {
    const t = ix.trim();
    if (t === "...") return { kind: "ellipsis" };
    if (t.includes(":")) {
      const parts = t.split(":");
      if (parts.length > 3) throw new TypeError(`${where}: ${JSON.stringify(ix)} is not a slice; write "start:stop" or "start:stop:step"`);
      return {
        kind: "slice",
        start: parseBound(parts[0], where),
        stop: parseBound(parts[1], where),
        step: parts.length === 3 ? parseBound(parts[2], where) : null,
      };
    }
    if (t === "") throw new ValueError("Cannot index with an empty string");
    return { kind: "bound", b: stringBound(t) };
  }
  if (typeof ix === "object" && ix !== undefined) {
    const o = ix as object;
    if (isAxisValue(o)) return { kind: "bound", b: parseBound(o, where) as Bound };
    const keys = Object.keys(o);
    if (keys.every((k) => k === "start" || k === "stop" || k === "step")) {
      const s = o as SignalSlice;
      return { kind: "slice", start: parseBound(s.start, where, true), stop: parseBound(s.stop, where, true), step: parseBound(s.step, where) };
    }
  }
  throw new TypeError(
    `${where}: unsupported index ${describe(ix)}; use an integer, an axis value (1.5 or { value: 2 }), a slice ({ start, stop, step } or "1:3", "10.5:11.5", "::-1"), "..." or null`,
  );
}

// ------------------------------------------------------------------------------------------------
// values from strings: "rel0.5", "4000.0 nm"

const SI_PREFIXES: { [p: string]: number } = {
  Y: 24, Z: 21, E: 18, P: 15, T: 12, G: 9, M: 6, k: 3, h: 2, da: 1, "": 0,
  d: -1, c: -2, m: -3, µ: -6, μ: -6, u: -6, n: -9, p: -12, f: -15, a: -18, z: -21, y: -24,
};

/** Ways to read a unit as 10^exp * base (Å is 1e-10 m). */
function unitReadings(u: string): { base: string; exp: number }[] {
  const out: { base: string; exp: number }[] = [];
  if (u === "Å" || u === "angstrom") out.push({ base: "m", exp: -10 });
  for (const [p, e] of Object.entries(SI_PREFIXES)) {
    if (u.startsWith(p) && u.length > p.length) out.push({ base: u.slice(p.length), exp: e });
  }
  out.sort((a, b) => b.base.length - a.base.length); // whole-unit readings first ("m" is metre before milli-)
  return out;
}

/** 10^d as exactly as possible. */
function scaleBy(v: number, d: number): number {
  return d >= 0 ? v * 10 ** d : v / 10 ** -d;
}

function convertUnits(mag: number, from: string, to: string, axis: DataAxis): number {
  if (from === to) return mag;
  for (const a of unitReadings(from)) {
    for (const b of unitReadings(to)) {
      if (a.base === b.base) return scaleBy(mag, a.exp - b.exp);
    }
  }
  throw new ValueError(
    `Cannot convert from '${from}' to '${to}' (the units of the ${axis.displayName} axis): only SI prefixes of the same unit (nm, µm, Å, eV, keV, ...) are converted; give the value in ${to}`,
  );
}

/** HyperSpy's _parse_value_from_string: the axis value a string stands for. */
function valueFromString(s: string, axis: DataAxis): number {
  if (s.length === 0) throw new ValueError("Cannot index with an empty string");
  if (s.startsWith("rel")) {
    const r = s.slice(3).trim();
    const rel = FLOAT_RE.test(r) ? Number(r) : NaN;
    if (Number.isNaN(rel)) throw new ValueError("`rel` must be followed by a number in range [0, 1].");
    if (rel < 0 || rel > 1) throw new ValueError("Relative value must be in range [0, 1]");
    return axis.lowValue + rel * (axis.highValue - axis.lowValue);
  }
  if (/^[0-9]/.test(s)) {
    if (axis.units === undefined) {
      throw new ValueError(`Units conversion can't be perfomed because the axis '${axis.displayName} axis' doesn't have units.`);
    }
    const m = /^((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)$/.exec(s);
    if (m === null) throw new ValueError(`\`${s}\` is not a suitable string for slicing.`);
    const mag = Number(m[1]);
    const unit = m[2].trim();
    if (unit === "") throw new ValueError(`\`${m[1]}\` should contain an units.`);
    return convertUnits(mag, unit, axis.units, axis);
  }
  throw new ValueError(`\`${s}\` is not a suitable string for slicing.`);
}

/** A bound with strings resolved: an int index or a float value (HyperSpy's _parse_value). */
function resolve(b: Bound | null, axis: DataAxis): { kind: "int" | "float"; v: number } | null {
  if (b === null) return null;
  if (b.kind === "str") return { kind: "float", v: valueFromString(b.s, axis) };
  return b;
}

// ------------------------------------------------------------------------------------------------
// HyperSpy's axis slicing

/** A slice over the data with integer (or missing) start / stop / step, Python semantics. */
interface IntSlice {
  start: number | null;
  stop: number | null;
  step: number | null;
}

/** Python's round() of a float (half to even). */
function pyRound(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) return 2 * Math.round(x / 2);
  return r;
}

function fmtF(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  return x.toFixed(6);
}

/** UniformDataAxis._get_array_slices: the data slice for a slice (or, on a one-axis signal, an index). */
function arraySlice(axis: DataAxis, p: Parsed): IntSlice {
  let start: { kind: "int" | "float"; v: number } | null;
  let stop: { kind: "int" | "float"; v: number } | null;
  let stepB: { kind: "int" | "float"; v: number } | null;
  if (p.kind === "slice") {
    start = resolve(p.start, axis);
    stop = resolve(p.stop, axis);
    stepB = resolve(p.step, axis);
  } else if (p.kind === "bound") {
    const b = resolve(p.b, axis) as { kind: "int" | "float"; v: number };
    let i: number;
    if (b.kind === "float") i = axis.value2index(b.v);
    else {
      i = b.v;
      if (i < 0) {
        i += axis.size;
        if (i < 0) throw new IndexError("index out of bounds");
      }
    }
    start = { kind: "int", v: i };
    stop = { kind: "int", v: i + 1 };
    stepB = null;
  } else {
    throw new Error("internal: ellipsis reached the axis");
  }
  let step: number | null = stepB === null ? null : stepB.kind === "float" ? pyRound(stepB.v / axis.scale) : stepB.v;
  if (step !== null && !Number.isFinite(step)) throw new ValueError(`the slice step ${pyNumber(stepB?.v ?? NaN)} gives no finite step in indices on the ${axis.displayName} axis`);
  let s: number | null = null;
  if (start !== null) {
    if (start.kind === "float") {
      try {
        s = axis.value2index(start.v);
      } catch (e) {
        if (start.v > axis.highValue) {
          throw new ValueError(
            `Start value above axis high bound for  axis ${axis.toString()}.value: ${fmtF(start.v)} high_bound: ${fmtF(axis.highValue)}`,
          );
        }
        s = null;
      }
    } else s = start.v;
  }
  let e: number | null = null;
  if (stop !== null) {
    if (stop.kind === "float") {
      try {
        e = axis.value2index(stop.v);
      } catch {
        if (stop.v < axis.lowValue) {
          throw new ValueError(
            `Stop value below axis low bound for  axis ${axis.toString()}.value: ${fmtF(stop.v)} low_bound: ${fmtF(axis.lowValue)}`,
          );
        }
        e = null;
      }
    } else e = stop.v;
  }
  if (step === 0) throw new ValueError("slice step cannot be zero");
  if (step !== null) step = step === 0 ? 0 : step;
  return { start: s, stop: e, step };
}

/** len(range(n)[slice]) with Python semantics. */
function sliceLength(n: number, sl: IntSlice): number {
  const step = sl.step ?? 1;
  let start: number;
  let stop: number;
  if (step > 0) {
    start = sl.start === null ? 0 : sl.start < 0 ? Math.max(0, sl.start + n) : Math.min(sl.start, n);
    stop = sl.stop === null ? n : sl.stop < 0 ? Math.max(0, sl.stop + n) : Math.min(sl.stop, n);
    return stop > start ? Math.ceil((stop - start) / step) : 0;
  }
  start = sl.start === null ? n - 1 : sl.start < 0 ? Math.max(-1, sl.start + n) : Math.min(sl.start, n - 1);
  stop = sl.stop === null ? -1 : sl.stop < 0 ? Math.max(-1, sl.stop + n) : Math.min(sl.stop, n - 1);
  return start > stop ? Math.ceil((start - stop) / -step) : 0;
}

/** UniformDataAxis._slice_me on a copy of `axis`. */
function sliceAxis(axis: DataAxis, sl: IntSlice): DataAxis {
  const out = axis.copy();
  let start = sl.start;
  if (start === null) start = sl.step === null || sl.step > 0 ? 0 : axis.size - 1;
  // numpy's self.axis[start]: IndexError for a start outside the axis
  out.offset = axis.index2value(start);
  if (sl.step !== null) out.scale = axis.scale * sl.step;
  out.size = sliceLength(axis.size, sl);
  return out;
}

// ------------------------------------------------------------------------------------------------
// the slicer

type Spec = { kind: "slice"; p: Parsed } | { kind: "index"; p: Parsed };

function slicer(s: BaseSignal, index: readonly SignalIndex[], isNavigation: boolean): BaseSignal {
  const op = isNavigation ? "inav" : "isig";
  if (!Array.isArray(index)) throw new TypeError(`${op}: give the indices as arguments, e.g. s.${op}(1, "2:5")`);
  const am = s.axesManager;
  if (am.ragged && !isNavigation) throw new ValueError("`isig` is not supported for ragged signal.");
  const axes = am.axes; // array order
  const spaceAxes = isNavigation ? am.navigationAxes : am.signalAxes; // natural order
  const idx = spaceAxes.map((a) => am.indexInArray(a));

  let orig: Parsed[] = index.map((ix, i) => parseIndex(ix, i, op));
  const whole: Parsed = { kind: "slice", start: null, stop: null, step: null };
  const e = orig.findIndex((p) => p.kind === "ellipsis");
  if (e >= 0) {
    const rest = orig.filter((_, i) => i !== e);
    const fill = Array.from({ length: Math.max(0, idx.length - rest.length) }, () => whole);
    orig = [...rest.slice(0, e), ...fill, ...rest.slice(e)].map((p) => (p.kind === "ellipsis" ? whole : p));
  }
  if (orig.length > idx.length) {
    const space = isNavigation ? "navigation" : "signal";
    throw new IndexError(`too many indices: ${op} got ${orig.length} for ${idx.length} ${space} ${idx.length === 1 ? "axis" : "axes"}`);
  }

  // one spec per array axis
  const specs: Spec[] = axes.map(() => ({ kind: "slice", p: whole }));
  const single = axes.length < 2;
  orig.forEach((p, i) => {
    specs[idx[i]] = { kind: p.kind === "slice" || single ? "slice" : "index", p };
  });

  // 1. data slices, in array order (value -> index conversions and slice checks)
  const sel: (IntSlice | number)[] = specs.map((sp, a) => {
    const axis = axes[a];
    if (sp.kind === "slice") return arraySlice(axis, sp.p);
    const b = resolve((sp.p as { kind: "bound"; b: Bound }).b, axis) as { kind: "int" | "float"; v: number };
    return b.kind === "float" ? axis.value2index(b.v) : b.v;
  });
  // 2. integer indices, as numpy checks them (array order)
  sel.forEach((v, a) => {
    if (typeof v !== "number") return;
    const n = axes[a].size;
    if (v >= n || v < -n) throw new IndexError(`index ${v} is out of bounds for axis ${a} with size ${n}`);
  });
  // 3. the axes (HyperSpy's _slice_me / _remove_axis)
  const sliced: DataAxis[] = [];
  const kept: DataAxis[] = [];
  sel.forEach((v, a) => {
    if (typeof v === "number") {
      sliced.push(axes[a].copy());
    } else {
      const ax = sliceAxis(axes[a], v);
      sliced.push(ax);
      kept.push(ax);
    }
  });
  const oldSigDim = new AxesManager(sliced).signalDimension;

  // 4. the data
  const getIdx = sel.map((v, a): number | Slice => (typeof v === "number" ? (v < 0 ? v + axes[a].size : v) : v));
  const d = s.data;
  let lazy: LazyArray = d instanceof LazyArray ? d : fromArray(d, { chunks: -1 });
  lazy = lazy.get(...getIdx);
  const scalar = kept.length === 0;
  if (scalar) lazy = lazy.reshape([1]);
  const data = d instanceof LazyArray ? lazy : lazy.computeSync(); // compute() always returns a new array

  if (scalar && am.ragged) {
    // a ragged signal without navigation axes: its one element in data of shape [1], no axes (HyperSpy's (|ragged))
    return s.withData(data, []);
  }
  if (scalar) {
    // HyperSpy's add_scalar_axis: a BaseSignal / LazySignal with one "Scalar" axis
    return s.withData(data, [new DataAxis({ name: "Scalar", size: 1, scale: 1, offset: 0, navigate: false })]);
  }
  if (new AxesManager(kept.map((a) => a.copy())).signalDimension !== oldSigDim) return s.withData(data, kept);
  // the signal dimension did not change: HyperSpy keeps the class
  const cls = s.constructor as new (data: unknown, opts: object) => BaseSignal;
  return new cls(data, { axes: kept, metadata: s.metadata, originalMetadata: s.originalMetadata, ragged: am.ragged });
}


/**
 * HyperSpy's `s.inav[...]`: index the navigation axes, natural (x, y) order. See the module
 * documentation for the accepted indices.
 */
export function inav(s: BaseSignal, index: readonly SignalIndex[]): BaseSignal {
  return slicer(s, index, true);
}

/** HyperSpy's `s.isig[...]`: index the signal axes, natural (x, y) order, as `inav`. */
export function isig(s: BaseSignal, index: readonly SignalIndex[]): BaseSignal {
  return slicer(s, index, false);
}
