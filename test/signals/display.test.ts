/**
 * What signals and lazy arrays show in a notebook: `[Symbol.for("Jupyter.display")]()` bundles.
 * Lazy: the graph summary payload (axes order, chunk grids, task counts equal to what the planner
 * and a real compute report, warnings), static HTML and text, and nothing computed to make them.
 * Computed: the payload (values, navigator, current signal, budget) and the PNG plot (decoded here:
 * size, hi-dpi metadata, colours, where the line is). Sample PNGs go to os.tmpdir()/hsts-display.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as hs from "../../index";
import { ROOT, assertTypechecksWithTs50 } from "../helpers";
import { ArrayPayload, JUPYTER_DISPLAY_METADATA, LAZY_MIME, LazyPayload, MimeBundle, SIGNAL_MIME, SignalPayload } from "../../lazy/display/mime";
import { PLAN_LIMIT } from "../../lazy/display/display";

const { Signal1D, Signal2D, LazySignal1D, BaseSignal } = hs.signals;
type Sig = InstanceType<typeof BaseSignal>;
const DISPLAY = Symbol.for("Jupyter.display");
const OUT = path.join(os.tmpdir(), "hsts-display");
fs.mkdirSync(OUT, { recursive: true });

function show(x: Sig | hs.lazy.LazyArray): MimeBundle {
  const b = x[DISPLAY]();
  assert.equal(typeof b, "object");
  return b as MimeBundle;
}

function lazyOf(b: MimeBundle): LazyPayload {
  return b[LAZY_MIME] as LazyPayload;
}

function signalOf(b: MimeBundle): SignalPayload {
  return b[SIGNAL_MIME] as SignalPayload;
}

function decodeArray(a: ArrayPayload): Float32Array {
  assert.equal(a.dtype, "float32");
  assert.equal(a.encoding, "base64");
  assert.equal(a.byteOrder, "little");
  const buf = Buffer.from(a.data, "base64");
  assert.equal(buf.length, a.shape.reduce((p, n) => p * n, 1) * 4);
  const out = new Float32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** A minimal PNG decoder (8-bit RGB / RGBA, not interlaced): what any viewer must be able to read. */
function decodePNG(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString("ascii", pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, "bit depth 8");
      colorType = data[9];
      assert.equal(data[12], 0, "not interlaced");
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  assert.ok(colorType === 2 || colorType === 6, `colour type ${colorType} is RGB or RGBA`);
  const bpp = colorType === 6 ? 4 : 3;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = new Uint8Array(width * height * bpp);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      let p = 0;
      if (f === 1) p = a;
      else if (f === 2) p = b;
      else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) {
        const q = a + b - c;
        const pa = Math.abs(q - a);
        const pb = Math.abs(q - b);
        const pc = Math.abs(q - c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = (v + p) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = px[i * bpp];
    rgba[i * 4 + 1] = px[i * bpp + 1];
    rgba[i * 4 + 2] = px[i * bpp + 2];
    rgba[i * 4 + 3] = bpp === 4 ? px[i * bpp + 3] : 255;
  }
  return { width, height, rgba };
}

function pngOf(b: MimeBundle, name: string): { width: number; height: number; rgba: Uint8Array } {
  assert.equal(typeof b["image/png"], "string", "a PNG in the bundle");
  const buf = Buffer.from(b["image/png"] as string, "base64");
  fs.writeFileSync(path.join(OUT, `${name}.png`), buf);
  const img = decodePNG(buf);
  const md = (b as { [JUPYTER_DISPLAY_METADATA]?: { [k: string]: { width: number; height: number } } })[JUPYTER_DISPLAY_METADATA];
  assert.ok(md, "metadata under Symbol.for('Jupyter.display.metadata')");
  // hi-dpi: rendered at twice the CSS size given in the metadata
  assert.equal(img.width, md["image/png"].width * 2);
  assert.equal(img.height, md["image/png"].height * 2);
  assert.ok(!Object.keys(b).includes(String(JUPYTER_DISPLAY_METADATA)), "metadata is not a MIME type of the bundle");
  return img;
}

