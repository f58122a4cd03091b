/**
 * The front-end side of live plots: a Jupyter comm to the kernel (target PLOT_COMM_TARGET, opened
 * with the payload's `live.plotId`) that asks for the signal at the pixel the user selects.
 *
 * A MIME renderer is not given the kernel. JupyterLab: the extension's plugin (plugin.ts) installs
 * a locator that finds the notebook panel holding a node and returns its session's kernel (the
 * way ipywidgets reaches it). Elsewhere (no locator, no kernel, the plot from an earlier kernel)
 * the view shows what its payload embeds.
 *
 * Stale requests are dropped here too: one request in flight per view; while it runs, only the
 * newest wanted one waits and is sent when the answer comes; replies older than the newest shown
 * are ignored.
 */
import type { LivePayload, PlotReply, PlotRequest } from "../../lazy/display/mime";

/** The part of @jupyterlab/services' IComm used here. */
export interface CommLike {
  readonly commId: string;
  open(data?: unknown): unknown;
  send(data: unknown): unknown;
  close(data?: unknown): unknown;
  onMsg: (msg: { content: { data: unknown } }) => void | PromiseLike<void>;
  onClose: (msg: { content: { data: unknown } }) => void | PromiseLike<void>;
}

/** The part of @jupyterlab/services' IKernelConnection used here. */
export interface KernelLike {
  createComm(targetName: string, commId?: string): CommLike;
  readonly isDisposed?: boolean;
}

type Locator = (node: HTMLElement) => KernelLike | null;
let locator: Locator | null = null;

/** Installs how a renderer's node finds its kernel (plugin.ts in JupyterLab; a test page's fake). */
export function setKernelLocator(fn: Locator | null): void {
  locator = fn;
}

export function kernelFor(node: HTMLElement): KernelLike | null {
  try {
    return locator ? locator(node) : null;
  } catch {
    return null;
  }
}

/** A request unanswered for this long no longer holds back newer ones. */
const STALE_MS = 15_000;

type Wanted = { type: "signal"; indices: number[]; span?: number[] } | { type: "navigator"; indices: number[] };

/** One view's comm to the kernel. */
export class LiveLink {
  /** "idle" before the first request; "live"; "off": no kernel or the kernel refused (reason in `reason`). */
  state: "idle" | "live" | "off" = "idle";
  reason = "";
  private comm: CommLike | null = null;
  private kernel: KernelLike | null = null;
  private seq = 0;
  private inflight: number | null = null;
  /** The newest wanted request of each type, sent when the one in flight is answered. */
  private wanted = new Map<Wanted["type"], Wanted>();
  private newestShown = 0;
  /** Time each request was sent (for the round trip shown in the status). */
  private sentAt = new Map<number, number>();

  constructor(
    readonly live: LivePayload,
    private readonly node: HTMLElement,
    private readonly onReply: (r: PlotReply, roundTripMs: number) => void,
    private readonly onState: () => void,
  ) {}

  /** Asks for `w`; false when no kernel can answer (the caller shows what it has). */
  request(w: Wanted): boolean {
    if (!this.connect()) return false;
    // a request unanswered for long (a lost reply): do not wait for it any more
    const t = this.inflight !== null ? this.sentAt.get(this.inflight) : undefined;
    if (t !== undefined && performance.now() - t > STALE_MS) this.inflight = null;
    if (this.inflight !== null) {
      this.wanted.set(w.type, w);
      return true;
    }
    this.send(w);
    return true;
  }

  /** Whether a request is on its way. */
  get pending(): boolean {
    return this.inflight !== null;
  }

  private connect(): boolean {
    const k = kernelFor(this.node);
    if (!k || k.isDisposed) {
      if (this.state !== "off") {
        this.state = "off";
        this.reason = "no kernel connected";
        this.onState();
      }
      this.comm = null;
      return false;
    }
    if (this.comm && k === this.kernel) return this.state !== "off";
    // a new kernel (first request, or a restart): a new comm
    this.kernel = k;
    this.inflight = null;
    try {
      const comm = k.createComm(this.live.target);
      comm.onMsg = (msg) => this.receive(msg.content.data as PlotReply);
      comm.onClose = () => {
        if (this.comm === comm) {
          this.comm = null;
          this.kernel = null;
          if (this.state !== "off") {
            this.state = "off";
            this.reason = this.reason || "the kernel closed the connection";
            this.onState();
          }
        }
      };
      comm.open({ plotId: this.live.plotId });
      this.comm = comm;
      this.state = "live";
      this.reason = "";
      this.onState();
      return true;
    } catch (e) {
      this.state = "off";
      this.reason = `cannot reach the kernel (${e instanceof Error ? e.message : String(e)})`;
      this.onState();
      return false;
    }
  }

  private send(w: Wanted): void {
    const seq = ++this.seq;
    const req: PlotRequest = { ...w, seq } as PlotRequest;
    this.inflight = seq;
    this.sentAt.set(seq, performance.now());
    try {
      this.comm?.send(req);
    } catch (e) {
      this.inflight = null;
      this.state = "off";
      this.reason = `cannot reach the kernel (${e instanceof Error ? e.message : String(e)})`;
      this.onState();
    }
  }

  private receive(r: PlotReply): void {
    if (!r || typeof r !== "object") return;
    if (r.type === "error" && r.seq === null) {
      // about the comm itself: an unknown plot (an earlier kernel); the kernel closes it next
      this.state = "off";
      this.reason = r.message;
      this.onState();
      return;
    }
    const t0 = r.seq !== null ? this.sentAt.get(r.seq) : undefined;
    if (r.seq !== null) this.sentAt.delete(r.seq);
    if (r.seq !== null && r.seq === this.inflight) this.inflight = null;
    if (r.seq !== null && r.seq > this.newestShown) {
      this.newestShown = r.seq;
      this.onReply(r, t0 === undefined ? NaN : performance.now() - t0);
    }
    const next = this.wanted.values().next();
    if (this.inflight === null && !next.done) {
      this.wanted.delete(next.value.type);
      this.send(next.value);
    }
  }

  dispose(): void {
    try {
      this.comm?.close();
    } catch {
      // the kernel is gone: nothing to close
    }
    this.comm = null;
  }
}
