/**
 * Ragged signals against HyperSpy 1.7.3 (test/fixtures/make_ragged.py): construction, reprs, axes,
 * inav, asLazy / compute, deepcopy, ragged = false, and map with ragged output (including a
 * find-peaks workflow) and over ragged input, eager and lazy; plus the errors.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import ndarray = require("ndarray");
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";
import { NDArray, ObjectNDArray, asObjectArray, objectArray, toFlat, toNDArray } from "../../lazy/core/block";
import type { MapArgs } from "../../signals/map";

type Sig = InstanceType<typeof hs.signals.BaseSignal>;
interface AxisFx { name: string | null; size: number; scale: number; offset: number; units: string | null; navigate: boolean }
type ElemFx = FixtureArray | { dict: { [k: string]: number } };
interface ObjectFx { shape: number[]; dtype: "object"; data: ElemFx[] }
interface Described {
  repr: string;
  ragged: boolean;
  axes: AxisFx[];
  navigation_shape: number[];
  signal_shape: number[];
  signal_dimension: number;
  data: ObjectFx | FixtureArray;
  chunks?: number[][];
}
interface ErrorFx { type: string; message: string }
interface Fx {
  construction: {
    filled_3x4: { input: ObjectFx; eager: Described; lazy: Described; axes_manager_repr: string; inav0: Described; inav00: Described; inav_slice: Described; lazy_inav00: Described; deepcopy: Described };
    one: { input: ObjectFx; eager: Described; lazy: Described };
    unragged: { input: ObjectFx; before: Described; after: Described; navigation_indices_in_array: number[]; signal_indices_in_array: number[] };
    calibrated: { input: ObjectFx; eager: Described; inav0: Described; inav_1: Described; lazy_inav0: Described };
    lazy_chunks: { input: ObjectFx; lazy: Described; rechunked: Described };
  };
  errors: { [k: string]: ErrorFx };
  maps: {
    [k: string]: { [variant: string]: Described };
  } & {
    spectra: { input: FixtureArray; axes: AxisFx[]; repr: string };
    ragged_input: { input: ObjectFx; eager: { [k: string]: Described }; lazy: { [k: string]: Described } };
    iter_kwarg_larger: { input: ObjectFx; add_repr: string; result: Described };
  };
}
const fx = loadFixture<Fx>("ragged");

// ------------------------------------------------------------------ helpers
const isDict = (e: ElemFx): e is { dict: { [k: string]: number } } => "dict" in e;

/** An element of a fixture object array as our value: an ndarray, a number (0-d) or a plain object. */
function decodeElem(e: ElemFx): unknown {
  if (isDict(e)) return { ...e.dict };
  if (e.shape.length === 0) return Number(e.data[0]);
  return toNDArray(fromFixture(e));
}

/** A fixture object array as our object array. */
function objects(o: ObjectFx): ObjectNDArray {
  return objectArray(o.data.map(decodeElem), o.shape);
}

function values(x: NDArray): number[] {
  return toFlat(x);
}

/** One of our elements equals the fixture's (numbers compared as numbers: HyperSpy's int64 are float64 here). */
function assertElem(got: unknown, want: ElemFx, msg: string): void {
  if (isDict(want)) {
    assert.deepEqual(got, want.dict, msg);
    return;
  }
  if (want.shape.length === 0) {
    assert.equal(got, Number(want.data[0]), msg);
    return;
  }
  if (ArrayBuffer.isView(got) || Array.isArray(got)) {
    // a typed or JS array: 1-D values
    assert.deepEqual([Array.from(got as ArrayLike<number>).length], want.shape, `${msg}: shape`);
    assert.deepEqual(Array.from(got as ArrayLike<number>), want.data.map(Number), `${msg}: values`);
    return;
  }
  assertArrayClose(got as NDArray, want, { msg, rtol: 1e-12, atol: 1e-12 });
}

function computed(s: Sig): NDArray {
  return s.isLazy ? (s.data as hs.lazy.LazyArray).computeSync() : (s.data as NDArray);
}

function checkAxes(s: Sig, want: AxisFx[], msg: string): void {
  const got = s.axesManager.axes.map((a) => ({ name: a.name ?? null, size: a.size, scale: a.scale, offset: a.offset, units: a.units ?? null, navigate: a.navigate }));
  assert.deepEqual(got, want, `${msg}: axes`);
}

