/**
 * What a signal shows in a notebook: `s[Symbol.for("Jupyter.display")]()` returns a MIME bundle
 * (lazy/display/mime.ts has the payload types; docs/display.md the why).
 *
 * - Lazy signals: `{lazy payload, text/html, text/plain}` (lazy/display/display.ts): axes, chunk grids per
 *   navigation / signal space, layers with task counts, sources, warnings. Nothing is computed.
 * - Computed signals: `{signal payload, image/png, text/plain}` and no text/html (every front-end
 *   prefers text/html over image/png, and the PNG is the fallback that shows everywhere). The
 *   payload carries the values within a byte budget (binned beyond it), HyperSpy's navigator (sum
 *   over the signal axes) and the signal at the current pixel; the PNG is a static plot made here.
 *
 * Importing this module (signals/index.ts does) installs the method on BaseSignal.prototype.
 */
import * as os from "node:os";
import { BaseSignal } from "./signal";
import { AxesManager, DataAxis } from "./axes";
import { LazyArray } from "../lazy/core/array";
import { NDArray, isObjectArray } from "../lazy/core/block";
import { LazyDescription, lazyBundle } from "../lazy/display/display";
import {
  ArrayPayload,
  AxisPayload,
  DisplayOptions,
  JUPYTER_DISPLAY,
  JUPYTER_DISPLAY_METADATA,
  MimeBundle,
  MimeMetadata,
  SIGNAL_MIME,
  SignalPayload,
} from "../lazy/display/mime";
import { ImagePanel, LinePanel, Panel, PlotAxis, plotSvg } from "./plot";
import { rasterUnavailable, svgToPng } from "./plot-png";

/** Default byte budget of the values a computed signal's payload embeds (float32, before base64). */
export const DEFAULT_MAX_BYTES = 2_000_000;
/**
 * The budget when a kernel serves the view live (the renderer asks it for the exact signal at each
 * pixel): what is embedded is only for when no kernel is connected (a saved notebook reopened).
 */
export const LIVE_MAX_BYTES = 150_000;
/** Largest image (pixels per side) drawn in the PNG; larger ones are binned first. */
const PNG_MAX_SIDE = 1024;
/** Zoom of the PNG over its CSS size (2: sharp on hi-dpi screens). */
export const PNG_ZOOM = 2;

// ------------------------------------------------------------------------------------------------
// Axes and descriptions

export function metaString(s: BaseSignal, path: string): string {
  const v = s.metadata.getItem(path);
  return typeof v === "string" ? v : "";
}

/** A signal's axis payload: its size is always known. */
export type SigAxis = AxisPayload & { size: number };

function axisPayload(a: DataAxis, am: AxesManager): SigAxis {
  return {
    name: a.name ?? null,
    label: a.displayName,
    units: a.units ?? null,
    scale: a.scale,
    offset: a.offset,
    size: a.size,
    navigate: a.navigate,
    arrayAxis: am.indexInArray(a),
  };
}

export function axesOf(s: BaseSignal): SigAxis[] {
  const am = s.axesManager;
  return am.naturalOrder().map((a) => axisPayload(a, am));
}

/** What lazy/display/display.ts needs to describe a lazy signal's LazyArray. */
export function lazyDescription(s: BaseSignal): LazyDescription {
  const am = s.axesManager;
  const axes = axesOf(s);
  const nav = am.navigationDimension;
  const spaces: LazyDescription["spaces"] = [];
  if (nav > 0) spaces.push({ space: "navigation", axes: axes.slice(0, nav).map((_, i) => i) });
  if (axes.length > nav) spaces.push({ space: "signal", axes: axes.slice(nav).map((_, i) => nav + i) });
  return {
    kind: "lazy-signal",
    repr: s.toString(),
    className: s.constructor.name,
    title: s.title,
    signalType: metaString(s, "Signal.signal_type"),
    axes,
    navigationShape: am.navigationShape,
    signalShape: am.signalShape,
    spaces,
  };
}

// ------------------------------------------------------------------------------------------------
// Values: a strided view in HyperSpy's layout, binning, encoding

