import { IndexError, TypeError, ValueError } from "../lazy/core/errors";
/**
 * HyperSpy's axes: `UniformDataAxis` (here `DataAxis`) and `AxesManager`, following HyperSpy 1.7.3
 * (hyperspy/axes.py) closely, including its repr strings and error messages.
 *
 * Ordering (the thing to get right): `AxesManager.axes` is in ARRAY order; `navigationAxes` and
 * `signalAxes` are the navigating / non-navigating axes in REVERSE array order ("natural" x, y order);
 * `get(i)` indexes natural order [nav..., sig...]; `indices` are natural order.
 *
 * Deliberate differences from HyperSpy 1.7.3:
 * - Only uniform axes (offset + scale * i); no non-uniform / functional axes, no unit conversion, no
 *   string values ("20 nm", "rel0.2") in value2index.
 * - A non-integer `index` (or size) is an error; HyperSpy silently truncates 1.5 to 1.
 * - value2index on an axis of scale 0 says so after HyperSpy's "float division by zero".
 * - value2index(NaN) is an error naming NaN (HyperSpy: "cannot convert float NaN to integer"); +-Infinity
 *   gives "The value is out of the axis limits" (HyperSpy: an OverflowError).
 * - Setting `indices` checks every index before changing any (HyperSpy sets them one by one and stops at
 *   the first bad one).
 * - `iterpath` never touches `indices` (HyperSpy's iteration moves the current position); a navigation
 *   axis of size 0 yields no positions for both patterns (HyperSpy's serpentine loops forever).
 * - Numbers quoted in error messages print as Python would print them, except that an integral number
 *   prints as an int ("3", not "3.0"): JS has no int/float distinction.
 * - A custom iterpath whose entries have the wrong length reports the entry's length (HyperSpy's
 *   message quotes the number of entries in the path instead).
 * - `copy()` keeps the ragged flag (HyperSpy keeps it on the signal, not the manager).
 * - Errors are RangeError / TypeError where HyperSpy raises ValueError / IndexError / TraitError /
 *   AttributeError; the messages are HyperSpy's.
 */

// ------------------------------------------------------------------------------------------------
// Python-style number formatting

/** The exact decimal expansion of a finite, non-zero |x|: value = digits * 10^-shift. */
function exactDecimal(x: number): { digits: string; shift: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) {
    e2 = -1074;
  } else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  if (e2 >= 0) return { digits: (mant << BigInt(e2)).toString(), shift: 0 };
  const k = -e2;
  const digits = (mant * 5n ** BigInt(k)).toString();
  return { digits, shift: k };
}

/** Round the exact value of |x| to `p` significant digits (round half to even, as Python does). */
function roundSignificant(x: number, p: number): { digits: string; exp: number } {
  const { digits, shift } = exactDecimal(x);
  let exp = digits.length - 1 - shift; // scientific exponent of the leading digit
  if (digits.length <= p) return { digits: digits.padEnd(p, "0"), exp };
  let kept = digits.slice(0, p);
  const rest = digits.slice(p);
  let up: boolean;
  if (rest[0] > "5") up = true;
  else if (rest[0] < "5") up = false;
  else if (/[1-9]/.test(rest.slice(1))) up = true;
  else up = (Number(kept[kept.length - 1]) & 1) === 1; // a tie: to even
  if (up) {
    const n = (BigInt(kept) + 1n).toString();
    if (n.length > p) {
      kept = n.slice(0, p);
      exp += 1;
    } else {
      kept = n;
    }
  }
  return { digits: kept, exp };
}

