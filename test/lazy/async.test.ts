/**
 * Asynchronous kernels (what storage reads will be): awaited by compute() on both schedulers, run
 * on workers that load their module, refused by computeSync().
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as lazy from "../../lazy";
import { Layer } from "../../lazy/graph/graph";

lazy.registerKernelModule(path.join(__dirname, "async-kernels.js"));

function asyncDouble(x: lazy.LazyArray, fail = false): lazy.LazyArray {
  return new lazy.LazyArray(
    new Layer({
      kind: "blockwise",
      label: "async-double",
      chunks: x.chunks,
      dtype: x.dtype,
      dependencies: [x.layer],
      task: (index, key) => ({ key, op: "test.asyncDouble", params: { ms: 2, fail }, deps: [x.layer.key(index)] }),
    }),
  );
}

const x = lazy.arange(12, undefined, 1, { chunks: 4, dtype: "float64" });

test("an async kernel is awaited by compute() with the sync scheduler", async () => {
  const r = await asyncDouble(x).add(1).compute({ scheduler: "sync" });
  assert.deepEqual(lazy.toFlat(r), Array.from({ length: 12 }, (_, i) => 2 * i + 1));
});

test("an async kernel runs on the workers, which load its module", async () => {
  const r = await asyncDouble(x).compute({ scheduler: "threads" });
  // each block's first element carries +1000: it ran off the main thread
  assert.deepEqual(lazy.toFlat(r), [1000, 2, 4, 6, 1008, 10, 12, 14, 1016, 18, 20, 22]);
});

test("computeSync refuses a graph with an async task, naming the fix", () => {
  assert.throws(() => asyncDouble(x).computeSync(), /asynchronous .*use `await compute\(\)`/);
});

test("a failing async task rejects the compute on both schedulers", async () => {
  for (const scheduler of ["sync", "threads"] as const) {
    await assert.rejects(asyncDouble(x, true).compute({ scheduler }), /simulated read failure/);
  }
});

test("registerKernelModule wants an absolute path", () => {
  assert.throws(() => lazy.registerKernelModule("./relative.js"), /not an absolute path/);
});

test("an async main-thread task (local data) is awaited by the threaded scheduler", async () => {
  const data = { data: new Float64Array([1, 2, 3, 4]), shape: [4], stride: [1], offset: 0 };
  const src = new lazy.LazyArray(
    new Layer({
      kind: "source",
      label: "async-source",
      chunks: [[4]],
      dtype: "float64",
      dependencies: [],
      task: (_index, key) => ({ key, op: "test.asyncLocal", params: { ms: 3 }, deps: [], local: { data } }),
    }),
  );
  const r = await src.mul(3).sum().compute({ scheduler: "threads" });
  assert.equal(r.get(), 30);
});
