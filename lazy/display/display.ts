/**
 * What a LazyArray (and, through signals/display.ts, a lazy signal) shows in a notebook, without
 * computing anything: the `application/vnd.hyperspy-ts.lazy.v1+json` payload (signals/mime.ts),
 * a static `text/html` summary (tables and inline SVG chunk diagrams; no <style>, no <script>, so
 * it survives sanitizers, which keep the tables) and a `text/plain` summary.
 *
 * The task counts come from the engine's own planner (graph.ts `plan`: culling, fusion, order),
 * run on the symbolic layers: tasks are described, never run. Graphs of more than PLAN_LIMIT tasks
 * are not planned (counting costs about 6 us a task); their culled/optimised counts are null.
 *
 * Importing this module gives LazyArray its `[Symbol.for("Jupyter.display")]()` method.
 */
import { LazyArray } from "../core/array";
import { collectLayers, materialize, parseKey, plan, Key, Layer } from "../graph/graph";
import { blockShape, hasUnknown, largestBlockBytes, maxOf, product } from "../core/chunks";
import { itemsize } from "../core/dtype";
import {
  AxisPayload,
  ChunkGridPayload,
  JUPYTER_DISPLAY,
  LAZY_MIME,
  LayerPayload,
  LazyPayload,
  MimeBundle,
  SourcePayload,
  WarningPayload,
} from "./mime";

/** Graphs up to this many tasks (all layers, every block) are planned to count tasks. */
export const PLAN_LIMIT = 20_000;
/** Chunks smaller than this (bytes) are "small" when there is more than one. */
export const SMALL_CHUNK = 2 ** 20;
/** Chunks larger than this (bytes) are "large". */
export const LARGE_CHUNK = 256 * 2 ** 20;
/** More tasks than this (full graph) draws a warning. */
export const MANY_TASKS = 100_000;

/**
 * What a signal adds to the description of its LazyArray (signals/display.ts): the payload's
 * identity and axes fields, plus the spaces whose chunk grids are drawn (indices into `axes`,
 * natural order).
 */
export type LazyDescription = Pick<LazyPayload, "kind" | "repr" | "className" | "title" | "signalType" | "axes" | "navigationShape" | "signalShape"> & {
  spaces: { space: "navigation" | "signal" | "array"; axes: number[] }[];
};

const nn = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** dask's format_bytes: "16.00 MiB", "8.00 kiB", "12 B". */
export function formatBytes(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return "unknown";
  for (const [prefix, k] of [
    ["Pi", 2 ** 50],
    ["Ti", 2 ** 40],
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
    ["ki", 2 ** 10],
  ] as const) {
    if (n >= k * 0.9) return `${(n / k).toFixed(2)} ${prefix}B`;
  }
  return `${n} B`;
}

/** The description of a plain LazyArray: its axes in array order, one "array" grid. */
export function arrayDescription(x: LazyArray): LazyDescription {
  const axes: AxisPayload[] = x.shape.map((size, a) => ({
    name: null,
    label: `axis ${a}`,
    units: null,
    scale: 1,
    offset: 0,
    size: nn(size),
    navigate: false,
    arrayAxis: a,
  }));
  return {
    kind: "lazy-array",
    repr: x.toString(),
    className: "LazyArray",
    title: "",
    signalType: "",
    axes,
    navigationShape: [],
    signalShape: [],
    spaces: [{ space: "array", axes: axes.map((_, i) => i) }],
  };
}

interface Counts {
  culled: Map<string, number>;
  /** Bytes of the culled blocks of each source layer. */
  reads: Map<string, number>;
  optimized: Map<string, number>;
  depth: number;
  culledTotal: number;
  optimizedTotal: number;
}

function layerOf(key: Key): string {
  return parseKey(key).layer;
}

