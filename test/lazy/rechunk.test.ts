/**
 * rechunk (and its plan), reshape, squeeze, expandDims, concatenate and stack against numpy / dask
 * 2022.12 (fixtures: test/fixtures/make_rechunk.py).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { LazyArray, fromArray, zeros, concatenate, stack, UnknownChunksError, ChunksSpec, DType } from "../../lazy";
import { Block, toFlat } from "../../lazy/core/block";
import { Chunks, cumulative } from "../../lazy/core/chunks";
import { Layer, collectLayers, plan } from "../../lazy/graph/graph";
import { planRechunk, numberOfBlocks, estimateGraphSize, mergeToNumber, divideToWidth } from "../../lazy/ops/rechunk-plan";
import { rechunkSteps, reshapeRechunk } from "../../lazy/ops/rechunk";
import { FixtureArray, assertArrayClose, fromFixture, loadFixture } from "../helpers";

interface PlanCase {
  name: string;
  old: number[][];
  new: number[][];
  itemsize: number;
  threshold: number;
  limit: number;
  steps: number[][][];
  daskTasks: number | null;
}
interface RechunkCase {
  name: string;
  input: FixtureArray;
  chunks: number[][];
  spec: ChunksSpec;
  threshold: number | null;
  limit: number | null;
  expected: number[][];
  steps: number;
}
interface ReshapeCase {
  name: string;
  input: FixtureArray;
  chunks: number[][];
  shape: number[];
  expected: FixtureArray;
  expectedChunks: number[][];
}
interface ConcatCase {
  name: string;
  stack: boolean;
  axis: number;
  inputs: { input: FixtureArray; chunks: number[][] }[];
  expected: FixtureArray;
  expectedChunks: number[][];
}
interface ShapeCase {
  name: string;
  op: "squeeze" | "expandDims";
  axis: number | number[] | null;
  input: FixtureArray;
  chunks: number[][];
  expected: FixtureArray;
  expectedChunks: number[][];
}
const fx = loadFixture<{
  plans: PlanCase[];
  rechunks: RechunkCase[];
  reshapes: ReshapeCase[];
  reshapeErrors: { shape: number[]; newshape: number[]; kind: string }[];
  concats: ConcatCase[];
  shapes: ShapeCase[];
}>("rechunk");

function lazyOf(a: FixtureArray, chunks: ChunksSpec): LazyArray {
  return fromArray(fromFixture(a), { chunks, dtype: a.dtype });
}

/** The tasks dask's _compute_rechunk makes for one step: a key per new block plus a getitem per partial piece. */
function daskStepTasks(oldC: Chunks, newC: Chunks): number {
  let total = 1;
  let whole = 1;
  for (let a = 0; a < oldC.length; a++) {
    const oo = cumulative(oldC[a]);
    const no = cumulative(newC[a]);
    let pieces = 0;
    let wholes = 0;
    for (let i = 0; i < newC[a].length; i++) {
      for (let b = 0; b < oldC[a].length; b++) {
        const s = Math.max(oo[b], no[i]);
        const e = Math.min(oo[b + 1], no[i + 1]);
        if (e > s) {
          pieces++;
          if (s === oo[b] && e === oo[b + 1]) wholes++;
        }
      }
    }
    total *= pieces;
    whole *= wholes;
  }
  return numberOfBlocks(newC) + total - whole;
}

function rechunkLayers(x: LazyArray): Layer[] {
  return collectLayers([x.layer]).filter((l) => l.kind === "rechunk");
}

// ------------------------------------------------------------------------------------------------ planner

for (const p of fx.plans) {
  test(`planRechunk as dask: ${p.name}`, () => {
    const steps = planRechunk(p.old, p.new, p.itemsize, { threshold: p.threshold, blockSizeLimit: p.limit });
    assert.equal(steps.length, p.steps.length, `number of steps: got ${steps.map((s) => s.map((c) => c.length).join("x")).join(" -> ")}`);
    assert.deepEqual(steps, p.steps);
    if (p.daskTasks !== null) {
      let prev: Chunks = p.old;
      let n = 0;
      for (const s of steps) {
        n += daskStepTasks(prev, s);
        prev = s;
      }
      assert.equal(n, p.daskTasks, "dask's task count of the plan");
    }
  });
}

