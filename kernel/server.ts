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
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import * as zmq from "zeromq";
import { ConnectionInfo, encodeMessage, endpoint, Header, HeaderFactory, Message, parseMessage, PROTOCOL_VERSION, SendQueue, Signer } from "./wire";
import { Flag, FLAG_SLOTS, MainState, type IoEvent, type IoRequest, type IoWorkerData } from "./io-worker";
import { Interpreter, PreloadEntry, versions, type Phase } from "./interpreter";
import { toBundle } from "./format";
import { attachDisplayChannel, DisplayHandle, settleDisplays } from "./api";
import { progressObserver } from "./progress";
import { setComputeObserver } from "../lazy/graph/hooks";
import { History } from "./history";
import { PlotComms } from "./comm";
import { installInterruptibleTimers, originalTimers, setCellRunning, uninstallInterruptibleTimers } from "./timers";

const { setTimeout, setImmediate } = originalTimers;

export interface KernelOptions {
  connection: ConnectionInfo;
  cwd?: string;
  /** Log sink for the kernel's own messages (default: the real stderr). */
  log?: (text: string) => void;
  /**
   * Most bytes of stdout + stderr one cell sends to the front-end (default 1 MiB, or the
   * environment's HYPERSPY_TS_KERNEL_STREAM_LIMIT); the rest goes to a file named in a notice.
   */
  streamLimit?: number;
}

/** What `process.exit()` (or `process.abort()`) throws in a cell instead of ending the kernel. */
export class ProcessExitError extends Error {
  constructor(readonly code: number | string | null | undefined, fn = "process.exit") {
    super(
      `${fn}(${code ?? ""}) was called in a cell: a cell cannot end the kernel's process. The kernel keeps running, with its ` +
        `variables; to stop it use Kernel > Shut Down Kernel (or Restart Kernel) in Jupyter, or \`jupyter console\`'s \`exit\`.`,
    );
    this.name = "ProcessExit";
  }
}

/** The output of one cell, counted against the stream limit (what is over it goes to a file). */
interface StreamAccount {
  parentId: string;
  parent: Header;
  label: string;
  sent: number;
  cut: Map<"stdout" | "stderr", { bytes: number; lines: number; file: string; pending: string[]; pendingBytes: number; written: number }>;
}

/** A full GC once the kernel has been idle this long and its heap grew by IDLE_GC_GROWTH since the last one. */
const IDLE_GC_MS = 2000;
const IDLE_GC_GROWTH = 64 << 20;

/**
 * V8's own `gc()` (without exposing it to cells): every cell type-checks a new TypeScript program,
 * whose garbage V8 lets the heap grow into; collected while the kernel idles, the RSS comes back down.
 */
const fullGc: (() => void) | null = (() => {
  try {
    v8.setFlagsFromString("--expose-gc");
    const f = vm.runInNewContext("gc") as unknown;
    return typeof f === "function" ? (f as () => void) : null;
  } catch {
    return null;
  }
})();

const STREAM_FLUSH_BYTES = 64 * 1024;
const STREAM_FLUSH_MS = 20;
/** Most bytes of one cell's stream kept in its overflow file (beyond: counted only). */
const SPILL_MAX = 1 << 30;

