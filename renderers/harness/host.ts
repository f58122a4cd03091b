/**
 * Test host page (bundled by esbuild in test/renderers/renderers.test.ts; not part of the
 * extension). It does what JupyterLab does with a prebuilt extension: builds a module-federation
 * share scope with the host's @lumino/widgets, loads the extension's remoteEntry from
 * labextension/package.json's `jupyterlab._build.load`, gets `./mimeExtension` and `./style`, and
 * adds the renderer factories to a RenderMimeRegistry that already holds JupyterLab's standard
 * factories. Outputs are rendered like OutputArea does: preferredMimeType (trusted: 'any',
 * untrusted: 'ensure'), createRenderer, renderModel, then attach (render before attach).
 */
import { MimeModel, RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import * as widgets from "@lumino/widgets";
import "@jupyterlab/rendermime/style/index.js";

interface Container {
  init(scope: unknown): Promise<void> | void;
  get(module: string): Promise<() => unknown>;
}

interface Case {
  id: string;
  title: string;
  data: { [mime: string]: unknown };
  metadata?: { [mime: string]: unknown };
  /** "full": standard factories + the extension; "standard": JupyterLab's standard factories only. */
  registry?: "full" | "standard";
  trusted?: boolean;
}

const standard = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
const full = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
const renderers = new Map<string, widgets.Widget>();

// A stand-in kernel for live plots: comms whose messages go to the test (window.hstsComm, a
// playwright binding to kernel/comm.ts in Node) and come back through commDeliver.
interface FakeComm {
  commId: string;
  onMsg: (msg: { content: { data: unknown } }) => void;
  onClose: (msg: { content: { data: unknown } }) => void;
  open(data?: unknown): void;
  send(data: unknown): void;
  close(): void;
}
type Locator = ((node: HTMLElement) => unknown) | null;
let extModule: { setKernelLocator?: (fn: Locator) => void } | null = null;
const comms = new Map<string, FakeComm>();
let commCount = 0;
const toTest = (m: unknown) => (window as unknown as { hstsComm(json: string): Promise<void> }).hstsComm(JSON.stringify(m));
const fakeKernel = {
  createComm(target: string): FakeComm {
    const id = `comm-${++commCount}`;
    const c: FakeComm = {
      commId: id,
      onMsg: () => undefined,
      onClose: () => undefined,
      open: (data) => void toTest({ op: "open", id, target, data }),
      send: (data) => void toTest({ op: "msg", id, data }),
      close: () => void toTest({ op: "close", id }),
    };
    comms.set(id, c);
    return c;
  },
};

/** Connects (or not) the live views to the stand-in kernel. */
function useKernel(connected: boolean): void {
  if (!extModule?.setKernelLocator) throw new Error("the extension does not export setKernelLocator");
  extModule.setKernelLocator(connected ? () => fakeKernel : () => null);
}

function commDeliver(id: string, type: "comm_msg" | "comm_close", data: unknown): void {
  const c = comms.get(id);
  if (!c) return;
  if (type === "comm_msg") c.onMsg({ content: { data } });
  else c.onClose({ content: { data } });
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

async function loadExtension(base: string, versions: { [pkg: string]: string }): Promise<{ ids: string[]; order: string[] }> {
  const pkg = (await (await fetch(`${base}/package.json`)).json()) as { name: string; jupyterlab: { _build: { load: string; mimeExtension?: string; style?: string } } };
  const build = pkg.jupyterlab._build;
  await loadScript(`${base}/${build.load}`);
  const container = (window as unknown as { _JUPYTERLAB: { [name: string]: Container } })._JUPYTERLAB[pkg.name];
  if (!container) throw new Error(`the remoteEntry did not define _JUPYTERLAB[${JSON.stringify(pkg.name)}]`);
  const scope: { [name: string]: { [version: string]: unknown } } = {};
  const provide = (name: string, mod: unknown) => {
    scope[name] = { [versions[name]]: { get: () => Promise.resolve(() => mod), from: "host", eager: false, loaded: 1 } };
  };
  provide("@lumino/widgets", widgets);
  await container.init(scope);
  if (build.style) ((await container.get(build.style)) as () => unknown)();
  if (!build.mimeExtension) throw new Error("the extension has no mimeExtension");
  const mod = (await container.get(build.mimeExtension))() as { default?: IRenderMime.IExtension | IRenderMime.IExtension[]; setKernelLocator?: (fn: Locator) => void };
  extModule = mod;
  const exts = mod.default === undefined ? [] : Array.isArray(mod.default) ? mod.default : [mod.default];
  for (const ext of exts) full.addFactory(ext.rendererFactory, ext.rank);
  return { ids: exts.map((e) => e.id), order: full.mimeTypes.slice() };
}

async function render(c: Case): Promise<{ mime: string | undefined }> {
  const reg = c.registry === "standard" ? standard : full;
  const trusted = c.trusted ?? true;
  const mime = reg.preferredMimeType(c.data as never, trusted ? "any" : "ensure");
  const box = document.createElement("section");
  box.className = "case";
  box.id = c.id;
  const head = document.createElement("h3");
  head.textContent = `${c.title} -> ${mime ?? "(nothing)"}`;
  box.append(head);
  document.getElementById("cases")!.append(box);
  if (!mime) return { mime };
  const r = reg.createRenderer(mime);
  const model = new MimeModel({ data: c.data as never, metadata: (c.metadata ?? {}) as never, trusted });
  // OutputArea renders first and attaches after: the node has no width while renderModel starts
  const done = r.renderModel(model);
  widgets.Widget.attach(r, box);
  renderers.set(c.id, r);
  await done;
  return { mime };
}

function dispose(id: string): void {
  renderers.get(id)?.dispose();
  renderers.delete(id);
}

/** What the test checks in one case's DOM (plain JSON). */
function inspect(id: string): { [k: string]: unknown } {
  const box = document.getElementById(id);
  if (!box) throw new Error(`no case ${id}`);
  const q = (sel: string) => box.querySelector(sel);
  const texts = (sel: string) => Array.from(box.querySelectorAll(sel)).map((e) => e.textContent ?? "");
  const plotData = (sel: string) => {
    const div = q(sel) as (HTMLElement & { data?: { type?: string; x?: ArrayLike<number>; y?: ArrayLike<number | null>; z?: unknown[][] }[] }) | null;
    const t = div?.data?.[0];
    if (!t) return null;
    const zFlat = t.z && t.z.length * (t.z[0] as unknown[]).length <= 4096 ? (t.z as unknown[][]).flat() : null;
    return { type: t.type, x: t.x ? Array.from(t.x) : null, y: t.y ? Array.from(t.y) : null, zShape: t.z ? [t.z.length, (t.z[0] as unknown[]).length] : null, zFlat };
  };
  const status = q(".hsts-status") as HTMLElement | null;
  const sigSvg = q(".hsts-signal-plot .main-svg");
  return {
    head: q("h3")?.textContent ?? "",
    state: q(".hsts-signal")?.getAttribute("data-state") ?? null,
    plots: box.querySelectorAll(".js-plotly-plot").length,
    navXTitle: texts(".hsts-navigator .g-xtitle"),
    navYTitle: texts(".hsts-navigator .g-ytitle"),
    sigXTitle: texts(".hsts-signal-plot .g-xtitle"),
    sigYTitle: texts(".hsts-signal-plot .g-ytitle"),
    sigTitle: texts(".hsts-signal-plot .gtitle"),
    navigator: plotData(".hsts-navigator"),
    signal: plotData(".hsts-signal-plot"),
    status: status?.textContent ?? null,
    indices: status?.dataset.indices ?? null,
    source: status?.dataset.source ?? null,
    live: (q(".hsts-signal") as HTMLElement | null)?.dataset.live ?? null,
    drawn: (q(".hsts-signal") as HTMLElement | null)?.dataset.drawn ?? null,
    sigDivWidth: (q(".hsts-signal-plot") as HTMLElement | null)?.offsetWidth ?? null,
    sigSvgWidth: sigSvg ? Number(sigSvg.getAttribute("width")) : null,
    sliders: Array.from(box.querySelectorAll(".hsts-sliders input")).map((i) => (i as HTMLInputElement).value),
    layerRows: box.querySelectorAll(".hsts-layers tbody tr").length,
    layerOps: texts(".hsts-layers tbody tr td:nth-child(2)"),
    chunkSvgs: box.querySelectorAll("svg.hsts-chunks").length,
    warnings: Array.from(box.querySelectorAll(".hsts-warnings li")).map((li) => (li as HTMLElement).dataset.code ?? ""),
    notes: texts(".hsts-note"),
    errors: texts(".hsts-error"),
    tables: box.querySelectorAll("table").length,
    tableRows: box.querySelectorAll("tr").length,
    svgs: box.querySelectorAll("svg").length,
    imgs: box.querySelectorAll("img").length,
    text: (box.textContent ?? "").slice(0, 4000),
  };
}

/** Page coordinates of a navigator point given in axis units (plotly's own axis mapping). */
function navPoint(id: string, x: number, y: number | null): { x: number; y: number } {
  const gd = document.querySelector(`#${id} .hsts-navigator`) as (HTMLElement & { _fullLayout?: { xaxis: { l2p(v: number): number; _offset: number; _length: number }; yaxis: { l2p(v: number): number; _offset: number; _length: number } } }) | null;
  const fl = gd?._fullLayout;
  if (!gd || !fl) throw new Error(`no navigator plot in ${id}`);
  gd.scrollIntoView({ block: "center" });
  const r = gd.getBoundingClientRect();
  const px = r.left + fl.xaxis._offset + fl.xaxis.l2p(x);
  const py = r.top + fl.yaxis._offset + (y === null ? fl.yaxis._length / 2 : fl.yaxis.l2p(y));
  return { x: px, y: py };
}

/** The PNG of a case: decoded size, CSS size, and how much of it differs from its background. */
function pngCheck(id: string): { naturalWidth: number; naturalHeight: number; cssWidth: number; cssHeight: number; inked: number; colours: number } {
  const img = document.querySelector(`#${id} img`) as HTMLImageElement | null;
  if (!img) throw new Error(`no img in ${id}`);
  const c = document.createElement("canvas");
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const g = c.getContext("2d")!;
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const bg = [d[0], d[1], d[2], d[3]];
  let inked = 0;
  const colours = new Set<number>();
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) + Math.abs(d[i + 3] - bg[3]) > 30) inked++;
    if (colours.size < 1000) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  const r = img.getBoundingClientRect();
  return { naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, cssWidth: r.width, cssHeight: r.height, inked: inked / (d.length / 4), colours: colours.size };
}

(window as unknown as { harness: unknown }).harness = { loadExtension, render, dispose, inspect, navPoint, pngCheck, useKernel, commDeliver, ready: true };