/** A strided view of numbers (scijs layout), axes in HyperSpy's canonical array order. */
export interface View {
  data: ArrayLike<number>;
  shape: number[];
  stride: number[];
  offset: number;
}

/** The data as a view with axes [navigation reversed..., signal reversed...] (HyperSpy's aligned layout). */
export function canonicalView(d: NDArray, am: AxesManager): View {
  const perm = [...am.navigationIndicesInArray.slice().reverse(), ...am.signalIndicesInArray.slice().reverse()];
  const data = d.data as ArrayLike<number>;
  return { data, shape: perm.map((a) => d.shape[a]), stride: perm.map((a) => d.stride[a]), offset: d.offset };
}

/** The leading axes of `v` fixed at `index`. */
export function subView(v: View, index: readonly number[]): View {
  let offset = v.offset;
  index.forEach((i, k) => (offset += i * v.stride[k]));
  return { data: v.data, shape: v.shape.slice(index.length), stride: v.stride.slice(index.length), offset };
}

export const prod = (xs: readonly number[]) => xs.reduce((p, n) => p * n, 1);
export const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/**
 * `v` reduced over bins of `factors` per axis: "mean" (NaN-aware: NaN only when a whole bin is
 * NaN) or "sum" (plain: NaN propagates, as numpy's sum). Bools count 0/1.
 */
export function bin(v: View, factors: readonly number[], mode: "mean" | "sum"): { values: Float64Array; shape: number[] } {
  const nd = v.shape.length;
  const outShape = v.shape.map((n, k) => ceilDiv(n, factors[k]));
  const n = prod(outShape);
  const sum = new Float64Array(n);
  const count = mode === "mean" ? new Float64Array(n) : null;
  if (prod(v.shape) === 0) return { values: sum, shape: outShape };
  const data = v.data;
  if (nd === 0) {
    sum[0] = Number(data[v.offset]);
    return { values: sum, shape: [] };
  }
  const outStride = new Array<number>(nd).fill(1);
  for (let k = nd - 2; k >= 0; k--) outStride[k] = outStride[k + 1] * outShape[k + 1];
  const last = nd - 1;
  const len = v.shape[last];
  const sl = v.stride[last];
  const fl = factors[last];
  const inner = new Int32Array(len);
  for (let i = 0; i < len; i++) inner[i] = Math.floor(i / fl);
  const idx = new Array<number>(last).fill(0);
  const rows = prod(v.shape.slice(0, last));
  for (let r = 0; r < rows; r++) {
    let src = v.offset;
    let dst = 0;
    for (let k = 0; k < last; k++) {
      src += idx[k] * v.stride[k];
      dst += Math.floor(idx[k] / factors[k]) * outStride[k];
    }
    if (count) {
      for (let i = 0; i < len; i++) {
        const x = Number(data[src + i * sl]);
        if (x === x) {
          sum[dst + inner[i]] += x;
          count[dst + inner[i]] += 1;
        }
      }
    } else {
      for (let i = 0; i < len; i++) sum[dst + inner[i]] += Number(data[src + i * sl]);
    }
    for (let k = last - 1; k >= 0; k--) {
      if (++idx[k] < v.shape[k]) break;
      idx[k] = 0;
    }
  }
  if (count) for (let i = 0; i < n; i++) sum[i] = count[i] > 0 ? sum[i] / count[i] : NaN;
  return { values: sum, shape: outShape };
}

/** Contiguous float values of a view (no binning). */
export function values(v: View): Float64Array {
  return bin(v, v.shape.map(() => 1), "sum").values;
}

/** The smallest uniform factor f (per axis of `shape`) such that the binned size fits `maxValues`. */
export function uniformFactor(shape: readonly number[], maxValues: number): number {
  const top = Math.max(1, ...shape);
  let f = 1;
  while (f < top && prod(shape.map((n) => ceilDiv(n, f))) > maxValues) f++;
  return f;
}

const littleEndian = os.endianness() === "LE";

