/**
 * The language side of the TypeScript (HyperSpy) kernel: type-check, transpile and run cells with
 * tslab's converter (tslab 1.0.22, TypeScript 5.0.4 fork), in the kernel's own realm, with our own
 * small executor (tslab's createExecutor and Jupyter layer are not used).
 *
 * - Cells share state: every top-level name of a cell lands in one `exports` object, and the
 *   declarations of earlier cells are type-checked through tslab's `prevDecl`. Redeclaring a name in
 *   a later cell is allowed (as in tslab).
 * - Top-level `await` works. The value of the last expression is returned raw; when it is a
 *   thenable it is awaited first, so `s.compute()` without `await` shows the computed signal.
 *   `interrupt()` ends either await at once (the promise itself keeps running: cancelling the work
 *   is up to it, e.g. an AbortSignal).
 * - Synchronous code runs under `vm.runInThisContext(..., { breakOnSigint: true })`: a SIGINT to
 *   the process (the process must have a SIGINT listener) stops a `while (true) {}` cell. Code that
 *   runs after the first `await` of a cell is outside that call and cannot be stopped that way.
 * - Preloaded globals (`hs`) are declared to TypeScript in a virtual module
 *   (`declare global { export import hs = <module> }`: a value AND a namespace, so `hs.signals.Signal1D`
 *   works as a type too) and assigned on `globalThis`. Node's own types come from this package's
 *   @types/node when the notebook directory has none above it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import Module, { createRequire } from "node:module";
import * as tslab from "./tslab";
import type { ConvertResult, Converter, ConverterDiagnostic, QuickInfo } from "./tslab";
import { CellSourceMap, formatDiagnostics, formatRuntimeError, type CellInfo, type CellPosition, type ErrorContent } from "./traceback";
import { portableFrame } from "../lazy/graph/userfn";

/** The library's compiled code (dist/lazy, dist/signals): frames hidden in tracebacks that reach a cell. */
const LIBRARY_DIRS = [path.join(path.resolve(__dirname, ".."), "lazy") + path.sep, path.join(path.resolve(__dirname, ".."), "signals") + path.sep];

export interface PreloadEntry {
  /** The global name, e.g. "hs". */
  global: string;
  /** Absolute path without extension; `<modulePath>.js` and `<modulePath>.d.ts` exist. */
  modulePath: string;
  /** A member of the module to bind instead of the whole module. */
  member?: string;
}

/** What the interpreter runs: its own work (type-check), a cell's synchronous part, or a cell after an await. */
export type Phase = "kernel" | "sync" | "async";

export interface InterpreterOptions {
  /** The notebook directory: relative imports and `require` of cells resolve from here. */
  cwd: string;
  preload?: PreloadEntry[];
  /**
   * Bare module names whose `require` (and `import`) in cells gives our module instead, each to a
   * directory with an `index.js`: `{tslab: ".../tslab-shim"}`. Run time only: for "tslab", the
   * types come from tslab's converter, which serves `<cwd>/node_modules/tslab` from tslab's own
   * package (its dist/public.d.ts, the API our shim implements).
   */
  modules?: Record<string, string>;
  /** Told when the interpreter enters each phase of a cell (the kernel's interrupt logic uses it). */
  onPhase?: (p: Phase) => void;
}

export type ExecuteOutcome =
  | { status: "ok"; hasValue: boolean; value?: unknown }
  | { status: "error"; ename: string; evalue: string; traceback: string[]; interrupted: boolean };

export interface ExecuteOptions {
  /** The cell's execution count; cells are named `cell[<count>]` in stack traces and diagnostics. */
  executionCount: number | null;
}

export interface CompleteResult {
  matches: string[];
  /** Unicode code point offsets. */
  cursorStart: number;
  cursorEnd: number;
  metadata: Record<string, unknown>;
}

export interface InspectResult {
  found: boolean;
  data: Record<string, string>;
  metadata: Record<string, unknown>;
}

export interface IsCompleteResult {
  status: "complete" | "incomplete" | "invalid" | "unknown";
  indent?: string;
}

