/**
 * The engine's "object" dtype (ragged signals' data): object arrays hold JS values per element in
 * plain JS Arrays. Structural operations (slicing, fancy and boolean indexing, rechunk, transpose,
 * reshape, concatenate / stack, mapBlocks) must place the elements exactly where the same operation
 * puts the numbers of a numeric array of the same layout: every test runs both and compares, element
 * k of the object array being the object {k}. Numeric operations refuse object arrays clearly.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import ndarray = require("ndarray");
import * as lazy from "../../lazy";
import { LazyArray } from "../../lazy/core/array";
import { NDArray, asObjectArray, isObjectArray, objectArray, toFlat } from "../../lazy/core/block";
import { checkDType, promoteTypes, resultType, itemsize } from "../../lazy/core/dtype";

interface Item { k: number }
const SHAPE = [5, 4, 3];
const N = SHAPE.reduce((a, b) => a * b, 1);
const items: Item[] = Array.from({ length: N }, (_, k) => ({ k }));
const objData = () => objectArray(items, SHAPE);
const numData = () => ndarray(Float64Array.from({ length: N }, (_, k) => k), SHAPE) as NDArray;

/** The object array's elements as their numbers, C order. */
function keys(x: NDArray): number[] {
  return (toFlat(x) as unknown as Item[]).map((it) => it.k);
}

/** Same operation on the object array and on the numeric twin: same shape, same element placement. */
function same(op: (x: LazyArray) => LazyArray, chunks: number[] = [2, 3, 2], what = ""): NDArray {
  const o = op(lazy.fromArray(objData(), { chunks }));
  const n = op(lazy.fromArray(numData(), { chunks }));
  assert.equal(o.dtype, "object", `${what}: dtype`);
  assert.deepEqual(o.chunks, n.chunks, `${what}: chunks`);
  const oc = o.computeSync();
  const nc = n.computeSync();
  assert.ok(isObjectArray(oc as unknown), `${what}: an object array`);
  assert.deepEqual(oc.shape, nc.shape, `${what}: shape`);
  assert.deepEqual(keys(oc), toFlat(nc), `${what}: elements`);
  return oc;
}

test("object arrays: creation, default chunks (one block: dask refuses auto for objects), repr, summary", () => {
  const o = objData();
  assert.deepEqual(o.shape, SHAPE);
  assert.equal(o.get(1, 2, 0), items[1 * 12 + 2 * 3]);
  const x = lazy.fromArray(o);
  assert.equal(x.dtype, "object");
  assert.deepEqual(x.chunks, [[5], [4], [3]]);
  assert.equal(x.itemsize, 8);
  assert.equal(String(x), "lazy.array<from-array, shape=[5, 4, 3], dtype=object, chunksize=[5, 4, 3], blocks=1>");
  assert.equal(x.summary().dtype, "object");
  assert.equal(x.summary().nbytes, N * 8);
  const c = x.computeSync();
  assert.equal(asObjectArray(c).get(4, 3, 2), items[N - 1], "elements are kept, not copied");
  // nested input, flat input, default shape
  const nested = objectArray([[items[0], items[1]], [items[2], items[3]]], [2, 2]);
  assert.deepEqual(nested.shape, [2, 2]);
  assert.equal(nested.get(1, 0), items[2]);
  assert.deepEqual(objectArray([1, 2, 3]).shape, [3]);
  assert.equal(objectArray([7, 8], [2, 1]).get(1, 0), 8, "flat values for shape [2, 1]");
  assert.throws(() => objectArray([1, 2, 3], [2, 2]), /give 4 elements/);
  assert.throws(() => asObjectArray(numData()), /expected an object array.*numeric ndarray/);
  assert.throws(() => lazy.fromArray(o, { chunks: "auto" }), /"auto" cannot be used with dtype "object"/);
  assert.throws(() => lazy.fromArray(o, { dtype: "float64" }), /an object array \(dtype "object"\), not float64/);
  assert.equal(itemsize("object"), 8);
});

test("object arrays: basic slicing, integer and negative-step indices, new axes", () => {
  same((x) => x.get("1:4", ":", 0), undefined, "slices and an integer");
  same((x) => x.get("::-2", 1), undefined, "negative step");
  same((x) => x.get(null, 2, "1:", "..."), undefined, "newaxis, ellipsis");
  same((x) => x.get(-1, -1, -1), undefined, "a single element (0-d)");
});

