/**
 * `npm run bench`: our lazy engine against dask on the same data, in the same run, interleaved.
 *
 *   node dist/bench/run.js [--quick] [--n N] [--workloads w1,w3,w4,w7,w7i,w8] [--input sab|arena] [--no-dask]
 *
 * Workloads: bench/workloads.ts. The dask side is bench/dask_bench.py --serve (spawned with
 * /usr/bin/python3, BENCH_PYTHON overrides), which holds the same data. For every workload, after
 * one warm-up of each, N rounds run one timed run of each in turn: ours sync, dask threads, ours
 * threads (2 workers), dask sync, numpy (1 thread); so load from other jobs on the machine hits
 * both sides alike. Timed: building the operation's graph on the (untimed) source plus compute().
 * A memory-bandwidth line (numpy sums of a 512 MiB array, 1 and 2 threads) gives each workload's
 * floor: its input bytes read once at the 2-thread rate. Writes bench/results/latest.json.
 */
import { spawn, ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { LazyArray, fromArray, type ComputeOptions, type ComputeStats, type NDArray } from "../lazy";
import { ALL, Placement, WORKLOADS, Workload, WorkloadId, bitSum, flat, makeData, mean3x3, sum64 } from "./workloads";

const ROOT = path.resolve(__dirname, "..", "..");
const RESULTS = path.join(ROOT, "bench", "results");
const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const DASK_SCRIPT = path.join(ROOT, "bench", "dask_bench.py");
/** Worker threads of our "threads" scheduler: as many as dask's threads. */
const OUR_WORKERS = 2;

interface Args {
  n: number;
  workloads: WorkloadId[];
  dask: boolean;
  input: Placement;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { n: 5, workloads: ALL.slice(), dask: true, input: "sab" };
  const usage = "usage: node dist/bench/run.js [--quick] [--n N] [--workloads w1,w3,w4,w7,w7i,w8] [--input sab|arena] [--no-dask]";
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === "--quick") a.n = 2;
    else if (s === "--n") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`--n needs a positive integer, got ${argv[i]}`);
      a.n = n;
    } else if (s === "--workloads") {
      const ws = (argv[++i] ?? "").split(",").map((w) => w.trim().toLowerCase()).filter(Boolean);
      const bad = ws.filter((w) => !(ALL as string[]).includes(w));
      if (bad.length || !ws.length) throw new RangeError(`--workloads: unknown ${JSON.stringify(bad)}; choose from ${ALL.join(",")}`);
      a.workloads = ws as WorkloadId[];
    } else if (s === "--input") {
      const p = argv[++i];
      if (p !== "sab" && p !== "arena") throw new RangeError(`--input: sab or arena, got ${p}`);
      a.input = p;
    } else if (s === "--no-dask") a.dask = false;
    else if (s === "--help" || s === "-h") {
      console.log(usage);
      process.exit(0);
    } else throw new RangeError(`unknown argument ${s}; ${usage}`);
  }
  return a;
}

// ------------------------------------------------------------------------------------ dask server

type Reply = Record<string, unknown> & { error?: string };

class DaskServer {
  private readonly p: ChildProcessWithoutNullStreams;
  private readonly waiting: ((r: Reply) => void)[] = [];
  private stderr = "";
  constructor() {
    this.p = spawn(PYTHON, [DASK_SCRIPT, "--serve"], { stdio: ["pipe", "pipe", "pipe"] });
    readline.createInterface({ input: this.p.stdout }).on("line", (l) => this.waiting.shift()?.(JSON.parse(l) as Reply));
    this.p.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.p.on("exit", (code) => {
      for (const w of this.waiting.splice(0)) w({ error: `dask_bench.py exited (${code}): ${this.stderr.trim().split("\n").slice(-2).join(" | ")}` });
    });
  }
  ask(req: Record<string, unknown>): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.p.stdin.write(JSON.stringify(req) + "\n");
    });
  }
  close(): void {
    this.p.stdin.end(JSON.stringify({ op: "quit" }) + "\n");
  }
}

// ------------------------------------------------------------------------------------ timing

interface Timing {
  min: number;
  median: number;
  runs: number[];
}

function summarize(runs: number[]): Timing | undefined {
  if (!runs.length) return undefined;
  const s = runs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return { min: s[0], median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, runs };
}

type Column = "oursSync" | "oursThr" | "daskThr" | "daskSync" | "numpy";
const COLUMNS: Column[] = ["oursSync", "daskThr", "oursThr", "daskSync", "numpy"];

interface Row {
  w: Workload;
  runs: Record<Column, number[]>;
  errors: Partial<Record<Column, string>>;
  stats?: Partial<ComputeStats>;
  inputBytes: number;
  inputBitSum?: string;
  dask?: Reply;
  daskResult?: Reply;
  check: string;
  pass?: boolean;
  oursDtype?: string;
}