export function arrayPayload(vals: ArrayLike<number>, shape: number[]): ArrayPayload {
  const f = Float32Array.from(vals as ArrayLike<number>);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < f.length; i++) {
    const x = f[i];
    if (x < lo && Number.isFinite(x)) lo = x;
    if (x > hi && Number.isFinite(x)) hi = x;
  }
  const bytes = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  if (!littleEndian) bytes.swap32();
  return { dtype: "float32", encoding: "base64", byteOrder: "little", shape, data: bytes.toString("base64"), min: lo <= hi ? lo : null, max: lo <= hi ? hi : null };
}

/** An axis binned by f: bins of f values, each at the centre of the values it holds. */
export function binnedAxis(a: SigAxis, f: number): SigAxis {
  if (f === 1) return { ...a };
  return { ...a, size: ceilDiv(a.size, f), scale: a.scale * f, offset: a.offset + (a.scale * (f - 1)) / 2 };
}

// ------------------------------------------------------------------------------------------------
// The computed signal's payload

export interface Computed {
  payload: SignalPayload;
  /** The payload's axes (natural order). */
  axes: SigAxis[];
  /** Full-resolution pieces for the plot. */
  navigator: { values: Float64Array; shape: number[] } | null;
  current: { values: Float64Array; shape: number[] } | null;
}

/** The fields every signal payload starts with (the static view's and the live plot's). */
export function payloadBase(s: BaseSignal, axes: SigAxis[]) {
  const am = s.axesManager;
  return {
    version: 1 as const,
    kind: "signal" as const,
    repr: s.toString(),
    className: s.constructor.name,
    title: s.title,
    signalType: metaString(s, "Signal.signal_type"),
    quantity: metaString(s, "Signal.quantity"),
    dtype: s.dtype,
    axes,
    navigationShape: am.navigationShape,
    signalShape: am.signalShape,
  };
}

