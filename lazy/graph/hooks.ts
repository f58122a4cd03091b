/**
 * An observer of every compute, for the host the engine runs in (the Jupyter kernel): it sees
 * each compute start, its progress and its end, and may add an AbortSignal to it. This is how a
 * notebook shows a progress bar for `await s.compute()` and how an interrupt cancels it without
 * the cell passing options. The observer's signal and progress are added to the caller's own
 * (`signal` and `onProgress` in the options), never replace them.
 */
import type { ComputeOptions, ComputeProgress } from "./graph";

export interface ComputeRun {
  /** Aborts this compute (between tasks). */
  signal?: AbortSignal;
  progress?(p: ComputeProgress): void;
  /** Called once at the end, with the error if the compute failed. */
  end?(error?: unknown): void;
}

export interface ComputeObserver {
  /** Called when a compute starts; what it returns follows that compute. */
  start(info: { sync: boolean }): ComputeRun | undefined;
}

let observer: ComputeObserver | null = null;

/** Install (or remove, with null) the process-wide compute observer. Returns the previous one. */
export function setComputeObserver(o: ComputeObserver | null): ComputeObserver | null {
  const prev = observer;
  observer = o;
  return prev;
}

function merge(opts: ComputeOptions, run: ComputeRun): ComputeOptions {
  const signals = [opts.signal, run.signal].filter((s): s is AbortSignal => s !== undefined);
  const user = opts.onProgress;
  return {
    ...opts,
    signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
    onProgress:
      run.progress || user
        ? (p: ComputeProgress) => {
            user?.(p);
            run.progress?.(p);
          }
        : undefined,
  };
}

/** Runs an asynchronous compute under the observer. */
export async function observed<T>(opts: ComputeOptions, body: (opts: ComputeOptions) => Promise<T>): Promise<T> {
  const run = observer?.start({ sync: false });
  if (!run) return body(opts);
  try {
    const out = await body(merge(opts, run));
    run.end?.();
    return out;
  } catch (e) {
    run.end?.(e);
    throw e;
  }
}

/** Runs a synchronous compute under the observer. */
export function observedSync<T>(opts: ComputeOptions, body: (opts: ComputeOptions) => T): T {
  const run = observer?.start({ sync: true });
  if (!run) return body(opts);
  try {
    const out = body(merge(opts, run));
    run.end?.();
    return out;
  } catch (e) {
    run.end?.(e);
    throw e;
  }
}
