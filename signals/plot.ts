/**
 * Static plots of computed signals as SVG documents (rendered to PNG by plot-png.ts): a line plot
 * for 1-D data, a heatmap with a colour bar for 2-D data, side by side for a navigator and the
 * signal at the current pixel. Axes are in axis units, labelled "name (units)", as HyperSpy's
 * matplotlib plots. Pure functions of plain numbers: nothing here knows about signals.
 */
import { FONT_FAMILY, encodeRGB } from "./plot-png";

/** A uniform axis: value(i) = offset + scale * i, for i in 0..size-1. */
export interface PlotAxis {
  /** "name (units)". */
  label: string;
  offset: number;
  scale: number;
  size: number;
}

export interface LinePanel {
  kind: "line";
  title: string;
  x: PlotAxis;
  /** One value per x index (NaN leaves a gap). */
  y: ArrayLike<number>;
  yLabel: string;
  /** Index on x to mark with a vertical red line (the current navigation pixel). */
  marker?: number;
}

export interface ImagePanel {
  kind: "image";
  title: string;
  /** Columns. */
  x: PlotAxis;
  /** Rows (row 0 at the top, as HyperSpy's imshow). */
  y: PlotAxis;
  /** rows * cols values, row-major (NaN shows grey). */
  values: ArrayLike<number>;
  /** Label of the colour bar. */
  colorbarLabel?: string;
  /** [column, row] to outline in red (the current navigation pixel). */
  marker?: [number, number];
}

export type Panel = LinePanel | ImagePanel;

export interface Figure {
  svg: string;
  /** Size in CSS pixels. */
  width: number;
  height: number;
}

const TICK_FONT = 11;
const LABEL_FONT = 12;
const TITLE_FONT = 13;
const FIG_TITLE_FONT = 14;
const LINE_COLOR = "#1f77b4";
const MARK_COLOR = "#d62728";
const NAN_COLOR: [number, number, number] = [221, 221, 221];

/** Approximate width of `text` in px (DejaVu Sans: digits are 0.64 em, letters about 0.6). */
function textWidth(text: string, size: number): number {
  return text.length * size * 0.64;
}

export function escapeXML(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** `text` cut with an ellipsis to fit `width` px. */
function fit(text: string, width: number, size: number): string {
  if (textWidth(text, size) <= width) return text;
  const n = Math.max(1, Math.floor(width / (size * 0.64)) - 1);
  return text.slice(0, n) + "…";
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/\.?0+$/, "");
}

function text(x: number, y: number, s: string, size: number, opts: { anchor?: "start" | "middle" | "end"; rotate?: boolean; weight?: string; baseline?: "middle" | "hanging" } = {}): string {
  const attrs = [`x="${num(x)}"`, `y="${num(y)}"`, `font-size="${size}"`];
  if (opts.anchor && opts.anchor !== "start") attrs.push(`text-anchor="${opts.anchor}"`);
  if (opts.weight) attrs.push(`font-weight="${opts.weight}"`);
  if (opts.baseline === "middle") attrs.push(`dominant-baseline="central"`);
  if (opts.rotate) attrs.push(`transform="rotate(-90 ${num(x)} ${num(y)})"`);
  return `<text ${attrs.join(" ")}>${escapeXML(s)}</text>`;
}

// ------------------------------------------------------------------------------------------------
// Ticks