export function signalPayload(s: BaseSignal, maxBytes: number): Computed {
  const am = s.axesManager;
  const axes = axesOf(s);
  const navDim = am.navigationDimension;
  const navAxes = axes.slice(0, navDim);
  const sigAxes = axes.slice(navDim);
  const base = payloadBase(s, axes);
  const d = s.data;
  if (d instanceof LazyArray || isObjectArray(d) || s.ragged) {
    const note = s.ragged ? "ragged signal: its values are JS objects, not plotted" : "lazy signal";
    return {
      payload: { ...base, data: null, dataAxes: axes, downsampled: null, navigator: null, current: null, budget: { maxBytes, bytes: 0 }, note },
      axes,
      navigator: null,
      current: null,
    };
  }
  const view = canonicalView(d, am);
  const navShapeC = view.shape.slice(0, navDim); // canonical: reversed natural
  const sigShapeC = view.shape.slice(navDim);
  const navSize = prod(navShapeC);
  const sigSize = prod(sigShapeC);
  let used = 0;

  // the signal at the current pixel (full resolution for the plot; binned to a quarter of the budget for the payload)
  let current: Computed["current"] = null;
  let currentPayload: SignalPayload["current"] = null;
  const indices = am.indices; // natural
  if (navDim > 0) {
    const at = indices.slice().reverse();
    const cur = subView(view, at);
    current = { values: values(cur), shape: sigShapeC };
    const f = uniformFactor(sigShapeC, Math.floor(maxBytes / 4 / 4));
    const factorsC = sigShapeC.map(() => f);
    const b = f === 1 ? current : bin(cur, factorsC, "mean");
    currentPayload = { indices, data: arrayPayload(b.values, b.shape), axes: sigAxes.map((a) => binnedAxis(a, f)), factors: sigAxes.map(() => f) };
    used += prod(b.shape) * 4;
  }

  // HyperSpy's navigator: sum over the signal axes (the first two navigation axes; others at the current index)
  let navigator: Computed["navigator"] = null;
  let navigatorPayload: SignalPayload["navigator"] = null;
  if (navDim > 0 && sigSize > 0) {
    const extra = Math.max(0, navDim - 2);
    const fixedC = indices.slice(2).reverse(); // canonical leading axes = natural navigation axes 2..
    const nv = subView(view, fixedC);
    const navC = nv.shape.slice(0, navDim - extra);
    const summed = bin(nv, [...navC.map(() => 1), ...sigShapeC.map((n) => Math.max(1, n))], "sum");
    navigator = { values: summed.values, shape: navC };
    const f = uniformFactor(navC, Math.floor(maxBytes / 4 / 4));
    const b = f === 1 ? navigator : bin({ data: summed.values, shape: navC, stride: strides(navC), offset: 0 }, navC.map(() => f), "mean");
    navigatorPayload = {
      data: arrayPayload(b.values, b.shape),
      axes: navAxes.slice(0, 2).map((a) => binnedAxis(a, f)),
      method: "sum",
      factors: navAxes.slice(0, 2).map(() => f),
      fixed: indices.slice(2).map((index, i) => ({ axis: i + 2, index })),
    };
    used += prod(b.shape) * 4;
  }

  // all values within what is left of the budget: bin the signal so that at least 64 navigation pixels fit, then the navigation
  const left = Math.max(0, maxBytes - used) / 4;
  const sigF = uniformFactor(sigShapeC, Math.max(1, Math.floor(left / Math.max(1, Math.min(navSize, 64)))));
  const sigBinned = prod(sigShapeC.map((n) => ceilDiv(n, sigF)));
  const navF = navDim > 0 ? uniformFactor(navShapeC, Math.max(1, Math.floor(left / Math.max(1, sigBinned)))) : 1;
  const factorsC = [...navShapeC.map(() => navF), ...sigShapeC.map(() => sigF)];
  const full = navF === 1 && sigF === 1;
  const all = full ? { values: values(view), shape: view.shape } : bin(view, factorsC, "mean");
  used += prod(all.shape) * 4;
  const dataAxes = axes.map((a) => binnedAxis(a, a.navigate ? navF : sigF));
  // no navigation: the data is the signal (plotted at full resolution)
  if (navDim === 0) current = full ? all : { values: values(view), shape: view.shape };
  const payload: SignalPayload = {
    ...base,
    data: arrayPayload(all.values, all.shape),
    dataAxes,
    downsampled: full ? null : { factors: axes.map((a) => (a.navigate ? navF : sigF)), method: "mean", fullBytes: navSize * sigSize * 4 },
    navigator: navigatorPayload,
    current: currentPayload,
    budget: { maxBytes, bytes: used },
    note: "",
  };
  return { payload, axes, navigator, current };
}

export function strides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) st[k] = st[k + 1] * shape[k + 1];
  return st;
}

// ------------------------------------------------------------------------------------------------
// The static plot

function plotAxis(a: SigAxis): PlotAxis {
  return { label: a.units ? `${a.name ?? a.label} (${a.units})` : (a.name ?? a.label), offset: a.offset, scale: a.scale, size: a.size };
}

/** A 2-D image of (rows, cols) values, binned to at most PNG_MAX_SIDE per side. */
function imageOf(vals: Float64Array, rows: number, cols: number, xa: SigAxis, ya: SigAxis): { values: Float64Array; x: PlotAxis; y: PlotAxis } {
  const f = Math.max(1, Math.ceil(rows / PNG_MAX_SIDE), Math.ceil(cols / PNG_MAX_SIDE));
  if (f === 1) return { values: vals, x: plotAxis(xa), y: plotAxis(ya) };
  const b = bin({ data: vals, shape: [rows, cols], stride: [cols, 1], offset: 0 }, [f, f], "mean");
  return { values: b.values, x: plotAxis(binnedAxis(xa, f)), y: plotAxis(binnedAxis(ya, f)) };
}

const natural = (a: AxisPayload) => a.name ?? a.label;
const am = (s: BaseSignal) => s.axesManager;

