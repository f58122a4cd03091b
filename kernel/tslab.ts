/**
 * A minimal typed shim over the parts of tslab 1.0.22 (Apache-2.0, https://github.com/yunabe/tslab)
 * and its TypeScript fork (@tslab/typescript-for-tslab 5.0.4) that the interpreter uses.
 *
 * tslab's own .d.ts files import the fork's typescript.d.ts, which does not type-check under our
 * TypeScript 5.9 with skipLibCheck false, so everything here is loaded with `require` and cast to
 * the small interfaces below (only the fields we read). The fork is loaded from tslab's own
 * location so that we patch and use exactly the instance tslab's converter uses.
 *
 * Two process-wide patches of the fork's `ts.sys` are installed here (see `createConverterAt`):
 * - `getCurrentDirectory` is overridden while a converter is created, so that its virtual cell files
 *   live in the notebook directory we are given rather than in `process.cwd()`;
 * - `getDirectories` hides tslab's fallback type root (`tslab/node_modules/@types`, kernel.md 1.2):
 *   when the notebook directory has no `node_modules/@types/node` above it, tslab falls back to that
 *   directory, which may not exist (npm hoisting) or may hold another @types/node than ours. We then
 *   load OUR package's @types/node instead (`nodeTypesFile`).
 * - `fileExists`, `directoryExists`, `readFile` and `realpath` serve package aliases
 *   (`addPackageAlias`): `<notebook dir>/node_modules/hyperspy-ts` is made to exist and resolve to
 *   our own package, so that `import ... from "hyperspy-ts"` type-checks from any directory (and
 *   resolves, through realpath, to the very declaration files the preloaded `hs` uses).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";

// ---------------------------------------------------------------------------------------------
// The fork of TypeScript (only what we use)

/** A TS diagnostic message chain (ts.DiagnosticMessageChain). */
export interface TsMessageChain {
  messageText: string;
  category: number;
  code: number;
  next?: TsMessageChain[];
}

/** A parse diagnostic of a source file (ts.DiagnosticWithLocation, the fields we read). */
export interface TsParseDiagnostic {
  start: number;
  length: number;
  code: number;
  messageText: string | TsMessageChain;
}

/** The internal `parseDiagnostics` field of ts.SourceFile. */
export interface TsSourceFile {
  readonly text: string;
  readonly parseDiagnostics?: TsParseDiagnostic[];
}

/** ts.sys: a plain object whose methods we wrap (see the file comment). */
export interface TsSys {
  getCurrentDirectory(): string;
  getDirectories(p: string): string[];
  fileExists(p: string): boolean;
  directoryExists(p: string): boolean;
  readFile(p: string, encoding?: string): string | undefined;
  realpath?(p: string): string;
}

export interface TsResolvedTypeReference {
  resolvedTypeReferenceDirective?: { resolvedFileName?: string; primary?: boolean };
}

export interface SymbolDisplayPart {
  text: string;
  kind: string;
}

export interface JSDocTagInfo {
  name: string;
  text?: SymbolDisplayPart[];
}

/** ts.QuickInfo. */
export interface QuickInfo {
  kind: string;
  kindModifiers: string;
  textSpan: { start: number; length: number };
  displayParts?: SymbolDisplayPart[];
  documentation?: SymbolDisplayPart[];
  tags?: JSDocTagInfo[];
}

/** ts.CompletionEntry (the fields we read). */
export interface TsCompletionEntry {
  name: string;
  kind: string;
  kindModifiers?: string;
  sortText: string;
}

export interface TsCompletionInfo {
  entries: TsCompletionEntry[];
}

export interface TsFork {
  readonly version: string;
  readonly versionMajorMinor: string;
  readonly sys: TsSys;
  readonly ScriptTarget: { readonly Latest: number };
  readonly ScriptKind: { readonly TS: number };
  createSourceFile(fileName: string, text: string, target: number, setParentNodes?: boolean, kind?: number): TsSourceFile;
  resolveTypeReferenceDirective(
    name: string,
    containingFile: string,
    options: { typeRoots?: string[] },
    host: TsSys,
  ): TsResolvedTypeReference;
  getDefaultTypeRoots(currentDirectory: string, host: { directoryExists(p: string): boolean }): string[] | undefined;
  displayPartsToString(parts: SymbolDisplayPart[] | undefined): string;
}

// ---------------------------------------------------------------------------------------------
// tslab's converter (tslab/dist/converter.d.ts, restated)

export interface DiagnosticPos {
  /** UTF-16 offset in the cell. */
  offset: number;
  /** Zero-based line. */
  line: number;
  /** Zero-based UTF-16 column. */
  character: number;
}

