/**
 * .zspy / .hspy both ways against HyperSpy 1.7.3: files HyperSpy wrote (test/fixtures/make_io.py)
 * load here with the same data, axes and metadata (lazy and eager); files we write load in
 * HyperSpy with the same content (test/fixtures/check_io.py, run with /usr/bin/python3); and the
 * failure cases (overwrite refusal, interrupted save, bad files).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as hs from "../../index";
import { LazyArray } from "../../lazy/core/array";
import { toFlat, Block } from "../../lazy/core/block";
import { ComputeStats } from "../../lazy/graph/graph";
import { ROOT, FixtureArray, decodeValue, loadFixture } from "../helpers";

interface AxisExp {
  name: string | null;
  units: string | null;
  scale: number;
  offset: number;
  size: number;
  navigate: boolean;
}
interface FileExp {
  class: string;
  lazyClass: string;
  title: string;
  data: FixtureArray;
  axes: AxisExp[];
  metadata: Record<string, unknown>;
  original_metadata: Record<string, unknown>;
  chunks: number[][];
}

const expected = loadFixture<Record<string, FileExp>>("io");
const IO = path.join(ROOT, "test", "fixtures", "io");

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "hs-io-test-"));
}

function axesOf(s: hs.signals.BaseSignal): AxisExp[] {
  return s.axesManager.axes.map((a) => ({ name: a.name ?? null, units: a.units ?? null, scale: a.scale, offset: a.offset, size: a.size, navigate: a.navigate }));
}

function withoutFileIO(md: Record<string, unknown>): Record<string, unknown> {
  const c = JSON.parse(JSON.stringify(md)) as Record<string, Record<string, unknown>>;
  if (c.General) delete c.General.FileIO;
  return c;
}

async function flatData(s: hs.signals.BaseSignal): Promise<number[]> {
  const d = s.data instanceof LazyArray ? await s.data.compute() : s.data;
  return toFlat(d as unknown as Block);
}

for (const [name, e] of Object.entries(expected)) {
  for (const lazy of [false, true]) {
    test(`load ${name} (${lazy ? "lazy" : "eager"}) as HyperSpy does`, async () => {
      const s = await hs.load(path.join(IO, name), { lazy });
      assert.equal(s.constructor.name, lazy ? e.lazyClass : e.class);
      assert.equal(s.isLazy, lazy);
      assert.equal(s.title, e.title);
      assert.deepEqual(s.data.shape, e.data.shape);
      assert.equal(s.dtype, e.data.dtype);
      assert.deepEqual(await flatData(s), e.data.data.map(decodeValue));
      assert.deepEqual(axesOf(s), e.axes);
      assert.deepEqual(withoutFileIO(s.metadata.asDictionary()), e.metadata);
      assert.deepEqual(s.originalMetadata.asDictionary(), e.original_metadata);
      // the load is recorded as HyperSpy records it
      const fio = (s.metadata.asDictionary().General as { FileIO: Record<string, { operation: string }> }).FileIO;
      const last = fio[String(Math.max(...Object.keys(fio).map(Number)))];
      assert.equal(last.operation, "load");
      if (lazy) assert.deepEqual((s.data as LazyArray).chunks, e.chunks, "a lazy load keeps the file's chunks");
    });
  }
}

test("a lazy load reads only the chunks a compute needs", async () => {
  // s1d_gzip.zspy has chunks (1, 4, 16): three chunk files
  const s = await hs.load(path.join(IO, "s1d_gzip.zspy"), { lazy: true });
  const x = s.data as LazyArray;
  assert.deepEqual(x.numBlocks, [3, 1, 1]);
  const stats: Partial<ComputeStats> = {};
  const v = await x.get(1).compute({ stats });
  assert.equal(stats.byOp?.["io.zarr-read"], 1);
  assert.deepEqual(toFlat(v as unknown as Block), expected["s1d_gzip.zspy"].data.data.slice(64, 128).map(decodeValue));
});

// ------------------------------------------------------------------------------------------------
// files we write, read back by HyperSpy

function pythonHasZarr(): boolean {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import zarr, hyperspy"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const HAVE_PY = pythonHasZarr();
const NO_PY = HAVE_PY ? false : "needs /usr/bin/python3 with hyperspy and zarr (apt-get install python3-hyperspy python3-zarr)";

interface PyOut {
  class: string;
  title: string;
  dtype: string;
  shape: number[];
  data: number[];
  axes: AxisExp[];
  metadata: Record<string, unknown>;
  original_metadata: Record<string, unknown>;
}

function hyperspyLoads(files: string[]): Record<string, PyOut> {
  const out = execFileSync("/usr/bin/python3", [path.join(ROOT, "test", "fixtures", "check_io.py"), ...files], { encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(out) as Record<string, PyOut>;
}

/** h5wasm cannot write HDF5 enum booleans: in .hspy our booleans come back from HyperSpy as 0 / 1. */
function boolsAsInts(v: unknown): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (Array.isArray(v)) return v.map(boolsAsInts);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, boolsAsInts(x)]));
  return v;
}

