/**
 * The 8 GiB out-of-core navigation sum on a 2-worker local Dask cluster (issue 13): a float32
 * (512, 512|8192) .zspy written with our streamed writer, then `hs.load(f, {lazy: true})` and
 * `data.sum({axis: [0, 1]})` computed, each in a fresh process:
 *
 * - hyperspy-ts, local "threads" scheduler (2 worker threads);
 * - hyperspy-ts, `{scheduler: "dask", address}` on the cluster (reads and sums translated to numpy);
 * - HyperSpy 1.7.3 + dask 2022.12, `hs.load(f, lazy=True).sum(axis=(0, 1)).compute()` with a
 *   distributed.Client of the same cluster as the default scheduler (bench/distributed_hyperspy.py).
 *
 * The cluster is a plain dask-scheduler and two dask-workers (1 thread, 4 GiB each) on free
 * 127.0.0.1 ports, stopped at the end; the store is deleted at the end (--keep keeps it).
 *
 *   node dist/bench/distributed.js [--gib 8] [--runs 2] [--dir /tmp] [--compressor lz4|zstd] [--keep]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as hs from "../index";
import { LazyArray } from "../lazy/core/array";
import { startCluster } from "../test/distributed/cluster";

const PY = "/usr/bin/python3";

function arg(name: string, dflt: string): string {
  const a = process.argv;
  const i = a.indexOf(name);
  return i >= 0 && i + 1 < a.length ? a[i + 1] : dflt;
}

async function readDask(file: string, address: string): Promise<void> {
  const d = { python: PY };
  const s0 = process.hrtime.bigint();
  await hs.lazy.daskWorkers(address, d); // client program started and connected (HyperSpy's side: Client(address))
  const setup = Number(process.hrtime.bigint() - s0) / 1e9;
  const t0 = process.hrtime.bigint();
  const s = await hs.load(file, { lazy: true });
  const x = s.data as LazyArray;
  const r = await x.sum({ axis: [0, 1] }).compute({ scheduler: "dask", address, dask: d });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  let total = 0;
  for (let i = 0; i < r.size; i++) total += Number(r.get(i));
  const info = await hs.lazy.daskWorkers(address, d);
  const numpy = Object.values(info).reduce((n, w) => n + w.numpy, 0);
  const sidecar = Object.values(info).reduce((n, w) => n + w.sidecar, 0);
  console.log(JSON.stringify({ wall_s: wall, setup_s: setup, mean: total / r.size / (x.shape[0] * x.shape[1]), chunks: x.chunks.map((c) => c[0]), numpy, sidecar }));
  hs.lazy.closeDaskClients();
}

function memcpyGiBs(): number {
  const a = Buffer.alloc(256 << 20, 1);
  const b = Buffer.alloc(256 << 20);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    a.copy(b);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return 0.25 / best;
}

async function main(): Promise<void> {
  if (process.argv.includes("--read-dask")) return readDask(arg("--read-dask", ""), arg("--address", ""));
  const gib = Number(arg("--gib", "8"));
  const runs = Number(arg("--runs", "2"));
  const comp = arg("--compressor", "lz4");
  const compressor: hs.CodecConfig =
    comp === "zstd" ? { id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 } : { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 };
  const nav = Math.round(Math.sqrt((gib * 2 ** 30) / (8192 * 4)));
  const base = fs.mkdtempSync(path.join(arg("--dir", os.tmpdir()), "hs-distributed-"));
  const file = path.join(base, "w5.zspy");
  const cluster = await startCluster(2, { memoryLimit: "4GiB" });
  console.log(`cluster ${cluster.address}: dask-scheduler + 2 dask-workers (1 thread, 4 GiB each), distributed 2022.12; machine ${os.cpus().length} cores, shared`);
  try {
    const x = hs.lazy.random.random([nav, nav, 8192], { seed: 1, chunks: [32, 32, 8192], dtype: "float32" });
    const s = new hs.signals.LazySignal1D(x);
    const gb = x.nbytes / 2 ** 30;
    let t0 = process.hrtime.bigint();
    await s.save(file, { compressor });
    const wsec = Number(process.hrtime.bigint() - t0) / 1e9;
    const du = Number(execFileSync("du", ["-sb", file], { encoding: "utf8" }).split("\t")[0]);
    console.log(`wrote ${file}: float32 (${nav}, ${nav}|8192), ${gb.toFixed(2)} GiB, chunks (32, 32, 8192), blosc-${comp}, ${(du / 2 ** 30).toFixed(2)} GiB on disk, in ${wsec.toFixed(1)} s (local threads)`);
    await hs.lazy.closePool();
    const bw = memcpyGiBs();
    console.log(`memory-bandwidth floor: one memcpy of ${gb.toFixed(2)} GiB at ${bw.toFixed(1)} GiB/s (one thread, best of 5 x 256 MiB) = ${(gb / bw).toFixed(2)} s`);
    const self = __filename;
    const oocio = path.join(__dirname, "outofcore-io.js");
    const rows: Record<string, number[]> = {};
    for (let run = 1; run <= runs; run++) {
      for (const who of ["ours, local threads", "ours, dask cluster", "HyperSpy, dask cluster"]) {
        t0 = process.hrtime.bigint();
        const out =
          who === "ours, local threads"
            ? execFileSync(process.execPath, [oocio, "--read", file], { encoding: "utf8" })
            : who === "ours, dask cluster"
              ? execFileSync(process.execPath, [self, "--read-dask", file, "--address", cluster.address], { encoding: "utf8" })
              : execFileSync(PY, [path.join(__dirname, "..", "..", "bench", "distributed_hyperspy.py"), cluster.address, file], { encoding: "utf8" });
        const proc = Number(process.hrtime.bigint() - t0) / 1e9;
        const r = JSON.parse(out.trim().split("\n").pop() as string) as { wall_s: number; setup_s?: number; mean: number; numpy?: number; sidecar?: number };
        (rows[who] ??= []).push(r.wall_s);
        console.log(
          `run ${run} ${who.padEnd(24)} ${r.wall_s.toFixed(2)} s (${(gb / r.wall_s).toFixed(2)} GiB/s), process ${proc.toFixed(1)} s` +
            `${r.setup_s !== undefined ? `, connect ${r.setup_s.toFixed(2)} s` : ""}, mean ${r.mean.toFixed(6)}` +
            `${r.numpy !== undefined ? `, worker tasks numpy ${r.numpy} / sidecar ${r.sidecar}` : ""}`,
        );
      }
    }
    const hsd = Math.min(...rows["HyperSpy, dask cluster"]);
    for (const [who, w] of Object.entries(rows)) {
      console.log(`${who.padEnd(24)} best ${Math.min(...w).toFixed(2)} s, range ${Math.min(...w).toFixed(2)}-${Math.max(...w).toFixed(2)} s, ${(Math.min(...w) / hsd).toFixed(2)}x HyperSpy on the cluster`);
    }
  } finally {
    await cluster.stop();
    if (!process.argv.includes("--keep")) fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
