/**
 * Creating lazy arrays: fromArray (scijs ndarray incl. strided views, typed arrays, nested arrays),
 * chunk specifications, zeros / ones / full, arange / linspace against numpy (fixtures from
 * test/fixtures/make_elementwise.py), and the seeded random generators (chunk independence and
 * statistical checks).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import ndarray = require("ndarray");
import * as lazy from "../../lazy";
import { FixtureArray, assertArrayClose, loadFixture } from "../helpers";

interface Fixture {
  arange: { args: number[]; expected: FixtureArray }[];
  linspace: { start: number; stop: number; num: number; endpoint: boolean; expected: FixtureArray }[];
}
const fx = loadFixture<Fixture>("elementwise");

const flat = (x: lazy.LazyArray): number[] => lazy.toFlat(x.computeSync());

// ------------------------------------------------------------------ fromArray

test("fromArray: a scijs ndarray keeps its dtype, shape and values, for any chunks", () => {
  const data = new Float32Array(24).map((_, i) => i * 0.5 - 3);
  const nd = ndarray(data, [2, 3, 4]);
  for (const chunks of [1, 2, [1, 2, 3], [[1, 1], [2, 1], [3, 1]], -1, "auto", { 1: 2 }] as lazy.ChunksSpec[]) {
    const x = lazy.fromArray(nd, { chunks });
    assert.equal(x.dtype, "float32");
    assert.deepEqual(x.shape, [2, 3, 4]);
    assert.deepEqual(flat(x), Array.from(data), `chunks ${JSON.stringify(chunks)}`);
  }
  assert.deepEqual(lazy.fromArray(nd, { chunks: [1, 2, 3] }).chunks, [[1, 1], [2, 1], [3, 1]]);
  assert.deepEqual(lazy.fromArray(nd, { chunks: { 1: 2 } }).chunks, [[2], [2, 1], [4]]);
  assert.deepEqual(lazy.fromArray(nd, { chunks: -1 }).chunks, [[2], [3], [4]]);
});

test("fromArray: strided ndarray views (transpose, negative step, offset) read the viewed values", () => {
  const base = ndarray(new Int16Array(30).map((_, i) => i), [5, 6]);
  const views = [base.transpose(1, 0), base.step(-1, 2), base.hi(4, 5).lo(1, 2), base.pick(null, 3)];
  for (const v of views) {
    const want: number[] = [];
    if (v.shape.length === 2) for (let i = 0; i < v.shape[0]; i++) for (let j = 0; j < v.shape[1]; j++) want.push(v.get(i, j));
    else for (let i = 0; i < v.shape[0]; i++) want.push(v.get(i));
    const x = lazy.fromArray(v, { chunks: 2 });
    assert.equal(x.dtype, "int16");
    assert.deepEqual(x.shape, v.shape);
    assert.deepEqual(flat(x), want);
  }
});

test("fromArray: typed arrays are 1-D with their dtype; dtype option converts", () => {
  const cases: [ArrayLike<number> & ArrayBufferView, lazy.DType][] = [
    [new Int8Array([1, -2, 3]), "int8"],
    [new Uint8Array([1, 2, 255]), "uint8"],
    [new Int16Array([1, -2, 3]), "int16"],
    [new Uint16Array([1, 2, 65535]), "uint16"],
    [new Int32Array([1, -2, 3]), "int32"],
    [new Uint32Array([1, 2, 4294967295]), "uint32"],
    [new Float32Array([1.5, -2, 3]), "float32"],
    [new Float64Array([1.5, -2, 3]), "float64"],
  ];
  for (const [a, d] of cases) {
    const x = lazy.fromArray(a, { chunks: 2 });
    assert.equal(x.dtype, d);
    assert.deepEqual(x.shape, [3]);
    assert.deepEqual(flat(x), Array.from(a));
  }
  const b = lazy.fromArray(new Uint8Array([0, 1, 1]), { dtype: "bool" });
  assert.equal(b.dtype, "bool");
  const f = lazy.fromArray(new Float64Array([1.7, -1.7, 300]), { dtype: "int16" });
  assert.equal(f.dtype, "int16");
  assert.deepEqual(flat(f), [1, -1, 300]);
});

test("fromArray: nested JS arrays (numbers -> float64, booleans -> bool, dtype option)", () => {
  const x = lazy.fromArray([[1, 2, 3], [4, 5, 6]], { chunks: [1, 2] });
  assert.equal(x.dtype, "float64");
  assert.deepEqual(x.shape, [2, 3]);
  assert.deepEqual(x.chunks, [[1, 1], [2, 1]]);
  assert.deepEqual(flat(x), [1, 2, 3, 4, 5, 6]);
  const b = lazy.fromArray([true, false, true]);
  assert.equal(b.dtype, "bool");
  assert.deepEqual(flat(b), [1, 0, 1]);
  const i = lazy.fromArray([[1, -2], [3, 200]], { dtype: "int8" });
  assert.equal(i.dtype, "int8");
  assert.deepEqual(flat(i), [1, -2, 3, -56]);
  const s = lazy.fromArray(7.5);
  assert.deepEqual(s.shape, []);
  assert.deepEqual(flat(s), [7.5]);
  const e = lazy.fromArray([[], []]);
  assert.deepEqual(e.shape, [2, 0]);
  assert.deepEqual(flat(e), []);
});

test("fromArray: ragged nested arrays and bad inputs give clear errors", () => {
  assert.throws(() => lazy.fromArray([[1, 2], [3]]), (e: unknown) => e instanceof RangeError && /ragged/.test(e.message) && /\[1\]/.test(e.message));
  assert.throws(() => lazy.fromArray([[1, 2], 3]), (e: unknown) => e instanceof RangeError && /ragged/.test(e.message));
  assert.throws(() => lazy.fromArray([1, [2, 3]]), (e: unknown) => e instanceof RangeError && /ragged/.test(e.message));
  assert.throws(() => lazy.fromArray([1, "2"]), (e: unknown) => e instanceof TypeError && /string/.test(e.message));
  assert.throws(() => lazy.fromArray("abc"), TypeError);
  assert.throws(() => lazy.fromArray(null), TypeError);
  assert.throws(() => lazy.fromArray([1, 2, 3], { dtype: "int65" as lazy.DType }), (e: unknown) => e instanceof TypeError && /int65/.test(e.message));
  assert.throws(
    () => lazy.fromArray([1, 2, 3], { chunks: [[1, 1]] }),
    (e: unknown) => e instanceof RangeError && /add up to 2/.test(e.message) && /3/.test(e.message),
  );
  assert.throws(() => lazy.fromArray([[1, 2]], { chunks: [1, 1, 1] }), RangeError);
});

// ------------------------------------------------------------------ zeros / ones / full

test("zeros / ones / full: dtypes (numpy defaults: float64; bool for a boolean fill) and values", () => {
  const z = lazy.zeros([2, 3], { chunks: 2 });
  assert.equal(z.dtype, "float64");
  assert.deepEqual(z.chunks, [[2], [2, 1]]);
  assert.deepEqual(flat(z), [0, 0, 0, 0, 0, 0]);
  assert.equal(lazy.ones([4]).dtype, "float64");
  assert.deepEqual(flat(lazy.ones([4], { chunks: 3 })), [1, 1, 1, 1]);
  for (const d of lazy.DTYPES) {
    assert.equal(lazy.zeros([3], { dtype: d }).dtype, d);
    assert.deepEqual(flat(lazy.ones([3], { dtype: d, chunks: 2 })), [1, 1, 1], d);
  }
  const t = lazy.full([2, 2], true);
  assert.equal(t.dtype, "bool");
  assert.deepEqual(flat(t), [1, 1, 1, 1]);
  assert.equal(lazy.full([2], 2.5).dtype, "float64");
  assert.equal(lazy.full([2], 7).dtype, "int64", "numpy: np.full(2, 7) is int64");
  assert.deepEqual(Array.from(lazy.full([2], 7).computeSync().data as BigInt64Array), [7n, 7n]);
  assert.equal(lazy.full([1], 2n ** 63n).dtype, "uint64", "a python int past int64 is uint64");
  assert.deepEqual(flat(lazy.full([3], 2.7, { dtype: "int16" })), [2, 2, 2]);
  assert.deepEqual(flat(lazy.full([3], 0.1, { dtype: "float32" })), [Math.fround(0.1), Math.fround(0.1), Math.fround(0.1)]);
  assert.deepEqual(lazy.zeros([0, 3]).shape, [0, 3]);
  assert.deepEqual(flat(lazy.zeros([])), [0]);
  assert.throws(() => lazy.zeros([2, -1]), (e: unknown) => e instanceof RangeError && /non-negative/.test(e.message));
  assert.throws(() => lazy.zeros([2.5]), RangeError);
  assert.throws(() => lazy.zeros([2], { dtype: "float16" as lazy.DType }), (e: unknown) => e instanceof TypeError && /float32/.test(e.message));
});

// ------------------------------------------------------------------ arange / linspace

for (const c of fx.arange) {
  test(`arange(${c.args.join(", ")}) matches numpy (dtype, values), chunked by 3`, () => {
    const [a, b, s] = c.args;
    const x = c.args.length === 1 ? lazy.arange(a, undefined, undefined, { chunks: 3 }) : lazy.arange(a, b, s ?? 1, { chunks: 3 });
    assert.equal(x.dtype, c.expected.dtype);
    assert.deepEqual(x.shape, c.expected.shape);
    assertArrayClose(x.computeSync(), c.expected, { rtol: 0, atol: 0 });
  });
}

for (const c of fx.linspace) {
  test(`linspace(${c.start}, ${c.stop}, ${c.num}, endpoint=${c.endpoint}) matches numpy, chunked by 4`, () => {
    const x = lazy.linspace(c.start, c.stop, c.num, { endpoint: c.endpoint, chunks: 4 });
    assert.equal(x.dtype, c.expected.dtype);
    assert.deepEqual(x.shape, c.expected.shape);
    assertArrayClose(x.computeSync(), c.expected, { rtol: 0, atol: 0 });
  });
}

test("arange / linspace: bad arguments give clear errors", () => {
  assert.throws(() => lazy.arange(0, 10, 0), (e: unknown) => e instanceof RangeError && /step/.test(e.message));
  assert.throws(() => lazy.linspace(0, 1, -1), (e: unknown) => e instanceof RangeError && /num/.test(e.message));
  assert.throws(() => lazy.linspace(0, 1, 2.5), RangeError);
});

// ------------------------------------------------------------------ random

test("random: the same seed gives the same values whatever the chunks", () => {
  const gens: [string, (c: lazy.ChunksSpec, seed: number) => lazy.LazyArray][] = [
    ["random", (c, seed) => lazy.random.random([7, 9], { chunks: c, seed })],
    ["uniform", (c, seed) => lazy.random.uniform(-2, 5, [7, 9], { chunks: c, seed })],
    ["normal", (c, seed) => lazy.random.normal(1, 3, [7, 9], { chunks: c, seed })],
    ["integers", (c, seed) => lazy.random.integers(-5, 10, [7, 9], { chunks: c, seed })],
  ];
  for (const [name, g] of gens) {
    const ref = flat(g(-1, 42));
    for (const c of [1, [3, 4], [[2, 5], [1, 8]], "auto"] as lazy.ChunksSpec[]) {
      assert.deepEqual(flat(g(c, 42)), ref, `${name} chunks ${JSON.stringify(c)}`);
    }
    const other = flat(g(-1, 43));
    assert.notDeepEqual(other, ref, `${name}: a different seed gives different values`);
    assert.ok(other.filter((v, i) => v !== ref[i]).length > ref.length / 2, `${name}: seeds 42 and 43 mostly differ`);
  }
  // a sub-array of the same seed is not the prefix of a bigger one with another shape, but recomputing is stable
  assert.deepEqual(flat(lazy.random.random([5], { seed: 1 })), flat(lazy.random.random([5], { seed: 1, chunks: 2 })));
});

function stats(v: number[]): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    s += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length), min, max };
}

const N = 100_000;

test("random.uniform: 1e5 samples lie in [low, high) with mean and std within 5 standard errors", () => {
  const [lo, hi] = [-2, 5];
  const x = lazy.random.uniform(lo, hi, [N], { seed: 7, chunks: 30_000 });
  assert.equal(x.dtype, "float64");
  const v = flat(x);
  const s = stats(v);
  assert.ok(s.min >= lo && s.max < hi, `range [${s.min}, ${s.max}]`);
  const sd = (hi - lo) / Math.sqrt(12);
  assert.ok(Math.abs(s.mean - (lo + hi) / 2) < (5 * sd) / Math.sqrt(N), `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - sd) < (5 * sd) / Math.sqrt(2 * N) * 1.2, `std ${s.std} vs ${sd}`);
  // uniformity: 10 equal bins each within 5 sigma of N/10
  const bins = new Array(10).fill(0);
  for (const u of v) bins[Math.floor(((u - lo) / (hi - lo)) * 10)]++;
  const sig = Math.sqrt(N * 0.1 * 0.9);
  for (const b of bins) assert.ok(Math.abs(b - N / 10) < 5 * sig, `bins ${bins}`);
  const r = stats(flat(lazy.random.random([1000], { seed: 3 })));
  assert.ok(r.min >= 0 && r.max < 1);
});

test("random.normal: 1e5 samples have mean and std within 5 standard errors, and plausible tails", () => {
  const [loc, scale] = [3, 2];
  const v = flat(lazy.random.normal(loc, scale, [N], { seed: 11, chunks: 25_000 }));
  const s = stats(v);
  assert.ok(Math.abs(s.mean - loc) < (5 * scale) / Math.sqrt(N), `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - scale) < (5 * scale) / Math.sqrt(2 * N), `std ${s.std}`);
  const beyond2 = v.filter((x) => Math.abs(x - loc) > 2 * scale).length / N; // 4.55 %
  assert.ok(Math.abs(beyond2 - 0.0455) < 0.004, `P(|z| > 2) = ${beyond2}`);
  assert.ok(v.every(Number.isFinite));
});

test("random.integers: int64 by default (numpy's Generator.integers), every value in [low, high) and each value drawn", () => {
  const x = lazy.random.integers(-3, 4, [20_000], { seed: 5, chunks: 6000 });
  assert.equal(x.dtype, "int64");
  const v = flat(x);
  const counts = new Map<number, number>();
  for (const k of v) {
    assert.ok(Number.isInteger(k) && k >= -3 && k < 4, `value ${k}`);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  assert.equal(counts.size, 7);
  const p = 1 / 7;
  const sig = Math.sqrt(20_000 * p * (1 - p));
  for (const [k, c] of counts) assert.ok(Math.abs(c - 20_000 * p) < 5 * sig, `count of ${k}: ${c}`);
  assert.equal(lazy.random.integers(0, 200, [3], { dtype: "uint8" }).dtype, "uint8");
});

test("computed bool arrays are tagged bool, so fromArray reads them back as bool", () => {
  const m = lazy.arange(6, undefined, 1, { chunks: 4 }).gt(2).computeSync();
  assert.ok(m.data instanceof Uint8Array);
  assert.equal(lazy.fromArray(m).dtype, "bool");
  assert.equal(lazy.fromArray(m).add(1).dtype, "int64", "bool + python int: int64, as numpy");
  assert.equal(lazy.fromArray(lazy.arange(3, undefined, 1, { dtype: "uint8" }).computeSync()).dtype, "uint8", "untagged uint8 stays uint8");
});
