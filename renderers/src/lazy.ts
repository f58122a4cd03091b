/**
 * application/vnd.hyperspy-ts.lazy.v1+json: what an uncomputed lazy signal is. A header with the
 * navigation | signal split, a summary table (bytes, chunks, tasks before / after optimisation,
 * bytes to read), SVG chunk diagrams per space, the axes, the layer table (the pipeline), the
 * sources and the warnings. Plain DOM: no plotly, nothing computed.
 */
import type { ChunkGridPayload, LazyPayload, LayerPayload } from "../../lazy/display/mime";
import { formatBytes, formatCount, formatNumber, formatShape, h, isObject, s, table } from "./dom";

/** Checks the fields this renderer reads; throws a message naming the first bad one. */
export function checkLazy(p: unknown): LazyPayload {
  if (!isObject(p)) throw new Error("the payload is not an object");
  if (p.version !== 1) throw new Error(`payload version ${String(p.version)} is not supported by this renderer (it reads version 1): update hyperspy-ts-renderers`);
  for (const k of ["axes", "layers", "grids", "sources", "warnings", "shape", "chunks"]) if (!Array.isArray(p[k])) throw new Error(`field "${k}" is not a list`);
  if (!isObject(p.tasks)) throw new Error(`field "tasks" is not an object`);
  return p as unknown as LazyPayload;
}

const DIAGRAM = 120; // px: the longest side of a chunk diagram
const MAX_LINES = 60; // per axis: beyond, no lines and a darker fill (dask #6670)

/** Chunk boundaries of one axis scaled to `len` px, or null when too many or unknown. */
function ticks(chunks: (number | null)[], len: number): number[] | null {
  if (chunks.length > MAX_LINES || chunks.some((c) => c === null)) return null;
  const total = (chunks as number[]).reduce((a, b) => a + b, 0);
  if (total <= 0) return [];
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i < chunks.length - 1; i++) {
    acc += chunks[i] as number;
    out.push((acc / total) * len);
  }
  return out;
}

/** Side lengths in px of a diagram for axis sizes (log-compressed like dask's, longest DIAGRAM). */
function sides(sizes: number[]): number[] {
  const logs = sizes.map((n) => Math.log1p(Math.max(1, n)));
  const m = Math.max(...logs);
  return logs.map((l) => Math.max(14, (l / m) * DIAGRAM));
}

/** One 1-D or 2-D chunk grid (x to the right, y downwards as images), with axis sizes as labels. */
function gridSvg(chunksX: (number | null)[], chunksY: (number | null)[] | null, labelX: string, labelY: string | null): SVGSVGElement {
  const sizeOf = (c: (number | null)[]) => c.reduce<number>((a, b) => a + (b ?? 0), 0);
  const [w, hgt] = chunksY ? sides([sizeOf(chunksX), sizeOf(chunksY)]) : [DIAGRAM, 22];
  const pad = 4;
  const W = w + pad * 2 + 30;
  const H = hgt + pad * 2 + 20;
  const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "hsts-chunks", role: "img" });
  const tx = ticks(chunksX, w);
  const ty = chunksY ? ticks(chunksY, hgt) : [];
  const dense = tx === null || ty === null;
  svg.append(s("rect", { x: pad, y: pad, width: w, height: hgt, class: dense ? "hsts-chunk-fill hsts-dense" : "hsts-chunk-fill" }));
  for (const x of tx ?? []) svg.append(s("line", { x1: pad + x, y1: pad, x2: pad + x, y2: pad + hgt, class: "hsts-chunk-line" }));
  for (const y of ty ?? []) svg.append(s("line", { x1: pad, y1: pad + y, x2: pad + w, y2: pad + y, class: "hsts-chunk-line" }));
  svg.append(s("rect", { x: pad, y: pad, width: w, height: hgt, class: "hsts-chunk-border" }));
  svg.append(s("text", { x: pad + w / 2, y: pad + hgt + 14, "text-anchor": "middle", class: "hsts-chunk-label" }, labelX));
  if (labelY !== null) svg.append(s("text", { x: pad + w + 4, y: pad + hgt / 2, "dominant-baseline": "middle", class: "hsts-chunk-label" }, labelY));
  return svg;
}

/** The diagrams of one space: 1-D, 2-D, or several 2-D grids for more axes (x first). */
function spaceDiagram(p: LazyPayload, g: ChunkGridPayload): HTMLElement {
  const name = (i: number) => {
    const a = p.axes[g.axes[i]];
    return a ? a.label || a.name || `axis ${g.axes[i]}` : `axis ${i}`;
  };
  const size = (i: number) => (g.chunks[i] ?? []).reduce<number>((a, b) => a + (b ?? 0), 0);
  const label = (i: number) => `${name(i)}: ${size(i)}`;
  const svgs: SVGSVGElement[] = [];
  const n = g.chunks.length;
  if (n === 0) svgs.push(gridSvg([1], null, "scalar", null));
  for (let i = 0; i < n; i += 2) {
    if (i + 1 < n) svgs.push(gridSvg(g.chunks[i], g.chunks[i + 1], label(i), label(i + 1)));
    else svgs.push(gridSvg(g.chunks[i], null, label(i), null));
  }
  const chunkShape = g.chunkShape.map((c) => (c === null ? "?" : String(c))).join(" × ");
  return h(
    "figure",
    { class: "hsts-space", "data-space": g.space },
    h("figcaption", null, `${g.space}: ${g.numChunks.reduce((a, b) => a * b, 1)} chunks of ${chunkShape || "1"}`),
    h("div", { class: "hsts-space-svgs" }, ...svgs),
  );
}

