import { test } from "node:test";
import * as assert from "node:assert/strict";
import { blockIndices } from "../../lazy/core/chunks";
import ndarray = require("ndarray");
import { BlockInfo, DType, NDArray, fromArray, mapBlocks } from "../../lazy";
import { executeSync, plan } from "../../lazy/graph/graph";
import { Block, toFlat } from "../../lazy/core/block";
import { FixtureArray, assertArrayClose, counter, fromFixture, loadFixture } from "../helpers";

interface MBCase {
  input: FixtureArray;
  chunks: number[][];
  expected: FixtureArray;
  chunks_out: number[][];
}
interface MBFixture {
  mapBlocks: {
    blockInfo: MBCase;
    dropAxis: MBCase;
    newAxis: MBCase;
    newAxisChunks: MBCase;
    newAxisMulti: MBCase;
    chunksNumber: MBCase;
    chunksExplicit: MBCase;
    scalarPerBlock: MBCase;
    broadcast: { inputs: FixtureArray[]; chunks: number[][][]; expected: FixtureArray; chunks_out: number[][] };
  };
}
const fx = loadFixture<MBFixture>("overlap").mapBlocks;

const plain = (c: readonly (readonly number[])[]) => c.map((a) => a.slice());
const input = (c: MBCase) => fromArray(fromFixture(c.input), { chunks: c.chunks });

/** Every multi-index of `shape`, C order (the engine's block-grid walk serves any shape). */
const indices = blockIndices;

/** A new float64 ndarray of `shape` with out[idx] = f(idx). */
function build(shape: readonly number[], f: (idx: number[]) => number): NDArray {
  const out = ndarray(new Float64Array(shape.reduce((a, b) => a * b, 1)), shape.slice());
  for (const idx of indices(shape)) out.set(...idx, f(idx));
  return out;
}

test("mapBlocks: BlockInfo of the output block matches dask's block_info", () => {
  const c = fx.blockInfo;
  const y = input(c).mapBlocks((b, i) =>
    build(
      b.shape,
      (idx) =>
        Number(b.get(...idx)) +
        1000 * i.chunkLocation[0] +
        100 * i.chunkLocation[1] +
        10 * i.arrayLocation[1][0] +
        i.arrayLocation[0][1] * 0.5 +
        i.numChunks[1] * 0.25 +
        i.shape[1] * 0.125,
    ),
  );
  assert.deepEqual(plain(y.chunks), c.chunks_out);
  assertArrayClose(y.computeSync(), c.expected);
});

test("mapBlocks: dropAxis concatenates the blocks along the dropped axis (as dask)", () => {
  const c = fx.dropAxis;
  const f = counter((b: NDArray) => build([b.shape[0], b.shape[2]], ([i, k]) => {
    let s = 0;
    for (let j = 0; j < b.shape[1]; j++) s += Number(b.get(i, j, k));
    return s;
  }));
  const y = input(c).mapBlocks(f.fn, { dropAxis: 1 });
  assert.deepEqual(plain(y.chunks), c.chunks_out);
  assertArrayClose(y.computeSync(), c.expected);
  assert.equal(f.calls.length, 2); // one call per output block, each with the whole axis 1
  assert.ok(f.calls.every(([b]) => b.shape[1] === 6));
  // a negative axis works too
  assertArrayClose(input(c).mapBlocks(f.fn, { dropAxis: -2 }).computeSync(), c.expected);
});

test("mapBlocks: newAxis inserts a length-1 axis", () => {
  const c = fx.newAxis;
  const y = input(c).mapBlocks((b) => build([1, ...b.shape], ([, i, j]) => 2 * Number(b.get(i, j))), { newAxis: 0 });
  assert.deepEqual(plain(y.chunks), c.chunks_out);
  assertArrayClose(y.computeSync(), c.expected);
});

test("mapBlocks: newAxis with its size from chunks (number, list and full chunks forms)", () => {
  const c = fx.newAxisChunks;
  const stack = (b: NDArray) => build([...b.shape, 3], ([i, j, k]) => (k + 1) * Number(b.get(i, j)));
  for (const chunks of [[null, null, 3], [c.chunks[0], c.chunks[1], [3]], { 2: 3 }] as const) {
    const y = input(c).mapBlocks(stack, { newAxis: 2, chunks });
    assert.deepEqual(plain(y.chunks), c.chunks_out, JSON.stringify(chunks));
    assertArrayClose(y.computeSync(), c.expected);
  }
  // dask: chunks longer than the output and no newAxis puts the new axes in front
  const z = input(c).mapBlocks((b) => build([1, ...b.shape], ([, i, j]) => Number(b.get(i, j))), { chunks: [1, null, null] });
  assert.deepEqual(plain(z.chunks), [[1], ...c.chunks]);
});

