/**
 * W2: `map` of a per-spectrum function over a (64,64|1024) float32 Signal1D, eager and lazy, side by
 * side with HyperSpy's `map` (bench/hyperspy_w2.py, run with /usr/bin/python3) in one command:
 *
 *   npm run build && node dist/bench/w2.js [--n 5]
 *
 * Functions: a quadratic least-squares fit (3 coefficients; closed-form normal equations here,
 * np.polyfit in HyperSpy) and an argmax (a scalar). Ours runs eager (main thread), lazy with the
 * sync scheduler, and lazy with `portable: true` on the worker threads. HyperSpy's lazy signal is
 * chunked (16,16) in navigation, as ours.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as hs from "../index";

type Stat = { min: number; median: number };

const args = process.argv.slice(2);
const N = Number(args[args.indexOf("--n") + 1] || 5);

/** Quadratic least squares y ~ c0 + c1 x + c2 x^2 over x = 0..n-1, returned highest power first as np.polyfit. Self-contained (portable). */
function fit(y: hs.lazy.NDArray): hs.lazy.NDArray {
  const n = y.shape[0];
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
  const d = y.data, o = y.offset, st = y.stride[0];
  for (let i = 0; i < n; i++) {
    const x = i, x2 = x * x, v = Number(d[o + i * st]);
    s0 += 1; s1 += x; s2 += x2; s3 += x2 * x; s4 += x2 * x2;
    t0 += v; t1 += v * x; t2 += v * x2;
  }
  // solve [[s4 s3 s2],[s3 s2 s1],[s2 s1 s0]] [a b c] = [t2 t1 t0] by Cramer's rule
  const det = (a: number, b: number, c: number, d1: number, e: number, f: number, g: number, h: number, k: number) =>
    a * (e * k - f * h) - b * (d1 * k - f * g) + c * (d1 * h - e * g);
  const D = det(s4, s3, s2, s3, s2, s1, s2, s1, s0);
  const A = det(t2, s3, s2, t1, s2, s1, t0, s1, s0) / D;
  const B = det(s4, t2, s2, s3, t1, s1, s2, t0, s0) / D;
  const C = det(s4, s3, t2, s3, s2, t1, s2, s1, t0) / D;
  const out = new Float64Array([A, B, C]);
  return { data: out, shape: [3], stride: [1], offset: 0, size: 3, dtype: "float64", get: (i: number) => out[i] } as unknown as hs.lazy.NDArray;
}

function argmax(y: hs.lazy.NDArray): number {
  const d = y.data, o = y.offset, st = y.stride[0], n = y.shape[0];
  let best = 0, bv = d[o];
  for (let i = 1; i < n; i++) {
    const v = d[o + i * st];
    if (v > bv || v !== v) {
      bv = v;
      best = i;
      if (v !== v) break;
    }
  }
  return best;
}

function data(): hs.lazy.NDArray {
  const n = 64 * 64 * 1024;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((Math.imul(i, 0x9e3779b1) >>> 0) % 1000) / 1000;
  return hs.lazy.fromArray(a).reshape([64, 64, 1024]).computeSync();
}

async function timed(f: () => Promise<unknown> | unknown): Promise<{ stat: Stat; result: unknown }> {
  let result = await f();
  const ts: number[] = [];
  for (let r = 0; r < N; r++) {
    const t0 = process.hrtime.bigint();
    result = await f();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  return { stat: { min: ts[0], median: ts[Math.floor(ts.length / 2)] }, result };
}

function total(s: InstanceType<typeof hs.signals.BaseSignal>): number {
  const d = s.data as hs.lazy.NDArray;
  return hs.lazy.toFlat(d).reduce((a, b) => a + b, 0);
}

async function main(): Promise<void> {
  const nd = data();
  const eager = new hs.signals.Signal1D(nd);
  const lazy = eager.asLazy({ chunks: [16, 16, -1] });
  const rows: string[] = [];
  const py = spawnSync("/usr/bin/python3", [path.join(__dirname, "..", "..", "bench", "hyperspy_w2.py"), "--n", String(N)], { encoding: "utf8", maxBuffer: 1 << 24 });
  const hsr = py.status === 0 ? (JSON.parse(py.stdout.trim().split("\n").pop() as string) as Record<string, { eager: Stat; lazy: Stat; check: number }>) : null;
  if (!hsr) console.log(`HyperSpy side failed (needs Debian's python3-hyperspy): ${py.stderr.split("\n").slice(-3).join(" ")}`);
  for (const [name, fn] of [
    ["fit", fit],
    ["argmax", argmax],
  ] as const) {
    const f = fn as (y: hs.lazy.NDArray) => hs.lazy.NDArray | number;
    const e = await timed(() => eager.map(f, { inplace: false }));
    const l = await timed(() => lazy.map(f, { inplace: false }).compute({ scheduler: "sync" }));
    const p = await timed(() => lazy.map(f, { inplace: false, portable: true }).compute({ scheduler: "threads" }));
    const check = total(e.result as InstanceType<typeof hs.signals.BaseSignal>);
    const h = hsr?.[name];
    const ms = (s?: Stat) => (s ? `${s.min.toFixed(1)} / ${s.median.toFixed(1)}` : "—");
    const ratio = (a: Stat, b?: Stat) => (b ? (a.min / b.min).toFixed(2) : "—");
    rows.push(
      `| ${name} | ${ms(e.stat)} | ${ms(l.stat)} | ${ms(p.stat)} | ${ms(h?.eager)} | ${ms(h?.lazy)} | ${ratio(e.stat, h?.eager)} | ${ratio(p.stat, h?.lazy)} | ${check.toFixed(3)} / ${h ? h.check.toFixed(3) : "—"} |`,
    );
  }
  console.log(`W2: Signal1D (64,64|1024) float32, map of a per-spectrum function; N = ${N} after a warm-up, ms min / median; ratios compare mins (>1: we are slower).\n`);
  console.log("| function | ours eager | ours lazy (sync) | ours lazy (portable, 2 threads) | HyperSpy eager | HyperSpy lazy (2 threads) | eager ratio | lazy ratio | sum of results ours / HyperSpy |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
