import { test } from "node:test";
import * as assert from "node:assert/strict";
import { blockIndices } from "../../lazy/core/chunks";
import ndarray = require("ndarray");
import { Boundary, BlockInfo, DType, LazyArray, NDArray, UnknownChunksError, fromArray } from "../../lazy";
import { Layer, executeSync, plan } from "../../lazy/graph/graph";
import { Block, toFlat } from "../../lazy/core/block";
import { FixtureArray, assertArrayClose, counter, fromFixture, loadFixture } from "../helpers";

interface OverlapCase {
  name: string;
  input: FixtureArray;
  chunks: number[][];
  depth: number[];
  boundary: Boundary | Boundary[];
  size: number[];
  trim: boolean;
  dtype?: DType;
  chunks_out: number[][];
  dask_reported_chunks?: number[][];
  expected: FixtureArray;
}

const fx = loadFixture<{ overlap: OverlapCase[] }>("overlap");

/** Every multi-index of `shape`, C order (the engine's block-grid walk serves any shape). */
const indices = blockIndices;

/** Mean over the window cells (radius per axis) that lie inside the block: float64. */
function meanFilter(b: NDArray, radius: readonly number[]): NDArray {
  const shape = b.shape.slice();
  const out = ndarray(new Float64Array(shape.reduce((a, c) => a * c, 1)), shape);
  for (const idx of indices(shape)) {
    const lo = idx.map((i, a) => Math.max(0, i - radius[a]));
    const hi = idx.map((i, a) => Math.min(shape[a] - 1, i + radius[a]));
    let sum = 0;
    let count = 0;
    for (const w of indices(hi.map((h, a) => h - lo[a] + 1))) {
      sum += Number(b.get(...w.map((j, a) => j + lo[a])));
      count++;
    }
    out.set(...idx, sum / count);
  }
  return out;
}

const plain = (c: readonly (readonly number[])[]) => c.map((a) => a.slice());

for (const c of fx.overlap) {
  test(`mapOverlap: mean filter ${c.name} matches scipy/dask`, () => {
    const x = fromArray(fromFixture(c.input), { chunks: c.chunks });
    const radius = c.size.map((s) => (s - 1) / 2);
    const y = x.mapOverlap((b) => meanFilter(b, radius), {
      depth: c.depth,
      boundary: c.boundary,
      trim: c.trim,
      ...(c.dtype ? { dtype: c.dtype } : {}),
    });
    assert.deepEqual(plain(y.chunks), c.chunks_out);
    if (c.dtype) assert.equal(y.dtype, c.dtype);
    assertArrayClose(y.computeSync(), c.expected, { msg: c.name });
  });
}

test("mapOverlap: depth as {axis: n} and boundary as {axis: b} equal the per-axis lists", () => {
  const c = fx.overlap.find((o) => o.name === "3d-mixed") as OverlapCase;
  const x = fromArray(fromFixture(c.input), { chunks: c.chunks });
  const y = x.mapOverlap((b) => meanFilter(b, [0, 1, 1]), { depth: { 1: 1, [-1]: 1 }, boundary: { 1: "periodic", 2: "nearest" } });
  assertArrayClose(y.computeSync(), c.expected);
});

test("mapOverlap: the function gets the padded block and its BlockInfo in the padded layout", () => {
  const c = fx.overlap.find((o) => o.name === "2d-notrim-reflect") as OverlapCase;
  const x = fromArray(fromFixture(c.input), { chunks: c.chunks });
  const seen: { shape: number[]; info: BlockInfo }[] = [];
  const y = x.mapOverlap(
    (b, info) => {
      seen.push({ shape: b.shape.slice(), info });
      return b;
    },
    { depth: 1, boundary: "reflect", dtype: "float32" },
  );
  assert.equal(y.dtype, "float32");
  y.computeSync();
  assert.equal(seen.length, 9);
  const total = c.chunks_out.map((a) => a.reduce((s, v) => s + v, 0));
  for (const { shape, info } of seen) {
    assert.deepEqual(info.shape, total);
    assert.deepEqual(info.numChunks, [3, 3]);
    assert.equal(info.dtype, "float32");
    info.chunkLocation.forEach((i, a) => assert.equal(shape[a], c.chunks_out[a][i]));
    info.arrayLocation.forEach(([s, e], a) => assert.equal(e - s, shape[a]));
  }
  // identity with trim gives back the array (cast to float32)
  const back = toFlat(y.computeSync());
  const src = fromFixture(c.input);
  back.forEach((v, i) => assert.equal(v, Math.fround(Number(src.data[i]))));
});

test("mapOverlap: depth 0 on every axis gives a fresh copy of each block", () => {
  const src = fromFixture(fx.overlap[0].input);
  const before = toFlat(src);
  const x = fromArray(src, { chunks: fx.overlap[0].chunks });
  const y = x.mapOverlap(
    (b) => {
      // the padded block is fresh: writing into it must not touch the source
      for (let i = 0; i < b.shape[0]; i++) for (let j = 0; j < b.shape[1]; j++) b.set(i, j, Number(b.get(i, j)) * 2);
      return b;
    },
    { depth: 0 },
  );
  const got = toFlat(y.computeSync());
  assert.deepEqual(toFlat(src), before);
  got.forEach((v, i) => assert.equal(v, before[i] * 2));
});

test("mapOverlap: writing into the padded block leaves the source intact (depth 1)", () => {
  const src = fromFixture(fx.overlap[0].input);
  const before = toFlat(src);
  const x = fromArray(src, { chunks: fx.overlap[0].chunks });
  x.mapOverlap(
    (b) => {
      (b.data as Float64Array).fill(-1);
      return b;
    },
    { depth: 1, boundary: "nearest" },
  ).computeSync();
  assert.deepEqual(toFlat(src), before);
});

