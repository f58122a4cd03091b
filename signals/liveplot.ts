/**
 * `s.plot()`: HyperSpy's plot for a notebook, live. It computes the navigator by HyperSpy's rules
 * (a progress bar shows while a lazy one is computed), and returns a view whose display bundle
 * carries the navigator, the signal at the current pixel, a static PNG and a `live` field. In a
 * kernel that has enabled live plots (kernel/comm.ts), the renderer asks the kernel over a comm
 * for the signal at the pixel the user selects; the kernel computes only that (for a lazy signal,
 * the navigation chunk that holds the pixel, read once and kept in a small cache). Without a
 * kernel (nbconvert, GitHub, a saved notebook), the static parts show.
 *
 * HyperSpy's navigator rules (1.7.3 `BaseSignal.plot` / `LazySignal.plot`, navigator="auto"):
 * - no navigation axes: no navigator;
 * - one navigation and one signal axis (eager): the data itself as an image ("data");
 * - eager otherwise: the sum over the signal axes (a line for one navigation axis, an image of the
 *   first two; further navigation axes at their current index, updated when their slider moves);
 *   signal dimension 0: the data itself;
 * - lazy, 1 or 2 navigation axes: `computeNavigator()`: the sum over the signal chunk that holds
 *   the centre of the signal space (round(size / 2) per signal axis), kept as `s.navigator`;
 * - lazy, more than 2 navigation axes: sliders only ("slider");
 * - `navigator: "slider"`: sliders only; `navigator: someSignal`: that signal as the navigator
 *   (its signal shape is the navigation shape, or its navigation shape is, as HyperSpy accepts).
 */
import { randomUUID } from "node:crypto";
import { BaseSignal } from "./signal";
import { LazyArray } from "../lazy/core/array";
import { NDArray } from "../lazy/core/block";
import {
  ArrayPayload,
  AxisPayload,
  JUPYTER_DISPLAY,
  JUPYTER_DISPLAY_METADATA,
  LivePayload,
  MimeBundle,
  PLOT_COMM_TARGET,
  SignalPayload,
} from "../lazy/display/mime";
import {
  Computed,
  DisplayBundle,
  LIVE_MAX_BYTES,
  SigAxis,
  View,
  arrayPayload,
  axesOf,
  bin,
  binnedAxis,
  bundleOf,
  canonicalView,
  payloadBase,
  prod,
  setLiveDisplay,
  signalPayload,
  strides,
  subView,
  uniformFactor,
  values,
} from "./display";

/** A signal sent over the comm is binned (mean) beyond this many values. */
export const SIGNAL_MAX_VALUES = 1 << 20;
/** Bytes of decoded lazy chunks the kernel keeps for live views (all views together). */
export const CHUNK_CACHE_BYTES = 512 * 2 ** 20;
/** Live views of displayed signals (not plot()) kept by weak reference: at most this many. */
const MAX_WEAK_VIEWS = 1000;
/** plot() views kept alive (their signal too): at most this many, the oldest dropped first. */
const MAX_PLOTS = 64;

export interface PlotOptions {
  /** HyperSpy's navigator argument: "auto" (default), "slider", a signal, or null for none. */
  navigator?: "auto" | "slider" | BaseSignal | null;
  /** Bytes of float32 values embedded in the bundle for when no kernel is connected (default LIVE_MAX_BYTES). */
  maxBytes?: number;
  /** Include the static PNG (default true). */
  png?: boolean;
}

export interface ComputeNavigatorOptions {
  /** Signal indices (natural order) whose chunk is summed; default the centre, round(size / 2). */
  index?: number[];
}

/** The signal at a navigation pixel (or the mean over a box), as the comm sends it. */
export interface SignalAtResult {
  indices: number[];
  span: number[];
  data: ArrayPayload;
  axes: AxisPayload[];
  factors: number[];
  ms: number;
  cached: boolean;
}

