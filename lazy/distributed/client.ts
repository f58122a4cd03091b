/**
 * The kernel's side of the dask client: one long-lived Python process per interpreter
 * (python/hsts_dask_client.py, which holds one distributed.Client per scheduler address), spoken to
 * in frames (wire.ts). An idle client process does not keep Node alive.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import type { Socket } from "node:net";
import { Frame, FrameReader, Json, encodeFrame } from "./wire";

/** Where the Python files are: lazy/distributed/python in the package (shipped by package.json "files"). */
export function pythonDir(): string {
  // dist/lazy/distributed -> <package>/lazy/distributed/python
  return path.resolve(__dirname, "..", "..", "..", "lazy", "distributed", "python");
}

type Handler = (f: Frame) => void;

export class DaskClientProcess {
  readonly python: string;
  private readonly child: ChildProcess;
  private readonly reader = new FrameReader("dask client output");
  private readonly handlers = new Map<number, Handler>();
  private nextId = 0;
  private stderrTail = "";
  private active = 0;
  exited: Error | null = null;
  readonly ready: Promise<{ python: string; distributed: string }>;

  constructor(python: string) {
    this.python = python;
    const script = path.join(pythonDir(), "hsts_dask_client.py");
    this.child = spawn(python, ["-u", script], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    let readyResolve!: (v: { python: string; distributed: string }) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => undefined);
    this.child.stdout?.on("data", (b: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.reader.push(b);
      } catch (e) {
        this.fail(new Error(`${(e as Error).message}; stderr: ${this.stderrTail}`));
        this.child.kill("SIGKILL");
        return;
      }
      for (const f of frames) {
        const h = f.header;
        if (h.type === "ready") readyResolve({ python: String(h.python), distributed: String(h.distributed) });
        else if (h.type === "fatal") {
          const e = new Error(`dask: ${String(h.message)}`);
          readyReject(e);
          this.fail(e);
        } else {
          const id = typeof h.id === "number" ? h.id : -1;
          this.handlers.get(id)?.(f);
        }
      }
    });
    this.child.stderr?.on("data", (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString("utf8")).slice(-4000);
      if (process.env.HSTS_DASK_DEBUG) process.stderr.write(b);
    });
    this.child.on("error", (e) => {
      const err = new Error(
        `dask: cannot start the client program with Python ${JSON.stringify(python)}: ${e.message}; give the interpreter that has \`distributed\` with the \`dask: {python}\` option or HSTS_PYTHON`,
      );
      readyReject(err);
      this.fail(err);
    });
    this.child.on("exit", (code, sig) => {
      const err = new Error(`dask: the client program (${python}) exited (${sig ?? `code ${code}`})${this.stderrTail ? `; its last output: ${this.stderrTail.trim().split("\n").slice(-6).join("\n")}` : ""}`);
      readyReject(err);
      this.fail(err);
    });
    // referenced until ready (a compute waits for it), then only while a conversation is open
    void this.ready.then(
      () => {
        if (this.active === 0) this.unref();
      },
      () => this.unref(),
    );
  }

  private fail(e: Error): void {
    if (!this.exited) this.exited = e;
    const hs = Array.from(this.handlers.values());
    this.handlers.clear();
    for (const h of hs) h({ header: { type: "exit", message: e.message }, bufs: [] });
  }

  private unref(): void {
    this.child.unref();
    (this.child.stdout as Socket | null)?.unref?.();
    (this.child.stderr as Socket | null)?.unref?.();
    (this.child.stdin as unknown as Socket | null)?.unref?.();
  }

  private ref(): void {
    this.child.ref();
    (this.child.stdout as Socket | null)?.ref?.();
    (this.child.stderr as Socket | null)?.ref?.();
    (this.child.stdin as unknown as Socket | null)?.ref?.();
  }

  /** Open a conversation: frames carrying its id go to `onFrame` until `close()`. */
  open(onFrame: Handler): { id: number; send: (h: Record<string, Json>, bufs?: Uint8Array[]) => void; close: () => void } {
    const id = ++this.nextId;
    this.handlers.set(id, onFrame);
    if (this.active++ === 0) this.ref();
    let closed = false;
    return {
      id,
      send: (h, bufs = []) => {
        if (this.exited) throw this.exited;
        for (const b of encodeFrame({ ...h, id }, bufs)) this.child.stdin?.write(b);
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.handlers.delete(id);
        if (--this.active === 0) this.unref();
      },
    };
  }

  kill(): void {
    this.child.kill("SIGTERM");
  }
}

const procs = new Map<string, DaskClientProcess>();

/** The client process for `python` (started on first use, restarted after it exited). */
export function clientProcess(python: string): DaskClientProcess {
  let p = procs.get(python);
  if (!p || p.exited) {
    p = new DaskClientProcess(python);
    procs.set(python, p);
  }
  return p;
}

/** Stop every dask client process (they also stop when this process exits). */
export function closeDaskClients(): void {
  for (const p of procs.values()) p.kill();
  procs.clear();
}
