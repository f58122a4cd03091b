/**
 * The kernel's main thread: the shell and stdin sockets, the execute queue, history, output
 * capture, and the glue between the protocol and the interpreter (interpreter.ts). Heartbeat,
 * control and iopub run on the I/O thread (io-worker.ts).
 *
 * Protocol rules kept here (messaging spec 5.3/5.4; kernel.md section 5):
 * - every shell request: status busy -> side effects -> reply -> status idle, all with the request
 *   as parent; replies go back through the request's identities;
 * - execute: execute_input right after busy (not when silent); one counter, incremented only when
 *   store_history is true and silent false, also when the code fails; silent runs publish nothing
 *   (no streams, no displays, no result); the result is an execute_result with the value's bundle;
 *   errors are an iopub `error` then a reply with ename/evalue/traceback;
 * - stop_on_error: after an error, the execute requests already received are answered without
 *   running (status "error", ename "ExecutionAborted"); nothing sent later is affected (no time
 *   window, which is tslab's bug);
 * - execute requests run one at a time; other shell requests (complete, inspect, is_complete,
 *   history, kernel_info, comm_info) are answered at once, also while a cell awaits a compute;
 * - comms of target "hyperspy-ts.plot" serve live plots (comm.ts); an unknown comm_open is answered
 *   with comm_close; unknown requests are logged to the kernel's own stderr, never into a cell.
 */
import { Worker } from "node:worker_threads";
import * as path from "node:path";
import * as zmq from "zeromq";
import { ConnectionInfo, encodeMessage, endpoint, Header, HeaderFactory, Message, parseMessage, PROTOCOL_VERSION, SendQueue, Signer } from "./wire";
import type { IoEvent, IoRequest, IoWorkerData } from "./io-worker";
import { Interpreter, PreloadEntry, versions } from "./interpreter";
import { toBundle } from "./format";
import { attachDisplayChannel, DisplayHandle, settleDisplays } from "./api";
import { progressObserver } from "./progress";
import { setComputeObserver } from "../lazy/graph/hooks";
import { History } from "./history";
import { PlotComms } from "./comm";

export interface KernelOptions {
  connection: ConnectionInfo;
  cwd?: string;
  /** Log sink for the kernel's own messages (default: the real stderr). */
  log?: (text: string) => void;
}

interface QueuedExecute {
  msg: Message;
}

const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");

export function kernelInfo(tsVersion: string): Record<string, unknown> {
  const pkg = require(path.join(PACKAGE_ROOT, "package.json")) as { version: string };
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "hyperspy-ts",
    implementation_version: pkg.version,
    language_info: {
      name: "typescript",
      version: tsVersion,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true },
      nbconvert_exporter: "script",
    },
    banner: `hyperspy-ts ${pkg.version}: TypeScript ${tsVersion} (tslab) on Node ${process.version}, with \`hs\` preloaded`,
    help_links: [
      { text: "hyperspy-ts", url: "https://github.com/hyperspy/hyperspy" },
      { text: "HyperSpy", url: "https://hyperspy.org/hyperspy-doc/current/" },
      { text: "TypeScript", url: "https://www.typescriptlang.org/docs/" },
    ],
    debugger: false,
  };
}

export class Kernel {
  private readonly conn: ConnectionInfo;
  private readonly signer: Signer;
  private readonly headers = new HeaderFactory();
  private readonly shell = new zmq.Router({ linger: 0 });
  private readonly stdin = new zmq.Router({ linger: 0 });
  private readonly shellQ: SendQueue;
  private io!: Worker;
  private interp!: Interpreter;
  private readonly log: (text: string) => void;
  private readonly history = new History();
  private executionCount = 0;
  private readonly queue: QueuedExecute[] = [];
  private running = false;
  /** Parent of captured output: the running (or last) cell's request; "drop" during silent runs. */
  private outputParent: Header | null | "drop" = null;
  private lastParent: Header | null = null;
  private abort: AbortController | null = null;
  private closing = false;
  private readonly realStdout = process.stdout.write.bind(process.stdout);
  private readonly realStderr = process.stderr.write.bind(process.stderr);
  private info: Record<string, unknown> = {};
  private comms!: PlotComms;
  private exited!: Promise<void>;
  private resolveExit!: () => void;

