/**
 * From a value to a Jupyter MIME bundle (what a cell's result or `display(x)` shows).
 *
 * 1. An object with a `[Symbol.for("Jupyter.display")]()` method (Deno's convention; it may be
 *    async) gives its own bundle; `text/plain` is added when missing.
 * 2. An ndarray (scijs, as `compute()` returns) prints like numpy: values, summarised beyond 1000
 *    elements, with its shape and dtype.
 * 3. An object whose class defines `toString` (signals, lazy arrays) prints that.
 * 4. Plain JSON data (objects, arrays) gets `application/json` as an object (not a string, which
 *    is tslab's bug) beside `text/plain` from util.inspect.
 * 5. Anything else: util.inspect, with limits so a huge value never floods the notebook.
 */
import { inspect } from "node:util";

export type MimeBundle = { [mime: string]: unknown };
export interface DisplayBundle {
  data: MimeBundle;
  metadata: { [key: string]: unknown };
}

export const DISPLAY = Symbol.for("Jupyter.display");
export const DISPLAY_METADATA = Symbol.for("Jupyter.display.metadata");

const INSPECT = { depth: 4, maxArrayLength: 100, maxStringLength: 100_000, breakLength: 100 } as const;
/** Cap of the text/plain of one output (characters). */
export const MAX_TEXT = 1_000_000;
const MAX_JSON = 1_000_000;

function clip(text: string): string {
  if (text.length <= MAX_TEXT) return text;
  return text.slice(0, MAX_TEXT) + `\n... (${text.length - MAX_TEXT} more characters not shown)`;
}

interface NDLike {
  data: ArrayLike<unknown>;
  shape: number[];
  stride: number[];
  offset: number;
  dtype: string;
  get(...i: number[]): unknown;
}

export function isNDArray(v: unknown): v is NDLike {
  if (v === null || typeof v !== "object") return false;
  const o = v as Partial<NDLike>;
  return Array.isArray(o.shape) && Array.isArray(o.stride) && typeof o.offset === "number" && o.data !== undefined && typeof o.get === "function";
}

const DTYPE_TAG = Symbol.for("hyperspy-ts.dtype");
const NAMES: { [k: string]: string } = {
  float32: "float32", float64: "float64", int8: "int8", int16: "int16", int32: "int32", uint8: "uint8",
  uint16: "uint16", uint32: "uint32", uint8_clamped: "uint8", bigint64: "int64", biguint64: "uint64", array: "object", generic: "object",
};

function dtypeName(a: NDLike): string {
  const tag = (a as unknown as { [DTYPE_TAG]?: string })[DTYPE_TAG];
  return tag ?? NAMES[a.dtype] ?? a.dtype;
}

// ---------------------------------------------------------------------------------------------
// numpy's array repr (numpy 1.24 defaults: precision 8, floatmode "maxprec", threshold 1000,
// edgeitems 3, linewidth 75), so a computed array reads exactly as it does in HyperSpy/numpy.
// Checked against numpy's own output in test/fixtures/format.json (make_format.py).

const PRECISION = 8;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 75;

/** Shortest digits that identify `x` among float32 (f32) or float64 values: [mantissa digits, exponent]. */
function shortest(x: number, f32: boolean): string {
  if (!f32) return x.toExponential();
  for (let p = 0; p < 9; p++) {
    const s = x.toExponential(p);
    if (Math.fround(Number(s)) === x) return s;
  }
  return x.toExponential(8);
}

/** dragon4_positional(unique, precision 8, trim "."): "1.", "0.5", "-0.", "0.33333333". */
function positional(x: number, f32: boolean): string {
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  // Shortest unique digits, written positionally.
  let s = ax === 0 ? "0" : Number(shortest(ax, f32)).toString();
  if (s.includes("e")) s = ax.toFixed(20).replace(/0+$/, "");
  let [int, frac = ""] = s.split(".");
  if (frac.length > PRECISION) {
    [int, frac = ""] = ax.toFixed(PRECISION).split(".");
    frac = frac.replace(/0+$/, "");
  }
  return `${neg ? "-" : ""}${int}.${frac}`;
}

