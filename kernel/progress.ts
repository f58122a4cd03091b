/**
 * A live progress bar for computes that run during a cell, and their cancellation on interrupt.
 *
 * The kernel installs this as the engine's compute observer. A compute that lasts more than
 * SHOW_AFTER_MS shows a bar in the cell (display_data with a display id, then
 * update_display_data at most every UPDATE_MS on the same id; text/plain like dask's ProgressBar
 * so nbconvert and terminals show it, and an HTML <progress>). The bar stays at the end with the
 * elapsed time, or says "cancelled"/"failed". Each compute gets the cell's AbortSignal, so an
 * interrupt stops it between tasks. Progress of a synchronous compute reaches the front-end while
 * it runs, since messages leave through the I/O thread.
 */
import { randomUUID } from "node:crypto";
import type { ComputeObserver, ComputeRun } from "../lazy/graph/hooks";

export const SHOW_AFTER_MS = 500;
const UPDATE_MS = 100;
const WIDTH = 40;

export type Publish = (msgType: "display_data" | "update_display_data", content: { [k: string]: unknown }) => void;

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}min ${Math.round(s % 60)}s`;
}

export function progressText(done: number, total: number, elapsedMs: number, state: "running" | "done" | "cancelled" | "failed"): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const bar = "#".repeat(Math.round(frac * WIDTH)).padEnd(WIDTH, " ");
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const what = state === "done" ? "Completed" : state === "cancelled" ? "Cancelled" : state === "failed" ? "Failed" : `${done}/${total} tasks`;
  return `[${bar}] | ${pct} ${what} | ${seconds(elapsedMs)}`;
}

function progressHTML(done: number, total: number, text: string): string {
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<div><progress value="${done}" max="${Math.max(total, 1)}" style="width:24em"></progress> <code>${esc}</code></div>`;
}

/** The kernel's observer: `current()` gives the running cell's publisher and AbortSignal (or null between cells). */
/** What an interrupt check throws between the tasks of a compute: the kernel reports it as KeyboardInterrupt. */
export class ComputeInterrupted extends Error {
  readonly code = "ERR_SCRIPT_EXECUTION_INTERRUPTED";
  constructor() {
    super("Interrupted by the user");
    this.name = "KeyboardInterrupt";
  }
}

/**
 * The kernel's observer: `current()` gives the running cell's publisher and AbortSignal (or null
 * between cells), and `interrupted()`, checked between tasks, which stops a compute even when the
 * thread cannot see its AbortSignal fire (a synchronous computeSync()).
 */
export function progressObserver(
  current: () => { publish: Publish; signal: AbortSignal; interrupted?: () => boolean } | null,
  now: () => number = Date.now,
): ComputeObserver {
  return {
    start(info?: { sync: boolean }): ComputeRun | undefined {
      // Only a synchronous compute checks for interrupts between tasks (its thread cannot see the
      // AbortSignal fire); an asynchronous one yields, and the AbortSignal stops it.
      const sync = info?.sync === true;
      const cell = current();
      if (!cell) return undefined;
      const t0 = now();
      const id = `progress-${randomUUID()}`;
      let shown = false;
      let last = 0;
      let done = 0;
      let total = 0;
      const send = (state: "running" | "done" | "cancelled" | "failed") => {
        const text = progressText(done, total, now() - t0, state);
        cell.publish(shown ? "update_display_data" : "display_data", {
          data: { "text/plain": text, "text/html": progressHTML(done, total, text) },
          metadata: {},
          transient: { display_id: id },
        });
        shown = true;
      };
      return {
        signal: cell.signal,
        progress(p) {
          if (sync && cell.interrupted?.()) throw new ComputeInterrupted();
          done = p.done;
          total = p.total;
          const t = now();
          if (t - t0 < SHOW_AFTER_MS || t - last < UPDATE_MS) return;
          last = t;
          send("running");
        },
        end(error) {
          if (!shown && now() - t0 < SHOW_AFTER_MS) return;
          const aborted = error instanceof Error && (error.name === "AbortError" || error instanceof ComputeInterrupted);
          if (!error) done = total;
          send(error ? (aborted ? "cancelled" : "failed") : "done");
        },
      };
    },
  };
}