  constructor(private readonly opts: KernelOptions) {
    this.conn = opts.connection;
    this.signer = new Signer(this.conn.key, this.conn.signature_scheme);
    this.log = opts.log ?? ((t) => this.realStderr(`[hyperspy-ts kernel] ${t}\n`));
    this.shellQ = new SendQueue(this.shell, (e) => this.log(`shell send failed: ${(e as Error).message}`));
  }

  /** Binds the sockets, loads the interpreter with `hs`, and serves until shutdown. */
  async start(): Promise<void> {
    this.exited = new Promise((r) => (this.resolveExit = r));
    const cwd = this.opts.cwd ?? process.cwd();
    this.interp = new Interpreter({ cwd, preload: defaultPreload() });
    this.info = kernelInfo(versions.typescript);
    await this.startIo();
    await this.shell.bind(endpoint(this.conn, this.conn.shell_port));
    await this.stdin.bind(endpoint(this.conn, this.conn.stdin_port));
    this.captureOutput();
    attachDisplayChannel({ send: (t, c) => this.publishOutput(t, c) });
    this.comms = new PlotComms((t, c, parent) => this.publish(t, c, parent), this.log);
    setComputeObserver(
      progressObserver(() => {
        const parent = this.outputParent;
        if (!this.running || parent === null || parent === "drop" || !this.abort) return null;
        return { publish: (t, c) => this.publish(t, c, parent), signal: this.abort.signal };
      }),
    );
    process.on("SIGINT", () => this.interrupt());
    process.on("unhandledRejection", (reason) => this.asyncError("Unhandled promise rejection", reason));
    process.on("uncaughtException", (err) => this.asyncError("Uncaught exception", err));
    void this.shellLoop();
    return this.exited;
  }

  private startIo(): Promise<void> {
    const data: IoWorkerData = { connection: this.conn, session: this.headers.session, kernelInfo: this.info };
    this.io = new Worker(path.join(__dirname, "io-worker.js"), { workerData: data, stdout: false, stderr: false });
    return new Promise((resolve, reject) => {
      this.io.on("message", (e: IoEvent) => {
        if (e.type === "ready") resolve();
        else if (e.type === "log") this.log(e.text);
        else if (e.type === "shutdown") void this.shutdown(e.restart);
      });
      this.io.on("error", (e) => {
        this.log(`I/O thread error: ${e.stack ?? e.message}`);
        reject(e);
      });
    });
  }

  private post(r: IoRequest): void {
    this.io.postMessage(r);
  }

  private publish(msgType: string, content: Record<string, unknown>, parent: Partial<Header> | null, metadata?: Record<string, unknown>): void {
    this.post({ type: "iopub", msgType, content, parent, metadata });
  }

  /** Output of user code (streams, displays): to the current cell, dropped during silent runs. */
  private publishOutput(msgType: string, content: Record<string, unknown>): void {
    const p = this.outputParent;
    if (p === "drop") return;
    this.publish(msgType, content, p ?? this.lastParent);
  }

  private captureOutput(): void {
    const wrap = (name: "stdout" | "stderr", real: (s: string | Uint8Array) => boolean) =>
      ((chunk: string | Uint8Array, enc?: BufferEncoding | ((e?: Error | null) => void), cb?: (e?: Error | null) => void) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof enc === "string" ? enc : "utf8");
        const op = this.outputParent;
        if (op === "drop") {
          // silent run: nothing is broadcast
        } else if (op ?? this.lastParent) this.publish("stream", { name, text }, op ?? this.lastParent);
        else real(chunk);
        const callback = typeof enc === "function" ? enc : cb;
        if (callback) process.nextTick(callback);
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = wrap("stdout", this.realStdout);
    process.stderr.write = wrap("stderr", this.realStderr);
  }

