/**
 * The graph machinery: culling (only requested blocks materialise), fusion counts, depth-first order
 * and release of intermediates, abort and progress, summaries, and loading as a CommonJS package.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as lazy from "../../lazy";
import { plan, executeSync, ComputeStats } from "../../lazy/graph/graph";
import { ROOT } from "../helpers";

function grid(n = 16, c = 4) {
  const data = new Float64Array(n * n).map((_, i) => i);
  return lazy.fromArray(lazy.toNested({ data, shape: [n, n], stride: [n, 1], offset: 0 }) as number[][], { chunks: [c, c] });
}

test("culling: planning one output block materialises only the tasks it needs", () => {
  const x = grid();
  const y = x.mul(2).add(1).sqrt();
  assert.equal(y.npartitions, 16);
  const p = plan([y.layer], [y.layer.key([1, 2])]);
  assert.equal(p.tasksCulled, 4, "one block of each of the 4 layers");
  assert.equal(p.order.length, 2, "source + one fused elementwise task");
  assert.equal(p.tasksFull, 64);
  const out = executeSync(p).get(y.layer.key([1, 2])) as lazy.Block;
  assert.deepEqual(out.shape, [4, 4]);
  // block (1,2) starts at row 4, column 8: value 4*16+8 = 72
  assert.equal(out.data[0], Math.sqrt(72 * 2 + 1));
});

test("culling: a broadcast operand contributes only the blocks used", () => {
  const x = grid();
  const row = lazy.fromArray([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]], { chunks: [1, 4] });
  const y = x.add(row);
  const p = plan([y.layer], [y.layer.key([3, 0])]);
  assert.equal(p.tasksCulled, 3);
  const b = executeSync(p).get(y.layer.key([3, 0])) as lazy.Block;
  assert.equal(b.data[0], 12 * 16 + 1);
});

test("fusion: a chain of elementwise ops runs as one task per block", () => {
  const x = grid();
  const stats: Partial<ComputeStats> = {};
  const r = x.mul(2).add(1).pow(2).computeSync({ stats });
  assert.equal(stats.tasksFull, 64);
  assert.equal(stats.tasksRun, 32);
  assert.deepEqual(stats.byOp, { "source.slice": 16, elementwise: 16 });
  assert.equal(r.get(3, 5), (((3 * 16 + 5) * 2 + 1) ** 2));
});

test("fusion keeps a shared intermediate once when two outputs need it", async () => {
  const x = grid(8, 4);
  const a = x.add(1);
  const b = a.mul(3);
  const c = a.mul(5);
  const stats: Partial<ComputeStats> = {};
  const [rb, rc] = await lazy.compute([b, c], { stats });
  assert.equal(rb.get(1, 1), (9 + 1) * 3);
  assert.equal(rc.get(1, 1), (9 + 1) * 5);
  assert.equal(stats.byOp?.elementwise, 12, "a is not fused into both consumers: 4 (a) + 4 (b) + 4 (c)");
});

test("order: depth-first, so each block's intermediate is released before the next source is read", () => {
  // 16 blocks of 8 KiB; y = x*2 then +1 then .. only outputs are held at the end, but the peak
  // during compute never holds more than the outputs plus one block's chain.
  const x = lazy.zeros([64, 256], { chunks: [4, 256], dtype: "float64" });
  const stats: Partial<ComputeStats> = {};
  x.add(1).computeSync({ stats, optimize: false });
  const block = 4 * 256 * 8;
  assert.equal(stats.tasksRun, 32);
  assert.ok((stats.peakBytes ?? 0) <= 16 * block + 2 * block, `peak ${stats.peakBytes} bytes`);
});

test("abort: an aborted signal stops the compute with an AbortError", async () => {
  const x = grid();
  const ac = new AbortController();
  ac.abort("user interrupt");
  await assert.rejects(x.add(1).compute({ signal: ac.signal }), (e: Error) => e.name === "AbortError" && /user interrupt/.test(e.message));
});

test("abort: a signal fired mid-compute stops between tasks", async () => {
  const x = lazy.zeros([256, 256], { chunks: [8, 256] });
  const ac = new AbortController();
  let seen = 0;
  const p = x.add(1).compute({
    signal: ac.signal,
    onProgress: ({ done }) => {
      seen = done;
      if (done === 10) ac.abort();
    },
  });
  await assert.rejects(p, { name: "AbortError" });
  assert.equal(seen, 10, "no task ran after the abort");
});

test("progress: reports done/total up to the number of tasks run", async () => {
  const x = grid();
  const seen: number[] = [];
  let total = 0;
  await x.add(1).compute({
    onProgress: (p) => {
      seen.push(p.done);
      total = p.total;
    },
  });
  assert.equal(total, 32);
  assert.equal(seen[seen.length - 1], 32);
  assert.ok(seen.every((v, i) => i === 0 || v >= seen[i - 1]));
});

test("scheduler: an unknown scheduler name is a clear error", () => {
  assert.throws(() => grid().computeSync({ scheduler: "processes" as "sync" }), /unknown scheduler "processes"/);
});

test("summary: layers, task counts before and after optimisation, bytes", () => {
  const x = lazy.fromArray(new Float32Array(128 * 128), { chunks: [32] });
  const y = x.mul(2).add(1);
  const s = y.summary();
  assert.deepEqual(s.shape, [16384]);
  assert.equal(s.dtype, "float32");
  assert.deepEqual(s.numBlocks, [512]);
  assert.equal(s.nbytes, 16384 * 4);
  assert.equal(s.sourceBytes, 16384 * 4);
  assert.equal(s.chunkBytes, 32 * 4);
  assert.deepEqual(
    s.layers.map((l) => [l.kind, l.label, l.tasks]),
    [
      ["source", "from-array", 512],
      ["elementwise", "mul", 512],
      ["elementwise", "add", 512],
    ],
  );
  assert.deepEqual(s.layers[2].dependencies, [s.layers[1].name]);
  assert.equal(s.tasksFull, 1536);
  assert.equal(s.tasksOptimized, 1024);
  assert.equal(String(y), "lazy.array<add, shape=[16384], dtype=float32, chunksize=[32], blocks=512>");
});

test("layers are symbolic: a graph of 10^12 blocks is built, summarised and culled without materialising tasks", () => {
  // were any step O(blocks), this could not finish (or fit in memory)
  const x = lazy.zeros([1_000_000, 1_000_000], { chunks: [1, 1] });
  const y = x.mul(2).add(3).sqrt();
  assert.equal(y.npartitions, 1e12);
  const p = plan([y.layer], [y.layer.key([999_999, 999_999])]);
  assert.equal(p.tasksCulled, 4);
  const s = y.summary();
  assert.equal(s.tasksFull, 4e12);
  assert.equal(s.tasksOptimized, null, "too big to count: reported as null");
  assert.equal((executeSync(p).get(y.layer.key([999_999, 999_999])) as lazy.Block).data[0], Math.sqrt(3));
});

test("the package loads through CommonJS require from another directory", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hsts-require-"));
  const script = `const hs = require(${JSON.stringify(ROOT)}); const x = hs.lazy.arange(6, undefined, 1, {chunks: 4, dtype: "float64"}).mul(2); console.log(JSON.stringify(hs.lazy.toNested(x.computeSync())));`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "[0,2,4,6,8,10]");
});

test("threads: worker threads give the same values as the sync scheduler", async () => {
  const x = lazy.random.random([64, 48, 40], { seed: 7, chunks: [16, 16, 40], dtype: "float32" });
  const y = x.mul(2).add(1).pow(2).sub(x.sqrt());
  const a = await y.compute({ scheduler: "threads" });
  const b = y.computeSync();
  assert.deepEqual(lazy.toFlat(a), lazy.toFlat(b));
});

test("threads: user functions run on the main thread between worker tasks", async () => {
  const x = lazy.arange(40, undefined, 1, { chunks: 10 });
  let calls = 0;
  const y = x
    .mul(2)
    .mapBlocks((b) => {
      calls++;
      return b;
    })
    .add(1);
  const r = await y.compute({ scheduler: "threads" });
  assert.equal(calls, 4);
  assert.deepEqual(lazy.toFlat(r), Array.from({ length: 40 }, (_, i) => 2 * i + 1));
});

test("threads: an error inside a worker task rejects the compute with its message", async () => {
  const x = lazy.fromArray([1, 2, 3], { dtype: "int32" });
  await assert.rejects(x.pow(-1).compute({ scheduler: "threads" }), /Integers to negative integer powers/);
  // the pool is still usable afterwards
  assert.deepEqual(lazy.toFlat(await x.mul(3).compute({ scheduler: "threads" })), [3, 6, 9]);
});

test("threads: an abort mid-compute stops dispatching", async () => {
  const x = lazy.zeros([512, 64], { chunks: [4, 64] });
  const ac = new AbortController();
  let last = 0;
  await assert.rejects(
    x.add(1).compute({
      scheduler: "threads",
      signal: ac.signal,
      onProgress: ({ done }) => {
        last = done;
        if (done === 20) ac.abort();
      },
    }),
    { name: "AbortError" },
  );
  assert.ok(last < 256, `stopped early (${last} of 256 tasks)`);
});

test("threads: concurrent computes share the pool without starving each other", async () => {
  const xs = [1, 2, 3, 4].map((k) => lazy.zeros([64, 64], { chunks: [8, 64] }).add(k));
  const rs = await Promise.all(xs.map((x) => x.compute({ scheduler: "threads" })));
  rs.forEach((r, i) => assert.equal(r.get(63, 63), i + 1));
});

test("fusion into reductions: ((x*2+1)**2).mean() on 4x4x1 blocks runs dask's 37 tasks", async () => {
  const x = lazy.random.random([32, 32, 8], { seed: 3, chunks: [8, 8, 8], dtype: "float32" });
  const stats: Partial<ComputeStats> = {};
  const r = await x.mul(2).add(1).pow(2).mean().compute({ stats });
  assert.equal(stats.tasksRun, 37, "16 sources + 16 fused chunk steps + 4 partials + 1 aggregate (dask: 37)");
  assert.equal(stats.byOp?.elementwise, undefined, "no separate elementwise task");
  const flat = lazy.toFlat(x.computeSync());
  let s = 0;
  for (const v of flat) {
    const a = Math.fround(Math.fround(v * 2) + 1);
    s += Math.fround(a * a);
  }
  assert.ok(Math.abs(Number(r.get()) - s / flat.length) < 1e-6 * (s / flat.length));
  // a shared elementwise result is not fused into the reduction (it is also an output)
  const y = x.mul(2);
  const [ry, rm] = await lazy.compute([y, y.max()]);
  assert.equal(rm.get(), Math.max(...lazy.toFlat(ry)));
});

test("order: a reduction over many blocks holds only a few blocks at a time", async () => {
  // 64 blocks of 256 KiB; the sum needs each block only until its chunk step has run
  const x = lazy.random.random([64 * 64, 1024], { seed: 1, chunks: [64, 1024] });
  for (const scheduler of ["sync", "threads"] as const) {
    const stats: Partial<ComputeStats> = {};
    await x.add(1).sum({ axis: 0 }).compute({ scheduler, stats });
    const block = 64 * 1024 * 8;
    assert.ok((stats.peakBytes ?? Infinity) < 8 * block, `${scheduler}: peak ${stats.peakBytes} bytes, ${(stats.peakBytes ?? 0) / block} blocks`);
  }
});

test("compute takes arrays one by one or as a list, with options last", async () => {
  const a = lazy.arange(6, undefined, 1, { chunks: 4, dtype: "float64" });
  const b = a.mul(10);
  const [ra, rb] = await lazy.compute(a, b);
  assert.deepEqual([lazy.toFlat(ra), lazy.toFlat(rb)], [[0, 1, 2, 3, 4, 5], [0, 10, 20, 30, 40, 50]]);
  let seen = 0;
  const [rc] = await lazy.compute(b, { scheduler: "sync", onProgress: (p) => (seen = p.total) });
  assert.equal(rc.get(5), 50);
  assert.ok(seen > 0);
  assert.equal(lazy.computeSync([a, b], {})[1].get(1), 10);
  assert.equal(lazy.computeSync(a, b)[1].get(2), 20);
  assert.throws(() => lazy.computeSync(a, 3 as unknown as lazy.LazyArray, {}), /argument 1 is not a LazyArray/);
  assert.throws(() => lazy.computeSync(a, { scheduler: "threads" }), /needs `await compute/);
});

test("threads: memoryLimit keeps reads from running ahead of the reduction", async () => {
  // 64 random blocks of 512 KiB reduced to one row: with a limit of 2 blocks, at most a few are held
  const x = lazy.random.random([64 * 64, 1024], { seed: 2, chunks: [64, 1024] });
  const block = 64 * 1024 * 8;
  const stats: Partial<ComputeStats> = {};
  const r = await x.sum({ axis: 0 }).compute({ scheduler: "threads", memoryLimit: 2 * block, stats });
  assert.ok((stats.peakBytes ?? Infinity) <= 4 * block, `peak ${(stats.peakBytes ?? 0) / block} blocks`);
  assert.deepEqual(lazy.toFlat(r), lazy.toFlat(x.sum({ axis: 0 }).computeSync()));
});

test("many blocks: a 1-D array of 160,000 blocks (past the argument-spread limit) slices, summarises and computes", async () => {
  const x = lazy.arange(160_000, undefined, 1, { chunks: 1 });
  assert.equal(x.npartitions, 160_000);
  assert.deepEqual(x.chunkSize, [1]);
  assert.equal(x.summary().chunkBytes, 8);
  assert.deepEqual(lazy.toFlat(await x.get("159990:").mul(2).compute()), Array.from({ length: 10 }, (_, i) => 2 * (159_990 + i)));
  const r = await x.sum().compute({ scheduler: "sync" });
  assert.equal(r.get(), BigInt((160_000 * 159_999) / 2), "int64, as numpy's sum of an integer arange");
  assert.equal((await x.compute({ scheduler: "sync" })).get(123_456), 123_456n);
});

test("elementwise loops over blocks that stay 3-D and 4-D after collapsing axes (strided, broadcast)", () => {
  const n = [3, 4, 5, 6];
  const data = Float64Array.from({ length: 360 }, (_, i) => i);
  const x = lazy.fromArray({ data, shape: n, stride: [120, 30, 6, 1], offset: 0 }, { chunks: [2, 3, 5, 4] });
  const xt = x.transpose([3, 1, 0, 2]); // [6, 4, 3, 5]: no axes merge
  const row = lazy.fromArray(Float64Array.from({ length: 5 }, (_, i) => 1000 * i), { chunks: [2] });
  const col = lazy.fromArray({ data: Float64Array.from({ length: 4 }, (_, i) => 0.5 * i), shape: [4, 1, 1], stride: [1, 1, 1], offset: 0 });
  const y = xt.mul(2).add(row).sub(col).computeSync();
  for (const [a, b, c, d] of [
    [0, 0, 0, 0],
    [5, 3, 2, 4],
    [1, 2, 1, 3],
    [4, 0, 2, 1],
  ]) {
    const want = 2 * data[c * 120 + b * 30 + d * 6 + a] + 1000 * d - 0.5 * b;
    assert.equal(y.get(a, b, c, d), want, `[${a}, ${b}, ${c}, ${d}]`);
  }
  const z = x.transpose([2, 0, 1, 3]).add(1).computeSync(); // 4-D, last axis contiguous
  assert.equal(z.get(4, 2, 3, 5), data[2 * 120 + 3 * 30 + 4 * 6 + 5] + 1);
});

test("summary stays cheap: graphs past 20,000 tasks are not planned to count optimised tasks", () => {
  const small = lazy.zeros([3000, 16], { chunks: [1, 16] }).mul(2).add(1); // 9,000 tasks
  assert.equal(small.summary().tasksOptimized, 6000);
  const big = lazy.zeros([10000, 16], { chunks: [1, 16] }).mul(2).add(1).sum({ axis: 1 }); // 50,000 tasks
  const s = big.summary();
  assert.equal(s.tasksFull, 50000);
  assert.equal(s.tasksOptimized, null);
});