/** dragon4_scientific(unique, precision 8, trim "."): mantissa int, fraction digits, exponent. */
function scientific(x: number, f32: boolean): { int: string; frac: string; exp: number } {
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let s = ax === 0 ? "0e+0" : shortest(ax, f32);
  let [m, e] = s.split("e");
  let [int, frac = ""] = m.split(".");
  if (frac.length > PRECISION) {
    s = ax.toExponential(PRECISION);
    [m, e] = s.split("e");
    [int, frac = ""] = m.split(".");
    frac = frac.replace(/0+$/, "");
  }
  return { int: (neg ? "-" : "") + int, frac, exp: Number(e) };
}

type Formatter = (v: unknown) => string;

function floatFormatter(values: number[], f32: boolean): Formatter {
  const finite = values.filter((v) => Number.isFinite(v));
  const nonZero = finite.filter((v) => v !== 0).map(Math.abs);
  let expFormat = false;
  if (nonZero.length) {
    const max = Math.max(...nonZero);
    const min = Math.min(...nonZero);
    expFormat = max >= 1e8 || min < 0.0001 || max / min > 1000;
  }
  let padLeft = 0;
  let padRight = 0;
  let precision = 0;
  let expSize = -1;
  if (finite.length && expFormat) {
    const parts = finite.map((v) => scientific(v, f32));
    expSize = Math.max(...parts.map((p) => String(Math.abs(p.exp)).padStart(2, "0").length));
    precision = Math.max(...parts.map((p) => p.frac.length));
    padLeft = Math.max(...parts.map((p) => p.int.length));
    padRight = expSize + 2 + precision;
  } else if (finite.length) {
    const parts = finite.map((v) => positional(v, f32).split("."));
    padLeft = Math.max(...parts.map((p) => p[0].length));
    padRight = Math.max(...parts.map((p) => p[1].length));
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity);
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  return (v) => {
    const x = v as number;
    if (!Number.isFinite(x)) {
      const r = Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
      return " ".repeat(Math.max(0, padLeft + padRight + 1 - r.length)) + r;
    }
    if (expFormat) {
      let p = scientific(x, f32);
      if (p.frac.length < precision && x !== 0) {
        // numpy's min_digits: more digits of the value itself (rounded), not zeros.
        const [m, e] = Math.abs(x).toExponential(precision).split("e");
        const [int, frac = ""] = m.split(".");
        p = { int: (x < 0 ? "-" : "") + int, frac, exp: Number(e) };
      }
      const exp = `${p.exp < 0 ? "-" : "+"}${String(Math.abs(p.exp)).padStart(expSize, "0")}`;
      return `${p.int.padStart(padLeft)}.${p.frac.padEnd(precision, "0")}e${exp}`;
    }
    const [int, frac] = positional(x, f32).split(".");
    return `${int.padStart(padLeft)}.${frac.padEnd(padRight)}`;
  };
}

function formatterFor(values: unknown[], dtype: string): Formatter {
  if (dtype === "bool") {
    // numpy pads True to the width of False in every array but a 0-d one.
    return (v) => (v ? " True" : "False");
  }
  if (dtype.startsWith("float")) return floatFormatter(values as number[], dtype === "float32");
  if (values.every((v) => typeof v === "number" || typeof v === "bigint")) {
    const width = Math.max(0, ...values.map((v) => String(v).length));
    return (v) => String(v).padStart(width);
  }
  return (v) => (isNDArray(v) ? formatNDArray(v) : inspect(v, { depth: 1, maxArrayLength: 10, breakLength: Infinity }));
}

