/**
 * A local Dask cluster for the tests: a plain `dask-scheduler` and `dask-worker`s (Debian's
 * python3-distributed 2022.12, run as `python -m distributed.cli.dask_*`) on free 127.0.0.1 ports,
 * each in its own process group, stopped by `stop()` (and on exit, whatever happens).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const PYTHON = process.env.HSTS_TEST_PYTHON ?? "/usr/bin/python3";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const alive = new Set<ChildProcess>();
function killGroup(p: ChildProcess, sig: NodeJS.Signals = "SIGKILL"): void {
  if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  try {
    process.kill(-p.pid, sig);
  } catch {
    // already gone
  }
}
process.on("exit", () => {
  for (const p of alive) killGroup(p);
});

function start(args: string[], logFile: string): { proc: ChildProcess; log: () => string } {
  const out = fs.openSync(logFile, "a");
  const proc = spawn(PYTHON, args, { detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  alive.add(proc);
  proc.on("exit", () => alive.delete(proc));
  proc.unref();
  return { proc, log: () => fs.readFileSync(logFile, "utf8") };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`cluster: ${what} did not happen within ${timeoutMs} ms; log:\n${log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Cluster {
  address: string;
  dir: string;
  scheduler: ChildProcess;
  workers: ChildProcess[];
  /** Stop the scheduler only (the workers stay, as after a scheduler crash). */
  killScheduler(): void;
  stop(): Promise<void>;
}

export async function startCluster(nWorkers = 2, opts: { memoryLimit?: string; nthreads?: number } = {}): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hsts-dask-"));
  const port = await freePort();
  const address = `tcp://127.0.0.1:${port}`;
  const s = start(["-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", String(port), "--no-dashboard", "--no-show"], path.join(dir, "scheduler.log"));
  const workers: ChildProcess[] = [];
  try {
    await waitFor("scheduler start", () => /Scheduler at:/.test(s.log()), 30000, s.log);
    for (let i = 0; i < nWorkers; i++) {
      const w = start(
        [
          "-m", "distributed.cli.dask_worker", address,
          "--nthreads", String(opts.nthreads ?? 1),
          "--memory-limit", opts.memoryLimit ?? "2GiB",
          "--no-dashboard", "--host", "127.0.0.1",
          "--local-directory", path.join(dir, `w${i}`),
          "--name", `w${i}`,
        ],
        path.join(dir, `worker${i}.log`),
      );
      workers.push(w.proc);
    }
    await waitFor(`${nWorkers} workers registering`, () => (s.log().match(/Register worker/g) ?? []).length >= nWorkers, 60000, s.log);
  } catch (e) {
    killGroup(s.proc);
    for (const w of workers) killGroup(w);
    throw e;
  }
  const all = () => [s.proc, ...workers];
  return {
    address,
    dir,
    scheduler: s.proc,
    workers,
    killScheduler: () => killGroup(s.proc),
    stop: async () => {
      for (const p of all()) killGroup(p, "SIGTERM");
      const t0 = Date.now();
      while (all().some((p) => p.exitCode === null && p.signalCode === null) && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 50));
      for (const p of all()) killGroup(p);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