// ------------------------------------------------------------------------------------------------
// HyperSpy's round (Python 3: half to even) and the chunk that holds an index

function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** [start, stop) of the chunk of `chunks` (one axis) that holds `i`. */
function chunkRange(chunks: readonly number[], i: number): [number, number] {
  let start = 0;
  for (const c of chunks) {
    if (i < start + c) return [start, start + c];
    start += c;
  }
  throw new RangeError(`index ${i} is outside the axis (size ${start})`);
}

// ------------------------------------------------------------------------------------------------
// The navigator (s.navigator, computeNavigator)

const navigators = new WeakMap<BaseSignal, BaseSignal>();
const sumFroms = new WeakMap<BaseSignal, number[][]>();

/**
 * HyperSpy's LazySignal.compute_navigator: the sum over the signal chunk that holds `index`
 * (default the centre of the signal space), computed now (a progress bar in a notebook) and kept
 * as `s.navigator`. Eager signals: the sum over all the signal axes.
 */
async function computeNavigator(s: BaseSignal, opts: ComputeNavigatorOptions = {}): Promise<BaseSignal> {
  const am = s.axesManager;
  if (am.navigationDimension === 0) throw new TypeError(`computeNavigator: ${s.toString()} has no navigation axes`);
  const sig = am.signalAxes;
  if (sig.length === 0) throw new TypeError(`computeNavigator: ${s.toString()} has no signal axes to sum`);
  let part = s;
  let sumFrom: number[][] = sig.map((a) => [0, a.size]);
  const d = s.data;
  if (d instanceof LazyArray) {
    const index = opts.index ?? sig.map((a) => pyRound(a.size / 2));
    if (index.length !== sig.length) throw new RangeError(`computeNavigator: index needs one value per signal axis (${sig.length}), got ${index.length}`);
    const sigArray = am.signalIndicesInArray; // natural signal axis k -> array axis
    sumFrom = sig.map((a, k) => {
      const i = index[k];
      if (!Number.isInteger(i) || i < 0 || i >= a.size) throw new RangeError(`computeNavigator: index ${i} is outside signal axis ${a.displayName} (size ${a.size})`);
      const ch = d.chunks[sigArray[k]];
      if (ch.some((c) => !Number.isFinite(c))) throw new RangeError("computeNavigator: the signal chunk sizes are unknown; call computeChunkSizes() first");
      return chunkRange(ch, i);
    });
    if (sumFrom.some(([a, b], k) => a !== 0 || b !== sig[k].size)) part = s.isig(...sumFrom.map(([a, b]) => `${a}:${b}`));
  }
  const summed = part.sum("signal");
  const nav = (await summed.compute()).T;
  navigators.set(s, nav);
  sumFroms.set(nav, sumFrom);
  return nav;
}

/** A navigator signal's values over the navigation axes of `s` (canonical order), checked for shape. */
function staticNavigatorValues(s: BaseSignal, nav: BaseSignal): { values: Float64Array; shape: number[] } {
  if (nav.data instanceof LazyArray) throw new TypeError(`plot: the navigator ${nav.toString()} is lazy; compute() it first`);
  const navShape = s.axesManager.navigationShape;
  const want = navShape.slice(0, 2);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  let n = nav;
  if (!same(n.axesManager.signalShape, want) && !same(n.axesManager.signalShape, navShape)) {
    if (same(n.axesManager.navigationShape, want) || same(n.axesManager.navigationShape, navShape)) n = n.T;
    else {
      throw new RangeError(
        `plot: the navigator's dimensions ${n.axesManager.dimensionString()} are not compatible with ${s.toString()}: ` +
          `its signal shape must be the navigation shape (${navShape.join(", ")}) or its first two axes`,
      );
    }
  }
  const v = canonicalView(n.data as NDArray, n.axesManager);
  // more than two navigation axes given: the navigator at the extra axes' current indices
  const extra = v.shape.length - want.length;
  const fixed = extra > 0 ? s.axesManager.indices.slice(2).reverse() : [];
  const sub = subView(v, fixed);
  return { values: values(sub), shape: sub.shape };
}

