/**
 * Regression tests for the defects differential testing against numpy found (issue 11), one
 * section per defect. Expected values and numpy's messages: test/fixtures/make_defects.py.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as lazy from "../../lazy";
import { DType, allocate } from "../../lazy/core/dtype";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

/** A result's elements as numbers (int64 / uint64 results hold bigints). */
const nums = (d: ArrayLike<number | bigint>): number[] => Array.from(d, Number);

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

// 2. reductions of empty arrays, plain and after a boolean mask (which used to throw
//    "internal: block [0] is outside layer")
test("defect 2: zeros([0, 5]).get(mask).any() is false", async () => {
  const x = lazy.zeros([0, 5], { chunks: [1, 2], dtype: "int32" });
  const r = await x.get(x.le(3)).any().compute();
  assert.equal(r.get(), 0);
});
for (const [i, c] of fx.empty.entries()) {
  test(`defect 2: ${c.kind} of an empty ${c.dtype} array${c.masked ? " after a mask" : ""} axis=${c.axis} (#${i})`, async () => {
    let x = lazy.zeros([0, 5], { chunks: [1, 2], dtype: c.dtype });
    if (c.masked) x = x.get(x.le(3));
    const f = (x as unknown as Record<string, (o: object) => lazy.LazyArray>)[c.kind].bind(x);
    if (c.error !== undefined) {
      // numpy's message; nanmin/nanmax run min/max here (numpy names fmin/fmax), and an empty float
      // nanargmax says "empty sequence" as argmax (numpy: "All-NaN slice encountered")
      const want = c.error
        .replace(" fmax ", " maximum ")
        .replace(" fmin ", " minimum ")
        .replace("All-NaN slice encountered", `attempt to get ${c.kind.slice(3)} of an empty sequence`);
      await assert.rejects(async () => f({ axis: c.axis }).compute(), (e: Error) => e instanceof RangeError && e.message.includes(want));
    } else {
      const r = await f({ axis: c.axis }).compute();
      assertArrayClose(r, c.expected as FixtureArray);
    }
  });
}

// 3. a 0-d result of nanargmax/nanargmin (a mapBlocks step returning a scijs ndarray, whose 0-d
//    shape lives on its prototype) then an elementwise op, reshape or stack on worker threads: the
//    block reached the worker without a shape (TypeError in blockBroadcastShape)
test("defect 3: elementwise, reshape and stack after a 0-d nanargmax/nanargmin on threads", async () => {
  const y = lazy.fromArray(new Float64Array([1, NaN, 3, 2, 5, 0]), { chunks: 2 }).reshape([2, 3]);
  // numpy: nanargmax 4, nanargmin 5
  for (const scheduler of ["sync", "threads"] as const) {
    const mx = y.nanargmax();
    const mn = y.nanargmin();
    assert.deepEqual(nums((await mx.add(1).compute({ scheduler })).data), [5], scheduler);
    assert.deepEqual(nums((await mn.mul(mn).compute({ scheduler })).data), [25], scheduler);
    const r = await mx.reshape([1, 1]).compute({ scheduler });
    assert.deepEqual([r.shape, nums(r.data)], [[1, 1], [4]], scheduler);
    const s = await lazy.stack([mn, mn]).compute({ scheduler });
    assert.deepEqual([s.shape, nums(s.data)], [[2], [5, 5]], scheduler);
  }
});

test("defect 3: a mapBlocks function returning a 0-d scijs ndarray feeds a threads step", async () => {
  const x = lazy.fromArray([7]).sum();
  const m = x.mapBlocks((b) => b);
  const r = await m.add(1).compute({ scheduler: "threads" });
  assert.deepEqual([r.shape, nums(r.data)], [[], [8]]);
});

// 4. stack / concatenate (and resultType) use numpy's result_type over all inputs, which does not
//    depend on their order: int8, uint16, float32 -> float32 (a pairwise fold gave float64)
test("defect 4: stack, concatenate and resultType over three dtypes, every order, as numpy.result_type", () => {
  for (const c of fx.resultType) {
    const xs = c.dtypes.map((d) => lazy.zeros([2], { dtype: d }));
    assert.equal(lazy.stack(xs).dtype, c.expected, `stack ${c.dtypes}`);
    assert.equal(lazy.concatenate(xs).dtype, c.expected, `concatenate ${c.dtypes}`);
    assert.equal(lazy.resultType(...c.dtypes), c.expected, `resultType ${c.dtypes}`);
  }
});

