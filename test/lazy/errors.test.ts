/**
 * Bad input gets a clear error naming the problem (and the fix): the cases the engine issue lists,
 * gathered in one place. Each module's own tests cover more.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as lazy from "../../lazy";

const x = lazy.arange(24, undefined, 1, { chunks: 5 }).reshape([4, 6]);

test("incompatible shapes for broadcasting name both shapes", () => {
  const y = lazy.ones([4, 5]);
  assert.throws(() => x.add(y), (e: Error) => e instanceof RangeError && /\[4, 6\]/.test(e.message) && /\[4, 5\]/.test(e.message) && /broadcast/.test(e.message));
});

test("chunks that do not sum to the shape name the axis, the sum and the size", () => {
  assert.throws(
    () => lazy.fromArray(new Float64Array(10), { chunks: [[3, 3, 3]] }),
    (e: Error) => /axis 0/.test(e.message) && /add up to 9/.test(e.message) && /10/.test(e.message),
  );
  assert.throws(() => lazy.normalizeChunks([[2, 2], [3]], [4, 4]), /axis 1.*add up to 3.*4/);
});

test("an axis out of range names the axis and the valid range", () => {
  assert.throws(() => x.sum({ axis: 2 }), /axis 2 is out of range .* 2 dimension/);
  assert.throws(() => x.sum({ axis: -3 }), /axis -3 is out of range/);
  assert.throws(() => x.transpose([0, 2]), /out of range|permutation/);
  assert.throws(() => x.argmax({ axis: 5 }), /axis 5 is out of range/);
});

test("a depth larger than a chunk names the axis, the depth and the chunk, and suggests rechunk", () => {
  const y = lazy.zeros([20, 20], { chunks: [3, 10] });
  assert.throws(
    () => y.mapOverlap((b) => b, { depth: { 0: 4 }, boundary: "reflect" }),
    (e: Error) => e instanceof RangeError && /axis 0/.test(e.message) && /4/.test(e.message) && /rechunk/.test(e.message),
  );
});

test("unknown sizes after boolean masking: size-dependent operations name computeChunkSizes()", async () => {
  const m = x.get(x.gt(10));
  assert.ok(Number.isNaN(m.shape[0]));
  for (const f of [() => m.get("2:5"), () => m.rechunk(4), () => m.reshape([2, -1]), () => m.argmax(), () => m.mapOverlap((b) => b, { depth: 1 })]) {
    assert.throws(f, (e: Error) => e.name === "UnknownChunksError" && /computeChunkSizes\(\)/.test(e.message));
  }
  // what does not depend on sizes still works, and computeChunkSizes() fixes the rest
  assert.equal((await m.sum().compute()).get(), BigInt(Array.from({ length: 13 }, (_, i) => i + 11).reduce((a, b) => a + b)), "int64 sum of an int64 arange");
  const k = await m.computeChunkSizes();
  assert.equal(k.shape[0], 13);
  assert.deepEqual(lazy.toFlat(await k.get("2:5").compute()), [13, 14, 15]);
});

test("wrong dtypes, bad masks, bad indices and bad chunk specs are named", () => {
  assert.throws(() => x.astype("int65" as lazy.DType), /unknown dtype "int65".*expected one of .*int64, uint64/);
  assert.throws(() => x.get(lazy.ones([3, 6], { dtype: "bool" })), /\[3, 6\].*\[4, 6\]|\[4, 6\].*\[3, 6\]/);
  assert.throws(() => x.get(4), /index 4 is out of (range|bounds).*axis 0.*size 4/);
  assert.throws(() => x.get(0, 0, 0), /too many indices/);
  assert.throws(() => lazy.zeros([4], { chunks: 0 }), /positive integer/);
  assert.throws(() => lazy.fromArray([[1, 2], [3]]), /ragged/);
});