test("mapBlocks: a new axis of several blocks calls the function once per block", () => {
  const c = fx.newAxisMulti;
  const f = counter((b: NDArray, i: BlockInfo) => {
    const n = i.arrayLocation[2][1] - i.arrayLocation[2][0];
    return build([...b.shape, n], ([r, s]) => Number(b.get(r, s)) + 10 * i.arrayLocation[2][0] + 100 * i.chunkLocation[2]);
  });
  const y = input(c).mapBlocks(f.fn, { newAxis: 2, chunks: [null, null, [2, 1]] });
  assert.deepEqual(plain(y.chunks), c.chunks_out);
  assertArrayClose(y.computeSync(), c.expected);
  assert.equal(f.calls.length, 12);
});

test("mapBlocks: chunks as one size per block, and as explicit sizes", () => {
  const a = fx.chunksNumber;
  const sum0 = (b: NDArray) =>
    build([1, b.shape[1]], ([, j]) => {
      let s = 0;
      for (let i = 0; i < b.shape[0]; i++) s += Number(b.get(i, j));
      return s;
    });
  const y = input(a).mapBlocks(sum0, { chunks: [1, null] });
  assert.deepEqual(plain(y.chunks), a.chunks_out);
  assertArrayClose(y.computeSync(), a.expected);

  const e = fx.chunksExplicit;
  const everyOther = (b: NDArray) => build([Math.ceil(b.shape[0] / 2), b.shape[1]], ([i, j]) => Number(b.get(2 * i, j)));
  const z = input(e).mapBlocks(everyOther, { chunks: [[1, 2], null] });
  assert.deepEqual(plain(z.chunks), e.chunks_out);
  assertArrayClose(z.computeSync(), e.expected);
});

test("mapBlocks: a number returned for a block of ones-shape", () => {
  const c = fx.scalarPerBlock;
  const total = (b: NDArray) => {
    let s = 0;
    for (const idx of indices(b.shape)) s += Number(b.get(...idx));
    return s;
  };
  for (const chunks of [1, [1, 1]] as const) {
    const y = input(c).mapBlocks(total, { chunks });
    assert.deepEqual(plain(y.chunks), c.chunks_out);
    assertArrayClose(y.computeSync(), c.expected);
  }
});

test("mapBlocks: several arrays broadcast together (numpy rules, blocks keep length 1)", () => {
  const c = fx.broadcast;
  const [x, y, z] = c.inputs.map((inp, i) => fromArray(fromFixture(inp), { chunks: c.chunks[i] }));
  const shapes: number[][][] = [];
  const r = mapBlocks(
    ([a, b, cc]) => {
      shapes.push([a.shape.slice(), b.shape.slice(), cc.shape.slice()]);
      return build(a.shape, ([i, j]) => Number(a.get(i, j)) * Number(b.get(j)) - Number(cc.get(i, 0)) + a.shape[1]);
    },
    [x, y, z],
  );
  assert.deepEqual(plain(r.chunks), c.chunks_out);
  assert.equal(r.dtype, "float64");
  assertArrayClose(r.computeSync(), c.expected);
  assert.deepEqual(shapes[0], [[2, 4], [4], [2, 1]]);
});

test("mapBlocks: output dtype, default and converted", () => {
  const x = fromArray(ndarray(new Float64Array([1.7, -2.5, 3.2, 300.9]), [4]), { chunks: 2 });
  const i8 = fromArray(ndarray(new Int8Array([1, 2, 3, 4]), [4]), { chunks: 2 });
  assert.equal(mapBlocks(([a]) => a, [i8, x]).dtype, "float64");
  assert.equal(i8.mapBlocks((b) => b).dtype, "int8");
  // a float result stored as int32 / uint8: numpy's astype (truncation toward zero, wrap-around)
  const y = x.mapBlocks((b) => b, { dtype: "int32" });
  const out = y.computeSync();
  assert.ok(out.data instanceof Int32Array);
  assert.deepEqual(Array.from(out.data), [1, -2, 3, 300]);
  assert.deepEqual(Array.from(x.mapBlocks((b) => b, { dtype: "uint8" }).computeSync().data as ArrayLike<number>), [1, 254, 3, 44]);
  assert.throws(() => x.mapBlocks((b) => b, { dtype: "int65" as DType }), TypeError);
});

