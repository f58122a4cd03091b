/**
 * HyperSpy parity (issue "HyperSpy parity"): map on signal-dimension-0 signals and map changing the
 * class in place, transpose orders and errors, isig strings with units, iterpath errors, errors by
 * kind (hs.errors), and the methods added for parity, eager and lazy, against HyperSpy 1.7.3
 * (test/fixtures/make_parity.py -> parity.json).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

type Sig = hs.signals.BaseSignal;
interface AxisFx { name: string | null; size: number; scale: number; offset: number; units: string | null; navigate: boolean }
interface Desc { repr: string; data: FixtureArray; axes: AxisFx[]; dtype: string }
interface Err { error: string; message: string }
type Pair = { eager: Desc; lazy: Desc };
const fx = loadFixture<{ [k: string]: unknown }>("parity");
const get = <T>(k: string): T => fx[k] as T;

/** Our dtype for HyperSpy's (64-bit integers are float64 while the engine has no int64). */
const ourDtype = (d: string) => ((d === "int64" || d === "uint64") && !(hs.lazy.DTYPES as readonly string[]).includes(d) ? "float64" : d);

function check(s: Sig, want: Desc, label: string, opts: { lazy?: boolean; dtype?: string } = {}): void {
  if (opts.lazy !== undefined) assert.equal(s.isLazy, opts.lazy, `${label}: laziness`);
  const computed = s.isLazy ? s.computeSync() : s;
  const repr = opts.lazy ? want.repr.replace(/^<(Signal1D|Signal2D)/, "<Lazy$1").replace(/^<BaseSignal/, "<LazySignal") : want.repr;
  assert.equal(String(s), repr, `${label}: repr`);
  assert.equal(s.dtype, opts.dtype ?? ourDtype(want.dtype), `${label}: dtype`);
  assertArrayClose(computed.data as hs.lazy.NDArray, want.data, { msg: label, rtol: 1e-10, atol: 1e-10 });
  assert.deepEqual(
    s.axesManager.axes.map((a) => [a.name ?? null, a.size, a.scale, a.offset, a.units ?? null, a.navigate]),
    want.axes.map((a) => [a.name, a.size, a.scale, a.offset, a.units, a.navigate]),
    `${label}: axes`,
  );
}

function throwsLike(f: () => unknown, want: Err, label: string): void {
  assert.throws(f, (e: Error) => {
    assert.equal(e.name, want.error, `${label}: error name (${e.message})`);
    assert.ok(e instanceof (hs.errors as unknown as { [k: string]: ErrorConstructor })[want.error], `${label}: an hs.errors.${want.error}`);
    assert.ok(e.message.startsWith(want.message), `${label}: message ${JSON.stringify(e.message)} starts with HyperSpy's ${JSON.stringify(want.message)}`);
    return true;
  });
}

/** Signal1D (3, 2|4) of arange(24), calibrated as make_parity.py's s3d. */
function s3d(): Sig {
  const data = new Float64Array(24).map((_, i) => i);
  const s = new hs.signals.Signal1D(hs.lazy.fromArray(data).reshape([2, 3, 4]).computeSync());
  const x = s.axesManager.get(0);
  Object.assign(x, { name: "x", scale: 2, offset: 1, units: "nm" });
  Object.assign(s.axesManager.get(1), { name: "y", scale: 3 });
  Object.assign(s.axesManager.get(2), { name: "E", scale: 0.5, offset: 10, units: "eV" });
  return s;
}

function pair(name: string, f: (s: Sig) => Sig): void {
  test(`${name}: eager and lazy as HyperSpy 1.7.3`, () => {
    const w = get<Pair>(name);
    // indexmin has indexmax's dtype (int32 while the engine has no int64)
    const dtype = name.startsWith("indexmin") ? s3d().indexmax(0).dtype : undefined;
    check(f(s3d()), w.eager, `${name} eager`, { lazy: false, dtype });
    check(f(s3d().asLazy({ chunks: 1 })), w.lazy, `${name} lazy`, { lazy: true, dtype });
  });
}