test("object arrays: fancy (integer list) and boolean-mask indexing", async () => {
  same((x) => x.get(":", [3, 0, 2]), undefined, "integer list");
  const mask = lazy.fromArray(ndarray(new Uint8Array([1, 0, 1, 1, 0]), [5])).ne(0);
  const o = lazy.fromArray(objData(), { chunks: [2, 3, 2] }).get(mask);
  const n = lazy.fromArray(numData(), { chunks: [2, 3, 2] }).get(mask);
  const oc = await o.compute({ scheduler: "sync" });
  assert.deepEqual(keys(oc), toFlat(await n.compute({ scheduler: "sync" })));
});

test("object arrays: rechunk, transpose, reshape, squeeze / expandDims, blocks", () => {
  same((x) => x.rechunk([5, 1, 3]), undefined, "rechunk");
  same((x) => x.rechunk([1, 4, 1]).rechunk([3, 2, 3]), undefined, "rechunk twice");
  same((x) => x.transpose([2, 0, 1]), undefined, "transpose");
  same((x) => x.T.get(0), undefined, "T then index");
  same((x) => x.reshape([20, 3]), [5, 4, 3], "reshape (whole blocks)");
  same((x) => x.expandDims(1).squeeze(1), undefined, "expandDims / squeeze");
  same((x) => x.blocks(1, ":", 0), undefined, "blocks");
});

test("object arrays: concatenate and stack (object with object stays object; with numbers it is refused)", () => {
  const o = lazy.fromArray(objData(), { chunks: [2, 3, 2] });
  const n = lazy.fromArray(numData(), { chunks: [2, 3, 2] });
  assert.deepEqual(keys(lazy.concatenate([o, o.get("1:")], 0).computeSync()), toFlat(lazy.concatenate([n, n.get("1:")], 0).computeSync()));
  assert.deepEqual(keys(lazy.stack([o, o], 1).computeSync()), toFlat(lazy.stack([n, n], 1).computeSync()));
  assert.throws(() => lazy.concatenate([o, n], 0), /type promotion with numbers is not supported on a ragged\/object array/);
});

test("object arrays: mapBlocks from numbers to objects and back, sync and on the threads scheduler (main thread)", async () => {
  // numbers -> objects: per row of the last axis, the values above a threshold (a varying-length list)
  const n = lazy.fromArray(numData(), { chunks: [2, 2, 3] });
  const rows = n.mapBlocks(
    (b) => {
      const out: unknown[] = [];
      for (let i = 0; i < b.shape[0]; i++) for (let j = 0; j < b.shape[1]; j++) {
        const vals: number[] = [];
        for (let k = 0; k < b.shape[2]; k++) if (Number(b.get(i, j, k)) % 2 === 0) vals.push(Number(b.get(i, j, k)));
        out.push(vals);
      }
      return objectArray(out, b.shape.slice(0, 2));
    },
    { dtype: "object", dropAxis: 2 },
  );
  assert.equal(rows.dtype, "object");
  assert.deepEqual(rows.chunks, [[2, 2, 1], [2, 2]]);
  const want = (i: number, j: number) => [0, 1, 2].map((k) => i * 12 + j * 3 + k).filter((v) => v % 2 === 0);
  for (const r of [rows.computeSync(), await rows.compute({ scheduler: "threads", numWorkers: 2 })]) {
    const o = asObjectArray(r);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) assert.deepEqual(o.get(i, j), want(i, j));
  }
  // objects -> numbers: the lengths (dtype given), through a slice and a rechunk of the object array
  const lengths = rows
    .get("1:")
    .rechunk([1, 4])
    .mapBlocks((b) => {
      const ob = b as unknown as ReturnType<typeof objectArray>;
      return ndarray(Float64Array.from({ length: ob.size }, (_, i) => (ob.get(Math.floor(i / ob.shape[1]), i % ob.shape[1]) as number[]).length), ob.shape.slice()) as NDArray;
    }, { dtype: "float64" });
  assert.equal(lengths.dtype, "float64");
  const lv = await lengths.compute({ scheduler: "threads", numWorkers: 2 });
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) assert.equal(lv.get(i, j), want(i + 1, j).length);
  // numeric operations work again on the numeric result
  assert.equal((await lengths.sum().compute()).get(0), [1, 2, 3, 4].reduce((t, i) => t + [0, 1, 2, 3].reduce((u, j) => u + want(i, j).length, 0), 0));
  // objects -> objects by default (portable is ignored: object tasks stay on this thread)
  const tagged = rows.mapBlocks((b) => b, { portable: true });
  assert.equal(tagged.dtype, "object");
  assert.deepEqual(asObjectArray(await tagged.compute({ numWorkers: 2 })).get(4, 3), want(4, 3));
});