/** Our signal matches HyperSpy's description: repr, ragged flag, axes, shapes, chunks, data. */
function check(got: Sig, want: Described, msg: string, opts: { lazy?: boolean; data?: boolean } = {}): void {
  assert.equal(String(got), want.repr, `${msg}: repr`);
  if (opts.lazy !== undefined) assert.equal(got.isLazy, opts.lazy, `${msg}: laziness`);
  assert.equal(got.ragged, want.ragged, `${msg}: ragged`);
  assert.equal(got.axesManager.ragged, want.ragged, `${msg}: axesManager.ragged`);
  checkAxes(got, want.axes, msg);
  assert.deepEqual(got.axesManager.navigationShape, want.navigation_shape, `${msg}: navigation shape`);
  assert.deepEqual(got.axesManager.signalShape, want.signal_shape, `${msg}: signal shape`);
  assert.equal(got.axesManager.signalDimension, want.signal_dimension, `${msg}: signal dimension`);
  if (want.chunks) assert.deepEqual((got.data as hs.lazy.LazyArray).chunks, want.chunks, `${msg}: chunks`);
  if (opts.data === false) return;
  const data = computed(got);
  if (want.data.dtype === "object") {
    const o = want.data as ObjectFx;
    assert.equal(got.dtype, "object", `${msg}: dtype`);
    const od = asObjectArray(data);
    assert.deepEqual(od.shape, o.shape, `${msg}: data shape`);
    const flat = toFlat(data) as unknown[];
    o.data.forEach((e, i) => assertElem(flat[i], e, `${msg}: element ${i}`));
  } else {
    assert.notEqual(got.dtype, "object", `${msg}: dtype`);
    assertArrayClose(data, want.data as FixtureArray, { msg, rtol: 1e-12, atol: 1e-12 });
  }
}

const ragged = (o: ObjectFx): Sig => new hs.signals.BaseSignal(objects(o), { ragged: true });
const sum = (x: NDArray): number => values(x).reduce((a, b) => a + b, 0);

// ------------------------------------------------------------------ construction
test("ragged: construction, reprs, axes manager repr (HyperSpy 1.7.3), eager and lazy", () => {
  const c = fx.construction.filled_3x4;
  const s = ragged(c.input);
  check(s, c.eager, "filled eager", { lazy: false });
  check(s.asLazy(), c.lazy, "filled lazy", { lazy: true });
  assert.equal(String(s.axesManager), c.axes_manager_repr);
  assert.equal(s.dtype, "object");
  const one = ragged(fx.construction.one.input);
  check(one, fx.construction.one.eager, "one eager");
  check(one.asLazy(), fx.construction.one.lazy, "one lazy");
  // a lazy ragged signal from a LazyArray of dtype object, with its chunks
  const lc = fx.construction.lazy_chunks;
  const sl = new hs.signals.LazySignal(hs.lazy.fromArray(objects(lc.input), { chunks: [2, 2] }), { ragged: true });
  check(sl, lc.lazy, "lazy chunks");
  check(sl.rechunk([3, 4], -1, { inplace: false }), lc.rechunked, "rechunked (explicit navigation chunks)");
  assert.deepEqual(sl.getChunkSize(), [[2, 2, 2], [2, 2]]);
});

test("ragged: inav keeps the elements (HyperSpy's s.inav[0].data[0] is s.data[0]); every axis indexed gives (|ragged)", () => {
  const c = fx.construction.filled_3x4;
  const s = ragged(c.input);
  check(s.inav(0), c.inav0, "inav(0)");
  check(s.inav(0, 0), c.inav00, "inav(0, 0)");
  check(s.inav("1:3"), c.inav_slice, "inav('1:3')");
  assert.equal(asObjectArray(s.inav(0).data).get(0), asObjectArray(s.data).get(0, 0), "the same element object");
  // HyperSpy's dask computes the lazy (|ragged) element as a numeric (1, 2) array (its quirk): ours stays one element
  const l = s.asLazy().inav(0, 0);
  check(l, { ...c.lazy_inav00, data: c.inav00.data }, "lazy inav(0, 0)");
  assert.deepEqual((c.lazy_inav00.data as FixtureArray).shape, [1, 2]);
  const k = fx.construction.calibrated;
  const t = ragged(k.input);
  const ax = t.axesManager.get(0);
  ax.name = "x";
  ax.scale = 0.5;
  ax.offset = 1;
  check(t, k.eager, "calibrated");
  check(t.inav(0), k.inav0, "calibrated inav(0)");
  check(t.inav("1:"), k.inav_1, "calibrated inav('1:')");
  check(t.asLazy().inav(0), k.lazy_inav0, "calibrated lazy inav(0)");
});