function distinctColours(rgba: Uint8Array): number {
  const s = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4) s.add((rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2]);
  return s.size;
}

/** (64, 64|1024)-like spectrum images: a Gaussian peak moving with x, its height growing with y. */
function spectrumImage(nx: number, ny: number, ne: number): Float32Array {
  const d = new Float32Array(nx * ny * ne);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      for (let e = 0; e < ne; e++) d[(y * nx + x) * ne + e] = Math.exp(-((e - ne * 0.3 - x) ** 2) / 50) * (10 + y) + 1;
    }
  }
  return d;
}

function ndarrayOf(data: Float32Array, shape: number[]): hs.lazy.NDArray {
  // a scijs ndarray through the engine: compute a fromArray of a typed array reshaped
  return hs.lazy.fromArray(data, { chunks: -1 }).reshape(shape).computeSync();
}

const siAxes = (nx: number, ny: number, ne: number) => [
  { size: ny, name: "y", units: "nm", scale: 0.5, navigate: true },
  { size: nx, name: "x", units: "nm", scale: 0.5, navigate: true },
  { size: ne, name: "Energy", units: "eV", scale: 0.25, offset: 100 },
];

// ------------------------------------------------------------------------------------------------
// lazy

test("lazy Signal1D: axes in navigation|signal natural order, chunk grids per space, split signal axis warned", () => {
  const x = hs.lazy.random.random([6, 8, 100], { seed: 1, chunks: [3, 4, 50], dtype: "float32" });
  const s = new LazySignal1D(x.mul(2).add(1), { axes: siAxes(8, 6, 100) });
  s.title = "EELS map";
  s.metadata.setItem("Signal.signal_type", "EELS");
  const b = show(s);
  assert.deepEqual(Object.keys(b).sort(), [LAZY_MIME, "text/html", "text/plain"].sort());
  const p = lazyOf(b);
  assert.equal(p.version, 1);
  assert.equal(p.kind, "lazy-signal");
  assert.equal(p.className, "LazySignal1D");
  assert.equal(p.title, "EELS map");
  assert.equal(p.signalType, "EELS");
  assert.equal(p.repr, "<LazySignal1D, title: EELS map, dimensions: (8, 6|100)>");
  assert.deepEqual(
    p.axes.map((a) => [a.name, a.units, a.size, a.navigate, a.arrayAxis, a.scale, a.offset]),
    [
      ["x", "nm", 8, true, 1, 0.5, 0],
      ["y", "nm", 6, true, 0, 0.5, 0],
      ["Energy", "eV", 100, false, 2, 0.25, 100],
    ],
  );
  assert.deepEqual(p.navigationShape, [8, 6]);
  assert.deepEqual(p.signalShape, [100]);
  assert.deepEqual(p.shape, [6, 8, 100]);
  assert.equal(p.dtype, "float32");
  assert.equal(p.nbytes, 6 * 8 * 100 * 4);
  assert.equal(p.chunkBytes, 3 * 4 * 50 * 4);
  assert.equal(p.numChunks, 8);
  assert.deepEqual(p.grids, [
    { space: "navigation", axes: [0, 1], chunks: [[4, 4], [3, 3]], numChunks: [2, 2], chunkShape: [4, 3] },
    { space: "signal", axes: [2], chunks: [[50, 50]], numChunks: [2], chunkShape: [50] },
  ]);
  assert.deepEqual(
    p.warnings.map((w) => w.code),
    ["split-signal-axes"],
  );
  assert.match(p.warnings[0].message, /"Energy" \(100\) into 2 chunks.*rechunk/);
  // text/plain: the repr first, then the summary and the warning
  const text = b["text/plain"] as string;
  assert.equal(text.split("\n")[0], s.toString());
  assert.match(text, /navigation \(4, 3\) \| signal \(50\)/);
  assert.match(text, /warning: The signal axis is split/);
  // text/html: static tables and SVG, nothing a sanitizer or GitHub would need to run
  const html = b["text/html"] as string;
  assert.match(html, /<table/);
  assert.equal((html.match(/<svg/g) ?? []).length, 2, "one chunk diagram for navigation, one for signal");
  assert.doesNotMatch(html, /<style|<script|javascript:|on\w+=/i);
  assert.match(html, /split-signal-axes/);
  assert.ok(html.length < 20_000, `html is ${html.length} characters`);
  // the same signal with whole signal axes (HyperSpy's default chunks): no warning
  const whole = new LazySignal1D(x.rechunk([3, 4, -1]), { axes: siAxes(8, 6, 100) });
  assert.deepEqual(lazyOf(show(whole)).warnings, []);
});