test("object arrays: mapBlocks errors name the problem", () => {
  const o = lazy.fromArray(objData(), { chunks: [2, 3, 2] });
  const n = lazy.fromArray(numData(), { chunks: [2, 3, 2] });
  assert.throws(() => lazy.mapBlocks((bs) => bs[0], [o, n]), /mix object \(ragged\) and numeric arrays; give the output dtype/);
  const bad = o.mapBlocks(() => 3);
  assert.throws(() => bad.computeSync(), /the output dtype is "object"; return an object array of the block's shape: lazy.objectArray/);
  const wrong = o.mapBlocks(() => objectArray([1, 2]));
  assert.throws(() => wrong.computeSync(), /returned an object array of shape \[2\].*but the output chunks say \[2, 3, 2\]/);
});

test("object arrays: numeric operations refuse them, naming the operation", () => {
  const o = lazy.fromArray(objData(), { chunks: [2, 3, 2] });
  const n = lazy.fromArray(numData(), { chunks: [2, 3, 2] });
  const refused = (op: string) => (e: Error) => e instanceof TypeError && e.message.startsWith(`${op} is not supported on a ragged/object array`) && /mapBlocks/.test(e.message);
  const cases: [string, () => unknown][] = [
    ["add", () => o.add(1)],
    ["add", () => n.add(o)],
    ["mul", () => o.mul(o)],
    ["gt", () => o.gt(0)],
    ["neg", () => o.neg()],
    ["sqrt", () => o.sqrt()],
    ["isnan", () => o.isnan()],
    ["astype", () => o.astype("float64")],
    ["where", () => lazy.where(n.gt(2), o, 0)],
    ["sum", () => o.sum()],
    ["mean", () => o.mean({ axis: 0 })],
    ["max", () => o.max()],
    ["std", () => o.std()],
    ["any", () => o.any()],
    ["argmax", () => o.argmax()],
    ["nansum", () => o.nansum()],
    ["nanargmin", () => o.nanargmin()],
    ["mapOverlap (its boundary fill)", () => o.mapOverlap((b) => b, { depth: 1 })],
    ["type promotion with numbers", () => promoteTypes("object", "float64")],
    ["type promotion", () => resultType("object", 1)],
  ];
  for (const [op, f] of cases) assert.throws(f, refused(op), op);
  assert.throws(() => checkDType("object", "astype"), /dtype "object" is not accepted here/);
  assert.equal(checkDType("object", "mapBlocks: dtype", true), "object");
  assert.throws(() => lazy.zeros([2], { dtype: "object" }), /full: dtype "object" is not accepted here/);
  assert.throws(() => o.rechunk("auto"), /"auto" cannot be used with dtype "object"/);
  assert.ok(!(lazy.DTYPES as readonly string[]).includes("object"), "DTYPES lists the numeric dtypes");
  assert.equal(promoteTypes("object", "object"), "object");
  assert.equal(o.astype("object"), o);
});

test("object arrays: store hands each object block to the sink", async () => {
  const o = lazy.fromArray(objData(), { chunks: [2, 4, 3] });
  const seen: number[][] = [];
  await o.store((block, info) => {
    const b = asObjectArray(block);
    seen.push([info.arrayLocation[0][0], (b.get(0, 0, 0) as Item).k, b.shape[0]]);
  }, { scheduler: "threads", numWorkers: 2 });
  seen.sort((a, b) => a[0] - b[0]);
  assert.deepEqual(seen, [[0, 0, 2], [2, 24, 2], [4, 48, 1]]);
});