// ------------------------------------------------------------------------------------------------
// Lazy chunks kept for live views

interface CachedChunk {
  block: Promise<NDArray>;
  /** Start of the chunk along each array axis (signal axes: 0). */
  start: number[];
  bytes: number;
}

const chunkCache = new Map<string, CachedChunk>(); // insertion order = least recently used first
const arrayIds = new WeakMap<LazyArray, string>();
let cacheBytes = 0;

function arrayId(x: LazyArray): string {
  let id = arrayIds.get(x);
  if (!id) {
    id = randomUUID();
    arrayIds.set(x, id);
  }
  return id;
}

/** The navigation chunk of `x` holding the pixel at array-order navigation `at`, from the cache or read now. */
function navigationChunk(s: BaseSignal, x: LazyArray, atArray: Map<number, number>, signal?: AbortSignal): { chunk: CachedChunk; cached: boolean } {
  const ranges = x.chunks.map((ch, a) => (atArray.has(a) ? chunkRange(ch, atArray.get(a) as number) : null));
  const key = `${arrayId(x)}|${ranges.map((r) => (r ? r.join(":") : ":")).join(",")}`;
  const hit = chunkCache.get(key);
  if (hit) {
    chunkCache.delete(key);
    chunkCache.set(key, hit);
    return { chunk: hit, cached: true };
  }
  const sel = ranges.map((r) => (r ? `${r[0]}:${r[1]}` : ":"));
  const part = x.get(...sel);
  const bytes = prod(part.shape as number[]) * x.itemsize;
  const chunk: CachedChunk = { block: part.compute({ signal }), start: ranges.map((r) => (r ? r[0] : 0)), bytes };
  chunkCache.set(key, chunk);
  cacheBytes += bytes;
  chunk.block.catch(() => {
    if (chunkCache.get(key) === chunk) {
      chunkCache.delete(key);
      cacheBytes -= bytes;
    }
  });
  // keep the newest chunks within the budget (the one just added stays even when it alone is over)
  for (const [k, c] of chunkCache) {
    if (cacheBytes <= CHUNK_CACHE_BYTES || k === key) break;
    chunkCache.delete(k);
    cacheBytes -= c.bytes;
  }
  void s;
  return { chunk, cached: false };
}

/** @internal Empties the chunk cache of live views (tests, benches). */
export function clearPlotCache(): void {
  chunkCache.clear();
  cacheBytes = 0;
}

// ------------------------------------------------------------------------------------------------
// Live views: what the comm asks