function stripZeros(s: string): string {
  if (!s.includes(".")) return s;
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/** Python's `"%.<precision>g" % x`. */
export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (x === 0) return sign + "0";
  const p = precision === 0 ? 1 : precision;
  const { digits, exp } = roundSignificant(x, p);
  if (exp >= -4 && exp < p) {
    let s: string;
    if (exp >= 0) {
      s = digits.slice(0, exp + 1) + (digits.length > exp + 1 ? "." + digits.slice(exp + 1) : "");
    } else {
      s = "0." + "0".repeat(-exp - 1) + digits;
    }
    return sign + stripZeros(s);
  }
  const mant = stripZeros(digits[0] + "." + digits.slice(1));
  return `${sign}${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** Python's `repr(float(x))`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (x === 0) return sign + "0.0";
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(x).toExponential());
  if (m === null) return String(x);
  const digits = m[1] + (m[2] ?? "");
  const exp = Number(m[3]);
  const decpt = exp + 1;
  if (decpt <= -4 || decpt > 16) {
    const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    return `${sign}${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** A number as Python prints it, taking integral numbers for ints (JS cannot tell 3 from 3.0). */
export function pyNumber(x: number): string {
  if (Number.isInteger(x)) return Math.abs(x) < 1e21 ? String(x === 0 ? 0 : x) : BigInt(x).toString();
  return pyFloatRepr(x);
}

/** HyperSpy's `ordinal`: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, ... (0 -> 0th). */
export function ordinal(value: number): string {
  if (Math.floor((value % 100) / 10) !== 1) {
    if (value % 10 === 1) return `${value}st`;
    if (value % 10 === 2) return `${value}nd`;
    if (value % 10 === 3) return `${value}rd`;
  }
  return `${value}th`;
}

/** Python's `"%<width>s" % s` (right aligned, width in code points, never truncated). */
function padLeft(s: string, width: number): string {
  const n = Array.from(s).length;
  return n >= width ? s : " ".repeat(width - n) + s;
}

// ------------------------------------------------------------------------------------------------
// DataAxis

export interface AxisOptions {
  name?: string;
  size: number;
  scale?: number;
  offset?: number;
  units?: string;
  navigate?: boolean;
  isBinned?: boolean;
}

/** HyperSpy's get_axis_dictionary() in camelCase-free JSON form, plus our names. */
export interface AxisDict {
  _type: "UniformDataAxis";
  name: string | null;
  units: string | null;
  navigate: boolean;
  is_binned: boolean;
  size: number;
  scale: number;
  offset: number;
}

export type Rounding = "round" | "floor" | "ceil";

function checkSize(size: unknown, what: string): number {
  if (typeof size !== "number" || !Number.isInteger(size) || size < 0) {
    throw new TypeError(`${what}: size must be a non-negative integer, got ${typeof size === "number" ? pyNumber(size) : String(size)}`);
  }
  return size;
}

function checkFloat(v: unknown, what: string, field: string): number {
  if (typeof v !== "number") throw new TypeError(`${what}: ${field} must be a number, got ${typeof v}`);
  return v;
}

function checkOptString(v: unknown, what: string, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new TypeError(`${what}: ${field} must be a string, got ${typeof v}`);
  return v;
}

function checkOptBool(v: unknown, what: string, field: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new TypeError(`${what}: ${field} must be true or false, got ${typeof v}`);
  return v;
}

/** Round half towards zero (HyperSpy's round_half_towards_zero, decimals=0). */
function roundHalfTowardsZero(x: number): number {
  return x >= 0 ? Math.ceil(x - 0.5) : Math.floor(x + 0.5);
}

/** Round half away from zero (HyperSpy's round_half_away_from_zero, decimals=0). */
function roundHalfAwayFromZero(x: number): number {
  return x >= 0 ? Math.floor(x + 0.5) : Math.ceil(x - 0.5);
}

/** HyperSpy's UniformDataAxis: values offset + scale * i for i in 0..size-1. */
export class DataAxis {
  name: string | undefined;
  units: string | undefined;
  navigate: boolean;
  isBinned: boolean;
  /** The AxesManager holding this axis (set by the manager; HyperSpy's `axes_manager`). */
  axesManager: AxesManager | undefined = undefined;

  private _size: number;
  private _scale: number;
  private _offset: number;
  private _index = 0;
  private _cache: Float64Array | undefined = undefined;

  constructor(opts: AxisOptions) {
    if (opts === null || typeof opts !== "object") throw new TypeError("DataAxis: give options such as { size: 10, scale: 0.5, offset: 0 }");
    this._size = checkSize(opts.size, "DataAxis");
    this._scale = opts.scale === undefined ? 1 : checkFloat(opts.scale, "DataAxis", "scale");
    this._offset = opts.offset === undefined ? 0 : checkFloat(opts.offset, "DataAxis", "offset");
    this.name = checkOptString(opts.name, "DataAxis", "name");
    this.units = checkOptString(opts.units, "DataAxis", "units");
    this.navigate = checkOptBool(opts.navigate, "DataAxis", "navigate");
    this.isBinned = checkOptBool(opts.isBinned, "DataAxis", "isBinned");
  }

  get size(): number {
    return this._size;
  }
  set size(v: number) {
    this._size = checkSize(v, "DataAxis");
    this._cache = undefined;
    // HyperSpy clamps the index to the new upper bound.
    if (this._index > Math.max(0, v - 1)) this._index = Math.max(0, v - 1);
  }

  get scale(): number {
    return this._scale;
  }
  set scale(v: number) {
    this._scale = checkFloat(v, "DataAxis", "scale");
    this._cache = undefined;
  }

  get offset(): number {
    return this._offset;
  }
  set offset(v: number) {
    this._offset = checkFloat(v, "DataAxis", "offset");
    this._cache = undefined;
  }

  /** The current position (meaningful for navigation axes); 0 <= index < size. */
  get index(): number {
    return this._index;
  }
  set index(v: number) {
    this._index = this.checkIndex(v);
  }

  /** Validate a position as HyperSpy's `index` trait does; returns it. */
  checkIndex(v: number): number {
    const high = this._size - 1;
    if (typeof v !== "number" || !Number.isInteger(v)) {
      const shown = typeof v === "number" ? pyNumber(v) : JSON.stringify(v);
      throw new TypeError(
        `The 'index' trait of an UniformDataAxis instance must be an integer with 0 <= index <= ${high}, but a value of ${shown} was specified.`,
      );
    }
    if (v < 0 || v > high) {
      throw new ValueError(
        `The 'index' trait of an UniformDataAxis instance must be 0 <= a number <= ${high}, but a value of ${pyNumber(v)} <class 'int'> was specified.`,
      );
    }
    return v === 0 ? 0 : v;
  }

  private values(): Float64Array {
    if (this._cache === undefined) {
      const a = new Float64Array(this._size);
      for (let i = 0; i < this._size; i++) a[i] = this._offset + this._scale * i;
      this._cache = a;
    }
    return this._cache;
  }

  /** offset + scale * arange(size) (a fresh copy). */
  get axis(): Float64Array {
    return this.values().slice();
  }

  /** The smallest axis value (NaN if any value is NaN; 0 for an empty axis). */
  get lowValue(): number {
    const a = this.values();
    if (a.length === 0) return 0;
    let m = Infinity;
    for (const v of a) {
      if (Number.isNaN(v)) return NaN;
      if (v < m) m = v;
    }
    return m;
  }

  /** The largest axis value (NaN if any value is NaN; 0 for an empty axis). */
  get highValue(): number {
    const a = this.values();
    if (a.length === 0) return 0;
    let m = -Infinity;
    for (const v of a) {
      if (Number.isNaN(v)) return NaN;
      if (v > m) m = v;
    }
    return m;
  }

  /** The axis value at the current index (HyperSpy's `value`). */
  get value(): number {
    return this.index2value(this._index);
  }

  /** True / false if the values increase / decrease strictly, undefined otherwise (HyperSpy's _is_increasing_order). */
  get isIncreasingOrder(): boolean | undefined {
    const a = this.values();
    let inc = true;
    let dec = true;
    for (let i = 1; i < a.length; i++) {
      const s = a[i] - a[i - 1];
      if (!(s > 0)) inc = false;
      if (!(s < 0)) dec = false;
    }
    if (inc) return true;
    if (dec) return false;
    return undefined;
  }

  /**
   * The index closest to `value` (HyperSpy's UniformDataAxis.value2index): the fractional index is
   * truncated to 12 decimals, then rounded ("round": half towards zero for value >= 0, half away from
   * zero otherwise, mirrored for a non-positive scale; or "floor" / "ceil"). Out of range ->
   * RangeError "The value is out of the axis limits".
   */
  value2index(value: number, rounding: Rounding = "round"): number {
    if (typeof value !== "number") throw new TypeError(`value2index: the value must be a number, got ${typeof value}`);
    if (Number.isNaN(value)) throw new ValueError("The value is NaN; value2index needs a number within the axis limits");
    if (this._scale === 0) {
      throw new ValueError("float division by zero: the axis scale is 0, so no value maps to an index; give the axis a non-zero scale");
    }
    const multiplier = 1e12;
    let index = (1 / multiplier) * Math.trunc(((value - this._offset) / this._scale) * multiplier);
    if (rounding === "round") {
      const towardsZero = this._scale > 0 ? value >= 0 : value < 0;
      index = towardsZero ? roundHalfTowardsZero(index) : roundHalfAwayFromZero(index);
    } else if (rounding === "floor") {
      index = Math.floor(index);
    } else if (rounding === "ceil") {
      index = Math.ceil(index);
    } else {
      throw new ValueError(`Non-supported rounding function ${JSON.stringify(rounding)}. Use "round", "floor" or "ceil".`);
    }
    if (!Number.isFinite(index)) throw new ValueError("The value is out of the axis limits");
    const i = Math.trunc(index);
    if (this._size > i && i >= 0) return i === 0 ? 0 : i;
    throw new ValueError("The value is out of the axis limits");
  }

  /** The axis value at `index` (negative counts from the end, as numpy indexing). */
  index2value(index: number): number {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new TypeError(`index2value: the index must be an integer, got ${typeof index === "number" ? pyNumber(index) : typeof index}`);
    }
    const n = this._size;
    if (index < -n || index >= n) throw new IndexError(`index ${index} is out of bounds for axis 0 with size ${n}`);
    return this.values()[index < 0 ? index + n : index];
  }

  /**
   * HyperSpy's value_range_to_indices: the index range for [v1, v2] (null/undefined: that end of the
   * axis). An endpoint outside the axis limits gives the axis end. v1 must precede v2 in axis order.
   */
  valueRangeToIndices(v1?: number | null, v2?: number | null): [number, number] {
    let i1 = 0;
    let i2 = this._size - 1;
    const a = v1 ?? null;
    const b = v2 ?? null;
    const lo = this.lowValue;
    const hi = this.highValue;
    const msg = "Wrong order of the values: for axis with";
    if (this.isIncreasingOrder === true) {
      if (a !== null && b !== null && a > b) {
        throw new ValueError(`${msg} increasing order, v2 (${pyNumber(b)}) must be greater than v1 (${pyNumber(a)}).`);
      }
      if (a !== null && lo < a && a <= hi) i1 = this.value2index(a);
      if (b !== null && hi > b && b >= lo) i2 = this.value2index(b);
    } else {
      if (a !== null && b !== null && a < b) {
        throw new ValueError(`${msg} decreasing order: v1 (${pyNumber(a)}) must be greater than v2 (${pyNumber(b)}).`);
      }
      if (a !== null && hi > a && a >= lo) i1 = this.value2index(a);
      if (b !== null && lo < b && b <= hi) i2 = this.value2index(b);
    }
    return [i1, i2];
  }

  /** HyperSpy's get_axis_dictionary() (undefined name / units as null). */
  toDict(): AxisDict {
    return {
      _type: "UniformDataAxis",
      name: this.name ?? null,
      units: this.units ?? null,
      navigate: this.navigate,
      is_binned: this.isBinned,
      size: this._size,
      scale: this._scale,
      offset: this._offset,
    };
  }

  /** An axis from an AxisDict (HyperSpy's create_axis(**dict) for a uniform axis). */
  static fromDict(d: Partial<AxisDict> & { size: number }): DataAxis {
    if (d._type !== undefined && d._type !== "UniformDataAxis") {
      throw new TypeError(`The passed \`_type\` (${String(d._type)}) of axis is inconsistent with the given attributes.`);
    }
    return new DataAxis({
      name: d.name ?? undefined,
      units: d.units ?? undefined,
      size: d.size,
      scale: d.scale,
      offset: d.offset,
      navigate: d.navigate,
      isBinned: d.is_binned,
    });
  }

  /** A copy through the dictionary, as HyperSpy: the index is reset to 0 and no AxesManager is attached. */
  copy(): DataAxis {
    return DataAxis.fromDict(this.toDict());
  }

  /** HyperSpy's _get_name(): the name, or "Unnamed 2nd" (position in its AxesManager), or "Unnamed". */
  get displayName(): string {
    if (this.name !== undefined) return this.name;
    const am = this.axesManager;
    if (am !== undefined) {
      const i = am.naturalOrder().indexOf(this);
      if (i >= 0) return "Unnamed " + ordinal(i);
    }
    return "Unnamed";
  }

  /** HyperSpy repr: "<x axis, size: 3, index: 0>" (index part only for navigation axes). */
  toString(): string {
    let text = `<${this.displayName} axis, size: ${this._size}`;
    if (this.navigate === true) text += `, index: ${this._index}`;
    return text + ">";
  }
}

// ------------------------------------------------------------------------------------------------
// AxesManager

function isAxisDict(a: AxisOptions | Partial<AxisDict>): a is Partial<AxisDict> & { size: number } {
  return "_type" in a || "is_binned" in a;
}

/** HyperSpy's flyback scan: the first (x) index varies fastest. Shape in natural order. */
function* flyback(shape: readonly number[]): Generator<number[]> {
  if (shape.some((n) => n === 0)) return;
  const idx = shape.map(() => 0);
  for (;;) {
    yield idx.slice();
    let j = 0;
    for (; j < shape.length; j++) {
      idx[j] += 1;
      if (idx[j] < shape[j]) break;
      idx[j] = 0;
    }
    if (j === shape.length) return;
  }
}

/** HyperSpy's _serpentine_iter: like flyback but every other row (plane, ...) runs backwards. */
function* serpentine(shapeNatural: readonly number[]): Generator<number[]> {
  if (shapeNatural.some((n) => n === 0)) return;
  const shape = shapeNatural.slice().reverse();
  const n = shape.length;
  const idx = shape.map(() => 0);
  const drc = shape.map(() => 1);
  for (;;) {
    yield idx.slice().reverse();
    let moved = false;
    for (let j = n - 1; j >= 0; j--) {
      const next = idx[j] + drc[j];
      if (next !== -1 && next !== shape[j]) {
        idx[j] = next;
        moved = true;
        break;
      }
      drc[j] *= -1;
    }
    if (!moved) return;
  }
}

function pyTupleRepr(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(pyTupleRepr).join(", ")}${v.length === 1 ? "," : ""})`;
  if (typeof v === "number") return pyNumber(v);
  return String(v);
}

/** HyperSpy's AxesManager over uniform axes. */
export class AxesManager {
  ragged: boolean;
  private readonly _axes: DataAxis[];

  /** Axes in ARRAY order (HyperSpy's _axes), as DataAxis objects (used as they are), options or AxisDicts. */
  constructor(axes: readonly (DataAxis | AxisOptions | AxisDict)[], opts: { ragged?: boolean } = {}) {
    if (!Array.isArray(axes)) throw new TypeError("AxesManager: give a list of axes in array order, e.g. [{ size: 3, navigate: true }, { size: 4 }]");
    this._axes = axes.map((a) => (a instanceof DataAxis ? a : isAxisDict(a) ? DataAxis.fromDict(a) : new DataAxis(a)));
    for (const a of this._axes) a.axesManager = this;
    this.ragged = opts.ragged ?? false;
  }

  /**
   * Take `other`'s axes (and ragged flag) in place, keeping this manager's identity: how an
   * operation done in place (HyperSpy's map(inplace=True)) changes a signal's axes. `other` is emptied.
   */
  replaceAxes(other: AxesManager): void {
    if (other === this) return;
    this._axes.splice(0, this._axes.length, ...other._axes);
    for (const a of this._axes) a.axesManager = this;
    this.ragged = other.ragged;
    other._axes.length = 0;
  }

  /** The axes in array order (a new list of the same axis objects). */
  get axes(): DataAxis[] {
    return this._axes.slice();
  }

  /** Navigating axes, reverse array order (natural x, y order). */
  get navigationAxes(): DataAxis[] {
    return this._axes.filter((a) => a.navigate).reverse();
  }

  /** Signal (non-navigating) axes, reverse array order (natural x, y order). */
  get signalAxes(): DataAxis[] {
    return this._axes.filter((a) => !a.navigate).reverse();
  }

  /** [navigation axes..., signal axes...], natural order (what get(i) indexes). */
  naturalOrder(): DataAxis[] {
    return this.navigationAxes.concat(this.signalAxes);
  }

  get navigationShape(): number[] {
    return this.navigationAxes.map((a) => a.size);
  }

  get signalShape(): number[] {
    return this.signalAxes.map((a) => a.size);
  }

  /** Navigation shape then signal shape, natural order. */
  get shape(): number[] {
    return this.navigationShape.concat(this.signalShape);
  }

  get navigationDimension(): number {
    return this.navigationAxes.length;
  }

  /** The number of signal axes, except 0 for a single signal axis of size 1 (HyperSpy). */
  get signalDimension(): number {
    const sig = this.signalAxes;
    return sig.length === 1 && sig[0].size === 1 ? 0 : sig.length;
  }

  /** Product of the navigation shape; 0 when there are no navigation axes (HyperSpy). */
  get navigationSize(): number {
    const s = this.navigationShape;
    return s.length === 0 ? 0 : s.reduce((p, n) => p * n, 1);
  }

  /** Product of the signal shape; 0 when there are no signal axes (HyperSpy). */
  get signalSize(): number {
    const s = this.signalShape;
    return s.length === 0 ? 0 : s.reduce((p, n) => p * n, 1);
  }

  /** Current navigation position, natural order. */
  get indices(): number[] {
    return this.navigationAxes.map((a) => a.index);
  }
  set indices(indices: number[]) {
    const nav = this.navigationAxes;
    if (!Array.isArray(indices) || indices.length !== nav.length) {
      throw new ValueError(`The number of indices must be equal to the navigation dimension that is ${nav.length}`);
    }
    const checked = indices.map((v, i) => nav[i].checkIndex(v));
    nav.forEach((a, i) => (a.index = checked[i]));
  }

  /** Axis values at the current position, natural order (HyperSpy's coordinates). */
  get coordinates(): number[] {
    return this.navigationAxes.map((a) => a.value);
  }

  /** HyperSpy's axes_manager[i]: integer -> natural order [nav..., sig...] (negative from the end); string -> by name. */
  get(key: number | string): DataAxis {
    if (typeof key === "string") {
      const nat = this.naturalOrder();
      for (let i = nat.length - 1; i >= 0; i--) if (nat[i].name === key) return nat[i];
      throw new ValueError(`There is no DataAxis named ${key}`);
    }
    if (typeof key !== "number" || !Number.isInteger(key)) {
      throw new TypeError("axesmanager indices must be integers, complex integers or strings");
    }
    const nat = this.naturalOrder();
    const i = key < 0 ? key + nat.length : key;
    if (i < 0 || i >= nat.length) throw new IndexError("tuple index out of range");
    return nat[i];
  }

  /** The axis at array position i (HyperSpy's axes_manager[i + 3j]; negative from the end). */
  arrayAxis(i: number): DataAxis {
    if (typeof i !== "number" || !Number.isInteger(i)) throw new TypeError("arrayAxis: the array position must be an integer");
    const j = i < 0 ? i + this._axes.length : i;
    if (j < 0 || j >= this._axes.length) throw new IndexError("list index out of range");
    return this._axes[j];
  }

  /** HyperSpy's axes_manager[i + 1j]: the i-th navigation axis, natural order. */
  navigationAxis(i: number): DataAxis {
    const nav = this.navigationAxes;
    const j = i < 0 ? i + nav.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= nav.length) throw new IndexError("tuple index out of range");
    return nav[j];
  }

  /** HyperSpy's axes_manager[i + 2j]: the i-th signal axis, natural order. */
  signalAxis(i: number): DataAxis {
    const sig = this.signalAxes;
    const j = i < 0 ? i + sig.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= sig.length) throw new IndexError("tuple index out of range");
    return sig[j];
  }

  private notHere(axis: DataAxis): Error {
    return new ValueError(`${axis.toString()} is not in this AxesManager ${this.dimensionString()}`);
  }

  /** Position of `axis` in the array (HyperSpy's index_in_array). */
  indexInArray(axis: DataAxis): number {
    const i = this._axes.indexOf(axis);
    if (i < 0) throw this.notHere(axis);
    return i;
  }

  /** Position of `axis` in natural order (HyperSpy's index_in_axes_manager). */
  indexInAxesManager(axis: DataAxis): number {
    const i = this.naturalOrder().indexOf(axis);
    if (i < 0) throw this.notHere(axis);
    return i;
  }

  get navigationIndicesInArray(): number[] {
    return this.navigationAxes.map((a) => this._axes.indexOf(a));
  }

  get signalIndicesInArray(): number[] {
    return this.signalAxes.map((a) => this._axes.indexOf(a));
  }

  /** True when the array order is [nav_n, ..., nav_0, sig_m, ..., sig_0] (HyperSpy's axes_are_aligned_with_data). */
  get axesAreAlignedWithData(): boolean {
    const order = this.navigationIndicesInArray.reverse().concat(this.signalIndicesInArray.reverse());
    return order.every((v, i) => v === i);
  }

  /**
   * HyperSpy's _set_signal_dimension: make the last `value` array axes the signal axes and the others
   * navigation axes.
   */
  setSignalDimension(value: number): void {
    if (this._axes.length === 0 || this.signalDimension === value) return;
    if (this.ragged && value > 0) throw new ValueError("Signal containing ragged array must have zero signal dimension.");
    if (value > this._axes.length) {
      throw new ValueError(`The signal dimension cannot be greater than the number of axes which is ${this._axes.length}`);
    }
    if (!Number.isInteger(value) || value < 0) throw new ValueError("The signal dimension must be a positive integer");
    const n = this._axes.length;
    this._axes.forEach((a, i) => (a.navigate = i < n - value));
  }

  /** "(3, 2|4)" ("(3, 2|ragged)" when ragged). */
  dimensionString(): string {
    const nav = this.navigationAxes.map((a) => String(a.size)).join(", ");
    const sig = this.signalAxes.map((a) => String(a.size)).join(", ");
    return `(${nav}|${sig}${this.ragged ? "ragged" : ""})`;
  }

  /** The repr table exactly as HyperSpy prints it. */
  toString(): string {
    const row = (a: string, b: string, c: string, d: string, e: string, f: string): string =>
      `${padLeft(a, 16)} | ${padLeft(b, 6)} | ${padLeft(c, 6)} | ${padLeft(d, 7)} | ${padLeft(e, 7)} | ${padLeft(f, 6)} `;
    const axisRow = (ax: DataAxis): string =>
      row(
        Array.from(ax.name ?? "<undefined>").slice(0, 16).join(""),
        formatG(ax.size, 6),
        String(ax.index),
        formatG(ax.offset, 2),
        formatG(ax.scale, 2),
        ax.units ?? "<undefined>",
      );
    let text = `<Axes manager, axes: ${this.dimensionString()}>\n`;
    text += row("Name", "size", "index", "offset", "scale", "units");
    text += "\n" + row("=".repeat(16), "=".repeat(6), "=".repeat(6), "=".repeat(7), "=".repeat(7), "=".repeat(6));
    for (const ax of this.navigationAxes) text += "\n" + axisRow(ax);
    text += "\n" + row("-".repeat(16), "-".repeat(6), "-".repeat(6), "-".repeat(7), "-".repeat(7), "-".repeat(6));
    for (const ax of this.signalAxes) text += "\n" + axisRow(ax);
    if (this.ragged) text += "\n     Ragged axis |               Variable length";
    return text;
  }

  /**
   * Navigation indices in iteration order, natural order tuples: "flyback" (HyperSpy 1.7.3 default:
   * x fastest, every row left to right) or "serpentine" (2.x default: alternate rows reversed), or a
   * custom list / iterable of index tuples (validated as HyperSpy does). Does not change `indices`.
   * No navigation axes: one empty position.
   */
  *iterpath(kind: "flyback" | "serpentine" | Iterable<readonly number[]> = "flyback"): Generator<number[]> {
    const shape = this.navigationShape;
    if (typeof kind === "string") {
      if (kind === "flyback") yield* flyback(shape);
      else if (kind === "serpentine") yield* serpentine(shape);
      else {
        throw new ValueError(
          `The iterpath scan pattern is set to \`"${kind}"\`. It must be either "serpentine" or "flyback", or an iterable of navigation indices, and is set either as multifit \`iterpath\` argument or \`axes_manager.iterpath\``,
        );
      }
      return;
    }
    if (kind === null || typeof kind !== "object" || typeof (kind as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new TypeError(`The iterpath \`${pyTupleRepr(kind)}\` is not an iterable. Ensure it is an iterable like a list, array or generator.`);
    }
    const nav = this.navigationAxes;
    const check = (entry: unknown): number[] => {
      if (!Array.isArray(entry) && !ArrayBuffer.isView(entry)) {
        throw new TypeError(
          `Each set of indices in the iterpath should be an iterable, e.g. \`(0,)\` or \`(0,0,0)\`. The first entry currently looks like: \`${pyTupleRepr(entry)}\`, and does not satisfy this requirement.`,
        );
      }
      const e = Array.from(entry as ArrayLike<number>);
      if (e.length !== nav.length) {
        throw new ValueError(
          `The current iterpath yields indices of length ${e.length}. It should deliver incides with length equal to the navigation dimension, which is ${nav.length}.`,
        );
      }
      return e.map((v, i) => nav[i].checkIndex(v));
    };
    if (Array.isArray(kind) && kind.length > 0) check(kind[0]);
    for (const entry of kind) yield check(entry);
  }

  /**
   * A deep copy: new axes with the same attributes and the ragged flag. As HyperSpy's deepcopy (which
   * goes through the axes dictionaries), the current indices are reset to 0.
   */
  copy(): AxesManager {
    return new AxesManager(this._axes.map((a) => a.copy()), { ragged: this.ragged });
  }

  /** HyperSpy's _get_axes_dicts(): one AxisDict per axis, array order. */
  toDicts(): AxisDict[] {
    return this._axes.map((a) => a.toDict());
  }
}