/** Tasks per layer after culling and after fusion, and the critical path: the engine's planner, run on the graph (nothing computed). */
function countTasks(x: LazyArray, layers: readonly Layer[]): Counts | null {
  try {
    const keys = x.layer.keys();
    const culledTasks = materialize(keys, new Map(layers.map((l) => [l.name, l])));
    const byName = new Map(layers.map((l) => [l.name, l]));
    const culled = new Map<string, number>();
    const reads = new Map<string, number>();
    for (const k of culledTasks.keys()) {
      const { layer, index } = parseKey(k);
      culled.set(layer, (culled.get(layer) ?? 0) + 1);
      const l = byName.get(layer);
      if (l && l.kind === "source") reads.set(layer, (reads.get(layer) ?? 0) + product(blockShape(l.chunks, index)) * (l.dtype === "object" ? 8 : itemsize(l.dtype)));
    }
    const p = plan([x.layer], keys);
    const optimized = new Map<string, number>();
    const depthOf = new Map<Key, number>();
    let depth = 0;
    for (const k of p.order) {
      const l = layerOf(k);
      optimized.set(l, (optimized.get(l) ?? 0) + 1);
      let d = 0;
      for (const dep of (p.tasks.get(k) as { deps: Key[] }).deps) d = Math.max(d, depthOf.get(dep) ?? 0);
      depthOf.set(k, d + 1);
      depth = Math.max(depth, d + 1);
    }
    return { culled, reads, optimized, depth, culledTotal: culledTasks.size, optimizedTotal: p.order.length };
  } catch {
    return null;
  }
}

function axisText(a: AxisPayload): string {
  return a.name ?? a.label;
}

function warningsOf(x: LazyArray, desc: LazyDescription, tasksFull: number, chunkBytes: number): WarningPayload[] {
  const w: WarningPayload[] = [];
  const sig = desc.spaces.find((s) => s.space === "signal");
  if (sig) {
    const split = sig.axes.filter((i) => x.chunks[desc.axes[i].arrayAxis].length > 1);
    if (split.length) {
      const what = split.map((i) => `"${axisText(desc.axes[i])}" (${desc.axes[i].size}) into ${x.chunks[desc.axes[i].arrayAxis].length} chunks`).join(", ");
      w.push({
        code: "split-signal-axes",
        message:
          `The signal ${split.length > 1 ? "axes are" : "axis is"} split: ${what}. Per-signal operations (map, fitting, blockIterator) need each signal whole, ` +
          `so they join the chunks first (an all-to-all rechunk). Use s.rechunk() (navigation "auto", signal axes whole) or asLazy() with whole signal axes.`,
      });
    }
  }
  if (hasUnknown(x.chunks)) {
    w.push({
      code: "unknown-chunks",
      message: "Some chunk sizes are unknown (after boolean masking): shapes, bytes and size-dependent operations need them. Call `await x.computeChunkSizes()` to measure them.",
    });
  }
  // small chunks where bigger ones were possible: the result, or a source read in many small blocks
  for (const l of [x.layer, ...collectLayers([x.layer]).filter((m) => m.kind === "source" && m !== x.layer)]) {
    if (l.dtype === "object" || hasUnknown(l.chunks) || l.numTasks < 2) continue;
    const cb = largestBlockBytes(l.chunks, l.dtype);
    const total = l.chunks.reduce((p, c) => p * c.reduce((a, b) => a + b, 0), itemsize(l.dtype));
    if (cb < SMALL_CHUNK && total > 2 * SMALL_CHUNK) {
      const what = l === x.layer ? "Chunks" : `Source ${l.label} has chunks`;
      w.push({
        code: "small-chunks",
        message: `${what} of ${formatBytes(cb)} are small (under 1 MiB) for ${l.numTasks.toLocaleString("en-US")} chunks: the per-task overhead outweighs the work. Use fewer, larger chunks (rechunk).`,
      });
      break;
    }
  }
  if (chunkBytes > LARGE_CHUNK) {
    w.push({
      code: "large-chunks",
      message: `Chunks of ${formatBytes(chunkBytes)} are large (over 256 MiB): each task holds a few of them in memory at once. Use smaller navigation chunks (rechunk).`,
    });
  }
  if (tasksFull > MANY_TASKS) {
    w.push({
      code: "too-many-tasks",
      message: `The graph has ${tasksFull.toLocaleString("en-US")} tasks (over ${MANY_TASKS.toLocaleString("en-US")}): planning and scheduling it costs time before any work. Use larger chunks, or compute an intermediate result and continue from it.`,
    });
  }
  return w;
}

