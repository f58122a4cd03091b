/** Navigation/signal axes of signals built from axes options, as HyperSpy 1.7.3 (make_navigate.py). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as hs from "../../index";
import { loadFixture } from "../helpers";
import type { AxisOptions } from "../../signals/axes";

const cases = loadFixture<{ cls: "BaseSignal" | "Signal1D" | "Signal2D"; axes: AxisOptions[]; repr: string }[]>("navigate");

for (const c of cases) {
  test(`${c.cls} with axes ${JSON.stringify(c.axes)} -> ${c.repr}`, () => {
    const data = hs.lazy.zeros([4, 5, 6]).computeSync();
    assert.equal(String(new hs.signals[c.cls](data, { axes: c.axes })), c.repr);
    const lazyCls = `Lazy${c.cls === "BaseSignal" ? "Signal" : c.cls}` as "LazySignal" | "LazySignal1D" | "LazySignal2D";
    assert.equal(String(new hs.signals[lazyCls](data, { axes: c.axes })), c.repr.replace(`<${c.cls}`, `<${lazyCls}`));
  });
}
