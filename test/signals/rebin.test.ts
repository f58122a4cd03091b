/**
 * rebin and hs.stack against HyperSpy 1.7.3 (test/fixtures/make_rebin.py). Every rebin case runs on
 * the eager signal, its lazy twin and a lazy twin in 3-element chunks (so block edges cross chunk
 * edges); every stack case on eager, all-lazy and mixed inputs and with lazy true / false. Data,
 * dtype, repr, title and axes (name / size / scale / offset / units / navigate) are compared.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";
import { rebin, stack, RebinOptions, StackOptions } from "../../signals/rebin";
import type { NDArray } from "../../lazy/core/block";
import { LazyArray } from "../../lazy/core/array";

type Sig = InstanceType<typeof hs.signals.BaseSignal>;
interface AxisFx { name?: string | null; size: number; scale: number; offset: number; units?: string | null; navigate: boolean }
interface SignalFx { cls: "Signal1D" | "Signal2D" | "BaseSignal"; data: FixtureArray; axes: AxisFx[]; title: string }
interface ResultFx { data: FixtureArray; repr: string; title: string; axes: AxisFx[] }
interface RebinFx {
  signal: string;
  kwargs: { scale?: number[]; new_shape?: number[]; crop?: boolean; dtype?: string };
  result?: ResultFx;
  error?: string;
  reprLazy?: string;
  dtypeLazy?: string;
  axesLazy?: AxisFx[];
  errorLazy?: string;
}
interface StackFx {
  signals: string[];
  kwargs: { axis?: number | string; new_axis_name?: string };
  result?: ResultFx;
  error?: string;
  stackingHistory?: { axis: number | string; step_sizes: number | number[] } | null;
  reprLazy?: string;
  reprMixed?: string;
  reprLazyFalse?: string;
  reprLazyTrue?: string;
}
const fx = loadFixture<{ signals: Record<string, SignalFx>; rebin: RebinFx[]; stack: StackFx[] }>("rebin");

function build(key: string): Sig {
  const f = fx.signals[key];
  const axes = f.axes.map((a) => ({ ...a, name: a.name ?? undefined, units: a.units ?? undefined }));
  return new hs.signals[f.cls](fromFixture(f.data), { axes, metadata: { General: { title: f.title } } });
}

function checkAxes(s: Sig, want: AxisFx[], msg: string): void {
  const got = s.axesManager.axes.map((a) => ({ name: a.name ?? null, size: a.size, scale: a.scale, offset: a.offset, units: a.units ?? null, navigate: a.navigate }));
  const exp = want.map((a) => ({ name: a.name ?? null, size: a.size, scale: a.scale, offset: a.offset, units: a.units ?? null, navigate: a.navigate }));
  assert.equal(got.length, exp.length, `${msg}: number of axes`);
  got.forEach((g, i) => {
    const e = exp[i];
    assert.deepEqual({ ...g, scale: 0, offset: 0 }, { ...e, scale: 0, offset: 0 }, `${msg}: axis ${i}`);
    assert.ok(Math.abs(g.scale - e.scale) <= 1e-12 * Math.abs(e.scale), `${msg}: axis ${i} scale ${g.scale} vs ${e.scale}`);
    assert.ok(Math.abs(g.offset - e.offset) <= 1e-12 * (1 + Math.abs(e.offset)), `${msg}: axis ${i} offset ${g.offset} vs ${e.offset}`);
  });
}

function dataOf(s: Sig): NDArray {
  const d = s.data;
  return d instanceof LazyArray ? d.computeSync() : d;
}

function checkResult(s: Sig, r: ResultFx, repr: string, lazy: boolean, msg: string): void {
  assert.equal(s.isLazy, lazy, `${msg}: isLazy`);
  assert.equal(String(s), repr, `${msg}: repr`);
  assert.equal(s.title, r.title, `${msg}: title`);
  assert.equal(s.dtype, r.data.dtype, `${msg}: dtype`);
  checkAxes(s, r.axes, msg);
  assertArrayClose(dataOf(s) as never, r.data, { msg: `${msg}: data`, rtol: r.data.dtype === "float32" ? 1e-5 : 1e-10, atol: 1e-9 });
}

function rebinOpts(k: RebinFx["kwargs"]): RebinOptions {
  const o: RebinOptions = {};
  if (k.scale) o.scale = k.scale;
  if (k.new_shape) o.newShape = k.new_shape;
  if (k.crop !== undefined) o.crop = k.crop;
  if (k.dtype !== undefined) o.dtype = k.dtype as RebinOptions["dtype"];
  return o;
}

function msgOf(err: string): string {
  return err.slice(err.indexOf(": ") + 2);
}

for (const c of fx.rebin) {
  const name = `rebin ${c.signal} ${JSON.stringify(c.kwargs)}`;
  test(name, () => {
    const s = build(c.signal);
    const opts = rebinOpts(c.kwargs);
    const variants: [string, Sig][] = [["eager", s], ["lazy", s.asLazy()], ["lazy chunks 3", s.asLazy({ chunks: 3 })]];
    for (const [v, x] of variants) {
      const lazy = v !== "eager";
      const err = lazy ? c.errorLazy : c.error;
      if (err !== undefined) {
        assert.throws(() => x.rebin(opts), (e: Error) => e.message.startsWith(msgOf(err)), `${name} ${v}: error ${err}`);
        continue;
      }
      const before = String(x);
      const r = x.rebin(opts);
      assert.ok(c.result, `${name}: HyperSpy gave a result eagerly`);
      const want: ResultFx = lazy ? { ...c.result, axes: c.axesLazy ?? c.result.axes, data: { ...c.result.data, dtype: (c.dtypeLazy ?? c.result.data.dtype) as hs.lazy.DType } } : c.result;
      checkResult(r, want, lazy ? (c.reprLazy as string) : c.result.repr, lazy, `${name} ${v}`);
      // the input is untouched
      assert.equal(String(x), before, `${name} ${v}: input unchanged`);
    }
  });
}

function stackOpts(k: StackFx["kwargs"], lazy?: boolean): StackOptions {
  const o: StackOptions = {};
  if (k.axis !== undefined) o.axis = k.axis;
  if (k.new_axis_name !== undefined) o.newAxisName = k.new_axis_name;
  if (lazy !== undefined) o.lazy = lazy;
  return o;
}

for (const c of fx.stack) {
  const name = `stack ${JSON.stringify(c.signals)} ${JSON.stringify(c.kwargs)}`;
  test(name, () => {
    const eager = c.signals.map(build);
    const lazy = eager.map((s) => s.asLazy());
    const mixed = eager.map((s, i) => (i > 0 ? s.asLazy() : s));
    if (c.error !== undefined) {
      for (const list of [eager, lazy]) assert.throws(() => stack(list, stackOpts(c.kwargs)), /cannot be broadcasted|There is no DataAxis/, `${name}: error (HyperSpy: ${c.error})`);
      return;
    }
    const r = c.result as ResultFx;
    const runs: [string, Sig, string, boolean][] = [
      ["eager", stack(eager, stackOpts(c.kwargs)), r.repr, false],
      ["lazy", stack(lazy, stackOpts(c.kwargs)), c.reprLazy as string, true],
      ["mixed", stack(mixed, stackOpts(c.kwargs)), c.reprMixed as string, !c.reprMixed?.startsWith("<Signal") && !c.reprMixed?.startsWith("<Base")],
      ["lazy inputs, lazy: false", stack(lazy, stackOpts(c.kwargs, false)), c.reprLazyFalse as string, false],
      ["eager inputs, lazy: true", stack(eager, stackOpts(c.kwargs, true)), c.reprLazyTrue as string, true],
      ["hs.stack", hs.stack(eager, stackOpts(c.kwargs)), r.repr, false],
    ];
    for (const [v, s, repr, isLazy] of runs) {
      checkResult(s, r, repr, isLazy, `${name} ${v}`);
      if (c.stackingHistory) {
        assert.deepEqual(s.metadata.getItem("_HyperSpy.Stacking_history.axis"), c.stackingHistory.axis, `${name} ${v}: Stacking_history.axis`);
        assert.deepEqual(s.metadata.getItem("_HyperSpy.Stacking_history.step_sizes"), c.stackingHistory.step_sizes, `${name} ${v}: Stacking_history.step_sizes`);
        assert.equal(s.originalMetadata.getItem(`stack_elements.element${c.signals.length - 1}.metadata.General.title`), fx.signals[c.signals[c.signals.length - 1]].title);
      }
    }
  });
}

test("rebin keeps chunk alignment lazily and computes nothing until asked", () => {
  const s = build("s1f").asLazy({ chunks: [3, 5, 3] });
  const r = s.rebin({ scale: [2, 2, 4] });
  assert.ok(r.data instanceof LazyArray);
  assert.deepEqual((r.data as LazyArray).chunks.map((c) => c.reduce((p, v) => p + v, 0)), [2, 3, 2]);
});

test("rebin / stack: bad input gets a clear error", () => {
  const s = build("s1");
  assert.throws(() => rebin(s, { newShape: [3, 2, 0] }), /positive integers/);
  assert.throws(() => rebin(s, { scale: [1, 1, -2] }), /positive numbers/);
  assert.throws(() => rebin(s, { scale: [1, 1, 2], dtype: "int128" as never }), /dtype/);
  assert.throws(() => rebin(s, { newShape: [3, 2, 3], dtype: "int32" }), /Linear interpolation requires float dtype/);
  assert.throws(() => rebin(s.asLazy(), { newShape: [3, 2, 3] }), /Lazy rebin requires that the new shape is a divisor.*compute\(\)/);
  assert.throws(() => stack([]), /non-empty list/);
  assert.throws(() => stack([s, s], { axis: 7 }), /tuple index out of range/);
});
