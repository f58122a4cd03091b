/**
 * What cells call to show things: `display(obj)`, display handles that update in place,
 * `clearOutput()`. The kernel preloads them as globals; outside the kernel (plain Node) they print
 * the text/plain form to stdout, so code that uses them still runs.
 *
 * - `display(obj)` sends `display_data` with the object's bundle (see format.ts: the
 *   `Symbol.for("Jupyter.display")` method first, then text). Returns a `DisplayHandle`.
 * - `display(obj, {displayId: "x"})` gives the output an id; `display(other, {displayId: "x", update: true})`
 *   or `handle.update(other)` replaces every output with that id (update_display_data), also in
 *   cells that ran earlier.
 * - `display(bundle, {raw: true})` sends a MIME bundle as it is: `{"text/html": "<b>hi</b>"}`.
 * - `clearOutput({wait})` clears the cell's output (with `wait`, when the next output arrives).
 */
import { randomUUID } from "node:crypto";
import { toBundle, textOf } from "./format";

export interface DisplayOptions {
  /** An id for this output, to update it later (a fresh one is made otherwise). */
  displayId?: string;
  /** Replace the outputs with `displayId` instead of adding one. */
  update?: boolean;
  /** `obj` is a MIME bundle to send as it is. */
  raw?: boolean;
  /** Per-MIME metadata, e.g. `{"image/png": {width: 400}}`. */
  metadata?: { [key: string]: unknown };
}

/** The channel to the kernel (set by the kernel; absent in plain Node). */
export interface DisplayChannel {
  send(msgType: "display_data" | "update_display_data" | "clear_output", content: { [key: string]: unknown }): void;
}

let channel: DisplayChannel | null = null;
const pending = new Set<Promise<unknown>>();

/** @internal Resolves when every display() started so far has been sent (the kernel waits for this before "idle"). */
export async function settleDisplays(): Promise<void> {
  while (pending.size) await Promise.allSettled([...pending]);
}

/** @internal Used by the kernel to connect the display functions to the current cell. */
export function attachDisplayChannel(c: DisplayChannel | null): void {
  channel = c;
}

export class DisplayHandle {
  /** Resolves once the output has been sent (the kernel waits for it before the cell ends). */
  readonly sent: Promise<void>;
  constructor(readonly displayId: string, sent: Promise<void> = Promise.resolve()) {
    this.sent = sent;
  }
  /** Replace this output with `obj` (wherever it is shown). */
  update(obj: unknown, opts: Omit<DisplayOptions, "displayId" | "update"> = {}): DisplayHandle {
    return display(obj, { ...opts, displayId: this.displayId, update: true });
  }
  /** Show `obj` as a new output with this handle's id. */
  display(obj: unknown, opts: Omit<DisplayOptions, "displayId" | "update"> = {}): DisplayHandle {
    return display(obj, { ...opts, displayId: this.displayId });
  }
}

/**
 * Show `obj` in the cell's output (display_data), or replace the output with `displayId` when
 * `update` is set. Returns at once with a handle to update the output later; a cell whose value
 * is a handle shows nothing more (as IPython's display returns None).
 */
export function display(obj: unknown, opts: DisplayOptions = {}): DisplayHandle {
  if (opts.raw && (obj === null || typeof obj !== "object")) {
    throw new TypeError('display(x, {raw: true}): x must be a MIME bundle object such as {"text/html": "<b>hi</b>"}');
  }
  const id = opts.displayId ?? randomUUID().replace(/-/g, "");
  const p = sendDisplay(obj, opts, id);
  pending.add(p);
  const done = () => pending.delete(p);
  p.then(done, done);
  return new DisplayHandle(id, p);
}

async function sendDisplay(obj: unknown, opts: DisplayOptions, id: string): Promise<void> {
  const bundle = await toBundle(obj, { raw: opts.raw, metadata: opts.metadata });
  if (!channel) {
    process.stdout.write(String(bundle.data["text/plain"] ?? textOf(obj)) + "\n");
    return;
  }
  channel.send(opts.update ? "update_display_data" : "display_data", {
    data: bundle.data,
    metadata: bundle.metadata,
    transient: { display_id: id },
  });
}

/** Clear the cell's output; with `wait: true` the clearing happens when new output arrives (no flicker). */
export function clearOutput(opts: { wait?: boolean } = {}): void {
  if (!channel) return;
  channel.send("clear_output", { wait: opts.wait === true });
}