export interface ConverterDiagnostic {
  start: DiagnosticPos;
  end: DiagnosticPos;
  messageText: string;
  category: number;
  code: number;
  /** Set for diagnostics in other files (relative to the notebook directory); unset for the cell. */
  fileName?: string;
}

export interface SideOutput {
  path: string;
  data: string;
}

export interface ConvertResult {
  output?: string;
  declOutput?: string;
  diagnostics: ConverterDiagnostic[];
  lastExpressionVar?: string;
  hasToplevelAwait?: boolean;
  sideOutputs?: SideOutput[];
}

export interface CompletionResult {
  /** UTF-16 offsets in the cell. */
  start: number;
  end: number;
  candidates: string[];
  original?: TsCompletionInfo;
}

export interface Converter {
  convert(prevDecl: string, src: string): ConvertResult;
  inspect(prevDecl: string, src: string, position: number): QuickInfo | undefined;
  complete(prevDecl: string, src: string, position: number): CompletionResult;
  close(): void;
  addModule(name: string, content: string, meta?: CodeMetadata): ConverterDiagnostic[];
}

export interface CodeMetadata {
  mode?: "node" | "browser";
  module?: string;
  jsx?: true;
}

interface ConverterModule {
  createConverter(options?: { isJS?: boolean; isBrowser?: boolean }): Converter;
  isCompleteCode(content: string): { completed: boolean; indent?: string };
}

interface InspectModule {
  printQuickInfo(info: QuickInfo): string;
}

interface MetadataModule {
  getCodeMetadata(src: string): CodeMetadata;
}

// ---------------------------------------------------------------------------------------------
// Loading

const tslabDir = path.dirname(require.resolve("tslab/package.json"));
const requireFromTslab = createRequire(path.join(tslabDir, "package.json"));

/** The TypeScript fork, the very instance tslab's converter uses. */
export const ts = requireFromTslab("@tslab/typescript-for-tslab") as TsFork;
const converterModule = requireFromTslab("./dist/converter") as ConverterModule;
const inspectModule = requireFromTslab("./dist/inspect") as InspectModule;
const metadataModule = requireFromTslab("./dist/metadata") as MetadataModule;

/** The version of tslab in use (from its package.json). */
export const tslabVersion: string = (JSON.parse(fs.readFileSync(path.join(tslabDir, "package.json"), "utf8")) as { version: string }).version;

/** The TypeScript version of the fork ("5.0.4"): for kernel_info's language_info.version. */
export const typescriptVersion: string = ts.version;

/** tslab's is-complete heuristic (parses the code as TSX; see Interpreter.isComplete). */
export function isCompleteCode(code: string): { completed: boolean; indent?: string } {
  return converterModule.isCompleteCode(code);
}

/** tslab's text rendering of quick info (signature, docs, tags). */
export function printQuickInfo(info: QuickInfo): string {
  return inspectModule.printQuickInfo(info);
}

/** tslab's cell metadata (`/** @module name *\/`, `@node`, `@browser`, `@jsx` in the leading comment). */
export function getCodeMetadata(src: string): CodeMetadata {
  return metadataModule.getCodeMetadata(src);
}

interface TsNode {
  kind: number;
  pos: number;
  end: number;
  name?: TsNode;
  objectAssignmentInitializer?: TsNode;
  getStart(sf?: TsSourceFile): number;
}
interface TsAstApi {
  SyntaxKind: { ShorthandPropertyAssignment: number };
  forEachChild(node: unknown, cb: (n: TsNode) => void): void;
}

/**
 * `{ a }` written as `{ a: a }` (shorthand object properties expanded, on the same line). tslab's
 * converter rewrites names from earlier cells to `exports.a`, but not inside a shorthand property,
 * so `{ a }` with `a` from an earlier cell threw "a is not defined" at run time. Destructuring
 * defaults (`{ a = 1 } = o`) are left as they are.
 */