/** The signal of `s` at natural navigation `indices` (mean over `span` pixels from there), computing only that. */
export async function signalAt(s: BaseSignal, indices: readonly number[], span?: readonly number[], opts: { signal?: AbortSignal } = {}): Promise<SignalAtResult> {
  const t0 = performance.now();
  const am = s.axesManager;
  const nav = am.navigationAxes;
  if (!Array.isArray(indices) || indices.length !== nav.length || !indices.every((v) => Number.isInteger(v))) {
    throw new RangeError(`signalAt: indices must be ${nav.length} integers (natural order), got ${JSON.stringify(indices)}`);
  }
  const idx = indices.map((v, k) => Math.min(Math.max(0, v), nav[k].size - 1));
  const sp = idx.map((v, k) => Math.max(1, Math.min(Math.floor(span?.[k] ?? 1), nav[k].size - v)));
  const d = s.data;
  let view: View;
  let cached = false;
  const boxed = sp.some((n) => n > 1);
  if (d instanceof LazyArray) {
    const navArray = am.navigationIndicesInArray; // natural k -> array axis
    if (!boxed) {
      const at = new Map(navArray.map((a, k) => [a, idx[k]] as [number, number]));
      const r = navigationChunk(s, d, at, opts.signal);
      cached = r.cached;
      const block = await r.chunk.block;
      view = subView(canonicalView(block, am), idx.map((v, k) => v - r.chunk.start[navArray[k]]).reverse());
    } else {
      const sel = d.shape.map((_, a) => {
        const k = navArray.indexOf(a);
        return k >= 0 ? `${idx[k]}:${idx[k] + sp[k]}` : ":";
      });
      const block = await d.get(...sel).compute({ signal: opts.signal });
      view = canonicalView(block, am);
    }
  } else {
    const full = canonicalView(d as NDArray, am);
    if (!boxed) view = subView(full, idx.slice().reverse());
    else {
      const startC = idx.slice().reverse();
      const spanC = sp.slice().reverse();
      let offset = full.offset;
      startC.forEach((v, k) => (offset += v * full.stride[k]));
      view = { data: full.data, shape: [...spanC, ...full.shape.slice(nav.length)], stride: full.stride, offset };
    }
  }
  if (boxed) {
    const b = bin(view, view.shape.map((n, k) => (k < nav.length ? n : 1)), "mean");
    view = { data: b.values, shape: b.shape.slice(nav.length), stride: strides(b.shape.slice(nav.length)), offset: 0 };
  }
  const sigAxes = axesOf(s).slice(nav.length);
  const f = uniformFactor(view.shape, SIGNAL_MAX_VALUES);
  const b = f === 1 ? { values: values(view), shape: view.shape } : bin(view, view.shape.map(() => f), "mean");
  return {
    indices: idx,
    span: sp,
    data: arrayPayload(b.values, b.shape),
    axes: sigAxes.map((a) => binnedAxis(a, f)),
    factors: sigAxes.map(() => f),
    ms: performance.now() - t0,
    cached,
  };
}

/** Navigator payload from values over the navigation axes (canonical order), binned to `maxValues`. */
function navigatorPayload(vals: { values: Float64Array; shape: number[] }, axes: SigAxis[], method: "sum" | "data", fixed: { axis: number; index: number }[], maxValues: number, sumFrom?: number[][]): NonNullable<SignalPayload["navigator"]> {
  const f = uniformFactor(vals.shape, maxValues);
  const b = f === 1 ? vals : bin({ data: vals.values, shape: vals.shape, stride: strides(vals.shape), offset: 0 }, vals.shape.map(() => f), "mean");
  const p: NonNullable<SignalPayload["navigator"]> = { data: arrayPayload(b.values, b.shape), axes: axes.map((a) => binnedAxis(a, f)), method, factors: axes.map(() => f), fixed };
  if (sumFrom) p.sumFrom = sumFrom;
  return p;
}

/** The eager navigator (sum over the signal axes) with the navigation axes beyond the second at `indices[2:]`. */
export function navigatorAt(s: BaseSignal, indices: readonly number[], maxBytes = LIVE_MAX_BYTES): NonNullable<SignalPayload["navigator"]> {
  const d = s.data;
  if (d instanceof LazyArray) throw new TypeError("navigatorAt: a lazy signal's navigator does not follow the sliders (HyperSpy: sliders only beyond 2 navigation axes)");
  const am = s.axesManager;
  const navDim = am.navigationDimension;
  const idx = indices.map((v, k) => Math.min(Math.max(0, Math.round(v)), am.navigationAxes[k].size - 1));
  const view = canonicalView(d as NDArray, am);
  const fixedC = idx.slice(2).reverse();
  const nv = subView(view, fixedC);
  const navC = nv.shape.slice(0, navDim - fixedC.length);
  const sigC = nv.shape.slice(navC.length);
  const summed = bin(nv, [...navC.map(() => 1), ...sigC.map((n) => Math.max(1, n))], "sum");
  const axes = axesOf(s).slice(0, Math.min(2, navDim));
  return navigatorPayload({ values: summed.values, shape: navC }, axes, "sum", idx.slice(2).map((index, i) => ({ axis: i + 2, index })), Math.floor(maxBytes / 4 / 2));
}

