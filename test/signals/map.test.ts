/**
 * map against HyperSpy 1.7.3 (test/fixtures/make_map.py): cases from HyperSpy's test_map_method.py
 * and the reference snippets, on eager and lazy signals, inplace and not, lazyOutput both ways, with
 * iterating signals and constants. The JS functions below are the equivalents of the Python ones.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import ndarray = require("ndarray");
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, loadFixture } from "../helpers";
import type { NDArray } from "../../lazy/core/block";
import type { MapFunction, MapOptions, MapArgs } from "../../signals/map";

type Sig = InstanceType<typeof hs.signals.BaseSignal>;
interface AxisFx { name: string | null; size: number; scale: number; offset: number; units: string | null; navigate: boolean }
interface Described { repr: string; data: FixtureArray; axes: AxisFx[]; chunks?: number[][] }
interface Fx {
  cases: { [name: string]: { [variant: string]: Described } };
  chunked: { input_chunks: number[][]; result: Described };
  same_buffer: boolean;
  nav_error: string;
}
const fx = loadFixture<Fx>("map");

// ------------------------------------------------------------------ helpers
function arange(shape: number[]): NDArray {
  const n = shape.reduce((p, x) => p * x, 1);
  return hs.lazy.fromArray(Float64Array.from({ length: n }, (_, i) => i)).reshape(shape).computeSync();
}
function values(x: NDArray): number[] {
  const out: number[] = [];
  const ix = x.shape.map(() => 0);
  for (let i = 0; i < x.size; i++) {
    out.push(Number(x.get(...ix)));
    for (let d = ix.length - 1; d >= 0; d--) {
      if (++ix[d] < x.shape[d]) break;
      ix[d] = 0;
    }
  }
  return out;
}
function ew(x: NDArray, f: (v: number, i: number) => number): NDArray {
  return ndarray(Float64Array.from(values(x), f), x.shape.slice()) as NDArray;
}
const num = (v: unknown): number => v as number;
const nd = (v: unknown): NDArray => v as NDArray;
const other = (v: unknown, i: number): number => (typeof v === "number" ? v : values(nd(v))[i]);

function baseS(): Sig {
  const s = new hs.signals.Signal1D(arange([2, 3, 4]));
  const am = s.axesManager;
  am.get(0).name = "x";
  am.get(0).scale = 2;
  am.get(1).name = "y";
  const e = am.get(2);
  e.name = "E";
  e.scale = 0.5;
  e.offset = 10;
  e.units = "eV";
  return s;
}
const addSig = () => new hs.signals.BaseSignal(ew(arange([2, 3]), (v) => v * 100)).T;
const vecSig = () => new hs.signals.Signal1D(ew(arange([2, 3, 4]), (v) => v * 10));
const s1d6 = () => new hs.signals.Signal1D(arange([2, 3]));

/** scipy.ndimage.gaussian_filter1d (truncate 4, mode "reflect"). */
function gaussianFilter1d(x: NDArray, sigma: number): NDArray {
  const r = Math.floor(4 * sigma + 0.5);
  const w = Array.from({ length: 2 * r + 1 }, (_, k) => Math.exp((-0.5 / (sigma * sigma)) * (k - r) ** 2));
  const tot = w.reduce((a, b) => a + b, 0);
  const v = values(x);
  const n = v.length;
  const refl = (i: number) => {
    const m = ((i % (2 * n)) + 2 * n) % (2 * n);
    return m >= n ? 2 * n - 1 - m : m;
  };
  return ndarray(Float64Array.from(v, (_, i) => w.reduce((acc, wk, k) => acc + (wk / tot) * v[refl(i + k - r)], 0)), [n]) as NDArray;
}

