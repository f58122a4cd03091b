/**
 * s.plot() and the live view's requests (signals/liveplot.ts), against HyperSpy 1.7.3
 * (test/fixtures/make_plot.py): compute_navigator's chunk sum, the signal at a pixel and the mean
 * over a box; HyperSpy's navigator rules; only one chunk read per pixel of a lazy signal, cached.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import ndarray = require("ndarray");
import * as hs from "../../index";
import { FixtureArray, decodeValue, loadFixture } from "../helpers";
import type { ArrayPayload, SignalPayload } from "../../lazy/display/mime";
import { SIGNAL_MIME, JUPYTER_DISPLAY, JUPYTER_DISPLAY_METADATA } from "../../lazy/display/mime";
import { clearPlotCache, enableLivePlots, findLiveView, navigatorAt, signalAt } from "../../signals/liveplot";
import { setComputeObserver } from "../../lazy/graph/hooks";

interface Fx {
  navigators: { shape: number[]; chunks: number[]; cls: "Signal1D" | "Signal2D"; index: number[] | null; navigator: FixtureArray; sum_from: string }[];
  pixels: { indices: number[]; span: number[]; signal: FixtureArray }[];
}
const fx = loadFixture<Fx>("plot");

/** make_plot.py's data: float32(sin(0.37 i) * 100 + i % 7). */
function data(shape: number[]): ndarray.NdArray<Float32Array> {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.sin(i * 0.37) * 100 + (i % 7);
  return ndarray(d, shape);
}

function decode(a: ArrayPayload): number[] {
  const b = Buffer.from(a.data, "base64");
  return Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
}