test("ragged: compute of a lazy ragged signal is an eager ragged one; asLazy; deepcopy copies the elements", async () => {
  const c = fx.construction.filled_3x4;
  const s = ragged(c.input);
  const l = s.asLazy();
  const back = await l.compute();
  check(back, c.eager, "compute()", { lazy: false });
  check(l.computeSync(), c.eager, "computeSync()", { lazy: false });
  const d = s.deepcopy();
  check(d, c.deepcopy, "deepcopy");
  const e0 = asObjectArray(s.data).get(0, 0) as NDArray;
  const d0 = asObjectArray(d.data).get(0, 0) as NDArray;
  assert.notEqual(d0, e0);
  (d0.data as unknown as (number | bigint)[])[d0.offset] = typeof d0.get(0) === "bigint" ? -1n : -1;
  assert.equal(Number(e0.get(0)), 10, "the copy's element shares no memory");
  assert.equal(s.raggedData.get(0, 0), e0);
});

test("ragged: iterateSignal yields each pixel's element (eager and lazy, flyback and serpentine)", () => {
  const lc = fx.construction.lazy_chunks;
  const s = ragged(lc.input);
  const lengths = (it: Iterable<NDArray>) => Array.from(it, (x) => x.shape[0]);
  const flyback: number[] = [];
  for (let iy = 0; iy < 6; iy++) for (let ix = 0; ix < 4; ix++) flyback.push(2 + ((iy * 4 + ix) % 5));
  assert.deepEqual(lengths(s.iterateSignal()), flyback);
  const lazy = s.asLazy({ chunks: [2, 3] });
  assert.deepEqual(lengths(lazy.iterateSignal()), flyback);
  const serp: number[] = [];
  for (let iy = 0; iy < 6; iy++) for (let k = 0; k < 4; k++) serp.push(flyback[iy * 4 + (iy % 2 ? 3 - k : k)]);
  assert.deepEqual(lengths(lazy.iterateSignal({ iterpath: "serpentine" })), serp);
  const one = ragged(fx.construction.one.input);
  const items = Array.from(one.iterateSignal());
  assert.equal(items.length, 1);
  assert.deepEqual(items[0].shape, [3, 2]);
});

test("ragged = false turns an in-memory ragged signal of same-shape elements into a numeric one (HyperSpy)", () => {
  const u = fx.construction.unragged;
  const s = ragged(u.input);
  check(s, u.before, "before");
  s.ragged = false;
  check(s, u.after, "after");
  assert.deepEqual(s.axesManager.navigationIndicesInArray, u.navigation_indices_in_array);
  assert.deepEqual(s.axesManager.signalIndicesInArray, u.signal_indices_in_array);
  s.ragged = false; // nothing to do
  assert.throws(() => (s.ragged = true), (e: Error) => e.message === fx.errors.set_ragged_true.message);
});