interface Case { make: () => Sig; fn: MapFunction; args?: () => MapArgs; opts?: MapOptions }
const CASES: { [name: string]: Case } = {
  x2: { make: baseS, fn: (x) => ew(x, (v) => v * 2) },
  half: { make: baseS, fn: (x) => ew(x, (v) => v / 2) },
  sum: { make: baseS, fn: (x) => values(x).reduce((a, b) => a + b, 0) },
  mean: { make: baseS, fn: (x) => values(x).reduce((a, b) => a + b, 0) / x.size },
  slice2: { make: baseS, fn: (x) => x.hi(2) },
  outer: { make: baseS, fn: (x) => { const v = values(x); return ndarray(Float64Array.from({ length: 16 }, (_, i) => v[Math.floor(i / 4)] * v[i % 4]), [4, 4]) as NDArray; } },
  minmax: { make: baseS, fn: (x) => [Math.min(...values(x)), Math.max(...values(x))] },
  gt10: { make: baseS, fn: (x) => Math.max(...values(x)) > 10 },
  iter_add: { make: baseS, fn: (x, a) => ew(x, (v) => v + num(a.a)), args: () => ({ a: addSig() }) },
  iter_vec: { make: baseS, fn: (x, a) => ew(x, (v, i) => v + other(a.v, i)), args: () => ({ v: vecSig() }) },
  iter_combo: { make: baseS, fn: (x, a) => ew(x, (v, i) => v + num(a.a) + other(a.v, i) + num(a.c)), args: () => ({ a: addSig(), v: vecSig(), c: 1000 }) },
  const_sig1d: { make: baseS, fn: (x, a) => ew(x, (v, i) => v * other(a.w, i)), args: () => ({ w: new hs.signals.Signal1D([1, 2, 3, 4]) }) },
  const_scalar_sig: { make: baseS, fn: (x, a) => ew(x, (v, i) => v * other(a.w, i)), args: () => ({ w: new hs.signals.BaseSignal(5) }) },
  const_array: { make: baseS, fn: (x, a) => ew(x, (v, i) => v * other(a.w, i)), args: () => ({ w: ndarray(new Float64Array([1, 0, 1, 0])) }) },
  dtype_f32: { make: baseS, fn: (x) => ew(x, (v) => v * 2), opts: { outputDtype: "float32" } },
  size_given: { make: baseS, fn: (x) => x.step(2), opts: { outputSignalSize: [2], outputDtype: "float64" } },
  s2d_sum0: { make: () => new hs.signals.Signal2D(arange([2, 3, 4])), fn: (x) => ndarray(Float64Array.from({ length: 4 }, (_, j) => Number(x.get(0, j)) + Number(x.get(1, j)) + Number(x.get(2, j))), [4]) as NDArray },
  s2d_ravel: { make: () => new hs.signals.Signal2D(arange([2, 3, 4])), fn: (x) => values(x) },
  nav0_x2: { make: () => new hs.signals.Signal1D(arange([4])), fn: (x) => ew(x, (v) => v * 2) },
  nav0_sum: { make: () => new hs.signals.Signal1D(arange([4])), fn: (x) => values(x).reduce((a, b) => a + b, 0) },
  nav1_sum: { make: () => new hs.signals.Signal1D(arange([2, 4])), fn: (x) => values(x).reduce((a, b) => a + b, 0) },
  gauss1d: { make: s1d6, fn: (x, a) => gaussianFilter1d(x, num(a.sigma)), args: () => ({ sigma: 1 }) },
  variable_signal_parameter: { make: s1d6, fn: (x, a) => ew(x, (v, i) => v - other(a.B, i)), args: () => ({ B: s1d6() }) },
  constant_signal_parameter: { make: s1d6, fn: (x, a) => ew(x, (v, i) => v - other(a.B, i)), args: () => ({ B: s1d6().inav(0) }) },
  // a signal with no signal axes: fn gets a number (HyperSpy's real calls get np.float64; its shape-guess
  // call a (1,) array, which makes its result (3, 2|1): see expectedSigDim0 below)
  signal0d_pow: { make: () => new hs.signals.BaseSignal(arange([2, 3])).T, fn: (x, a) => (x as unknown as number) ** num(a.e), args: () => ({ e: 2 }) },
};

function checkAxes(s: Sig, want: AxisFx[], msg: string): void {
  const got = s.axesManager.axes.map((a) => ({ name: a.name ?? null, size: a.size, scale: a.scale, offset: a.offset, units: a.units ?? null, navigate: a.navigate }));
  assert.deepEqual(got, want, `${msg}: axes`);
}