function close(actual: number[], expected: FixtureArray, what: string): void {
  const want = expected.data.map(decodeValue);
  assert.equal(actual.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(actual[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `${what}[${i}]: ${actual[i]} vs ${want[i]}`);
}

const payloadOf = (p: { [k: symbol]: unknown }) => ((p[JUPYTER_DISPLAY] as () => Record<string, unknown>)())[SIGNAL_MIME] as SignalPayload;

test("computeNavigator: HyperSpy's sum over the signal chunk at the centre (or at index)", async () => {
  for (const c of fx.navigators) {
    const s = new hs.signals[c.cls](data(c.shape)).asLazy({ chunks: c.chunks });
    const nav = await s.computeNavigator(c.index ? { index: c.index } : {});
    assert.equal(s.navigator, nav);
    const got = await nav.compute();
    close(Array.from((got.data as ndarray.NdArray).data as Float32Array), c.navigator, `navigator of ${c.shape} chunks ${c.chunks} index ${c.index}`);
    // the summed slice, natural order, as HyperSpy's sum_from
    const ranges = [...c.sum_from.matchAll(/slice\((\d+), (\d+), None\)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const p = payloadOf((await s.plot()) as unknown as { [k: symbol]: unknown });
    if (c.shape.length - (c.cls === "Signal2D" ? 2 : 1) <= 2) assert.deepEqual(p.navigator?.sumFrom, ranges);
  }
});

test("signalAt: the signal at a pixel and the mean over a box, eager and lazy, as HyperSpy's inav", async () => {
  const eager = new hs.signals.Signal2D(data([4, 6, 8, 10]));
  const lazy = eager.asLazy({ chunks: [2, 3, 4, 5] });
  for (const px of fx.pixels) {
    for (const s of [eager, lazy]) {
      const r = await signalAt(s, px.indices, px.span);
      assert.deepEqual(r.data.shape, [8, 10]);
      assert.deepEqual(r.span, px.span);
      close(decode(r.data), px.signal, `${s.isLazy ? "lazy" : "eager"} at ${px.indices} span ${px.span}`);
      assert.deepEqual(r.axes.map((a) => a.size), [10, 8]);
    }
  }
  await assert.rejects(signalAt(eager, [1]), /indices must be 2 integers/);
});

test("signalAt on a lazy signal reads one navigation chunk, once (then from the cache)", async () => {
  clearPlotCache();
  let computes = 0;
  const prev = setComputeObserver({ start: () => ((computes += 1), undefined) });
  try {
    const s = new hs.signals.Signal2D(data([4, 6, 8, 10])).asLazy({ chunks: [2, 3, 8, 10] });
    const a = await signalAt(s, [0, 0]);
    const b = await signalAt(s, [2, 1]); // same chunk (x 0:3, y 0:2)
    const c = await signalAt(s, [3, 1]); // the next chunk along x
    assert.deepEqual([a.cached, b.cached, c.cached], [false, true, false]);
    assert.equal(computes, 2);
    const t = await signalAt(s, [5, 3]);
    assert.equal(t.cached, false);
    close(decode(t.data), fx.pixels[0].signal, "lazy (5, 3)");
  } finally {
    setComputeObserver(prev);
  }
});

test("plot(): HyperSpy's navigator rules, the PNG, and the live field only when a kernel enabled it", async () => {
  // 2 navigation axes: sum over the signal, an image; the current signal exact
  const s = new hs.signals.Signal1D(data([4, 5, 30]));
  s.axesManager.indices = [3, 2];
  let p = payloadOf((await s.plot()) as unknown as { [k: symbol]: unknown });
  assert.equal(p.navigator?.method, "sum");
  assert.deepEqual(p.navigator?.data.shape, [4, 5]);
  assert.deepEqual(p.current?.indices, [3, 2]);
  assert.equal(p.live, undefined);
  const sp = Array.from(data([4, 5, 30]).data.subarray((2 * 5 + 3) * 30, (2 * 5 + 4) * 30));
  assert.deepEqual(decode(p.current!.data), sp);
  // one navigation and one signal axis: HyperSpy's navigator="data": the data as an image
  const one = new hs.signals.Signal1D(data([7, 30]));
  p = payloadOf((await one.plot()) as unknown as { [k: symbol]: unknown });
  assert.equal(p.navigator?.method, "data");
  assert.deepEqual(p.navigator?.data.shape, [7, 30]);
  assert.deepEqual(decode(p.navigator!.data), Array.from(data([7, 30]).data));
  // sliders only
  p = payloadOf((await s.plot({ navigator: "slider" })) as unknown as { [k: symbol]: unknown });
  assert.equal(p.navigator, null);
  // lazy with 3 navigation axes: sliders (HyperSpy), nothing summed
  const l3 = new hs.signals.Signal1D(data([2, 3, 4, 6])).asLazy();
  p = payloadOf((await l3.plot()) as unknown as { [k: symbol]: unknown });
  assert.equal(p.navigator, null);
  assert.equal(p.data, null);
  assert.deepEqual(decode(p.current!.data), Array.from(data([2, 3, 4, 6]).data.subarray(0, 6)));
  // a signal dimension of 3: HyperSpy's error
  await assert.rejects(new hs.signals.BaseSignal(data([2, 3, 4])).transpose({ signalAxes: 3 }).plot(), /not supported .*signal dimension 3/);
  // the PNG fallback is there, with its CSS size
  const plot = (await s.plot()) as unknown as { [k: symbol]: unknown };
  const bundle = (plot[JUPYTER_DISPLAY] as () => Record<string | symbol, unknown>)();
  assert.equal(typeof bundle["image/png"], "string");
  assert.ok(((bundle[JUPYTER_DISPLAY_METADATA] as Record<string, { width: number }>)["image/png"].width) > 0);
});

test("live views: plot() and displayed signals get a plotId the kernel can serve; navigatorAt follows extra axes", async () => {
  enableLivePlots(true);
  try {
    const s = new hs.signals.Signal1D(data([3, 4, 5, 30]));
    const p = payloadOf((await s.plot()) as unknown as { [k: symbol]: unknown });
    assert.ok(p.live);
    assert.equal(p.live.target, "hyperspy-ts.plot");
    assert.equal(p.live.lazy, false);
    const view = findLiveView(p.live.plotId);
    assert.ok(view);
    assert.equal(view.signal(), s);
    assert.equal(view.dynamicNavigator, true);
    // the navigator at index 2 of the third navigation axis: the sums over the signal of s.inav[:, :, 2]
    const n = navigatorAt(s, [0, 0, 2]);
    const d = data([3, 4, 5, 30]).data;
    const want: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) {
      let t = 0;
      for (let e = 0; e < 30; e++) t += d[((2 * 4 + y) * 5 + x) * 30 + e];
      want.push(Math.fround(t));
    }
    const got = decode(n.data);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3, `navigator[${i}]`));
    assert.deepEqual(n.fixed, [{ axis: 2, index: 2 }]);
    // a displayed signal (the cell's value) is live too, with the smaller embedded budget
    const big = new hs.signals.Signal1D(ndarray(new Float32Array(64 * 64 * 256), [64, 64, 256]));
    const b = big[JUPYTER_DISPLAY]() as Record<string, unknown>;
    const bp = b[SIGNAL_MIME] as SignalPayload;
    assert.ok(bp.live && findLiveView(bp.live.plotId));
    assert.ok(bp.budget.bytes <= 150_000, `embedded ${bp.budget.bytes} bytes`);
    assert.ok(JSON.stringify(b).length < 300_000, `bundle ${JSON.stringify(b).length} bytes`);
  } finally {
    enableLivePlots(false);
  }
});

test("a plot whose values are equal up to rounding draws (one tick; it used to loop forever)", () => {
  const { niceTicks } = require("../../signals/plot") as typeof import("../../signals/plot");
  const t = niceTicks(573.8918018426544, 573.8918018426546, 4);
  assert.equal(t.ticks.length, 1);
  // the 4D-STEM centres of mass of notebook 03, transposed: its navigator sums differ by 2e-13
  const d = new Float64Array(72);
  for (let i = 0; i < 36; i++) {
    d[2 * i] = 14 + 0.1 * (i % 6) + 1e-15 * i;
    d[2 * i + 1] = 14.6 - 0.1 * (i % 6);
  }
  const s = new hs.signals.Signal1D(ndarray(d, [6, 6, 2])).T;
  const b = s[JUPYTER_DISPLAY]() as Record<string, unknown>;
  assert.equal(typeof b["image/png"], "string");
});
