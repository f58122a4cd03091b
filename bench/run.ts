/**
 * `npm run bench`: our lazy engine against dask on the same data, in the same run.
 *
 *   node dist/bench/run.js [--quick] [--n N] [--workloads w1,w3,w4] [--no-dask]
 *
 * W1  x.sum({axis: [0, 1]})              (128,128,1024) f32, chunks (32,32,1024)
 * W3  3x3 mean filter via mapOverlap     (16,512,512)  f32, chunks (4,256,256), depth (0,1,1), reflect
 * W4  ((x*2+1)**2).mean()                (256,256,512) f32, chunks (64,64,512)
 *
 * Ours: scheduler "sync"; timed = building the operation's graph on the (untimed) fromArray source
 * plus compute(). dask (bench/dask_bench.py, spawned with /usr/bin/python3): the same, with the
 * threaded scheduler (2 threads) and with scheduler='sync'. One warm-up, then N runs (5, or 2 with
 * --quick); min and median. Prints a markdown table and writes bench/results/latest.json.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LazyArray, fromArray, type ComputeOptions, type ComputeStats, type NDArray, type BlockInfo } from "../lazy";
import { Block, makeBlock } from "../lazy/core/block";

const ROOT = path.resolve(__dirname, "..", "..");
const RESULTS = path.join(ROOT, "bench", "results");
const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const DASK_SCRIPT = path.join(ROOT, "bench", "dask_bench.py");

// ------------------------------------------------------------------------------------ arguments

interface Args {
  n: number;
  quick: boolean;
  workloads: WorkloadId[];
  dask: boolean;
}

type WorkloadId = "w1" | "w3" | "w4";
const ALL: WorkloadId[] = ["w1", "w3", "w4"];

function parseArgs(argv: string[]): Args {
  const a: Args = { n: 5, quick: false, workloads: ALL.slice(), dask: true };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === "--quick") {
      a.quick = true;
      a.n = 2;
    } else if (s === "--n") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`--n needs a positive integer, got ${argv[i]}`);
      a.n = n;
    } else if (s === "--workloads") {
      const ws = (argv[++i] ?? "").split(",").map((w) => w.trim().toLowerCase()).filter(Boolean);
      const bad = ws.filter((w) => !(ALL as string[]).includes(w));
      if (bad.length || !ws.length) throw new RangeError(`--workloads: unknown ${JSON.stringify(bad)}; choose from ${ALL.join(",")}`);
      a.workloads = ws as WorkloadId[];
    } else if (s === "--no-dask") {
      a.dask = false;
    } else if (s === "--help" || s === "-h") {
      console.log("usage: node dist/bench/run.js [--quick] [--n N] [--workloads w1,w3,w4] [--no-dask]");
      process.exit(0);
    } else {
      throw new RangeError(`unknown argument ${s}; use --quick, --n N, --workloads w1,w3,w4 or --no-dask`);
    }
  }
  return a;
}

// ------------------------------------------------------------------------------------ data

/**
 * x.flat[i] = float32(((i * 2654435761) mod 2^32 mod 1000) / 1000): the same formula as
 * dask_bench.py. In a SharedArrayBuffer, so that worker threads read it without a copy (as dask's
 * threads share numpy's memory); plain JS loops read SAB views at the same speed.
 */
function makeData(shape: number[]): Block {
  const n = shape.reduce((p, s) => p * s, 1);
  const a = new Float32Array(new SharedArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) a[i] = ((Math.imul(i, 0x9e3779b1) >>> 0) % 1000) / 1000;
  return makeBlock(a, shape);
}

function sum64(a: ArrayLike<number>): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  for (; i < n; i++) s0 += a[i];
  return s0 + s1 + s2 + s3;
}

/** The exact sum of the float32 bit patterns (matches dask_bench.py's input_info bitsum). */
function bitSum(a: Float32Array): bigint {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let total = 0n;
  const step = 1 << 20; // 2^20 values below 2^32 sum exactly in a double
  for (let s = 0; s < u.length; s += step) {
    let part = 0;
    const e = Math.min(u.length, s + step);
    for (let i = s; i < e; i++) part += u[i];
    total += BigInt(part);
  }
  return total;
}

