/**
 * The JupyterLab renderer extension (renderers/), for real, in headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core; no JupyterLab server).
 *
 * The page (renderers/harness/host.ts, bundled here with esbuild) holds @jupyterlab/rendermime's
 * RenderMimeRegistry with JupyterLab's standard factories, and loads the BUILT extension
 * (renderers/labextension/) the way JupyterLab does: module federation, remoteEntry from the
 * package.json's `_build.load`, `./mimeExtension` and `./style`. Bundles come from the real library
 * (`s[Symbol.for("Jupyter.display")]()`, through JSON as the kernel sends them): a lazy Signal1D, a
 * computed Signal1D with navigation, a Signal2D, and one over the display budget. Checked: the
 * MIME type chosen, the DOM (plots, axis titles in units, layer table, chunk diagrams, warnings),
 * a real mouse click on the navigator and a slider key press changing the signal shown, plot width
 * after render-before-attach, and the fallbacks with only the standard factories (the PNG decoded
 * at its size and not blank, the lazy HTML table).  Screenshots: build/screenshots/renderers/.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as hs from "../../index";
import { ROOT } from "../helpers";
import { JUPYTER_DISPLAY, JUPYTER_DISPLAY_METADATA, LAZY_MIME, MimeBundle, MimeMetadata, SIGNAL_MIME } from "../../lazy/display/mime";
import { PlotComms } from "../../kernel/comm";
import { enableLivePlots } from "../../signals/liveplot";
import type { Header, Message } from "../../kernel/wire";

// The parts of playwright-core used here. Its own .d.ts needs the DOM lib, which the root
// tsconfig (Node only) does not load, so it is required untyped and described by these.
interface Locator {
  screenshot(o: { path: string }): Promise<unknown>;
  focus(): Promise<void>;
}
interface Route {
  request(): { url(): string };
  abort(): Promise<void>;
  fulfill(o: { status: number; contentType?: string; body: string | Buffer }): Promise<void>;
}
interface Page {
  evaluate(expression: string): Promise<unknown>;
  goto(url: string): Promise<unknown>;
  waitForFunction(expression: string, arg?: unknown, o?: { timeout: number }): Promise<unknown>;
  waitForSelector(selector: string, o?: { timeout: number }): Promise<unknown>;
  locator(selector: string): Locator;
  mouse: { click(x: number, y: number): Promise<void>; move(x: number, y: number, o?: { steps: number }): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  exposeFunction(name: string, f: (arg: string) => unknown): Promise<void>;
  keyboard: { press(key: string): Promise<void> };
  screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: "console", f: (m: { type(): string; text(): string }) => void): void;
  on(event: "pageerror", f: (e: Error) => void): void;
}
interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  route(url: string, handler: (r: Route) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: {
    launchPersistentContext(
      userDataDir: string,
      o: { executablePath: string; headless: boolean; args: string[]; viewport: { width: number; height: number }; deviceScaleFactor: number },
    ): Promise<BrowserContext>;
  };
}

const { Signal1D, Signal2D, LazySignal1D } = hs.signals;
const CHROMIUM = process.env.HSTS_CHROMIUM ?? "/usr/bin/chromium";
const EXT = path.join(ROOT, "renderers", "labextension");
const OUT = path.join(ROOT, "build", "screenshots", "renderers");
const ORIGIN = "http://hsts.test";
const EXT_NAME = "hyperspy-ts-renderers";

interface Bundle {
  data: MimeBundle;
  metadata: MimeMetadata;
}

/** The bundle as the kernel sends it: data through JSON, metadata from the symbol property. */
function bundleOf(x: { [JUPYTER_DISPLAY](): MimeBundle }): Bundle {
  const data = x[JUPYTER_DISPLAY]() as MimeBundle & { [JUPYTER_DISPLAY_METADATA]?: MimeMetadata };
  return { data: JSON.parse(JSON.stringify(data)) as MimeBundle, metadata: data[JUPYTER_DISPLAY_METADATA] ?? {} };
}

function ndarrayOf(data: Float32Array, shape: number[]): hs.lazy.NDArray {
  return hs.lazy.fromArray(data, { chunks: -1 }).reshape(shape).computeSync();
}

/** A spectrum image whose peak moves with x and grows with y: every pixel's spectrum differs. */
function spectrumImage(nx: number, ny: number, ne: number): Float32Array {
  const d = new Float32Array(nx * ny * ne);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const centre = ne * 0.2 + (x * ne * 0.6) / nx;
      for (let e = 0; e < ne; e++) d[(y * nx + x) * ne + e] = Math.exp(-((e - centre) ** 2) / (ne / 4)) * (10 + y) + 1 + 0.5 * Math.sin(e / 7);
    }
  }
  return d;
}