/** A panel of data over `axes` (natural order, 1 or more; beyond 2 the leading canonical axes are already fixed). */
export function panelOf(vals: Float64Array, axes: SigAxis[], title: string, yLabel: string, colorbarLabel: string, marker?: number[]): Panel | null {
  if (axes.length === 0 || vals.length === 0) return null;
  if (axes.length === 1) {
    const p: LinePanel = { kind: "line", title, x: plotAxis(axes[0]), y: vals, yLabel };
    if (marker) p.marker = marker[0];
    return p;
  }
  const [xa, ya] = axes;
  // canonical order: [..., y, x]: the first rows*cols values are the image (extra leading axes at index 0)
  const img = imageOf(vals.subarray(0, xa.size * ya.size), ya.size, xa.size, xa, ya);
  const p: ImagePanel = { kind: "image", title, x: img.x, y: img.y, values: img.values, colorbarLabel };
  if (marker && marker.length >= 2) {
    const f = img.x.size === xa.size ? 1 : Math.ceil(xa.size / img.x.size);
    p.marker = [Math.floor(marker[0] / f), Math.floor(marker[1] / f)];
  }
  return p;
}

/** The figure's panels: navigator and signal side by side, or the signal (or navigation data) alone. */
export function panelsOf(s: BaseSignal, c: Computed): Panel[] {
  const p = c.payload;
  // nothing to draw: ragged (JS values) or empty data
  if (p.data === null ? !c.current && !c.navigator : p.data.shape.some((n) => n === 0)) return [];
  const navDim = p.navigationShape.length;
  const navAxes = c.axes.slice(0, navDim);
  const sigAxes = c.axes.slice(navDim);
  const sigEffective = sigAxes.filter((a) => a.size > 1).length > 0 || (sigAxes.length === 1 && navDim === 0);
  const quantity = p.quantity;
  const panels: Panel[] = [];
  const where = (idx: number[]) => navAxes.map((a, i) => `${natural(a)}=${idx[i]}`).join(", ");
  if (!sigEffective) {
    // navigation data only (signal dimension 0): the values over the navigation axes
    if (navDim === 0) return [];
    const vals = valuesOverNavigation(s);
    if (!vals) return [];
    const fixed = navAxes.slice(2).map((a, i) => `${natural(a)}=${am(s).indices[i + 2]}`);
    const pan = panelOf(vals, navAxes.slice(0, 2), fixed.length ? `at ${fixed.join(", ")}` : "", quantity, quantity);
    return pan ? [pan] : [];
  }
  if (navDim > 0 && c.navigator) {
    const sums = sigAxes.map(natural).join(", ");
    const fixed = p.navigator ? p.navigator.fixed.map((f) => `${natural(c.axes[f.axis])}=${f.index}`) : [];
    const pan =
      p.navigator?.method === "data"
        ? panelOf(c.navigator.values, [sigAxes[0], navAxes[0]], "Navigator: the data", quantity, quantity)
        : panelOf(c.navigator.values, navAxes.slice(0, 2), `Navigator: sum over ${sums}${fixed.length ? ` (${fixed.join(", ")})` : ""}`, "sum", "sum", p.current ? p.current.indices : undefined);
    if (pan) panels.push(pan);
  }
  if (c.current) {
    // alone, the figure's title names it
    const title = navDim > 0 && p.current ? `Signal at ${where(p.current.indices)}` : "";
    const extra = sigAxes.length > 2 ? `${title ? " " : ""}(${sigAxes.slice(2).map((a) => `${natural(a)}=0`).join(", ")})` : "";
    const pan = panelOf(c.current.values, sigAxes.slice(0, 2), title + extra, quantity, quantity);
    if (pan) panels.push(pan);
  }
  return panels;
}

/** Values of a signal with signal dimension 0 over its first two navigation axes (others at the current index). */
function valuesOverNavigation(s: BaseSignal): Float64Array | null {
  const d = s.data;
  if (d instanceof LazyArray) return null;
  const am = s.axesManager;
  const view = canonicalView(d, am);
  const navDim = am.navigationDimension;
  const fixed = am.indices.slice(2).reverse();
  const v = subView(view, fixed);
  // sum away a size-1 signal axis
  const keep = navDim - fixed.length;
  return bin(v, [...v.shape.slice(0, keep).map(() => 1), ...v.shape.slice(keep).map((n) => Math.max(1, n))], "sum").values;
}

