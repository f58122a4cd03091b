/**
 * Tracebacks for the TypeScript (HyperSpy) kernel: TypeScript diagnostics and runtime exceptions
 * turned into Jupyter `error` content (ename, evalue, traceback lines), with stack frames of cells
 * mapped back to CELL line numbers.
 *
 * tslab's converter re-prints the cell (types erased, `exports.` prefixes, CommonJS transform), so
 * the JavaScript that runs does not keep the cell's lines and has no source map. `CellSourceMap`
 * rebuilds the correspondence by aligning the two token streams (a longest common subsequence of
 * identifiers, literals and punctuation, computed in windows for big cells): every JS token that is
 * also in the cell carries the cell position, and a JS (line, column) maps through the token there.
 */
import * as util from "node:util";

// ---------------------------------------------------------------------------------------------
// Tokens

export interface Token {
  text: string;
  /** Zero-based line. */
  line: number;
  /** Zero-based UTF-16 column of the first character. */
  col: number;
  /** Zero-based UTF-16 column after the last character (on `line`; multi-line tokens are cut there). */
  end: number;
}

const isIdentChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;

/**
 * A forgiving JavaScript/TypeScript tokenizer for alignment only: identifiers/numbers, string
 * literals, template-literal text pieces and single punctuation characters; whitespace and comments
 * dropped. Both sides are tokenized the same way, so its simplifications (regex literals become
 * punctuation and words) do not matter.
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 0;
  let lineStart = 0;
  const n = src.length;
  /** Open `{` (false) and template `${` (true) nesting. */
  const stack: boolean[] = [];
  const push = (start: number, endIdx: number, startLine: number, startLineStart: number): void => {
    const text = src.slice(start, endIdx);
    const col = start - startLineStart;
    const nl = text.indexOf("\n");
    out.push({ text, line: startLine, col, end: nl >= 0 ? col + nl : col + text.length });
  };
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  /** Scan template text from i (just after ` or }) up to the closing ` or ${; push it as one token. */
  const scanTemplate = (): void => {
    const start = i;
    const sl = line;
    const sls = lineStart;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 92 /* \ */) {
        if (src.charCodeAt(i + 1) === 10) newline(i + 1);
        i += 2;
        continue;
      }
      if (c === 96 /* ` */) {
        i++;
        break;
      }
      if (c === 36 /* $ */ && src.charCodeAt(i + 1) === 123 /* { */) {
        i += 2;
        stack.push(true);
        break;
      }
      if (c === 10) newline(i);
      i++;
    }
    push(start, i, sl, sls);
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      newline(i);
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42 /* * */) {
      i += 2;
      while (i < n && !(src.charCodeAt(i) === 42 && src.charCodeAt(i + 1) === 47)) {
        if (src.charCodeAt(i) === 10) newline(i);
        i++;
      }
      i += 2;
      continue;
    }
    if (c === 34 || c === 39 /* " ' */) {
      const start = i;
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) {
          i += 2;
          continue;
        }
        if (d === c) {
          i++;
          break;
        }
        if (d === 10) break;
        i++;
      }
      push(start, i, line, lineStart);
      continue;
    }
    if (c === 96 /* ` */) {
      i++;
      scanTemplate();
      continue;
    }
    if (isIdentChar(c)) {
      const start = i;
      while (i < n && isIdentChar(src.charCodeAt(i))) i++;
      push(start, i, line, lineStart);
      continue;
    }
    if (c === 123 /* { */) {
      stack.push(false);
    } else if (c === 125 /* } */ && stack.length > 0) {
      if (stack.pop() === true) {
        i++;
        scanTemplate();
        continue;
      }
    }
    push(i, i + 1, line, lineStart);
    i++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Alignment

