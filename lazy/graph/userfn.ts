/**
 * User functions (mapBlocks, mapOverlap) and where they run. By default a function travels in the
 * task's main-thread-only `local.fn`: it may close over anything (notebook variables), and runs on
 * the main thread between the workers' tasks. With `portable: true` its source text travels in the
 * task's parameters instead and is compiled where the task runs, on a worker thread under the
 * "threads" scheduler: it may then use only its arguments and globals (Math, ...). The sync
 * scheduler compiles it the same way, so a function behaves alike under both schedulers.
 */
import { createHash } from "node:crypto";
import { TaskLocal } from "./graph";
import { TypeError } from "../core/errors";

const compiled = new Map<string, (...args: never[]) => unknown>();
/** The file name of each compiled portable function in stack traces -> its source and prefix. */
const byUrl = new Map<string, { source: string; prefix: number }>();
const URL_PREFIX = "portable-function-";

/** `portable-function-<hash of the source>`: the same on every thread, named in stack frames. */
function urlOf(source: string): string {
  return URL_PREFIX + createHash("sha1").update(source).digest("hex").slice(0, 12);
}

function compile(source: string): (...args: never[]) => unknown {
  let f = compiled.get(source);
  if (f) return f;
  let made: unknown;
  const url = urlOf(source);
  // new Function's body starts on line 3 of its script ("function anonymous(", ") {" before it);
  // the source starts after "return (" or "const o = { " on line 4.
  let prefix = "return (".length;
  try {
    made = new Function(`"use strict";\nreturn (${source});\n//# sourceURL=${url}`)();
  } catch {
    // method shorthand, `name(a) { ... }`, is not an expression on its own
    prefix = "const o = { ".length;
    made = new Function(`"use strict";\nconst o = { ${source} };\nreturn o[Object.keys(o)[0]];\n//# sourceURL=${url}`)();
  }
  byUrl.set(url, { source, prefix });
  if (typeof made !== "function") throw new TypeError("the source does not evaluate to a function");
  f = made as (...args: never[]) => unknown;
  compiled.set(source, f);
  return f;
}

/**
 * Where a stack frame `portable-function-<hash>:line:col` (1-based, of a portable function run on
 * any thread) is in that function's source, if this thread has seen the source (the main thread
 * compiles every portable function once to check it): for the kernel's tracebacks.
 */
export function portableFrame(file: string, line: number, col: number): { source: string; line: number; col: number } | undefined {
  const f = file.startsWith(URL_PREFIX) ? byUrl.get(file) : undefined;
  if (!f || line < 4) return undefined;
  return { source: f.source, line: line - 4, col: line === 4 ? col - 1 - f.prefix : col - 1 };
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
