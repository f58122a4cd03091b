/**
 * The kernel's I/O thread: heartbeat, control and iopub live here, off the thread that runs user
 * code, so that during a long synchronous cell the heartbeat still answers, `interrupt_request`
 * and `shutdown_request` still arrive, and output written by the cell (console.log in a loop, a
 * progress bar of a synchronous compute) reaches the front-end live instead of when the cell ends.
 *
 * The main thread posts iopub messages here (`IoRequest`); consecutive stream writes of one cell
 * are coalesced (flushed every 25 ms or at 256 KiB, and before any other message) so a loop that
 * prints a million lines sends hundreds of messages, not a million.
 *
 * Interrupts: `interrupt_request` is answered here and turned into SIGINT on our own process: V8's
 * breakOnSigint stops synchronous cell code, and the main thread's SIGINT handler cancels awaited
 * computes. So the "signal" and "message" interrupt modes take one path. When the main thread does
 * not acknowledge within INTERRUPT_GRACE_MS (it is stuck in cell code that runs after an `await`,
 * or in a timer callback of a cell, where breakOnSigint does not reach), this thread stops that
 * JavaScript with `Runtime.terminateExecution` through an inspector session on the main thread
 * (`inspector.Session.connectToMainThread`), only while the main thread says a cell is past its
 * first await, never while it runs the kernel's own code (type-checking, formatting): see `Flag`.
 *
 * Orphans: with JPY_PARENT_PID set (jupyter_client sets it to the launching process), the parent
 * is polled every second, as ipykernel's ParentPollerUnix does; when it is gone (or we were
 * re-parented) the kernel exits. When the parent cannot be watched, the kernel exits after the
 * heartbeat has been silent for HYPERSPY_TS_KERNEL_HEARTBEAT_TIMEOUT seconds (default 600; 0 = never).
 */
import { parentPort, workerData } from "node:worker_threads";
import * as inspector from "node:inspector";
import * as zmq from "zeromq";
import { ConnectionInfo, encodeMessage, endpoint, HeaderFactory, Header, Outgoing, parseMessage, SendQueue, Signer } from "./wire";

export interface IoWorkerData {
  connection: ConnectionInfo;
  session: string;
  /** kernel_info_reply content, answered on control too (5.5). */
  kernelInfo: Record<string, unknown>;
  /** Int32Array over a SharedArrayBuffer, indexed by `Flag`. */
  flags: SharedArrayBuffer;
}

/** Slots of the shared Int32Array between the main thread and this one. */
export const Flag = {
  /** Interrupt generation requested (this thread increments it). */
  Requested: 0,
  /** Interrupt generation handled by the main thread. */
  Handled: 1,
  /** What the main thread runs: a `MainState`. */
  State: 2,
} as const;

/** What the main thread runs (Flag.State). */
export const MainState = {
  /** Between cells (event loop, or a cell's timer callback). */
  Idle: 0,
  /** A cell's synchronous part, inside vm.runInThisContext with breakOnSigint. */
  Sync: 1,
  /** A cell after its first await (its continuations run as microtasks). */
  Async: 2,
  /** The kernel's own work (type-check, formatting): never terminated. */
  Kernel: 3,
} as const;

export const FLAG_SLOTS = 3;

/** Main thread -> I/O thread. */
export type IoRequest =
  | { type: "iopub"; msgType: string; content: Record<string, unknown>; parent: Partial<Header> | null; metadata?: Record<string, unknown> }
  | { type: "close" };

/** I/O thread -> main thread. */
export type IoEvent =
  | { type: "ready" }
  | { type: "shutdown"; restart: boolean }
  | { type: "orphaned"; reason: string }
  | { type: "log"; text: string }
  | { type: "closed" };

const FLUSH_MS = 25;
const FLUSH_BYTES = 256 * 1024;
/** How long the main thread has to acknowledge an interrupt before its JavaScript is terminated. */
const INTERRUPT_GRACE_MS = 250;
const PARENT_POLL_MS = 1000;