/** Longest common subsequence of a[a0..a1) and b[b0..b1); returns matched index pairs in order. */
function lcs(a: string[], a0: number, a1: number, b: string[], b0: number, b1: number): Array<[number, number]> {
  const n = a1 - a0;
  const m = b1 - b0;
  if (n === 0 || m === 0) return [];
  const w = m + 1;
  // Suffix lengths: L[i][j] = LCS of a[a0+i..a1) and b[b0+j..b1). Values fit in 32 bits.
  const L = new Int32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    const ai = a[a0 + i];
    const row = i * w;
    const next = (i + 1) * w;
    for (let j = m - 1; j >= 0; j--) {
      if (ai === b[b0 + j]) L[row + j] = L[next + j + 1] + 1;
      else {
        const x = L[next + j];
        const y = L[row + j + 1];
        L[row + j] = x > y ? x : y;
      }
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[a0 + i] === b[b0 + j]) {
      pairs.push([a0 + i, b0 + j]);
      i++;
      j++;
    } else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) i++;
    else j++;
  }
  return pairs;
}

/**
 * Align JS tokens `a` with cell tokens `b`: match[i] = index in b, or -1. Exact LCS for small
 * inputs; for big ones, an LCS in sliding windows (commit the first part of each window).
 */
export function alignTokens(a: string[], b: string[]): Int32Array {
  const match = new Int32Array(a.length).fill(-1);
  const WA = 1500;
  const WB = 3000;
  const COMMIT = 1000;
  let ia = 0;
  let ib = 0;
  while (ia < a.length && ib < b.length) {
    const a1 = Math.min(a.length, ia + WA);
    const b1 = Math.min(b.length, ib + WB);
    const last = a1 === a.length && b1 === b.length;
    const pairs = lcs(a, ia, a1, b, ib, b1);
    const limit = last ? a1 : ia + COMMIT;
    let committed = false;
    for (const [x, y] of pairs) {
      if (x >= limit) break;
      match[x] = y;
      ia = x + 1;
      ib = y + 1;
      committed = true;
    }
    if (last) break;
    if (!committed) ia = limit; // nothing in the first part of the window: skip it
  }
  return match;
}

/** A position in a cell: 1-based line and column (UTF-16 units, like V8 and TypeScript). */
export interface CellPosition {
  line: number;
  col: number;
}

/**
 * Maps positions of the JavaScript that runs (the converter's output, `jsLineOffset` lines into the
 * script given to V8) back to the cell's source.
 */
export class CellSourceMap {
  private readonly jsTokens: Token[];
  private readonly cellTokens: Token[];
  private readonly match: Int32Array;
  private readonly jsLineCount: number;