function mib(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
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
  /** Shared with the I/O thread: interrupt requests and acknowledgements, what this thread runs. */
  private readonly flags = new Int32Array(new SharedArrayBuffer(FLAG_SLOTS * 4));
  /** When the last interrupt was acknowledged other than by the SIGINT handler (ms). */
  private lastInBandAck = 0;
  private readonly realExit = process.exit;
  private readonly realAbort = process.abort;
  private readonly streamLimit: number;
  private streamBuf: { name: "stdout" | "stderr"; parent: Header; parts: string[]; bytes: number; since: number } | null = null;
  private streamTimer: NodeJS.Timeout | null = null;
  private account: StreamAccount | null = null;
  private spillDir: string | null = null;
  private spillCount = 0;
  private idleGcTimer: NodeJS.Timeout | null = null;
  private heapAfterGc = 0;

  constructor(private readonly opts: KernelOptions) {
    this.conn = opts.connection;
    this.signer = new Signer(this.conn.key, this.conn.signature_scheme);
    this.log = opts.log ?? ((t) => this.realStderr(`[hyperspy-ts kernel] ${t}\n`));
    this.shellQ = new SendQueue(this.shell, (e) => this.log(`shell send failed: ${(e as Error).message}`));
    const envLimit = Number(process.env.HYPERSPY_TS_KERNEL_STREAM_LIMIT ?? "");
    this.streamLimit = opts.streamLimit ?? (Number.isFinite(envLimit) && envLimit > 0 ? envLimit : 1 << 20);
  }

  /** Tell the I/O thread what this thread runs (it never terminates the kernel's own work). */
  private setState(s: number): void {
    Atomics.store(this.flags, Flag.State, s);
  }

  /** Mark every interrupt requested so far as handled. */
  private ackInterrupt(inBand: boolean): void {
    Atomics.store(this.flags, Flag.Handled, Atomics.load(this.flags, Flag.Requested));
    if (inBand) this.lastInBandAck = Date.now();
  }

  /** An interrupt request not yet handled (checked between the tasks of a synchronous compute). */
  private interruptPending(): boolean {
    return Atomics.load(this.flags, Flag.Requested) > Atomics.load(this.flags, Flag.Handled);
  }

  /** Binds the sockets, loads the interpreter with `hs`, and serves until shutdown. */
  async start(): Promise<void> {
    this.exited = new Promise((r) => (this.resolveExit = r));
    const cwd = this.opts.cwd ?? process.cwd();
    const phases: Record<Phase, number> = { kernel: MainState.Kernel, sync: MainState.Sync, async: MainState.Async };
    this.interp = new Interpreter({ cwd, preload: defaultPreload(), modules: defaultModules(), onPhase: (p) => {
        this.setState(phases[p]);
        setCellRunning(p !== "kernel");
      },
    });
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
        return {
          publish: (t, c) => this.publish(t, c, parent),
          signal: this.abort.signal,
          interrupted: () => {
            if (!this.interruptPending()) return false;
            this.ackInterrupt(true);
            return true;
          },
        };
      }),
    );
    process.on("SIGINT", () => {
      // The SIGINT that came with an interrupt_request already handled in-band (by a synchronous
      // compute's check, or V8's breakOnSigint) is not a new interrupt.
      if (!this.interruptPending() && Date.now() - this.lastInBandAck < 2000) return;
      this.ackInterrupt(false);
      this.interrupt();
    });
    this.guardExit();
    installInterruptibleTimers();
    process.on("unhandledRejection", (reason) => this.asyncError("Unhandled promise rejection", reason));
    process.on("uncaughtException", (err) => {
      if ((err as { code?: unknown } | null)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
        // An interrupt stopped a timer callback (kernel/timers.ts): the running cell stops too.
        this.ackInterrupt(true);
        this.interrupt();
        this.asyncError("KeyboardInterrupt in a timer callback", "the callback was stopped");
        return;
      }
      this.asyncError("Uncaught exception", err);
    });
    void this.shellLoop();
    return this.exited;
  }

  private startIo(): Promise<void> {
    const data: IoWorkerData = { connection: this.conn, session: this.headers.session, kernelInfo: this.info, flags: this.flags.buffer as SharedArrayBuffer };
    this.io = new Worker(path.join(__dirname, "io-worker.js"), { workerData: data, stdout: false, stderr: false });
    return new Promise((resolve, reject) => {
      this.io.on("message", (e: IoEvent) => {
        if (e.type === "ready") resolve();
        else if (e.type === "log") this.log(e.text);
        else if (e.type === "shutdown") void this.shutdown(e.restart);
        else if (e.type === "orphaned") void this.shutdown(false);
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
    this.flushStream();
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
        } else if (op ?? this.lastParent) this.stream(name, text, (op ?? this.lastParent) as Header);
        else real(chunk);
        const callback = typeof enc === "function" ? enc : cb;
        if (callback) process.nextTick(callback);
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = wrap("stdout", this.realStdout);
    process.stderr.write = wrap("stderr", this.realStderr);
  }

  /**
   * A cell's stdout/stderr: batched here (a message per 64 KiB or 20 ms, not per write), capped at
   * `streamLimit` bytes per cell; what is over the cap goes to a file under the OS temp directory,
   * named in a notice in the cell's output (kept until the kernel shuts down).
   */
  private stream(name: "stdout" | "stderr", text: string, parent: Header): void {
    if (!text) return;
    let acct = this.account;
    if (!acct || acct.parentId !== parent.msg_id) {
      this.endAccount();
      acct = this.account = { parentId: parent.msg_id, parent, label: `cell-${++this.spillCount}`, sent: 0, cut: new Map() };
    }
    const room = this.streamLimit - acct.sent;
    let shown = text;
    let rest = "";
    if (acct.cut.size > 0 || room <= 0) {
      shown = "";
      rest = text;
    } else if (text.length > room || Buffer.byteLength(text) > room) {
      let k = Math.min(text.length, room);
      while (k > 0 && Buffer.byteLength(text.slice(0, k)) > room) k = Math.floor(k * 0.9);
      // Cut after the last newline in the shown part when there is one (whole lines stay whole).
      const nl = text.lastIndexOf("\n", k - 1);
      if (nl >= 0 && nl >= k - 4096) k = nl + 1;
      else if (k < 4096) k = 0; // no piece of a line: the whole write goes to the file
      shown = text.slice(0, k);
      rest = text.slice(k);
    }
    if (shown) {
      acct.sent += Buffer.byteLength(shown);
      this.bufferStream(name, shown, parent);
    }
    if (rest) this.spill(acct, name, rest, parent);
  }

  private bufferStream(name: "stdout" | "stderr", text: string, parent: Header): void {
    const b = this.streamBuf;
    if (b && (b.name !== name || b.parent.msg_id !== parent.msg_id)) this.flushStream();
    const now = performance.now();
    if (!this.streamBuf) this.streamBuf = { name, parent, parts: [], bytes: 0, since: now };
    const cur = this.streamBuf;
    cur.parts.push(text);
    cur.bytes += text.length;
    if (cur.bytes >= STREAM_FLUSH_BYTES || now - cur.since >= STREAM_FLUSH_MS) this.flushStream();
    else if (!this.streamTimer) this.streamTimer = setTimeout(() => this.flushStream(), STREAM_FLUSH_MS);
  }

  private flushStream(): void {
    if (this.streamTimer) {
      clearTimeout(this.streamTimer);
      this.streamTimer = null;
    }
    const b = this.streamBuf;
    if (!b) return;
    this.streamBuf = null;
    this.post({ type: "iopub", msgType: "stream", content: { name: b.name, text: b.parts.join("") }, parent: b.parent });
  }

  /** Output over the cell's limit: to its overflow file (written in 1 MiB pieces). */
  private spill(acct: StreamAccount, name: "stdout" | "stderr", text: string, parent: Header): void {
    let c = acct.cut.get(name);
    if (!c) {
      let file = "";
      try {
        this.spillDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "hyperspy-ts-output-"));
        file = path.join(this.spillDir, `${acct.label}-${name}.txt`);
        fs.writeFileSync(file, "");
      } catch (e) {
        this.log(`cannot write the overflow file of ${name}: ${(e as Error).message}`);
        file = "";
      }
      c = { bytes: 0, lines: 0, file, pending: [], pendingBytes: 0, written: 0 };
      acct.cut.set(name, c);
      const where = file ? `the rest of it goes to ${file} (kept until the kernel shuts down)` : "the rest of it is dropped";
      this.bufferStream(name, `\n[hyperspy-ts kernel: this cell's output reached ${mib(this.streamLimit)}: ${where}]\n`, parent);
    }
    c.bytes += Buffer.byteLength(text);
    c.lines += countLines(text);
    if (!c.file || c.written + c.pendingBytes >= SPILL_MAX) return;
    c.pending.push(text);
    c.pendingBytes += text.length;
    if (c.pendingBytes >= 1 << 20) this.writeSpill(c);
  }

  private writeSpill(c: { file: string; pending: string[]; pendingBytes: number; written: number }): void {
    if (!c.pending.length || !c.file) return;
    const data = c.pending.join("");
    c.pending = [];
    c.pendingBytes = 0;
    try {
      const room = SPILL_MAX - c.written;
      fs.appendFileSync(c.file, data.length > room ? data.slice(0, room) : data);
      c.written += Math.min(data.length, room);
    } catch (e) {
      this.log(`cannot write ${c.file}: ${(e as Error).message}`);
      c.file = "";
    }
  }

  /** End the current cell's stream account: the notice of what was cut, then the files. */
  private endAccount(): void {
    const acct = this.account;
    if (!acct) return;
    this.account = null;
    for (const [name, c] of acct.cut) {
      this.writeSpill(c);
      const lines = c.lines ? ` (${c.lines.toLocaleString("en")} lines)` : "";
      const where = c.file ? `in ${c.file}` : "dropped";
      const more = c.written < c.bytes && c.file ? ` (its first ${mib(SPILL_MAX)})` : "";
      this.bufferStream(name, `[hyperspy-ts kernel: ${mib(c.bytes)} of ${name}${lines} not shown: ${where}${more}]\n`, acct.parent);
    }
    this.flushStream();
  }

  /** process.exit()/process.abort() in a cell throw instead of killing the kernel's process. */
  private guardExit(): void {
    const guard = (fn: string) =>
      function (code?: number | string | null): never {
        throw new ProcessExitError(code, fn);
      };
    process.exit = guard("process.exit") as typeof process.exit;
    process.abort = guard("process.abort") as typeof process.abort;
  }

  private asyncError(what: string, reason: unknown): void {
    let text: string;
    try {
      text = this.interp.formatError(reason).traceback.join("\n");
    } catch {
      text = reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason);
    }
    const p = this.outputParent === "drop" ? this.lastParent : (this.outputParent ?? this.lastParent);
    if (p) this.stream("stderr", `${what}: ${text}\n`, p);
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

  private reply(req: Message, msgType: string, content: Record<string, unknown>, metadata?: Record<string, unknown>): Promise<void> {
    return this.shellQ.send(encodeMessage({ msgType, content, metadata, parent: req.header, identities: req.identities }, this.headers, this.signer));
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
    const state = Atomics.load(this.flags, Flag.State);
    this.setState(MainState.Kernel);
    try {
      return fn();
    } catch (e) {
      this.log(`${what} failed: ${(e as Error).message}`);
      return fallback;
    } finally {
      this.setState(state);
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

  /**
   * Answers execute requests without running them, as ipykernel does: busy, a reply
   * `{status: "aborted"}` (no execution_count, so front-ends leave the cell's prompt empty,
   * "In [ ]"), idle; no execute_input.
   */
  private async abortQueued(aborted: QueuedExecute[]): Promise<void> {
    for (const { msg } of aborted) {
      this.status("busy", msg.header);
      const metadata = { started: new Date().toISOString(), dependencies_met: true, engine: this.headers.session, status: "aborted" };
      await this.reply(msg, "execute_reply", { status: "aborted" }, metadata);
      this.status("idle", msg.header);
    }
  }

  /** Runs one execute_request; returns the queued requests to abort (stop_on_error after a failure). */
  private async execute(msg: Message): Promise<QueuedExecute[]> {
    const c = msg.content;
    const code = String(c.code ?? "");
    const silent = c.silent === true;
    const storeHistory = !silent && c.store_history !== false;
    this.setState(MainState.Kernel);
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
      this.setState(MainState.Kernel);
      if (out.status === "error" && out.interrupted) this.ackInterrupt(true);
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
      if (!silent) this.endAccount();
      if (silent) this.outputParent = this.lastParent;
      this.status("idle", msg.header);
      this.setState(MainState.Idle);
      this.scheduleIdleGc();
    }
    return failed ? toAbort : [];
  }

  private scheduleIdleGc(): void {
    if (!fullGc) return;
    if (this.idleGcTimer) clearTimeout(this.idleGcTimer);
    this.idleGcTimer = setTimeout(() => {
      this.idleGcTimer = null;
      if (this.running || this.closing) return;
      if (process.memoryUsage().heapUsed < this.heapAfterGc + IDLE_GC_GROWTH) return;
      fullGc?.();
      this.heapAfterGc = process.memoryUsage().heapUsed;
    }, IDLE_GC_MS);
    this.idleGcTimer.unref();
  }

  async shutdown(restart: boolean): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.log(`shutting down${restart ? " for a restart" : ""}`);
    try {
      this.interrupt();
      this.endAccount();
      this.flushStream();
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
      process.exit = this.realExit;
      uninstallInterruptibleTimers();
      process.abort = this.realAbort;
      if (this.spillDir) fs.rmSync(this.spillDir, { recursive: true, force: true });
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

/** Modules cells may import by a bare name: tslab's display helpers (`import * as tslab from "tslab"`). */
export function defaultModules(): Record<string, string> {
  return { tslab: path.resolve(__dirname, "tslab-shim") };
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
