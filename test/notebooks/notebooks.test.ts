/**
 * Every example notebook runs headless through the kernel (`jupyter nbconvert --execute`, as CI and
 * the main job do) with no errors, shows the MIME types a user should see, and prints the numbers
 * expected here. The expected numbers are computed in this file from the notebooks' own synthetic
 * data formulas, independently of the library. A notebook whose cell throws fails with the notebook,
 * the cell and the error named.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../helpers";
import { bareDir, jupyterEnv, jupyterMissing } from "../kernel/jupyter";

interface Output { output_type: string; name?: string; text?: string | string[]; data?: { [mime: string]: unknown } }
interface Cell { cell_type: string; source: string | string[]; execution_count?: number | null; outputs?: Output[]; metadata?: { tags?: string[] } }
interface RunResult { ok: boolean; outFile: string; cells?: Cell[]; error?: { cellIndex: number; source: string; message: string; stderr: string } }
// eslint-disable-next-line @typescript-eslint/no-var-requires
const runner = require(path.join(ROOT, "notebooks", "run.js")) as {
  executeNotebook(file: string, outDir: string, env: NodeJS.ProcessEnv, opts?: { html?: boolean }): RunResult;
  describeFailure(file: string, e: NonNullable<RunResult["error"]>): string;
};

const NOTEBOOKS = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => /^\d.*\.ipynb$/.test(f)).sort();
const join = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));
const printed = (c: Cell) => (c.outputs ?? []).filter((o) => o.output_type === "stream").map((o) => join(o.text)).join("");
const result = (c: Cell) => (c.outputs ?? []).find((o) => o.output_type === "execute_result");
const plain = (c: Cell) => join(result(c)?.data?.["text/plain"] as string | string[] | undefined);
const numbers = (s: string) => (s.match(/-?\d+(\.\d+)?(e[-+]\d+)?/g) ?? []).map(Number);

// The notebooks' synthetic EELS-like data (01-03): float32 values, (y, x | energy) = (4, 5 | 400).
const eels = (y: number, x: number, e: number) => {
  const E = 100 + e * 0.5;
  return Math.fround(1e6 * Math.pow(E, -2) + (20 + 5 * x + 3 * y) * Math.exp(-0.5 * ((E - 250) / 8) ** 2));
};
const argmaxIn = (y: number, x: number, e0: number, e1: number) => {
  let best = e0;
  for (let e = e0; e < e1; e++) if (eels(y, x, e) > eels(y, x, best)) best = e;
  return best - e0;
};

const runs = new Map<string, RunResult>();
function run(name: string): RunResult {
  let r = runs.get(name);
  if (!r) {
    r = runner.executeNotebook(path.join(ROOT, "notebooks", name), bareDir("nbrun"), jupyterEnv(), { html: false });
    runs.set(name, r);
  }
  return r;
}
function cells(name: string): Cell[] {
  const r = run(name);
  assert.ok(r.ok, r.error ? runner.describeFailure(name, r.error) : "failed");
  return r.cells as Cell[];
}
const tagged = (cs: Cell[], tag: string) => {
  const c = cs.find((x) => x.metadata?.tags?.includes(`check:${tag}`));
  assert.ok(c, `no cell tagged check:${tag}`);
  return c;
};

for (const name of NOTEBOOKS) {
  test(`${name} runs without errors, every code cell executed`, { timeout: 600_000 }, () => {
    const missing = jupyterMissing();
    assert.equal(missing, null, missing ?? "");
    const cs = cells(name);
    const code = cs.filter((c) => c.cell_type === "code");
    assert.deepEqual(code.map((c) => c.execution_count), code.map((_, i) => i + 1));
    for (const c of code) assert.equal((c.outputs ?? []).filter((o) => o.output_type === "error").length, 0);
  });
}

test("01-getting-started: reprs, shapes, indexing, a band ratio, and a plot bundle", { timeout: 600_000 }, () => {
  const cs = cells("01-getting-started.ipynb");
  assert.equal(plain(tagged(cs, "repr")), "'<Signal1D, title: EELS map, dimensions: (5, 4|400)>'");
  assert.match(printed(tagged(cs, "shapes")), /^\[ 5, 4 \] \[ 400 \]\n<Axes manager, axes: \(5, 4\|400\)>/);
  assert.equal(printed(tagged(cs, "indexing")), "<Signal1D, title: EELS map, dimensions: (|400)>\n<Signal1D, title: EELS map, dimensions: (5, 4|40)> 240\n");
  const band = (y: number, x: number, e0: number, e1: number) => {
    let s = 0;
    for (let e = e0; e < e1; e++) s += eels(y, x, e);
    return s;
  };
  const [r00, r34] = numbers(printed(tagged(cs, "ratio")).split("\n")[1]).filter((v) => !Number.isInteger(v));
  assert.ok(Math.abs(r00 - band(0, 0, 280, 320) / band(0, 0, 100, 140)) < 1e-4);
  assert.ok(Math.abs(r34 - band(3, 4, 280, 320) / band(3, 4, 100, 140)) < 1e-4);
  assert.match(plain(tagged(cs, "mean")), /^array\(\[[\s\S]*\], dtype=float32\)$/);
  const plot = cs.find((c) => join(c.source).trim() === "s");
  assert.ok(plot && result(plot)?.data?.["image/png"] && result(plot)?.data?.["application/vnd.hyperspy-ts.signal.v1+json"]);
});

test("02-lazy-signals: chunks, a lazy summary, totals, one pixel, masks", { timeout: 600_000 }, () => {
  const cs = cells("02-lazy-signals.ipynb");
  assert.deepEqual(result(tagged(cs, "chunks"))?.data?.["application/json"], [[2, 2], [2, 2, 1]]);
  const lazyCell = cs.find((c) => join(c.source).trim().endsWith("processed"));
  assert.ok(lazyCell && result(lazyCell)?.data?.["application/vnd.hyperspy-ts.lazy.v1+json"] && result(lazyCell)?.data?.["text/html"]);
  const processed = (y: number, x: number, e: number) => {
    let m = 0;
    for (let k = 0; k < 20; k++) m += eels(y, x, k);
    return (eels(y, x, e) - m / 20) * 2;
  };
  let total = 0;
  for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) total += processed(y, x, 200);
  assert.ok(Math.abs(numbers(plain(tagged(cs, "total")))[0] - total) < 0.01);
  const slice = tagged(cs, "slice");
  assert.ok(Math.abs(numbers(plain(slice))[0] - processed(3, 4, 200)) < 0.01);
  const [full, forPixel] = numbers(printed(slice));
  assert.ok(forPixel < full, printed(slice));
  let above = 0;
  for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) for (let e = 0; e < 400; e++) if (eels(y, x, e) > 50) above++;
  const mask = printed(tagged(cs, "mask"));
  assert.match(mask, /^\[ NaN, NaN, NaN \]\nUnknownChunksError: /);
  assert.equal(numbers(mask.split("\n")[2]).pop(), above);
});

test("03-map: per-pixel argmax eager and lazy, iterating args, centres of mass", { timeout: 600_000 }, () => {
  const cs = cells("03-map.ipynb");
  const expected = Array.from({ length: 4 }, (_, y) => Array.from({ length: 5 }, (_, x) => argmaxIn(y, x, 200, 400)));
  const grid = (s: string) => numbers(s.replace(/^array\(/, ""));
  assert.deepEqual(grid(plain(tagged(cs, "argmax"))), expected.flat());
  assert.deepEqual(grid(plain(tagged(cs, "lazy-map"))), expected.flat());
  const [scaled, byHand] = numbers(printed(tagged(cs, "iterating")).split("\n")[1]);
  assert.equal(scaled, byHand);
  const com = (sy: number, sx: number) => {
    const cy = 16 + (sy - 2.5) * 0.5, cx = 16 + (sx - 2.5) * 0.8;
    let m = 0, mx = 0;
    for (let r = 0; r < 32; r++) for (let c = 0; c < 32; c++) {
      const v = (r - cy) ** 2 + (c - cx) ** 2 < 25 ? 100 : 1;
      m += v;
      mx += v * c;
    }
    return mx / m;
  };
  const [c00, c55] = numbers(printed(tagged(cs, "com")).split("\n")[1]);
  assert.equal(c00, Number(com(0, 0).toFixed(2)));
  assert.equal(c55, Number(com(5, 5).toFixed(2)));
  assert.equal(plain(tagged(cs, "iterate")), "2048");
});

test("04-mapblocks-mapoverlap: mapOverlap equals the whole-image filter at chunk borders", { timeout: 600_000 }, () => {
  const cs = cells("04-mapblocks-mapoverlap.ipynb");
  assert.deepEqual(result(tagged(cs, "chunks"))?.data?.["application/json"], [[32, 32], [32, 32]]);
  const [blocks, overlap] = printed(tagged(cs, "overlap")).trim().split("\n").map((l) => numbers(l).pop() as number);
  assert.notEqual(blocks, 0);
  assert.equal(Math.abs(overlap), 0);
});

test("05-block-iteration: masked flat blocks and NaN-filled blocks", { timeout: 600_000 }, () => {
  const cs = cells("05-block-iteration.ipynb");
  assert.equal(plain(tagged(cs, "repr")), `'<LazySignal1D, title: , dimensions: (4, 6|10)>  chunks [[2,2,2],[3,1]]'`);
  let kept = 0;
  for (let y = 1; y < 6; y++) for (let x = 0; x < 4; x++) for (let e = 0; e < 6; e++) kept += y * 40 + x * 10 + e;
  const flat = printed(tagged(cs, "flat")).split("\n");
  assert.equal(flat[0], "[3,6] [1,6] [6,6] [2,6] [6,6] [2,6]");
  assert.equal(numbers(flat[1])[0], kept);
  assert.equal(printed(tagged(cs, "notflat")), "[ 2, 3, 10 ] NaN 40 NaN\n");
});

test("06-writing-methods: the same numbers lazy and eager", { timeout: 600_000 }, () => {
  const cs = cells("06-writing-methods.ipynb");
  const eager = printed(tagged(cs, "eager")).split("\n");
  const lazy = printed(tagged(cs, "lazy")).split("\n");
  assert.equal(eager[0], "<Signal1D, title: , dimensions: (5, 4|400)> false");
  assert.equal(lazy[0], "<LazySignal1D, title: , dimensions: (5, 4|400)> true");
  assert.equal(lazy[1], eager[1]);
  const [before, after] = numbers(eager[1]);
  assert.ok(Math.abs(before) < 1e-3, eager[1]);
  assert.ok(Math.abs(after - 5) < 1e-3, eager[1]); // the step of height 5 + y at y = 0
});

const SIGNAL = "application/vnd.hyperspy-ts.signal.v1+json";
const LAZY = "application/vnd.hyperspy-ts.lazy.v1+json";
interface ShownSignal { signalShape: number[]; navigationShape: number[]; live?: { plotId: string } | null }
/** The signal payload a tagged cell shows (its result or display), with the output's saved size. */
function shown(cs: Cell[], tag: string): { p: ShownSignal; bytes: number; png: boolean } {
  const o = (tagged(cs, tag).outputs ?? []).find((x) => x.data?.[SIGNAL]);
  assert.ok(o, `check:${tag} shows no signal plot`);
  return { p: o.data![SIGNAL] as ShownSignal, bytes: JSON.stringify(o).length, png: typeof o.data!["image/png"] === "string" };
}