export function figureTitle(s: BaseSignal): string {
  return s.title ? `${s.title} ${s.axesManager.dimensionString()}` : `${s.constructor.name} ${s.axesManager.dimensionString()}`;
}

/** The static plot of a computed signal (SVG text and size); null when there is nothing to plot. */
export function signalFigure(s: BaseSignal, opts: DisplayOptions = {}): { svg: string; width: number; height: number } | null {
  const c = signalPayload(s, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  const panels = panelsOf(s, c);
  return panels.length ? plotSvg(panels, figureTitle(s)) : null;
}

// ------------------------------------------------------------------------------------------------
// Bundles

/** A displayed bundle with its per-MIME metadata (what a kernel sends). */
export interface DisplayBundle {
  data: MimeBundle;
  metadata: MimeMetadata;
}

/**
 * Set by signals/liveplot.ts: gives a displayed computed signal with navigation axes a live view
 * (the kernel serves it over a comm) when a kernel has enabled live plots; null otherwise.
 */
let liveDisplay: ((s: BaseSignal, payload: SignalPayload) => SignalPayload["live"]) | null = null;

/** @internal signals/liveplot.ts installs the live-view hook of displayed signals. */
export function setLiveDisplay(fn: typeof liveDisplay): void {
  liveDisplay = fn;
}

/** The bundle and metadata of a signal (lazy: graph summary; computed: payload + PNG + text). */
export function displayBundle(s: BaseSignal, opts: DisplayOptions = {}): DisplayBundle {
  if (s.data instanceof LazyArray) return { data: lazyBundle(s.data, lazyDescription(s)), metadata: {} };
  const live = liveDisplay !== null && s.axesManager.navigationDimension > 0 && !s.ragged;
  const maxBytes = opts.maxBytes ?? (live ? LIVE_MAX_BYTES : DEFAULT_MAX_BYTES);
  if (!(maxBytes >= 0)) throw new RangeError(`display: maxBytes must be a number of bytes >= 0, got ${String(opts.maxBytes)}`);
  const c = signalPayload(s, maxBytes);
  if (live && liveDisplay) {
    const l = liveDisplay(s, c.payload);
    if (l) c.payload.live = l;
  }
  return bundleOf(s, c, opts.png ?? true);
}

/** The bundle of a computed payload: the payload, the PNG of its panels (when `png`) and the repr. */
export function bundleOf(s: BaseSignal, c: Computed, png: boolean): DisplayBundle {
  const data: MimeBundle = { [SIGNAL_MIME]: c.payload };
  const metadata: MimeMetadata = {};
  if (png) {
    const panels = panelsOf(s, c);
    if (panels.length) {
      const fig = plotSvg(panels, figureTitle(s));
      const img = svgToPng(fig.svg, PNG_ZOOM);
      if (img) {
        data["image/png"] = img.png.toString("base64");
        metadata["image/png"] = { width: fig.width, height: fig.height };
      } else c.payload.note = rasterUnavailable();
    }
  }
  data["text/plain"] = s.toString();
  return { data, metadata };
}

declare module "./signal" {
  interface BaseSignal {
    /**
     * The Jupyter MIME bundle of this signal (Deno's convention; the kernel calls it on a cell's
     * value). Lazy: a graph summary, nothing computed. Computed: values within a byte budget, a
     * PNG plot and the repr. The PNG's `{width, height}` metadata is on the returned object under
     * `Symbol.for("Jupyter.display.metadata")` (non-enumerable).
     */
    [JUPYTER_DISPLAY](opts?: DisplayOptions): MimeBundle;
    /** Symbol-keyed methods: `s[Symbol.for("Jupyter.display")]()` and `s[Symbol.for("nodejs.util.inspect.custom")]()`. */
    [key: symbol]: (opts?: DisplayOptions) => MimeBundle | string;
  }
}

BaseSignal.prototype[JUPYTER_DISPLAY] = function (this: BaseSignal, opts?: DisplayOptions): MimeBundle {
  const { data, metadata } = displayBundle(this, opts);
  Object.defineProperty(data, JUPYTER_DISPLAY_METADATA, { value: metadata, enumerable: false });
  return data;
};