/** The lazy payload of `x` (described by a signal, or as a plain array). Computes nothing. */
export function lazyPayload(x: LazyArray, desc: LazyDescription = arrayDescription(x)): LazyPayload {
  const layers = collectLayers([x.layer]);
  const tasksFull = layers.reduce((n, l) => n + l.numTasks, 0);
  const counts = tasksFull <= PLAN_LIMIT ? countTasks(x, layers) : null;
  const unknown = hasUnknown(x.chunks);
  const chunkBytes = largestBlockBytes(x.chunks, x.dtype);
  const numChunks = x.npartitions;
  const grids: ChunkGridPayload[] = desc.spaces.map((s) => ({
    space: s.space,
    axes: s.axes.slice(),
    chunks: s.axes.map((i) => x.chunks[desc.axes[i].arrayAxis].map(nn)),
    numChunks: s.axes.map((i) => x.chunks[desc.axes[i].arrayAxis].length),
    chunkShape: s.axes.map((i) => nn(maxOf(x.chunks[desc.axes[i].arrayAxis]))),
  }));
  const layerPayloads: LayerPayload[] = layers.map((l) => ({
    name: l.name,
    label: l.label,
    kind: l.kind,
    tasks: l.numTasks,
    tasksCulled: counts ? (counts.culled.get(l.name) ?? 0) : null,
    tasksOptimized: counts ? (counts.optimized.get(l.name) ?? 0) : null,
    numBlocks: l.numBlocks.slice(),
    chunkShape: l.chunks.map((c) => nn(maxOf(c))),
    // a reduction's intermediate layers hold partial results ("object"); shown with the result's dtype
    dtype: l.summaryDtype,
    dependencies: l.dependencies.map((d) => d.name),
  }));
  const sources: SourcePayload[] = layers
    .filter((l) => l.dependencies.length === 0)
    .map((l) => {
      const reads = l.kind === "source";
      return {
        name: l.name,
        label: l.label,
        kind: l.kind,
        shape: l.chunks.map((c) => nn(c.reduce((a, b) => a + b, 0))),
        dtype: l.dtype,
        bytes: l.sourceBytes,
        bytesToRead: !reads ? 0 : counts ? nn(counts.reads.get(l.name) ?? 0) : null,
      };
    });
  const toRead = sources.reduce<number | null>((n, s) => (n === null || s.bytesToRead === null ? null : n + s.bytesToRead), 0);
  return {
    version: 1,
    kind: desc.kind,
    repr: desc.repr,
    className: desc.className,
    title: desc.title,
    signalType: desc.signalType,
    axes: desc.axes,
    navigationShape: desc.navigationShape,
    signalShape: desc.signalShape,
    shape: x.shape.map(nn),
    dtype: x.dtype,
    itemsize: x.dtype === "object" ? 8 : itemsize(x.dtype),
    nbytes: unknown ? null : x.nbytes,
    chunkBytes,
    numChunks,
    chunks: x.chunks.map((c) => c.map(nn)),
    grids,
    layers: layerPayloads,
    tasks: {
      full: tasksFull,
      culled: counts ? counts.culledTotal : null,
      optimized: counts ? counts.optimizedTotal : null,
      depth: counts ? counts.depth : null,
      planned: counts !== null,
      planLimit: PLAN_LIMIT,
    },
    sources,
    bytesToRead: toRead,
    sourceBytes: layers.reduce((n, l) => n + l.sourceBytes, 0),
    warnings: warningsOf(x, desc, tasksFull, chunkBytes),
  };
}

// ------------------------------------------------------------------------------------------------
// text/plain

const dims = (xs: readonly (number | null)[]) => `(${xs.map((v) => (v === null ? "?" : String(v))).join(", ")})`;

/** The chunk shape per grid: "navigation (32, 32) | signal (1024)". */
function chunkShapeText(p: LazyPayload): string {
  return p.grids.map((g) => (g.space === "array" ? dims(g.chunkShape) : `${g.space} ${dims(g.chunkShape)}`)).join(" | ");
}

function countText(n: number | null): string {
  return n === null ? "?" : n.toLocaleString("en-US");
}