test("every notebook shows what it computes: images for image data, spectra for spectra", { timeout: 600_000 }, () => {
  const want: [string, string, number][] = [
    ["01-getting-started.ipynb", "ratio-image", 2],
    ["01-getting-started.ipynb", "mean-plot", 1],
    ["02-lazy-signals.ipynb", "total-plot", 1],
    ["03-map.ipynb", "argmax-image", 2],
    ["03-map.ipynb", "dp-plot", 2],
    ["03-map.ipynb", "com-image", 2],
    ["04-mapblocks-mapoverlap.ipynb", "filtered-image", 2],
    ["05-block-iteration.ipynb", "values-plot", 1],
    ["06-writing-methods.ipynb", "result-plot", 1],
    ["07-session-on-a-file.ipynb", "plot", 1],
    ["07-session-on-a-file.ipynb", "fit", 2],
  ];
  for (const [nb, tag, sigDim] of want) {
    const { p, png } = shown(cells(nb), tag);
    assert.equal(p.signalShape.length, sigDim, `${nb} check:${tag}: signal dimension`);
    assert.ok(png, `${nb} check:${tag}: the PNG fallback is saved`);
  }
  // the 4D-STEM plot navigates live (the kernel served it while the notebook ran)
  assert.ok(shown(cells("03-map.ipynb"), "dp-plot").p.live?.plotId);
});