pair("swap_axes_0_2", (s) => s.swapAxes(0, 2));
pair("swap_axes_x_E", (s) => s.swapAxes("x", "E"));
pair("rollaxis_2_0", (s) => s.rollaxis(2, 0));
pair("rollaxis_0_2", (s) => s.rollaxis(0, 2));
pair("as_signal2D_0_1", (s) => s.asSignal2D([0, 1]));
pair("as_signal1D_0", (s) => s.asSignal1D(0));
pair("integrate1D_E", (s) => s.integrate1D("E"));
pair("integrate1D_x", (s) => s.integrate1D(0));
pair("derivative_E", (s) => s.derivative("E"));
pair("derivative_x_2", (s) => s.derivative(0, 2));
pair("indexmin_E", (s) => s.indexmin("E"));
pair("valuemin_E", (s) => s.valuemin("E"));
pair("indexmin_x", (s) => s.indexmin(0));
pair("valuemin_x", (s) => s.valuemin(0));
pair("pos", (s) => s.pos());
pair("crop_y", (s) => s.crop("y", 1, 2));
pair("crop_E_values", (s) => s.crop("E", 10.5, 11.5));
pair("crop_x_none", (s) => s.crop(0, null, 2));
pair("crop_signal1D", (s) => s.cropSignal(10.5, 11.5));
pair("squeeze", (s) => {
  const q = new hs.signals.Signal1D(hs.lazy.arange(8).astype("float64").reshape([2, 1, 4, 1]).computeSync());
  return (s.isLazy ? q.asLazy() : q).squeeze();
});

test("derivative and integrate1D of squares (4, 5, 6 points): numpy.gradient and scipy's simps (even='avg')", () => {
  for (const n of [4, 5, 6]) {
    const w = get<{ input: Desc; derivative: Desc; derivative2: Desc; integrate1D: Desc }>(`quad${n}`);
    const q = new hs.signals.Signal1D(fromFixture(w.input.data) as hs.lazy.NDArray);
    Object.assign(q.axesManager.get(1), { scale: 0.5, offset: -1 });
    for (const s of [q, q.asLazy({ chunks: [1, 2] })]) {
      const l = s.isLazy;
      check(s.derivative(-1), w.derivative, `quad${n} derivative`, { lazy: l });
      check(s.derivative(-1, 2), w.derivative2, `quad${n} derivative order 2`, { lazy: l });
      check(s.integrate1D(-1), w.integrate1D, `quad${n} integrate1D`, { lazy: l });
    }
  }
});

test("crop, cropSignal and changeDtype work in place: the signal keeps its identity", () => {
  const s = s3d();
  const am = s.axesManager;
  assert.equal(s.crop("E", 10.5, 11.5), s);
  assert.equal(s.axesManager, am);
  assert.equal(s.changeDtype("float32"), s);
  assert.equal(s.dtype, "float32");
  assert.throws(() => new hs.signals.Signal2D(hs.lazy.zeros([3, 3]).computeSync()).cropSignal(0, 1), /cropSignal crops the one signal axis/);
});

test("split as HyperSpy: equal parts, step sizes, one part per index drops the axis; lazy too", () => {
  const w = get<{ x_3_parts: Desc[]; E_steps: Desc[]; lazy_x_3_parts: Desc[]; bad_parts: Err }>("split");
  s3d().split({ axis: 0, numberOfParts: 3 }).forEach((p, i) => check(p, w.x_3_parts[i], `split x part ${i}`, { lazy: false }));
  s3d().split({ axis: "E", stepSizes: [1, 3] }).forEach((p, i) => check(p, w.E_steps[i], `split E part ${i}`, { lazy: false }));
  s3d().asLazy().split({ axis: 0, numberOfParts: 3 }).forEach((p, i) => check(p, w.lazy_x_3_parts[i], `lazy split part ${i}`, { lazy: true }));
  assert.equal(s3d().split().length, 2, "default: the last navigation axis (y), one part per index");
  throwsLike(() => s3d().split({ axis: 0, numberOfParts: 4 }), w.bad_parts, "split too many parts");
  assert.throws(() => s3d().split({ numberOfParts: 2, stepSizes: [1] }), /not both/);
});

test("invert (~) on integers and booleans; float data is numpy's TypeError", () => {
  const w = get<{ int8: Desc; bool: Desc; lazy_int8: Desc; float: Err }>("invert");
  const b = new hs.signals.Signal1D(new Int8Array([0, 1, 2, -5]));
  check(b.invert(), w.int8, "~int8", { lazy: false });
  check(b.asLazy().invert(), w.lazy_int8, "~int8 lazy", { lazy: true });
  check(new hs.signals.Signal1D(new Uint8Array([1, 0]), { dtype: "bool" }).invert(), w.bool, "~bool");
  throwsLike(() => s3d().invert(), w.float, "~float");
  const u = new hs.signals.Signal1D(new Uint8Array([0, 1, 255]));
  assert.deepEqual(Array.from((u.invert().data as hs.lazy.NDArray).data as Uint8Array), [255, 254, 0], "~uint8 wraps as numpy");
});

