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
 * computes. So the "signal" and "message" interrupt modes take one path.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { ConnectionInfo, encodeMessage, endpoint, HeaderFactory, Header, Outgoing, parseMessage, SendQueue, Signer } from "./wire";

export interface IoWorkerData {
  connection: ConnectionInfo;
  session: string;
  /** kernel_info_reply content, answered on control too (5.5). */
  kernelInfo: Record<string, unknown>;
}

/** Main thread -> I/O thread. */
export type IoRequest =
  | { type: "iopub"; msgType: string; content: Record<string, unknown>; parent: Partial<Header> | null; metadata?: Record<string, unknown> }
  | { type: "close" };

/** I/O thread -> main thread. */
export type IoEvent =
  | { type: "ready" }
  | { type: "shutdown"; restart: boolean }
  | { type: "log"; text: string }
  | { type: "closed" };

const FLUSH_MS = 25;
const FLUSH_BYTES = 256 * 1024;

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

  // Heartbeat: echo every frame as it came.
  void (async () => {
    try {
      for await (const frames of hb) await hb.send(frames);
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
        process.kill(process.pid, "SIGINT");
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