function log(text: string): void {
  parentPort?.postMessage({ type: "log", text } satisfies IoEvent);
}

async function run(): Promise<void> {
  const data = workerData as IoWorkerData;
  const conn = data.connection;
  const signer = new Signer(conn.key, conn.signature_scheme);
  const headers = new HeaderFactory(data.session);

  const hb = new zmq.Reply({ linger: 0 });
  const control = new zmq.Router({ linger: 0 });
  const iopub = new zmq.Publisher({ linger: 1000 });
  await hb.bind(endpoint(conn, conn.hb_port));
  await control.bind(endpoint(conn, conn.control_port));
  await iopub.bind(endpoint(conn, conn.iopub_port));

  const onSendError = (e: unknown) => log(`send failed: ${(e as Error).message ?? String(e)}`);
  const iopubQ = new SendQueue(iopub, onSendError);
  const controlQ = new SendQueue(control, onSendError);

  const publish = (m: Outgoing) => {
    const topic = Buffer.from(`kernel.${data.session}.${m.msgType}`);
    return iopubQ.send(encodeMessage({ ...m, identities: [topic] }, headers, signer));
  };

  // Stream coalescing: one pending stream per (name, parent) at a time, in order with everything else.
  let pending: { name: string; parent: Partial<Header> | null; text: string[]; bytes: number } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (!pending) return;
    const p = pending;
    pending = null;
    void publish({ msgType: "stream", content: { name: p.name, text: p.text.join("") }, parent: p.parent });
  };
  const post = (r: Extract<IoRequest, { type: "iopub" }>) => {
    if (r.msgType === "stream") {
      const name = String(r.content.name);
      const text = String(r.content.text);
      if (pending && (pending.name !== name || pending.parent?.msg_id !== r.parent?.msg_id)) flush();
      if (!pending) pending = { name, parent: r.parent, text: [], bytes: 0 };
      pending.text.push(text);
      pending.bytes += text.length;
      if (pending.bytes >= FLUSH_BYTES) flush();
      else if (!timer) timer = setTimeout(flush, FLUSH_MS);
      return;
    }
    flush();
    void publish({ msgType: r.msgType, content: r.content, parent: r.parent, metadata: r.metadata });
  };

  void publish({ msgType: "status", content: { execution_state: "starting" }, parent: null });

  let closing = false;
  parentPort?.on("message", (r: IoRequest) => {
    if (r.type === "iopub") post(r);
    else if (r.type === "close") void close();
  });

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    flush();
    await iopubQ.idle();
    await controlQ.idle();
    hb.close();
    control.close();
    iopub.close();
    parentPort?.postMessage({ type: "closed" } satisfies IoEvent);
  }

  // Interrupts (see the file comment).
  const flags = new Int32Array(data.flags);
  let session: inspector.Session | null = null;
  const terminateMain = (): boolean => {
    try {
      if (!session) {
        session = new inspector.Session();
        session.connectToMainThread();
      }
      session.post("Runtime.terminateExecution");
      return true;
    } catch (e) {
      log(`cannot stop the main thread's JavaScript: ${(e as Error).message}`);
      return false;
    }
  };
  const interruptMain = (): void => {
    const gen = Atomics.add(flags, Flag.Requested, 1) + 1;
    process.kill(process.pid, "SIGINT");
    const t0 = Date.now();
    const check = () => {
      if (closing || Atomics.load(flags, Flag.Handled) >= gen) return;
      const state = Atomics.load(flags, Flag.State);
      const waited = Date.now() - t0;
      // Only a cell after its first await: its code runs as a microtask, which V8 can terminate
      // safely. (Timer callbacks are made interruptible by SIGINT on the main thread: kernel/timers.ts;
      // terminating them would corrupt Node's async-hook stack.)
      if (state === MainState.Async) {
        log(`interrupt: the main thread did not answer in ${waited} ms (cell code after an await): terminating that JavaScript`);
        terminateMain();
        return;
      }
      if (waited < 60_000) setTimeout(check, 50).unref();
    };
    setTimeout(check, INTERRUPT_GRACE_MS).unref();
  };

  // Orphans (see the file comment): the parent poller, else the heartbeat's silence.
  const exitOrphaned = (reason: string) => {
    if (closing) return;
    log(`${reason}: exiting`);
    parentPort?.postMessage({ type: "orphaned", reason } satisfies IoEvent);
    // If the main thread is stuck in a cell, it cannot exit by itself.
    setTimeout(() => process.kill(process.pid, "SIGTERM"), 3000).unref();
    setTimeout(() => process.kill(process.pid, "SIGKILL"), 6000).unref();
  };
  const parentPid = Number(process.env.JPY_PARENT_PID ?? "");
  const startPpid = process.ppid;
  const watchable = Number.isInteger(parentPid) && parentPid > 1 && startPpid > 1;
  let lastBeat = Date.now();
  if (watchable) {
    setInterval(() => {
      let alive = true;
      try {
        process.kill(parentPid, 0);
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === "EPERM";
      }
      if (!alive) exitOrphaned(`the parent process ${parentPid} (JPY_PARENT_PID) is gone`);
      else if (process.ppid !== startPpid) exitOrphaned(`the parent process ${startPpid} is gone (re-parented to ${process.ppid})`);
    }, PARENT_POLL_MS).unref();
  } else {
    const timeoutS = Number(process.env.HYPERSPY_TS_KERNEL_HEARTBEAT_TIMEOUT ?? "600");
    if (Number.isFinite(timeoutS) && timeoutS > 0) {
      setInterval(() => {
        if (Date.now() - lastBeat > timeoutS * 1000) exitOrphaned(`no parent to watch (JPY_PARENT_PID unset) and no heartbeat for ${timeoutS} s`);
      }, Math.min(PARENT_POLL_MS, timeoutS * 250)).unref();
    }
  }

  // Heartbeat: echo every frame as it came.
  void (async () => {
    try {
      for await (const frames of hb) {
        lastBeat = Date.now();
        await hb.send(frames);
      }
    } catch (e) {
      if (!closing) log(`heartbeat stopped: ${(e as Error).message}`);
    }
  })();

  parentPort?.postMessage({ type: "ready" } satisfies IoEvent);

  try {
    for await (const frames of control) {
      const msg = parseMessage(frames, signer);
      if (typeof msg === "string") {
        log(`dropped a control message: ${msg}`);
        continue;
      }
      const reply = (msgType: string, content: Record<string, unknown>) =>
        controlQ.send(encodeMessage({ msgType, content, parent: msg.header, identities: msg.identities }, headers, signer));
      const status = (state: string) => post({ type: "iopub", msgType: "status", content: { execution_state: state }, parent: msg.header });
      const t = msg.header.msg_type;
      status("busy");
      if (t === "kernel_info_request") {
        await reply("kernel_info_reply", data.kernelInfo);
      } else if (t === "interrupt_request") {
        interruptMain();
        await reply("interrupt_reply", { status: "ok" });
      } else if (t === "shutdown_request") {
        const restart = msg.content.restart === true;
        await reply("shutdown_reply", { status: "ok", restart });
        status("idle");
        parentPort?.postMessage({ type: "shutdown", restart } satisfies IoEvent);
        // A cell stuck in synchronous code cannot run the main thread's shutdown: break it, and
        // if the process is still alive after a grace period, end it from here.
        process.kill(process.pid, "SIGINT");
        setTimeout(() => process.kill(process.pid, "SIGTERM"), 3000).unref();
        continue;
      } else {
        log(`ignored control message ${t}`);
      }
      status("idle");
    }
  } catch (e) {
    if (!closing) log(`control loop stopped: ${(e as Error).message}`);
  }
}

run().catch((e: unknown) => {
  log(`I/O thread failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
});