const siAxes = (nx: number, ny: number, ne: number) => [
  { size: ny, name: "y", units: "nm", scale: 0.5, navigate: true },
  { size: nx, name: "x", units: "nm", scale: 0.5, navigate: true },
  { size: ne, name: "Energy", units: "eV", scale: 0.25, offset: 100 },
];

const NX = 32;
const NY = 24;
const NE = 256;
const SI = spectrumImage(NX, NY, NE);

function cases(): { [id: string]: Bundle } {
  // lazy: chunked over the signal axis (a warning), a few layers; displaying it computes nothing
  const x = hs.lazy.random.random([6, 8, 100], { seed: 1, chunks: [3, 4, 50], dtype: "float32" });
  const lazy = new LazySignal1D(x.mul(2).add(1), { axes: siAxes(8, 6, 100) });
  lazy.title = "EELS map";
  lazy.metadata.setItem("Signal.signal_type", "EELS");

  const si = new Signal1D(ndarrayOf(SI, [NY, NX, NE]), { axes: siAxes(NX, NY, NE) });
  si.title = "Spectrum image";
  si.axesManager.indices = [3, 2];
  si.metadata.setItem("Signal.quantity", "Intensity (counts)");

  const h = 48;
  const w = 64;
  const im = new Float32Array(h * w);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) im[r * w + c] = Math.sin(c / 6) * Math.cos(r / 5) + r / h;
  const img = new Signal2D(ndarrayOf(im, [h, w]), {
    axes: [
      { size: h, name: "y", units: "nm", scale: 0.2 },
      { size: w, name: "x", units: "nm", scale: 0.2 },
    ],
  });
  img.title = "Image";

  // over the 2 MB budget: (64, 64|1024) float32 is 16 MiB; the navigation gets binned
  const big = new Signal1D(ndarrayOf(spectrumImage(64, 64, 1024), [64, 64, 1024]), { axes: siAxes(64, 64, 1024) });
  big.title = "Large";

  const spec = new Signal1D(SI.slice(0, NE), { axes: [{ size: NE, name: "Energy", units: "eV", scale: 0.25, offset: 100 }] });
  spec.title = "One spectrum";

  const arr = hs.lazy.random.random([300, 200], { seed: 2, chunks: [100, 50] }).sum({ axis: 1 });

  // one navigation axis: the navigator is a line
  const line = new Signal1D(ndarrayOf(SI.slice(0, 10 * NE), [10, NE]), { axes: [{ size: 10, name: "t", units: "s", navigate: true }, { size: NE, name: "Energy", units: "eV", scale: 0.25, offset: 100 }] });
  // three navigation axes, and signal dimension 0
  const cube = new Signal1D(ndarrayOf(SI.slice(0, 2 * 3 * 4 * 20), [2, 3, 4, 20]));
  const dim0 = new Signal2D(ndarrayOf(new Float32Array(12).map((_, i) => i), [3, 4])).T;

  return { line: bundleOf(line), cube: bundleOf(cube), dim0: bundleOf(dim0), lazy: bundleOf(lazy), lazyArray: bundleOf(arr), si: bundleOf(si), img: bundleOf(img), big: bundleOf(big), spec: bundleOf(spec) };
}

const CONTENT: { [ext: string]: string } = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".html": "text/html",
  ".svg": "image/svg+xml",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".png": "image/png",
};

let context: BrowserContext | null = null;
let page: Page;
let bundles: { [id: string]: Bundle };
let profile = "";
let commMsgs = 0;
/** kernel/comm.ts, serving the page's comms (created after the non-live bundles are made). */
let comms: PlotComms;
const commLog: { type: string; data: unknown }[] = [];
const consoleErrors: string[] = [];

type Inspect = {
  head: string;
  state: string | null;
  plots: number;
  navXTitle: string[];
  navYTitle: string[];
  sigXTitle: string[];
  sigYTitle: string[];
  sigTitle: string[];
  navigator: { type: string; zShape: number[] | null; y: (number | null)[] | null } | null;
  signal: { type: string; x: number[] | null; y: (number | null)[] | null; zShape: number[] | null; zFlat: (number | null)[] | null } | null;
  source: string | null;
  live: string | null;
  drawn: string | null;
  status: string | null;
  indices: string | null;
  sigDivWidth: number | null;
  sigSvgWidth: number | null;
  sliders: string[];
  layerRows: number;
  layerOps: string[];
  chunkSvgs: number;
  warnings: string[];
  notes: string[];
  errors: string[];
  tables: number;
  tableRows: number;
  svgs: number;
  imgs: number;
  text: string;
};