test("ragged: errors, with HyperSpy's messages where it has them", () => {
  const E = fx.errors;
  const s = ragged(fx.construction.filled_3x4.input);
  const ex = (m: string) => (e: Error) => e.message === m;
  assert.throws(() => new hs.signals.Signal1D(objects(fx.construction.filled_3x4.input), { ragged: true }), ex(E.signal1d_ragged.message));
  assert.throws(() => new hs.signals.Signal2D(objects(fx.construction.filled_3x4.input), { ragged: true }), ex(E.signal2d_ragged.message));
  assert.throws(() => new hs.signals.LazySignal1D(objects(fx.construction.filled_3x4.input), { ragged: true }), ex(E.signal1d_ragged.message));
  assert.throws(() => new hs.signals.BaseSignal(new Float64Array([0, 1, 2]), { ragged: true }), ex(E.not_ragged.message));
  assert.throws(() => new hs.signals.Signal1D(ndarray(new Float64Array(120), [2, 3, 4, 5])).ragged = true, ex(E.set_ragged_true.message));
  assert.throws(() => s.isig(0), ex(E.isig.message));
  assert.throws(() => s.T, ex(E.transpose.message));
  assert.throws(() => s.transpose({ signalAxes: 1 }), ex(E.transpose.message));
  const l = s.asLazy();
  assert.throws(() => (l.ragged = false), ex(E.lazy_unragged.message));
  const bad = new hs.signals.BaseSignal(objectArray([ndarray(new Float64Array(2)), ndarray(new Float64Array(3))]), { ragged: true });
  assert.throws(() => (bad.ragged = false), ex(E.unragged_bad.message));
  // object data needs ragged: true (HyperSpy would make a non-ragged object signal: not supported)
  assert.throws(() => new hs.signals.BaseSignal(objects(fx.construction.filled_3x4.input)), /dtype "object".*ragged: true/);
  // numeric operations: a clear error naming the operation and map (HyperSpy: elementwise on the objects, or numpy errors)
  const numeric = /is not supported on a ragged signal .*\(4, 3\|ragged\).*s\.map/;
  for (const [what, f] of Object.entries<() => unknown>({
    add: () => s.add(1),
    "add signal": () => s.add(s),
    mul: () => s.mul(2),
    neg: () => s.neg(),
    sqrt: () => s.sqrt(),
    gt: () => s.gt(0),
    sum: () => s.sum(),
    mean: () => s.mean(),
    max: () => s.max(),
    std: () => s.std(),
    nansum: () => l.nansum(),
    indexmax: () => s.indexmax(0),
    valuemax: () => s.valuemax(0),
    rebin: () => s.rebin({ scale: [2, 1] }),
    diff: () => s.diff(0),
    stack: () => hs.stack([s, s]),
    blockIterator: () => Array.from(s.blockIterator()),
    "lazy add": () => l.add(1),
    "lazy sum": () => l.sum(),
  })) {
    assert.throws(f, (e: Error) => e instanceof TypeError && numeric.test(e.message), what);
  }
  // a numeric signal with a ragged operand
  const t = new hs.signals.BaseSignal(ndarray(new Float64Array(12), [3, 4])).T;
  assert.throws(() => t.add(s), numeric);
  // "auto" chunks are unknown for object data (dask's NotImplementedError)
  assert.throws(() => l.rechunk(), /"auto" cannot be used with dtype "object"/);
  // the data setter keeps ragged data ragged
  assert.throws(() => (s.data = ndarray(new Float64Array(12), [3, 4]) as NDArray), /ragged signal's data must have dtype "object"/);
  assert.throws(() => t.raggedData, /is not ragged/);
});

// ------------------------------------------------------------------ map
const M = fx.maps;

function arange(shape: number[]): NDArray {
  const n = shape.reduce((p, x) => p * x, 1);
  return hs.lazy.arange(n).reshape(shape).computeSync(); // int64, as HyperSpy's np.arange data
}
const base = () => new hs.signals.Signal1D(arange([2, 3, 4]));
const both = (s: Sig): [string, Sig][] => [["eager", s], ["lazy", s.asLazy()]];

test("map ragged: outputs of varying length per pixel (HyperSpy's reference snippet), eager and lazy", async () => {
  for (const [k, s] of both(base())) {
    const r = s.map((x) => x.hi(Number(x.get(0)) % 3 + 1), { inplace: false, ragged: true });
    check(r, M.slice_varying[k], `slice_varying ${k}`, { lazy: k === "lazy" });
    if (k === "lazy") {
      assert.equal((r.data as hs.lazy.LazyArray).layer.kind, "map-blocks", "one blockwise layer");
      check(await r.compute(), M.slice_varying.lazy_computed, "computed");
    }
    check(s.map((x) => ({ max: Math.max(...values(x)) }), { inplace: false, ragged: true }), M.dicts[k], `dicts ${k}`);
    const s6 = new hs.signals.Signal1D(arange([2, 3]));
    check((k === "lazy" ? s6.asLazy() : s6).map((x) => x, { inplace: false, ragged: true }), M.identity[k], `identity ${k}`);
    const n = new hs.signals.BaseSignal(ndarray(new Float64Array([1, 2, 3, 4, 1, 2]), [2, 3])).T;
    check(s.map((x, a) => x.hi(a.n as number), { inplace: false, ragged: true, args: { n } }), M.iterating_ragged[k], `iterating ${k}`);
  }
  // the stored ndarray is a copy when the function returned a view of its input
  const e = base();
  const r = e.map((x) => x.hi(2), { inplace: false, ragged: true });
  hs.lazy.asBigInts(e.data as NDArray).data[0] = 99n; // int64 data (np.arange): bigint elements
  assert.equal((asObjectArray(r.data).get(0, 0) as NDArray).get(0), 0n);
});

test("map ragged: a navigation-less signal gives (|ragged) with one element (test_singleton), and a Scalar axis when not ragged", () => {
  const sg = new hs.signals.Signal2D(ndarray(new Float64Array(6), [3, 2]));
  sg.axesManager.get(0).name = "x";
  sg.axesManager.get(1).name = "y";
  for (const [k, s] of both(sg)) {
    check(s.map(() => 3, { inplace: false, ragged: true }), M.singleton[k], `singleton ${k}`);
    check(s.map(() => 3, { inplace: false, ragged: false }), M.singleton_not_ragged[k], `singleton not ragged ${k}`);
  }
});

/** Local maxima above a threshold: x[i] > x[i-1] and x[i] >= x[i+1] (the fixture's find_peaks). */
function findPeaks(x: NDArray, a: MapArgs): NDArray {
  const thr = a.threshold as number;
  const v = values(x);
  const out: number[] = [];
  for (let i = 1; i < v.length - 1; i++) if (v[i] > v[i - 1] && v[i] >= v[i + 1] && v[i] > thr) out.push(i);
  return ndarray(Float64Array.from(out), [out.length]) as NDArray;
}

function spectra(): Sig {
  const s = new hs.signals.Signal1D(toNDArray(fromFixture(M.spectra.input)));
  M.spectra.axes.forEach((a, i) => {
    const ax = s.axesManager.arrayAxis(i);
    ax.name = a.name ?? undefined;
    ax.scale = a.scale;
    ax.offset = a.offset;
    ax.units = a.units ?? undefined;
  });
  assert.equal(String(s), M.spectra.repr);
  return s;
}

test("map ragged: find peaks per pixel (varying counts), then maps over the ragged signal, eager and lazy", async () => {
  for (const k of ["eager", "lazy"]) {
    const lazy = k === "lazy";
    const s = lazy ? spectra().asLazy().rechunk([2, 3]) : spectra();
    const peaks = s.map(findPeaks, { inplace: false, ragged: true, args: { threshold: 5 } });
    check(peaks, M.peaks[k], `peaks ${k}`, { lazy });
    // over the ragged signal: fn receives each pixel's ndarray of peak positions
    check(peaks.map((p) => ndarray(Float64Array.from(values(p), (v) => v * 2 + 1), p.shape.slice()), { inplace: false }), M.peaks_shifted[k], `shifted ${k}`);
    check(peaks.map((p) => p.shape[0], { inplace: false, ragged: false }), M.peak_count[k], `count ${k}`);
    check(peaks.map((p) => sum(p) / p.shape[0], { inplace: false, ragged: false }), M.peak_mean[k], `mean ${k}`);
    check(peaks.map((p) => [Math.min(...values(p)), Math.max(...values(p)), p.shape[0]], { inplace: false, ragged: false }), M.peak_stats[k], `stats ${k}`);
    check(s.map(findPeaks, { inplace: false, ragged: true, lazyOutput: !lazy, args: { threshold: 5 } }), M.peaks_lazy_output[k], `lazyOutput ${!lazy}`, { lazy: !lazy });
    if (lazy) {
      // the threaded scheduler: object tasks stay on the main thread, same numbers
      const c = await peaks.compute({ scheduler: "threads", numWorkers: 2 });
      check(c, { ...M.peaks.eager }, "computed on the threads scheduler", { lazy: false });
      const n = await peaks.map((p) => p.shape[0], { inplace: false, ragged: false }).compute({ scheduler: "threads", numWorkers: 2 });
      check(n, M.peak_count.eager, "count computed on threads");
    }
  }
});

test("map over a ragged input signal (TestRaggedInputSignal): ragged inherited, and numeric outputs with ragged: false", () => {
  const R = M.ragged_input;
  const s = ragged(R.input);
  const sl = new hs.signals.LazySignal(hs.lazy.fromArray(objects(R.input), { chunks: [2, 2] }), { ragged: true });
  for (const [k, t] of [["eager", s], ["lazy", sl]] as [string, Sig][]) {
    const W = k === "eager" ? R.eager : R.lazy;
    check(t.map((x) => x.hi(x.shape[0] - 1), { inplace: false }), W.drop_last, `drop_last ${k}`);
    const total = t.map((x) => sum(x), { inplace: false, ragged: false });
    check(total, W.sum, `sum ${k}`);
    check(total.T, W.sum_T, `sum .T ${k}`);
    check(t.map((x) => [Math.min(...values(x)), Math.max(...values(x)), x.shape[0]], { inplace: false, ragged: false }), W.stats, `stats ${k}`);
  }
  check(sl.map((x) => x.hi(x.shape[0] - 1), { inplace: false, lazyOutput: false }), R.lazy.drop_last_lazy_output_false, "lazyOutput false", { lazy: false });
  // the guess call (ragged: false) gets the element too: HyperSpy gives it a (1, n) array there (documented)
  const seen: number[][] = [];
  s.map((x) => (seen.push(x.shape.slice()), x.shape[0]), { inplace: false, ragged: false });
  assert.deepEqual(seen[0], [2]);
  // varying numeric outputs without ragged: numpy's broadcast error, naming the pixel
  assert.throws(
    () => base().map((x) => x.hi(Number(x.get(0)) % 3 + 1), { inplace: false, ragged: false }),
    (e: Error) => e.message.includes(fx.errors.varying_not_ragged.message) && /ragged: true/.test(e.message),
  );
});

test("map ragged with an iterating signal bigger than the data (test_iter_kwarg_larger_shape_ragged)", () => {
  const I = M.iter_kwarg_larger;
  const s = ragged(I.input);
  const add = new hs.signals.BaseSignal(ndarray(Float64Array.from({ length: 30 }, () => 2), [2, 5, 3])).transpose({ signalAxes: 2 });
  assert.equal(String(add), I.add_repr);
  const r = s.map((image, a) => ndarray(Float64Array.from(values(image), (v) => v + Number((a.add as NDArray).get(0, 0))), image.shape.slice()), { inplace: false, ragged: true, args: { add } });
  check(r, I.result, "result");
});

test("map ragged in place: a BaseSignal of navigation axes, or a Signal1D, becomes ragged (the same object)", () => {
  const t = new hs.signals.BaseSignal(arange([2, 3])).T; // (3, 2|)
  // no signal axes: fn gets each pixel's number (HyperSpy: np.float64; int64 data: a bigint)
  const r = t.map((x) => ndarray(new Float64Array(1 + (Number(x as unknown as number) % 3)), [1 + (Number(x as unknown as number) % 3)]), { ragged: true });
  assert.equal(r, t);
  assert.equal(String(t), "<BaseSignal, title: , dimensions: (3, 2|ragged)>");
  assert.deepEqual(Array.from(t.iterateSignal(), (x) => x.shape[0]), [1, 2, 3, 1, 2, 3]);
  // ragged -> ragged in place keeps the object array
  const s = ragged(fx.maps.ragged_input.input);
  const before = s.data;
  s.map((x) => x.hi(1));
  assert.equal(s.data, before);
  assert.deepEqual(Array.from(s.iterateSignal(), (x) => x.shape[0]), new Array(24).fill(1));
  // a Signal1D becomes a ragged BaseSignal in place, as HyperSpy (same object)
  const b1 = base();
  assert.equal(b1.map((x) => x, { ragged: true }), b1);
  assert.equal(String(b1), "<BaseSignal, title: , dimensions: (3, 2|ragged)>");
  assert.equal(b1.ragged, true);
  assert.throws(() => base().map((x) => x, { ragged: true, outputDtype: "float64", inplace: false }), /outputSignalSize and outputDtype do not apply/);
  assert.throws(() => base().map(() => undefined as unknown as number, { ragged: true, inplace: false }), /returned undefined/);
});

test("map ragged with portable: true runs on the main thread (object data never goes to workers), same results", async () => {
  const s = base().asLazy({ chunks: [1, 3, 4] });
  const r = s.map((x) => x.hi(Number(x.get(0)) % 3 + 1), { inplace: false, ragged: true, portable: true });
  const c = await r.compute({ scheduler: "threads", numWorkers: 2 });
  check(c, M.slice_varying.eager, "portable ragged", { lazy: false });
});