  constructor(
    readonly cellSource: string,
    readonly js: string,
    readonly jsLineOffset: number,
  ) {
    this.cellTokens = tokenize(cellSource);
    // Blank out the lines the converter adds (`exports.a = exports.b = void 0;`, `exports.f = f;`,
    // the __esModule marker) so that their tokens cannot be aligned with the cell's.
    const jsLines = js.split("\n");
    const blanked = jsLines
      .map((l) =>
        /^\s*(exports\.[\w$]+ = )+void 0;\s*$/.test(l) || /^\s*exports\.([\w$]+) = \1;\s*$/.test(l) || /^\s*Object\.defineProperty\(exports, "__esModule"/.test(l) ? "" : l,
      )
      .join("\n");
    // Drop the `exports.` prefixes the converter adds to names of earlier cells.
    const all = tokenize(blanked);
    const kept: Token[] = [];
    for (let k = 0; k < all.length; k++) {
      if (all[k].text === "exports" && all[k + 1]?.text === "." && k + 2 < all.length && isIdentChar(all[k + 2].text.charCodeAt(0))) {
        k++;
        continue;
      }
      kept.push(all[k]);
    }
    this.jsTokens = kept;
    this.jsLineCount = jsLines.length;
    this.match = alignTokens(
      kept.map((t) => t.text),
      this.cellTokens.map((t) => t.text),
    );
  }

  /**
   * The cell position of a 1-based (line, column) of the script V8 ran; null when the position is
   * outside the converter's output (the wrapper around it) or nothing could be aligned.
   */
  map(line: number, col: number): CellPosition | null {
    const jl = line - 1 - this.jsLineOffset;
    const jc = col - 1;
    if (jl < 0 || jl >= this.jsLineCount) return null;
    const toks = this.jsTokens;
    // First token on line jl (binary search).
    let lo = 0;
    let hi = toks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (toks[mid].line < jl) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    let last = first;
    while (last < toks.length && toks[last].line === jl) last++;
    const at = (k: number, within: number): CellPosition => {
      const ct = this.cellTokens[this.match[k]];
      const len = Math.max(0, ct.end - ct.col - 1);
      return { line: ct.line + 1, col: ct.col + Math.min(Math.max(within, 0), len) + 1 };
    };
    // The token at the column, then the next matched one on the line, then the previous one.
    for (let k = first; k < last; k++) {
      if (toks[k].col <= jc && jc < toks[k].end && this.match[k] >= 0) return at(k, jc - toks[k].col);
    }
    for (let k = first; k < last; k++) if (toks[k].col >= jc && this.match[k] >= 0) return at(k, 0);
    for (let k = last - 1; k >= first; k--) if (this.match[k] >= 0) return at(k, 0);
    // Nothing on this line: the line of the nearest matched token before it.
    for (let k = first - 1; k >= 0; k--) {
      if (this.match[k] >= 0) return { line: this.cellTokens[this.match[k]].line + 1, col: 1 };
    }
    for (let k = last; k < toks.length; k++) {
      if (this.match[k] >= 0) return { line: this.cellTokens[this.match[k]].line + 1, col: 1 };
    }
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting helpers

const RED = "\x1b[31m";
const BOLD_RED = "\x1b[1;31m";
const CYAN = "\x1b[36m";
const GREEN = "\x1b[32m";
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/** A source line with its number and a caret line under [col0, col1) (0-based UTF-16 columns). */
function codeFrame(src: string, line0: number, col0: number, col1: number, arrow = false): string[] {
  const lines = src.split("\n");
  if (line0 < 0 || line0 >= lines.length) return [];
  const text = lines[line0].replace(/\r$/, "");
  const num = String(line0 + 1);
  const gutter = " ".repeat(num.length);
  const pad = text.slice(0, Math.min(col0, text.length)).replace(/[^\t]/g, " ");
  const width = Math.max(1, Math.min(col1, text.length) - col0);
  const lead = arrow ? `${GREEN}--> ${RESET}` : "    ";
  return [`${lead}${num} | ${text}`, `    ${gutter} | ${pad}${RED}${"^".repeat(width)}${RESET}`];
}

// ---------------------------------------------------------------------------------------------
// TypeScript diagnostics

/** The fields of tslab's converter diagnostics that we use. */
export interface DiagnosticLike {
  start: { offset: number; line: number; character: number };
  end: { offset: number; line: number; character: number };
  messageText: string;
  code: number;
  fileName?: string;
}

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/**
 * TSError content: one header line per diagnostic (`cell[3]:2:7 - error TS2322: ...`), the
 * continuation lines of its message chain, and the offending cell line with a caret.
 */
export function formatDiagnostics(diags: readonly DiagnosticLike[], src: string, cellName: string): ErrorContent {
  const traceback: string[] = [];
  let first = "";
  for (let k = 0; k < diags.length; k++) {
    const d = diags[k];
    if (!first) first = d.messageText;
    const file = d.fileName ?? cellName;
    traceback.push(`${CYAN}${file}:${d.start.line + 1}:${d.start.character + 1}${RESET} - ${RED}error${RESET} ${DIM}TS${d.code}:${RESET} ${d.messageText}`);
    // tslab flattens a message chain into consecutive entries with the same span (and no
    // fileName): show them as indented continuation lines, then the code frame.
    let j = k + 1;
    while (
      j < diags.length &&
      diags[j].fileName === undefined &&
      d.fileName === undefined &&
      diags[j].start.offset === d.start.offset &&
      diags[j].end.offset === d.end.offset
    ) {
      traceback.push(`    ${diags[j].messageText}`);
      j++;
    }
    k = j - 1;
    if (d.fileName === undefined) {
      const endCol = d.end.line === d.start.line ? d.end.character : Number.MAX_SAFE_INTEGER;
      traceback.push(...codeFrame(src, d.start.line, d.start.character, endCol));
    }
  }
  return { ename: "TSError", evalue: first, traceback };
}

// ---------------------------------------------------------------------------------------------
// Runtime errors

/** What the formatter needs to know about a cell: its source and how to map positions into it. */
export interface CellInfo {
  name: string;
  source: string;
  map(line: number, col: number): CellPosition | null;
}

export interface RuntimeFormatOptions {
  /** Look a script filename up (e.g. "cell[3]"). */
  lookup(filename: string): CellInfo | undefined;
  /** Frames in these files (absolute paths, prefix match) are dropped (the kernel's own code). */
  hiddenPathPrefixes?: readonly string[];
  /**
   * Frames in these files (the library's own code) are dropped when the error, or an error in its
   * cause chain, has a frame in a cell: the user sees where in the cell, not our internals.
   */
  libraryPathPrefixes?: readonly string[];
  /** A frame of a function that ran elsewhere (a portable function on a worker) -> its cell position. */
  resolveFrame?(file: string, line: number, col: number): { cell: CellInfo; pos: CellPosition } | null;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function isErrorLike(e: unknown): e is ErrorLike & object {
  if (e instanceof Error) return true;
  if (typeof e !== "object" || e === null) return false;
  const o = e as ErrorLike;
  return typeof o.message === "string" && typeof o.stack === "string";
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** ename and evalue of a thrown value (Error or not). */
export function describeThrown(e: unknown): { ename: string; evalue: string } {
  if (isErrorLike(e)) {
    const name = safe(() => (typeof e.name === "string" ? e.name : ""), "");
    const ctor = safe(() => {
      const c = (e as { constructor?: { name?: unknown } }).constructor;
      return typeof c?.name === "string" ? c.name : "";
    }, "");
    // `class MyError extends Error {}` keeps name "Error": prefer the class name then.
    const ename = name && name !== "Error" ? name : ctor && ctor !== "Object" ? ctor : name || "Error";
    const evalue = safe(() => String(e.message), "");
    return { ename, evalue };
  }
  if (typeof e === "object" && e !== null) {
    const ctor = safe(() => {
      const c = (e as { constructor?: { name?: unknown } }).constructor;
      return typeof c?.name === "string" ? c.name : "";
    }, "");
    const evalue = safe(() => util.inspect(e, { depth: 2, breakLength: Infinity }), "[object]");
    return { ename: ctor && ctor !== "Object" ? ctor : "Uncaught", evalue };
  }
  const evalue = typeof e === "string" ? e : safe(() => util.inspect(e), String(e));
  return { ename: "Uncaught", evalue };
}

const FRAME_RE = /^(\s*at )(?:(.*?) \()?([^()]+?):(\d+):(\d+)(\)?)$/;

interface FrameResult {
  lines: string[];
  /** The innermost cell frame that could be mapped. */
  top?: { cell: CellInfo; pos: CellPosition };
}

function formatFrames(stack: string, opts: RuntimeFormatOptions, hideLibrary = false): FrameResult {
  const out: string[] = [];
  let top: FrameResult["top"];
  const hidden = hideLibrary ? [...(opts.hiddenPathPrefixes ?? []), ...(opts.libraryPathPrefixes ?? [])] : (opts.hiddenPathPrefixes ?? []);
  for (const raw of stack.split("\n")) {
    if (!/^\s+at /.test(raw)) continue;
    const line = raw.replace(/^\s+/, "    ");
    if (/[( ]node:/.test(line)) continue;
    const m = FRAME_RE.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    let fn: string | undefined = m[2];
    const file = m[3];
    if (hidden.some((p) => file.startsWith(p))) continue;
    let cell = opts.lookup(file);
    let pos: CellPosition | null = null;
    if (cell) pos = cell.map(Number(m[4]), Number(m[5]));
    else {
      const r = opts.resolveFrame?.(file, Number(m[4]), Number(m[5])) ?? null;
      if (r) {
        cell = r.cell;
        pos = r.pos;
        if (fn === "eval") fn = undefined;
      }
    }
    if (!cell) {
      out.push(line);
      continue;
    }
    if (!pos) continue; // the wrapper around the cell's code
    if (!top) top = { cell, pos };
    const where = `${cell.name}:${pos.line}:${pos.col}`;
    // Functions of earlier cells are called as methods of the cells' exports Proxy.
    if (fn?.startsWith("Proxy.")) fn = fn.slice(6);
    out.push(fn ? `    at ${fn} (${CYAN}${where}${RESET})` : `    at ${CYAN}${where}${RESET}`);
  }
  return { lines: out, top };
}

/**
 * Error content for a thrown value: `Name: message`, the stack with cell frames mapped to cell
 * lines (node: internals and the kernel's own frames dropped), the offending cell line, and the
 * `cause` chain ("Caused by: ...") and AggregateError members.
 */
export function formatRuntimeError(e: unknown, opts: RuntimeFormatOptions): ErrorContent {
  const { ename, evalue } = describeThrown(e);
  const traceback: string[] = [];
  const seen = new Set<unknown>();
  // Does any error of the chain have a cell frame? Then the library's frames are noise.
  let hideLibrary = false;
  for (let x: unknown = e, k = 0; isErrorLike(x) && k < 9 && !hideLibrary; x = safe(() => x.cause, undefined), k++) {
    const stack = safe(() => (typeof (x as ErrorLike).stack === "string" ? ((x as ErrorLike).stack as string) : ""), "");
    hideLibrary = formatFrames(stack, opts).top !== undefined;
  }
  const one = (x: unknown, label: string, depth: number): void => {
    const d = describeThrown(x);
    const headName = label ? `${label}${d.ename}` : `${BOLD_RED}${d.ename}${RESET}`;
    traceback.push(`${headName}: ${d.evalue}`);
    if (!isErrorLike(x)) return;
    if (seen.has(x)) return;
    seen.add(x);
    const stack = safe(() => (typeof x.stack === "string" ? x.stack : ""), "");
    const frames = formatFrames(stack, opts, hideLibrary);
    traceback.push(...frames.lines);
    if (frames.top && depth === 0) {
      const { cell, pos } = frames.top;
      traceback.push("", `${CYAN}${cell.name}${RESET}, line ${pos.line}:`);
      traceback.push(...codeFrame(cell.source, pos.line - 1, pos.col - 1, pos.col, true));
      shownTop = true;
    } else if (frames.top && !causeTop) causeTop = frames.top;
    if (depth >= 8) return;
    const errors = safe(() => x.errors, undefined);
    if (Array.isArray(errors)) {
      errors.slice(0, 10).forEach((sub, k) => {
        traceback.push("");
        one(sub, `[errors[${k}]] `, depth + 1);
      });
    }
    const cause = safe(() => x.cause, undefined);
    if (cause !== undefined && !seen.has(cause)) {
      traceback.push("");
      one(cause, "Caused by: ", depth + 1);
    }
  };
  let shownTop = false;
  let causeTop: FrameResult["top"];
  one(e, "", 0);
  if (!shownTop && causeTop) {
    // The error itself has no cell frame (a wrapper, or an error from a worker): show where its cause was.
    const { cell, pos } = causeTop;
    traceback.push("", `${CYAN}${cell.name}${RESET}, line ${pos.line}:`);
    traceback.push(...codeFrame(cell.source, pos.line - 1, pos.col - 1, pos.col, true));
  }
  return { ename, evalue, traceback };
}