/** "Nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 6, minStep = 0): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  // a range too small for the values' precision (e.g. two sums equal up to rounding): one tick.
  // Without this, k * step below would run over ~1e16 integers that k++ can no longer count.
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo <= scale * 1e-9) {
    return { ticks: [(lo + hi) / 2], step: scale > 0 && Number.isFinite(scale) ? 10 ** (Math.floor(Math.log10(scale)) - 3) : 1 };
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  // never finer than minStep (an image's pixel size: no ticks between pixel centres)
  if (minStep > 0 && step < minStep * (1 - 1e-9)) {
    const m = 10 ** Math.floor(Math.log10(minStep));
    const n = minStep / m;
    step = (n <= 1 + 1e-9 ? 1 : n <= 2 + 1e-9 ? 2 : n <= 5 + 1e-9 ? 5 : 10) * m;
  }
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last; k++) ticks.push(k * step);
  return { ticks, step };
}

/** Tick label text for value `v` on a scale of tick spacing `step`. */
export function formatTick(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-9) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || (a < 1e-3 && a > 0) || step < 1e-4) {
    const digits = Math.max(0, Math.min(6, Math.floor(Math.log10(a)) - Math.floor(Math.log10(step))));
    return v
      .toExponential(digits)
      .replace(/\.?0+e/, "e")
      .replace("e+", "e");
  }
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** Finite min and max of `v` (null when none). */
export function finiteRange(v: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  // NaN never compares; infinities are excluded below
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (Number.isFinite(x)) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** A data range with some room, never empty. */
function padRange(r: [number, number] | null, pad = 0.05): [number, number] {
  if (!r) return [0, 1];
  let [lo, hi] = r;
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  lo -= d;
  hi += d;
  return [lo, hi];
}

// ------------------------------------------------------------------------------------------------
// Colour map (viridis, 11 key colours interpolated)

const VIRIDIS = [
  [68, 1, 84],
  [72, 36, 117],
  [65, 68, 135],
  [53, 95, 141],
  [42, 120, 142],
  [33, 145, 140],
  [34, 168, 132],
  [68, 191, 112],
  [122, 209, 81],
  [189, 223, 38],
  [253, 231, 37],
];

/** Viridis colour of t in [0, 1]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

function hex([r, g, b]: [number, number, number]): string {
  return "#" + [r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("");
}

// ------------------------------------------------------------------------------------------------
// Panels

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Axis frame, ticks and labels around `area`; returns SVG. */
function axesFrame(area: Box, xr: [number, number], yr: [number, number], xLabel: string, yLabel: string, yDown: boolean, minStep: [number, number] = [0, 0]): string {
  const out: string[] = [];
  const { ticks: xt, step: xs } = niceTicks(xr[0], xr[1], Math.max(2, Math.floor(area.w / 80)), minStep[0]);
  const { ticks: yt, step: ys } = niceTicks(yr[0], yr[1], Math.max(2, Math.floor(area.h / 45)), minStep[1]);
  const px = (v: number) => area.x + ((v - xr[0]) / (xr[1] - xr[0])) * area.w;
  const py = (v: number) => (yDown ? area.y + ((v - yr[0]) / (yr[1] - yr[0])) * area.h : area.y + area.h - ((v - yr[0]) / (yr[1] - yr[0])) * area.h);
  out.push(`<rect x="${num(area.x)}" y="${num(area.y)}" width="${num(area.w)}" height="${num(area.h)}" fill="none" stroke="#333" stroke-width="1"/>`);
  const tickPaths: string[] = [];
  for (const v of xt) {
    const x = px(v);
    tickPaths.push(`M${num(x)} ${num(area.y + area.h)}v4`);
    out.push(text(x, area.y + area.h + 6 + TICK_FONT, formatTick(v, xs), TICK_FONT, { anchor: "middle" }));
  }
  let maxY = 0;
  for (const v of yt) {
    const y = py(v);
    const s = formatTick(v, ys);
    maxY = Math.max(maxY, textWidth(s, TICK_FONT));
    tickPaths.push(`M${num(area.x)} ${num(y)}h-4`);
    out.push(text(area.x - 7, y, s, TICK_FONT, { anchor: "end", baseline: "middle" }));
  }
  out.push(`<path d="${tickPaths.join("")}" stroke="#333" stroke-width="1"/>`);
  if (xLabel) out.push(text(area.x + area.w / 2, area.y + area.h + 10 + TICK_FONT + LABEL_FONT + 2, fit(xLabel, area.w + 40, LABEL_FONT), LABEL_FONT, { anchor: "middle" }));
  if (yLabel) out.push(text(area.x - 12 - maxY - 4, area.y + area.h / 2, fit(yLabel, area.h, LABEL_FONT), LABEL_FONT, { anchor: "middle", rotate: true }));
  return out.join("");
}

/** Width the y tick labels of range `yr` need over a plot of height h. */
function yLabelsWidth(yr: [number, number], h: number, minStep = 0): number {
  const { ticks, step } = niceTicks(yr[0], yr[1], Math.max(2, Math.floor(h / 45)), minStep);
  return Math.max(...ticks.map((t) => textWidth(formatTick(t, step), TICK_FONT)), 10);
}

const TITLED = 24; // panel title band
const UNTITLED = 8;
const BOTTOM = 14 + TICK_FONT + LABEL_FONT + 8;

function axisValues(a: PlotAxis): [number, number] {
  const v0 = a.offset;
  const v1 = a.offset + a.scale * Math.max(0, a.size - 1);
  return v0 <= v1 ? [v0, v1] : [v1, v0];
}

/** A panel laid out at its size; `render` draws it with its top-left corner at (ox, oy). */
interface Laid {
  w: number;
  h: number;
  render(ox: number, oy: number): string;
}

function linePanel(p: LinePanel, w: number, h: number): Laid {
  const n = Math.min(p.x.size, p.y.length);
  const yr = padRange(finiteRange(p.y));
  let xr = axisValues(p.x);
  if (xr[0] === xr[1]) xr = [xr[0] - 0.5, xr[1] + 0.5];
  const top = p.title ? TITLED : UNTITLED;
  const left = 12 + LABEL_FONT + yLabelsWidth(yr, h - top - BOTTOM) + 6;
  const render = (ox: number, oy: number): string => {
    const area: Box = { x: ox + left, y: oy + top, w: w - left - 16, h: h - top - BOTTOM };
    const out: string[] = [];
    if (p.title) out.push(text(area.x + area.w / 2, oy + top - 8, fit(p.title, w - 10, TITLE_FONT), TITLE_FONT, { anchor: "middle" }));
    const px = (v: number) => area.x + ((v - xr[0]) / (xr[1] - xr[0])) * area.w;
    const py = (v: number) => area.y + area.h - ((v - yr[0]) / (yr[1] - yr[0])) * area.h;
    const xAt = (i: number) => px(p.x.offset + p.x.scale * i);
    // one path with gaps at non-finite values; beyond 2 points per px, per pixel column the first,
    // smallest, largest and last point in index order (M4 aggregation: the drawing is unchanged)
    const d: string[] = [];
    let pen = false;
    // a point with no neighbour draws nothing as a path: it gets a dot
    let lonely: [number, number] | null = null;
    const dots: [number, number][] = [];
    const point = (i: number) => {
      const v = p.y[i];
      if (!Number.isFinite(v)) {
        if (lonely) dots.push(lonely);
        lonely = null;
        pen = false;
        return;
      }
      const x = xAt(i);
      const y = py(v);
      lonely = pen ? null : [x, y];
      d.push(`${pen ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`);
      pen = true;
    };
    if (n > area.w * 2) {
      const cols = Math.floor(area.w);
      for (let c = 0; c < cols; c++) {
        const i0 = Math.floor((c * n) / cols);
        const i1 = Math.max(i0 + 1, Math.floor(((c + 1) * n) / cols));
        let lo = -1;
        let hi = -1;
        for (let i = i0; i < i1; i++) {
          const v = p.y[i];
          if (!Number.isFinite(v)) {
            // a gap inside the column: draw what came before it, then break the line
            if (lo >= 0) [...new Set([lo, hi].sort((a, b) => a - b))].forEach(point);
            point(i);
            lo = hi = -1;
            continue;
          }
          if (lo < 0 || v < p.y[lo]) lo = i;
          if (hi < 0 || v > p.y[hi]) hi = i;
        }
        const picks = new Set([i0, i1 - 1]);
        if (lo >= 0) {
          picks.add(lo);
          picks.add(hi);
        }
        [...picks].sort((a, b) => a - b).forEach(point);
      }
    } else {
      for (let i = 0; i < n; i++) point(i);
    }
    if (lonely) dots.push(lonely);
    const clip = `clip${ox}_${oy}`;
    for (const [x, y] of dots) out.push(`<circle cx="${num(x)}" cy="${num(y)}" r="2.5" fill="${LINE_COLOR}" clip-path="url(#${clip})"/>`);
    out.push(`<clipPath id="${clip}"><rect x="${num(area.x)}" y="${num(area.y)}" width="${num(area.w)}" height="${num(area.h)}"/></clipPath>`);
    out.push(`<path d="${d.join("")}" fill="none" stroke="${LINE_COLOR}" stroke-width="1.5" stroke-linejoin="round" clip-path="url(#${clip})"/>`);
    if (p.marker !== undefined) {
      const x = xAt(p.marker);
      out.push(`<line x1="${num(x)}" y1="${num(area.y)}" x2="${num(x)}" y2="${num(area.y + area.h)}" stroke="${MARK_COLOR}" stroke-width="1.5"/>`);
    }
    out.push(axesFrame(area, xr, yr, p.x.label, p.yLabel, false));
    return out.join("");
  };
  return { w, h, render };
}

/** Image area size for `p` within max w x h: aspect from the axes' extents when their units agree. */
function imageSize(p: ImagePanel, maxW: number, maxH: number, sameUnits: boolean): [number, number] {
  const cols = Math.max(1, p.x.size);
  const rows = Math.max(1, p.y.size);
  let aspect = rows / cols; // height / width
  if (sameUnits && p.x.scale !== 0 && p.y.scale !== 0) aspect = (rows * Math.abs(p.y.scale)) / (cols * Math.abs(p.x.scale));
  aspect = Math.min(4, Math.max(0.25, aspect));
  let w = maxW;
  let h = w * aspect;
  if (h > maxH) {
    h = maxH;
    w = h / aspect;
  }
  return [Math.round(w), Math.round(h)];
}

function colourise(values: ArrayLike<number>, lo: number, hi: number): Uint8Array {
  const rgb = new Uint8Array(values.length * 3);
  const span = hi - lo || 1;
  const lut = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) lut.set(viridis(k / 255), k * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      rgb.set(NAN_COLOR, i * 3);
      continue;
    }
    const k = Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)));
    rgb[i * 3] = lut[k * 3];
    rgb[i * 3 + 1] = lut[k * 3 + 1];
    rgb[i * 3 + 2] = lut[k * 3 + 2];
  }
  return rgb;
}