test("engine.md example: 1 GiB float32 columns to rows in 16 MiB blocks, symbolic layers only", () => {
  const x = zeros([16384, 16384], { dtype: "float32", chunks: [16384, 16] });
  const y = x.rechunk([16, 16384], { blockSizeLimit: 16 * 1024 * 1024 });
  assert.deepEqual(y.chunks[0].length, 1024);
  assert.deepEqual(y.chunks[1], [16384]);
  const layers = rechunkLayers(y);
  // dask: (1, 64) -> (4, 16) -> (16, 4) -> (1024, 1) blocks per axis
  assert.deepEqual(
    layers.map((l) => l.numBlocks.slice()),
    [
      [1, 64],
      [4, 16],
      [16, 4],
      [1024, 1],
    ],
  );
  // our tasks: one per new block (64 + 64 + 64 + 1024), against dask's 5,824 rechunk tasks (6,848 with the
  // 1,024 source tasks) and 1,050,624 for a direct one-step rechunk
  assert.equal(
    layers.reduce((n, l) => n + l.numTasks, 0),
    1216,
  );
  // a task lists only the old blocks it intersects: a final (16 x 16384) block reads 4 blocks of (1024 x 4096)
  const last = layers[3].task([5, 0]);
  assert.equal(last.deps.length, 4);
  const p = plan([y.layer], y.layer.keys());
  assert.equal(p.tasks.size, 1024 + 1216);
});

test("planner helpers: estimateGraphSize, mergeToNumber, divideToWidth", () => {
  assert.equal(estimateGraphSize([[5, 5], [2, 2, 2]], [[5, 5], [3, 3]]), 2 * 4);
  assert.deepEqual(mergeToNumber([1, 1, 1, 1, 1, 1, 1], 3), [3, 2, 2]);
  assert.deepEqual(mergeToNumber([5, 1, 1, 4, 2], 3), [5, 6, 2]);
  assert.deepEqual(divideToWidth([10, 3], 4), [3, 3, 4, 3]);
});

// ------------------------------------------------------------------------------------------------ rechunk values

for (const c of fx.rechunks) {
  test(`rechunk as dask: ${c.name}`, () => {
    const x = lazyOf(c.input, c.chunks);
    const opts = { threshold: c.threshold ?? undefined, blockSizeLimit: c.limit ?? undefined };
    const y = x.rechunk(c.spec, opts);
    assert.deepEqual(y.chunks, c.expected, "chunks");
    assert.equal(y.dtype, c.input.dtype);
    const nSteps = rechunkLayers(y).length;
    if (c.steps === 0) assert.equal(y, x, "identity returns the same array");
    else if (c.input.shape.some((s) => s === 0)) assert.ok(nSteps >= 1);
    else {
      assert.equal(nSteps, c.steps, "number of rechunk steps (dask's plan)");
      assert.equal(rechunkSteps(x, c.spec, opts).length, c.steps);
    }
    assertArrayClose(y.computeSync(), c.input, { msg: c.name });
  });
}

test("rechunk: a new block inside one old block is a view, not a copy", () => {
  const data = new Float64Array(24).map((_, i) => i);
  const x = fromArray({ data, shape: [4, 6], stride: [6, 1], offset: 0 } as Block, { chunks: [4, 6] });
  const y = x.rechunk([2, 3]);
  const t = y.layer.task([1, 1]);
  assert.equal(t.deps.length, 1);
  const r = y.computeSync();
  assert.deepEqual(toFlat(r), Array.from(data));
  // the inputs are never written to
  assert.deepEqual(Array.from(data), Array.from({ length: 24 }, (_, i) => i));
});