test("mapOverlap: one output block needs only its neighbour blocks (culling) and one call", () => {
  const x = fromArray(ndarray(new Float64Array(81).map((_, i) => i), [9, 9]), { chunks: 3 }); // 3x3 grid
  const cases: { b: Boundary; idx: number[]; deps: number; depth: number | number[] }[] = [
    { b: "none", idx: [1, 1], deps: 9, depth: 1 },
    { b: "none", idx: [0, 0], deps: 4, depth: 1 },
    { b: "reflect", idx: [0, 0], deps: 4, depth: 1 },
    { b: "periodic", idx: [0, 0], deps: 9, depth: 1 },
    { b: 0, idx: [0, 2], deps: 4, depth: 1 },
    { b: "none", idx: [1, 1], deps: 3, depth: [0, 1] },
  ];
  for (const c of cases) {
    const f = counter((b: NDArray) => b);
    const y = x.mapOverlap(f.fn, { depth: c.depth, boundary: c.b });
    const p = plan([y.layer], [y.layer.key(c.idx)]);
    assert.equal(p.tasks.size, c.deps + 1, `boundary ${c.b} block [${c.idx}]`);
    const stats = {};
    const out = executeSync(p, { stats });
    assert.equal(f.calls.length, 1);
    const blk = out.get(y.layer.key(c.idx)) as Block;
    assert.deepEqual(blk.shape, [3, 3]);
    assert.equal(toFlat(blk)[0], c.idx[0] * 27 + c.idx[1] * 3);
  }
});

test("mapOverlap: periodic halos come from the other end", () => {
  const x = fromArray(ndarray(new Float64Array([0, 1, 2, 3, 4, 5]), [6]), { chunks: 2 });
  const pads: number[][] = [];
  x.mapOverlap(
    (b) => {
      pads.push(toFlat(b));
      return b;
    },
    { depth: 1, boundary: "periodic" },
  ).computeSync();
  // numpy.pad(x, 1, mode="wrap") split into overlapping windows
  assert.deepEqual(pads, [
    [5, 0, 1, 2],
    [1, 2, 3, 4],
    [3, 4, 5, 0],
  ]);
});

test("mapOverlap: depth larger than a chunk is a RangeError naming the axis, depth and smallest chunk", () => {
  const x = fromArray(ndarray(new Float64Array(40), [5, 8]), { chunks: [[3, 2], [4, 4]] });
  assert.throws(
    () => x.mapOverlap((b) => b, { depth: [3, 1], boundary: "reflect" }),
    (e: Error) => e instanceof RangeError && /axis 0/.test(e.message) && /depth 3/.test(e.message) && /\(2;/.test(e.message) && /rechunk/.test(e.message),
  );
  // a depth that fits every chunk is fine
  x.mapOverlap((b) => b, { depth: [2, 4], boundary: "reflect" });
});

test("mapOverlap: bad options are clear errors", () => {
  const x = fromArray(ndarray(new Float64Array(16), [4, 4]), { chunks: 2 });
  assert.throws(
    () => x.mapOverlap((b) => b, { depth: 1, boundary: "wrap" as Boundary }),
    (e: Error) => e instanceof TypeError && /unknown boundary "wrap"/.test(e.message) && /periodic/.test(e.message),
  );
  assert.throws(() => x.mapOverlap((b) => b, { depth: 1, boundary: ["reflect"] }), RangeError);
  assert.throws(() => x.mapOverlap((b) => b, { depth: -1 }), /non-negative integer/);
  assert.throws(() => x.mapOverlap((b) => b, { depth: [1, 1, 1] }), /3 entries .* 2 dimension/);
  assert.throws(() => x.mapOverlap((b) => b, { depth: { 2: 1 } }), RangeError);
  assert.throws(() => x.mapOverlap((b) => b, {} as { depth: number }), /`depth` option is required/);
  assert.throws(() => x.mapOverlap((b) => b, { depth: 1, dtype: "int65" as DType }), TypeError);
});

test("mapOverlap: a wrong returned shape names the block and the expected padded shape", () => {
  const x = fromArray(ndarray(new Float64Array(16), [4, 4]), { chunks: 2 });
  const y = x.mapOverlap(() => ndarray(new Float64Array(4), [2, 2]), { depth: 1, boundary: "reflect" });
  assert.throws(
    () => y.computeSync(),
    (e: Error) => e instanceof RangeError && /block \[0, 0\]/.test(e.message) && /\[2, 2\]/.test(e.message) && /\[4, 4\]/.test(e.message),
  );
});

test("mapOverlap: an exception in the function names the block and keeps the cause", () => {
  const x = fromArray(ndarray(new Float64Array(16), [4, 4]), { chunks: 2 });
  const boom = new TypeError("boom");
  const y = x.mapOverlap(
    (b, info) => {
      if (info.chunkLocation[0] === 1 && info.chunkLocation[1] === 0) throw boom;
      return b;
    },
    { depth: 1 },
  );
  assert.throws(
    () => y.computeSync(),
    (e: Error) => /block \[1, 0\]/.test(e.message) && /boom/.test(e.message) && e.cause === boom,
  );
});

test("mapOverlap: unknown chunk sizes throw UnknownChunksError", () => {
  const layer = new Layer({
    kind: "source",
    label: "unknown",
    chunks: [[NaN, NaN]],
    dtype: "float64",
    dependencies: [],
    task: () => {
      throw new Error("not run");
    },
  });
  const x = new LazyArray(layer);
  assert.throws(() => x.mapOverlap((b) => b, { depth: 1 }), (e: Error) => e instanceof UnknownChunksError && /mapOverlap/.test(e.message));
});