async function timeOnce(f: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function checkRow(row: Row, ours: NDArray | undefined, threadsDiff: number | undefined): void {
  const d = row.daskResult;
  if (!ours) return;
  const v = flat(ours);
  const td = threadsDiff === undefined ? "" : `; threads vs sync max abs diff ${threadsDiff.toExponential(2)}`;
  if (!d || d.error) {
    row.check = `ours sum ${sum64(v).toPrecision(10)} (no dask${d?.error ? `: ${d.error}` : ""})${td}`;
    return;
  }
  const input = (row.dask?.input ?? {}) as { bitsum?: string };
  if (row.inputBitSum !== input.bitsum) {
    row.check = `INPUT DIFFERS: bit-pattern sums ours ${row.inputBitSum} dask ${input.bitsum}`;
    row.pass = false;
    return;
  }
  let theirs: ArrayLike<number>;
  if (row.w.kind === "values") theirs = d.values as number[];
  else if (row.w.kind === "value") theirs = [d.value as number];
  else {
    const buf = fs.readFileSync(d.file as string);
    theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
  }
  if (theirs.length !== v.length) {
    row.check = `LENGTH DIFFERS: ours ${v.length} dask ${theirs.length}`;
    row.pass = false;
    return;
  }
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < v.length; i++) {
    const e = Math.abs(v[i] - theirs[i]);
    if (!(e <= maxAbs)) maxAbs = e;
    const r = e / Math.max(Math.abs(theirs[i]), 1e-30);
    if (!(r <= maxRel)) maxRel = r;
  }
  row.pass = maxRel <= row.w.rtol;
  const what = row.w.kind === "value" ? `ours ${v[0]} dask ${theirs[0]}` : `sum ours ${sum64(v).toPrecision(12)} dask ${sum64(theirs).toPrecision(12)}`;
  row.check = `${row.pass ? "agree" : "DISAGREE"}: ${what}, max abs diff ${maxAbs.toExponential(2)} (rel ${maxRel.toExponential(2)}); dtype ours ${row.oursDtype} dask ${String(d.dtype)}${td}`;
}

async function runWorkload(w: Workload, args: Args, dask: DaskServer | null, log: (s: string) => void): Promise<Row> {
  const row: Row = { w, runs: { oursSync: [], oursThr: [], daskThr: [], daskSync: [], numpy: [] }, errors: {}, inputBytes: 0, check: "—" };
  let src: LazyArray | null = null;
  try {
    const input = makeData(w.shape, w.dtype, args.input);
    row.inputBytes = (input.data as unknown as { byteLength: number }).byteLength;
    row.inputBitSum = bitSum(input.data as unknown as ArrayLike<number>).toString();
    src = fromArray(input, { chunks: w.chunks });
  } catch (e) {
    row.errors.oursSync = row.errors.oursThr = e instanceof Error ? e.message : String(e);
  }
  if (dask) {
    row.dask = await dask.ask({ op: "setup", w: w.id });
    if (row.dask.error) row.errors.daskThr = row.errors.daskSync = row.errors.numpy = row.dask.error;
  }
  const opts: Record<"oursSync" | "oursThr", ComputeOptions> = { oursSync: { scheduler: "sync" }, oursThr: { scheduler: "threads", numWorkers: OUR_WORKERS } };
  const results: Partial<Record<"oursSync" | "oursThr", NDArray>> = {};
  const one = async (c: Column, warm: boolean): Promise<void> => {
    if (row.errors[c]) return;
    try {
      let ms: number;
      if (c === "oursSync" || c === "oursThr") {
        const s = src as LazyArray;
        if (warm) {
          const stats: Partial<ComputeStats> = {};
          const r = await w.build(s).compute({ ...opts[c], stats });
          results[c] = r;
          if (c === "oursSync") {
            row.stats = stats;
            row.oursDtype = w.build(s).dtype;
          }
          return;
        }
        ms = await timeOnce(() => w.build(s).compute(opts[c]));
      } else {
        const r = await (dask as DaskServer).ask({ op: "run", w: w.id, mode: c === "daskThr" ? "threads" : c === "daskSync" ? "sync" : "numpy" });
        if (r.error) throw new Error(r.error);
        if (warm) return;
        ms = r.ms as number;
      }
      row.runs[c].push(ms);
    } catch (e) {
      row.errors[c] = e instanceof Error ? e.message : String(e);
    }
  };
  const cols = COLUMNS.filter((c) => dask || c === "oursSync" || c === "oursThr");
  for (const c of cols) await one(c, true);
  for (let i = 0; i < args.n; i++) for (const c of cols) await one(c, false);
  if (dask && !row.dask?.error) row.daskResult = await dask.ask({ op: "result", w: w.id, outdir: RESULTS });
  let td: number | undefined;
  if (results.oursSync && results.oursThr) {
    const a = flat(results.oursSync);
    const b = flat(results.oursThr);
    td = 0;
    for (let i = 0; i < a.length; i++) td = Math.max(td, Math.abs(a[i] - b[i]));
  }
  checkRow(row, results.oursSync, td);
  log(`${w.id}: ${cols.map((c) => `${c} ${summarize(row.runs[c])?.min.toFixed(2) ?? row.errors[c]}`).join(", ")}`);
  return row;
}

