/**
 * Timer callbacks that an interrupt can stop. V8's breakOnSigint only reaches code running inside
 * `vm.runInThisContext(..., {breakOnSigint: true})`; a cell's `setTimeout(() => { while (true) {} })`
 * runs outside it, and terminating it from the I/O thread (inspector) would leave Node's async-hook
 * stack corrupted (the process aborts). So the kernel wraps `setTimeout`, `setInterval` and
 * `setImmediate`: each callback runs through a tiny precompiled script with breakOnSigint, and the
 * SIGINT of an interrupt turns into an `ERR_SCRIPT_EXECUTION_INTERRUPTED` error thrown in the
 * callback (reported as an uncaught exception, the kernel keeps running). Costs a few microseconds
 * per callback.
 *
 * Only callbacks registered while a cell's code runs are wrapped, and never a built-in function
 * (a promise's resolve, as in `await new Promise((r) => setTimeout(r, 10))` or the engine's yields
 * between tasks): an interrupt landing in a wrapped callback stops that callback, so the kernel's own
 * timers (which use `originalTimers`) and plain resolvers must stay out of it.
 */
import * as vm from "node:vm";

const CALL = "__hyperspy_ts_timer_call__";
let pending: { fn: (...a: unknown[]) => unknown; self: unknown; args: unknown[] } | null = null;
let depth = 0;
let installed: { setTimeout: typeof setTimeout; setInterval: typeof setInterval; setImmediate: typeof setImmediate } | null = null;
let cellRunning = false;

/** The timer functions as Node made them: for the kernel's own timers. */
export const originalTimers = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, setImmediate: globalThis.setImmediate };

/** Told by the kernel whether a cell's code runs now (timers registered then are wrapped). */
export function setCellRunning(running: boolean): void {
  cellRunning = running;
}

function isNative(f: (...a: unknown[]) => unknown): boolean {
  try {
    return /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(f));
  } catch {
    return true;
  }
}

function runInterruptible(fn: (...a: unknown[]) => unknown, self: unknown, args: unknown[]): unknown {
  if (depth > 0) return fn.apply(self, args);
  pending = { fn, self, args };
  depth++;
  try {
    return script().runInThisContext({ breakOnSigint: true });
  } finally {
    depth--;
  }
}

let compiled: vm.Script | null = null;
function script(): vm.Script {
  if (!compiled) {
    Object.defineProperty(globalThis, CALL, {
      value: () => {
        const p = pending as NonNullable<typeof pending>;
        pending = null;
        return p.fn.apply(p.self, p.args);
      },
      configurable: true,
      enumerable: false,
      writable: false,
    });
    compiled = new vm.Script(`globalThis.${CALL}()`, { filename: "node:hyperspy-ts/timers" });
  }
  return compiled;
}

function wrap<T extends (...a: never[]) => unknown>(orig: T): T {
  const w = function (this: unknown, cb: unknown, ...rest: unknown[]): unknown {
    if (typeof cb !== "function") return (orig as unknown as (...a: unknown[]) => unknown).call(this, cb, ...rest);
    const f = cb as (...a: unknown[]) => unknown;
    if (!cellRunning || isNative(f)) return (orig as unknown as (...a: unknown[]) => unknown).call(this, cb, ...rest);
    const call = function (this: unknown, ...args: unknown[]): unknown {
      return runInterruptible(f, this, args);
    };
    return (orig as unknown as (...a: unknown[]) => unknown).call(this, call, ...rest);
  };
  for (const key of Reflect.ownKeys(orig)) {
    if (key === "length" || key === "name" || key === "prototype") continue;
    const d = Object.getOwnPropertyDescriptor(orig, key);
    if (d) Object.defineProperty(w, key, d);
  }
  // (util.promisify.custom, among the own keys, is copied above: `promisify(setTimeout)` keeps working.)
  return w as unknown as T;
}

/** Install the wrappers on globalThis (idempotent). */
export function installInterruptibleTimers(): void {
  if (installed) return;
  installed = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, setImmediate: globalThis.setImmediate };
  globalThis.setTimeout = wrap(installed.setTimeout);
  globalThis.setInterval = wrap(installed.setInterval);
  globalThis.setImmediate = wrap(installed.setImmediate);
}

/** Put the original functions back. */
export function uninstallInterruptibleTimers(): void {
  if (!installed) return;
  globalThis.setTimeout = installed.setTimeout;
  globalThis.setInterval = installed.setInterval;
  globalThis.setImmediate = installed.setImmediate;
  installed = null;
}