test("a displayed signal stays under 300 KB in the saved notebook", { timeout: 600_000 }, () => {
  for (const name of NOTEBOOKS) {
    for (const c of cells(name)) {
      for (const o of c.outputs ?? []) {
        if (!o.data?.[SIGNAL]) continue;
        const bytes = JSON.stringify(o).length;
        assert.ok(bytes < 300_000, `${name}: an output of ${bytes} bytes:\n${join(c.source).slice(0, 200)}`);
      }
    }
  }
});

test("07-session-on-a-file: load lazily, plot, map a fit, save and read back", { timeout: 600_000 }, () => {
  const cs = cells("07-session-on-a-file.ipynb");
  assert.equal(plain(tagged(cs, "saved")), "'scan.zspy: <Signal1D, title: Scan, dimensions: (64, 48|512)>'");
  const lazy = result(tagged(cs, "lazy"))?.data;
  assert.ok(lazy?.[LAZY] && lazy["text/html"], "the lazy summary");
  assert.match(join(lazy["text/plain"] as string), /navigation \(16, 16\) \| signal \(512\)/);
  assert.ok(result(tagged(cs, "fit-lazy"))?.data?.[LAZY], "map on a lazy signal is lazy");
  // the fitted centres: 250 + 20 x / 64 + 5 y / 48 eV (exact for a Gaussian: the log-parabola fit)
  const [c00, c6347] = numbers(printed(tagged(cs, "fit")));
  assert.ok(Math.abs(c00 - 250) < 1e-3, String(c00));
  assert.ok(Math.abs(c6347 - (250 + (20 * 63) / 64 + (5 * 47) / 48)) < 1e-3, String(c6347));
  assert.match(plain(tagged(cs, "saved-result")), /<Signal2D, title: Peak centre, dimensions: \(\|64, 48\)>, largest difference 0'$/);
});

test("a notebook whose cell throws fails, naming the notebook, the cell and the error", { timeout: 300_000 }, () => {
  const dir = bareDir("nbfail");
  const file = path.join(dir, "broken.ipynb");
  const nb = {
    cells: ["const a = 1;", "throw new RangeError('the data is not what the notebook expects')", "a"].map((source) => ({
      cell_type: "code", execution_count: null, metadata: {}, outputs: [], source,
    })),
    metadata: { kernelspec: { name: "hyperspy-ts", display_name: "TypeScript (HyperSpy)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  const r = runner.executeNotebook(file, path.join(dir, "out"), jupyterEnv(), { html: false });
  assert.equal(r.ok, false);
  const text = runner.describeFailure(file, r.error!);
  assert.match(text, /^broken\.ipynb: cell 1 failed: RangeError: the data is not what the notebook expects/);
  assert.match(text, /throw new RangeError/);
});