/** HyperSpy squeezes trailing size-1 output dims out of the data while its axes keep them; we keep them (documented). */
function expectedData(d: Described, s: Sig): FixtureArray {
  const shape = s.axesManager.axes.map((a) => a.size);
  if (d.data.shape.length !== shape.length && d.data.shape.reduce((p, x) => p * x, 1) === shape.reduce((p, x) => p * x, 1)) return { ...d.data, shape };
  return d.data;
}

/**
 * A signal with no signal axes: HyperSpy's shape-guess call gets a (1,) array, so `x ** e` there makes
 * its result `(3, 2|1)` (data (2, 3)); here fn always gets the pixel's number and the result is
 * `(3, 2|)` (documented in docs/signals.md). The numbers are HyperSpy's.
 */
function expectedSigDim0(want: Described): Described {
  return { ...want, repr: want.repr.replace("|1)>", "|)>"), axes: want.axes.filter((a) => a.navigate) };
}

function check(got: Sig, want0: Described, msg: string, lazy: boolean): void {
  const want = msg.startsWith("signal0d_pow") ? expectedSigDim0(want0) : want0;
  assert.equal(String(got), want.repr, `${msg}: repr`);
  assert.equal(got.isLazy, lazy, `${msg}: laziness`);
  const data = got.isLazy ? (got.data as hs.lazy.LazyArray).computeSync() : (got.data as NDArray);
  assert.equal(got.dtype, want.data.dtype, `${msg}: dtype`);
  assertArrayClose(data, expectedData(want, got), { msg, rtol: 1e-7, atol: 1e-7 });
  checkAxes(got, want.axes, msg);
}

function run(c: Case, lazyIn: boolean, opts: MapOptions): Sig {
  const s0 = c.make();
  const s = lazyIn ? s0.asLazy() : s0;
  return s.map(c.fn, { ...(c.opts ?? {}), ...opts, args: c.args ? c.args() : undefined });
}

for (const [name, c] of Object.entries(CASES)) {
  const f = fx.cases[name];
  test(`map ${name}: eager and lazy, inplace false (HyperSpy 1.7.3)`, () => {
    check(run(c, false, { inplace: false }), f.eager, `${name} eager`, false);
    check(run(c, true, { inplace: false }), f.lazy, `${name} lazy`, true);
    check(run(c, false, { inplace: false, lazyOutput: true }), f.eager_lazyout, `${name} eager lazyOutput`, true);
    check(run(c, true, { inplace: false, lazyOutput: false }), f.lazy_eagerout, `${name} lazy lazyOutput false`, false);
  });
  test(`map ${name}: inplace (the same object; its class changes as HyperSpy assigns __class__)`, () => {
    for (const lazy of [false, true]) {
      const want = lazy ? f.lazy_inplace : f.eager_inplace;
      const s0 = c.make();
      const s = lazy ? s0.asLazy() : s0;
      const am = s.axesManager;
      const r = s.map(c.fn, { ...(c.opts ?? {}), args: c.args ? c.args() : undefined });
      assert.equal(r, s, "returns the signal itself");
      assert.equal(s.axesManager, am, "keeps its AxesManager");
      check(s, want, `${name} ${lazy ? "lazy" : "eager"} inplace`, lazy);
    }
  });
}

test("map on a chunked lazy signal: one layer over navigation chunks, signal axes joined (HyperSpy ex4)", () => {
  const data = hs.lazy.fromArray(arange([4, 6, 8]), { chunks: [2, 3, 4] });
  const sl = new hs.signals.LazySignal1D(data);
  assert.deepEqual(sl.data.shape, [4, 6, 8]);
  const seen: number[][] = [];
  const r = sl.map((x) => { seen.push(x.shape.slice()); return x.step(2); }, { inplace: false });
  const want = fx.chunked.result;
  assert.deepEqual((r.data as hs.lazy.LazyArray).chunks, want.chunks);
  check(r, want, "chunked", true);
  assert.ok(seen.every((s) => s.length === 1 && s[0] === 8), "the function always sees the whole signal");
  assert.equal(seen.length, 25, "one guess call, then 24 pixels (HyperSpy: 25 calls too)");
});

test("map iterating signals with other navigation chunks are rechunked to the data's", () => {
  const s = baseS().asLazy({ chunks: [1, 2, 4] });
  const v = vecSig().asLazy({ chunks: [2, 1, 2] });
  const r = s.map((x, a) => ew(x, (val, i) => val + other(a.v, i)), { inplace: false, args: { v } });
  assert.deepEqual((r.data as hs.lazy.LazyArray).chunks, [[1, 1], [2, 1], [4]]);
  check(r, fx.cases.iter_vec.lazy, "rechunked iterating", true);
});

