/**
 * Portable user functions: `portable: true` sends a mapBlocks / mapOverlap function's source to the
 * worker threads; without it the function runs on the main thread and may close over anything.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { isMainThread } from "node:worker_threads";
import * as lazy from "../../lazy";
import { plan } from "../../lazy/graph/graph";

const x = lazy.arange(64, undefined, 1, { chunks: 8, dtype: "float64" }).reshape([8, 8]).rechunk([4, 4]);

test("a portable mapBlocks function runs on worker threads and gives the same values", async () => {
  const f = (b: lazy.NDArray) => {
    const out = new Float64Array(b.size);
    for (let i = 0; i < b.shape[0]; i++) for (let j = 0; j < b.shape[1]; j++) out[i * b.shape[1] + j] = Number(b.get(i, j)) * 10;
    return { data: out, shape: b.shape.slice(), stride: [b.shape[1], 1], offset: 0 };
  };
  const threads = await x.mapBlocks(f, { portable: true }).compute({ scheduler: "threads" });
  const sync = x.mapBlocks(f, { portable: true }).computeSync();
  const local = x.mapBlocks(f).computeSync();
  assert.deepEqual(lazy.toFlat(threads), lazy.toFlat(local));
  assert.deepEqual(lazy.toFlat(sync), lazy.toFlat(local));
  assert.equal(threads.get(7, 7), 630);
});

test("portable tasks are worker tasks; main-thread ones carry their function", () => {
  const y = x.mapBlocks((b) => b, { portable: true });
  const z = x.mapBlocks((b) => b);
  const ty = [...plan([y.layer], y.layer.keys()).tasks.values()].find((t) => t.op === "map-blocks");
  const tz = [...plan([z.layer], z.layer.keys()).tasks.values()].find((t) => t.op === "map-blocks");
  assert.equal(ty?.local, undefined);
  assert.equal(typeof (ty?.params as { source?: string }).source, "string");
  assert.equal(typeof tz?.local?.fn, "function");
  assert.ok(isMainThread);
});

test("a portable mapOverlap filter on workers equals the main-thread one", async () => {
  const img = lazy.random.random([64, 64], { seed: 5, chunks: [16, 32] });
  function mean3(b: lazy.NDArray): lazy.NDArray {
    const [n, m] = b.shape;
    const out = b.data.constructor === Float64Array ? new Float64Array(n * m) : new Float32Array(n * m);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) s += Number(b.get(Math.min(n - 1, Math.max(0, i + di)), Math.min(m - 1, Math.max(0, j + dj))));
        out[i * m + j] = s / 9;
      }
    return { data: out, shape: [n, m], stride: [m, 1], offset: 0, size: n * m, get: (i: number, j: number) => out[i * m + j] } as unknown as lazy.NDArray;
  }
  const opts = { depth: 1, boundary: "reflect" as const };
  const a = await img.mapOverlap(mean3, { ...opts, portable: true }).compute({ scheduler: "threads" });
  const b = img.mapOverlap(mean3, opts).computeSync();
  assert.deepEqual(lazy.toFlat(a), lazy.toFlat(b));
});

test("a portable function that uses an outside variable fails with the fix, not silently", async () => {
  const factor = 3;
  const y = x.mapBlocks((b) => Number(b.get(0, 0)) * factor + 0 * b.size, { portable: true, chunks: [[1, 1], [1, 1]] });
  await assert.rejects(y.compute({ scheduler: "threads" }), (e: Error) => /factor is not defined/.test(e.message) && /drop `portable`/.test(e.message));
  // the same function without portable works, closure and all
  const r = x.mapBlocks((b) => Number(b.get(0, 0)) * factor + 0 * b.size, { chunks: [[1, 1], [1, 1]] }).computeSync();
  assert.deepEqual(lazy.toFlat(r), [0, 12, 96, 108]);
});

test("a bound or built-in function cannot be portable: a clear error at once", () => {
  const bound = ((b: lazy.NDArray) => b).bind(null);
  assert.throws(() => x.mapBlocks(bound, { portable: true }), /portable: a built-in or bound function has no source/);
});

// the test's timeout is the liveness check: without the abort handling it would never end
test("an abort stops a runaway portable function on a worker, and the pool recovers", { timeout: 30_000 }, async () => {
  const ac = new AbortController();
  const spin = x.mapBlocks(
    (b) => {
      for (;;) if (b.size < 0) break; // never ends
      return b;
    },
    { portable: true },
  );
  setTimeout(() => ac.abort("interrupted"), 200);
  await assert.rejects(spin.compute({ scheduler: "threads", signal: ac.signal }), (e: Error) => e.name === "AbortError");
  // the workers that were spinning were replaced: new work runs
  const r = await x.mul(2).compute({ scheduler: "threads" });
  assert.equal(r.get(7, 7), 126);
});

test("a worker that dies mid-task fails that compute with a clear error; the pool replaces it", async () => {
  const die = x.mapBlocks(
    (b) => {
      (process as unknown as { exit: (c: number) => void }).exit(3);
      return b;
    },
    { portable: true },
  );
  await assert.rejects(die.compute({ scheduler: "threads" }), /worker thread exited \(code 3\)/);
  const r = await x.add(1).compute({ scheduler: "threads" });
  assert.equal(r.get(0, 0), 1);
});