// ------------------------------------------------------------------------------------ report

const f = (ms: number | undefined): string => (ms === undefined || !Number.isFinite(ms) ? "—" : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(RESULTS, { recursive: true });
  const started = new Date();
  const log = (s: string) => process.stderr.write(s + "\n");
  const dask = args.dask ? new DaskServer() : null;
  const versions = dask ? await dask.ask({ op: "versions" }) : undefined;
  const bw = dask ? await dask.ask({ op: "bandwidth", mib: 512 }) : undefined;
  const gbps2 = bw && !bw.error ? Math.max(bw.gbps2 as number, bw.gbps1 as number) : undefined;
  log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const rows: Row[] = [];
  for (const id of args.workloads) rows.push(await runWorkload(WORKLOADS[id], args, dask, log));
  const loadEnd = os.loadavg();
  dask?.close();

  const cell = (r: Row, c: Column): string => {
    const t = summarize(r.runs[c]);
    if (t) return `${f(t.min)} / ${f(t.median)}`;
    const msg = (r.errors[c] ?? "").replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 90);
    return msg ? `failed: ${msg}` : "—";
  };
  const ratio = (r: Row, a: Column, b: Column): string => {
    const x = summarize(r.runs[a]);
    const y = summarize(r.runs[b]);
    return x && y ? (x.min / y.min).toFixed(2) : "—";
  };
  const lines: string[] = [];
  lines.push(
    `N = ${args.n} interleaved rounds after 1 warm-up, ms as min / median. Input in ${args.input === "arena" ? "the kernels' arena (lazy.arenaArray)" : "a SharedArrayBuffer"}. ` +
      `ours-sync: scheduler "sync"; ours-thr: "threads", ${OUR_WORKERS} workers; dask ${String(versions?.dask ?? "?")}: dask-thr = threaded, 2 threads; dask-sync = scheduler='sync'; numpy: 1 thread. ` +
      `Ratios compare the mins (<1: we are faster). Floor: input bytes read once at the 2-thread bandwidth.`,
  );
  lines.push("");
  lines.push("| workload | ours-sync | ours-thr | dask-thr | dask-sync | numpy | ours-thr / dask-thr | ours-sync / dask-sync | floor ms | ours-thr / floor | dask-thr / floor | tasks ours / dask |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const floor = gbps2 ? (r.inputBytes / (gbps2 * 1e9)) * 1e3 : undefined;
    const over = (c: Column) => {
      const t = summarize(r.runs[c]);
      return t && floor ? (t.min / floor).toFixed(1) : "—";
    };
    lines.push(
      `| ${r.w.title} | ${cell(r, "oursSync")} | ${cell(r, "oursThr")} | ${cell(r, "daskThr")} | ${cell(r, "daskSync")} | ${cell(r, "numpy")} | ` +
        `${ratio(r, "oursThr", "daskThr")} | ${ratio(r, "oursSync", "daskSync")} | ${f(floor)} | ${over("oursThr")} | ${over("daskThr")} | ${r.stats?.tasksRun ?? "—"} / ${String(r.dask?.tasksOptimized ?? "—")} |`,
    );
  }
  if (bw && !bw.error) {
    lines.push(`| memory bandwidth: numpy float32 sum of 512 MiB | 1 thread ${(bw.gbps1 as number).toFixed(1)} GB/s | 2 threads ${(bw.gbps2 as number).toFixed(1)} GB/s | | | | | | | | | |`);
  }
  lines.push("", `Load average (1, 5, 15 min) at the end: ${loadEnd.map((x) => x.toFixed(2)).join(", ")}.`, "", "Results, ours (sync) against dask:", "");
  for (const r of rows) lines.push(`- ${r.w.id}: ${r.check}`);
  console.log(lines.join("\n"));

  const cpus = os.cpus();
  const json = {
    date: started.toISOString(),
    command: `node dist/bench/run.js ${process.argv.slice(2).join(" ")}`.trim(),
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? "?", memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, loadEnd },
    python: versions,
    bandwidth: bw,
    n: args.n,
    input: args.input,
    workloads: Object.fromEntries(rows.map((r) => [r.w.id, { title: r.w.title, runs: r.runs, errors: r.errors, stats: r.stats, tasksDask: r.dask?.tasksOptimized, check: r.check, pass: r.pass }])),
    markdown: lines.join("\n"),
  };
  const out = path.join(RESULTS, "latest.json");
  fs.writeFileSync(out, JSON.stringify(json, null, 1) + "\n");
  log(`wrote ${path.relative(ROOT, out)}`);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof RangeError ? `bench: ${e.message}` : e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}

export { makeData, mean3x3, sum64, flat, WORKLOADS };