async function render(id: string, b: Bundle, opts: { registry?: "full" | "standard"; trusted?: boolean; title?: string } = {}): Promise<string | undefined> {
  const c = { id, title: opts.title ?? id, data: b.data, metadata: b.metadata, registry: opts.registry ?? "full", trusted: opts.trusted ?? true };
  const r = (await page.evaluate(`harness.render(${JSON.stringify(c)})`)) as { mime: string | undefined };
  return r.mime;
}

async function inspect(id: string): Promise<Inspect> {
  return (await page.evaluate(`harness.inspect(${JSON.stringify(id)})`)) as Inspect;
}

async function shot(id: string, name = id): Promise<void> {
  await page.locator(`#${id}`).screenshot({ path: path.join(OUT, `${name}.png`) });
}

/** Waits until a signal case has its plots (plotly loaded and drawn), failing with what is there. */
async function ready(id: string): Promise<Inspect> {
  try {
    await page.waitForSelector(`#${id} .hsts-signal[data-state="ready"]`, { timeout: 30_000 });
  } catch (e) {
    const st = await inspect(id).catch(() => null);
    throw new Error(`${id}: the plots were not drawn (${String(e)}); page errors: ${consoleErrors.join(" | ")}; case: ${JSON.stringify(st)}`);
  }
  // two frames for plotly's layout to settle before measuring / screenshots
  await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
  return inspect(id);
}

function spectrumAt(x: number, y: number): number[] {
  return Array.from(SI.subarray((y * NX + x) * NE, (y * NX + x + 1) * NE));
}

function assertClose(actual: (number | null)[] | null | undefined, expected: number[], what: string): void {
  assert.ok(actual, `${what}: no values`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs((actual[i] ?? NaN) - expected[i]) < 1e-4 * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

before(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing (${CHROMIUM}): the renderer tests drive Debian's chromium with playwright-core. ` +
        `Install it with \`apt-get install -y chromium\` (or set HSTS_CHROMIUM to another Chromium binary).`,
    );
  }
  if (!fs.existsSync(path.join(EXT, "package.json"))) {
    throw new Error(`the labextension is not built (${EXT}/package.json is missing): run \`npm run build:renderers\` (npm test runs it through \`npm run build\`)`);
  }
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });

  // the host page: RenderMimeRegistry + standard factories + a federation loader (esbuild, ~1 s)
  const esbuild = await import("esbuild");
  const harnessDir = path.join(OUT, "harness");
  await esbuild.build({
    entryPoints: [path.join(ROOT, "renderers", "harness", "host.ts")],
    bundle: true,
    format: "iife",
    outdir: harnessDir,
    entryNames: "host",
    minify: true,
    sourcemap: false,
    logLevel: "error",
    define: { "process.env.NODE_ENV": '"production"', global: "window" },
    loader: { ".svg": "file", ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".png": "file", ".gif": "file" },
  });
  const versions = { "@lumino/widgets": (JSON.parse(fs.readFileSync(require.resolve("@lumino/widgets/package.json", { paths: [path.join(ROOT, "renderers")] }), "utf8")) as { version: string }).version };
  const html = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/harness/host.css"><style>body{margin:12px;font-family:sans-serif;background:#fff} .case{margin:0 0 18px 0;padding:8px;border:1px solid #ddd;width:1000px} h3{font:600 13px sans-serif;margin:0 0 6px 0;color:#555}</style></head><body><div id="cases"></div><script src="/harness/host.js"></script></body></html>`;

  bundles = cases();
  comms = new PlotComms((type, content) => {
    commLog.push({ type, data: content.data });
    void page.evaluate(`harness.commDeliver(${JSON.stringify(content.comm_id)}, ${JSON.stringify(type)}, ${JSON.stringify(content.data)})`);
  }, () => undefined);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), "hsts-chromium-"));
  const { chromium } = require("playwright-core") as Playwright;
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1100, height: 900 },
    deviceScaleFactor: 1,
  });
  page = context.pages()[0] ?? (await context.newPage());
  // the stand-in kernel's comms: messages from the page go to kernel/comm.ts here, its replies back
  await page.exposeFunction("hstsComm", (json: string) => {
    const m = JSON.parse(json) as { op: "open" | "msg" | "close"; id: string; target?: string; data?: unknown };
    const header = { msg_id: `m${++commMsgs}`, msg_type: `comm_${m.op}` } as unknown as Header;
    const msg = { header, content: { comm_id: m.id, target_name: m.target, data: m.data } } as unknown as Message;
    if (m.op === "open") {
      if (!comms.open(msg)) void page.evaluate(`harness.commDeliver(${JSON.stringify(m.id)}, "comm_close", {})`);
    } else if (m.op === "msg") comms.message(msg);
    else comms.close(msg);
  });
  page.on("console", (m) => {
    if (m.type() === "error" && !/Clipboard API/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // every request is answered from disk (no server, no network)
  await context.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort();
    let file: string | null = null;
    if (url.pathname === "/" || url.pathname === "/index.html") return route.fulfill({ status: 200, contentType: "text/html", body: html });
    if (url.pathname.startsWith("/harness/")) file = path.join(harnessDir, url.pathname.slice("/harness/".length));
    const prefix = `/labextensions/${EXT_NAME}/`;
    if (url.pathname.startsWith(prefix)) file = path.join(EXT, url.pathname.slice(prefix.length));
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) return route.fulfill({ status: 404, body: "not found" });
    return route.fulfill({ status: 200, contentType: CONTENT[path.extname(file)] ?? "application/octet-stream", body: fs.readFileSync(file) });
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction("window.harness && window.harness.ready", undefined, { timeout: 30_000 });
  const loaded = (await page.evaluate(`harness.loadExtension(${JSON.stringify(`/labextensions/${EXT_NAME}`)}, ${JSON.stringify(versions)})`)) as { ids: string[]; order: string[] };
  assert.deepEqual(loaded.ids, [`${EXT_NAME}:lazy`, `${EXT_NAME}:signal`]);
  // ours rank ahead of every standard factory
  assert.deepEqual(loaded.order.slice(0, 2).sort(), [LAZY_MIME, SIGNAL_MIME].sort(), `registry order: ${loaded.order.join(" > ")}`);
});