const CBAR_W = 14;

/** An image panel that fits in maxW x maxH, shrunk to its content. */
function imagePanel(p: ImagePanel, maxW: number, maxH: number): Laid {
  const cols = p.x.size;
  const rows = p.y.size;
  const range = finiteRange(p.values);
  const [lo, hi] = range ? (range[0] === range[1] ? [range[0] - 0.5, range[1] + 0.5] : range) : [0, 1];
  const { ticks: ct, step: cs } = niceTicks(lo, hi, 5);
  const cbarLabels = Math.max(...ct.map((t) => textWidth(formatTick(t, cs), TICK_FONT)), 10);
  // pixel edges as the axis ranges (matplotlib's extent), y increasing downwards
  const edges = (a: PlotAxis): [number, number] => {
    const s = a.scale || 1;
    return [a.offset - s / 2, a.offset + s * (a.size - 0.5)];
  };
  const xr = edges(p.x);
  const yr = edges(p.y);
  const xAsc: [number, number] = xr[0] <= xr[1] ? xr : [xr[1], xr[0]];
  const yAsc: [number, number] = yr[0] <= yr[1] ? yr : [yr[1], yr[0]];
  const top = p.title ? TITLED : UNTITLED;
  const left = 12 + LABEL_FONT + yLabelsWidth(yAsc, maxH - top - BOTTOM, Math.abs(p.y.scale)) + 6;
  const right = 12 + CBAR_W + 6 + cbarLabels + (p.colorbarLabel ? 8 + LABEL_FONT : 0) + 10;
  const unitsOf = (l: string) => /\(([^)]*)\)\s*$/.exec(l)?.[1] ?? "";
  const [iw, ih] = imageSize(p, maxW - left - right, maxH - top - BOTTOM, unitsOf(p.x.label) === unitsOf(p.y.label));
  // wide enough for the title and the x label too
  const w = Math.max(left + iw + right, Math.min(maxW, textWidth(p.title, TITLE_FONT) + 20));
  const h = top + ih + BOTTOM;
  const render = (ox: number, oy: number): string => {
    const area: Box = { x: ox + left + Math.floor((w - left - right - iw) / 2), y: oy + top, w: iw, h: ih };
    const out: string[] = [];
    if (p.title) out.push(text(area.x + area.w / 2, oy + top - 8, fit(p.title, w - 10, TITLE_FONT), TITLE_FONT, { anchor: "middle" }));
    const png = encodeRGB(colourise(p.values, lo, hi), cols, rows);
    out.push(
      `<image x="${num(area.x)}" y="${num(area.y)}" width="${num(area.w)}" height="${num(area.h)}" preserveAspectRatio="none" image-rendering="optimizeSpeed" ` +
        `href="data:image/png;base64,${png.toString("base64")}"/>`,
    );
    if (p.marker) {
      const [c, r] = p.marker;
      const cw = area.w / cols;
      const rh = area.h / rows;
      const mw = Math.max(cw, 6);
      const mh = Math.max(rh, 6);
      const cx = area.x + (c + 0.5) * cw;
      const cy = area.y + (r + 0.5) * rh;
      out.push(`<rect x="${num(cx - mw / 2)}" y="${num(cy - mh / 2)}" width="${num(mw)}" height="${num(mh)}" fill="none" stroke="${MARK_COLOR}" stroke-width="1.5"/>`);
    }
    out.push(axesFrame(area, xAsc, yAsc, p.x.label, p.y.label, yr[0] <= yr[1], [Math.abs(p.x.scale), Math.abs(p.y.scale)]));
    // colour bar
    const bx = area.x + area.w + 12;
    const gid = `cbar${ox}_${oy}`;
    const stops = Array.from({ length: 11 }, (_, k) => `<stop offset="${k / 10}" stop-color="${hex(viridis(k / 10))}"/>`).join("");
    out.push(`<linearGradient id="${gid}" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient>`);
    out.push(`<rect x="${num(bx)}" y="${num(area.y)}" width="${CBAR_W}" height="${num(area.h)}" fill="url(#${gid})" stroke="#333" stroke-width="1"/>`);
    const cbTicks: string[] = [];
    for (const t of ct) {
      const y = area.y + area.h - ((t - lo) / (hi - lo)) * area.h;
      cbTicks.push(`M${num(bx + CBAR_W)} ${num(y)}h4`);
      out.push(text(bx + CBAR_W + 7, y, formatTick(t, cs), TICK_FONT, { baseline: "middle" }));
    }
    out.push(`<path d="${cbTicks.join("")}" stroke="#333" stroke-width="1"/>`);
    // rotated text sits on the left of its baseline: the baseline goes one font height past the tick labels
    if (p.colorbarLabel) out.push(text(bx + CBAR_W + 7 + cbarLabels + 6 + LABEL_FONT, area.y + area.h / 2, fit(p.colorbarLabel, area.h, LABEL_FONT), LABEL_FONT, { anchor: "middle", rotate: true }));
    return out.join("");
  };
  return { w, h, render };
}

