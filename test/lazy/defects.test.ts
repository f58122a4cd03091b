/**
 * Regression tests for the defects differential testing against numpy found (issue 11), one
 * section per defect. Expected values and numpy's messages: test/fixtures/make_defects.py.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as lazy from "../../lazy";
import { DType } from "../../lazy/core/dtype";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

interface InfCase {
  input: number;
  kind: "var" | "std" | "nanvar" | "nanstd";
  axis: number | null;
  ddof: number;
  expected: FixtureArray;
}
interface EmptyCase {
  dtype: DType;
  masked: boolean;
  axis: number | null;
  kind: string;
  expected?: FixtureArray;
  error?: string;
}
const fx = loadFixture<{
  infInputs: FixtureArray[];
  inf: InfCase[];
  empty: EmptyCase[];
  resultType: { dtypes: DType[]; expected: DType }[];
  errors: Record<string, string>;
}>("defects");

// 1. var / std / nanvar / nanstd with +-inf: inf - mean(inf) is NaN and stays NaN (numpy); nanvar
//    used to drop it with the NaN of the input and gave inf.
test("defect 1: nanvar([0, inf, 0]) is NaN as numpy", async () => {
  const r = await lazy.fromArray([0, Infinity, 0]).nanvar().compute();
  assert.ok(Number.isNaN(r.get()));
});
for (const [i, c] of fx.inf.entries()) {
  const input = fx.infInputs[c.input];
  test(`defect 1: ${c.kind} ${input.dtype}[${input.shape}] with inf axis=${c.axis} ddof=${c.ddof} (#${i})`, async () => {
    const chunks = input.shape.map((s) => Math.max(1, Math.ceil(s / 2)));
    for (const scheduler of ["sync", "threads"] as const) {
      const x = lazy.fromArray(fromFixture(input), { chunks, dtype: input.dtype });
      const r = await x[c.kind]({ axis: c.axis, ddof: c.ddof }).compute({ scheduler });
      assertArrayClose(r, c.expected, { dtype: c.expected.dtype, msg: scheduler });
    }
  });
}