// ------------------------------------------------------------------------------------------------
// The registry of live views (what a comm's plotId names)

/** A live view the kernel can serve: a plot (kept alive) or a displayed signal (weak). */
export interface LiveView {
  readonly id: string;
  /** The signal, or undefined once a weakly held one has been collected. */
  signal(): BaseSignal | undefined;
  /** Whether the navigator follows the extra navigation axes (eager signals with more than 2). */
  readonly dynamicNavigator: boolean;
}

let enabled = false;
const plots = new Map<string, LiveView>();
const weakViews = new Map<string, LiveView>();

/** The view a comm names, or undefined (unknown id, or its signal is gone). */
export function findLiveView(id: string): LiveView | undefined {
  const v = plots.get(id) ?? weakViews.get(id);
  if (v && !v.signal()) {
    weakViews.delete(id);
    return undefined;
  }
  return v;
}

function liveField(view: LiveView, s: BaseSignal, navigation: LivePayload["navigation"]): LivePayload {
  const d = s.data;
  let navigationChunks: number[] | null = null;
  if (d instanceof LazyArray) {
    const navArray = s.axesManager.navigationIndicesInArray;
    navigationChunks = navArray.map((a) => d.chunks[a][0]);
  }
  return { target: PLOT_COMM_TARGET, plotId: view.id, lazy: d instanceof LazyArray, navigation, navigationChunks };
}

function registerWeak(s: BaseSignal): LiveView {
  const ref = new WeakRef(s);
  const view: LiveView = { id: randomUUID(), signal: () => ref.deref(), dynamicNavigator: s.axesManager.navigationDimension > 2 };
  weakViews.set(view.id, view);
  while (weakViews.size > MAX_WEAK_VIEWS) weakViews.delete(weakViews.keys().next().value as string);
  return view;
}

/**
 * Called by the kernel (kernel/comm.ts) when it serves plot comms: from then on, displayed
 * computed signals with navigation axes get a live view (and the smaller embedded budget), and
 * plot() views carry their `live` field. `false` turns it off again.
 */
export function enableLivePlots(on: boolean): void {
  enabled = on;
  setLiveDisplay(on ? (s, payload) => liveField(registerWeak(s), s, payload.navigator ? "navigator" : "slider") : null);
}

export function livePlotsEnabled(): boolean {
  return enabled;
}

// ------------------------------------------------------------------------------------------------
// s.plot()