test("defect 4: stack of int8, uint16, float32 computes float32 values", async () => {
  const xs = [lazy.fromArray(new Int8Array([-1, 2])), lazy.fromArray(new Uint16Array([3, 40000])), lazy.fromArray(new Float32Array([0.5, 1]))];
  const r = await lazy.stack(xs).compute();
  assert.equal(r.data.constructor, Float32Array);
  assert.deepEqual(nums(r.data), [-1, 2, 3, 40000, 0.5, 1]);
});

// 5. integer ** negative integer raises as numpy for every base (1 ** -1 and (-1) ** -1 used to
//    give 1 / -1), for a scalar exponent and for an exponent array with any negative element, at
//    compute time (an empty base raises nothing, as numpy), with the same class on every scheduler
test("defect 5: integer pow with a negative exponent raises numpy's error whatever the base", async () => {
  const want = fx.errors.pow.replace(/\.$/, ""); // "Integers to negative integer powers are not allowed"
  const cases: [string, () => lazy.LazyArray][] = [
    ["int32 [1] ** -1", () => lazy.fromArray(new Int32Array([1])).pow(-1)],
    ["int32 [-1] ** -1", () => lazy.fromArray(new Int32Array([-1])).pow(-1)],
    ["int8 ones ** -2", () => lazy.ones([3], { dtype: "int8" }).pow(-2)],
    ["uint8 [1] ** -1", () => lazy.fromArray(new Uint8Array([1])).pow(-1)],
    ["int32 [1, -1] ** int8 [2, -3]", () => lazy.fromArray(new Int32Array([1, -1])).pow(lazy.fromArray(new Int8Array([2, -3])))],
    ["sum(int32 ** -1)", () => lazy.fromArray(new Int32Array([1, 1]), { chunks: 1 }).pow(-1).sum()],
  ];
  for (const [name, make] of cases) {
    for (const scheduler of ["sync", "threads"] as const) {
      await assert.rejects(make().compute({ scheduler }), (e: Error) => e instanceof RangeError && e.message.includes(want), `${name} ${scheduler}`);
    }
  }
  // numpy: an empty base raises nothing; a non-negative exponent array is fine
  assert.equal((await lazy.fromArray(new Int32Array([])).pow(-1).compute()).data.length, 0);
  assert.deepEqual(nums((await lazy.fromArray(new Int32Array([1, 2])).pow(lazy.fromArray(new Int32Array([1, 2]))).compute()).data), [1, 4]);
});

// 6. compute({numWorkers: 0}) / -1 / 1.5 hung forever (a pool with no worker): a clear error now
test("defect 6: numWorkers that is not a positive integer is refused, on every entry point", async () => {
  const x = lazy.ones([4], { chunks: 2 }).sum();
  for (const n of [0, -1, 1.5, NaN, Infinity]) {
    const ok = (e: Error) => e instanceof RangeError && /numWorkers must be a positive integer/.test(e.message) && e.message.includes(String(n));
    await assert.rejects(async () => x.compute({ numWorkers: n }), ok, `compute ${n}`);
    await assert.rejects(async () => x.compute({ numWorkers: n, scheduler: "sync" }), ok, `compute sync ${n}`);
    await assert.rejects(async () => lazy.compute([x], { numWorkers: n }), ok, `lazy.compute ${n}`);
    await assert.rejects(async () => x.store(() => undefined, { numWorkers: n }), ok, `store ${n}`);
  }
  assert.equal((await x.compute({ numWorkers: 1 })).get(), 4);
  assert.equal((await x.compute({ numWorkers: 2 })).get(), 4);
});

