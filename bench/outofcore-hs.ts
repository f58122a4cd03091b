/**
 * A HyperSpy-written .zspy (issue 16): HyperSpy 1.7.3 writes a float32 (n, n|8192) random lazy
 * signal with its defaults (blosc-zstd-1, byte shuffle), then, each in a fresh process and
 * interleaved, ours (`hs.load(f, {lazy: true})`, `sum` over navigation, 2 worker threads) and
 * HyperSpy + dask (`hs.load(f, lazy=True).sum(axis=(0, 1)).compute()`) read it: one cold round
 * (page cache dropped before each read) and `--runs` warm rounds; then saves of the lazily loaded
 * file to a new .zspy, ours (default blosc-lz4, and HyperSpy's blosc-zstd-1) beside HyperSpy's
 * (its default), warm. Wall time and peak RSS (VmHWM) of each process. Everything lives in a
 * temporary folder deleted at the end (--keep keeps it).
 *
 *   node dist/bench/outofcore-hs.js [--gib 2] [--runs 2] [--saves 1] [--dir /tmp] [--keep] [--store PATH.zspy]
 *   node dist/bench/outofcore-hs.js --read PATH.zspy | --save PATH.zspy OUT.zspy [zstd]   (one of our runs)
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
function dropCaches(): boolean {
  try {
    execFileSync("sync");
    fs.writeFileSync("/proc/sys/vm/drop_caches", "3");
    return true;
  } catch {
    return false;
  }
}
const PY = path.join(__dirname, "..", "..", "bench", "outofcore_io.py");
const python = process.env.BENCH_PYTHON ?? "/usr/bin/python3";

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

async function saveOnce(file: string, out: string, comp: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  const s = await hs.load(file, { lazy: true });
  await s.save(out, { overwrite: true, ...(comp === "zstd" ? { compressor: { id: "blosc", cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 } } : {}) });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ wall_s: wall, peak_rss_mib: vmHWM() }));
  await hs.lazy.closePool();
}

function run(cmd: string, args: string[]): { wall_s: number; peak_rss_mib: number; mean?: number; chunks?: number[]; shape?: number[] } {
  const out = execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split("\n").pop() as string) as ReturnType<typeof run>;
}
const du = (p: string) => Number(execFileSync("du", ["-sb", p], { encoding: "utf8" }).split("\t")[0]);

async function main(): Promise<void> {
  if (process.argv.includes("--read")) return readOnce(arg("--read", ""));
  if (process.argv.includes("--save")) {
    const i = process.argv.indexOf("--save");
    return saveOnce(process.argv[i + 1], process.argv[i + 2], process.argv[i + 3] ?? "");
  }
  const gib = Number(arg("--gib", "2"));
  const runs = Number(arg("--runs", "2"));
  const saves = Number(arg("--saves", "1"));
  const base = fs.mkdtempSync(path.join(arg("--dir", os.tmpdir()), "hs-outofcore-hs-"));
  const given = arg("--store", "");
  const file = given || path.join(base, "hyperspy.zspy");
  const self = __filename;
  const bytes = gib * 2 ** 30;
  try {
    console.log(`machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    if (!given) {
      const w = run(python, [PY, "--write", file, String(gib)]);
      console.log(`HyperSpy wrote ${file}: float32 (${(w.shape ?? []).join(", ")}), ${(bytes / 2 ** 30).toFixed(2)} GiB in ${w.wall_s.toFixed(1)} s (${(bytes / 1e6 / w.wall_s).toFixed(0)} MB/s), ${(du(file) / 2 ** 30).toFixed(2)} GiB on disk, peak RSS ${w.peak_rss_mib.toFixed(0)} MiB`);
    }
    const rounds: { label: string; cold: boolean }[] = [{ label: "cold", cold: true }];
    for (let r = 0; r < runs; r++) rounds.push({ label: `warm ${r + 1}`, cold: false });
    console.log("\n| round | who | sum over navigation | GB/s | peak RSS | mean |\n|---|---|---:|---:|---:|---:|");
    for (const r of rounds) {
      for (const who of ["hyperspy-ts", "hyperspy+dask"]) {
        const cold = r.cold && dropCaches();
        const out = who === "hyperspy-ts" ? run(process.execPath, [self, "--read", file]) : run(python, [PY, file]);
        console.log(`| ${r.label}${r.cold && !cold ? " (drop_caches failed: warm)" : ""} | ${who} | ${out.wall_s.toFixed(2)} s | ${(bytes / 1e9 / out.wall_s).toFixed(2)} | ${out.peak_rss_mib.toFixed(0)} MiB | ${(out.mean ?? NaN).toFixed(5)} |`);
      }
    }
    if (saves > 0) {
      console.log("\n| round | who | save of the lazily loaded file | MB/s | peak RSS | on disk |\n|---|---|---:|---:|---:|---:|");
      for (let r = 1; r <= saves; r++) {
        for (const who of ["hyperspy-ts (blosc-lz4, default)", "hyperspy-ts (blosc-zstd-1)", "hyperspy+dask (blosc-zstd-1, default)"]) {
          const out = path.join(base, `save-${r}.zspy`);
          const res = who.startsWith("hyperspy+dask") ? run(python, [PY, "--save", file, out]) : run(process.execPath, [self, "--save", file, out, who.includes("zstd") ? "zstd" : ""]);
          console.log(`| ${r} | ${who} | ${res.wall_s.toFixed(2)} s | ${(bytes / 1e6 / res.wall_s).toFixed(0)} | ${res.peak_rss_mib.toFixed(0)} MiB | ${(du(out) / 2 ** 30).toFixed(2)} GiB |`);
          fs.rmSync(out, { recursive: true, force: true });
        }
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