/** What `await s.plot()` returns: shows itself as a cell's value (or through `display(...)`). */
export class SignalPlot implements LiveView {
  readonly id = randomUUID();
  readonly dynamicNavigator: boolean;
  private readonly bundle: DisplayBundle;
  constructor(
    private readonly s: BaseSignal,
    bundle: DisplayBundle,
    dynamicNavigator: boolean,
  ) {
    this.bundle = bundle;
    this.dynamicNavigator = dynamicNavigator;
  }
  signal(): BaseSignal {
    return this.s;
  }
  /** The display bundle (payload, PNG, text) with its metadata on JUPYTER_DISPLAY_METADATA. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const data = { ...this.bundle.data };
    Object.defineProperty(data, JUPYTER_DISPLAY_METADATA, { value: this.bundle.metadata, enumerable: false });
    return data;
  }
  /** The payload shown (SIGNAL_MIME). */
  get payload(): SignalPayload {
    return this.bundle.data["application/vnd.hyperspy-ts.signal.v1+json"] as SignalPayload;
  }
  /** The signal at navigation indices (natural order), as the renderer gets it over the comm. */
  signalAt(indices: readonly number[], span?: readonly number[]): Promise<SignalAtResult> {
    return signalAt(this.s, indices, span);
  }
  /** Stops serving this plot (its comm answers that the plot is closed). */
  close(): void {
    plots.delete(this.id);
  }
  toString(): string {
    return `<SignalPlot of ${this.s.toString()}>`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** HyperSpy's plot(): see the module comment. */
async function plot(s: BaseSignal, opts: PlotOptions = {}): Promise<SignalPlot> {
  if (s.ragged) throw new TypeError("plot: plotting a ragged signal is not supported (as HyperSpy)");
  const am = s.axesManager;
  const navDim = am.navigationDimension;
  const sigDim = am.signalDimension;
  if (sigDim > 2) {
    throw new RangeError(
      `plot: plotting is not supported for ${s.toString()} (signal dimension ${sigDim}); transpose it first, e.g. s.transpose({signalAxes: 1}) or s.transpose({signalAxes: [1, 2]})`,
    );
  }
  const maxBytes = opts.maxBytes ?? LIVE_MAX_BYTES;
  if (!(maxBytes >= 0)) throw new RangeError(`plot: maxBytes must be a number of bytes >= 0, got ${String(opts.maxBytes)}`);
  const nav = opts.navigator === undefined ? "auto" : opts.navigator;
  const lazy = s.data instanceof LazyArray;
  const axes = axesOf(s);
  const navAxes = axes.slice(0, navDim);
  const sigAxes = axes.slice(navDim);

  let c: Computed;
  if (!lazy) {
    c = signalPayload(s, maxBytes);
    if (navDim > 0) {
      if (nav === "slider" || nav === null) {
        c.payload.navigator = null;
        c.navigator = null;
      } else if (nav instanceof BaseSignal) {
        const v = staticNavigatorValues(s, nav);
        c.navigator = v;
        c.payload.navigator = navigatorPayload(v, navAxes.slice(0, Math.min(2, v.shape.length)), "sum", [], Math.floor(maxBytes / 4 / 4));
      } else if (navDim === 1 && sigDim === 1) {
        // HyperSpy's navigator="data": the data itself, navigation rows and signal columns
        const v = canonicalView(s.data as NDArray, am);
        const vals = { values: values(v), shape: v.shape };
        c.navigator = vals;
        c.payload.navigator = navigatorPayload(vals, [sigAxes[0], navAxes[0]], "data", [], Math.floor(maxBytes / 4 / 4));
      }
    }
  } else {
    c = await lazyComputed(s, nav, maxBytes, axes);
  }
  const navigation: LivePayload["navigation"] = c.payload.navigator ? "navigator" : "slider";
  const bundle = bundleOf(s, c, opts.png ?? true);
  const view = new SignalPlot(s, bundle, !lazy && navDim > 2 && c.payload.navigator?.method === "sum" && !(nav instanceof BaseSignal));
  if (enabled && navDim > 0) {
    c.payload.live = liveField(view, s, navigation);
    plots.set(view.id, view);
    while (plots.size > MAX_PLOTS) plots.delete(plots.keys().next().value as string);
  }
  return view;
}

/** A lazy signal's plot: the navigator (computed once, HyperSpy's rules) and the signal at the current pixel. */
async function lazyComputed(s: BaseSignal, nav: PlotOptions["navigator"], maxBytes: number, axes: SigAxis[]): Promise<Computed> {
  const am = s.axesManager;
  const navDim = am.navigationDimension;
  const navAxes = axes.slice(0, navDim);
  const base = payloadBase(s, axes);
  let navigator: Computed["navigator"] = null;
  let navigatorP: SignalPayload["navigator"] = null;
  const quarter = Math.floor(maxBytes / 4 / 4);
  if (navDim > 0 && nav !== null && nav !== "slider") {
    let navSignal: BaseSignal | null = null;
    if (nav instanceof BaseSignal) navSignal = nav;
    else if (navDim <= 2) navSignal = navigators.get(s) ?? (await computeNavigator(s));
    if (navSignal) {
      if (navSignal.data instanceof LazyArray) navSignal = await navSignal.compute();
      navigator = staticNavigatorValues(s, navSignal);
      navigatorP = navigatorPayload(navigator, navAxes.slice(0, Math.min(2, navigator.shape.length)), "sum", [], quarter, sumFroms.get(navSignal));
    }
  }
  // the signal at the current pixel (one chunk read), or the whole signal without navigation
  let current: Computed["current"] = null;
  let currentP: SignalPayload["current"] = null;
  let dataP: ArrayPayload | null = null;
  let used = navigatorP ? prod(navigatorP.data.shape) * 4 : 0;
  if (navDim > 0) {
    const r = await signalAt(s, am.indices);
    const v = decodeValues(r.data);
    current = { values: v, shape: r.data.shape };
    const f = uniformFactor(r.data.shape, quarter);
    const b = f === 1 ? current : bin({ data: v, shape: r.data.shape, stride: strides(r.data.shape), offset: 0 }, r.data.shape.map(() => f), "mean");
    currentP = { indices: r.indices, data: arrayPayload(b.values, b.shape), axes: (r.axes as SigAxis[]).map((a) => binnedAxis(a, f)), factors: r.factors.map((x) => x * f) };
    used += prod(b.shape) * 4;
  } else {
    const block = await (s.data as LazyArray).compute();
    const v = canonicalView(block, am);
    current = { values: values(v), shape: v.shape };
    const f = uniformFactor(v.shape, Math.floor(maxBytes / 4));
    const b = f === 1 ? current : bin(v, v.shape.map(() => f), "mean");
    dataP = arrayPayload(b.values, b.shape);
    used += prod(b.shape) * 4;
  }
  const payload: SignalPayload = {
    ...base,
    data: dataP,
    dataAxes: axes,
    downsampled: null,
    navigator: navigatorP,
    current: currentP,
    budget: { maxBytes, bytes: used },
    note: navDim > 0 ? "" : "",
  };
  return { payload, axes, navigator, current };
}

function decodeValues(a: ArrayPayload): Float64Array {
  const bytes = Buffer.from(a.data, "base64");
  const f = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return Float64Array.from(f);
}

declare module "./signal" {
  interface BaseSignal {
    /**
     * HyperSpy's plot(): computes the navigator (HyperSpy's rules; a progress bar while a lazy one
     * is computed) and the signal at the current pixel, and returns a view that shows itself as
     * the cell's value. In the kernel, moving over the navigator asks the kernel for the signal at
     * that pixel (one chunk read for a lazy signal). Elsewhere the static plot shows.
     */
    plot(opts?: PlotOptions): Promise<SignalPlot>;
    /** HyperSpy's compute_navigator(): the sum over the signal chunk at the centre, kept as `navigator`. */
    computeNavigator(opts?: ComputeNavigatorOptions): Promise<BaseSignal>;
    /** The navigator plot() uses (HyperSpy's `s.navigator`); computed by computeNavigator() or set. */
    navigator: BaseSignal | null;
  }
}

BaseSignal.prototype.plot = function (this: BaseSignal, opts?: PlotOptions): Promise<SignalPlot> {
  return plot(this, opts);
};
BaseSignal.prototype.computeNavigator = function (this: BaseSignal, opts?: ComputeNavigatorOptions): Promise<BaseSignal> {
  return computeNavigator(this, opts);
};
Object.defineProperty(BaseSignal.prototype, "navigator", {
  configurable: true,
  get(this: BaseSignal): BaseSignal | null {
    return navigators.get(this) ?? null;
  },
  set(this: BaseSignal, v: BaseSignal | null) {
    if (v === null || v === undefined) navigators.delete(this);
    else if (v instanceof BaseSignal) navigators.set(this, v);
    else throw new TypeError("navigator must be a signal or null");
  },
});
