/**
 * store(): results written block by block, never assembled, so memory stays bounded by a few
 * blocks whatever the array's size (dask's da.store).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as lazy from "../../lazy";

// 128 MiB of float64 in 32 blocks of 4 MiB, made inside the tasks
const x = lazy.random.random([32 * 256, 2048], { seed: 9, chunks: [256, 2048] });
const BLOCK = 256 * 2048 * 8;

for (const scheduler of ["sync", "threads"] as const) {
  test(`store (${scheduler}): every block reaches the sink once and memory stays at a few blocks`, async () => {
    const seen = new Set<string>();
    let total = 0;
    const stats: Partial<lazy.ComputeStats> = {};
    await x.mul(2).store(
      async (block, info) => {
        assert.deepEqual(block.shape, [256, 2048]);
        assert.equal(info.arrayLocation[0][1] - info.arrayLocation[0][0], 256);
        seen.add(info.chunkLocation.join(","));
        let s = 0;
        const d = block.data;
        for (let i = 0; i < d.length; i++) s += Number(d[i]);
        total += s;
        await new Promise((r) => setTimeout(r, 1)); // a slow writer
      },
      { scheduler, stats },
    );
    assert.equal(seen.size, 32);
    const expected = Number((await x.mul(2).sum().compute()).get());
    assert.ok(Math.abs(total - expected) < 1e-6 * expected);
    assert.ok((stats.peakBytes ?? Infinity) <= 6 * BLOCK, `peak ${(stats.peakBytes ?? 0) / BLOCK} blocks of 32`);
  });
}

test("store: the sink's error rejects the store on both schedulers", async () => {
  for (const scheduler of ["sync", "threads"] as const) {
    await assert.rejects(
      x.store(
        (_b, info) => {
          if (info.chunkLocation[0] === 3) throw new Error("disk full");
        },
        { scheduler },
      ),
      /disk full/,
    );
    await assert.rejects(
      x.store(async () => Promise.reject(new Error("write failed")), { scheduler }),
      /write failed/,
    );
  }
});

test("store: blocks carry their location; a sink that is not a function is refused", async () => {
  const y = lazy.arange(12, undefined, 1, { chunks: 4 });
  const got: number[][] = [];
  await y.store((b, info) => void (got[info.chunkLocation[0]] = lazy.toFlat(b)), { scheduler: "sync" });
  assert.deepEqual(got, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9, 10, 11],
  ]);
  await assert.rejects(y.store(42 as unknown as lazy.BlockSink), /sink must be a function/);
});