/** Lay out a panel alone or beside another (sizes in CSS px). */
function layout(p: Panel, paired: boolean): Laid {
  if (p.kind === "line") return paired ? linePanel(p, 500, 330) : linePanel(p, 640, 320);
  return paired ? imagePanel(p, 460, 360) : imagePanel(p, 560, 440);
}

/** An SVG figure of the panels side by side, with an optional title above them. */
export function plotSvg(panels: readonly Panel[], title = ""): Figure {
  const paired = panels.length > 1;
  const laid = panels.map((p) => layout(p, paired));
  const top = title ? FIG_TITLE_FONT + 12 : 4;
  const gap = paired ? 12 : 0;
  const width = Math.ceil(laid.reduce((s, l) => s + l.w, 0) + gap * (laid.length - 1));
  const height = Math.ceil(top + Math.max(...laid.map((l) => l.h)));
  const body: string[] = [];
  let x = 0;
  for (const l of laid) {
    body.push(l.render(x, top));
    x += l.w + gap;
  }
  const head = title ? text(width / 2, FIG_TITLE_FONT + 4, fit(title, width - 20, FIG_TITLE_FONT), FIG_TITLE_FONT, { anchor: "middle", weight: "bold" }) : "";
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}" fill="#222">` +
    `<rect width="${width}" height="${height}" fill="white"/>${head}${body.join("")}</svg>`;
  return { svg, width, height };
}