test("lazy display: layer task counts are the planner's, and what a compute then runs", async () => {
  const x = hs.lazy.random.random([6, 8, 100], { seed: 2, chunks: [3, 4, 50], dtype: "float32" });
  const y = x.mul(2).add(1).sum({ axis: [0, 1] });
  const s = new LazySignal1D(y, { axes: [{ size: 100, name: "Energy", units: "eV" }] });
  const p = lazyOf(show(s));
  const sum = y.summary();
  assert.equal(p.tasks.full, sum.tasksFull);
  assert.equal(p.tasks.optimized, sum.tasksOptimized);
  assert.equal(p.tasks.planned, true);
  assert.deepEqual(
    p.layers.map((l) => [l.name, l.label, l.kind, l.tasks]),
    sum.layers.map((l) => [l.name, l.label, l.kind, l.tasks]),
  );
  // per layer: the fused elementwise layers leave no task of their own
  const byLabel = Object.fromEntries(p.layers.map((l) => [l.label, l]));
  assert.equal(byLabel["mul"].tasksOptimized, 0);
  assert.equal(byLabel["add"].tasksOptimized, 0);
  assert.equal(byLabel["mul"].tasksCulled, 8);
  assert.equal(
    p.layers.reduce((n, l) => n + (l.tasksOptimized ?? 0), 0),
    p.tasks.optimized,
  );
  assert.equal(
    p.layers.reduce((n, l) => n + (l.tasksCulled ?? 0), 0),
    p.tasks.culled,
  );
  // a real compute runs exactly that many tasks
  const stats: Partial<hs.lazy.ComputeStats> = {};
  await y.compute({ scheduler: "sync", stats });
  assert.equal(stats.tasksFull, p.tasks.full);
  assert.equal(stats.tasksCulled, p.tasks.culled);
  assert.equal(stats.tasksRun, p.tasks.optimized);
  assert.ok((p.tasks.depth ?? 0) >= 3, `depth ${p.tasks.depth}`);
});

test("lazy display: bytes read from an in-memory source count only the blocks the result needs", async () => {
  const data = new Float32Array(8 * 8 * 64).map((_, i) => i % 7);
  const s = new Signal1D(ndarrayOf(data, [8, 8, 64])).asLazy({ chunks: [4, 4, -1] });
  const full = lazyOf(show(s));
  assert.equal(full.sources.length, 1);
  assert.equal(full.sources[0].kind, "source");
  assert.equal(full.sources[0].bytes, 8 * 8 * 64 * 4);
  assert.equal(full.bytesToRead, 8 * 8 * 64 * 4);
  // one navigation pixel: one of the four source blocks is read
  const one = s.inav(1, 2);
  const p = lazyOf(show(one));
  assert.equal(p.sources[0].bytesToRead, 4 * 4 * 64 * 4);
  assert.equal(p.bytesToRead, 4 * 4 * 64 * 4);
  const stats: Partial<hs.lazy.ComputeStats> = {};
  await (one.data as hs.lazy.LazyArray).compute({ scheduler: "sync", stats });
  assert.equal(stats.byOp?.["source.slice"], 1);
  assert.match(show(one)["text/plain"] as string, /reads 4\.00 kiB from 1 source/);
});