test("rechunk: tasks list only the old blocks they intersect", () => {
  const x = zeros([100, 100], { chunks: [10, 10] });
  const y = x.rechunk([25, 30]);
  // new block (1, 1) covers rows 25..50 (old blocks 2..4) and columns 30..60 (old blocks 3..5)
  assert.equal(y.layer.task([1, 1]).deps.length, 9);
  assert.equal(y.layer.task([3, 3]).deps.length, 3 * 1);
});

test("rechunk: bad specifications give clear errors", () => {
  const x = zeros([10, 10], { chunks: 5 });
  assert.throws(() => x.rechunk([[3, 3], 5]), /axis 0.*add up to 6.*10/);
  assert.throws(() => x.rechunk({ 3: 2 }), /axis 3 is out of range/);
  assert.throws(() => x.rechunk([2, 2, 2]), /3 chunk specification/);
});

/** x with NaN (unknown) chunk sizes along `axis`, as after boolean masking. */
function withUnknown(x: LazyArray, axis: number): LazyArray {
  const chunks = x.chunks.map((c, a) => (a === axis ? c.map(() => NaN) : c.slice()));
  const layer = new Layer({
    kind: "blockwise",
    label: "unknown-sizes",
    chunks,
    dtype: x.dtype,
    dependencies: [x.layer],
    task: (index, key) => ({ key, op: "concatenate", params: {}, deps: [x.layer.key(index)] }),
  });
  return new LazyArray(layer);
}

test("unknown chunk sizes: rechunk of an unknown axis throws UnknownChunksError; other axes are fine (as dask)", () => {
  const data = new Float64Array(60).map((_, i) => i);
  const x = withUnknown(fromArray({ data, shape: [6, 10], stride: [10, 1], offset: 0 } as Block, { chunks: [3, 5] }), 0);
  assert.throws(() => x.rechunk([2, 5]), UnknownChunksError);
  assert.throws(() => x.rechunk("auto"), UnknownChunksError);
  assert.throws(() => x.reshape([60]), UnknownChunksError);
  assert.throws(() => x.reshape([10, 6]), UnknownChunksError);
  const y = x.rechunk({ 1: 2 });
  assert.ok(Number.isNaN(y.chunks[0][0]));
  assert.deepEqual(y.chunks[1], [2, 2, 2, 2, 2]);
  assert.deepEqual(toFlat(y.computeSync()), Array.from(data));
  assert.equal(x.rechunk({ 0: x.chunks[0] }), x);
});

// ------------------------------------------------------------------------------------------------ reshape

for (const c of fx.reshapes) {
  test(`reshape as dask: ${c.name}`, () => {
    const x = lazyOf(c.input, c.chunks);
    const y = x.reshape(c.shape);
    assert.deepEqual(y.chunks, c.expectedChunks, "chunks");
    assertArrayClose(y.computeSync(), c.expected, { msg: c.name });
    // every reshape task reads exactly one block
    const l = y.layer;
    if (l.kind === "reshape") for (const k of l.keys().slice(0, 20)) assert.ok(l.task(k.split(":")[1].split(",").filter((s) => s !== "").map(Number)).deps.length <= 1);
  });
}

for (const e of fx.reshapeErrors) {
  test(`reshape [${e.shape}] -> [${e.newshape}] throws a clear error (${e.kind}, dask raises too)`, () => {
    const x = zeros(e.shape, { chunks: 2 });
    assert.throws(
      () => x.reshape(e.newshape),
      (err: Error) => {
        assert.ok(err instanceof RangeError, err.message);
        if (e.kind !== "two") {
          assert.ok(err.message.includes(`[${e.shape.join(", ")}]`), err.message);
          assert.ok(err.message.includes(`[${e.newshape.join(", ")}]`), err.message);
        } else assert.match(err.message, /-1/);
        return true;
      },
    );
  });
}

