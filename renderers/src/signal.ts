/**
 * application/vnd.hyperspy-ts.signal.v1+json: a computed signal as plotly plots. A line plot for a
 * 1-D signal, a heatmap for an image, axis titles in units; with navigation axes, HyperSpy's
 * navigator (sum over the signal axes) next to the signal at the chosen pixel, linked: a click on
 * the navigator or a slider changes the pixel.
 *
 * What is available client-side is what the payload embeds (signals/display.ts): every value when
 * it fits the byte budget, otherwise the values binned (mean) with the exact signal only at the
 * pixel the kernel displayed (`current`). When the payload is `live` and a kernel is connected
 * (live.ts), the view asks the kernel for the exact signal at each pixel selected, and shows the
 * embedded values (if any) until it arrives. The status line says which one is shown.
 *
 * plotly is imported on first render (a separate chunk: JupyterLab's startup never loads it); the
 * bundle's PNG is shown until it has loaded, and stays if it cannot load.
 */
import type { AxisPayload, PlotReply, SignalPayload } from "../../lazy/display/mime";
import { LiveLink } from "./live";
import type { PlotlyDiv, PlotlyStatic } from "plotly.js-cartesian-dist-min";
import { axisIndex, axisTitle, axisValue, axisValues, Decoded, decodeArray, line, rows } from "./decode";
import { formatBytes, formatNumber, formatShape, h, isObject } from "./dom";

let plotly: Promise<PlotlyStatic> | null = null;

/** plotly, imported once on first use. */
export function loadPlotly(): Promise<PlotlyStatic> {
  if (!plotly) {
    plotly = import("plotly.js-cartesian-dist-min").then((m) => {
      const mod = m as unknown as { default?: PlotlyStatic } & PlotlyStatic;
      return mod.default && typeof mod.default.newPlot === "function" ? mod.default : mod;
    });
    plotly.catch(() => (plotly = null)); // let a later render try again
  }
  return plotly;
}

/** Checks the fields this renderer reads; throws a message naming the first bad one. */
export function checkSignal(p: unknown): SignalPayload {
  if (!isObject(p)) throw new Error("the payload is not an object");
  if (p.version !== 1) throw new Error(`payload version ${String(p.version)} is not supported by this renderer (it reads version 1): update hyperspy-ts-renderers`);
  for (const k of ["axes", "dataAxes", "navigationShape", "signalShape"]) if (!Array.isArray(p[k])) throw new Error(`field "${k}" is not a list`);
  const axes = p.axes as unknown[];
  if (!axes.every((a) => isObject(a) && typeof a.scale === "number" && typeof a.offset === "number" && typeof a.size === "number")) {
    throw new Error(`field "axes" has an axis without numeric scale, offset and size`);
  }
  const nav = (p.navigationShape as unknown[]).length;
  if ((p.dataAxes as unknown[]).length !== axes.length || nav > axes.length) throw new Error("axes, dataAxes and navigationShape do not agree");
  return p as unknown as SignalPayload;
}