test("map in place on eager data of unchanged shape and dtype writes into the same buffer (as HyperSpy)", () => {
  const s = baseS();
  const old = s.data;
  s.map((x) => ew(x, (v) => v + 1));
  assert.equal(s.data === old, fx.same_buffer);
  assert.deepEqual(values(s.data as NDArray).slice(0, 4), [1, 2, 3, 4]);
});

test("map: mismatched navigation shapes name both shapes", () => {
  const s = baseS();
  assert.match(fx.nav_error, /\(3,\).*\(3, 2\)/);
  assert.throws(() => s.map((x) => x, { args: { a: new hs.signals.BaseSignal(arange([3])).T } }), (e: Error) => {
    assert.match(e.message, /args\.a, \(3,\), must equal the navigation shape of the mapped signal, \(3, 2\)/);
    return true;
  });
});

test("map: an exception in the function names the pixel (natural order) and keeps the original as cause", () => {
  for (const lazy of [false, true]) {
    const s = lazy ? baseS().asLazy() : baseS();
    const boom = new TypeError("boom");
    const fn: MapFunction = (x) => { if (x.get(0) === 16) throw boom; return x; };
    assert.throws(() => s.map(fn, { inplace: false, lazyOutput: false }), (e: Error) => {
      assert.match(e.message, /navigation pixel \(1, 1\) \(natural order\): TypeError: boom/);
      assert.equal(e.cause, boom);
      assert.ok(!/mapBlocks/.test(e.message), e.message);
      return true;
    });
  }
  // the guess call on pixel 0
  assert.throws(() => baseS().map(() => { throw new Error("first"); }, { inplace: false }), /navigation pixel \(0, 0\).*first/);
});

test("map: a pixel whose output shape differs from pixel 0's is a clear error", () => {
  assert.throws(() => baseS().map((x) => x.hi(Number(x.get(0)) % 3 + 1), { inplace: false }), /could not broadcast input array from shape \(2,\) into shape \(1,\)/);
});

test("map: ragged: true gives a ragged signal (see ragged.test.ts); unknown chunks name computeChunkSizes", () => {
  assert.equal(String(baseS().map((x) => x, { ragged: true, inplace: false })), "<BaseSignal, title: , dimensions: (3, 2|ragged)>");
  const lz = hs.lazy.fromArray(arange([2, 3, 4]));
  const masked = lz.get(lz.gt(-1).get(":", 0, 0));
  // a signal cannot be built over unknown chunks; swap the data in to check map's own guard
  const s = new hs.signals.LazySignal1D(lz);
  (s as unknown as { _data: unknown })._data = masked;
  assert.throws(() => s.map((x) => x, { inplace: false }), (e: Error) => e.name === "UnknownChunksError" && /computeChunkSizes/.test(e.message));
});

test("map portable: the function runs from its source (workers with compute()), same numbers", async () => {
  const s = baseS().asLazy({ chunks: [1, 3, 4] });
  const r = s.map((x, a) => { const o = new Float64Array(x.size); for (let i = 0; i < x.size; i++) o[i] = Number(x.get(i)) * (a.k as number) + Number((a.v as NDArray).get(i)); return o; }, { inplace: false, portable: true, args: { k: 2, v: vecSig() } });
  const got = await (r.data as hs.lazy.LazyArray).compute();
  const want = values(arange([2, 3, 4])).map((v) => v * 2 + v * 10);
  assert.deepEqual(values(got), want);
  assert.throws(() => s.map((x) => x, { inplace: false, portable: true, args: { c: ndarray(new Float64Array(2)) } }), /portable: the constant args\.c/);
});

test("map: the guess call is skipped when outputSignalSize and outputDtype are given", () => {
  let calls = 0;
  const r = baseS().map((x) => { calls++; return x; }, { inplace: false, outputSignalSize: [4], outputDtype: "float64" });
  assert.equal(calls, 6);
  assert.equal(String(r), "<Signal1D, title: , dimensions: (3, 2|4)>");
});