/** numpy's `repr(a)`: `array([[0., 1.], [2., 3.]], dtype=float32)`, summarised beyond 1000 elements. */
export function formatNDArray(a: NDLike): string {
  const dtype = dtypeName(a);
  const nd = a.shape.length;
  const size = a.shape.reduce((p, s) => p * s, 1);
  const skipDtype = dtype === "float64" || dtype === "bool" || dtype === "int64";
  const suffix = skipDtype ? ")" : ",";
  const prefix = "array(";
  let body: string;
  if (size === 0 && !(nd === 1)) {
    body = `[], shape=(${a.shape.join(", ")}${nd === 1 ? "," : ""})`;
  } else if (size === 0) {
    body = "[]";
  } else {
    const summary = size > THRESHOLD;
    const shown = (n: number): number[] =>
      summary && n > 2 * EDGE ? [...Array.from({ length: EDGE }, (_, i) => i), ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : Array.from({ length: n }, (_, i) => i);
    // The formatter sees only the elements shown (numpy formats the leading/trailing parts).
    const values: unknown[] = [];
    const idx: number[] = [];
    const walk = (d: number) => {
      if (d === nd) {
        values.push(a.get(...idx));
        return;
      }
      for (const i of shown(a.shape[d])) {
        idx.push(i);
        walk(d + 1);
        idx.pop();
      }
    };
    walk(0);
    const fmt = formatterFor(values, dtype);
    body = nd === 0 ? (dtype === "bool" ? (a.get() ? "True" : "False") : fmt(a.get())) : formatArray(a, fmt, LINEWIDTH - suffix.length, " ".repeat(prefix.length + 1), summary);
  }
  const text = prefix + body + (skipDtype ? ")" : ",");
  if (skipDtype) return text;
  const dtypeStr = `dtype=${dtype})`;
  const lastLine = text.length - (text.lastIndexOf("\n") + 1);
  const spacer = lastLine + dtypeStr.length + 1 > LINEWIDTH ? "\n" + " ".repeat(prefix.length) : " ";
  return text + spacer + dtypeStr;
}

/** numpy's _formatArray (legacy off): nested brackets, rows wrapped at the line width. */
function formatArray(a: NDLike, fmt: Formatter, lineWidth: number, nextLinePrefix: string, summary: boolean): string {
  const nd = a.shape.length;
  const sep = ", ";
  const extend = (s: string, line: string, word: string, width: number, hanging: string): [string, string] => {
    let wrap = line.length + word.length > width;
    if (line.length <= hanging.length) wrap = false;
    if (wrap) {
      s += line.replace(/\s+$/, "") + "\n";
      line = hanging;
    }
    return [s, line + word];
  };
  const index: number[] = [];
  const rec = (hanging: string, width: number): string => {
    const axis = index.length;
    const left = nd - axis;
    if (left === 0) return fmt(a.get(...index));
    const nextHanging = hanging + " ";
    const nextWidth = width - 1;
    const n = a.shape[axis];
    const showSummary = summary && 2 * EDGE < n;
    const leading = showSummary ? EDGE : 0;
    const trailing = showSummary ? EDGE : n;
    const item = (i: number, h: string, w: number) => {
      index.push(i < 0 ? n + i : i);
      const r = rec(h, w);
      index.pop();
      return r;
    };
    let s = "";
    if (left === 1) {
      const elemWidth = width - Math.max(sep.trimEnd().length, 1);
      let line = hanging;
      for (let i = 0; i < leading; i++) {
        [s, line] = extend(s, line, item(i, nextHanging, nextWidth), elemWidth, hanging);
        line += sep;
      }
      if (showSummary) {
        [s, line] = extend(s, line, "...", elemWidth, hanging);
        line += sep;
      }
      for (let i = trailing; i > 1; i--) {
        [s, line] = extend(s, line, item(-i, nextHanging, nextWidth), elemWidth, hanging);
        line += sep;
      }
      [s, line] = extend(s, line, item(-1, nextHanging, nextWidth), elemWidth, hanging);
      s += line;
    } else {
      const lineSep = sep.trimEnd() + "\n".repeat(left - 1);
      for (let i = 0; i < leading; i++) s += hanging + item(i, nextHanging, nextWidth) + lineSep;
      if (showSummary) s += hanging + "..." + lineSep;
      for (let i = trailing; i > 1; i--) s += hanging + item(-i, nextHanging, nextWidth) + lineSep;
      s += hanging + item(-1, nextHanging, nextWidth);
    }
    return "[" + s.slice(hanging.length) + "]";
  };
  return rec(nextLinePrefix, lineWidth);
}

function hasOwnToString(v: object): boolean {
  for (let p = Object.getPrototypeOf(v); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.prototype.hasOwnProperty.call(p, "toString")) return p !== Array.prototype && p !== Error.prototype && p !== Function.prototype;
  }
  return false;
}