/** Versions for kernel_info (language_info.version is the TypeScript version). */
export const versions: { typescript: string; tslab: string; node: string } = {
  typescript: tslab.typescriptVersion,
  tslab: tslab.tslabVersion,
  node: process.versions.node,
};

/** The name of this package, `require`-able (and importable) from every cell. */
export const PACKAGE_NAME = "hyperspy-ts";

/** The root of this package (the directory of its package.json). */
export const packageRoot: string = (() => {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if ((JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // keep looking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(__dirname, "..", "..");
    dir = up;
  }
})();

// ---------------------------------------------------------------------------------------------
// Code points <-> UTF-16

/** UTF-16 offset of the `cp`-th code point of `s` (clamped to the string). */
export function codePointToUtf16(s: string, cp: number): number {
  let i = 0;
  let n = 0;
  while (n < cp && i < s.length) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    n++;
  }
  return i;
}

/** Number of code points in the first `u` UTF-16 units of `s`. */
export function utf16ToCodePoint(s: string, u: number): number {
  let n = 0;
  let i = 0;
  const end = Math.min(u, s.length);
  while (i < end) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < end && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------

/** The rejection reason of an interrupted await. */
class InterruptSignal {}

function keyboardInterrupt(): ExecuteOutcome {
  return {
    status: "error",
    ename: "KeyboardInterrupt",
    evalue: "Interrupted by the user",
    traceback: ["\x1b[1;31mKeyboardInterrupt\x1b[0m: Interrupted by the user"],
    interrupted: true,
  };
}

function isInterruption(e: unknown): boolean {
  if (e instanceof InterruptSignal) return true;
  if (typeof e === "object" && e !== null) {
    const code = (e as { code?: unknown }).code;
    return code === "ERR_SCRIPT_EXECUTION_INTERRUPTED";
  }
  return false;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** TypeScript completion kinds (ScriptElementKind) -> the type names JupyterLab shows. */
function completionType(kind: string | undefined): string {
  switch (kind) {
    case "function":
    case "local function":
    case "method":
    case "construct":
    case "call":
    case "index":
      return "function";
    case "class":
    case "local class":
      return "class";
    case "interface":
      return "interface";
    case "type":
    case "type parameter":
    case "primitive type":
      return "type";
    case "enum":
      return "enum";
    case "enum member":
      return "enum member";
    case "module":
    case "external module name":
    case "alias":
      return "module";
    case "keyword":
      return "keyword";
    case "property":
    case "getter":
    case "setter":
    case "accessor":
      return "property";
    case "parameter":
      return "param";
    case "var":
    case "local var":
    case "let":
    case "const":
      return "instance";
    case "string":
      return "text";
    case "directory":
    case "script":
      return "path";
    default:
      return kind || "<unknown>";
  }
}

interface CellRecord {
  name: string;
  source: string;
  js: string;
  map?: CellSourceMap;
}

interface SideModule {
  exports: unknown;
}

interface InternalModule {
  filename: string;
  paths: string[];
  exports: unknown;
  require: NodeJS.Require;
  _compile(code: string, filename: string): void;
}

interface ModuleInternals {
  new (id: string, parent?: unknown): InternalModule;
  _nodeModulePaths(dir: string): string[];
}

let instanceCounter = 0;
const MAX_CELLS = 5000;

export class Interpreter {
  readonly cwd: string;
  private conv: Converter;
  private prevDecl = "";
  private readonly preloadSource: string;
  private readonly preload: readonly PreloadEntry[];
  /** `@module` cells (re-added when the converter is recreated). */
  private readonly modules = new Map<string, string>();
  private readonly exportsObj: Record<string | symbol, unknown>;
  private readonly cellRequire: NodeJS.Require;
  private readonly globalKey: string;
  private readonly cells = new Map<string, CellRecord>();
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, SideModule>();
  private silentCounter = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private rejectCurrent: ((e: unknown) => void) | null = null;
  private closed = false;
  private readonly moduleDirs: ReadonlyMap<string, string>;
  private readonly onPhase: (p: Phase) => void;

  constructor(opts: InterpreterOptions) {
    const cwd = path.resolve(opts.cwd);
    if (!fs.existsSync(cwd) || !fs.statSync(cwd).isDirectory()) {
      throw new Error(`Interpreter: the notebook directory ${JSON.stringify(cwd)} does not exist or is not a directory; pass an existing directory as cwd`);
    }
    this.cwd = cwd;
    this.onPhase = opts.onPhase ?? (() => undefined);
    this.moduleDirs = new Map(Object.entries(opts.modules ?? {}));
    for (const [name, dir] of this.moduleDirs) {
      if (!/^[a-z0-9@][\w.@/-]*$/i.test(name)) throw new Error(`Interpreter modules: ${JSON.stringify(name)} is not a package name`);
      if (!path.isAbsolute(dir) || !fs.existsSync(path.join(dir, "index.js"))) {
        throw new Error(`Interpreter modules: ${JSON.stringify(dir)} for ${name} must be an absolute directory with an index.js (build the package first)`);
      }
    }
    const preload = opts.preload ?? [];
    this.preload = preload.map((p) => ({ ...p }));
    for (const p of preload) {
      if (!IDENT.test(p.global)) throw new Error(`Interpreter preload: ${JSON.stringify(p.global)} is not a valid global name (use an identifier such as "hs")`);
      if (p.member !== undefined && !IDENT.test(p.member)) {
        throw new Error(`Interpreter preload: member ${JSON.stringify(p.member)} of ${p.modulePath} is not an identifier`);
      }
      if (!path.isAbsolute(p.modulePath)) {
        throw new Error(`Interpreter preload: modulePath ${JSON.stringify(p.modulePath)} for ${p.global} must be an absolute path (without extension)`);
      }
    }

    // Types: Node's own (when the notebook directory has none), then the preloaded globals.
    const lines: string[] = [];
    if (!tslab.cwdHasNodeTypes(cwd)) {
      const nodeTypes = tslab.nodeTypesFile();
      if (nodeTypes) lines.push(`import ${JSON.stringify(nodeTypes.replace(/\.d\.ts$/, ""))};`);
    }
    preload.forEach((p, i) => lines.push(`import * as __hyperspy_preload_${i} from ${JSON.stringify(p.modulePath)};`));
    lines.push("declare global {");
    preload.forEach((p, i) => lines.push(`  export import ${p.global} = __hyperspy_preload_${i}${p.member ? "." + p.member : ""};`));
    lines.push("}");
    this.preloadSource = lines.join("\n");
    tslab.addPackageAlias(cwd, PACKAGE_NAME, packageRoot);

    this.conv = this.createConverter();

    // Runtime: the globals themselves.
    for (const p of preload) {
      let mod: unknown;
      try {
        mod = require(p.modulePath);
      } catch (e) {
        this.conv.close();
        throw new Error(`Interpreter preload: require(${JSON.stringify(p.modulePath)}) for ${p.global} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      let value = mod;
      if (p.member !== undefined) {
        if (typeof mod !== "object" || mod === null || !(p.member in mod)) {
          this.conv.close();
          throw new Error(`Interpreter preload: ${p.modulePath} has no export ${JSON.stringify(p.member)} for ${p.global}`);
        }
        value = (mod as Record<string, unknown>)[p.member];
      }
      Object.defineProperty(globalThis, p.global, { value, writable: true, configurable: true, enumerable: false });
    }

    this.exportsObj = createExports();
    this.cellRequire = this.makeRequire();
    this.globalKey = `__hyperspy_ts_interpreter_${++instanceCounter}__`;
    Object.defineProperty(globalThis, this.globalKey, {
      value: { exports: this.exportsObj, require: this.cellRequire },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  /** A converter in our cwd with the preload types (and any `@module` cells) added. */
  private createConverter(): Converter {
    const conv = tslab.createConverterAt(this.cwd);
    // 2667 "Imports are not permitted in module augmentations": `export import hs = ...` inside
    // `declare global` is reported but works (hs becomes a global value and namespace).
    const diags = conv.addModule("__hyperspy_ts_preload__", this.preloadSource).filter((d) => d.code !== 2667);
    if (diags.length > 0) {
      conv.close();
      const msgs = diags.map((d) => `  ${d.messageText}`).join("\n");
      throw new Error(
        `Interpreter preload: the declarations of the preloaded globals do not type-check:\n${msgs}\n` +
          `(each modulePath must be an absolute path without extension with a .d.ts beside its .js; build the package first)`,
      );
    }
    for (const [name, src] of this.modules) conv.addModule(name, src);
    return conv;
  }

  /** Replace a converter that threw (its internal state may be inconsistent). */
  private recoverConverter(): void {
    try {
      this.conv.close();
    } catch {
      // ignore
    }
    try {
      this.conv = this.createConverter();
    } catch {
      // keep the old one; the next call reports its own error
    }
  }

  private makeRequire(): NodeJS.Require {
    const base = createRequire(path.join(this.cwd, "__notebook__.js"));
    const ownRequire = require;
    const sideOutputs = this.sideOutputs;
    const sideModules = this.sideModules;
    const M = Module as unknown as ModuleInternals;
    const moduleDirs = this.moduleDirs;
    const wrap = (req: NodeJS.Require, dirname: string): NodeJS.Require => {
      const fromSideOutputs = (id: string): unknown => {
        if (!id.startsWith(".") && !path.isAbsolute(id)) return undefined;
        let filename = path.resolve(dirname, id);
        if (path.extname(filename) === "") filename += ".js";
        const cached = sideModules.get(filename);
        if (cached) return cached.exports;
        const code = sideOutputs.get(filename);
        if (code === undefined) return undefined;
        const mod = new M(filename, module);
        mod.filename = filename;
        mod.paths = M._nodeModulePaths(path.dirname(filename));
        mod.require = wrap(mod.require, path.dirname(filename));
        sideModules.set(filename, mod);
        mod._compile(code, filename);
        return mod.exports;
      };
      const fn = (id: string): unknown => {
        if (id === PACKAGE_NAME || id.startsWith(PACKAGE_NAME + "/")) {
          return ownRequire(path.join(packageRoot, id.slice(PACKAGE_NAME.length)));
        }
        const own = moduleDirs.get(id);
        if (own !== undefined) return ownRequire(path.join(own, "index.js"));
        const side = fromSideOutputs(id);
        if (side !== undefined) return side;
        return req(id);
      };
      return Object.assign(fn, { resolve: req.resolve, cache: req.cache, extensions: req.extensions, main: req.main }) as NodeJS.Require;
    };
    return wrap(base, this.cwd);
  }

  private cellInfo(name: string): CellInfo | undefined {
    const rec = this.cells.get(name);
    if (!rec) return undefined;
    return {
      name,
      source: rec.source,
      map: (line, col) => {
        rec.map ??= new CellSourceMap(rec.source, rec.js, 1);
        return rec.map.map(line, col);
      },
    };
  }

  /** A frame of a portable function (run on a worker from its source) -> the cell that defined it. */
  private portableToCell(file: string, line: number, col: number): { cell: CellInfo; pos: CellPosition } | null {
    const f = portableFrame(file, line, col);
    if (!f) return null;
    const recs = [...this.cells.values()];
    for (let k = recs.length - 1; k >= 0; k--) {
      const rec = recs[k];
      const at = rec.js.indexOf(f.source);
      if (at < 0) continue;
      const before = rec.js.slice(0, at);
      const jsLine = countNewlines(before) + f.line;
      const jsCol = f.line === 0 ? at - (before.lastIndexOf("\n") + 1) + f.col : f.col;
      const cell = this.cellInfo(rec.name);
      // +2: the script V8 ran has the wrapper's line before the cell's JavaScript; 1-based.
      const pos = cell?.map(jsLine + 2, jsCol + 1) ?? null;
      return cell && pos ? { cell, pos } : null;
    }
    return null;
  }

  private runtimeError(e: unknown): ExecuteOutcome {
    if (isInterruption(e)) return keyboardInterrupt();
    return { status: "error", ...this.formatError(e), interrupted: false };
  }

  /**
   * Error content for any thrown value, with frames of cells at cell lines and the kernel's own
   * and Node's internal frames dropped (also for errors of timers, promises and workers).
   */
  formatError(e: unknown): ErrorContent {
    try {
      return formatRuntimeError(e, {
        lookup: (f) => this.cellInfo(f),
        hiddenPathPrefixes: [__dirname + path.sep],
        libraryPathPrefixes: LIBRARY_DIRS,
        resolveFrame: (f, l, c) => this.portableToCell(f, l, c),
      });
    } catch (fe) {
      return { ename: "Error", evalue: String(fe), traceback: [String(fe)] };
    }
  }

  private internalError(what: string, e: unknown): ExecuteOutcome {
    const msg = e instanceof Error ? e.message : String(e);
    return {
      status: "error",
      ename: "InternalError",
      evalue: `${what}: ${msg}`,
      traceback: [`\x1b[1;31mInternalError\x1b[0m: ${what}: ${msg}`, ...(e instanceof Error && e.stack ? e.stack.split("\n").slice(1) : [])],
      interrupted: false,
    };
  }

  /** Await `p`, or reject at once when interrupt() is called. */
  private race<T>(p: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.rejectCurrent = reject;
      Promise.resolve(p).then(resolve, reject);
    }).finally(() => {
      this.rejectCurrent = null;
    });
  }

  /**
   * Run one cell. Never throws for user errors: TypeScript errors give ename "TSError", runtime
   * exceptions their name, interruptions "KeyboardInterrupt" (interrupted: true).
   */
  execute(code: string, opts: ExecuteOptions): Promise<ExecuteOutcome> {
    const run = this.chain.then(() =>
      this.executeNow(code, opts)
        .catch((e: unknown) => this.internalError("the interpreter failed", e))
        .finally(() => this.onPhase("kernel")),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async executeNow(source: string, opts: ExecuteOptions): Promise<ExecuteOutcome> {
    this.onPhase("kernel");
    const code = tslab.expandShorthandProperties(source);
    if (this.closed) return this.internalError("execute", new Error("the interpreter is closed"));
    const name = opts.executionCount === null ? `cell[silent-${++this.silentCounter}]` : `cell[${opts.executionCount}]`;

    // `/** @module name */` cells define an importable in-memory module (tslab's convention).
    let moduleName: string | undefined;
    try {
      moduleName = tslab.getCodeMetadata(code).module;
    } catch {
      moduleName = undefined;
    }
    if (moduleName !== undefined) {
      let diags: ConverterDiagnostic[];
      try {
        diags = this.conv.addModule(moduleName, code);
      } catch (e) {
        this.recoverConverter();
        return this.internalError("TypeScript failed on this module cell", e);
      }
      this.modules.set(moduleName, code);
      if (diags.length > 0) return { status: "error", ...formatDiagnostics(diags.map((d) => ({ ...d, fileName: undefined })), code, name), interrupted: false };
      return { status: "ok", hasValue: false };
    }

    let converted: ConvertResult;
    try {
      converted = this.conv.convert(this.prevDecl, code);
    } catch (e) {
      this.recoverConverter();
      return this.internalError("TypeScript failed on this cell", e);
    }
    if (converted.sideOutputs) {
      for (const o of converted.sideOutputs) {
        this.sideModules.delete(o.path);
        this.sideOutputs.set(o.path, o.data);
      }
    }
    if (converted.diagnostics.length > 0) {
      return { status: "error", ...formatDiagnostics(converted.diagnostics, code, name), interrupted: false };
    }
    const declOutput = converted.declOutput ?? "";
    if (!converted.output) {
      this.prevDecl = declOutput;
      return { status: "ok", hasValue: false };
    }

    const output = converted.output;
    this.cells.delete(name);
    this.cells.set(name, { name, source: code, js: output });
    if (this.cells.size > MAX_CELLS) {
      const oldest = this.cells.keys().next().value;
      if (oldest !== undefined) this.cells.delete(oldest);
    }
    const head = converted.hasToplevelAwait ? "(async function (exports, require) {" : "(function (exports, require) {";
    const wrapped = `${head}\n${output}\n})(globalThis.${this.globalKey}.exports, globalThis.${this.globalKey}.require)`;
    const lastVar = converted.lastExpressionVar;
    const takeLast = (): unknown => {
      if (!lastVar) return undefined;
      const v = this.exportsObj[lastVar];
      delete this.exportsObj[lastVar];
      return v;
    };

    let value: unknown;
    try {
      let ret: unknown;
      this.onPhase("sync");
      try {
        ret = vm.runInThisContext(wrapped, { filename: name, breakOnSigint: true });
      } finally {
        this.onPhase(converted.hasToplevelAwait ? "async" : "kernel");
      }
      if (converted.hasToplevelAwait) await this.race(ret as Promise<unknown>);
      value = takeLast();
      if (isThenable(value)) {
        this.onPhase("async");
        value = await this.race(value);
      }
      this.onPhase("kernel");
    } catch (e) {
      this.onPhase("kernel");
      takeLast();
      // Names declared before the failure exist at runtime: keep their declarations.
      this.prevDecl = declOutput;
      return this.runtimeError(e);
    }
    this.prevDecl = declOutput;
    if (value === undefined || value === null) return { status: "ok", hasValue: false };
    return { status: "ok", hasValue: true, value };
  }

  /** Completions at a code-point cursor position (from TypeScript's language service). */
  complete(code: string, cursorPos: number): CompleteResult {
    const pos = codePointToUtf16(code, cursorPos);
    const cp = utf16ToCodePoint(code, pos);
    let info: ReturnType<Converter["complete"]>;
    try {
      info = this.conv.complete(this.prevDecl, code, pos);
    } catch {
      this.recoverConverter();
      return { matches: [], cursorStart: cp, cursorEnd: cp, metadata: {} };
    }
    const kinds = new Map<string, string>();
    for (const e of info.original?.entries ?? []) if (!kinds.has(e.name)) kinds.set(e.name, e.kind);
    const matches = [...new Set(info.candidates)];
    const cursorStart = utf16ToCodePoint(code, info.start);
    const cursorEnd = utf16ToCodePoint(code, info.end);
    return {
      matches,
      cursorStart,
      cursorEnd,
      metadata: {
        _jupyter_types_experimental: matches.map((text) => ({ start: cursorStart, end: cursorEnd, text, type: completionType(kinds.get(text)) })),
      },
    };
  }

  /** Quick info (signature and docs) at a code-point cursor position. */
  inspect(code: string, cursorPos: number, detailLevel: number): InspectResult {
    const pos = codePointToUtf16(code, cursorPos);
    let info: QuickInfo | undefined;
    try {
      info = this.conv.inspect(this.prevDecl, code, pos);
      if (!hasInfo(info) && pos > 0) info = this.conv.inspect(this.prevDecl, code, pos - 1);
    } catch {
      this.recoverConverter();
      info = undefined;
    }
    if (!info || !hasInfo(info)) return { found: false, data: {}, metadata: {} };
    const signature = this.fixPreloadAlias(tslab.ts.displayPartsToString(info.displayParts));
    const plain = this.fixPreloadAlias(tslab.printQuickInfo(info));
    const docs = tslab.ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => ({ name: t.name, text: tslab.ts.displayPartsToString(t.text) }));
    const md: string[] = ["```typescript", signature, "```"];
    if (docs) md.push("", docs);
    const shownTags = detailLevel > 0 ? tags : tags.filter((t) => t.name === "param" || t.name === "returns" || t.name === "deprecated");
    if (shownTags.length > 0) {
      md.push("");
      for (const t of shownTags) md.push(`*@${t.name}*${t.text ? " " + t.text.replace(/\n/g, " ") : ""}  `);
    }
    return {
      found: true,
      data: { "text/plain": plain, "text/markdown": md.join("\n") },
      metadata: {},
    };
  }

  /**
   * Quick info of preloaded globals mentions our virtual import (`import hs = __hyperspy_preload_0`):
   * drop that line after a real signature, else show the module path instead.
   */
  private fixPreloadAlias(text: string): string {
    const lines = text.split("\n");
    const isAlias = (l: string): boolean => /^import [\w$]+ = __hyperspy_preload_\d+/.test(l);
    const kept = lines.filter((l, k) => !(k > 0 && isAlias(l)));
    return kept.join("\n").replace(/__hyperspy_preload_(\d+)/g, (m, i: string) => {
      const p = this.preload[Number(i)];
      return p ? `import(${JSON.stringify(p.modulePath)})` : m;
    });
  }

  /**
   * Whether `code` is ready to run. The code is parsed as TypeScript (tslab's isCompleteCode parses
   * TSX, which reads `<T>(x: T) => x` and `<number>x` as unclosed JSX): "incomplete" when the only
   * syntax errors are at the end of the input and say something is expected (unclosed brackets,
   * template literals, block comments, a dangling operator), "invalid" for any other syntax error
   * (`1 +* 2`, `let = ;`, an unterminated "string"), else "complete". Two trailing blank lines force
   * "complete" (tslab's convention, so a console user can always submit).
   */
  isComplete(code: string): IsCompleteResult {
    let diags: ReturnType<typeof tslab.parseDiagnostics>;
    try {
      diags = tslab.parseDiagnostics(code);
    } catch {
      return { status: "unknown" };
    }
    if (diags.length === 0) return { status: "complete" };
    const eof = code.trimEnd().length;
    const trimmed = code.slice(0, eof);
    let incomplete = false;
    for (const d of diags) {
      const msg = tslab.messageText(d.messageText);
      if (d.start < eof) return { status: "invalid" };
      if (msg.endsWith(" expected.") || d.code === 1160 /* Unterminated template literal */ || d.code === 1126 /* Unexpected end of text */) {
        incomplete = true;
      } else if (d.code === 1002 /* Unterminated string literal */ && trimmed.endsWith("\\")) {
        incomplete = true;
      } else {
        return { status: "invalid" };
      }
    }
    if (!incomplete) return { status: "invalid" };
    if (/(^|\n)\s*\n\s*$/.test(code)) return { status: "complete" };
    let indent: string | undefined;
    try {
      indent = tslab.isCompleteCode(code).indent;
    } catch {
      indent = undefined;
    }
    return { status: "incomplete", indent: indent ?? indentOnEnter(code) };
  }

  /** Whether a cell is waiting on a top-level await or a thenable last value (interrupt() ends it). */
  get awaiting(): boolean {
    return this.rejectCurrent !== null;
  }

  /** End a pending top-level await (or the await of a thenable last value) with KeyboardInterrupt. */
  interrupt(): void {
    const reject = this.rejectCurrent;
    if (reject) reject(new InterruptSignal());
  }

  /** Release the converter (its file watchers keep the process alive). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.interrupt();
    try {
      this.conv.close();
    } catch {
      // ignore
    }
    delete (globalThis as Record<string, unknown>)[this.globalKey];
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

function hasInfo(info: QuickInfo | undefined): info is QuickInfo {
  return !!info && ((info.displayParts?.length ?? 0) > 0 || (info.documentation?.length ?? 0) > 0);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  if ((typeof v !== "object" && typeof v !== "function") || v === null) return false;
  try {
    return typeof (v as { then?: unknown }).then === "function";
  } catch {
    return false;
  }
}

/**
 * The exports object of all cells: TypeScript re-exports names with Object.defineProperty (getters
 * for imports); store plain values so that names stay reassignable by later cells (as tslab).
 */
function createExports(): Record<string | symbol, unknown> {
  const target: Record<string | symbol, unknown> = {};
  return new Proxy(target, {
    defineProperty: (_t, prop, attrs) => {
      if (prop === "__esModule") return true;
      target[prop] = attrs.get ? attrs.get() : attrs.value;
      return true;
    },
  });
}

/** tslab's indentation heuristic for the next line (converter.js indentOnEnter, Apache-2.0). */
function indentOnEnter(src: string): string {
  const line = /[^\n]*$/.exec(src)?.[0] ?? "";
  const current = /^\s*/.exec(line)?.[0] ?? "";
  if (/^((?!.*?\/\*).*\*\/)?\s*[}\]].*$/.test(line)) {
    if (current.endsWith("  ")) return current.slice(0, -2);
    if (current.endsWith("\t") || current.endsWith(" ")) return current.slice(0, -1);
    return current;
  }
  if (/^((?!\/\/).)*(\{[^}"'`]*|\([^)"'`]*|\[[^\]"'`]*)$/.test(line)) return current + "  ";
  return current;
}