test("lazy display: tiny chunks, unknown chunks and graphs too big to plan", () => {
  const tiny = hs.lazy.random.random([64, 64, 256], { seed: 3, chunks: [4, 4, -1], dtype: "float32" });
  const p = lazyOf(show(tiny));
  assert.deepEqual(
    p.warnings.map((w) => w.code),
    ["small-chunks"],
  );
  assert.equal(p.kind, "lazy-array");
  assert.equal(p.className, "LazyArray");
  assert.deepEqual(
    p.axes.map((a) => a.label),
    ["axis 0", "axis 1", "axis 2"],
  );
  assert.deepEqual(
    p.grids.map((g) => g.space),
    ["array"],
  );
  const masked = tiny.get(tiny.gt(0.5));
  const m = lazyOf(show(masked));
  assert.ok(m.warnings.some((w) => w.code === "unknown-chunks"));
  assert.equal(m.nbytes, null);
  assert.deepEqual(m.shape, [null]);
  assert.equal(JSON.parse(JSON.stringify(m)).shape[0], null, "unknown sizes are JSON null");
  assert.match(show(masked)["text/html"] as string, /unknown/);
  // over PLAN_LIMIT tasks: counted in full only
  const big = hs.lazy.zeros([200, 200], { chunks: [1, 2] }).add(1);
  const q = lazyOf(show(big));
  assert.ok(q.tasks.full > PLAN_LIMIT);
  assert.equal(q.tasks.planned, false);
  assert.equal(q.tasks.optimized, null);
  assert.equal(q.layers[0].tasksOptimized, null);
  assert.match(show(big)["text/plain"] as string, /not planned/);
});

test("displaying a lazy signal computes nothing", () => {
  let computes = 0;
  let blocks = 0;
  const prev = hs.lazy.setComputeObserver({
    start() {
      computes++;
      return undefined;
    },
  });
  try {
    const x = hs.lazy.random.random([8, 8, 32], { seed: 4, chunks: [4, 4, 16], dtype: "float32" });
    const y = x.mapBlocks(
      (b) => {
        blocks++;
        return b;
      },
      { name: "counted" },
    );
    const s = new LazySignal1D(y.mean({ axis: 2, keepdims: true }).add(y), { axes: siAxes(8, 8, 32) });
    const b = show(s);
    show(y);
    show(s.sum());
    show(s.isig("2:10"));
    assert.ok(lazyOf(b).layers.some((l) => l.label === "counted"));
    assert.equal(computes, 0, "no compute started");
    assert.equal(blocks, 0, "the user function never ran");
    // the counters work: a compute runs the function on every block
    s.computeSync();
    assert.equal(computes, 1);
    assert.equal(blocks, 4 * 2);
  } finally {
    hs.lazy.setComputeObserver(prev);
  }
});

// ------------------------------------------------------------------------------------------------
// computed