/** A copy of `v` if it is plain JSON data (objects and arrays of numbers, strings, booleans, null) of bounded size. */
function plainJSON(v: unknown): unknown | undefined {
  let budget = MAX_JSON;
  const seen = new Set<object>();
  const walk = (x: unknown): unknown => {
    if (budget-- <= 0) throw new Error("too big");
    if (x === null || typeof x === "string" || typeof x === "boolean") return x;
    if (typeof x === "number") {
      if (!Number.isFinite(x)) throw new Error("not JSON");
      return x;
    }
    if (typeof x !== "object") throw new Error("not JSON");
    if (seen.has(x)) throw new Error("cycle");
    seen.add(x);
    let out: unknown;
    if (Array.isArray(x)) out = x.map(walk);
    else {
      const proto = Object.getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== null) throw new Error("not plain");
      const o: { [k: string]: unknown } = {};
      for (const k of Object.keys(x)) o[k] = walk((x as { [k: string]: unknown })[k]);
      out = o;
    }
    seen.delete(x);
    return out;
  };
  try {
    return walk(v);
  } catch {
    return undefined;
  }
}

export function textOf(value: unknown): string {
  if (isNDArray(value)) return clip(formatNDArray(value));
  if (value !== null && typeof value === "object" && hasOwnToString(value)) return clip(String(value));
  return clip(inspect(value, INSPECT));
}

/** The bundle of a value; `raw: true` takes `value` itself as the MIME bundle. */
export async function toBundle(value: unknown, opts: { raw?: boolean; metadata?: { [k: string]: unknown } } = {}): Promise<DisplayBundle> {
  const metadata = { ...(opts.metadata ?? {}) };
  if (opts.raw) {
    if (value === null || typeof value !== "object") throw new TypeError("display(x, {raw: true}): x must be a MIME bundle object such as {\"text/html\": \"<b>hi</b>\"}");
    const data = { ...(value as MimeBundle) };
    if (!("text/plain" in data)) data["text/plain"] = "";
    return { data, metadata };
  }
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const fn = (value as { [DISPLAY]?: unknown })[DISPLAY];
    if (typeof fn === "function") {
      let data: unknown;
      try {
        data = await (fn as () => unknown).call(value);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        return { data: { "text/plain": `${textOf(value)}\n(its Jupyter.display method failed: ${msg})` }, metadata };
      }
      if (data !== null && typeof data === "object") {
        const bundle = { ...(data as MimeBundle) };
        // Per-MIME metadata (e.g. a hi-dpi PNG's CSS size) rides on the bundle under this symbol.
        const md = (data as { [DISPLAY_METADATA]?: unknown })[DISPLAY_METADATA];
        if (md !== null && typeof md === "object") Object.assign(metadata, md);
        if (typeof bundle["text/plain"] !== "string") bundle["text/plain"] = textOf(value);
        return { data: bundle, metadata };
      }
    }
  }
  const data: MimeBundle = { "text/plain": textOf(value) };
  if (value !== null && typeof value === "object" && !isNDArray(value)) {
    const json = plainJSON(value);
    if (json !== undefined) data["application/json"] = json;
  }
  return { data, metadata };
}