test("reshape: -1 on a 1-D array is the array itself, even with unknown sizes; ravel", () => {
  const x = withUnknown(zeros([6], { chunks: 2 }), 0);
  assert.equal(x.reshape([-1]), x);
  const y = zeros([3, 4], { chunks: 2 });
  assert.deepEqual(y.ravel().shape, [12]);
  assert.equal(y.reshape([3, 4]), y);
  const reshaped = reshapeRechunk([4, 4, 4], [64], [[2, 2], [2, 2], [2, 2]]);
  assert.deepEqual(reshaped.inchunks, [[1, 1, 1, 1], [4], [4]]);
  assert.deepEqual(reshaped.outchunks, [[16, 16, 16, 16]]);
});

// ------------------------------------------------------------------------------------------------ concatenate / stack

for (const c of fx.concats) {
  test(`${c.stack ? "stack" : "concatenate"} as numpy/dask: ${c.name}`, () => {
    const xs = c.inputs.map((i) => lazyOf(i.input, i.chunks));
    const y = c.stack ? stack(xs, c.axis) : concatenate(xs, c.axis);
    assert.equal(y.dtype, c.expected.dtype as DType, "dtype");
    assert.deepEqual(y.chunks, c.expectedChunks, "chunks");
    assertArrayClose(y.computeSync(), c.expected, { msg: c.name });
    if (y.layer.kind === "concatenate") {
      for (const k of y.layer.keys()) {
        const idx = k.slice(k.lastIndexOf(":") + 1).split(",").map(Number);
        assert.equal(y.layer.task(idx).deps.length, 1, "one input block per output block");
      }
    }
  });
}

test("concatenate / stack: clear errors", () => {
  const a = zeros([2, 3], { chunks: 2 });
  const b = zeros([2, 4], { chunks: 2 });
  assert.throws(() => concatenate([a, b], 0), /differ along axis 1.*\[2, 4\]|\[2, 4\].*differ along axis 1/);
  assert.throws(() => concatenate([a, zeros([2], { chunks: 2 })]), /same number of dimensions/);
  assert.throws(() => concatenate([a, b], 2), /axis 2 is out of range/);
  assert.throws(() => concatenate([]), /at least one array/);
  assert.throws(() => stack([a, b]), /same shape.*\[2, 3\].*\[2, 4\]/);
  assert.throws(() => stack([a, a], 3), /axis 3 is out of range/);
});

test("concatenate: unknown sizes along the concatenation axis are fine, on other axes not", () => {
  const x = withUnknown(fromArray({ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [3, 2], stride: [2, 1], offset: 0 } as Block, { chunks: [2, 1] }), 0);
  const y = fromArray({ data: new Float64Array([7, 8]), shape: [1, 2], stride: [2, 1], offset: 0 } as Block, { chunks: [1, 2] });
  const c = concatenate([x, y], 0);
  assert.ok(Number.isNaN(c.chunks[0][0]));
  assert.deepEqual(c.chunks[1], [1, 1]);
  assert.deepEqual(toFlat(c.computeSync()), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.throws(() => concatenate([x, x], 1), UnknownChunksError);
});

// ------------------------------------------------------------------------------------------------ squeeze / expandDims

for (const c of fx.shapes) {
  test(`${c.op} as numpy/dask: ${c.name}`, () => {
    const x = lazyOf(c.input, c.chunks);
    const y = c.op === "squeeze" ? x.squeeze(c.axis ?? undefined) : x.expandDims(c.axis as number);
    assert.deepEqual(y.chunks, c.expectedChunks, "chunks");
    assertArrayClose(y.computeSync(), c.expected, { msg: c.name });
  });
}

test("squeeze / expandDims: errors and views", () => {
  const x = zeros([1, 3], { chunks: 2 });
  assert.throws(() => x.squeeze(1), /axis 1.*length is 3/);
  assert.throws(() => x.expandDims(3), /axis 3 is out of range/);
  const z0 = zeros([2, 3]);
  assert.equal(z0.squeeze(), z0);
  const s = x.squeeze();
  assert.deepEqual(s.shape, [3]);
  assert.equal(s.layer.task([1]).deps.length, 1);
  const z = zeros([1, 1]).squeeze();
  assert.deepEqual(z.shape, []);
  assert.equal(z.computeSync().data.length, 1);
});