// 7. explicit chunks with NaN (unknown) sizes for an axis of known length were accepted by the
//    creation functions (NaN + 6 is NaN, so the sum check passed): refused, naming the axis
test("defect 7: NaN chunk sizes for an axis of known length are refused by every creation function and rechunk", () => {
  const ok = (e: Error) => e instanceof RangeError && /NaN \(unknown\) sizes/.test(e.message) && /known length 6/.test(e.message);
  assert.throws(() => lazy.zeros([6], { chunks: [[NaN, 6]] }), ok);
  assert.throws(() => lazy.ones([6], { chunks: [[NaN]] }), ok);
  assert.throws(() => lazy.full([2, 6], 1, { chunks: [2, [NaN, 6]] }), (e: Error) => ok(e) && /axis 1/.test(e.message));
  assert.throws(() => lazy.fromArray(new Float64Array(6), { chunks: [[NaN, 6]] }), ok);
  assert.throws(() => lazy.arange(6, undefined, 1, { chunks: [[3, NaN]] }), ok);
  assert.throws(() => lazy.random.random([6], { chunks: [[NaN, 6]] }), ok);
  assert.throws(() => lazy.zeros([6]).rechunk([[NaN, 6]]), ok);
  // chunks that do not sum to the shape keep their error; known sizes still work
  assert.throws(() => lazy.zeros([6], { chunks: [[2, 3]] }), /add up to 5/);
  assert.deepEqual(lazy.zeros([6], { chunks: [[2, 4]] }).chunks, [[2, 4]]);
});

// 8. random.integers(5, 2, shape) and equal bounds were accepted; numpy raises "low >= high"
test("defect 8: random.integers refuses low >= high and out-of-range bounds as numpy", async () => {
  for (const [lo, hi] of [[5, 2], [2, 2]]) {
    const want = fx.errors[`integers ${lo} ${hi}`]; // numpy: "low >= high"
    assert.throws(() => lazy.random.integers(lo, hi, [3]), (e: Error) => e instanceof RangeError && e.message.includes(want) && /high > low/.test(e.message));
  }
  assert.throws(() => lazy.random.integers(-1, 3, [3], { dtype: "uint8" }), /low is out of bounds for uint8/);
  assert.throws(() => lazy.random.integers(0, 257, [3], { dtype: "uint8" }), /high is out of bounds for uint8/);
  assert.throws(() => lazy.random.integers(0, 3, [3], { dtype: "float64" }), /unsupported dtype float64/);
  assert.throws(() => lazy.random.integers(NaN, 3, [3]), /low must be a finite number/);
  // the widest ranges numpy allows still work: [0, 256) for uint8, [0, 2) for bool; bounds truncate
  const u = (await lazy.random.integers(0, 256, [1000], { dtype: "uint8", seed: 3 }).compute()).data;
  assert.ok(nums(u).every((v) => v >= 0 && v <= 255));
  const t = (await lazy.random.integers(2.7, 5.9, [1000], { seed: 3 }).compute()).data; // numpy: [2, 5)
  assert.deepEqual(new Set(nums(t)), new Set([2, 3, 4]));
  const one = (await lazy.random.integers(7, 8, [4]).compute()).data;
  assert.deepEqual(nums(one), [7, 7, 7, 7]);
});

// 9. a result or block beyond memory gave V8's bare "Array buffer allocation failed": the error
//    names the size and the ways out (compute a part, store block by block, smaller chunks)
test("defect 9: a result larger than memory is refused before anything runs, naming its size and the way out", async () => {
  const x = lazy.zeros([1e6, 1e6], { chunks: [1000, 1000] }).add(1); // 7.28 TiB of float64
  const ok = (e: Error) =>
    e instanceof RangeError && /shape \[1000000, 1000000\], float64/.test(e.message) && /7\.28 TiB/.test(e.message) && /x\.get\(/.test(e.message) && /store/.test(e.message);
  await assert.rejects(x.compute(), ok);
  await assert.rejects(x.compute({ scheduler: "threads" }), ok);
  assert.throws(() => lazy.computeSync(x), ok);
  // a part of it is fine
  const part = await x.get({ start: 0, stop: 2 }, { start: 0, stop: 3 }).compute();
  assert.deepEqual(nums(part.data), [1, 1, 1, 1, 1, 1]);
});

test("defect 9: a block that cannot be allocated names its size and the ways out, on both schedulers", async () => {
  const x = lazy.zeros([2 ** 45], { chunks: [2 ** 45], dtype: "uint8" }).sum(); // one 32 TiB block, a 0-d result
  for (const scheduler of ["sync", "threads"] as const) {
    await assert.rejects(
      x.compute({ scheduler }),
      (e: Error) => e instanceof RangeError && /cannot allocate 32\.00 TiB \(35184372088832 uint8 elements\)/.test(e.message) && /smaller chunks/.test(e.message),
      scheduler,
    );
  }
  assert.throws(() => allocate("float64", 2 ** 50), /cannot allocate 8\.00 PiB/);
});