/** The values of a computed array in C order. */
function flat(r: NDArray): Float64Array | Float32Array {
  const n = r.shape.reduce((p, s) => p * s, 1);
  let contiguous = true;
  let s = 1;
  for (let ax = r.shape.length - 1; ax >= 0; ax--) {
    if (r.shape[ax] !== 1 && r.stride[ax] !== s) contiguous = false;
    s *= r.shape[ax];
  }
  if (contiguous && (r.data instanceof Float32Array || r.data instanceof Float64Array)) {
    return r.data.subarray(r.offset, r.offset + n);
  }
  const out = new Float64Array(n);
  const idx = new Array<number>(r.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let o = r.offset;
    for (let ax = 0; ax < idx.length; ax++) o += idx[ax] * r.stride[ax];
    out[k] = r.data[o];
    for (let ax = idx.length - 1; ax >= 0; ax--) {
      if (++idx[ax] < r.shape[ax]) break;
      idx[ax] = 0;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ W3 kernel

/**
 * 3x3 mean over axes 1 and 2 of a padded (P, H, W) float32 block, one pass: for every output row,
 * the running sums of three input rows (in float64) slide through registers, a + c + d over 9.
 * The one-element rim is left 0: mapOverlap trims it. (A two-pass version with a column-sum buffer
 * measured 2.5x slower.) Self-contained (no outside names), so it can run as a portable function on
 * the worker threads.
 */
function mean3x3(b: NDArray, _info: BlockInfo): Block {
  if (b.shape.length !== 3) throw new RangeError(`mean3x3: expected a 3-d block, got shape [${b.shape.join(", ")}]`);
  if (!(b.data instanceof Float32Array)) throw new TypeError("mean3x3: expected float32 data");
  const [P, H, W] = b.shape;
  const [s0, s1, s2] = b.stride;
  const src = b.data;
  const off = b.offset;
  const out = new Float32Array(P * H * W);
  if (H >= 3 && W >= 3) {
    for (let p = 0; p < P; p++) {
      for (let i = 1; i < H - 1; i++) {
        const o = (p * H + i) * W - 1;
        if (s2 === 1) {
          const r1 = off + p * s0 + i * s1;
          const r0 = r1 - s1;
          const r2 = r1 + s1;
          let a = src[r0] + src[r1] + src[r2];
          let c = src[r0 + 1] + src[r1 + 1] + src[r2 + 1];
          for (let j = 2; j < W; j++) {
            const d = src[r0 + j] + src[r1 + j] + src[r2 + j];
            out[o + j] = (a + c + d) / 9;
            a = c;
            c = d;
          }
        } else {
          const r1 = off + p * s0 + i * s1;
          const r0 = r1 - s1;
          const r2 = r1 + s1;
          let a = src[r0] + src[r1] + src[r2];
          let c = src[r0 + s2] + src[r1 + s2] + src[r2 + s2];
          for (let j = 2; j < W; j++) {
            const q = j * s2;
            const d = src[r0 + q] + src[r1 + q] + src[r2 + q];
            out[o + j] = (a + c + d) / 9;
            a = c;
            c = d;
          }
        }
      }
    }
  }
  return { data: out, shape: [P, H, W], stride: [H * W, W, 1], offset: 0 };
}

// ------------------------------------------------------------------------------------ workloads

interface Workload {
  id: WorkloadId;
  title: string;
  shape: number[];
  chunks: number[];
  build: (x: LazyArray) => LazyArray;
}

const WORKLOADS: Record<WorkloadId, Workload> = {
  w1: {
    id: "w1",
    title: "W1 sum axis (0,1), (128,128,1024) f32 / (32,32,1024)",
    shape: [128, 128, 1024],
    chunks: [32, 32, 1024],
    build: (x) => x.sum({ axis: [0, 1] }),
  },
  w3: {
    id: "w3",
    title: "W3 3x3 mean mapOverlap reflect, (16,512,512) f32 / (4,256,256)",
    shape: [16, 512, 512],
    chunks: [4, 256, 256],
    build: (x) => x.mapOverlap(mean3x3, { depth: { 1: 1, 2: 1 }, boundary: "reflect", portable: true }),
  },
  w4: {
    id: "w4",
    title: "W4 ((x*2+1)**2).mean(), (256,256,512) f32 / (64,64,512)",
    shape: [256, 256, 512],
    chunks: [64, 64, 512],
    build: (x) => x.mul(2).add(1).pow(2).mean(),
  },
};

interface Timing {
  min: number;
  median: number;
  runs: number[];
}

function summarize(runs: number[]): Timing {
  const s = runs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  return { min: s[0], median, runs };
}

interface OursRun {
  ok: boolean;
  error?: string;
  timing?: Timing;
  stats?: Partial<ComputeStats>;
}

interface OursResult {
  sync: OursRun;
  threads: OursRun;
  /** The sync scheduler's result (checked against dask). */
  result?: NDArray;
  /** max |sync - threads| over the result. */
  threadsDiff?: number;
  inputBitSum: string;
}

/** Worker threads of our "threads" scheduler: as many as dask's threads. */
const OUR_WORKERS = 2;

async function timeOurs(w: Workload, src: LazyArray, opts: ComputeOptions, n: number): Promise<OursRun & { result?: NDArray }> {
  const once = (stats?: Partial<ComputeStats>): Promise<NDArray> => w.build(src).compute({ ...opts, stats });
  try {
    const stats: Partial<ComputeStats> = {};
    const result = await once(stats); // warm-up (also the result we check)
    const runs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await once();
      runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { ok: true, timing: summarize(runs), stats, result };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

async function runOurs(w: Workload, n: number): Promise<OursResult> {
  const input = makeData(w.shape);
  const inputBitSum = bitSum(input.data as Float32Array).toString();
  const src = fromArray(input, { chunks: w.chunks });
  const { result, ...sync } = await timeOurs(w, src, { scheduler: "sync" }, n);
  const { result: rt, ...threads } = await timeOurs(w, src, { scheduler: "threads", numWorkers: OUR_WORKERS }, n);
  let threadsDiff: number | undefined;
  if (result && rt) threadsDiff = compareArrays(flat(rt), flat(result)).maxAbs;
  return { sync, threads, result, threadsDiff, inputBitSum };
}

// ------------------------------------------------------------------------------------ dask

interface DaskTiming {
  min: number;
  median: number;
  runs: number[];
}

interface DaskWorkload {
  tasksFull: number;
  tasksOptimized: number;
  threads: DaskTiming;
  sync: DaskTiming;
  numpy_ms?: number;
  scipy_ms?: number;
  input: { shape: number[]; sum: number; bitsum: string };
  result: {
    dtype: string;
    shape: number[];
    values?: number[];
    value?: number;
    sum?: number;
    sumsq?: number;
    file?: string;
    maxAbsDiffVsScipy?: number;
  };
}

interface DaskReport {
  versions: Record<string, string>;
  threads: number;
  n: number;
  workloads: Partial<Record<WorkloadId, DaskWorkload>>;
}

function runDask(args: Args): { report?: DaskReport; error?: string } {
  const cmd = [DASK_SCRIPT, "--json", "--n", String(args.n), "--workloads", args.workloads.join(","), "--outdir", RESULTS];
  const r = spawnSync(PYTHON, cmd, { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"], timeout: 30 * 60_000 });
  if (r.error) return { error: `${PYTHON} ${path.relative(ROOT, DASK_SCRIPT)}: ${r.error.message}` };
  if (r.status !== 0) {
    return { error: `${PYTHON} ${path.relative(ROOT, DASK_SCRIPT)} exited with ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}` };
  }
  try {
    return { report: JSON.parse(r.stdout) as DaskReport };
  } catch (e) {
    return { error: `could not parse the dask JSON: ${(e as Error).message}` };
  }
}

// ------------------------------------------------------------------------------------ checks

interface Check {
  summary: string;
  maxAbsDiff?: number;
  maxRelDiff?: number;
  ours?: number;
  dask?: number;
  pass?: boolean;
}

function compareArrays(ours: ArrayLike<number>, theirs: ArrayLike<number>): { maxAbs: number; maxRel: number } {
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]);
    if (!(d <= maxAbs)) maxAbs = d; // NaN propagates
    const rel = d / Math.max(Math.abs(theirs[i]), 1e-30);
    if (!(rel <= maxRel)) maxRel = rel;
  }
  return { maxAbs, maxRel };
}

/** float32 results: sums of 16384 float32 values agree to a few float32 ulps; filters to ~1 ulp. */
const REL_TOL: Record<WorkloadId, number> = { w1: 1e-5, w3: 1e-6, w4: 1e-5 };

function check(id: WorkloadId, ours: OursResult, dask: DaskWorkload | undefined): Check {
  if (!ours.sync.ok || !ours.result) return { summary: "—" };
  const r = ours.result;
  const v = flat(r);
  const oursSum = sum64(v);
  if (!dask) return { summary: `ours sum ${oursSum.toPrecision(10)} (no dask)`, ours: oursSum };
  if (ours.inputBitSum !== dask.input.bitsum) {
    return { summary: `INPUT DIFFERS: bit-pattern sums ours ${ours.inputBitSum} dask ${dask.input.bitsum}`, pass: false };
  }
  const shapeOk = r.shape.length === dask.result.shape.length && r.shape.every((s, i) => s === dask.result.shape[i]);
  if (!shapeOk) return { summary: `SHAPE DIFFERS: ours [${r.shape.join(",")}] dask [${dask.result.shape.join(",")}]`, pass: false };
  let theirs: ArrayLike<number>;
  if (id === "w1") theirs = dask.result.values ?? [];
  else if (id === "w4") theirs = [dask.result.value ?? NaN];
  else {
    const buf = fs.readFileSync(dask.result.file ?? path.join(RESULTS, "w3_dask.f32"));
    theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
  }
  if (theirs.length !== v.length) return { summary: `LENGTH DIFFERS: ours ${v.length} dask ${theirs.length}`, pass: false };
  const { maxAbs, maxRel } = compareArrays(v, theirs);
  const daskSum = sum64(theirs);
  const pass = maxRel <= REL_TOL[id];
  const what = id === "w4" ? `ours ${v[0]} dask ${theirs[0]}` : `sum ours ${oursSum.toPrecision(10)} dask ${daskSum.toPrecision(10)}`;
  return {
    summary: `${pass ? "agree" : "DISAGREE"}: ${what}, max abs diff ${maxAbs.toExponential(2)} (rel ${maxRel.toExponential(2)})`,
    maxAbsDiff: maxAbs,
    maxRelDiff: maxRel,
    ours: id === "w4" ? v[0] : oursSum,
    dask: id === "w4" ? theirs[0] : daskSum,
    pass,
  };
}

// ------------------------------------------------------------------------------------ report

const f = (ms: number | undefined): string => (ms === undefined || !Number.isFinite(ms) ? "—" : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const pair = (t: { min: number; median: number } | undefined): string => (t ? `${f(t.min)} / ${f(t.median)}` : "—");
const ratio = (a: Timing | undefined, b: DaskTiming | undefined): string => (a && b ? (a.min / b.min).toFixed(2) : "—");

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(RESULTS, { recursive: true });
  const started = new Date();
  const log = (s: string) => process.stderr.write(s + "\n");

  let dask: DaskReport | undefined;
  let daskError: string | undefined;
  if (args.dask) {
    log(`dask: ${PYTHON} bench/dask_bench.py --json --n ${args.n} --workloads ${args.workloads.join(",")} ...`);
    const t0 = Date.now();
    const d = runDask(args);
    dask = d.report;
    daskError = d.error;
    log(daskError ? `dask: FAILED: ${daskError}` : `dask: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  const ours: Partial<Record<WorkloadId, OursResult>> = {};
  const checks: Partial<Record<WorkloadId, Check>> = {};
  const status = (r: OursRun) => (r.ok ? `min ${f(r.timing?.min)} ms` : r.error);
  for (const id of args.workloads) {
    const t0 = Date.now();
    const r = await runOurs(WORKLOADS[id], args.n);
    ours[id] = r;
    checks[id] = check(id, r, dask?.workloads[id]);
    log(`ours ${id}: sync ${status(r.sync)}, threads ${status(r.threads)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    delete r.result; // let the big arrays go before the next workload
  }

  const cell = (r: OursRun): string => {
    if (r.ok) return pair(r.timing);
    const msg = (r.error ?? "").replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 120);
    return /not implemented yet/.test(msg) ? `not available yet: ${msg}` : `failed: ${msg}`;
  };
  const lines: string[] = [];
  lines.push(
    `N = ${args.n} runs after 1 warm-up, ms as min / median. ours-sync: scheduler "sync" (1 thread); ours-thr: scheduler "threads" with ${OUR_WORKERS} workers; ` +
      `dask ${dask?.versions.dask ?? "?"}: dask-thr = threaded scheduler, ${dask?.threads ?? 2} threads; dask-sync = scheduler='sync' (1 thread). ` +
      `Ratios compare the mins (>1: we are slower). Tasks: ours tasksRun (sync) / dask's optimized graph length.`,
  );
  lines.push("");
  lines.push(
    "| workload | ours-sync | ours-thr | dask-thr | dask-sync | ours-sync / dask-thr | ours-sync / dask-sync | ours-thr / dask-thr | tasks ours / dask | numpy or scipy, 1 thread |",
  );
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const id of args.workloads) {
    const o = ours[id] as OursResult;
    const d = dask?.workloads[id];
    const tasks = `${o.sync.stats?.tasksRun ?? "—"} / ${d?.tasksOptimized ?? "—"}`;
    const ref = d?.numpy_ms ?? d?.scipy_ms;
    lines.push(
      `| ${WORKLOADS[id].title} | ${cell(o.sync)} | ${cell(o.threads)} | ${pair(d?.threads)} | ${pair(d?.sync)} | ` +
        `${ratio(o.sync.timing, d?.threads)} | ${ratio(o.sync.timing, d?.sync)} | ${ratio(o.threads.timing, d?.threads)} | ${tasks} | ${f(ref)} |`,
    );
  }
  if (daskError) lines.push("", `dask side failed: ${daskError}`, "(the dask columns need Debian's Python with numpy, dask and scipy: apt-get install -y python3-dask python3-scipy)");
  lines.push("", "Results, ours (sync) against dask:", "");
  for (const id of args.workloads) {
    const o = ours[id] as OursResult;
    const td = o.threadsDiff === undefined ? "" : `; ours threads vs sync max abs diff ${o.threadsDiff.toExponential(2)}`;
    lines.push(`- ${id}: ${checks[id]?.summary ?? "—"}${td}`);
  }
  const w3 = dask?.workloads.w3;
  if (w3?.result.maxAbsDiffVsScipy !== undefined) {
    lines.push(`- w3 (dask against scipy uniform_filter on the whole array: max abs diff ${w3.result.maxAbsDiffVsScipy})`);
  }
  console.log(lines.join("\n"));

  const cpus = os.cpus();
  const json = {
    date: started.toISOString(),
    command: `node dist/bench/run.js ${process.argv.slice(2).join(" ")}`.trim(),
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? "?", memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.release()}` },
    python: dask?.versions,
    n: args.n,
    oursWorkers: OUR_WORKERS,
    workloads: Object.fromEntries(
      args.workloads.map((id) => {
        const o = ours[id] as OursResult;
        const d = dask?.workloads[id];
        const r = (a: Timing | undefined, b: DaskTiming | undefined) => (a && b ? a.min / b.min : null);
        return [
          id,
          {
            title: WORKLOADS[id].title,
            ours: { sync: o.sync, threads: o.threads, threadsVsSyncMaxAbsDiff: o.threadsDiff },
            dask: d ? { threads: d.threads, sync: d.sync, tasksFull: d.tasksFull, tasksOptimized: d.tasksOptimized, numpyMs: d.numpy_ms, scipyMs: d.scipy_ms } : { error: daskError ?? "not run" },
            ratios: {
              oursSyncOverDaskThreads: r(o.sync.timing, d?.threads),
              oursSyncOverDaskSync: r(o.sync.timing, d?.sync),
              oursThreadsOverDaskThreads: r(o.threads.timing, d?.threads),
            },
            check: checks[id],
          },
        ];
      }),
    ),
    markdown: lines.join("\n"),
  };
  const out = path.join(RESULTS, "latest.json");
  fs.writeFileSync(out, JSON.stringify(json, null, 1) + "\n");
  log(`wrote ${path.relative(ROOT, out)}`);
  if (Object.values(checks).some((c) => c?.pass === false)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof RangeError ? `bench: ${e.message}` : e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}

export { makeData, mean3x3, sum64, flat, WORKLOADS };
