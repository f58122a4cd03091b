/**
 * A method written once for eager and lazy signals (signals/methods.ts: diff), against HyperSpy
 * 1.7.3 (test/fixtures/make_diff.py): data, dtype, axes and repr, eager and lazy (chunked so the
 * difference crosses chunk borders); the lazy result computes nothing until asked.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

interface Case {
  cls: "Signal1D" | "Signal2D";
  data: FixtureArray;
  axis: number | string;
  order: number;
  repr: string;
  expected: FixtureArray;
  axes: { name: string; size: number; scale: number; offset: number; units: string; navigate: boolean }[];
}
const fx = loadFixture<{ cases: Case[] }>("diff");

for (const [i, c] of fx.cases.entries()) {
  test(`diff ${c.cls} ${c.data.dtype}[${c.data.shape}] axis=${JSON.stringify(c.axis)} order=${c.order} (#${i})`, async () => {
    const s = new hs.signals[c.cls](fromFixture(c.data) as hs.lazy.NDArray, { dtype: c.data.dtype });
    s.axesManager.axes.forEach((ax, k) => {
      ax.scale = 0.5 + k;
      ax.offset = -1 - k;
      ax.units = "nm";
    });
    s.axesManager.axes[s.axesManager.axes.length - 1].name = "E";
    const lazy = s.asLazy({ chunks: 2 });
    for (const [label, r] of [
      ["eager", s.diff(c.axis, c.order)],
      ["lazy", await lazy.diff(c.axis, c.order).compute()],
    ] as const) {
      assert.equal(String(r), c.repr, `${label}: repr`);
      assert.equal(r.dtype, c.expected.dtype, `${label}: dtype`);
      assertArrayClose(r.data as hs.lazy.NDArray, c.expected, { msg: label });
      r.axesManager.axes.forEach((ax, k) => {
        const w = c.axes[k];
        assert.deepEqual(
          [ax.name ?? "<undefined>", ax.size, ax.scale, ax.offset, ax.units ?? "<undefined>", ax.navigate],
          [w.name, w.size, w.scale, w.offset, w.units, w.navigate],
          `${label}: axis ${k}`,
        );
      });
    }
  });
}

test("diff on a lazy signal is lazy: nothing runs until compute", () => {
  let calls = 0;
  const l = new hs.signals.LazySignal1D(
    hs.lazy.arange(40, undefined, 1, { chunks: 10 }).mapBlocks((b) => {
      calls++;
      return b;
    }),
  );
  const d = l.diff(0);
  assert.ok(d.isLazy);
  assert.equal(calls, 0);
  assert.deepEqual(hs.lazy.toFlat(d.computeSync().data as hs.lazy.NDArray), new Array(39).fill(1));
  assert.throws(() => l.diff(0, 41), /order 41 is larger than the axis \(40 values\)/);
});
