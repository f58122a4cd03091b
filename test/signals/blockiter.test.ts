/**
 * blockIterator against HyperSpy 1.7.3's LazySignal._block_iterator (test/fixtures/make_blockiter.py):
 * flat and non-flat, navigation and signal masks (true = excluded, NaN or 0 in non-flat blocks),
 * masks given as signals, and split signal chunks (where HyperSpy drops data: the expected blocks
 * come from HyperSpy after joining the signal chunks).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

interface Case {
  label: string;
  flat: boolean;
  data: FixtureArray;
  chunks: number[][];
  cls: "Signal1D" | "Signal2D";
  navMask: FixtureArray | null;
  sigMask: FixtureArray | null;
  blocks: FixtureArray[];
}
const fx = loadFixture<{ cases: Case[] }>("blockiter");
const lazyClass = { Signal1D: hs.signals.LazySignal1D, Signal2D: hs.signals.LazySignal2D };

for (const c of fx.cases) {
  test(`blockIterator ${c.label} flat=${c.flat}`, () => {
    const data = hs.lazy.fromArray(fromFixture(c.data), { chunks: c.chunks, dtype: c.data.dtype });
    const s = new lazyClass[c.cls](data);
    const masks = (asSignals: boolean) => ({
      navigationMask: c.navMask ? (asSignals ? new hs.signals.BaseSignal(fromFixture(c.navMask) as hs.lazy.NDArray).T : (fromFixture(c.navMask) as hs.lazy.NDArray)) : null,
      signalMask: c.sigMask ? (asSignals ? new hs.signals.Signal1D(fromFixture(c.sigMask) as hs.lazy.NDArray) : (fromFixture(c.sigMask) as hs.lazy.NDArray)) : null,
    });
    for (const asSignals of c.cls === "Signal1D" ? [false, true] : [false]) {
      const got = Array.from(s.blockIterator({ flatSignal: c.flat, ...masks(asSignals) }));
      assert.equal(got.length, c.blocks.length, "number of blocks");
      got.forEach((b, i) => assertArrayClose(b, c.blocks[i], { msg: `block ${i}${asSignals ? " (masks as signals)" : ""}` }));
    }
  });
}

test("blockIterator on an eager signal chunks it as asLazy() and gives the same blocks", () => {
  const nd = hs.lazy.arange(72, undefined, 1, { chunks: 72 }).reshape([4, 6, 3]).computeSync();
  const eager = new hs.signals.Signal1D(nd);
  const fromEager = Array.from(eager.blockIterator()).map((b) => hs.lazy.toFlat(b));
  const fromLazy = Array.from(eager.asLazy().blockIterator()).map((b) => hs.lazy.toFlat(b));
  assert.deepEqual(fromEager, fromLazy);
});

test("blockIterator: masks of the wrong type or shape are named", () => {
  const s = new hs.signals.LazySignal1D(hs.lazy.zeros([4, 6, 3], { chunks: [2, 4, 3] }));
  assert.throws(() => s.blockIterator({ navigationMask: [[true]] as unknown as hs.lazy.NDArray }).next(), /navigationMask has to be a signal, an ndarray or a LazyArray, but a JS array was given/);
  assert.throws(() => s.blockIterator({ navigationMask: hs.lazy.zeros([6, 4], { dtype: "bool" }) }).next(), /navigationMask has shape \[6, 4\] but must have shape \[4, 6\]/);
  assert.throws(() => s.blockIterator({ signalMask: hs.lazy.zeros([4], { dtype: "bool" }) }).next(), /signalMask has shape \[4\] but must have shape \[3\]/);
});