test("computed Signal1D with navigation: payload values, navigator (sum over signal), current pixel", () => {
  const nx = 6;
  const ny = 4;
  const ne = 50;
  const data = spectrumImage(nx, ny, ne);
  const s = new Signal1D(ndarrayOf(data, [ny, nx, ne]), { axes: siAxes(nx, ny, ne) });
  s.axesManager.indices = [3, 2];
  s.metadata.setItem("Signal.quantity", "Intensity (counts)");
  const b = show(s);
  assert.deepEqual(Object.keys(b).sort(), [SIGNAL_MIME, "image/png", "text/plain"].sort());
  assert.ok(!("text/html" in b), "no text/html: it would hide the PNG in every front-end");
  assert.equal(b["text/plain"], "<Signal1D, title: , dimensions: (6, 4|50)>");
  const p = signalOf(b);
  assert.equal(p.version, 1);
  assert.equal(p.kind, "signal");
  assert.equal(p.className, "Signal1D");
  assert.equal(p.quantity, "Intensity (counts)");
  assert.deepEqual(
    p.axes.map((a) => [a.name, a.size, a.navigate]),
    [
      ["x", 6, true],
      ["y", 4, true],
      ["Energy", 50, false],
    ],
  );
  // all values, unbinned, in HyperSpy's array layout
  assert.equal(p.downsampled, null);
  assert.ok(p.data);
  assert.deepEqual(p.data.shape, [ny, nx, ne]);
  assert.deepEqual(Array.from(decodeArray(p.data)), Array.from(data));
  // navigator: the sum over the signal axis at each pixel
  assert.ok(p.navigator);
  assert.deepEqual(p.navigator.data.shape, [ny, nx]);
  const nav = decodeArray(p.navigator.data);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      let sum = 0;
      for (let e = 0; e < ne; e++) sum += data[(y * nx + x) * ne + e];
      assert.ok(Math.abs(nav[y * nx + x] - sum) < 1e-3 * sum, `navigator at (${x}, ${y})`);
    }
  }
  assert.deepEqual(
    p.navigator.axes.map((a) => a.name),
    ["x", "y"],
  );
  // the signal at the current pixel (x=3, y=2)
  assert.ok(p.current);
  assert.deepEqual(p.current.indices, [3, 2]);
  assert.deepEqual(Array.from(decodeArray(p.current.data)), Array.from(data.subarray((2 * nx + 3) * ne, (2 * nx + 4) * ne)));
  assert.equal(p.budget.bytes, (nx * ny * ne + nx * ny + ne) * 4);
  const img = pngOf(b, "signal1d-nav");
  assert.ok(distinctColours(img.rgba) > 100, "navigator heatmap, line and text");
});

test("computed Signal1D: the PNG is a line plot with the line where the data says", () => {
  // a step: 0 on the first half, 10 on the second; the line must be low on the left and high on the right
  const n = 200;
  const y = new Float32Array(n).map((_, i) => (i < n / 2 ? 0 : 10));
  const s = new Signal1D(y, { axes: [{ size: n, name: "Energy", units: "eV", scale: 2, offset: 100 }] });
  s.title = "step";
  const b = show(s);
  const p = signalOf(b);
  assert.equal(p.navigator, null);
  assert.equal(p.current, null);
  assert.ok(p.data);
  assert.deepEqual(Array.from(decodeArray(p.data)), Array.from(y));
  const img = pngOf(b, "signal1d");
  assert.deepEqual([img.width, img.height], [1280, 2 * (320 + 26)]);
  // pixels of the line colour (#1f77b4), per column
  const blueRows = (x0: number, x1: number): number[] => {
    const rows: number[] = [];
    for (let yy = 0; yy < img.height; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * img.width + xx) * 4;
        if (Math.abs(img.rgba[i] - 0x1f) < 40 && Math.abs(img.rgba[i + 1] - 0x77) < 40 && Math.abs(img.rgba[i + 2] - 0xb4) < 40) rows.push(yy);
      }
    }
    return rows;
  };
  const left = blueRows(Math.round(img.width * 0.2), Math.round(img.width * 0.35));
  const right = blueRows(Math.round(img.width * 0.65), Math.round(img.width * 0.85));
  assert.ok(left.length > 20 && right.length > 20, `line pixels found (${left.length}, ${right.length})`);
  const mean = (v: number[]) => v.reduce((a, c) => a + c, 0) / v.length;
  assert.ok(mean(left) - mean(right) > img.height * 0.5, `the left half (${mean(left)}) is drawn well below the right half (${mean(right)})`);
  assert.ok(distinctColours(img.rgba) > 10, "antialiased line and text on white");
});

