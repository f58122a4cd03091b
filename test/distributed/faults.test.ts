/**
 * Faults on a real local cluster (a plain dask-scheduler and two dask-workers with nannies, free
 * 127.0.0.1 ports, always stopped): a worker killed with SIGKILL in the middle of a compute, a
 * Node sidecar killed in the middle, and the scheduler gone. The first two must still give the
 * right numbers; the last a clear error without a hang, and the kernel stays usable.
 */
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import ndarray = require("ndarray");
import * as hs from "../../index";
import type { ComputeOptions } from "../../lazy/graph/graph";
import type { NDArray } from "../../lazy/core/block";
import { Cluster, PYTHON, startCluster } from "./cluster";

const L = hs.lazy;
const T = { timeout: 240_000 };
let cluster: Cluster;
let opts: ComputeOptions;

before(async () => {
  cluster = await startCluster(2);
  opts = { scheduler: "dask", address: cluster.address, dask: { python: PYTHON } };
});

after(async () => {
  L.closeDaskClients();
  await cluster?.stop();
});

/** A graph of `n` blocks whose portable kernel takes about `ms` per block, then a sum. */
function slowGraph(n: number, ms: number) {
  const x = L.fromArray(ndarray(Float64Array.from({ length: n * 8 }, (_, i) => i * 0.25), [n, 8]), { chunks: [1, 8] });
  const y = x.mapBlocks(
    new Function(
      "b",
      `const t = Date.now(); while (Date.now() - t < ${ms}); const o = new Float64Array(b.size); for (let i = 0; i < b.size; i++) o[i] = Math.sqrt(b.get(0, i)) * 3 + 1; return { data: o, shape: b.shape.slice(), stride: [b.shape[1], 1], offset: 0 };`,
    ) as (b: NDArray) => NDArray,
    { portable: true },
  );
  return { y, total: y.sum({ axis: 0 }) };
}

function same(a: NDArray, b: NDArray): void {
  assert.deepEqual(a.shape, b.shape);
  for (let i = 0; i < b.size; i++) assert.ok(Object.is(a.data[i], b.data[i]), `element ${i}: ${a.data[i]} vs ${b.data[i]}`);
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("kill -9 of one worker in the middle of a compute: the compute still returns the right numbers", T, async () => {
  const { y, total } = slowGraph(24, 150);
  const [wantY, wantT] = await L.compute(y, total);
  // the sidecars are started before the kill, so the kill lands in the compute proper
  await L.compute(slowGraph(4, 1).y, opts);
  let killed = 0;
  const running = L.compute(y, total, {
    ...opts,
    onProgress: (p) => {
      if (killed === 0 && p.done >= 3) {
        killed = -1;
        void L.daskWorkers(cluster.address, { python: PYTHON }).then((info) => {
          const victim = Object.values(info)[0];
          process.kill(victim.pid, "SIGKILL");
          killed = victim.pid;
        });
      }
    },
  });
  const [gotY, gotT] = await running;
  assert.ok(killed > 0, "a worker was killed during the compute");
  same(gotY, wantY);
  same(gotT, wantT);
  // the nanny brings the worker back; both are usable
  await until("two workers again", async () => (Object.keys(await L.daskWorkers(cluster.address, { python: PYTHON })).length === 2 ? true : undefined), 60000);
  same(await total.compute(opts), wantT);
});

test("a sidecar killed in the middle of a compute: restarted, the task retried, right numbers", T, async () => {
  const { y, total } = slowGraph(20, 150);
  const [wantY, wantT] = await L.compute(y, total);
  await L.compute(slowGraph(4, 1).y, opts);
  const info0 = await L.daskWorkers(cluster.address, { python: PYTHON });
  let victim: { worker: string; pid: number } | null = null;
  const running = L.compute(y, total, {
    ...opts,
    onProgress: (p) => {
      if (victim === null && p.done >= 3) {
        const [worker, w] = Object.entries(info0).find(([, v]) => v.sidecarPid !== null) ?? [];
        if (worker && w && w.sidecarPid !== null) {
          victim = { worker, pid: w.sidecarPid };
          process.kill(w.sidecarPid, "SIGKILL");
        }
      }
    },
  });
  const [gotY, gotT] = await running;
  assert.ok(victim !== null, "a sidecar was killed during the compute");
  same(gotY, wantY);
  same(gotT, wantT);
  const info1 = await L.daskWorkers(cluster.address, { python: PYTHON });
  const v = victim as unknown as { worker: string; pid: number };
  assert.ok(info1[v.worker], "the worker survived its sidecar");
  assert.notEqual(info1[v.worker].sidecarPid, v.pid, "a new sidecar runs");
  assert.ok(info1[v.worker].sidecarStarts >= 2, `sidecar starts: ${info1[v.worker].sidecarStarts}`);
});

test("the scheduler gone in the middle of a compute: a clear error, no hang, the kernel still computes", T, async () => {
  const c2 = await startCluster(1);
  try {
    const o: ComputeOptions = { scheduler: "dask", address: c2.address, dask: { python: PYTHON, lostTimeout: 3, connectTimeout: 3 } };
    const { total } = slowGraph(30, 200);
    await L.compute(slowGraph(2, 1).y, o);
    let t0 = 0;
    const running = total.compute({
      ...o,
      onProgress: (p) => {
        if (t0 === 0 && p.done >= 2) {
          t0 = Date.now();
          c2.killScheduler();
        }
      },
    });
    await assert.rejects(running, (e: Error) => {
      assert.equal(e.name, "DaskConnectionError");
      assert.match(e.message, /lost the dask scheduler/);
      assert.match(e.message, /the kernel is still usable/);
      return true;
    });
    assert.ok(t0 > 0 && Date.now() - t0 < 30000, `failed ${Date.now() - t0} ms after the kill`);
    // the next compute on the dead address fails fast too; local computes and the other cluster work
    await assert.rejects(total.compute(o), (e: Error) => e.name === "DaskConnectionError");
    same(await slowGraph(3, 1).total.compute(), await slowGraph(3, 1).total.compute({ scheduler: "sync" }));
    same(await slowGraph(3, 1).total.compute(opts), await slowGraph(3, 1).total.compute());
  } finally {
    await c2.stop();
  }
});