test("changeDtype as numpy's astype (wrapping into uint8), eager and lazy; unknown dtypes are a TypeError", () => {
  const w = get<{ [k: string]: Desc | Err }>("change_dtype");
  for (const dt of ["float32", "uint8", "int16", "bool"] as const) {
    const c = s3d().mul(1.5).sub(3);
    c.changeDtype(dt);
    check(c, w[dt] as Desc, `changeDtype ${dt}`, { lazy: false });
  }
  const l = s3d().asLazy();
  l.changeDtype("int32");
  check(l, w.lazy_int32 as Desc, "lazy changeDtype int32", { lazy: true });
  throwsLike(() => s3d().changeDtype("nonsense" as hs.lazy.DType), w.bad as Err, "changeDtype nonsense");
});

test("currentData (HyperSpy's s()) and getCurrentSignal at axesManager.indices", () => {
  const w = get<{ call: FixtureArray; signal: Desc; indices: number[] }>("current");
  for (const s of [s3d(), s3d().asLazy({ chunks: 1 })]) {
    s.axesManager.indices = w.indices;
    assertArrayClose(s.currentData(), w.call);
    const c = s.getCurrentSignal();
    check(s.isLazy ? c.computeSync() : c, w.signal, "getCurrentSignal");
  }
});

test("in-place arithmetic (iadd ... ipow): mutating, the other operand broadcasts into the signal, numpy's casting rule", () => {
  const w = get<{ [k: string]: Desc | Err }>("inplace");
  const x = () => new hs.signals.Signal1D(hs.lazy.arange(12).astype("float64").reshape([3, 4]).computeSync());
  const y = () => new hs.signals.Signal1D(hs.lazy.arange(4).astype("float64").add(1).computeSync());
  const xi = () => new hs.signals.Signal1D(hs.lazy.arange(12).astype("float64").astype("int32").reshape([3, 4]).computeSync());
  const a = x();
  const buffer = (a.data as hs.lazy.NDArray).data;
  assert.equal(a.iadd(y()), a);
  assert.equal((a.data as hs.lazy.NDArray).data, buffer, "written into the same buffer");
  check(a, w.iadd_sig as Desc, "iadd");
  check(x().isub(2.5), w.isub_num as Desc, "isub");
  check(x().imul(y()), w.imul_sig as Desc, "imul");
  check(x().idiv(y()), w.itruediv_sig as Desc, "idiv");
  check(x().ifloorDiv(5), w.ifloordiv_num as Desc, "ifloorDiv");
  check(x().ipow(2), w.ipow_num as Desc, "ipow");
  check(xi().iadd(3), w.int_iadd_num as Desc, "int iadd");
  throwsLike(() => xi().imul(1.5), w.int_imul_float as Err, "int imul float");
  throwsLike(() => xi().idiv(2), w.int_itruediv as Err, "int idiv");
  // HyperSpy: "output array is read-only" (a broadcast view); here numpy's in-place shape error
  assert.throws(() => y().iadd(x()), (e: Error) => e instanceof hs.errors.ValueError && /non-broadcastable output operand with shape \(4,\) doesn't match the broadcast shape \(3,4\)/.test(e.message));
  // lazy: HyperSpy 1.7.3 fails (dask has no __iadd__); ours replaces the lazy data, same numbers as eager
  assert.equal((w.lazy_iadd_sig as Err).error, "AttributeError");
  const l = x().asLazy();
  assert.equal(l.iadd(y()), l);
  check(l, w.iadd_sig as Desc, "lazy iadd", { lazy: true });
});

test("getChunkString as HyperSpy's _get_chunk_string", () => {
  const w = get<{ s3d: string; rechunked: string; signal2d: string }>("chunk_string");
  assert.equal(s3d().asLazy().getChunkString(), w.s3d);
  const l1 = new hs.signals.Signal1D(hs.lazy.zeros([20, 30, 40]).computeSync()).asLazy();
  l1.rechunk([10, 15], -1);
  assert.equal(l1.getChunkString(), w.rechunked);
  assert.equal(new hs.signals.Signal2D(hs.lazy.zeros([6, 8, 10]).computeSync()).asLazy().getChunkString(), w.signal2d);
  assert.throws(() => s3d().getChunkString(), /for lazy signals/);
});

test("map on a signal-dimension-0 signal: fn gets a number per pixel, the result stays (3, 2|); flat blocks are [n]", () => {
  const w = get<{ input_repr: string; real_call_ndim: number; result: Desc }>("map_sigdim0");
  const s0 = new hs.signals.BaseSignal(hs.lazy.arange(6).astype("float64").reshape([2, 3]).computeSync()).T;
  assert.equal(String(s0), w.input_repr);
  for (const s of [s0, s0.asLazy()]) {
    const seen: string[] = [];
    const r = s.map((x) => {
      seen.push(typeof x);
      return (x as unknown as number) * 2;
    }, { inplace: false });
    assert.deepEqual([...new Set(seen)], ["number"], "a number per pixel (HyperSpy: np.float64, ndim 0)");
    assert.equal(w.real_call_ndim, 0);
    check(r.isLazy ? r.computeSync() : r, w.result, "map sigdim 0");
  }
  assert.deepEqual(Array.from(s0.asLazy().blockIterator(), (b) => b.shape.slice()), get<number[][]>("blockiter_sigdim0"));
});

test("map in place changes the class as HyperSpy: Signal2D (2|4, 4) summed becomes a BaseSignal (2|), same object", () => {
  const w = get<Desc>("map_inplace_sum");
  for (const lazy of [false, true]) {
    const m0 = new hs.signals.Signal2D(hs.lazy.arange(32).astype("float64").reshape([2, 4, 4]).computeSync());
    const m = lazy ? m0.asLazy() : m0;
    const am = m.axesManager;
    const r = m.map((x) => {
      let t = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) t += Number(x.get(i, j));
      return t;
    });
    assert.equal(r, m, "the same object");
    assert.equal(m.axesManager, am, "the same AxesManager");
    assert.equal(m instanceof hs.signals.Signal2D, false);
    assert.equal(m instanceof hs.signals.LazySignal, lazy);
    check(m, w, `map inplace sum ${lazy ? "lazy" : "eager"}`, { lazy });
    // and it grows back: a 2-D result per pixel makes it a Signal2D again, in place
    m.map((v) => hs.lazy.full([2, 3], v as unknown as number).computeSync());
    assert.equal(String(m), lazy ? "<LazySignal2D, title: , dimensions: (2|3, 2)>" : "<Signal2D, title: , dimensions: (2|3, 2)>");
  }
});