/** Text for plotly titles: plotly reads a small HTML subset in them, so escape what the data says. */
export function plotText(t: string): string {
  return t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const COLORS = { line: "#1f77b4", cursor: "#d62728" };
const PLOT_HEIGHT = 320;
const CONFIG = { displaylogo: false, responsive: false, modeBarButtonsToRemove: ["lasso2d", "select2d", "sendDataToCloud"] };

function baseLayout(title: string): { [k: string]: unknown } {
  return {
    title: { text: plotText(title), font: { size: 13 }, x: 0.02, xanchor: "left" },
    height: PLOT_HEIGHT,
    autosize: true,
    margin: { l: 60, r: 20, t: 36, b: 48 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    uirevision: "keep",
    font: { size: 11 },
  };
}

/** The part of a plotly axis (`_fullLayout.xaxis`) that maps pixels to axis values. */
interface PlotlyAxis {
  p2l(px: number): number;
  _offset: number;
}

/** What one plot shows: a line over an axis or an image over two. */
type Shown =
  | { kind: "line"; y: (number | null)[]; x: AxisPayload }
  | { kind: "image"; z: (number | null)[][]; x: AxisPayload; y: AxisPayload; min: number | null; max: number | null }
  | { kind: "value"; value: number };

function traceAndLayout(sh: Shown, title: string, quantity: string): { data: { [k: string]: unknown }[]; layout: { [k: string]: unknown } } {
  const layout = baseLayout(title);
  if (sh.kind === "line") {
    return {
      data: [{ type: "scatter", mode: "lines", x: axisValues(sh.x, sh.y.length), y: sh.y, line: { color: COLORS.line, width: 1.5 }, hovertemplate: "%{x}<br>%{y}<extra></extra>" }],
      layout: { ...layout, xaxis: { title: { text: plotText(axisTitle(sh.x)) }, zeroline: false }, yaxis: { title: { text: plotText(quantity || "Intensity") }, zeroline: false } },
    };
  }
  if (sh.kind === "image") {
    const ny = sh.z.length;
    const nx = ny ? sh.z[0].length : 0;
    const sameUnits = (sh.x.units ?? "") === (sh.y.units ?? "");
    return {
      data: [
        {
          type: "heatmap",
          x: axisValues(sh.x, nx),
          y: axisValues(sh.y, ny),
          z: sh.z,
          zmin: sh.min ?? undefined,
          zmax: sh.max ?? undefined,
          colorscale: "Viridis",
          colorbar: { thickness: 12, title: { text: plotText(quantity), side: "right" } },
          hovertemplate: "%{x}, %{y}<br>%{z}<extra></extra>",
        },
      ],
      layout: {
        ...layout,
        xaxis: { title: { text: plotText(axisTitle(sh.x)) }, constrain: "domain", showgrid: false, zeroline: false },
        yaxis: { title: { text: plotText(axisTitle(sh.y)) }, autorange: "reversed", showgrid: false, zeroline: false, ...(sameUnits ? { scaleanchor: "x", constrain: "domain" } : {}) },
      },
    };
  }
  return { data: [], layout };
}

/** The signal at navigation indices (natural order, full resolution), from what the payload has. */
interface SignalAt {
  shown: Shown;
  /** "" when exact, else how the values were binned. */
  binned: string;
}

/** A navigation position as text: "x = 3 (1.5 nm), y = 2 (1 nm)". */
function where(axes: AxisPayload[], idx: number[]): string {
  return idx.map((i, k) => `${axes[k].label || axes[k].name || `axis ${k}`} = ${i}${axes[k].units ? ` (${formatNumber(axisValue(axes[k], i))} ${axes[k].units})` : ""}`).join(", ");
}

/**
 * The view of one payload: header, navigator with sliders, signal plot, status. Built as DOM
 * first (with the PNG as a placeholder), then `draw()` adds the plotly plots.
 */
export class SignalView {
  readonly node: HTMLElement;
  /** Navigation indices shown (natural order, full resolution). */
  indices: number[];
  private p: SignalPayload;
  private readonly navDim: number;
  private readonly data: Decoded | null;
  private readonly current: Decoded | null;
  private navigator: Decoded | null;
  /** The exact signal the kernel sent for `liveAt.indices`. */
  private liveAt: { indices: number[]; data: Decoded; axes: AxisPayload[]; factors: number[]; ms: number; rtt: number; cached: boolean } | null = null;
  private link: LiveLink | null = null;
  private liveNote = "";
  private Plotly: PlotlyStatic | null = null;
  private navDiv: HTMLDivElement | null = null;
  private sigDiv: HTMLDivElement;
  private status: HTMLElement;
  private sliders: { input: HTMLInputElement; label: HTMLElement }[] = [];
  private placeholder: HTMLElement | null = null;
  private disposed = false;

  constructor(p: SignalPayload, png: { src: string; width?: number; height?: number } | null) {
    this.p = p;
    this.navDim = p.navigationShape.length;
    this.data = p.data ? decodeArray(p.data, "data") : null;
    this.current = p.current ? decodeArray(p.current.data, "current") : null;
    this.navigator = p.navigator ? decodeArray(p.navigator.data, "navigator") : null;
    this.indices = p.current && Array.isArray(p.current.indices) && p.current.indices.length === this.navDim ? p.current.indices.slice() : new Array<number>(this.navDim).fill(0);

    const dims = `${formatShape(p.navigationShape).slice(1, -1).replace(/,$/, "")}|${formatShape(p.signalShape).slice(1, -1).replace(/,$/, "")}`;
    const header = h(
      "div",
      { class: "hsts-header" },
      h("span", { class: "hsts-class" }, p.className),
      p.title ? h("span", { class: "hsts-title" }, p.title) : null,
      h("span", { class: "hsts-dims" }, `(${dims})`),
      h("span", { class: "hsts-tag" }, p.dtype),
      p.signalType ? h("span", { class: "hsts-tag" }, p.signalType) : null,
    );
    const notes = h("div", { class: "hsts-notes" });
    if (p.downsampled) {
      const f = p.downsampled.factors;
      const navF = f.slice(0, this.navDim);
      const sigF = f.slice(this.navDim);
      const parts: string[] = [];
      if (navF.some((x) => x > 1)) parts.push(`navigation binned ${navF.join("×")}`);
      if (sigF.some((x) => x > 1)) parts.push(`signal binned ${sigF.join("×")}`);
      notes.append(
        h("div", { class: "hsts-note hsts-downsampled" }, `Downsampled to fit the display budget (${formatBytes(p.budget.maxBytes)} of ${formatBytes(p.downsampled.fullBytes)}): ${parts.join(", ")} (mean of each bin).`),
      );
    }
    if (p.note) notes.append(h("div", { class: "hsts-note" }, p.note));

    this.status = h("div", { class: "hsts-status" });
    this.sigDiv = h("div", { class: "hsts-plot hsts-signal-plot" });
    const panels = h("div", { class: "hsts-panels" });
    if (this.navDim > 0) {
      if (this.navigator && p.navigator) this.navDiv = h("div", { class: "hsts-plot hsts-navigator" });
      const sliders = h("div", { class: "hsts-sliders" });
      p.axes.slice(0, this.navDim).forEach((a, k) => {
        const size = a.size ?? 1;
        const input = h("input", { type: "range", min: 0, max: Math.max(0, size - 1), step: 1, value: this.indices[k], "aria-label": a.label || `axis ${k}`, "data-axis": k });
        const label = h("span", { class: "hsts-slider-label" });
        input.addEventListener("input", () => {
          const next = this.indices.slice();
          next[k] = Number(input.value);
          void this.select(next);
        });
        sliders.append(h("label", { class: "hsts-slider" }, label, input));
        this.sliders.push({ input, label });
      });
      panels.append(h("div", { class: `hsts-panel hsts-nav-panel${this.navDiv ? "" : " hsts-sliders-only"}` }, this.navDiv, sliders));
    }
    panels.append(h("div", { class: "hsts-panel hsts-sig-panel" }, this.status, this.sigDiv));

    this.node = h("div", { class: "hsts-signal", "data-state": "loading" }, header, notes);
    if (p.live && typeof p.live.plotId === "string" && typeof p.live.target === "string" && this.navDim > 0) {
      this.link = new LiveLink(p.live, this.node, (r, rtt) => this.onReply(r, rtt), () => this.updateText());
      this.node.dataset.live = "idle";
    }
    if (png) {
      const img = h("img", { class: "hsts-png", src: png.src, alt: "static plot (shown until the interactive plot has loaded)" });
      if (png.width) img.style.width = `${png.width}px`;
      this.placeholder = h("div", { class: "hsts-placeholder" }, img);
      this.node.append(this.placeholder);
      panels.classList.add("hsts-hidden");
    }
    this.node.append(panels);
    this.updateText();
  }

  /** The navigator as a plot: a heatmap (2+ navigation axes) or a line (1). */
  private navigatorPlot(): { data: { [k: string]: unknown }[]; layout: { [k: string]: unknown } } {
    const nav = this.p.navigator!;
    const d = this.navigator!;
    const extra = nav.fixed.length ? ` (${nav.fixed.map((f) => `${this.p.axes[f.axis]?.label ?? f.axis} = ${f.index}`).join(", ")})` : "";
    const title = nav.method === "data" ? "Navigator: the data" : `${this.p.signalShape.length ? "Navigator: sum over the signal" : "Values"}${extra}`;
    const sh: Shown =
      d.shape.length >= 2
        ? { kind: "image", z: rows(d.values, 0, d.shape[0], d.shape[1]), x: nav.axes[0], y: nav.axes[1], min: d.min, max: d.max }
        : { kind: "line", y: line(d.values, 0, d.shape[0] ?? 1), x: nav.axes[0] };
    const tl = traceAndLayout(sh, title, nav.method === "data" ? this.p.quantity : "sum");
    // dragging over the navigator moves the pixel (no zoom box)
    tl.layout.dragmode = false;
    if (sh.kind === "image") (tl.data[0] as { colorbar?: unknown }).colorbar = { thickness: 10 };
    tl.layout.shapes = this.cursorShapes();
    // a line navigator: a click anywhere above a position selects it (not only on the line)
    if (sh.kind === "line") tl.layout.hovermode = "x";
    return tl;
  }

  /** The red cursor on the navigator: the (binned) navigator pixel that holds the indices. */
  private cursorShapes(): { [k: string]: unknown }[] {
    const nav = this.p.navigator;
    if (!nav) return [];
    const bin = (k: number) => Math.floor(this.indices[k] / (nav.factors[k] || 1));
    if (nav.method === "data") {
      // rows are the navigation axis: a line across the row of the pixel
      const ay = nav.axes[1];
      const y = axisValue(ay, Math.floor(this.indices[0] / (nav.factors[1] || 1)));
      return [{ type: "rect", xref: "paper", yref: "y", x0: 0, x1: 1, y0: y - ay.scale / 2, y1: y + ay.scale / 2, line: { color: COLORS.cursor, width: 2 } }];
    }
    const ax = nav.axes[0];
    const x = axisValue(ax, bin(0));
    if (nav.axes.length >= 2 && this.navigator && this.navigator.shape.length >= 2) {
      const ay = nav.axes[1];
      const y = axisValue(ay, bin(1));
      return [{ type: "rect", xref: "x", yref: "y", x0: x - ax.scale / 2, x1: x + ax.scale / 2, y0: y - ay.scale / 2, y1: y + ay.scale / 2, line: { color: COLORS.cursor, width: 2 } }];
    }
    return [{ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: { color: COLORS.cursor, width: 2 } }];
  }

  /** The signal at `idx` from `current` (exact) when it is that pixel, else from `data`. */
  signalAt(idx: number[]): SignalAt | null {
    const p = this.p;
    const nd = this.navDim;
    const sigDim = p.signalShape.length;
    const same = p.current && this.current && p.current.indices.length === idx.length && p.current.indices.every((v, k) => v === idx[k]);
    const live = this.liveAt && this.liveAt.indices.every((v, k) => v === idx[k]) ? this.liveAt : null;
    let src: Decoded;
    let offset = 0;
    let axes: AxisPayload[];
    let binned = "";
    if (live) {
      src = live.data;
      axes = live.axes;
      if (live.factors.some((x) => x > 1)) binned = `signal binned ${live.factors.join("×")} (mean)`;
    } else if (same && p.current && this.current) {
      src = this.current;
      axes = p.current.axes;
      const f = p.current.factors;
      if (f.some((x) => x > 1)) binned = `signal binned ${f.join("×")} (mean)`;
    } else {
      if (!this.data || !p.data) return null;
      src = this.data;
      axes = p.dataAxes.slice(nd);
      const f = p.downsampled ? p.downsampled.factors : p.axes.map(() => 1);
      const shape = src.shape;
      let stride = shape.slice(nd).reduce((a, b) => a * b, 1);
      for (let j = nd - 1; j >= 0; j--) {
        const k = nd - 1 - j; // array axis j holds natural navigation axis k
        offset += Math.min(shape[j] - 1, Math.floor(idx[k] / (f[k] || 1))) * stride;
        stride *= shape[j];
      }
      const navF = f.slice(0, nd);
      const sigF = f.slice(nd);
      const parts: string[] = [];
      if (navF.some((x) => x > 1)) parts.push(`mean of the ${navF.join("×")} navigation pixels of its bin`);
      if (sigF.some((x) => x > 1)) parts.push(`signal binned ${sigF.join("×")}`);
      binned = parts.join(", ");
    }
    const sh = src.shape.slice(src.shape.length - sigDim);
    if (sigDim === 0) return { shown: { kind: "value", value: src.values[offset] }, binned };
    if (sigDim === 1) return { shown: { kind: "line", y: line(src.values, offset, sh[0]), x: axes[0] }, binned };
    // images: the last two array axes (signal x, y); further signal axes at index 0
    const ny = sh[sh.length - 2];
    const nx = sh[sh.length - 1];
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < nx * ny; i++) {
      const v = src.values[offset + i];
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return { shown: { kind: "image", z: rows(src.values, offset, ny, nx), x: axes[0], y: axes[1], min: min <= max ? min : null, max: min <= max ? max : null }, binned };
  }

  private signalPlot(): { data: { [k: string]: unknown }[]; layout: { [k: string]: unknown } } | null {
    const at = this.signalAt(this.indices);
    if (!at || at.shown.kind === "value") return null;
    const p = this.p;
    const title = this.navDim > 0 ? "Signal" : p.title || p.className;
    const extra = p.signalShape.length > 2 ? ` (${p.axes.slice(this.navDim + 2).map((a) => `${a.label} = 0`).join(", ")})` : "";
    // an image keeps its aspect ratio: no wider than its height allows (plus margins and colour bar)
    const sh = at.shown;
    if (sh.kind === "image" && sh.z.length) {
      const sameUnits = (sh.x.units ?? "") === (sh.y.units ?? "");
      const nx = sh.z[0].length;
      const ny = sh.z.length;
      const aspect = sameUnits ? Math.abs((sh.x.scale * nx) / (sh.y.scale * ny || 1)) : nx / ny;
      const area = PLOT_HEIGHT - 36 - 48;
      this.sigDiv.style.maxWidth = `${Math.round(Math.max(320, Math.min(4, aspect) * area + 60 + 20 + 90))}px`;
    } else this.sigDiv.style.maxWidth = "";
    return traceAndLayout(sh, title + extra, p.quantity);
  }

  /** Texts that follow the indices: sliders, status line. */
  private updateText(): void {
    const p = this.p;
    const navAxes = p.axes.slice(0, this.navDim);
    this.sliders.forEach(({ input, label }, k) => {
      input.value = String(this.indices[k]);
      label.textContent = where([navAxes[k]], [this.indices[k]]);
    });
    if (this.link) this.node.dataset.live = this.link.state;
    const at = this.signalAt(this.indices);
    const parts: string[] = [];
    if (this.navDim > 0) parts.push(`At ${where(navAxes, this.indices)}`);
    if (at && at.shown.kind === "value") parts.push(`value ${formatNumber(at.shown.value)}`);
    const live = this.liveAt && this.liveAt.indices.every((v, k) => v === this.indices[k]) ? this.liveAt : null;
    const asking = this.link !== null && this.link.pending && !live;
    if (live) {
      const how = this.link?.live.lazy ? (live.cached ? ", its chunk cached" : ", its chunk read") : "";
      parts.push(`exact values from the kernel (${Math.round(live.rtt)} ms${how})${at && at.binned ? `, ${at.binned}` : ""}`);
    } else if (asking) {
      parts.push(at ? `asking the kernel; shown meanwhile: ${at.binned || "exact values"}` : "asking the kernel for this pixel…");
    } else if (!at) {
      if (!p.data && p.current) parts.push(`the payload holds the signal only at ${where(navAxes, p.current.indices)}`);
      else if (!p.data) parts.push(p.note || "No values in the payload.");
    } else if (at.binned) {
      parts.push(`shown: ${at.binned}`);
      if (p.current && this.navDim > 0 && p.downsampled && p.downsampled.factors.slice(0, this.navDim).some((x) => x > 1)) {
        parts.push(`the payload holds the exact signal only at ${where(navAxes, p.current.indices)}`);
      }
    } else if (this.navDim > 0) parts.push("exact values");
    if (this.link && this.link.state === "off" && this.link.reason) parts.push(`not live: ${this.link.reason}`);
    if (this.liveNote) parts.push(this.liveNote);
    const fixed = p.navigator ? p.navigator.fixed.filter((f) => this.indices[f.axis] !== f.index) : [];
    if (fixed.length) parts.push(`the navigator image is at ${fixed.map((f) => `${p.axes[f.axis].label} = ${f.index}`).join(", ")}`);
    this.status.textContent = parts.join("; ");
    this.status.dataset.indices = this.indices.join(",");
    this.status.dataset.source = live ? "kernel" : asking ? "asking" : at ? (at.binned ? "binned" : "exact") : "none";
  }

  /** A reply from the kernel: the exact signal at a pixel, or the navigator at other extra indices. */
  private onReply(r: PlotReply, rtt: number): void {
    if (this.disposed) return;
    if (r.type === "error") {
      this.liveNote = `the kernel could not answer: ${r.message}`;
      this.updateText();
      return;
    }
    this.liveNote = "";
    if (r.type === "signal") {
      let data: Decoded;
      try {
        data = decodeArray(r.data, "signal");
      } catch (e) {
        this.liveNote = `bad reply from the kernel: ${e instanceof Error ? e.message : String(e)}`;
        this.updateText();
        return;
      }
      this.liveAt = { indices: r.indices.slice(), data, axes: r.axes, factors: r.factors, ms: r.ms, rtt, cached: r.cached };
      this.updateText();
      if (r.indices.every((v, k) => v === this.indices[k])) void this.redrawSignal();
      return;
    }
    if (r.type === "navigator" && this.p.navigator) {
      try {
        this.navigator = decodeArray(r.navigator.data, "navigator");
      } catch {
        return;
      }
      this.p = { ...this.p, navigator: r.navigator };
      this.updateText();
      void this.redrawNavigator();
    }
  }

  private async redrawSignal(): Promise<void> {
    const Plotly = this.Plotly;
    if (!Plotly || this.disposed) return;
    const sp = this.signalPlot();
    if (sp) {
      this.sigDiv.classList.remove("hsts-hidden");
      await Plotly.react(this.sigDiv, sp.data, sp.layout, CONFIG);
    }
    this.node.dataset.drawn = this.indices.join(",");
  }

  private async redrawNavigator(): Promise<void> {
    const Plotly = this.Plotly;
    if (!Plotly || this.disposed || !this.navDiv) return;
    const nv = this.navigatorPlot();
    await Plotly.react(this.navDiv, nv.data, nv.layout, { ...CONFIG, displayModeBar: false });
  }

  /** The navigation indices under a navigator point (plotly's x, y in axis units). */
  private indicesAt(px: unknown, py: unknown): number[] | null {
    const next = this.indices.slice();
    const x = Number(px);
    const y = Number(py);
    if (this.p.navigator?.method === "data") {
      if (!Number.isFinite(y)) return null;
      next[0] = axisIndex(this.p.axes[0], y, this.p.axes[0].size ?? 1);
      return next;
    }
    if (Number.isFinite(x)) next[0] = axisIndex(this.p.axes[0], x, this.p.axes[0].size ?? 1);
    if (this.navDim >= 2 && this.navigator && this.navigator.shape.length >= 2 && Number.isFinite(y)) next[1] = axisIndex(this.p.axes[1], y, this.p.axes[1].size ?? 1);
    return next;
  }

  /** Draws the plots (imports plotly on the first call). */
  async draw(): Promise<void> {
    try {
      this.Plotly = await loadPlotly();
    } catch (e) {
      this.node.dataset.state = "error";
      this.node.append(h("div", { class: "hsts-error" }, `The interactive plot could not be loaded (plotly: ${String(e instanceof Error ? e.message : e)}); the static plot is shown instead.`));
      return;
    }
    if (this.disposed) return;
    const Plotly = this.Plotly;
    // show the panels before plotting so that plotly measures their width
    if (this.placeholder) {
      this.placeholder.remove();
      this.placeholder = null;
      this.node.querySelector(".hsts-panels")?.classList.remove("hsts-hidden");
    }
    if (this.navDiv) {
      const nv = this.navigatorPlot();
      // no mode bar on the narrow navigator: it would cover the title; clicks are what it is for
      const div = (await Plotly.newPlot(this.navDiv, nv.data, nv.layout, { ...CONFIG, displayModeBar: false })) as PlotlyDiv;
      // a drag ends with a plotly click at where it started: ignored
      let dragged = false;
      div.on("plotly_click", (ev) => {
        if (dragged) return;
        const pt = ev.points && ev.points[0];
        const next = pt ? this.indicesAt(pt.x, pt.y) : null;
        if (next) void this.select(next);
      });
      // dragging with the button held moves the pixel as the mouse goes (plotly sends no hover
      // events while a button is down: the pointer position is mapped with plotly's axes)
      const follow = (e: MouseEvent) => {
        if ((e.buttons & 1) === 0) return;
        const fl = (div as unknown as { _fullLayout?: { xaxis?: PlotlyAxis; yaxis?: PlotlyAxis } })._fullLayout;
        if (!fl || !fl.xaxis || !fl.yaxis || typeof fl.xaxis.p2l !== "function" || typeof fl.yaxis.p2l !== "function") return;
        const r = div.getBoundingClientRect();
        const next = this.indicesAt(fl.xaxis.p2l(e.clientX - r.left - fl.xaxis._offset), fl.yaxis.p2l(e.clientY - r.top - fl.yaxis._offset));
        if (next && next.some((v, k) => v !== this.indices[k])) {
          dragged = true;
          void this.select(next);
        }
      };
      // plotly covers the page while a button is down: follow the pointer on the window until it is released
      div.addEventListener("pointerdown", () => {
        dragged = false;
        const stop = () => {
          setTimeout(() => (dragged = false), 0);
          window.removeEventListener("pointermove", follow, true);
          window.removeEventListener("pointerup", stop, true);
        };
        window.addEventListener("pointermove", follow, true);
        window.addEventListener("pointerup", stop, true);
      }, true);
    }
    const sp = this.signalPlot();
    if (sp) await Plotly.newPlot(this.sigDiv, sp.data, sp.layout, CONFIG);
    else this.sigDiv.classList.add("hsts-hidden");
    this.node.dataset.state = "ready";
  }

  /** Shows the signal at other navigation indices (natural order, full resolution). */
  async select(indices: number[]): Promise<void> {
    const clamped = indices.map((v, k) => Math.min(Math.max(0, Math.round(v)), (this.p.axes[k].size ?? 1) - 1));
    if (clamped.every((v, k) => v === this.indices[k])) return;
    const extraChanged = this.navDim > 2 && clamped.slice(2).some((v, k) => v !== this.indices[k + 2]);
    this.indices = clamped;
    // live: ask the kernel for the exact signal (and the navigator when the extra axes moved)
    if (this.link) {
      const have = this.liveAt && this.liveAt.indices.every((v, k) => v === clamped[k]);
      if (!have) this.link.request({ type: "signal", indices: clamped });
      if (extraChanged && this.p.navigator && this.p.navigator.method === "sum" && this.p.navigator.fixed.length) this.link.request({ type: "navigator", indices: clamped });
    }
    this.updateText();
    const Plotly = this.Plotly;
    if (!Plotly || this.disposed) return;
    if (this.navDiv) await Plotly.relayout(this.navDiv, { shapes: this.cursorShapes() });
    const sp = this.signalPlot();
    if (sp) {
      await Plotly.react(this.sigDiv, sp.data, sp.layout, CONFIG);
      this.node.dataset.drawn = this.indices.join(",");
    }
  }

  /** Fits the plots to their containers (after attach, or when the output area changes width). */
  resize(): void {
    const Plotly = this.Plotly;
    if (!Plotly || this.disposed) return;
    for (const div of [this.navDiv, this.sigDiv]) {
      if (div && div.isConnected && div.offsetWidth > 0 && div.classList.contains("js-plotly-plot")) void Plotly.Plots.resize(div);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.link?.dispose();
    if (this.Plotly) for (const div of [this.navDiv, this.sigDiv]) if (div) this.Plotly.purge(div);
  }
}

/** The bundle's PNG as an <img> source (only a base64 string is accepted). */
export function pngSource(data: unknown, metadata: unknown): { src: string; width?: number; height?: number } | null {
  if (typeof data !== "string" || !/^[A-Za-z0-9+/=\s]+$/.test(data)) return null;
  const md = isObject(metadata) ? metadata : {};
  const width = typeof md.width === "number" && md.width > 0 ? md.width : undefined;
  const height = typeof md.height === "number" && md.height > 0 ? md.height : undefined;
  return { src: `data:image/png;base64,${data.replace(/\s/g, "")}`, width, height };
}
