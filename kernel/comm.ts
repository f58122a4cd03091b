/**
 * The kernel side of live plots: Jupyter comms with target PLOT_COMM_TARGET ("hyperspy-ts.plot").
 *
 * A displayed signal or `s.plot()` view carries `live: {target, plotId}` in its payload
 * (signals/liveplot.ts). The renderer opens a comm with `{plotId}` and sends requests
 * `{type: "signal", seq, indices, span?}` (the signal at a navigation pixel, or the mean over a
 * box) or `{type: "navigator", seq, indices}` (the navigator at other indices of the navigation
 * axes beyond the second). The kernel computes only that part (one chunk read for a lazy signal,
 * kept in a small cache) and answers on the same comm with the request's `seq`.
 *
 * Stale requests are dropped: one request per comm runs at a time, and of those that arrive
 * meanwhile only the newest waits (the others are never answered; the renderer shows replies
 * only for the newest seq it sent). Comm requests run beside cells (like other shell requests),
 * so a view stays live while a cell computes.
 *
 * Messaging spec: comm_open of an unknown target or plot is answered with comm_close (and, for an
 * unknown plot, an error message first, which says to run the cell again); comm_info_request
 * lists the open plot comms.
 */
import { PLOT_COMM_TARGET, PlotReply, PlotRequest } from "../lazy/display/mime";
import { enableLivePlots, findLiveView, LiveView, navigatorAt, signalAt } from "../signals/liveplot";
import type { Header, Message } from "./wire";

export type CommPublish = (msgType: "comm_msg" | "comm_close", content: Record<string, unknown>, parent: Header) => void;

interface Pending {
  req: PlotRequest;
  parent: Header;
}

class PlotComm {
  private running = false;
  private waiting: Pending | null = null;
  constructor(
    readonly id: string,
    private readonly view: LiveView,
    private readonly send: (reply: PlotReply, parent: Header) => void,
  ) {}

  request(req: PlotRequest, parent: Header): void {
    this.waiting = { req, parent };
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting) {
        const { req, parent } = this.waiting;
        this.waiting = null;
        this.send(await this.serve(req), parent);
      }
    } finally {
      this.running = false;
    }
  }

  private async serve(req: PlotRequest): Promise<PlotReply> {
    const seq = typeof req.seq === "number" ? req.seq : null;
    try {
      const s = this.view.signal();
      if (!s) return { type: "error", seq, message: "this signal no longer exists in the kernel: run its cell again" };
      if (req.type === "signal") {
        const r = await signalAt(s, req.indices, req.span);
        return { type: "signal", seq: req.seq, ...r };
      }
      if (req.type === "navigator") {
        if (!this.view.dynamicNavigator) return { type: "error", seq, message: "this view's navigator does not change with the navigation indices" };
        return { type: "navigator", seq: req.seq, indices: req.indices, navigator: navigatorAt(s, req.indices) };
      }
      return { type: "error", seq, message: `unknown request type ${JSON.stringify((req as { type?: unknown }).type)} (expected "signal" or "navigator")` };
    } catch (e) {
      return { type: "error", seq, message: e instanceof Error ? e.message : String(e) };
    }
  }
}

/** The plot comms of one kernel; server.ts forwards comm_open / comm_msg / comm_close / comm_info here. */
export class PlotComms {
  private readonly comms = new Map<string, PlotComm>();

  constructor(
    private readonly publish: CommPublish,
    private readonly log: (text: string) => void,
  ) {
    enableLivePlots(true);
  }

  /** comm_info_reply's `comms`: every open comm (of `target`, when given). */
  info(target?: unknown): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    if (target === undefined || target === null || target === "" || target === PLOT_COMM_TARGET) {
      for (const id of this.comms.keys()) out[id] = { target_name: PLOT_COMM_TARGET };
    }
    return out;
  }

  /** Handles a comm_open; false when its target is not ours (the caller closes it). */
  open(msg: Message): boolean {
    const c = msg.content;
    if (c.target_name !== PLOT_COMM_TARGET) return false;
    const id = String(c.comm_id ?? "");
    const data = (c.data ?? {}) as { plotId?: unknown };
    const view = typeof data.plotId === "string" ? findLiveView(data.plotId) : undefined;
    if (!id || !view) {
      const message =
        typeof data.plotId !== "string"
          ? `comm_open for ${PLOT_COMM_TARGET} needs data {plotId}`
          : "this plot is not in the kernel (it was made by an earlier kernel, or its signal is gone): run its cell again to navigate it";
      this.publish("comm_msg", { comm_id: id, data: { type: "error", seq: null, message } }, msg.header);
      this.publish("comm_close", { comm_id: id, data: {} }, msg.header);
      return true;
    }
    this.comms.set(id, new PlotComm(id, view, (reply, parent) => this.publish("comm_msg", { comm_id: id, data: reply }, parent)));
    return true;
  }

  /** Handles a comm_msg (requests on unknown comms are logged and dropped). */
  message(msg: Message): void {
    const c = msg.content;
    const comm = this.comms.get(String(c.comm_id ?? ""));
    if (!comm) {
      this.log(`comm_msg for an unknown comm ${String(c.comm_id)}`);
      return;
    }
    const data = c.data as PlotRequest | undefined;
    if (!data || typeof data !== "object") {
      this.publish("comm_msg", { comm_id: comm.id, data: { type: "error", seq: null, message: "a plot request must be an object {type, seq, indices}" } }, msg.header);
      return;
    }
    comm.request(data, msg.header);
  }

  close(msg: Message): void {
    this.comms.delete(String(msg.content.comm_id ?? ""));
  }
}