  private asyncError(what: string, reason: unknown): void {
    const text = reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason);
    const p = this.outputParent === "drop" ? this.lastParent : (this.outputParent ?? this.lastParent);
    if (p) this.publish("stream", { name: "stderr", text: `${what}: ${text}\n` }, p);
    else this.log(`${what}: ${text}`);
  }

  private interrupt(): void {
    if (this.abort && !this.abort.signal.aborted) this.abort.abort(new Error("interrupted by the user"));
    this.interp?.interrupt();
  }

  private async shellLoop(): Promise<void> {
    try {
      for await (const frames of this.shell) {
        const msg = parseMessage(frames, this.signer);
        if (typeof msg === "string") {
          this.log(`dropped a shell message: ${msg}`);
          continue;
        }
        this.onShell(msg);
      }
    } catch (e) {
      if (!this.closing) this.log(`shell loop stopped: ${(e as Error).message}`);
    }
  }

  private reply(req: Message, msgType: string, content: Record<string, unknown>): Promise<void> {
    return this.shellQ.send(encodeMessage({ msgType, content, parent: req.header, identities: req.identities }, this.headers, this.signer));
  }

  private status(state: "busy" | "idle", parent: Header): void {
    this.publish("status", { execution_state: state }, parent);
  }

  private onShell(msg: Message): void {
    const t = msg.header.msg_type;
    if (t === "execute_request") {
      this.queue.push({ msg });
      void this.drain();
      return;
    }
    void this.handleOther(msg).catch((e: unknown) => this.log(`error handling ${t}: ${(e as Error).stack ?? String(e)}`));
  }

  private async handleOther(msg: Message): Promise<void> {
    const t = msg.header.msg_type;
    const c = msg.content;
    let shuttingDown = false;
    this.status("busy", msg.header);
    try {
      switch (t) {
        case "kernel_info_request":
          await this.reply(msg, "kernel_info_reply", this.info);
          break;
        case "complete_request": {
          const { code, pos } = cursorOf(c);
          const r = this.guarded("completion", () => this.interp.complete(code, pos), { matches: [], cursorStart: pos, cursorEnd: pos, metadata: {} });
          await this.reply(msg, "complete_reply", { status: "ok", matches: r.matches, cursor_start: r.cursorStart, cursor_end: r.cursorEnd, metadata: r.metadata });
          break;
        }
        case "inspect_request": {
          const { code, pos } = cursorOf(c);
          const r = this.guarded("inspection", () => this.interp.inspect(code, pos, Number(c.detail_level ?? 0)), { found: false, data: {}, metadata: {} });
          await this.reply(msg, "inspect_reply", { status: "ok", found: r.found, data: r.data, metadata: r.metadata });
          break;
        }
        case "is_complete_request": {
          const r = this.guarded("is_complete", () => this.interp.isComplete(String(c.code ?? "")), { status: "unknown" as const });
          await this.reply(msg, "is_complete_reply", r.indent !== undefined ? { status: r.status, indent: r.indent } : { status: r.status });
          break;
        }
        case "history_request":
          await this.reply(msg, "history_reply", { status: "ok", history: this.history.query(c) });
          break;
        case "comm_info_request":
          await this.reply(msg, "comm_info_reply", { status: "ok", comms: this.comms.info(c.target_name) });
          break;
        case "comm_open":
          // live plots (comm.ts); an unknown target is closed at once, as the spec asks
          if (!this.comms.open(msg)) this.publish("comm_close", { comm_id: c.comm_id, data: {} }, msg.header);
          break;
        case "comm_msg":
          this.comms.message(msg);
          break;
        case "comm_close":
          this.comms.close(msg);
          break;
        case "shutdown_request": {
          const restart = c.restart === true;
          await this.reply(msg, "shutdown_reply", { status: "ok", restart });
          this.status("idle", msg.header);
          shuttingDown = true;
          await this.shutdown(restart);
          return;
        }
        case "interrupt_request":
          this.interrupt();
          await this.reply(msg, "interrupt_reply", { status: "ok" });
          break;
        default:
          this.log(`ignored shell message ${t}`);
      }
    } finally {
      if (!shuttingDown) this.status("idle", msg.header);
    }
  }

  /** A language-service answer, or `fallback` (logged to the kernel's stderr) when the service fails. */
  private guarded<T>(what: string, fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      this.log(`${what} failed: ${(e as Error).message}`);
      return fallback;
    }
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.closing) {
        const q = this.queue.shift() as QueuedExecute;
        const toAbort = await this.execute(q.msg);
        if (toAbort.length) await this.abortQueued(toAbort);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * The execute requests received before a failed cell's reply: what stop_on_error aborts. The
   * receive loop first takes in what already waits in the socket (ipykernel's
   * stop_on_error_timeout=0); requests sent after the reply are not touched (no time window).
   */
  private async queuedAtError(): Promise<QueuedExecute[]> {
    for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
    return this.queue.splice(0);
  }

  /** Answers execute requests without running them. */
  private async abortQueued(aborted: QueuedExecute[]): Promise<void> {
    for (const { msg } of aborted) {
      this.status("busy", msg.header);
      await this.reply(msg, "execute_reply", {
        status: "error",
        execution_count: this.executionCount,
        ename: "ExecutionAborted",
        evalue: "not run: a cell before it failed (stop_on_error)",
        traceback: [],
      });
      this.status("idle", msg.header);
    }
  }

  /** Runs one execute_request; returns the queued requests to abort (stop_on_error after a failure). */
  private async execute(msg: Message): Promise<QueuedExecute[]> {
    const c = msg.content;
    const code = String(c.code ?? "");
    const silent = c.silent === true;
    const storeHistory = !silent && c.store_history !== false;
    this.status("busy", msg.header);
    if (storeHistory) {
      this.executionCount++;
      this.history.add(this.executionCount, code);
    }
    const count = this.executionCount;
    if (!silent) this.publish("execute_input", { code, execution_count: count }, msg.header);
    this.outputParent = silent ? "drop" : msg.header;
    if (!silent) this.lastParent = msg.header;
    this.abort = new AbortController();
    let failed = false;
    let toAbort: QueuedExecute[] = [];
    const stopOnError = c.stop_on_error !== false;
    try {
      const out = await this.interp.execute(code, { executionCount: storeHistory ? count : null });
      await settleDisplays();
      if (out.status === "ok") {
        let resultData: Record<string, unknown> | null = null;
        let resultMeta: Record<string, unknown> = {};
        if (out.hasValue && !silent && !(out.value instanceof DisplayHandle)) {
          const b = await toBundle(out.value);
          resultData = b.data;
          resultMeta = b.metadata;
        }
        if (resultData) this.publish("execute_result", { execution_count: count, data: resultData, metadata: resultMeta }, msg.header);
        if (storeHistory) this.history.setOutput(count, resultData ? String(resultData["text/plain"] ?? "") : null);
        await this.reply(msg, "execute_reply", { status: "ok", execution_count: count, user_expressions: {}, payload: [] });
      } else {
        failed = true;
        const err = { ename: out.ename, evalue: out.evalue, traceback: out.traceback };
        if (!silent) this.publish("error", err, msg.header);
        if (stopOnError) toAbort = await this.queuedAtError();
        await this.reply(msg, "execute_reply", { status: "error", execution_count: count, ...err });
      }
    } catch (e) {
      // The interpreter returns user errors; this is a kernel bug, still answered properly.
      failed = true;
      if (stopOnError) toAbort = await this.queuedAtError();
      const err = { ename: "KernelError", evalue: (e as Error).message ?? String(e), traceback: [String((e as Error).stack ?? e)] };
      this.log(`internal error: ${err.traceback[0]}`);
      if (!silent) this.publish("error", err, msg.header);
      await this.reply(msg, "execute_reply", { status: "error", execution_count: count, ...err });
    } finally {
      this.abort = null;
      if (silent) this.outputParent = this.lastParent;
      this.status("idle", msg.header);
    }
    return failed ? toAbort : [];
  }

  async shutdown(restart: boolean): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.log(`shutting down${restart ? " for a restart" : ""}`);
    try {
      this.interrupt();
      await this.shellQ.idle();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        this.io.once("message", (e: IoEvent) => {
          if (e.type === "closed") {
            clearTimeout(t);
            resolve();
          }
        });
        this.post({ type: "close" });
      });
      this.shell.close();
      this.stdin.close();
      this.interp.close();
    } finally {
      process.stdout.write = this.realStdout as typeof process.stdout.write;
      process.stderr.write = this.realStderr as typeof process.stderr.write;
      this.resolveExit();
    }
  }
}

/** A complete/inspect request's code and cursor (code points; the end of the code when absent). */
function cursorOf(c: Record<string, unknown>): { code: string; pos: number } {
  const code = String(c.code ?? "");
  return { code, pos: typeof c.cursor_pos === "number" ? c.cursor_pos : [...code].length };
}

/** `hs` and the display functions, as globals of every cell. */
export function defaultPreload(): PreloadEntry[] {
  const dist = path.resolve(__dirname, "..");
  return [
    { global: "hs", modulePath: path.join(dist, "index") },
    { global: "display", modulePath: path.join(dist, "kernel", "api"), member: "display" },
    { global: "clearOutput", modulePath: path.join(dist, "kernel", "api"), member: "clearOutput" },
  ];
}