test("transpose: given navigation order kept, HyperSpy's errors", () => {
  const w = get<{ [k: string]: Desc | Err }>("transpose");
  const s6 = new hs.signals.BaseSignal(hs.lazy.arange(720).astype("float64").reshape([1, 2, 3, 4, 5, 6]).computeSync());
  check(s6.transpose({ navigationAxes: [0, 5, 4] }), w.nav_0_5_4 as Desc, "nav [0, 5, 4]");
  check(s6.asLazy().transpose({ navigationAxes: [0, 5, 4] }).computeSync(), w.nav_0_5_4 as Desc, "lazy nav [0, 5, 4]");
  check(s6.transpose({ signalAxes: [3, 1] }), w.sig_3_1 as Desc, "sig [3, 1]");
  throwsLike(() => s6.transpose({ navigationAxes: "a" as unknown as number[] }), w.bare_string as Err, "bare string");
  throwsLike(() => s6.transpose({ signalAxes: 7 }), w.too_many_sig as Err, "too many signal axes");
  throwsLike(() => s6.transpose({ navigationAxes: 7 }), w.too_many_nav as Err, "too many navigation axes");
  throwsLike(() => s6.transpose({ signalAxes: -1 }), w.negative_sig as Err, "negative");
});

test("isig string bounds follow HyperSpy: a string without units on an axis with units is an error", () => {
  const w = get<{ [k: string]: Desc | Err }>("isig_units");
  const t = new hs.signals.Signal1D(hs.lazy.arange(10).astype("float64").computeSync());
  Object.assign(t.axesManager.get(0), { scale: 1000, units: "nm" });
  const t2 = new hs.signals.Signal1D(hs.lazy.arange(10).astype("float64").computeSync());
  t2.axesManager.get(0).scale = 1000;
  throwsLike(() => t.isig({ stop: "4000.0" }), w["4000.0"] as Err, '"4000.0"');
  throwsLike(() => t.isig({ stop: "4000" }), w["4000"] as Err, '"4000"');
  check(t.isig({ stop: "4 µm" }), w["4 µm"] as Desc, '"4 µm"');
  check(t.isig({ stop: "4000.0 nm" }), w["4000.0 nm"] as Desc, '"4000.0 nm"');
  throwsLike(() => t2.isig({ stop: "4000.0" }), w["no_units_4000.0"] as Err, "no units");
  // our "start:stop" string is Python's slice syntax: its numbers are numbers (HyperSpy's isig[:4000.0])
  assert.equal(String(t.isig(":4000.0")), "<Signal1D, title: , dimensions: (|4)>");
});