test("mapBlocks: computing one output block runs the function once (culling)", () => {
  const c = fx.blockInfo;
  const f = counter((b: NDArray, i: BlockInfo) => {
    void i;
    return b;
  });
  const y = input(c).mapBlocks(f.fn);
  assert.equal(y.npartitions, 6);
  const p = plan([y.layer], [y.layer.key([1, 2])]);
  assert.equal(p.tasks.size, 2); // the source block and the map-blocks task
  const stats: { byOp?: Record<string, number> } = {};
  const out = executeSync(p, { stats });
  assert.equal(f.calls.length, 1);
  assert.deepEqual(stats.byOp, { "source.slice": 1, "map-blocks": 1 });
  assert.deepEqual(f.calls[0][1].chunkLocation, [1, 2]);
  assert.deepEqual(f.calls[0][1].arrayLocation, [
    [2, 6],
    [6, 7],
  ]);
  assert.deepEqual((out.get(y.layer.key([1, 2])) as Block).shape, [4, 1]);
});

test("mapBlocks: a wrong returned shape names the block, both shapes and the chunks option", () => {
  const x = fromArray(ndarray(new Float64Array(40), [5, 8]), { chunks: [[3, 2], [4, 4]] });
  const y = x.mapBlocks(() => ndarray(new Float64Array(4), [2, 2]));
  assert.throws(
    () => y.computeSync(),
    (e: Error) =>
      e instanceof RangeError && /block \[0, 0\]/.test(e.message) && /\[2, 2\]/.test(e.message) && /\[3, 4\]/.test(e.message) && /`chunks`/.test(e.message),
  );
  assert.throws(() => x.mapBlocks(() => 1).computeSync(), (e: Error) => e instanceof RangeError && /returned a number/.test(e.message));
  assert.throws(() => x.mapBlocks((() => undefined) as unknown as (b: NDArray) => number).computeSync(), (e: Error) => e instanceof TypeError && /forget to return/.test(e.message));
});

test("mapBlocks: an exception in the function names the block and keeps the cause", () => {
  const x = fromArray(ndarray(new Float64Array(40), [5, 8]), { chunks: [[3, 2], [4, 4]] });
  const boom = new TypeError("boom");
  const y = x.mapBlocks(
    (b, i) => {
      if (i.chunkLocation[0] === 1 && i.chunkLocation[1] === 0) throw boom;
      return b;
    },
    { name: "myfn" },
  );
  assert.throws(
    () => y.computeSync(),
    (e: Error) => /myfn/.test(e.message) && /block \[1, 0\]/.test(e.message) && /array location \[3:5, 0:4\]/.test(e.message) && /boom/.test(e.message) && e.cause === boom,
  );
});

test("mapBlocks: bad options are clear errors", () => {
  const x = fromArray(ndarray(new Float64Array(40), [5, 8]), { chunks: [[3, 2], [4, 4]] });
  assert.throws(() => x.mapBlocks((b) => b, { dropAxis: 2 }), (e: Error) => e instanceof RangeError && /dropAxis/.test(e.message));
  assert.throws(() => x.mapBlocks((b) => b, { newAxis: 5 }), (e: Error) => e instanceof RangeError && /newAxis/.test(e.message));
  assert.throws(() => x.mapBlocks((b) => b, { chunks: [[1, 2, 2], null] }), /axis 0 has 2 block\(s\), but chunks gives 3/);
  assert.throws(() => x.mapBlocks((b) => b, { chunks: [2], newAxis: [] }), /1 entries but the output has 2/);
  assert.throws(() => x.mapBlocks((b) => b, { chunks: "auto" }), TypeError);
  assert.throws(() => mapBlocks(([b]) => b, []), TypeError);
  assert.throws(() => mapBlocks(42 as unknown as (b: NDArray[]) => number, [x]), TypeError);
  const y = fromArray(ndarray(new Float64Array(6), [6]), { chunks: 3 });
  assert.throws(() => mapBlocks(([a]) => a, [x, y]), /could not be broadcast/);
});