test("computed Signal2D: the whole image in the payload and a heatmap PNG with a colour bar", () => {
  const w = 48;
  const h = 32;
  const im = new Float32Array(w * h).map((_, i) => Math.sin((i % w) / 5) + Math.floor(i / w) / 10);
  const s = new Signal2D(ndarrayOf(im, [h, w]), {
    axes: [
      { size: h, name: "y", units: "nm", scale: 0.2 },
      { size: w, name: "x", units: "nm", scale: 0.2 },
    ],
  });
  const b = show(s);
  const p = signalOf(b);
  assert.equal(p.className, "Signal2D");
  assert.deepEqual(p.signalShape, [w, h]);
  assert.deepEqual(p.navigationShape, []);
  assert.ok(p.data);
  assert.deepEqual(p.data.shape, [h, w]);
  assert.deepEqual(Array.from(decodeArray(p.data)), Array.from(im));
  assert.equal(p.data.min, Math.min(...im));
  assert.equal(p.data.max, Math.max(...im));
  const img = pngOf(b, "signal2d");
  assert.ok(distinctColours(img.rgba) > 200, `${distinctColours(img.rgba)} colours: a colour-mapped image`);
  // Signal2D with navigation: navigator + image side by side
  const stack = new Float32Array(3 * 2 * h * w).map((_, i) => Math.cos(i / 37));
  const s4 = new Signal2D(ndarrayOf(stack, [2, 3, h, w]));
  const b4 = show(s4);
  const p4 = signalOf(b4);
  assert.ok(p4.navigator && p4.current);
  assert.deepEqual(p4.navigator.data.shape, [2, 3]);
  assert.deepEqual(p4.current.data.shape, [h, w]);
  const img4 = pngOf(b4, "signal2d-nav");
  assert.ok(img4.width > img.width, "two panels");
});

test("the size budget: a (64, 64|1024) float32 signal's bundle stays under 3 MB, binned and said so", () => {
  const nx = 64;
  const ny = 64;
  const ne = 1024;
  const s = new Signal1D(ndarrayOf(spectrumImage(nx, ny, ne), [ny, nx, ne]), { axes: siAxes(nx, ny, ne) });
  s.axesManager.indices = [40, 10];
  const b = show(s);
  const json = JSON.stringify(b);
  assert.ok(json.length < 3_000_000, `bundle JSON is ${json.length} bytes`);
  const p = signalOf(b);
  assert.ok(p.downsampled);
  assert.equal(p.downsampled.method, "mean");
  assert.equal(p.downsampled.fullBytes, nx * ny * ne * 4);
  assert.ok(p.budget.bytes <= p.budget.maxBytes);
  assert.equal(p.budget.maxBytes, 2_000_000);
  assert.ok(p.data);
  const [fx, fy, fe] = p.downsampled.factors;
  assert.equal(fe, 1, "the signal axis keeps every channel");
  assert.ok(fx > 1 && fy > 1);
  assert.deepEqual(p.data.shape, [Math.ceil(ny / fy), Math.ceil(nx / fx), ne]);
  // bins are means, axes say where the bins are
  const vals = decodeArray(p.data);
  const full = spectrumImage(nx, ny, ne);
  let m = 0;
  for (let y = 0; y < fy; y++) for (let x = 0; x < fx; x++) m += full[(y * nx + x) * ne + 200];
  assert.ok(Math.abs(vals[200] - m / (fx * fy)) < 1e-4);
  assert.equal(p.dataAxes[0].scale, 0.5 * fx);
  assert.equal(p.dataAxes[0].offset, (0.5 * (fx - 1)) / 2);
  assert.equal(p.dataAxes[0].size, Math.ceil(nx / fx));
  // the navigator and the current signal stay at full resolution
  assert.ok(p.navigator && p.current);
  assert.deepEqual(p.navigator.data.shape, [ny, nx]);
  assert.deepEqual(p.current.indices, [40, 10]);
  assert.deepEqual(Array.from(decodeArray(p.current.data)), Array.from(full.subarray((10 * nx + 40) * ne, (10 * nx + 41) * ne)));
  pngOf(b, "budget-64x64x1024");
  // a smaller budget bins more, and the option is honoured
  const small = s[DISPLAY]({ maxBytes: 100_000, png: false }) as MimeBundle;
  assert.ok(!("image/png" in small));
  const q = signalOf(small);
  assert.ok(q.budget.bytes <= 100_000, `${q.budget.bytes} bytes`);
  assert.ok(JSON.stringify(small).length < 200_000);
});

