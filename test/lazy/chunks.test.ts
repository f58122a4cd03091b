/**
 * normalizeChunks against dask 2022.12's normalize_chunks (fixtures: test/fixtures/make_rechunk.py).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ChunksSpec, normalizeChunks, UnknownChunksError } from "../../lazy/core/chunks";
import { DType } from "../../lazy/core/dtype";
import { loadFixture } from "../helpers";

interface NormalizeCase {
  spec: ChunksSpec;
  shape: number[];
  dtype: DType;
  limit: number | null;
  previous: number[][] | null;
  expected: number[][];
}
interface NormalizeError {
  spec: ChunksSpec;
  shape: number[];
  contains: string[];
}
const fx = loadFixture<{ normalize: NormalizeCase[]; normalizeErrors: NormalizeError[] }>("rechunk");

for (const c of fx.normalize) {
  const label = `normalizeChunks(${JSON.stringify(c.spec)}, [${c.shape}], ${c.dtype}${c.limit ? `, limit ${c.limit}` : ""}${c.previous ? ", previous" : ""}) as dask`;
  test(label, () => {
    const got = normalizeChunks(c.spec, c.shape, {
      dtype: c.dtype,
      limit: c.limit ?? undefined,
      previousChunks: c.previous ?? undefined,
    });
    assert.deepEqual(got, c.expected);
  });
}

for (const e of fx.normalizeErrors) {
  test(`normalizeChunks(${JSON.stringify(e.spec)}, [${e.shape}]) throws a clear error (dask raises too)`, () => {
    assert.throws(
      () => normalizeChunks(e.spec, e.shape),
      (err: Error) => {
        assert.ok(err instanceof RangeError, `RangeError expected, got ${err.name}: ${err.message}`);
        for (const s of e.contains) assert.ok(err.message.includes(s), `message ${JSON.stringify(err.message)} should mention ${s}`);
        return true;
      },
    );
  });
}

test("normalizeChunks: numbers, per-axis numbers, -1, null, lists and dicts", () => {
  assert.deepEqual(normalizeChunks(4, [10, 3]), [[4, 4, 2], [3]]);
  assert.deepEqual(normalizeChunks([4, -1], [10, 3]), [[4, 4, 2], [3]]);
  assert.deepEqual(normalizeChunks([null, 2], [10, 3]), [[10], [2, 1]]);
  assert.deepEqual(normalizeChunks(-1, [10, 3]), [[10], [3]]);
  assert.deepEqual(normalizeChunks([[1, 9], [3]], [10, 3]), [[1, 9], [3]]);
  assert.deepEqual(normalizeChunks([2, 8], [10]), [[2, 8]]);
  assert.deepEqual(normalizeChunks({ 1: 2 }, [10, 3]), [[10], [2, 1]]);
  assert.deepEqual(normalizeChunks({ [-1]: 2 }, [10, 3]), [[10], [2, 1]]);
  // a dict with previous chunks keeps the other axes as they were (rechunk's meaning)
  assert.deepEqual(normalizeChunks({ 0: 5 }, [10, 3], { previousChunks: [[2, 8], [1, 2]] }), [[5, 5], [1, 2]]);
  assert.deepEqual(normalizeChunks(5, [0, 3]), [[0], [3]]);
  assert.deepEqual(normalizeChunks([], []), []);
});

test("normalizeChunks: explicit sizes that do not add up name the axis, the sum and the size", () => {
  assert.throws(
    () => normalizeChunks([[2], [1, 1, 2]], [2, 5]),
    (err: Error) => err instanceof RangeError && /axis 1/.test(err.message) && /add up to 4/.test(err.message) && /has 5/.test(err.message),
  );
});

test("normalizeChunks: wrong number of axes, bad sizes and dict axes give RangeErrors", () => {
  assert.throws(() => normalizeChunks([2, 2, 2], [4, 4]), /3 chunk specification\(s\).*2 dimension/);
  assert.throws(() => normalizeChunks(-3, [4]), /positive integer/);
  assert.throws(() => normalizeChunks([[2, -2, 4]], [4]), RangeError);
  assert.throws(() => normalizeChunks({ 2: 3 }, [4, 4]), /axis 2 is out of range/);
});

test('normalizeChunks: "auto" with unknown sizes throws UnknownChunksError', () => {
  assert.throws(() => normalizeChunks("auto", [NaN, 4]), UnknownChunksError);
  assert.throws(() => normalizeChunks(["auto", [NaN, NaN]], [10, NaN]), UnknownChunksError);
});

test('normalizeChunks: "auto" default target is 128 MiB of float64', () => {
  // dask: normalize_chunks("auto", (100000, 100000), dtype=float64) -> 4096-square blocks
  const c = normalizeChunks("auto", [100000, 100000], { dtype: "float64" });
  assert.equal(c[0][0], 4096);
  assert.equal(c[1][0], 4096);
});