test("iterateSignal with a custom path: HyperSpy's errors naming the navigation dimension", () => {
  const w = get<{ plain_ints: Err; short: Err }>("iterpath");
  const s2 = new hs.signals.Signal1D(hs.lazy.zeros([2, 3, 4]).computeSync());
  for (const s of [s2, s2.asLazy()]) {
    throwsLike(() => Array.from(s.iterateSignal({ iterpath: [0, 1] as unknown as number[][] })), w.plain_ints, "plain integers");
    throwsLike(() => Array.from(s.iterateSignal({ iterpath: [[0]] })), w.short, "short");
  }
});

test("hs.errors: classes by Python exception, subclasses of the JS errors; UnknownChunksError is a ValueError", () => {
  const E = hs.errors;
  for (const [cls, base, name] of [
    [E.ValueError, RangeError, "ValueError"],
    [E.IndexError, RangeError, "IndexError"],
    [E.KeyError, RangeError, "KeyError"],
    [E.TypeError, TypeError, "TypeError"],
    [E.NotImplementedError, Error, "NotImplementedError"],
  ] as const) {
    const e = new cls("m");
    assert.ok(e instanceof base && e instanceof Error, name);
    assert.equal(e.name, name);
    assert.equal(e.message, "m");
  }
  const x = hs.lazy.arange(10).astype("float64");
  const masked = x.get(x.gt(5));
  assert.throws(() => new hs.signals.LazySignal1D(masked), (e: Error) => e instanceof E.ValueError && e instanceof hs.lazy.UnknownChunksError && /computeChunkSizes\(\)/.test(e.message));
  assert.throws(() => s3d().axesManager.get("nope"), (e: Error) => e instanceof E.ValueError && e.name === "ValueError");
  assert.throws(() => s3d().inav(7), (e: Error) => e instanceof E.IndexError);
  assert.throws(() => s3d().asLazy().rebin({ scale: [1.5, 1, 1] }), (e: Error) => e instanceof E.NotImplementedError);
});

test("graph summaries show a reduction's intermediate layers with the result's dtype, not object", () => {
  const l = new hs.signals.Signal1D(hs.lazy.zeros([8, 6, 5], { dtype: "float32" }).computeSync()).asLazy({ chunks: [2, 2, 5] });
  for (const r of [l.sum(), l.mean(-1)]) {
    const layers = (r.data as hs.lazy.LazyArray).summary().layers;
    assert.ok(layers.some((x) => x.kind === "reduction" && /partial|sum|mean/.test(x.label)), "has reduction layers");
    for (const x of layers) assert.notEqual(x.dtype, "object", `${x.label}: ${x.dtype}`);
    const red = layers.filter((x) => x.kind === "reduction").map((x) => x.dtype);
    assert.deepEqual([...new Set(red)], [(r.data as hs.lazy.LazyArray).dtype]);
  }
});

test("random data (numpy seed 12, make_parity.py): derivative, integrate1D, indexmin, valuemin, eager and lazy in chunks", () => {
  const cases = get<{ input: Desc; derivative: Desc; integrate1D: Desc; integrate1D_nav: Desc; indexmin: Desc; valuemin: Desc }[]>("random");
  for (const c of cases) {
    const r = new hs.signals.Signal1D(fromFixture(c.input.data) as hs.lazy.NDArray);
    Object.assign(r.axesManager.get(-1), { scale: 0.25, offset: 3 });
    for (const s of [r, r.asLazy({ chunks: [2, 3, -1] })]) {
      const l = s.isLazy;
      const n = c.input.data.shape[2];
      check(s.derivative(-1), c.derivative, `random ${n} derivative`, { lazy: l });
      check(s.integrate1D(-1), c.integrate1D, `random ${n} integrate1D`, { lazy: l });
      check(s.integrate1D(0), c.integrate1D_nav, `random ${n} integrate1D nav`, { lazy: l });
      check(s.indexmin(-1), c.indexmin, `random ${n} indexmin`, { lazy: l, dtype: s.indexmax(-1).dtype });
      check(s.valuemin(-1), c.valuemin, `random ${n} valuemin`, { lazy: l });
    }
  }
});