test("other shapes: 1-D navigation, signal dimension 0, ragged and lazy computed signals display", async () => {
  // (5|40): the navigator is a line with a marker
  const a = new Signal1D(ndarrayOf(new Float32Array(5 * 40).map((_, i) => i % 40), [5, 40]));
  const pa = signalOf(show(a));
  assert.ok(pa.navigator);
  assert.deepEqual(pa.navigator.data.shape, [5]);
  pngOf(show(a), "nav1d");
  // (4, 3, 2|10): the navigator over x, y at the current z
  const r = new Float32Array(2 * 3 * 4 * 10).map((_, i) => (i * 7919) % 13);
  const s3 = new Signal1D(ndarrayOf(r, [2, 3, 4, 10]));
  s3.axesManager.indices = [1, 2, 1];
  const p3 = signalOf(show(s3));
  assert.ok(p3.navigator && p3.current);
  assert.deepEqual(p3.navigator.data.shape, [3, 4]);
  assert.deepEqual(p3.navigator.fixed, [{ axis: 2, index: 1 }]);
  const nav3 = decodeArray(p3.navigator.data);
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 4; x++) {
      let sum = 0;
      for (let e = 0; e < 10; e++) sum += r[((1 * 3 + y) * 4 + x) * 10 + e];
      assert.equal(nav3[y * 4 + x], sum, `navigator at z=1, (${x}, ${y})`);
    }
  }
  assert.deepEqual(Array.from(decodeArray(p3.current.data)), Array.from(r.subarray(((1 * 3 + 2) * 4 + 1) * 10, ((1 * 3 + 2) * 4 + 2) * 10)));
  pngOf(show(s3), "nav3d");
  // (4, 3|): navigation only
  const t = new Signal2D(ndarrayOf(new Float32Array(12).map((_, i) => i), [3, 4])).T;
  assert.equal(t.toString(), "<BaseSignal, title: , dimensions: (4, 3|)>");
  const bt = show(t);
  assert.ok(signalOf(bt).data);
  pngOf(bt, "navigation-only");
  // a lazy signal computed displays as a computed one
  const lz = new Signal1D(ndarrayOf(spectrumImage(4, 3, 20), [3, 4, 20])).asLazy();
  assert.ok(LAZY_MIME in show(lz));
  const c = await lz.compute({ scheduler: "sync" });
  assert.ok(SIGNAL_MIME in show(c));
  // NaN and integer data
  const n = new Signal1D(new Float32Array([1, NaN, 3, Infinity, 5]));
  const pn = signalOf(show(n));
  assert.ok(pn.data);
  const v = decodeArray(pn.data);
  assert.ok(Number.isNaN(v[1]) && v[3] === Infinity);
  assert.equal(pn.data.max, 5);
  const ints = new Signal1D(new Int16Array([1, -2, 3]));
  assert.deepEqual(Array.from(decodeArray(signalOf(show(ints)).data as ArrayPayload)), [1, -2, 3]);
  assert.equal(signalOf(show(ints)).dtype, "int16");
});

test("the display method type-checks in a TypeScript 5.0 cell, as the kernel compiles it", () => {
  assertTypechecksWithTs50(
    `import hs = require(${JSON.stringify(ROOT)});
const s = new hs.signals.Signal1D([1, 2, 3]);
const b = s[Symbol.for("Jupyter.display")]();
const l = s.asLazy()[Symbol.for("Jupyter.display")]();
const x = hs.lazy.zeros([4, 4]);
const c = x[Symbol.for("Jupyter.display")]();
const text: string = String(s);
void [b, l, c, text];
`,
    "display-ts50",
  );
});
