/**
 * The signal classes against HyperSpy 1.7.3 (test/fixtures/make_signal.py): reprs and shapes,
 * asLazy classes and HyperSpy's default chunks, transpose / T, rechunk, getChunkSize, deepcopy,
 * compute returning the computed signal.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, loadFixture } from "../helpers";

const { Signal1D, Signal2D, BaseSignal, LazySignal, LazySignal1D } = hs.signals;
type Sig = InstanceType<typeof BaseSignal>;

interface Facts {
  repr: string;
  dataShape: number[];
  navigationShape: number[];
  signalShape: number[];
  navigate: boolean[];
  names: string[];
}
interface Fx {
  ctor: (Facts & { cls: "Signal1D" | "Signal2D" | "BaseSignal"; shape: number[]; lazyRepr: string; lazyChunks: number[][] })[];
  chunks: { cls: "Signal1D" | "Signal2D" | "BaseSignal"; shape: number[]; dtype: hs.lazy.DType; chunks: number[][] }[];
  transpose: (Facts & { label: string; data?: FixtureArray })[];
  rechunk: { label: string; nav?: number | number[] | string | null; sig?: number; chunks: number[][] }[];
  getChunkSize: { default: number[][]; axis0: number[][]; signal: number[][] };
}
const fx = loadFixture<Fx>("signal");

function check(s: Sig, f: Facts, what: string): void {
  assert.equal(String(s), f.repr, `${what}: repr`);
  assert.deepEqual(s.data.shape.slice(), f.dataShape, `${what}: data shape`);
  assert.deepEqual(s.axesManager.navigationShape, f.navigationShape, `${what}: navigation shape`);
  assert.deepEqual(s.axesManager.signalShape, f.signalShape, `${what}: signal shape`);
  assert.deepEqual(
    s.axesManager.axes.map((a) => a.navigate),
    f.navigate,
    `${what}: navigate flags (array order)`,
  );
}

function arange(shape: number[]): hs.lazy.NDArray {
  const n = shape.reduce((p, x) => p * x, 1);
  return hs.lazy.arange(n).reshape(shape).computeSync(); // int64, as HyperSpy's np.arange data
}

for (const c of fx.ctor) {
  test(`${c.cls}(arange ${JSON.stringify(c.shape)}): ${c.repr}; asLazy: ${c.lazyRepr}`, () => {
    const data = c.shape.length ? arange(c.shape) : 5;
    const s = new hs.signals[c.cls](data);
    check(s, c, "eager");
    const l = s.asLazy();
    assert.equal(String(l), c.lazyRepr);
    assert.ok(l instanceof LazySignal);
    assert.ok(!(s instanceof LazySignal));
    assert.deepEqual((l.data as hs.lazy.LazyArray).chunks, c.lazyChunks, "HyperSpy's chunks");
  });
}

for (const c of fx.chunks) {
  test(`HyperSpy's default chunks: ${c.cls} ${c.dtype}[${c.shape}]`, () => {
    const nav = c.cls === "BaseSignal" ? [] : Array.from({ length: c.shape.length - (c.cls === "Signal1D" ? 1 : 2) }, (_, i) => i);
    assert.deepEqual(hs.signals.hyperspyChunks(c.shape, nav, c.dtype), c.chunks);
  });
}

test("transpose and T as HyperSpy (reprs, shapes, navigate flags, data)", async () => {
  const s = new Signal1D(arange([2, 3, 4]));
  ["y", "x", "E"].forEach((n, i) => (s.axesManager.axes[i].name = n));
  const b = new BaseSignal(hs.lazy.zeros([1, 2, 3, 4, 5, 6]).computeSync());
  "abcdef".split("").forEach((n, i) => (b.axesManager.axes[i].name = n));
  const cases: Record<string, Sig> = {
    T: s.T,
    "signal_axes=2": s.transpose({ signalAxes: 2 }),
    "signal_axes=['x']": s.transpose({ signalAxes: ["x"] }),
    "navigation_axes=0": s.transpose({ navigationAxes: 0 }),
    "T.T": s.T.T,
    "abcdef signal_axes=2": b.transpose({ signalAxes: 2 }),
    "abcdef signal_axes=[0,5,4]": b.transpose({ signalAxes: [0, 5, 4] }),
    "abcdef navigation_axes=2": b.transpose({ navigationAxes: 2 }),
    "BaseSignal([0.]).T": new BaseSignal([0]).T,
  };
  for (const f of fx.transpose) {
    const t = cases[f.label];
    assert.ok(t, `case ${f.label}`);
    check(t, f, f.label);
    if (f.data) assertArrayClose(t.data as hs.lazy.NDArray, f.data, { msg: `${f.label}: data` });
  }
  // lazy: the same data, transposed lazily
  const lt = await s.asLazy().T.compute();
  assertArrayClose(lt.data as hs.lazy.NDArray, fx.transpose[0].data as FixtureArray, { msg: "lazy T" });
  assert.throws(() => b.transpose({ signalAxes: 10 }), /^ValueError: Too many signal axes requested$/);
  assert.throws(() => b.transpose({ signalAxes: ["zz"] }), /no DataAxis named zz/i);
});

test("rechunk as HyperSpy (in place, array order, null keeps, -1 whole, auto)", () => {
  for (const r of fx.rechunk.slice(0, 4)) {
    const base = new Signal1D(arange([4, 6, 8])).asLazy({ chunks: [2, 3, 4] });
    const out = base.rechunk(r.nav as hs.lazy.AxisChunkSpec, r.sig as number);
    assert.equal(out, base, "in place");
    assert.deepEqual((base.data as hs.lazy.LazyArray).chunks, r.chunks, r.label);
  }
  const big = new Signal2D(hs.lazy.zeros([6, 9, 7, 11]).computeSync()).asLazy({
    chunks: [
      [2, 1, 3],
      [4, 5],
      [7],
      [11],
    ],
  });
  const copy = big.rechunk([3, -1], 4, { inplace: false });
  assert.deepEqual((copy.data as hs.lazy.LazyArray).chunks, fx.rechunk[4].chunks);
  assert.deepEqual((big.data as hs.lazy.LazyArray).chunks, [[2, 1, 3], [4, 5], [7], [11]], "not in place");
  assert.deepEqual(big.getChunkSize(), fx.getChunkSize.default);
  assert.deepEqual(big.getChunkSize(0), fx.getChunkSize.axis0);
  assert.deepEqual(big.getChunkSize(big.axesManager.signalAxes), fx.getChunkSize.signal);
  assert.throws(() => new Signal1D([1, 2, 3]).rechunk(), /lazy signals; call asLazy/);
});

test("compute returns the computed signal of the matching class; the lazy one stays lazy", async () => {
  const l = new LazySignal1D(hs.lazy.arange(24, undefined, 1, { chunks: 5 }).reshape([2, 3, 4]));
  assert.equal(String(l), "<LazySignal1D, title: , dimensions: (3, 2|4)>");
  l.title = "demo";
  const c = await l.compute();
  assert.equal(String(c), "<Signal1D, title: demo, dimensions: (3, 2|4)>");
  assert.ok(c instanceof Signal1D && !(c instanceof LazySignal));
  assert.equal((c.data as hs.lazy.NDArray).get(1, 2, 3), 23n);
  assert.ok(l.isLazy);
  assert.equal(String(l.computeSync()), String(c));
});

test("deepcopy copies axes, metadata and in-memory data; lazy data is shared (immutable)", () => {
  const s = new Signal1D(arange([2, 3]));
  s.title = "a";
  const d = s.deepcopy();
  d.title = "b";
  d.axesManager.axes[0].name = "x";
  hs.lazy.asBigInts(d.data as hs.lazy.NDArray).data[0] = 99n; // int64 data (np.arange): bigint elements
  assert.equal(s.title, "a");
  assert.equal(s.axesManager.axes[0].name, undefined);
  assert.equal((s.data as hs.lazy.NDArray).get(0, 0), 0n);
  const l = s.asLazy();
  assert.equal(l.deepcopy().data, l.data);
});

test("bad input: axes that do not fit the data, laziness mismatches, data of the wrong shape", () => {
  assert.throws(() => new Signal1D(arange([2, 3]), { axes: [{ size: 3 }, { size: 2 }] }), /axes have sizes \[3, 2\].*shape \[2, 3\]/);
  assert.throws(() => new Signal1D(hs.lazy.zeros([2, 3])), /LazySignal1D/);
  assert.throws(() => new Signal2D([1, 2, 3]), /at least 2 dimension/);
  const s = new Signal1D(arange([2, 3]));
  assert.throws(() => (s.data = arange([3, 2])), /does not match the axes/);
  assert.throws(() => (s.data = hs.lazy.zeros([2, 3])), /in-memory ndarray/);
});

test("deepcopy of data that is an offset view shares no memory, and bool data stays bool", () => {
  const buf = new Float64Array([9, 9, 1, 2, 3, 4]);
  const view = { data: buf, shape: [2, 2], stride: [2, 1], offset: 2 };
  const s = new Signal1D(view);
  const d = s.deepcopy();
  (d.data as hs.lazy.NDArray).set(0, 0, 100);
  assert.equal((s.data as hs.lazy.NDArray).get(0, 0), 1, "the original is untouched");
  const b = new Signal1D(hs.lazy.fromArray([1, 5, 3]).gt(2).computeSync());
  assert.equal(b.dtype, "bool");
  assert.equal(b.deepcopy().dtype, "bool");
});
