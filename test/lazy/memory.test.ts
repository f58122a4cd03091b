/**
 * Released shared blocks are reclaimed promptly: a 1 GiB lazy array summed on the worker threads
 * keeps this process's peak RSS far below the data's size (before lazy/graph/memory.ts it grew with the
 * data: 3.2 GB for 8 GiB). This file runs in its own process (node --test), so maxRSS is its own.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as lazy from "../../lazy";
import { forcedCollections, sharedBytes } from "../../lazy/graph/memory";

test("sharedBytes counts the SharedArrayBuffers blocks and partials own", () => {
  const sab = new Float64Array(new SharedArrayBuffer(80));
  const plain = new Float64Array(10);
  assert.equal(sharedBytes({ data: sab, shape: [10], stride: [1], offset: 0 }), 80);
  assert.equal(sharedBytes({ data: plain, shape: [10], stride: [1], offset: 0 }), 0);
  assert.equal(sharedBytes({ n: 3, v: sab, m2: sab }), 160);
  assert.equal(sharedBytes(42), 0);
  // a view into a larger shared buffer (a slice of an in-memory source) frees nothing
  const big = new Float32Array(new SharedArrayBuffer(4096));
  assert.equal(sharedBytes({ data: big, shape: [4], stride: [1], offset: 8 }), 0, "a view() block: data is the whole source array");
  assert.equal(sharedBytes({ data: big, shape: [32, 32], stride: [32, 1], offset: 0 }), 4096, "a block spanning its buffer");
  assert.equal(sharedBytes({ data: big.subarray(8, 12), shape: [4], stride: [1], offset: 0 }), 0);
});

test("a 1 GiB navigation sum on the threads keeps peak RSS well under the data size", async () => {
  const before = process.resourceUsage().maxRSS * 1024;
  const x = lazy.random.random([256, 256, 4096], { seed: 4, chunks: [16, 16, 4096], dtype: "float32" });
  assert.equal(x.nbytes, 2 ** 30);
  const stats: Partial<lazy.ComputeStats> = {};
  const r = await x.sum({ axis: [0, 1] }).compute({ scheduler: "threads", stats });
  const peak = process.resourceUsage().maxRSS * 1024;
  assert.ok(Math.abs(Number(r.get(0)) / (256 * 256) - 0.5) < 0.01);
  assert.ok((stats.peakBytes ?? Infinity) < 64 * 2 ** 20, `blocks held: ${(stats.peakBytes ?? 0) / 2 ** 20} MiB`);
  assert.ok(peak - before < 512 * 2 ** 20, `RSS grew by ${((peak - before) / 2 ** 20).toFixed(0)} MiB for 1024 MiB of data`);
});

test("slices of a shared in-memory source force no collections (they free nothing)", async () => {
  const n = 128 * 128 * 1024; // 64 MiB in one SharedArrayBuffer, 16 blocks
  const data = new Float32Array(new SharedArrayBuffer(n * 4)).fill(1);
  const x = lazy.fromArray({ data, shape: [128, 128, 1024], stride: [128 * 1024, 1024, 1], offset: 0 }, { chunks: [32, 32, 1024] });
  const before = forcedCollections();
  for (let i = 0; i < 10; i++) await x.sum({ axis: [0, 1] }).compute({ scheduler: "sync" });
  assert.equal(forcedCollections() - before, 0, "640 MiB of views released, no GC forced");
});