after(async () => {
  enableLivePlots(false);
  if (page) await page.screenshot({ path: path.join(OUT, "all.png"), fullPage: true }).catch(() => undefined);
  await context?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

test("lazy Signal1D: summary, chunk diagrams per space, layer table and warnings (no plotly)", async () => {
  const b = bundles.lazy;
  assert.equal(await render("lazy", b, { title: "lazy Signal1D (trusted)" }), LAZY_MIME);
  const st = await inspect("lazy");
  const p = b.data[LAZY_MIME] as { layers: unknown[]; warnings: { code: string }[] };
  assert.equal(st.layerRows, p.layers.length, "one row per graph layer");
  assert.deepEqual(st.layerOps, ["random-uniform", "mul", "add"], "the pipeline, sources first");
  assert.equal(st.chunkSvgs, 2, "navigation and signal chunk diagrams");
  assert.deepEqual(st.warnings, p.warnings.map((w) => w.code));
  assert.ok(st.warnings.includes("split-signal-axes"), "the signal axis split in chunks is warned");
  assert.match(st.text, /LazySignal1D/);
  assert.match(st.text, /navigation \(8, 6\) \| signal \(100,\)/);
  assert.match(st.text, /Energy/);
  assert.equal(st.plots, 0, "a lazy summary draws no plot");
  await shot("lazy");

  assert.equal(await render("lazy-array", bundles.lazyArray, { title: "LazyArray" }), LAZY_MIME);
  const sa = await inspect("lazy-array");
  assert.match(sa.text, /LazyArray/);
  assert.match(sa.text, /shape \(300,\)/);
  assert.equal(sa.chunkSvgs, 1, "one array grid");
  assert.equal(sa.layerRows, (bundles.lazyArray.data[LAZY_MIME] as { layers: unknown[] }).layers.length);
  await shot("lazy-array");
});

test("computed Signal1D with navigation: navigator + spectrum, axis titles in units, click and slider change the pixel", async () => {
  const b = bundles.si;
  assert.equal(await render("si", b, { title: "Signal1D (32, 24|256)" }), SIGNAL_MIME);
  let st = await ready("si");
  assert.equal(st.plots, 2, "navigator and signal plots");
  assert.deepEqual(st.navXTitle, ["x (nm)"]);
  assert.deepEqual(st.navYTitle, ["y (nm)"]);
  assert.deepEqual(st.sigXTitle, ["Energy (eV)"]);
  assert.deepEqual(st.sigYTitle, ["Intensity (counts)"]);
  assert.equal(st.navigator?.type, "heatmap");
  assert.deepEqual(st.navigator?.zShape, [NY, NX]);
  assert.equal(st.signal?.type, "scatter");
  assert.equal(st.indices, "3,2", "starts at the kernel's current pixel");
  assertClose(st.signal?.y, spectrumAt(3, 2), "signal at (3, 2)");
  assert.equal(st.signal?.x?.[0], 100);
  assert.equal(st.signal?.x?.[1], 100.25);
  // rendered before it was attached, the plot still fills its panel (resize on attach)
  assert.ok(st.sigDivWidth !== null && st.sigDivWidth > 400, `signal panel width ${st.sigDivWidth}`);
  assert.ok(st.sigSvgWidth !== null && Math.abs(st.sigSvgWidth - (st.sigDivWidth ?? 0)) <= 2, `plot width ${st.sigSvgWidth} fills its panel ${st.sigDivWidth}`);
  await shot("si");

  // the output area gets narrower (side panel opened): the plots follow (ResizeObserver)
  await page.evaluate(`document.getElementById("si").style.width = "760px"`);
  await page.waitForFunction(
    `(() => { const d = document.querySelector("#si .hsts-signal-plot"); const s = d && d.querySelector(".main-svg"); return s && Math.abs(Number(s.getAttribute("width")) - d.offsetWidth) <= 2; })()`,
    undefined,
    { timeout: 10_000 },
  );
  const before = st.sigDivWidth;
  st = await ready("si");
  assert.notEqual(st.sigDivWidth, before, "the panel changed width");
  assert.ok(Math.abs((st.sigSvgWidth ?? 0) - (st.sigDivWidth ?? 0)) <= 2, `plot ${st.sigSvgWidth} follows its panel ${st.sigDivWidth}`);
  await shot("si", "si-narrow");
  await page.evaluate(`document.getElementById("si").style.width = ""`);

  // a real mouse click on navigator pixel (x=20, y=15)
  const pt = (await page.evaluate(`harness.navPoint("si", ${0.5 * 20}, ${0.5 * 15})`)) as { x: number; y: number };
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(`document.querySelector("#si .hsts-status").dataset.indices === "20,15"`, undefined, { timeout: 10_000 }).catch(async () => {
    throw new Error(`the click did not select (20, 15): ${JSON.stringify((await inspect("si")).indices)}`);
  });
  st = await ready("si");
  assertClose(st.signal?.y, spectrumAt(20, 15), "signal at (20, 15) after the click");
  assert.deepEqual(st.sliders, ["20", "15"]);
  assert.match(st.status ?? "", /x = 20 \(10 nm\), y = 15 \(7\.5 nm\); exact values/);
  await shot("si", "si-clicked");

  // the x slider, by keyboard
  await page.locator('#si .hsts-sliders input[data-axis="0"]').focus();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(`document.querySelector("#si .hsts-status").dataset.indices === "21,15"`, undefined, { timeout: 10_000 });
  st = await ready("si");
  assertClose(st.signal?.y, spectrumAt(21, 15), "signal at (21, 15) after the slider");
});

test("computed Signal2D: a heatmap with axis titles in units", async () => {
  assert.equal(await render("img", bundles.img, { title: "Signal2D (|64, 48)" }), SIGNAL_MIME);
  const st = await ready("img");
  assert.equal(st.plots, 1, "no navigator without navigation axes");
  assert.equal(st.signal?.type, "heatmap");
  assert.deepEqual(st.signal?.zShape, [48, 64]);
  assert.deepEqual(st.sigXTitle, ["x (nm)"]);
  assert.deepEqual(st.sigYTitle, ["y (nm)"]);
  assert.equal(st.sliders.length, 0);
  await shot("img");
});

test("computed Signal1D without navigation: one line plot", async () => {
  assert.equal(await render("spec", bundles.spec, { title: "Signal1D (|256)" }), SIGNAL_MIME);
  const st = await ready("spec");
  assert.equal(st.plots, 1);
  assert.deepEqual(st.sigXTitle, ["Energy (eV)"]);
  assertClose(st.signal?.y, spectrumAt(0, 0), "the spectrum");
  await shot("spec");
});

test("over the budget: the UI says what is binned; exact at the kernel's pixel, bin means elsewhere", async () => {
  assert.equal(await render("big", bundles.big, { title: "Signal1D (64, 64|1024) over the 2 MB budget" }), SIGNAL_MIME);
  let st = await ready("big");
  assert.ok(st.notes.some((n) => /Downsampled to fit the display budget .*navigation binned 4×4/.test(n)), `notes: ${st.notes.join(" | ")}`);
  assert.match(st.status ?? "", /exact values/);
  assert.deepEqual(st.navigator?.zShape, [64, 64], "the navigator stays exact");
  const pt = (await page.evaluate(`harness.navPoint("big", ${0.5 * 40}, ${0.5 * 9})`)) as { x: number; y: number };
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(`document.querySelector("#big .hsts-status").dataset.indices === "40,9"`, undefined, { timeout: 10_000 });
  st = await ready("big");
  assert.match(st.status ?? "", /mean of the 4×4 navigation pixels of its bin/);
  assert.match(st.status ?? "", /exact signal only at x = 0/);
  assert.equal(st.signal?.y?.length, 1024);
  await shot("big");
});

test("one navigation axis: a line navigator; a click on it selects the pixel", async () => {
  assert.equal(await render("line", bundles.line, { title: "Signal1D (10|256)" }), SIGNAL_MIME);
  let st = await ready("line");
  assert.equal(st.navigator?.type, "scatter");
  assert.deepEqual(st.navXTitle, ["t (s)"]);
  // anywhere above t = 7 (hovermode "x"), not only on the line
  const pt = (await page.evaluate(`harness.navPoint("line", 7, null)`)) as { x: number; y: number };
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(`document.querySelector("#line .hsts-status").dataset.indices === "7"`, undefined, { timeout: 10_000 });
  st = await ready("line");
  assertClose(st.signal?.y, spectrumAt(7, 0), "signal at t = 7");
  await shot("line");
});

test("three navigation axes and signal dimension 0 render without errors", async () => {
  assert.equal(await render("cube", bundles.cube, { title: "Signal1D (4, 3, 2|20)" }), SIGNAL_MIME);
  let st = await ready("cube");
  assert.equal(st.sliders.length, 3);
  assert.deepEqual(st.navigator?.zShape, [3, 4]);
  await page.locator('#cube .hsts-sliders input[data-axis="2"]').focus();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(`document.querySelector("#cube .hsts-status").dataset.indices === "0,0,1"`, undefined, { timeout: 10_000 });
  st = await ready("cube");
  assert.match(st.status ?? "", /the navigator image is at .* = 0/);
  assertClose(st.signal?.y, Array.from(SI.slice(12 * 20, 13 * 20)), "signal at (0, 0, 1)");
  await shot("cube");
  assert.equal(await render("dim0", bundles.dim0, { title: "(4, 3|)" }), SIGNAL_MIME);
  st = await ready("dim0");
  assert.equal(st.plots, 1, "the navigator only");
  assert.match(st.status ?? "", /value 0/);
  assert.deepEqual(st.errors, []);
  await shot("dim0");
});

test("untrusted output: our renderers are safe, so they are still used", async () => {
  assert.equal(await render("si-untrusted", bundles.si, { trusted: false, title: "Signal1D, untrusted" }), SIGNAL_MIME);
  await ready("si-untrusted");
  assert.equal(await render("lazy-untrusted", bundles.lazy, { trusted: false, title: "lazy, untrusted" }), LAZY_MIME);
  await page.evaluate(`harness.dispose("si-untrusted")`);
});

test("only the standard factories: computed signals show the PNG (its size, not blank), lazy ones the HTML table", async () => {
  for (const id of ["si", "img"]) {
    const b = bundles[id];
    const cid = `std-${id}`;
    assert.equal(await render(cid, b, { registry: "standard", title: `${id}: standard factories only` }), "image/png");
    await page.waitForFunction(`(() => { const i = document.querySelector("#${cid} img"); return i && i.complete && i.naturalWidth > 0; })()`, undefined, { timeout: 10_000 });
    const png = (await page.evaluate(`harness.pngCheck(${JSON.stringify(cid)})`)) as { naturalWidth: number; naturalHeight: number; cssWidth: number; cssHeight: number; inked: number; colours: number };
    const md = b.metadata["image/png"] as { width: number; height: number };
    assert.equal(png.naturalWidth, md.width * 2, "the PNG is 2x its CSS size (hi-dpi)");
    assert.equal(png.naturalHeight, md.height * 2);
    assert.equal(png.cssWidth, md.width, "laid out at the metadata width");
    assert.ok(png.inked > 0.03, `the PNG is not blank (${(png.inked * 100).toFixed(1)}% drawn)`);
    assert.ok(png.colours > 20, `the PNG has a plot's colours (${png.colours})`);
    await shot(cid);
  }
  for (const trusted of [true, false]) {
    const cid = `std-lazy-${trusted ? "trusted" : "untrusted"}`;
    assert.equal(await render(cid, bundles.lazy, { registry: "standard", trusted, title: `lazy: standard factories only, ${trusted ? "trusted" : "untrusted (sanitized)"}` }), "text/html");
    const st = await inspect(cid);
    assert.ok(st.tables >= 3, `the HTML has its tables (${st.tables})`);
    assert.match(st.text, /LazySignal1D/);
    assert.match(st.text, /Energy/);
    if (trusted) assert.ok(st.svgs >= 2, "trusted HTML keeps its SVG chunk diagrams");
    await shot(cid);
  }
});

// ------------------------------------------------------------------------------------------------
// live views: the renderer asks kernel/comm.ts (through the stand-in kernel's comm) for each pixel

const live: { [id: string]: Bundle } = {};
const LZ = { nx: 16, ny: 12, sx: 24, sy: 20 };
const lazyImage = (x: number, y: number) => {
  const out: number[] = [];
  for (let r = 0; r < LZ.sy; r++) for (let c = 0; c < LZ.sx; c++) out.push(Math.fround(Math.cos((c - x) / 3) * Math.sin((r + y) / 4) + x * 0.1 + y));
  return out;
};

async function status(id: string, re: RegExp): Promise<Inspect> {
  try {
    await page.waitForFunction(`(() => { const s = document.querySelector("#${id} .hsts-status"); return s && ${re.toString()}.test(s.textContent); })()`, undefined, { timeout: 15_000 });
  } catch {
    throw new Error(`${id}: the status never matched ${re}: ${JSON.stringify((await inspect(id)).status)}; page errors: ${consoleErrors.join(" | ")}`);
  }
  return ready(id);
}

test("live: a displayed signal over the budget gets the exact spectrum from the kernel at each click", async () => {
  await page.evaluate("harness.useKernel(true)");
  const big = new Signal1D(ndarrayOf(spectrumImage(64, 64, 1024), [64, 64, 1024]), { axes: siAxes(64, 64, 1024) });
  big.title = "Large, live";
  live.big = bundleOf(big);
  const p = live.big.data[SIGNAL_MIME] as { live?: { plotId: string }; budget: { bytes: number } };
  assert.ok(p.live, "the payload is live");
  assert.ok(JSON.stringify(live.big.data).length < 300_000, `the saved output is ${JSON.stringify(live.big.data).length} bytes`);
  assert.equal(await render("live-big", live.big, { title: "live: Signal1D (64, 64|1024), kernel connected" }), SIGNAL_MIME);
  await ready("live-big");
  const pt = (await page.evaluate(`harness.navPoint("live-big", ${0.5 * 40}, ${0.5 * 9})`)) as { x: number; y: number };
  await page.mouse.click(pt.x, pt.y);
  const st = await status("live-big", /x = 40 .*exact values from the kernel/);
  assert.equal(st.source, "kernel");
  assert.equal(st.live, "live");
  const si = spectrumImage(64, 64, 1024);
  assertClose(st.signal?.y, Array.from(si.subarray((9 * 64 + 40) * 1024, (9 * 64 + 41) * 1024)), "the exact spectrum at (40, 9)");
  await shot("live-big");
});

test("live: s.plot() of a lazy Signal2D: HyperSpy's navigator, the image at a click (chunk read, then cached), a drag", async () => {
  const d = new Float32Array(LZ.ny * LZ.nx * LZ.sy * LZ.sx);
  for (let y = 0; y < LZ.ny; y++) for (let x = 0; x < LZ.nx; x++) d.set(lazyImage(x, y), (y * LZ.nx + x) * LZ.sy * LZ.sx);
  const s = new Signal2D(ndarrayOf(d, [LZ.ny, LZ.nx, LZ.sy, LZ.sx])).asLazy({ chunks: [4, 4, LZ.sy, LZ.sx] });
  s.title = "Lazy 4D";
  const view = (await s.plot()) as unknown as { [JUPYTER_DISPLAY](): MimeBundle };
  live.lazy = bundleOf(view);
  const p = live.lazy.data[SIGNAL_MIME] as { live?: { lazy: boolean }; navigator: { method: string; sumFrom: number[][] } | null; data: unknown };
  assert.equal(p.live?.lazy, true);
  assert.equal(p.data, null, "a lazy plot embeds no data");
  assert.deepEqual(p.navigator?.sumFrom, [[0, LZ.sx], [0, LZ.sy]]);
  assert.equal(await render("live-lazy", live.lazy, { title: "live: lazy Signal2D (16, 12|24, 20) plot()" }), SIGNAL_MIME);
  let st = await ready("live-lazy");
  assert.deepEqual(st.navigator?.zShape, [LZ.ny, LZ.nx]);
  assertClose(st.signal?.zFlat, lazyImage(0, 0), "the image at (0, 0) from the payload");
  // a click: its chunk is read
  let pt = (await page.evaluate(`harness.navPoint("live-lazy", 9, 6)`)) as { x: number; y: number };
  await page.mouse.click(pt.x, pt.y);
  st = await status("live-lazy", /0th = 9, Unnamed 1st = 6; .*its chunk read/);
  await page.waitForFunction(`document.querySelector("#live-lazy .hsts-signal").dataset.drawn === "9,6"`, undefined, { timeout: 10_000 });
  st = await inspect("live-lazy");
  assertClose(st.signal?.zFlat, lazyImage(9, 6), "the image at (9, 6)");
  // the next pixel of the same chunk (x 8:12, y 4:8) comes from the cache
  pt = (await page.evaluate(`harness.navPoint("live-lazy", 10, 7)`)) as { x: number; y: number };
  await page.mouse.click(pt.x, pt.y);
  st = await status("live-lazy", /0th = 10, Unnamed 1st = 7; .*its chunk cached/);
  await shot("live-lazy");
  // a drag across the navigator with the button held: the view follows to where it stops
  const a = (await page.evaluate(`harness.navPoint("live-lazy", 2, 2)`)) as { x: number; y: number };
  const b = (await page.evaluate(`harness.navPoint("live-lazy", 13, 10)`)) as { x: number; y: number };
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
  st = await status("live-lazy", /0th = 13, Unnamed 1st = 10; exact values from the kernel/);
  await page.waitForFunction(`document.querySelector("#live-lazy .hsts-signal").dataset.drawn === "13,10"`, undefined, { timeout: 10_000 });
  assertClose((await inspect("live-lazy")).signal?.zFlat, lazyImage(13, 10), "the image at (13, 10) after the drag");
  const sent = commLog.filter((m) => (m.data as { type?: string }).type === "signal").length;
  assert.ok(sent >= 3, `replies: ${sent}`);
  await shot("live-lazy", "live-lazy-dragged");
});

test("live: sliders only (a lazy signal with 3 navigation axes); no kernel: the embedded view and why", async () => {
  const d = new Float32Array(2 * 3 * 4 * 16).map((_, i) => i);
  const s = new Signal1D(ndarrayOf(d, [2, 3, 4, 16])).asLazy({ chunks: [1, 3, 4, 16] });
  live.slider = bundleOf((await s.plot()) as unknown as { [JUPYTER_DISPLAY](): MimeBundle });
  assert.equal(await render("live-slider", live.slider, { title: "live: lazy (4, 3, 2|16) plot(): sliders" }), SIGNAL_MIME);
  let st = await ready("live-slider");
  assert.equal(st.plots, 1, "no navigator image: sliders only (HyperSpy's rule beyond 2 lazy navigation axes)");
  assert.equal(st.sliders.length, 3);
  await page.locator('#live-slider .hsts-sliders input[data-axis="2"]').focus();
  await page.keyboard.press("ArrowRight");
  st = await status("live-slider", /2nd = 1; exact values from the kernel/);
  await page.waitForFunction(`document.querySelector("#live-slider .hsts-signal").dataset.drawn === "0,0,1"`, undefined, { timeout: 10_000 });
  assertClose((await inspect("live-slider")).signal?.y, Array.from(d.slice(12 * 16, 13 * 16)), "signal at (0, 0, 1)");
  await shot("live-slider");

  // no kernel connected (a saved notebook reopened): what is embedded, and the status says why
  await page.evaluate("harness.useKernel(false)");
  assert.equal(await render("live-off", live.lazy, { title: "live payload, no kernel" }), SIGNAL_MIME);
  await ready("live-off");
  const pt = (await page.evaluate(`harness.navPoint("live-off", 5, 5)`)) as { x: number; y: number };
  await page.mouse.click(pt.x, pt.y);
  st = await status("live-off", /not live: no kernel connected/);
  assert.match(st.status ?? "", /the payload holds the signal only at Unnamed 0th = 0, Unnamed 1st = 0/);
  await shot("live-off");
  // a plot from an earlier kernel: the kernel says to run the cell again
  await page.evaluate("harness.useKernel(true)");
  const stale = JSON.parse(JSON.stringify(live.lazy)) as Bundle;
  (stale.data[SIGNAL_MIME] as { live: { plotId: string } }).live.plotId = "from-an-earlier-kernel";
  assert.equal(await render("live-stale", stale, { title: "live payload of an earlier kernel" }), SIGNAL_MIME);
  await ready("live-stale");
  const q = (await page.evaluate(`harness.navPoint("live-stale", 3, 3)`)) as { x: number; y: number };
  await page.mouse.click(q.x, q.y);
  await status("live-stale", /not live: .*run its cell again/);
});

test("the page logged no errors", () => {
  assert.deepEqual(consoleErrors, []);
});