function layerRows(layers: LayerPayload[]): (string | Node)[][] {
  const byName = new Map(layers.map((l, i) => [l.name, i]));
  return layers.map((l, i) => [
    String(i),
    h("span", { class: `hsts-kind hsts-kind-${/^[a-z-]+$/.test(l.kind) ? l.kind : "other"}`, title: l.name }, l.label),
    l.kind,
    formatCount(l.tasks),
    formatCount(l.tasksCulled),
    formatCount(l.tasksOptimized),
    formatShape(l.numBlocks),
    formatShape(l.chunkShape),
    l.dtype,
    l.dependencies.map((d) => (byName.has(d) ? String(byName.get(d)) : d)).join(", "),
  ]);
}

/** HyperSpy's "(8, 6|100)". */
function natural(nav: readonly (number | null)[], sig: readonly (number | null)[]): string {
  const f = (xs: readonly (number | null)[]) => xs.map((n) => (n === null ? "?" : String(n))).join(", ");
  return `(${f(nav)}|${f(sig)})`;
}

/** The chunk shape of one space (natural order), [] when the space is empty. */
function gridShape(p: LazyPayload, space: "navigation" | "signal"): (number | null)[] {
  return p.grids.find((g) => g.space === space)?.chunkShape ?? [];
}

/** The whole summary as a DOM tree. */
export function lazyView(p: LazyPayload): HTMLElement {
  const root = h("div", { class: "hsts-lazy" });
  const nav = p.navigationShape;
  const sig = p.signalShape;
  const dims =
    p.kind === "lazy-signal" ? `navigation ${formatShape(nav)} | signal ${formatShape(sig)}` : `shape ${formatShape(p.shape)}`;
  root.append(
    h(
      "div",
      { class: "hsts-header" },
      h("span", { class: "hsts-class" }, p.className),
      p.title ? h("span", { class: "hsts-title" }, p.title) : null,
      h("span", { class: "hsts-dims" }, dims),
      p.signalType ? h("span", { class: "hsts-tag" }, p.signalType) : null,
      h("span", { class: "hsts-tag" }, "not computed"),
    ),
  );

  if (p.warnings.length) {
    root.append(
      h(
        "ul",
        { class: "hsts-warnings" },
        ...p.warnings.map((w) => h("li", { "data-code": w.code }, h("strong", null, `${w.code}: `), w.message)),
      ),
    );
  }

  const t = p.tasks;
  const summary = table(
    "hsts-summary",
    ["", "Result", "Chunk"],
    [
      ["Bytes", formatBytes(p.nbytes), formatBytes(p.chunkBytes)],
      ...(p.kind === "lazy-signal"
        ? [["Shape", natural(p.navigationShape, p.signalShape), natural(gridShape(p, "navigation"), gridShape(p, "signal"))]]
        : []),
      ["Array shape", formatShape(p.shape), formatShape(p.chunks.map((c) => (c.length && c.every((x) => x !== null) ? Math.max(...(c as number[])) : null)))],
      ["Chunks", formatCount(p.numChunks), ""],
      ["Data type", p.dtype, `${p.itemsize} B per value`],
      [
        "Tasks",
        t.planned
          ? `${formatCount(t.full)} in the graph, ${formatCount(t.culled)} needed, ${formatCount(t.optimized)} after fusion`
          : `${formatCount(t.full)} (not planned: over ${formatCount(t.planLimit)})`,
        t.depth !== null ? `depth ${formatCount(t.depth)}` : "",
      ],
      [
        "Reads",
        p.sourceBytes === 0
          ? "nothing stored (generated data)"
          : p.bytesToRead !== null
            ? `${formatBytes(p.bytesToRead)} of the ${formatBytes(p.sourceBytes)} sources hold`
            : `sources hold ${formatBytes(p.sourceBytes)}`,
        "",
      ],
    ],
  );
  const diagrams = h("div", { class: "hsts-diagrams" }, ...p.grids.map((g) => spaceDiagram(p, g)));
  root.append(h("div", { class: "hsts-top" }, summary, diagrams));

  const axes = table(
    "hsts-axes",
    ["Axis", "Space", "Size", "Scale", "Offset", "Units", "Chunks"],
    p.axes.map((a, i) => {
      const g = p.grids.find((gr) => gr.axes.includes(i));
      const k = g ? g.axes.indexOf(i) : -1;
      const chunks = g && k >= 0 ? `${g.numChunks[k]} of ${g.chunkShape[k] ?? "?"}` : "";
      return [a.label || a.name || `axis ${i}`, a.navigate ? "navigation" : p.kind === "lazy-signal" ? "signal" : "array", a.size === null ? "?" : String(a.size), formatNumber(a.scale), formatNumber(a.offset), a.units ?? "", chunks];
    }),
  );
  root.append(h("details", { class: "hsts-section", open: "" }, h("summary", null, `Axes (${p.axes.length})`), axes));

  root.append(
    h(
      "details",
      { class: "hsts-section", open: "" },
      h("summary", null, `Layers (${p.layers.length}), sources first`),
      table("hsts-layers", ["#", "Operation", "Kind", "Tasks", "Needed", "After fusion", "Blocks", "Chunk", "dtype", "Inputs"], layerRows(p.layers)),
    ),
  );

  if (p.sources.length) {
    root.append(
      h(
        "details",
        { class: "hsts-section" },
        h("summary", null, `Sources (${p.sources.length})`),
        table(
          "hsts-sources",
          ["Source", "Kind", "Shape", "dtype", "Holds", "Read"],
          p.sources.map((src) => [src.label, src.kind, formatShape(src.shape), src.dtype, formatBytes(src.bytes), src.bytesToRead === null ? "-" : formatBytes(src.bytesToRead)]),
        ),
      ),
    );
  }
  root.append(h("div", { class: "hsts-repr" }, p.repr));
  return root;
}
