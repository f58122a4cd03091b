/**
 * Out-of-core I/O (issue 7, the engine's W5 on a real store): write a float32 (N, N|8192) .zspy
 * with our own writer (streamed, block by block), then sum it over navigation lazily in fresh
 * processes, ours and HyperSpy + dask (hs.load(lazy=True).sum(axis=(0, 1)).compute()), on the same
 * store; report wall time and peak RSS (VmHWM) of each. The store lives in a temporary folder that
 * is deleted at the end (--keep keeps it).
 *
 *   node dist/bench/outofcore-io.js [--gib 8] [--dir /tmp] [--compressor lz4|zstd|blosc-zlib|zlib|raw] [--runs 2] [--keep]
 *   node dist/bench/outofcore-io.js --read PATH.zspy      (one of our measured runs, in this process)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as hs from "../index";
import { LazyArray } from "../lazy/core/array";

function arg(name: string, dflt: string): string {
  const a = process.argv;
  const i = a.indexOf(name);
  return i >= 0 && i + 1 < a.length ? a[i + 1] : dflt;
}

function vmHWM(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function readOnce(file: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const s = await hs.load(file, { lazy: true });
  const x = s.data as LazyArray;
  const r = await x.sum({ axis: [0, 1] }).compute();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const n = x.shape[0] * x.shape[1];
  let total = 0;
  for (let i = 0; i < r.size; i++) total += Number(r.get(i));
  console.log(JSON.stringify({ wall_s: wall, peak_rss_mib: vmHWM(), mean: total / r.size / n, chunks: x.chunks.map((c) => c[0]) }));
  await hs.lazy.closePool();
}

function dropCaches(): boolean {
  try {
    execFileSync("sync");
    fs.writeFileSync("/proc/sys/vm/drop_caches", "3");
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--read")) return readOnce(arg("--read", ""));
  const gib = Number(arg("--gib", "8"));
  const runs = Number(arg("--runs", "2"));
  const comp = arg("--compressor", "lz4");
  const compressors: Record<string, hs.CodecConfig | null> = {
    lz4: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, // our default
    zstd: { id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 }, // HyperSpy's default
    "blosc-zlib": { id: "blosc", cname: "zlib", clevel: 1, shuffle: 1, blocksize: 0 },
    zlib: { id: "zlib", level: 1 },
    raw: null,
  };
  if (!(comp in compressors)) throw new Error(`--compressor must be one of ${Object.keys(compressors).join(", ")}, got ${comp}`);
  const compressor = compressors[comp];
  const nav = Math.round(Math.sqrt((gib * 2 ** 30) / (8192 * 4)));
  const base = fs.mkdtempSync(path.join(arg("--dir", os.tmpdir()), "hs-outofcore-io-"));
  const file = path.join(base, "w5.zspy");
  try {
    const x = hs.lazy.random.random([nav, nav, 8192], { seed: 1, chunks: [32, 32, 8192], dtype: "float32" });
    const s = new hs.signals.LazySignal1D(x);
    console.log(`writing ${file}: float32 (${nav}, ${nav}|8192), ${(x.nbytes / 2 ** 30).toFixed(2)} GiB, chunks (32, 32, 8192), compressor ${comp}`);
    let t0 = process.hrtime.bigint();
    await s.save(file, { compressor });
    const wsec = Number(process.hrtime.bigint() - t0) / 1e9;
    const du = execFileSync("du", ["-sb", file], { encoding: "utf8" }).split("\t")[0];
    console.log(`  written in ${wsec.toFixed(1)} s (${(x.nbytes / 2 ** 30 / wsec).toFixed(2)} GiB/s), ${(Number(du) / 2 ** 30).toFixed(2)} GiB on disk; writer peak RSS ${vmHWM().toFixed(0)} MiB`);
    await hs.lazy.closePool();
    const self = __filename;
    for (let run = 1; run <= runs; run++) {
      for (const who of ["hyperspy-ts", "hyperspy+dask"]) {
        const cold = run === 1 && dropCaches();
        t0 = process.hrtime.bigint();
        const out =
          who === "hyperspy-ts"
            ? execFileSync(process.execPath, [self, "--read", file], { encoding: "utf8" })
            : execFileSync("/usr/bin/python3", [path.join(__dirname, "..", "..", "bench", "outofcore_io.py"), file], { encoding: "utf8" });
        const proc = Number(process.hrtime.bigint() - t0) / 1e9;
        const r = JSON.parse(out.trim().split("\n").pop() as string) as { wall_s: number; peak_rss_mib: number; mean: number; chunks: number[] };
        console.log(
          `  run ${run} ${cold ? "(cold cache)" : "(warm cache)"} ${who.padEnd(14)} sum over navigation ${r.wall_s.toFixed(2)} s ` +
            `(${(x.nbytes / 2 ** 30 / r.wall_s).toFixed(2)} GiB/s), process ${proc.toFixed(2)} s, peak RSS ${r.peak_rss_mib.toFixed(0)} MiB, mean ${r.mean.toFixed(5)}, chunks (${r.chunks.join(", ")})`,
        );
      }
    }
  } finally {
    if (!process.argv.includes("--keep")) fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