function tasksText(p: LazyPayload): string {
  const t = p.tasks;
  if (!t.planned) return `${countText(t.full)} tasks (not planned: over ${t.planLimit.toLocaleString("en-US")})`;
  return `${countText(t.full)} tasks, ${countText(t.optimized)} after culling and fusion, depth ${t.depth}`;
}

/** The text/plain summary: the repr, then a few lines. */
export function lazyText(p: LazyPayload): string {
  const lines = [p.repr];
  lines.push(`  ${p.dtype}, ${formatBytes(p.nbytes)} in ${p.numChunks.toLocaleString("en-US")} chunk${p.numChunks === 1 ? "" : "s"} of up to ${formatBytes(p.chunkBytes)}: ${chunkShapeText(p)}`);
  const reads = p.sources.filter((s) => s.kind === "source");
  lines.push(
    `  graph: ${p.layers.length} layer${p.layers.length === 1 ? "" : "s"}, ${tasksText(p)}` +
      (reads.length ? `; reads ${formatBytes(p.bytesToRead)} from ${reads.length} source${reads.length === 1 ? "" : "s"}` : ""),
  );
  const shown = p.layers.length > 8 ? [...p.layers.slice(0, 3), null, ...p.layers.slice(-4)] : p.layers;
  lines.push(
    "  layers: " +
      shown.map((l) => (l === null ? "..." : `${l.label} [${l.tasks}${l.tasksOptimized !== null && l.tasksOptimized !== l.tasks ? ` -> ${l.tasksOptimized}` : ""}]`)).join(" > "),
  );
  for (const w of p.warnings) lines.push(`  warning: ${w.message}`);
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------------
// text/html

export function escapeHTML(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const TD = 'style="padding:2px 8px;text-align:left;border:1px solid #ddd"';
const TDR = 'style="padding:2px 8px;text-align:right;border:1px solid #ddd"';
const TH = 'style="padding:2px 8px;text-align:left;border:1px solid #ddd;background:#f4f4f4"';
const THR = 'style="padding:2px 8px;text-align:right;border:1px solid #ddd;background:#f4f4f4"';
const TABLE = 'style="border-collapse:collapse;font-size:12px;margin:4px 12px 4px 0"';

function sizeText(n: number | null): string {
  return n === null ? "?" : String(n);
}

function fmtNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** Chunk sizes along one axis, shortened: "32 × 4", "34, 33, 33", "100 × 9, 24". */
export function chunkList(c: readonly (number | null)[]): string {
  if (c.length === 0) return "()";
  const parts: string[] = [];
  let i = 0;
  while (i < c.length) {
    let j = i;
    while (j + 1 < c.length && c[j + 1] === c[i]) j++;
    const v = c[i] === null ? "?" : String(c[i]);
    parts.push(j > i ? `${v} × ${j - i + 1}` : v);
    i = j + 1;
  }
  return parts.length > 6 ? `${parts.slice(0, 3).join(", ")}, … ${c.length} chunks` : parts.join(", ");
}

const MAX_LINES = 60;

/**
 * An SVG chunk diagram of one grid: the first axis horizontal, the second vertical (natural order
 * x, y), with lines at chunk boundaries (none beyond MAX_LINES per axis: a darker fill instead).
 */
export function gridSVG(p: LazyPayload, g: ChunkGridPayload): string {
  const ax = g.space === "array" ? g.axes.slice().reverse() : g.axes; // arrays: last axis horizontal
  const chunksOf = (k: number) => g.chunks[g.axes.indexOf(ax[k])];
  if (ax.length === 0) return "";
  const sizeOf = (k: number) => p.axes[ax[k]].size ?? 0;
  if (ax.some((_, k) => sizeOf(k) === 0) || g.chunks.some((c) => c.some((v) => v === null))) return "";
  const S = 120;
  const M = 14;
  const two = ax.length >= 2;
  const sx = sizeOf(0);
  const sy = two ? sizeOf(1) : 1;
  // side lengths: proportional, the longer one S, the shorter at least 1/8 of it (dask-like)
  let w = S;
  let h = 24;
  if (two) {
    const r = sy / sx;
    if (r <= 1) h = Math.max(S / 8, S * r);
    else {
      h = S;
      w = Math.max(S / 8, S / r);
    }
  }
  const fill = "#d7e4f5";
  const lines: string[] = [];
  let dense = false;
  const axisLines = (c: readonly (number | null)[], size: number, len: number, horizontal: boolean) => {
    if (c.length > MAX_LINES) {
      dense = true;
      return;
    }
    let acc = 0;
    for (let i = 0; i < c.length - 1; i++) {
      acc += c[i] as number;
      const t = (acc / size) * len;
      lines.push(horizontal ? `M${(M + t).toFixed(1)} ${M}v${h.toFixed(1)}` : `M${M} ${(M + t).toFixed(1)}h${w.toFixed(1)}`);
    }
  };
  axisLines(chunksOf(0), sx, w, true);
  if (two) axisLines(chunksOf(1), sy, h, false);
  const name = (k: number) => {
    const a = p.axes[ax[k]];
    return g.space === "array" ? `${a.size}` : `${axisText(a)}: ${a.size}`;
  };
  const W = M + w + M;
  const H = M + h + M;
  // The labels are HTML beside the drawing, not SVG text: a sanitizer that strips the SVG (an
  // untrusted notebook, the classic Notebook) keeps them as one readable line per space.
  const caption = `${g.space}: ${two ? `${name(0)} × ${name(1)}` : name(0)}`;
  const parts = [
    `<div style="display:inline-block;vertical-align:top;margin:0 14px 4px 0">`,
    `<div style="font-size:11px;color:#555">${escapeHTML(caption)}</div>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(W)}" height="${Math.ceil(H)}" role="img" aria-label="${escapeHTML(`${g.space} chunks`)}">`,
    `<rect x="${M}" y="${M}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${dense ? "#8fb3e0" : fill}" stroke="#444" stroke-width="1"/>`,
    lines.length ? `<path d="${lines.join("")}" stroke="#444" stroke-width="0.6"/>` : "",
    `</svg>`,
    `</div>`,
  ];
  return parts.join("");
}

/** A table row; `right` lists the columns aligned right (numbers). */
function row(cells: string[], th = false, right: readonly number[] = []): string {
  return `<tr>${cells
    .map((c, i) => {
      const r = right.includes(i);
      return th ? `<th ${r ? THR : TH}>${c}</th>` : `<td ${r ? TDR : TD}>${c}</td>`;
    })
    .join("")}</tr>`;
}

/** The text/html summary: tables (kept by sanitizers) and SVG chunk diagrams (dropped by them). */
export function lazyHTML(p: LazyPayload): string {
  const e = escapeHTML;
  const out: string[] = ['<div style="font-size:12px;line-height:1.4">'];
  const heading = `${p.className}${p.title ? ` “${p.title}”` : ""}${p.signalType ? ` · ${p.signalType}` : ""}`;
  const dimText = p.kind === "lazy-signal" ? `${dims(p.navigationShape)}|${dims(p.signalShape)}`.replace(")|(", "|") : dims(p.shape);
  out.push(`<div style="font-weight:bold;margin:2px 0 4px 0">${e(heading)} <span style="font-weight:normal;color:#555">${e(dimText)} · not computed</span></div>`);
  out.push('<div style="display:flex;flex-wrap:wrap;align-items:flex-start">');
  // summary table
  const reads = p.sources.filter((s) => s.kind === "source");
  const R = [1, 2];
  const grids = p.grids.map((g) => (g.space === "array" ? g.numChunks.join(" × ") : `${g.space} ${g.numChunks.join(" × ")}`)).join(" | ");
  const summary: string[] = [
    row(["", "Array", "Chunk"], true, R),
    row(["Bytes", e(formatBytes(p.nbytes)), e(formatBytes(p.chunkBytes))], false, R),
    row(["Shape", e(p.kind === "lazy-signal" ? dimText : dims(p.shape)), e(chunkShapeText(p))], false, R),
    row(["Chunks", e(p.numChunks.toLocaleString("en-US")), e(grids)], false, R),
    row(["Data type", e(p.dtype), ""], false, R),
    row(["Tasks", e(countText(p.tasks.full)), e(p.tasks.planned ? `${countText(p.tasks.optimized)} after optimisation, depth ${p.tasks.depth}` : "not planned")], false, R),
    row(["Reads", e(reads.length ? formatBytes(p.bytesToRead) : "nothing"), e(reads.length ? `from ${reads.length} source${reads.length === 1 ? "" : "s"}` : "generated")], false, R),
  ];
  out.push(`<table ${TABLE}>${summary.join("")}</table>`);
  // chunk diagrams
  const svgs = p.grids.map((g) => gridSVG(p, g)).filter((s) => s !== "");
  if (svgs.length) out.push(`<div style="display:flex;align-items:flex-start;margin:4px 8px">${svgs.join("")}</div>`);
  out.push("</div>");
  // axes
  if (p.kind === "lazy-signal") {
    const axisRows = p.axes.map((a) => {
      const c = p.chunks[a.arrayAxis];
      return row([e(a.name ?? a.label), e(a.navigate ? "navigation" : "signal"), sizeText(a.size), e(fmtNumber(a.scale)), e(fmtNumber(a.offset)), e(a.units ?? ""), e(chunkList(c))], false, [2, 3, 4]);
    });
    out.push(`<table ${TABLE}>${row(["Axis", "Space", "Size", "Scale", "Offset", "Units", "Chunks"], true, [2, 3, 4])}${axisRows.join("")}</table>`);
  } else {
    const axisRows = p.axes.map((a) => row([e(a.label), sizeText(a.size), e(chunkList(p.chunks[a.arrayAxis]))], false, [1]));
    out.push(`<table ${TABLE}>${row(["Axis", "Size", "Chunks"], true, [1])}${axisRows.join("")}</table>`);
  }
  // layers
  const layerRows = p.layers.map((l, i) =>
    row([
      `${i + 1}. ${e(l.label)}`,
      e(l.kind),
      e(l.tasks.toLocaleString("en-US")),
      e(l.tasksOptimized === null ? "?" : l.tasksOptimized.toLocaleString("en-US")),
      e(dims(l.chunkShape)),
      e(l.dtype),
    ], false, [2, 3]),
  );
  out.push(`<table ${TABLE}>${row(["Layer", "Kind", "Tasks", "After optimisation", "Chunk shape", "dtype"], true, [2, 3])}${layerRows.join("")}</table>`);
  // sources
  if (p.sources.length) {
    const srcRows = p.sources.map((s) =>
      row([e(s.label), e(s.kind), e(dims(s.shape)), e(s.dtype), e(s.kind === "source" ? formatBytes(s.bytes) : "generated"), e(s.kind === "source" ? formatBytes(s.bytesToRead) : "-")], false, [4, 5]),
    );
    out.push(`<table ${TABLE}>${row(["Source", "Kind", "Shape", "dtype", "Holds", "Reads"], true, [4, 5])}${srcRows.join("")}</table>`);
  }
  // warnings
  if (p.warnings.length) {
    out.push(
      `<ul style="margin:4px 0;padding-left:20px;color:#8a4b00">${p.warnings.map((w) => `<li><b>${e(w.code)}</b>: ${e(w.message)}</li>`).join("")}</ul>`,
    );
  }
  out.push("</div>");
  return out.join("");
}

/** The whole bundle of a lazy object: payload, text/html and text/plain. */
export function lazyBundle(x: LazyArray, desc?: LazyDescription): MimeBundle {
  const p = lazyPayload(x, desc);
  return { [LAZY_MIME]: p, "text/html": lazyHTML(p), "text/plain": lazyText(p) };
}

declare module "../core/array" {
  interface LazyArray {
    /** The Jupyter MIME bundle of this array (a graph summary; nothing is computed). */
    [JUPYTER_DISPLAY](): MimeBundle;
    /** Symbol-keyed methods: `x[Symbol.for("Jupyter.display")]()` and `x[Symbol.for("nodejs.util.inspect.custom")]()`. */
    [key: symbol]: () => MimeBundle | string;
  }
}

LazyArray.prototype[JUPYTER_DISPLAY] = function (this: LazyArray): MimeBundle {
  return lazyBundle(this);
};