export function expandShorthandProperties(code: string): string {
  if (!code.includes("{")) return code;
  const api = ts as unknown as TsAstApi;
  const sf = ts.createSourceFile("__cell__.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts: { at: number; text: string }[] = [];
  const visit = (n: TsNode) => {
    if (n.kind === api.SyntaxKind.ShorthandPropertyAssignment && n.name && !n.objectAssignmentInitializer) {
      const id = code.slice(n.name.getStart(sf), n.name.end);
      inserts.push({ at: n.name.end, text: `: ${id}` });
    }
    api.forEachChild(n, visit);
  };
  api.forEachChild(sf, visit);
  if (!inserts.length) return code;
  let out = code;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

/** Parse diagnostics of `code` parsed as a TypeScript (not TSX) module. */
export function parseDiagnostics(code: string): TsParseDiagnostic[] {
  const sf = ts.createSourceFile("__cell__.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return sf.parseDiagnostics ?? [];
}

/** The flattened text of a diagnostic message (a chain's head message). */
export function messageText(m: string | TsMessageChain): string {
  return typeof m === "string" ? m : m.messageText;
}

// ---------------------------------------------------------------------------------------------
// Type roots

/** tslab's fallback type root: `<tslab>/node_modules/@types` (converter.js getTypeRoots). */
const tslabFallbackTypeRoot = path.join(tslabDir, "node_modules", "@types");

/** Package aliases: virtual directory (absolute) -> real directory. */
const aliases = new Map<string, string>();

/** The real path behind a virtual alias path, or the path itself. */
function unalias(p: string): string {
  if (aliases.size === 0) return p;
  for (const [virt, real] of aliases) {
    if (p === virt) return real;
    if (p.startsWith(virt) && p.charCodeAt(virt.length) === 47 /* / */) return real + p.slice(virt.length);
  }
  return p;
}

let sysPatched = false;
function patchSys(): void {
  if (sysPatched) return;
  sysPatched = true;
  const sys = ts.sys;
  const getDirectories = sys.getDirectories.bind(sys);
  // Hide the packages of tslab's fallback type root: we provide Node's types ourselves.
  sys.getDirectories = (p: string): string[] =>
    path.resolve(p) === tslabFallbackTypeRoot && nodeTypesFile() !== null ? [] : getDirectories(unalias(p));
  const fileExists = sys.fileExists.bind(sys);
  sys.fileExists = (p: string): boolean => fileExists(unalias(p));
  const directoryExists = sys.directoryExists.bind(sys);
  sys.directoryExists = (p: string): boolean => directoryExists(unalias(p));
  const readFile = sys.readFile.bind(sys);
  sys.readFile = (p: string, encoding?: string): string | undefined => readFile(unalias(p), encoding);
  const realpath = sys.realpath?.bind(sys);
  sys.realpath = (p: string): string => {
    const q = unalias(p);
    return realpath ? realpath(q) : q;
  };
}

/**
 * Make `<cwd>/node_modules/<name>` resolve, for TypeScript, to the package at `realRoot`, unless a
 * real one exists there. Process-wide (for every converter), keyed by the exact directory.
 */
export function addPackageAlias(cwd: string, name: string, realRoot: string): void {
  patchSys();
  const virt = path.join(cwd, "node_modules", name);
  if (aliases.has(virt) || path.resolve(virt) === path.resolve(realRoot) || fs.existsSync(virt)) return;
  aliases.set(virt, realRoot);
}

let nodeTypesCache: string | null | undefined;
/**
 * The entry file of OUR package's @types/node as TypeScript 5.0 sees it (honouring its
 * `typesVersions`: `ts5.6/index.d.ts` for TS <= 5.6), or null if it cannot be found.
 */
export function nodeTypesFile(): string | null {
  if (nodeTypesCache !== undefined) return nodeTypesCache;
  nodeTypesCache = null;
  let pkgJson: string;
  try {
    pkgJson = require.resolve("@types/node/package.json");
  } catch {
    return null;
  }
  const typeRoot = path.dirname(path.dirname(pkgJson));
  const r = ts.resolveTypeReferenceDirective("node", path.join(path.dirname(typeRoot), "__hyperspy_ts__.ts"), { typeRoots: [typeRoot] }, ts.sys);
  const f = r.resolvedTypeReferenceDirective?.resolvedFileName;
  if (f && fs.existsSync(f)) nodeTypesCache = f;
  return nodeTypesCache;
}

/**
 * Whether TypeScript would find @types/node by itself from `cwd` (a `node_modules/@types/node` in
 * `cwd` or one of its ancestors: tslab's default type roots).
 */
export function cwdHasNodeTypes(cwd: string): boolean {
  const roots = ts.getDefaultTypeRoots(cwd, { directoryExists: (p) => ts.sys.directoryExists(p) }) ?? [];
  return roots.some((r) => ts.sys.fileExists(path.join(r, "node", "package.json")));
}

/**
 * Create a tslab converter whose virtual cell files live in `cwd` (module resolution and relative
 * imports of cells start there). Takes about a second.
 */
export function createConverterAt(cwd: string): Converter {
  patchSys();
  const sys = ts.sys;
  const saved = sys.getCurrentDirectory;
  sys.getCurrentDirectory = () => cwd;
  try {
    return converterModule.createConverter({ isJS: false, isBrowser: false });
  } finally {
    sys.getCurrentDirectory = saved;
  }
}
