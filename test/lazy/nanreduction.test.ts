/**
 * NaN-ignoring reductions against numpy (test/fixtures/make_nanreduction.py): values, dtypes,
 * all-NaN slices (NaN, or an error for nanargmax as numpy), integer arrays (the plain reductions).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as lazy from "../../lazy";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

interface Case {
  kind: "nansum" | "nanprod" | "nanmean" | "nanmin" | "nanmax" | "nanvar" | "nanstd" | "nanargmax" | "nanargmin";
  input: number;
  chunks: number[][];
  axis: number | number[] | null;
  keepdims: boolean;
  ddof: number | null;
  expected: FixtureArray;
}

const fx = loadFixture<{ inputs: FixtureArray[]; cases: Case[] }>("nanreduction");

for (const [i, c] of fx.cases.entries()) {
  const input = fx.inputs[c.input];
  const name = `${c.kind} ${input.dtype}[${input.shape}] axis=${JSON.stringify(c.axis)} keepdims=${c.keepdims}${c.ddof !== null ? ` ddof=${c.ddof}` : ""} (#${i})`;
  test(name, async () => {
    const x = lazy.fromArray(fromFixture(input), { chunks: c.chunks, dtype: input.dtype });
    const r =
      c.kind === "nanargmax" || c.kind === "nanargmin"
        ? x[c.kind]({ axis: c.axis as number | null })
        : x[c.kind]({ axis: c.axis, keepdims: c.keepdims, ...(c.ddof !== null ? { ddof: c.ddof } : {}) });
    assert.equal(r.dtype, c.expected.dtype, "dtype");
    const tol = c.expected.dtype === "float32" ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 1e-10, atol: 1e-9 };
    assertArrayClose(await r.compute(), c.expected, tol);
  });
}

test("nanargmax of an all-NaN slice is an error when computed, as numpy", async () => {
  const x = lazy.fromArray([[NaN, NaN], [1, 2]], { chunks: [1, 2] });
  await assert.rejects(x.nanargmax({ axis: 1 }).compute(), /All-NaN slice encountered/);
  assert.deepEqual(lazy.toFlat(await x.nanargmax({ axis: 0 }).compute()), [1, 1]);
});

test("nan-reductions read each source block once per pass and fuse the NaN replacement", async () => {
  const x = lazy.random.random([64, 64], { seed: 1, chunks: [16, 64] });
  const stats: Partial<lazy.ComputeStats> = {};
  await x.nansum({ axis: 0 }).compute({ stats });
  assert.equal(stats.byOp?.random, 4, "the source blocks are made once");
  assert.equal(stats.byOp?.elementwise, undefined, "isnan/where are fused into the chunk step");
});