test("files we write (.zspy and .hspy, eager and lazy, streamed) load in HyperSpy 1.7.3 with the same content", { skip: NO_PY }, async () => {
  const dir = tmpdir();
  try {
    const written: Record<string, { src: string; hspy: boolean }> = {};
    for (const src of ["s1d.zspy", "s2d.zspy"]) {
      for (const lazy of [false, true]) {
        const s = await hs.load(path.join(IO, src), { lazy });
        const base = `${src.replace(".zspy", "")}_${lazy ? "lazy" : "eager"}`;
        await s.save(path.join(dir, `${base}.zspy`));
        await s.save(path.join(dir, `${base}_zstd.zspy`), { compressor: { id: "zstd", level: 3 }, chunks: s.data.shape.map(() => 2) });
        await s.save(path.join(dir, `${base}.hspy`));
        written[`${base}.zspy`] = { src, hspy: false };
        written[`${base}_zstd.zspy`] = { src, hspy: false };
        written[`${base}.hspy`] = { src, hspy: true };
      }
    }
    const py = hyperspyLoads(Object.keys(written).map((f) => path.join(dir, f)));
    for (const [f, { src, hspy }] of Object.entries(written)) {
      const got = py[path.join(dir, f)];
      const e = expected[src];
      assert.equal(got.class, e.class, f);
      assert.equal(got.title, e.title, f);
      assert.equal(got.dtype, e.data.dtype, f);
      assert.deepEqual(got.shape, e.data.shape, f);
      assert.deepEqual(got.data, e.data.data.map(decodeValue), f);
      assert.deepEqual(got.axes, e.axes, f);
      const norm = (v: unknown) => (hspy ? boolsAsInts(v) : v);
      assert.deepEqual(norm(withoutFileIO(got.metadata)), norm(e.metadata), f);
      assert.deepEqual(norm(got.original_metadata), norm(e.original_metadata), f);
      // HyperSpy sees our save in FileIO
      const fio = (got.metadata.General as { FileIO: Record<string, { operation: string; hyperspy_version: string }> }).FileIO;
      const saves = Object.values(fio).filter((x) => x.operation === "save" && x.hyperspy_version.startsWith("hyperspy-ts"));
      assert.ok(saves.length >= 1, f);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a lazy result is saved block by block (never computed whole) and reads back", { skip: NO_PY }, async () => {
  const dir = tmpdir();
  try {
    const s = await hs.load(path.join(IO, "s1d_gzip.zspy"), { lazy: true });
    const r = s.mul(2).add(1);
    const progress: { done: number; total: number }[] = [];
    const stats: Partial<ComputeStats> = {};
    await r.save(path.join(dir, "r.zspy"), { onProgress: (p) => progress.push(p), stats });
    // three output blocks, each its own write task
    assert.equal(stats.byOp?.["io.zarr-write"], 3);
    assert.ok(progress.length > 1 && progress[progress.length - 1].done === progress[progress.length - 1].total);
    const back = await hs.load(path.join(dir, "r.zspy"), { lazy: true });
    assert.deepEqual((back.data as LazyArray).chunks, [[1, 1, 1], [4], [16]]);
    const want = expected["s1d_gzip.zspy"].data.data.map((v) => Math.fround(decodeValue(v) * 2 + 1));
    assert.deepEqual(await flatData(back), want);
    const py = hyperspyLoads([path.join(dir, "r.zspy")]);
    assert.deepEqual(py[path.join(dir, "r.zspy")].data, want);
    await r.save(path.join(dir, "r.hspy"));
    assert.deepEqual(await flatData(await hs.load(path.join(dir, "r.hspy"), { lazy: true })), want);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------------------------------------
// safety and bad files

test("save refuses to replace an existing file without overwrite, and replaces it with overwrite", async () => {
  const dir = tmpdir();
  try {
    const a = new hs.signals.Signal1D(new Float32Array([1, 2, 3]));
    const b = new hs.signals.Signal1D(new Float32Array([4, 5, 6]));
    for (const ext of ["zspy", "hspy"]) {
      const f = path.join(dir, `x.${ext}`);
      await a.save(f);
      await assert.rejects(b.save(f), /already exists; pass \{ overwrite: true \}/);
      assert.deepEqual(await flatData(await hs.load(f)), [1, 2, 3]);
      await b.save(f, { overwrite: true });
      assert.deepEqual(await flatData(await hs.load(f)), [4, 5, 6]);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ["x.hspy", "x.zspy"], "no temporary files left");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an interrupted save (AbortSignal) leaves the previous file intact and no temporary files", async () => {
  const dir = tmpdir();
  try {
    const old = new hs.signals.Signal1D(new Float32Array([7, 8, 9]));
    const big = hs.lazy.random.random([64, 256], { chunks: [1, 256], seed: 1 });
    const s = new hs.signals.LazySignal1D(big);
    for (const ext of ["zspy", "hspy"]) {
      const f = path.join(dir, `y.${ext}`);
      await old.save(f);
      const ac = new AbortController();
      await assert.rejects(
        s.save(f, {
          overwrite: true,
          signal: ac.signal,
          onProgress: (p) => {
            if (p.done >= 5) ac.abort("test interrupt");
          },
        }),
        /aborted/,
      );
      assert.deepEqual(await flatData(await hs.load(f)), [7, 8, 9], `${ext}: the old file is still there`);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ["y.hspy", "y.zspy"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("bad files give clear errors naming the file and the problem", async () => {
  const dir = tmpdir();
  try {
    const cp = (src: string, dst: string) => fs.cpSync(path.join(IO, src), path.join(dir, dst), { recursive: true });
    // missing .zarray
    cp("s1d_gzip.zspy", "nozarray.zspy");
    fs.rmSync(path.join(dir, "nozarray.zspy", "Experiments", "spectra", "data", ".zarray"));
    await assert.rejects(hs.load(path.join(dir, "nozarray.zspy")), (e: Error) => e.message.includes("nozarray.zspy") && /no \.zarray/.test(e.message));
    // truncated chunk (blosc and gzip)
    for (const src of ["s1d_lz4.zspy", "s1d_gzip.zspy"]) {
      const dst = `trunc_${src}`;
      cp(src, dst);
      const chunk = path.join(dir, dst, "Experiments", "spectra", "data", "0", "0", "0");
      const b = fs.readFileSync(chunk);
      fs.writeFileSync(chunk, b.subarray(0, Math.floor(b.length / 2)));
      await assert.rejects(hs.load(path.join(dir, dst)), (e: Error) => e.message.includes(chunk) && /truncated or corrupt/.test(e.message));
    }
    // not a zarr store at all
    fs.mkdirSync(path.join(dir, "empty.zspy"));
    await assert.rejects(hs.load(path.join(dir, "empty.zspy")), /empty\.zspy: not a zarr store: the folder has no \.zgroup/);
    // an HDF5 file named .zspy, a zarr store named .hspy
    fs.copyFileSync(path.join(IO, "s1d.hspy"), path.join(dir, "h5.zspy"));
    await assert.rejects(hs.load(path.join(dir, "h5.zspy")), /h5\.zspy: this is an HDF5 file, not a \.zspy \(zarr\) directory; rename it \.hspy/);
    cp("s1d.zspy", "z.hspy");
    await assert.rejects(hs.load(path.join(dir, "z.hspy")), /z\.hspy: not an HDF5 file: it is a folder \(it is a zarr store: rename it \.zspy\)/);
    // text named .hspy; truncated HDF5
    fs.writeFileSync(path.join(dir, "text.hspy"), "hello");
    await assert.rejects(hs.load(path.join(dir, "text.hspy")), /text\.hspy: not an HDF5 file \(no HDF5 signature\)/);
    const h = fs.readFileSync(path.join(IO, "s1d.hspy"));
    fs.writeFileSync(path.join(dir, "trunc.hspy"), h.subarray(0, 1200));
    await assert.rejects(hs.load(path.join(dir, "trunc.hspy")), /trunc\.hspy/);
    // a zarr store that is not a HyperSpy file; a wrong extension
    fs.mkdirSync(path.join(dir, "plain.zspy"));
    fs.writeFileSync(path.join(dir, "plain.zspy", ".zgroup"), '{"zarr_format": 2}');
    await assert.rejects(hs.load(path.join(dir, "plain.zspy")), /plain\.zspy: not a HyperSpy file/);
    await assert.rejects(hs.load(path.join(dir, "a.txt")), /unsupported extension "\.txt"/);
    await assert.rejects(hs.load(path.join(dir, "missing.zspy")), /missing\.zspy: no such file or directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
