/**
 * iterateSignal against HyperSpy 1.7.3's _iterate_signal (test/fixtures/make_iterate.py), eager and
 * lazy (several chunkings), flyback, serpentine and a custom path.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, loadFixture } from "../helpers";

interface Case {
  label: string;
  shape: number[];
  cls: "Signal1D" | "Signal2D" | "BaseSignal";
  transposed: boolean;
  iterpath: "flyback" | "serpentine" | number[][];
  arrays: FixtureArray[];
}
const fx = loadFixture<{ cases: Case[] }>("iterate");

function make(c: Case): InstanceType<typeof hs.signals.BaseSignal> {
  const n = c.shape.reduce((p, x) => p * x, 1);
  const data = hs.lazy.arange(n).reshape(c.shape).computeSync();
  if (c.transposed) return new hs.signals.BaseSignal(hs.lazy.arange(n).reshape([2, 3]).computeSync()).T;
  return new hs.signals[c.cls](data);
}

for (const c of fx.cases) {
  test(`iterateSignal ${c.label} ${JSON.stringify(c.iterpath)} (eager and lazy)`, () => {
    const s = make(c);
    const variants = [s, s.asLazy(), s.asLazy({ chunks: 1 }), s.asLazy({ chunks: 2 })];
    for (const v of variants) {
      const got = Array.from(v.iterateSignal({ iterpath: c.iterpath }));
      assert.equal(got.length, c.arrays.length, `${String(v)}: count`);
      got.forEach((a, i) => assertArrayClose(a, c.arrays[i], { msg: `${String(v)} #${i}` }));
    }
    assert.deepEqual(s.axesManager.indices, new Array(s.axesManager.navigationDimension).fill(0), "indices untouched");
  });
}

test("iterateSignal on a lazy signal computes each navigation chunk once for a flyback path", () => {
  const n = 6 * 8 * 5;
  const base = new hs.signals.Signal1D(hs.lazy.fromArray(Float64Array.from({ length: n }, (_, i) => i)).reshape([6, 8, 5]).computeSync());
  const l = base.asLazy({ chunks: [2, 4, -1] }); // 3 x 2 navigation chunks
  let calls = 0;
  const counted = new hs.signals.LazySignal1D(
    (l.data as hs.lazy.LazyArray).mapBlocks((b) => {
      calls++;
      return b;
    }),
  );
  const all = Array.from(counted.iterateSignal());
  assert.equal(all.length, 48);
  assert.equal(calls, 6, "6 chunks, each computed once");
});

test("iterateSignal: a custom path with an index out of range is a clear error", () => {
  const s = new hs.signals.Signal1D(hs.lazy.zeros([2, 3, 4]).computeSync());
  assert.throws(() => Array.from(s.iterateSignal({ iterpath: [[3, 0]] })), /\[3, 0\] does not fit the navigation shape \[3, 2\]/);
});
