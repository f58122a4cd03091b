/**
 * User functions (mapBlocks, mapOverlap) and where they run. By default a function travels in the
 * task's main-thread-only `local.fn`: it may close over anything (notebook variables), and runs on
 * the main thread between the workers' tasks. With `portable: true` its source text travels in the
 * task's parameters instead and is compiled where the task runs, on a worker thread under the
 * "threads" scheduler: it may then use only its arguments and globals (Math, ...). The sync
 * scheduler compiles it the same way, so a function behaves alike under both schedulers.
 */
import { TaskLocal } from "./graph";

const compiled = new Map<string, (...args: never[]) => unknown>();

function compile(source: string): (...args: never[]) => unknown {
  let f = compiled.get(source);
  if (f) return f;
  let made: unknown;
  try {
    made = new Function(`"use strict";\nreturn (${source});`)();
  } catch {
    // method shorthand, `name(a) { ... }`, is not an expression on its own
    made = new Function(`"use strict";\nconst o = { ${source} };\nreturn o[Object.keys(o)[0]];`)();
  }
  if (typeof made !== "function") throw new TypeError("the source does not evaluate to a function");
  f = made as (...args: never[]) => unknown;
  compiled.set(source, f);
  return f;
}

/** The source text of a function that can run on a worker thread, checked to compile. */
export function portableSource(fn: (...args: never[]) => unknown, what: string): string {
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(`${what}: portable: a built-in or bound function has no source to send to a worker; wrap it: (b, info) => f(b, info), or drop \`portable\``);
  }
  try {
    compile(source);
  } catch (e) {
    throw new TypeError(`${what}: portable: the function's source could not be recompiled (${e instanceof Error ? e.message : String(e)}); drop \`portable\` to run it on the main thread`);
  }
  return source;
}

/** The function a task calls: its main-thread function, or its portable source compiled here. */
export function userFunction(local: TaskLocal | undefined, source: string | undefined, what: string): (...args: never[]) => unknown {
  if (local?.fn) return local.fn;
  if (source !== undefined) return compile(source);
  throw new Error(`internal: ${what} task without its function`);
}

/** Add the likely fix to an error thrown by a portable function that used a variable it cannot see. */
export function portableHint(e: unknown, what: string): unknown {
  if (e instanceof Error && /ReferenceError/.test(e.message)) {
    return new Error(
      `${e.message}\n(${what} with portable: true runs the function from its source on a worker thread, where variables ` +
        `from outside the function do not exist: compute them inside, pass them as arrays, or drop \`portable\` to run on the main thread)`,
      { cause: e },
    );
  }
  return e;
}
