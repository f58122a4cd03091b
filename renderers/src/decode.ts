import type { ArrayPayload, AxisPayload } from "../../lazy/display/mime";
import { isObject } from "./dom";

/** A decoded ArrayPayload: float32 values in C order of `shape` (array order). */
export interface Decoded {
  values: Float32Array;
  shape: number[];
  min: number | null;
  max: number | null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64 little-endian float32 values, checking what a hand-edited notebook could break. */
export function decodeArray(p: ArrayPayload | null | undefined, what: string): Decoded {
  if (!isObject(p)) throw new Error(`${what}: missing`);
  if (p.dtype !== "float32" || p.encoding !== "base64" || p.byteOrder !== "little") {
    throw new Error(`${what}: unsupported encoding ${String(p.dtype)}/${String(p.encoding)}/${String(p.byteOrder)} (this renderer reads float32/base64/little)`);
  }
  if (!Array.isArray(p.shape) || !p.shape.every((n) => Number.isInteger(n) && n >= 0)) throw new Error(`${what}: bad shape`);
  if (typeof p.data !== "string" || !BASE64.test(p.data)) throw new Error(`${what}: data is not base64`);
  const bin = atob(p.data);
  const n = p.shape.reduce((a, b) => a * b, 1);
  if (bin.length !== n * 4) throw new Error(`${what}: ${bin.length} bytes for shape (${p.shape.join(", ")}), expected ${n * 4}`);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  let values = new Float32Array(bytes.buffer);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    // big-endian host: swap to native order
    const dv = new DataView(bytes.buffer);
    values = Float32Array.from({ length: n }, (_, i) => dv.getFloat32(i * 4, true));
  }
  return { values, shape: p.shape.slice(), min: typeof p.min === "number" ? p.min : null, max: typeof p.max === "number" ? p.max : null };
}

/** The value at `i` along an axis. */
export function axisValue(a: AxisPayload, i: number): number {
  return a.offset + a.scale * i;
}

/** All values of an axis of `n` points. */
export function axisValues(a: AxisPayload, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = a.offset + a.scale * i;
  return out;
}

/** The nearest index to `value` along an axis of `size` points. */
export function axisIndex(a: AxisPayload, value: number, size: number): number {
  const i = a.scale !== 0 ? Math.round((value - a.offset) / a.scale) : 0;
  return Math.min(size - 1, Math.max(0, Number.isFinite(i) ? i : 0));
}

/** "Energy (eV)", "x (nm)" or "Unnamed 2nd": an axis title for a plot. */
export function axisTitle(a: AxisPayload): string {
  const label = typeof a.label === "string" && a.label ? a.label : a.name ?? "";
  return a.units ? `${label} (${a.units})` : label;
}

/** Rows of a 2-D block as plotly's z (NaN -> null, a gap). */
export function rows(values: ArrayLike<number>, offset: number, ny: number, nx: number): (number | null)[][] {
  const z: (number | null)[][] = new Array(ny);
  for (let r = 0; r < ny; r++) {
    const row = new Array<number | null>(nx);
    for (let c = 0; c < nx; c++) {
      const v = values[offset + r * nx + c];
      row[c] = Number.isFinite(v) ? v : null;
    }
    z[r] = row;
  }
  return z;
}

/** A 1-D block as plotly's y (NaN -> null, a gap). */
export function line(values: ArrayLike<number>, offset: number, n: number): (number | null)[] {
  const y = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const v = values[offset + i];
    y[i] = Number.isFinite(v) ? v : null;
  }
  return y;
}
